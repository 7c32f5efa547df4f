#pragma once
// Pieces shared by the subcommands: model flags, progress display, JSON/text output helpers.
#include <CLI/CLI.hpp>
#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "deeprg/core/json.hpp"
#include "deeprg/ising/model.hpp"
#include "deeprg/mc/statistics.hpp"

namespace deeprg::cli {

using mc::format_estimate;

/// The flags that define an Ising model: --model, --L, --Ly, --T | --K, --J, --h.
struct ModelFlags {
  std::string model = "ising2d";
  int L = 0;
  std::optional<int> Ly;
  std::optional<double> T;
  std::optional<double> K;
  double J = 1.0;
  double h = 0.0;

  /// Registers the flags on a subcommand; `default_L` 0 makes --L required.
  void add_to(CLI::App& app, int default_L = 0);
  /// Validated model; throws ConfigError naming the bad flag.
  ising::Model resolve() const;
};

/// Progress with ETA on stderr. On a terminal, a one-line bar redrawn at most ten times a
/// second; otherwise (a log file, a pipe, CI) a plain line when another tenth is done, at most
/// one per 5 s (and 100% once something was logged), so a long run written to a log still says
/// how far it is and how long it has left while a short one stays quiet.
class ProgressBar {
 public:
  explicit ProgressBar(std::string label);
  ~ProgressBar();
  void update(double done, double total);
  void finish();
  /// Work already done before this bar started (a resumed run): the ETA then extrapolates
  /// from the work done since, not from the whole.
  void set_done_before(double done) { done_before_ = done; }

 private:
  std::string label_;
  bool enabled_;
  bool drawn_ = false;
  int tenths_logged_ = 0;  ///< without a terminal: tenths of the work already reported
  double done_before_ = 0;
  std::chrono::steady_clock::time_point start_, last_;
};

/// Positive sizes separated by commas ("400,100,25"); throws ConfigError(flag) otherwise.
std::vector<std::size_t> parse_sizes(const std::string& flag, const std::string& text);

/// A lattice that does not allow `levels` coarse-grainings by b is the flags' fault (the file
/// is fine): throws ConfigError naming --b when not even one level fits, else --levels.
void check_block_flags(const std::string& file, const ising::Lattice& lattice, int b, int levels);

}  // namespace deeprg::cli
