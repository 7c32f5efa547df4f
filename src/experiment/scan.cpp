#include "deeprg/experiment/scan.hpp"

#include <algorithm>
#include <bit>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <map>
#include <set>

#include "deeprg/core/clock.hpp"
#include "deeprg/core/error.hpp"
#include "deeprg/core/parallel.hpp"
#include "deeprg/core/rng.hpp"
#include "deeprg/experiment/ensemble_summary.hpp"
#include "deeprg/io/atomic_file.hpp"
#include "deeprg/ising/exact.hpp"
#include "deeprg/mc/crossing.hpp"
#include "deeprg/mc/observables.hpp"
#include "deeprg/mc/sampler.hpp"
#include "deeprg/rg/flow.hpp"
#include "deeprg/rg/mcrg.hpp"
#include "deeprg/version.hpp"
#include "scan_point.hpp"
#include "stages.hpp"
#include "text.hpp"

namespace deeprg::experiment {

namespace {

namespace fs = std::filesystem;
using detail::format;

constexpr std::size_t kMaxTemperatures = 10000;
constexpr std::size_t kMaxSizes = 100;
constexpr int kMaxSide = 4096;

std::string trimmed(std::string_view s) { return std::string(detail::trim(s)); }

std::vector<std::string> split_commas(const std::string& text) {
  std::vector<std::string> items;
  std::size_t start = 0;
  while (true) {
    const auto comma = text.find(',', start);
    items.push_back(trimmed(text.substr(start, comma - start)));
    if (comma == std::string::npos) return items;
    start = comma + 1;
  }
}

// A decimal number, the whole of `text`.
double parse_number(const std::string& text, const std::string& list) {
  char* end = nullptr;
  const double x = text.empty() ? NAN : std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size())
    throw ConfigError("T", "'" + text + "' in '" + list + "' is not a number");
  return x;
}

double positive_temperature(double t, const std::string& text) {
  // K = 1/T must be finite too, which a subnormal T is not.
  if (!(t > 0) || !std::isfinite(t) || !std::isfinite(1.0 / t))
    throw ConfigError("T", "the temperature " + text + " is not positive and finite");
  return t;
}

// FIRST + k·STEP as the shortest decimal of 12 significant digits: without the rounding,
// 2.1:2.6:0.1 would give 2.3000000000000003 where 2.0:2.6:0.1 and the list 2.3 give 2.3, and the
// same point (the same directory T=2.3) would have two seeds.
double range_temperature(double first, double step, int k) {
  char text[40];
  std::snprintf(text, sizeof text, "%.12g", first + k * step);
  return std::strtod(text, nullptr);
}

ising::Model point_model(int L, double T) {
  ising::Model model;
  model.lattice = ising::Lattice::square(L, L);
  model.T = T;
  return model;
}

const std::vector<rg::Coupling>& mcrg_couplings() {
  static const std::vector<rg::Coupling> couplings =
      rg::parse_couplings(rg::default_couplings(2), 2);
  return couplings;
}

int flow_levels(int L, int b) { return rg::max_block_levels(ising::Lattice::square(L, L), b); }

int mcrg_levels(int L, int b) {
  return rg::max_mcrg_levels(ising::Lattice::square(L, L), b, mcrg_couplings());
}

// Everything measured at one point, as point.json records it.
nlohmann::json measure_point(const ScanOptions& o, int L, double T, std::uint64_t seed, int threads,
                             const fs::path& dir, Observer& report, const std::string& name) {
  const ising::Model model = point_model(L, T);
  mc::SamplerOptions sampling;
  sampling.algorithm = mc::resolve_algorithm(o.algorithm, model);
  sampling.samples = o.samples;
  sampling.seed = seed;
  sampling.threads = threads;
  sampling.chains = o.chains;
  const std::string stage = "[" + name + "] sampling";
  sampling.progress = [&](double done, double total) { report.progress(stage, done, total); };
  report.progress_started(stage, 0);
  mc::SamplerReport sampler_report;
  const io::SpinSamples samples = mc::sample(model, sampling, &sampler_report);
  report.progress_finished(stage);
  nlohmann::json sidecar = mc::sidecar_json(model, sampling, sampler_report);
  fs::create_directories(dir);
  if (o.keep_samples) io::write_spins(dir / "samples.npy", samples, sidecar);
  sidecar.erase("seconds");  // the execution's, not the point's

  nlohmann::json point{{"name", name},
                       {"L", L},
                       {"T", T},
                       {"K", model.K()},
                       {"seed", seed},
                       {"settings", scan_settings(o)},
                       {"deeprg_version", kVersion},
                       {"sampler", sidecar}};
  point["observables"] =
      mc::to_json(mc::measure(model, samples.spins, samples.count, o.blocks, threads));
  try {
    point["exact"] = ising::exact_json(model);
  } catch (const Error&) {
    point["exact"] = nullptr;
  }
  rg::BlockSpinOptions block;
  block.b = o.b;
  block.seed = seed;
  block.threads = threads;
  point["flow"] = nullptr;
  if (o.flow && flow_levels(L, o.b) > 0)
    point["flow"] = rg::to_json(rg::flow(samples, block, flow_levels(L, o.b), o.blocks));
  point["mcrg"] = nullptr;
  if (o.mcrg && mcrg_levels(L, o.b) > 0) {
    rg::McrgOptions mcrg;
    mcrg.couplings = rg::default_couplings(2);
    mcrg.levels = mcrg_levels(L, o.b);
    mcrg.jackknife_blocks = o.mcrg_blocks;
    mcrg.threads = threads;
    point["mcrg"] = rg::to_json(rg::mcrg(samples, block, mcrg));
  }
  io::write_file_atomic(dir / "point.json", point.dump(2) + "\n");
  return point;
}

// point.json of a finished point with these settings (and its samples.npy where the scan keeps
// samples: an earlier scan may not have), or null.
nlohmann::json finished_point(const fs::path& dir, const nlohmann::json& settings, int L, double T,
                              bool keep_samples) {
  std::error_code ec;
  if (keep_samples && !fs::is_regular_file(dir / "samples.npy", ec)) return nullptr;
  try {
    nlohmann::json point = nlohmann::json::parse(io::read_file(dir / "point.json"));
    if (point.at("settings") == settings && point.at("L") == L && point.at("T") == T) return point;
  } catch (const std::exception&) {
    // missing or unreadable: the point runs again
  }
  return nullptr;
}

// Rank 0 checks that the directory can take this scan; every rank learns the verdict.
std::string check_scan_directory(const ScanOptions& options, Communicator& world) {
  if (std::string problem = writable_directory_problem(options.directory, world); !problem.empty())
    return problem;
  std::string problem;
  const fs::path previous = options.directory / "scan.json";
  if (world.rank() == 0 && fs::exists(previous)) {
    try {
      const nlohmann::json earlier = nlohmann::json::parse(io::read_file(previous)).at("settings");
      const nlohmann::json settings = scan_settings(options);
      for (const auto& [key, value] : settings.items())
        if (!earlier.contains(key) || earlier[key] != value) {
          problem = options.directory.string() + " holds a scan with " + key + " = " +
                    (earlier.contains(key) ? earlier[key].dump() : "(unset)") +
                    "; use another directory, or delete that one to replace it";
          break;
        }
    } catch (const std::exception& e) {
      problem = previous.string() + " is not a deeprg scan summary (" + e.what() +
                "); use another directory";
    }
  }
  return world.broadcast(problem, 0);
}

}  // namespace

