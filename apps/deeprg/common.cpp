#include "common.hpp"

#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>

#include "deeprg/analysis/layer_map.hpp"
#include "deeprg/core/error.hpp"
#include "deeprg/rbm/dbn_ops.hpp"
#include "deeprg/rbm/model_file.hpp"
#include "deeprg/rg/block_spin.hpp"
#include "deeprg/rg/learned_map.hpp"

namespace deeprg::cli {

void ModelFlags::add_to(CLI::App& app, int default_L) {
  app.add_option("--model", model, "Model: ising2d (square lattice) or ising1d (chain)")
      ->check(CLI::IsMember({"ising2d", "ising1d"}))
      ->capture_default_str();
  auto* l = app.add_option("--L", L, "Lattice side (the chain length in 1D)");
  if (default_L > 0) {
    L = default_L;
    l->capture_default_str();
  } else {
    l->required();
  }
  app.add_option("--Ly", Ly, "Rows of a rectangular lattice (default: L)");
  auto* t = app.add_option("--T", T, "Temperature (k_B = 1)");
  auto* k = app.add_option("--K", K, "Reduced coupling K = J/T (instead of --T)");
  t->excludes(k);
  app.add_option("--J", J, "Nearest-neighbour coupling")->capture_default_str();
  app.add_option("--h", h, "External field")->capture_default_str();
}

ising::Model ModelFlags::resolve() const {
  ising::Model m;
  if (L <= 0) throw ConfigError("--L", "must be a positive integer, got " + std::to_string(L));
  if (Ly && *Ly <= 0) throw ConfigError("--Ly", "must be a positive integer");
  if (model == "ising1d") {
    if (Ly) throw ConfigError("--Ly", "a chain has no rows; drop --Ly for ising1d");
    m.lattice = ising::Lattice::chain(L);
  } else {
    m.lattice = ising::Lattice::square(L, Ly.value_or(L));
  }
  if (L < 2) throw ConfigError("--L", "must be at least 2");
  if (!std::isfinite(J) || J == 0) throw ConfigError("--J", "must be finite and non-zero");
  m.J = J;
  m.h = h;
  if (T) {
    if (!(*T > 0) || !std::isfinite(*T)) throw ConfigError("--T", "must be positive and finite");
    m.T = *T;
  } else if (K) {
    if (!(*K > 0) || !std::isfinite(*K)) throw ConfigError("--K", "must be positive and finite");
    m.T = J / *K;
  } else {
    throw ConfigError("--T", "give the temperature with --T or the coupling with --K");
  }
  if (!std::isfinite(h)) throw ConfigError("--h", "must be finite");
  try {
    m.validate();
  } catch (const ConfigError& e) {
    throw ConfigError("--" + e.key(), std::string(e.what()).substr(e.key().size() + 2));
  }
  return m;
}

ProgressBar::ProgressBar(std::string label)
    : label_(std::move(label)),
      enabled_(::isatty(STDERR_FILENO) != 0),
      start_(std::chrono::steady_clock::now()),
      last_(start_) {}

ProgressBar::~ProgressBar() { finish(); }

void ProgressBar::update(double done, double total) {
  if (total <= 0) return;
  const auto now = std::chrono::steady_clock::now();
  const double fraction = std::clamp(done / total, 0.0, 1.0);
  const int tenths = static_cast<int>(fraction * 10);
  if (enabled_) {
    if (drawn_ && now - last_ < std::chrono::milliseconds(100) && done < total) return;
  } else {
    const bool finished_after_a_line = drawn_ && done >= total;
    if (tenths <= tenths_logged_ ||
        (now - last_ < std::chrono::seconds(5) && !finished_after_a_line))
      return;
    tenths_logged_ = tenths;
  }
  last_ = now;
  drawn_ = true;
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  const double now_done = done - done_before_;
  const double eta = now_done > 0 ? elapsed * std::max(0.0, total - done) / now_done : 0;
  if (!enabled_) {
    std::fprintf(stderr, "%s: %3.0f%%  %.1fs elapsed, ETA %.1fs\n", label_.c_str(), 100 * fraction,
                 elapsed, eta);
    return;
  }
  constexpr int kWidth = 30;
  const int filled = static_cast<int>(fraction * kWidth);
  std::fprintf(stderr, "\r%s [%-*s] %5.1f%%  %.1fs elapsed, ETA %.1fs   ", label_.c_str(), kWidth,
               std::string(static_cast<std::size_t>(filled), '#').c_str(), 100 * fraction, elapsed,
               eta);
  std::fflush(stderr);
}

void ProgressBar::finish() {
  if (enabled_ && drawn_) {
    std::fprintf(stderr, "\r\033[K");
    std::fflush(stderr);
  }
  drawn_ = false;
}

void TerminalObserver::message(std::string_view line) {
  std::fprintf(log_, "%.*s\n", static_cast<int>(line.size()), line.data());
  std::fflush(log_);
}

void TerminalObserver::progress_started(std::string_view stage, double done_before) {
  bar_ = std::make_unique<ProgressBar>(std::string(stage));
  bar_->set_done_before(done_before);
}

void TerminalObserver::progress(std::string_view, double done, double total) {
  if (bar_) bar_->update(done, total);
}

void TerminalObserver::progress_finished(std::string_view) {
  if (bar_) bar_->finish();
}

ConfigError as_flag_error(const CLI::App& command, const ConfigError& error,
                          const std::map<std::string, std::string>& aliases) {
  const std::string& key = error.key();
  std::string flag;
  if (const auto it = aliases.find(key); it != aliases.end()) {
    flag = it->second;
  } else if (!key.empty() && key[0] != '-' && key.find('.') == std::string::npos) {
    std::string dashed = key;
    std::replace(dashed.begin(), dashed.end(), '_', '-');
    if (command.get_option_no_throw("--" + dashed) != nullptr) flag = "--" + dashed;
  }
  if (flag.empty()) return error;
  const std::string what = error.what();
  return ConfigError(flag, what.substr(std::min(what.size(), key.size() + 2)));
}

bool same_file(const std::filesystem::path& a, const std::filesystem::path& b) {
  std::error_code ec;
  if (std::filesystem::exists(a, ec) && std::filesystem::exists(b, ec))
    return std::filesystem::equivalent(a, b, ec);
  const auto canonical_a = std::filesystem::weakly_canonical(std::filesystem::absolute(a), ec);
  if (ec) return false;
  const auto canonical_b = std::filesystem::weakly_canonical(std::filesystem::absolute(b), ec);
  return !ec && canonical_a == canonical_b;
}

void check_outputs(const std::vector<NamedPath>& inputs, const std::vector<NamedPath>& outputs) {
  for (std::size_t i = 0; i < outputs.size(); ++i) {
    const NamedPath& out = outputs[i];
    for (const NamedPath& in : inputs)
      if (same_file(out.path, in.path))
        throw ConfigError(out.flag, out.path.string() + " is the " + in.flag + " " +
                                        in.path.string() +
                                        "; writing it would overwrite the input");
    for (std::size_t j = 0; j < i; ++j)
      if (same_file(out.path, outputs[j].path))
        throw ConfigError(out.flag, out.path.string() + " would be written twice, as " +
                                        outputs[j].flag + " and as " + out.flag);
  }
}

CLI::Validator whole_number() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        std::uint64_t value = 0;
        const char* end = text.data() + text.size();
        const auto [ptr, ec] = std::from_chars(text.data(), end, value);
        if (ec == std::errc::result_out_of_range)
          return "must be at most 18446744073709551615 (2^64 - 1), got " + text;
        if (text.empty() || ec != std::errc() || ptr != end)
          return "expected a whole number from 0 to 18446744073709551615, got '" + text + "'";
        text = std::to_string(value);
        return {};
      },
      "", "whole number");
}

