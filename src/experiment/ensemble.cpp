#include "deeprg/experiment/ensemble.hpp"

#include <algorithm>
#include <chrono>
#include <exception>
#include <set>
#include <string_view>

#include "deeprg/core/clock.hpp"
#include "deeprg/core/error.hpp"
#include "deeprg/core/parallel.hpp"
#include "deeprg/experiment/ensemble_summary.hpp"
#include "deeprg/experiment/run.hpp"
#include "deeprg/experiment/run_directory.hpp"
#include "deeprg/io/atomic_file.hpp"
#include "deeprg/version.hpp"
#include "stages.hpp"
#include "text.hpp"

namespace deeprg::experiment {

namespace {

namespace fs = std::filesystem;
using detail::format;
using detail::trim;

constexpr std::size_t kMaxSeeds = 100000;
constexpr std::uint64_t kMaxSeed = (std::uint64_t{1} << 63) - 1;  // validate()'s run.seed bound

// A seed written in decimal digits, at most kMaxSeed.
std::uint64_t parse_seed(std::string_view text, const std::string& list) {
  const bool digits =
      !text.empty() && text.size() <= 19 &&
      std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (!digits)
    throw ConfigError("seeds", "'" + std::string(text) + "' in '" + list +
                                   "' is not a seed (a whole number from 0 to 2^63 - 1); write "
                                   "seeds as a list like 1-8 or 1,3,5 or 1-4,10");
  std::uint64_t value = 0;
  for (const char c : text) value = value * 10 + static_cast<std::uint64_t>(c - '0');
  if (value > kMaxSeed)
    throw ConfigError("seeds", std::string(text) + " is beyond the largest seed, 2^63 - 1");
  return value;
}

// The run configuration as config.json records it, for comparing two runs or ensembles: every
// key but run.threads (never changes a result), analysis keys included.
std::optional<std::string> config_difference(const nlohmann::json& previous,
                                             const nlohmann::json& resolved) {
  if (const auto key = first_difference(previous, resolved)) return key;
  const nlohmann::json none = nlohmann::json::object();
  const auto& a = previous.contains("analysis") ? previous["analysis"] : none;
  const auto& b = resolved.contains("analysis") ? resolved["analysis"] : none;
  for (const auto& [key, value] : a.items())
    if (!b.contains(key) || b[key] != value) return "analysis." + key;
  for (const auto& [key, value] : b.items())
    if (!a.contains(key)) return "analysis." + key;
  return std::nullopt;
}

nlohmann::json read_json(const fs::path& path) {
  return nlohmann::json::parse(io::read_file(path));
}

// A member's run reported under its name, on rank 0.
class MemberObserver : public Observer {
 public:
  MemberObserver(Observer& out, std::string name) : out_(out), prefix_("[" + name + "] ") {}
  void message(std::string_view line) override { out_.message(prefix_ + std::string(line)); }
  void progress_started(std::string_view stage, double done_before) override {
    out_.progress_started(prefix_ + std::string(stage), done_before);
  }
  void progress(std::string_view stage, double done, double total) override {
    out_.progress(prefix_ + std::string(stage), done, total);
  }
  void progress_finished(std::string_view stage) override {
    out_.progress_finished(prefix_ + std::string(stage));
  }
  void stage_finished(const StageTime& time) override { out_.stage_finished(time); }