std::vector<double> parse_temperatures(const std::string& text) {
  std::vector<double> values;
  std::set<std::string> names;
  const auto add = [&](double t) {
    if (!names.insert(mc::format_number(t)).second)
      throw ConfigError("T", "the temperature " + mc::format_number(t) + " is listed twice in '" +
                                 text + "' (to 6 significant digits)");
    if (values.size() == kMaxTemperatures)
      throw ConfigError("T", "more than " + std::to_string(kMaxTemperatures) + " temperatures");
    values.push_back(t);
  };
  if (trimmed(text).empty())
    throw ConfigError("T", "no temperatures given; write them as 2.0,2.269 or 2.0:2.6:0.1");
  for (const std::string& item : split_commas(text)) {
    if (item.empty()) throw ConfigError("T", "an empty item in '" + text + "'");
    const auto colon = item.find(':');
    if (colon == std::string::npos) {
      add(positive_temperature(parse_number(item, text), item));
      continue;
    }
    const auto second = item.find(':', colon + 1);
    if (second == std::string::npos || item.find(':', second + 1) != std::string::npos)
      throw ConfigError("T", "the range '" + item + "' is not FIRST:LAST:STEP");
    const double first =
        positive_temperature(parse_number(trimmed(item.substr(0, colon)), text), item);
    const double last = positive_temperature(
        parse_number(trimmed(item.substr(colon + 1, second - colon - 1)), text), item);
    const double step = parse_number(trimmed(item.substr(second + 1)), text);
    if (!(step > 0) || !std::isfinite(step))
      throw ConfigError("T", "the step of '" + item + "' is not positive");
    if (last < first)
      throw ConfigError("T", "the range '" + item + "' decreases; write FIRST:LAST:STEP");
    // FIRST + k·STEP up to LAST, which counts when it is within a millionth of a step.
    const double count = std::floor((last - first) / step + 1e-6);
    if (count >= static_cast<double>(kMaxTemperatures))
      throw ConfigError("T", "more than " + std::to_string(kMaxTemperatures) + " temperatures");
    for (int k = 0; k <= static_cast<int>(count); ++k) add(range_temperature(first, step, k));
  }
  return values;
}