std::vector<std::size_t> parse_sizes(const std::string& flag, const std::string& text) {
  std::vector<std::size_t> sizes;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t comma = std::min(text.find(',', start), text.size());
    const std::string item = text.substr(start, comma - start);
    try {
      std::size_t used = 0;
      const long long n = std::stoll(item, &used);
      if (used != item.size() || n < 1 || static_cast<std::size_t>(n) > rbm::kMaxHiddenUnits)
        throw std::invalid_argument(item);
      sizes.push_back(static_cast<std::size_t>(n));
    } catch (const std::exception&) {
      throw ConfigError(flag, "expected positive sizes up to " +
                                  std::to_string(rbm::kMaxHiddenUnits) +
                                  " separated by commas (e.g. 400,100,25), got '" + text + "'");
    }
    start = comma + 1;
  }
  return sizes;
}

void check_block_flags(const std::string& file, const ising::Lattice& lattice, int b, int levels) {
  try {
    rg::check_block_levels(lattice, b, levels);
  } catch (const ShapeError& e) {
    throw ConfigError(rg::max_block_levels(lattice, b) == 0 ? "--b" : "--levels",
                      file + ": " + e.what());
  }
}

void LearnedMapFlags::add_to(CLI::App& app) {
  CLI::Option* map = app.add_option(
      "--map", file, "Learned map instead of --rule/--b: a local map (deeprg learn-map) or a DBN");
  app.add_option("--readout", readout, "With --map: sign | sample (the coarse spin)")
      ->capture_default_str();
  app.add_flag("--full-field", full_field,
               "With a DBN --map: read each unit from its whole field, biases included (default: "
               "the part that flips with the spins, for data without a field)")
      ->needs(map);
}