 private:
  Observer& out_;
  std::string prefix_;
};

// Rank 0 checks the ensemble directory; every rank learns the verdict ("" when usable).
std::string check_directory(const EnsembleOptions& options, Communicator& world) {
  if (std::string problem = writable_directory_problem(options.directory, world); !problem.empty())
    return problem;
  std::string problem;
  if (world.rank() == 0) {
    const fs::path& dir = options.directory;
    const fs::path previous = dir / "ensemble.json";
    if (fs::exists(previous)) {
      nlohmann::json earlier;
      try {
        earlier = read_json(previous).at("config");
      } catch (const std::exception& e) {
        problem = previous.string() + " is not a deeprg ensemble summary (" + e.what() +
                  "); use another directory";
      }
      const nlohmann::json sweep = sweep_json(options.sweep);
      if (problem.empty() && read_json(previous).value("sweep", nlohmann::json()) != sweep)
        problem = dir.string() + " holds an ensemble of another sweep (" +
                  read_json(previous).value("sweep", nlohmann::json()).dump() +
                  "); use another directory, or delete that one to replace it";
      if (problem.empty()) {
        const nlohmann::json resolved = recorded_config(options);
        if (const auto key = config_difference(earlier, resolved)) {
          const auto dot = key->find('.');
          const std::string section = key->substr(0, dot), name = key->substr(dot + 1);
          const std::string old = earlier.contains(section) && earlier[section].contains(name)
                                      ? earlier[section][name].dump()
                                      : "(unset)";
          problem = dir.string() + " holds an ensemble with " + *key + " = " + old +
                    "; use another directory, or delete that one to replace it";
        }
      }
    }
  }
  return world.broadcast(problem, 0);
}

nlohmann::json outcome_json(std::size_t index, const MemberOutcome& m) {
  return {{"index", index},
          {"name", m.name},
          {"group", m.group},
          {"seed", m.seed},
          {"status", to_string(m.status)},
          {"error", m.error},
          {"rank", m.rank},
          {"seconds", m.seconds},
          {"analysis", m.analysis}};
}

MemberOutcome outcome_from_json(const nlohmann::json& j) {
  MemberOutcome m;
  m.name = j.at("name").get<std::string>();
  m.group = j.at("group").get<std::string>();
  m.seed = j.at("seed").get<std::uint64_t>();
  const std::string status = j.at("status").get<std::string>();
  m.status = status == "ran"       ? MemberOutcome::Status::ran
             : status == "skipped" ? MemberOutcome::Status::skipped
                                   : MemberOutcome::Status::failed;
  m.error = j.at("error").get<std::string>();
  m.rank = j.at("rank").get<int>();
  m.seconds = j.at("seconds").get<double>();
  m.analysis = j.at("analysis");
  return m;
}

}  // namespace

std::vector<std::uint64_t> parse_seeds(const std::string& text) {
  if (trim(text).empty())
    throw ConfigError("seeds", "no seeds given; write seeds as a list like 1-8 or 1,3,5 or 1-4,10");
  std::vector<std::uint64_t> seeds;
  std::set<std::uint64_t> seen;
  auto add = [&](std::uint64_t seed) {
    if (!seen.insert(seed).second)
      throw ConfigError("seeds", "seed " + std::to_string(seed) + " is listed twice in '" + text +
                                     "'; every member needs its own seed");
    seeds.push_back(seed);
  };
  std::string_view rest = text;
  while (true) {
    const auto comma = rest.find(',');
    const std::string_view item = trim(rest.substr(0, comma));
    if (item.empty()) throw ConfigError("seeds", "an empty item in '" + text + "'");
    const auto dash = item.find('-', 1);  // a leading '-' is a sign, refused as not a seed
    if (dash == std::string_view::npos) {
      add(parse_seed(item, text));
    } else {
      const std::uint64_t first = parse_seed(trim(item.substr(0, dash)), text);
      const std::uint64_t last = parse_seed(trim(item.substr(dash + 1)), text);
      if (last < first)
        throw ConfigError("seeds", "the range '" + std::string(item) +
                                       "' decreases; write the smaller seed first");
      if (last - first >= kMaxSeeds || seeds.size() + (last - first) >= kMaxSeeds)
        throw ConfigError("seeds",
                          "more than " + std::to_string(kMaxSeeds) + " seeds in '" + text + "'");
      for (std::uint64_t s = first;; ++s) {
        add(s);
        if (s == last) break;
      }
    }
    if (seeds.size() > kMaxSeeds)
      throw ConfigError("seeds", "more than " + std::to_string(kMaxSeeds) + " seeds");
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  return seeds;
}

std::vector<EnsembleMember> seed_members(const ExperimentConfig& base,
                                         const std::vector<std::uint64_t>& seeds) {
  std::vector<EnsembleMember> members;
  members.reserve(seeds.size());
  for (const std::uint64_t seed : seeds) {
    ExperimentConfig config = base;
    config.seed = seed;
    members.push_back({"seed-" + std::to_string(seed), std::move(config), ""});
  }
  return members;
}

Sweep parse_sweep(const std::string& text, const ExperimentConfig& base) {
  const auto eq = text.find('=');
  if (eq == std::string::npos || trim(std::string_view(text).substr(0, eq)).empty())
    throw ConfigError("sweep",
                      "write a sweep as key=value1,value2,... (e.g. "
                      "lattice.K=0.40,0.4207,0.4407), got '" +
                          text + "'");
  Sweep sweep;
  sweep.key = std::string(trim(std::string_view(text).substr(0, eq)));
  // Split at commas outside brackets and quotes.
  std::string current;
  int depth = 0;
  bool quoted = false;
  std::vector<std::string> values;
  for (const char c : text.substr(eq + 1)) {
    if (c == '"') quoted = !quoted;
    if (!quoted && (c == '[' || c == '{')) ++depth;
    if (!quoted && (c == ']' || c == '}')) --depth;
    if (c == ',' && depth == 0 && !quoted) {
      values.emplace_back(trim(current));
      current.clear();
    } else {
      current += c;
    }
  }
  values.emplace_back(trim(current));
  std::set<std::string> seen;
  for (const std::string& v : values) {
    if (v.empty()) throw ConfigError("sweep", "an empty value in '" + text + "'");
    if (v.find('/') != std::string::npos)
      throw ConfigError("sweep", "the value '" + v + "' holds '/', which a directory name cannot");
    if (!seen.insert(v).second)
      throw ConfigError("sweep", "the value " + v + " is listed twice in '" + text + "'");
    ExperimentConfig probe = base;
    apply_override(probe, sweep.key + "=" + v);  // ConfigError(key) for a bad key or value
    validate(probe);
  }
  if (values.size() > 1000) throw ConfigError("sweep", "more than 1000 values in '" + text + "'");
  sweep.values = std::move(values);
  return sweep;
}

std::vector<EnsembleMember> sweep_members(const ExperimentConfig& base, const Sweep& sweep,
                                          const std::vector<std::uint64_t>& seeds) {
  std::vector<EnsembleMember> members;
  for (const std::string& value : sweep.values) {
    ExperimentConfig config = base;
    const std::string group = sweep.key + "=" + value;
    apply_override(config, group);
    for (EnsembleMember& m : seed_members(config, seeds)) {
      m.name = group + "/" + m.name;
      m.group = group;
      members.push_back(std::move(m));
    }
  }
  return members;
}

bool run_complete(const fs::path& directory, const ExperimentConfig& config) {
  const RunDirectory dir(directory);
  std::error_code ec;
  if (!fs::is_regular_file(dir.report(), ec) || !fs::is_regular_file(dir.analysis(), ec) ||
      !fs::is_regular_file(dir.config(), ec))
    return false;
  try {
    const nlohmann::json previous = read_json(dir.config()).at("config");
    if (config_difference(previous, to_json(config))) return false;
    // run() adds the stage times to analysis.json after the report: its very last write.
    return read_json(dir.analysis()).contains("stage_seconds");
  } catch (const std::exception&) {
    return false;  // unreadable: not complete; run() then says what is wrong with it
  }
}

std::string writable_directory_problem(const fs::path& dir, Communicator& world) {
  std::string problem;
  if (world.rank() == 0) {
    std::error_code ec;
    if (dir.empty()) {
      problem = "the output directory is an empty path";
    } else if (fs::create_directories(dir, ec); ec || !fs::is_directory(dir)) {
      problem = dir.string() + ": cannot create the directory" +
                (ec ? " (" + ec.message() + ")" : std::string(" (a file is in the way)"));
    } else {
      try {
        const fs::path probe = dir / ".deeprg-write-test";
        io::write_file_atomic(probe, "");
        fs::remove(probe, ec);
      } catch (const std::exception& e) {
        problem = dir.string() + ": cannot write into the directory (" + e.what() + ")";
      }
    }
  }
  return world.broadcast(problem, 0);
}

std::vector<MemberOutcome> spread_over_ranks(
    std::size_t n, Communicator& world, const std::function<MemberOutcome(std::size_t)>& work) {
  const int ranks = world.size(), rank = world.rank();
  std::vector<MemberOutcome> mine;
  nlohmann::json sent = nlohmann::json::array();
  for (std::size_t i = 0; i < n; ++i) {
    if (member_rank(i, ranks) != rank) continue;
    mine.push_back(work(i));
    sent.push_back(outcome_json(i, mine.back()));
  }
  const std::vector<std::string> received = world.gather(detail::dump_for_ranks(sent), 0);
  if (rank != 0) return mine;
  std::vector<MemberOutcome> all(n);
  for (const std::string& part : received)
    for (const auto& j : nlohmann::json::parse(part))
      all[j.at("index").get<std::size_t>()] = outcome_from_json(j);
  return all;
}

std::size_t share_failures_and_write(const std::vector<MemberOutcome>& outcomes,
                                     Communicator& world,
                                     const std::function<void()>& write_outputs) {
  std::size_t failed = 0;
  std::string problem;
  if (world.rank() == 0) {
    for (const auto& m : outcomes) failed += m.status == MemberOutcome::Status::failed ? 1 : 0;
    try {
      write_outputs();
    } catch (const std::exception& e) {
      problem = e.what();
    }
  }
  failed = std::stoul(world.broadcast(std::to_string(failed), 0));
  if (!problem.empty()) throw IoError(problem);
  return failed;
}

const char* to_string(MemberOutcome::Status status) {
  switch (status) {
    case MemberOutcome::Status::ran:
      return "ran";
    case MemberOutcome::Status::skipped:
      return "skipped";
    case MemberOutcome::Status::failed:
      return "failed";
  }
  return "?";
}

EnsembleResult run_ensemble(const std::vector<EnsembleMember>& members,
                            const EnsembleOptions& options, Communicator& world,
                            Observer& observer) {
  const auto start = std::chrono::steady_clock::now();
  const int ranks = world.size();
  const int rank = world.rank();
  // Checks every rank makes alike (the same arguments give the same verdict everywhere).
  if (members.empty()) throw ConfigError("seeds", "the ensemble has no members");
  std::set<std::string> names;
  for (const EnsembleMember& m : members) {
    if (!names.insert(m.name).second)
      throw ConfigError("seeds", "two members are named '" + m.name + "'");
    validate(m.config);
  }
  validate(options.base);
  if (static_cast<std::size_t>(ranks) > members.size())
    throw ConfigError("seeds", format("%zu member%s for %d ranks: every rank needs one at least; "
                                      "give at least %d seeds, or start at most %zu ranks",
                                      members.size(), members.size() == 1 ? "" : "s", ranks, ranks,
                                      members.size()));
  if (const std::string problem = check_directory(options, world); !problem.empty())
    throw ConfigError("directory", problem);

  Observer silent;
  Observer& report = rank == 0 ? observer : silent;
  // Members that leave the thread count to the machine share its cores with the other ranks on
  // it (the result never depends on the thread count).
  const int threads = std::max(1, default_thread_count() / std::max(1, world.local_size()));
  const std::size_t n = members.size();
  report.message(format("deeprg %s ensemble: %zu member%s on %d rank%s in ", kVersion, n,
                        n == 1 ? "" : "s", ranks, ranks == 1 ? "" : "s") +
                 options.directory.string() +
                 (ranks > 1 ? " (rank 0 reports its own members as they go, then all)" : ""));

  const auto run_member = [&](std::size_t i) {
    const EnsembleMember& member = members[i];
    ExperimentConfig config = member.config;
    if (config.threads == 0 && ranks > 1) config.threads = threads;
    MemberOutcome outcome;
    outcome.name = member.name;
    outcome.group = member.group;
    outcome.seed = member.config.seed;
    outcome.rank = rank;
    const fs::path dir = options.directory / member.name;
    const auto member_start = std::chrono::steady_clock::now();
    try {
      if (run_complete(dir, config)) {
        outcome.status = MemberOutcome::Status::skipped;
        outcome.analysis = read_json(RunDirectory(dir).analysis());
        report.message(
            format("[ensemble] %s (%zu/%zu): complete in ", member.name.c_str(), i + 1, n) +
            dir.string() + ", skipped");
      } else {
        report.message(
            format("[ensemble] %s (%zu/%zu): running into ", member.name.c_str(), i + 1, n) +
            dir.string());
        MemberObserver member_report(report, member.name);
        ExperimentResult result = run(config, {dir, options.preset, false}, member_report);
        outcome.analysis = std::move(result.analysis.document);
        outcome.status = MemberOutcome::Status::ran;
      }
    } catch (const std::exception& e) {
      outcome.status = MemberOutcome::Status::failed;
      outcome.error = e.what();
      outcome.analysis = nullptr;
    } catch (...) {
      outcome.status = MemberOutcome::Status::failed;
      outcome.error = "an unknown error";
      outcome.analysis = nullptr;
    }
    outcome.seconds = seconds_since(member_start);
    if (outcome.status == MemberOutcome::Status::ran)
      report.message(format("[ensemble] %s (%zu/%zu): done in %.1fs", member.name.c_str(), i + 1, n,
                            outcome.seconds));
    else if (outcome.status == MemberOutcome::Status::failed)
      report.message(format("[ensemble] %s (%zu/%zu): FAILED: ", member.name.c_str(), i + 1, n) +
                     outcome.error);
    return outcome;
  };
  std::vector<MemberOutcome> outcomes = spread_over_ranks(n, world, run_member);

  EnsembleResult result;
  result.failed = share_failures_and_write(outcomes, world, [&] {
    result.seconds = seconds_since(start);
    result.summary = ensemble_document(options, outcomes);
    write_ensemble_outputs(options.directory, result.summary,
                           execution_document(outcomes, ranks, result.seconds), outcomes);
    report.message("[ensemble] wrote " + (options.directory / "ensemble.json").string() +
                   " and ensemble.html");
  });
  result.members = std::move(outcomes);
  return result;
}

}  // namespace deeprg::experiment