std::vector<int> parse_sizes(const std::string& text) {
  if (trimmed(text).empty()) throw ConfigError("L", "no lattice sizes given; write them as 16,32");
  std::vector<int> sizes;
  for (const std::string& item : split_commas(text)) {
    const bool digits =
        !item.empty() && item.size() <= 5 &&
        std::all_of(item.begin(), item.end(), [](char c) { return c >= '0' && c <= '9'; });
    const int L = digits ? std::atoi(item.c_str()) : 0;
    if (L < 2 || L > kMaxSide)
      throw ConfigError("L", "'" + item + "' in '" + text + "' is not a lattice side from 2 to " +
                                 std::to_string(kMaxSide));
    if (std::find(sizes.begin(), sizes.end(), L) != sizes.end())
      throw ConfigError("L", "L = " + item + " is listed twice in '" + text + "'");
    if (sizes.size() == kMaxSizes)
      throw ConfigError("L", "more than " + std::to_string(kMaxSizes) + " sizes");
    sizes.push_back(L);
  }
  return sizes;
}

std::uint64_t point_seed(std::uint64_t seed, int L, double T) {
  constexpr std::uint64_t kScanTag = 0x7363616e;  // "scan"
  return stream_id(kScanTag ^ seed, static_cast<std::uint64_t>(L),
                   std::bit_cast<std::uint64_t>(T)) >>
         1;
}

std::string point_name(int L, double T) {
  return "L=" + std::to_string(L) + "/T=" + mc::format_number(T);
}

nlohmann::json scan_settings(const ScanOptions& o) {
  return {{"model", "2D Ising, square lattice, periodic, J = 1, h = 0"},
          {"samples", o.samples},
          {"seed", o.seed},
          {"algorithm", o.algorithm},
          {"chains", o.chains},
          {"b", o.b},
          {"rule", "majority"},
          {"ties", "random"},
          {"blocks", o.blocks},
          {"mcrg_blocks", o.mcrg_blocks},
          {"mcrg_couplings", rg::default_couplings(2)},
          {"flow", o.flow},
          {"mcrg", o.mcrg}};
}