LearnedMapFlags::Resolved LearnedMapFlags::resolve(const CLI::App& app,
                                                   const ising::Lattice& lattice,
                                                   std::uint64_t seed, int threads) const {
  for (const char* flag : {"--rule", "--b", "--ties"})
    if (app.count(flag) > 0)
      throw ConfigError("--map",
                        std::string("a learned map replaces the block rule: drop ") + flag);
  const rg::Readout how = rg::parse_readout(readout, "--readout");
  rbm::Dbn dbn = rbm::load_dbn(file);
  Resolved r;
  r.description = {{"map", file}, {"readout", rg::to_string(how)}};
  const rbm::Rbm& first = dbn.layers.front();
  const bool local =
      dbn.layers.size() == 1 && first.n_hidden() == 1 && first.n_visible() != lattice.sites();
  if (local && full_field)
    throw ConfigError("--full-field",
                      "applies to DBN maps; a local map's biases are set when "
                      "it is trained (learn-map --keep-biases)");
  try {
    if (local) {
      r.b = rg::block_side(first, lattice.dim);
      r.description["kind"] = "local";
      r.description["b"] = r.b;
      r.map = rg::block_rbm_map(first, how, seed, threads);
      return r;
    }
    const auto sites = analysis::mapped_layers(dbn, lattice);
    nlohmann::json layers = nlohmann::json::array();
    for (const auto& s : sites) layers.push_back(analysis::to_json(s));
    r.b = sites.front().b;
    r.levels = static_cast<int>(sites.size());
    r.map = analysis::dbn_map(std::move(dbn), sites, lattice, how, seed, threads, !full_field);
    r.description["kind"] = "dbn";
    r.description["field"] = full_field ? "full" : "odd";
    r.description["layers"] = layers;
    return r;
  } catch (const ConfigError& e) {
    throw ConfigError("--map", file + ": " + std::string(e.what()).substr(e.key().size() + 2));
  } catch (const ShapeError& e) {
    throw ConfigError("--map", file + ": " + e.what());
  }
}

std::string right_aligned(const std::string& text, std::size_t width) {
  const auto columns = static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
  return std::string(columns < width ? width - columns : 0, ' ') + text;
}

nlohmann::json sidecar_temperature(const nlohmann::json& sidecar) {
  if (!sidecar.is_object()) return nullptr;
  if (sidecar.contains("T") && sidecar["T"].is_number()) return sidecar["T"];
  if (sidecar.contains("source") && sidecar["source"].is_object() &&
      sidecar["source"].contains("T") && sidecar["source"]["T"].is_number())
    return sidecar["source"]["T"];
  return nullptr;
}

std::string format_estimate(const mc::Estimate& e) {
  if (!std::isfinite(e.value)) return "-";
  return mc::format_estimate(e.value, e.error);
}

}  // namespace deeprg::cli