void validate(const ScanOptions& o) {
  if (o.sizes.empty()) throw ConfigError("L", "no lattice sizes given");
  if (o.temperatures.empty()) throw ConfigError("T", "no temperatures given");
  std::set<int> sides;
  for (const int L : o.sizes) {
    if (L < 2 || L > kMaxSide)
      throw ConfigError("L", format("L = %d is not a lattice side from 2 to %d", L, kMaxSide));
    if (!sides.insert(L).second) throw ConfigError("L", format("L = %d is listed twice", L));
  }
  std::set<std::string> names;
  for (const double T : o.temperatures) {
    positive_temperature(T, mc::format_number(T));
    if (!names.insert(mc::format_number(T)).second)
      throw ConfigError("T", "the temperature " + mc::format_number(T) + " is listed twice");
  }
  if (o.samples == 0) throw ConfigError("samples", "must be at least 1");
  const int largest = *std::max_element(o.sizes.begin(), o.sizes.end());
  if (static_cast<double>(o.samples) * largest * largest > std::ldexp(1.0, 34))
    throw ConfigError("samples", format("%zu samples of %dx%d are more than 2^34 spins per point",
                                        o.samples, largest, largest));
  if (o.chains < 1) throw ConfigError("chains", "must be at least 1");
  if (o.threads < 0) throw ConfigError("threads", "must be 0 (all cores) or positive");
  if (o.b < 2) throw ConfigError("b", format("the block side must be at least 2, got %d", o.b));
  for (const auto& [key, blocks] : {std::pair{"blocks", o.blocks}, {"mcrg_blocks", o.mcrg_blocks}})
    if (blocks < 2 || static_cast<std::size_t>(blocks) > o.samples)
      throw ConfigError(key, format("needs 2 to %zu jackknife blocks (one sample each at most), "
                                    "got %d",
                                    o.samples, blocks));
  mc::resolve_algorithm(o.algorithm, point_model(o.sizes.front(), o.temperatures.front()));
  const auto any = [&](int (*levels)(int, int)) {
    return std::any_of(o.sizes.begin(), o.sizes.end(), [&](int L) { return levels(L, o.b) > 0; });
  };
  if (o.flow && !any(flow_levels))
    throw ConfigError("b", format("no lattice side of the scan allows a block step with b = %d "
                                  "(sides divisible by b, coarse sides >= 2)",
                                  o.b));
  if (o.mcrg && !any(mcrg_levels))
    throw ConfigError("b", format("no lattice side of the scan allows an MCRG step with b = %d "
                                  "(sides divisible by b, coarse sides >= %d)",
                                  o.b, rg::min_mcrg_side(mcrg_couplings())));
}

namespace {

// The quantities that do not depend on L at T_c, by their names in scan.json's crossings.
const std::pair<const char*, mc::Estimate (*)(const nlohmann::json&)> kScaleFree[] = {
    {"binder_cumulant",
     [](const nlohmann::json& p) { return detail::observable(p, "binder_cumulant"); }},
    {"xi_over_L", detail::xi_over_l},
};

// Where the curves of consecutive sizes cross over the temperatures both have finished: the
// finite-size estimates of T_c (Binder 1981).
nlohmann::json crossings_document(const ScanOptions& options,
                                  const std::vector<MemberOutcome>& points) {
  std::map<std::pair<int, double>, const nlohmann::json*> finished;
  for (const MemberOutcome& m : points)
    if (m.status != MemberOutcome::Status::failed)
      finished[{m.analysis.at("L").get<int>(), m.analysis.at("T").get<double>()}] = &m.analysis;
  std::vector<int> sizes = options.sizes;
  std::vector<double> temperatures = options.temperatures;
  std::sort(sizes.begin(), sizes.end());
  std::sort(temperatures.begin(), temperatures.end());
  nlohmann::json out = nlohmann::json::array();
  for (const auto& [quantity, get] : kScaleFree)
    for (std::size_t k = 0; k + 1 < sizes.size(); ++k) {
      std::vector<double> x;
      std::vector<mc::Estimate> small, large;
      for (const double T : temperatures) {
        const auto a = finished.find({sizes[k], T}), b = finished.find({sizes[k + 1], T});
        if (a == finished.end() || b == finished.end()) continue;
        x.push_back(T);
        small.push_back(get(*a->second));
        large.push_back(get(*b->second));
      }
      for (const mc::Crossing& c : mc::crossings(x, small, large))
        out.push_back({{"quantity", quantity},
                       {"L", {sizes[k], sizes[k + 1]}},
                       {"T", c.x},
                       {"T_error", c.error},
                       {"between", {x[c.bracket], x[c.bracket + 1]}}});
    }
  return out;
}

}  // namespace

nlohmann::json scan_document(const ScanOptions& options, const std::vector<MemberOutcome>& points) {
  nlohmann::json list = nlohmann::json::array();
  for (const MemberOutcome& m : points) {
    const bool ok = m.status != MemberOutcome::Status::failed;
    nlohmann::json entry{
        {"name", m.name}, {"seed", m.seed}, {"status", ok ? "ok" : "failed"}, {"error", m.error}};
    if (ok)
      for (const char* key : {"L", "T", "sampler", "observables", "exact", "flow", "mcrg"})
        entry[key] = m.analysis.at(key);
    list.push_back(entry);
  }
  return {{"deeprg_version", kVersion},
          {"settings", scan_settings(options)},
          {"sizes", options.sizes},
          {"temperatures", options.temperatures},
          {"points", list},
          {"crossings", crossings_document(options, points)}};
}

ScanResult run_scan(const ScanOptions& options, Communicator& world, Observer& observer) {
  const auto start = std::chrono::steady_clock::now();
  validate(options);
  const int ranks = world.size(), rank = world.rank();
  struct Point {
    int L;
    double T;
  };
  std::vector<Point> grid;
  for (const int L : options.sizes)
    for (const double T : options.temperatures) grid.push_back({L, T});
  const std::size_t n = grid.size();
  if (static_cast<std::size_t>(ranks) > n)
    throw ConfigError("ranks", format("%zu point%s for %d ranks: every rank needs one at least; "
                                      "add sizes or temperatures, or start at most %zu ranks",
                                      n, n == 1 ? "" : "s", ranks, n));
  if (const std::string problem = check_scan_directory(options, world); !problem.empty())
    throw ConfigError("directory", problem);

  Observer silent;
  Observer& report = rank == 0 ? observer : silent;
  const int threads = options.threads > 0 || ranks == 1
                          ? options.threads
                          : std::max(1, default_thread_count() / std::max(1, world.local_size()));
  report.message(format("deeprg %s scan: %zu point%s (%zu sizes x %zu temperatures) on %d rank%s "
                        "in ",
                        kVersion, n, n == 1 ? "" : "s", options.sizes.size(),
                        options.temperatures.size(), ranks, ranks == 1 ? "" : "s") +
                 options.directory.string());
  const nlohmann::json settings = scan_settings(options);

  const auto run_point = [&](std::size_t i) {
    const auto [L, T] = grid[i];
    MemberOutcome outcome;
    outcome.name = point_name(L, T);
    outcome.group = "L=" + std::to_string(L);
    outcome.seed = point_seed(options.seed, L, T);
    outcome.rank = rank;
    const fs::path dir = options.directory / outcome.name;
    const auto point_start = std::chrono::steady_clock::now();
    const std::string where = format("[scan] %s (%zu/%zu)", outcome.name.c_str(), i + 1, n);
    try {
      outcome.analysis = finished_point(dir, settings, L, T, options.keep_samples);
      if (!outcome.analysis.is_null()) {
        outcome.status = MemberOutcome::Status::skipped;
        report.message(where + ": complete in " + dir.string() + ", skipped");
      } else {
        outcome.analysis =
            measure_point(options, L, T, outcome.seed, threads, dir, report, outcome.name);
        outcome.status = MemberOutcome::Status::ran;
        report.message(where + format(": done in %.1fs", seconds_since(point_start)));
      }
    } catch (const std::exception& e) {
      outcome.status = MemberOutcome::Status::failed;
      outcome.error = e.what();
      outcome.analysis = nullptr;
      report.message(where + ": FAILED: " + outcome.error);
    }
    outcome.seconds = seconds_since(point_start);
    return outcome;
  };
  std::vector<MemberOutcome> outcomes = spread_over_ranks(n, world, run_point);

  ScanResult result;
  result.failed = share_failures_and_write(outcomes, world, [&] {
    result.seconds = seconds_since(start);
    result.summary = scan_document(options, outcomes);
    const nlohmann::json execution = execution_document(outcomes, ranks, result.seconds);
    write_scan_report(options.directory, result.summary, execution);
    io::write_file_atomic(options.directory / "scan-run.json", execution.dump(2) + "\n");
    // Last: its presence means the scan's outputs are all there.
    io::write_file_atomic(options.directory / "scan.json", result.summary.dump(2) + "\n");
    report.message("[scan] wrote " + (options.directory / "scan.json").string() + " and scan.html");
  });
  result.points = std::move(outcomes);
  return result;
}

}  // namespace deeprg::experiment
