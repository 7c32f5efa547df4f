#pragma once
// Pieces shared by the subcommands: model flags, progress display, JSON/text output helpers.
#include <CLI/CLI.hpp>
#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "deeprg/ising/model.hpp"

namespace deeprg::cli {

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

/// The model's parameters as JSON (model, L, Ly, J, h, T, K).
nlohmann::json model_json(const ising::Model& model);

/// A one-line progress bar with ETA on stderr, drawn only when stderr is a terminal, at most
/// ten times a second.
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
  double done_before_ = 0;
  std::chrono::steady_clock::time_point start_, last_;
};

/// Positive sizes separated by commas ("400,100,25"); throws ConfigError(flag) otherwise.
std::vector<std::size_t> parse_sizes(const std::string& flag, const std::string& text);

/// A lattice that does not allow `levels` coarse-grainings by b is the flags' fault (the file
/// is fine): throws ConfigError naming --b when not even one level fits, else --levels.
void check_block_flags(const std::string& file, const ising::Lattice& lattice, int b, int levels);

/// JSON has no NaN or infinity: a non-finite number is written as null.
nlohmann::json number_or_null(double x);

/// Formats "value ± error" with the error's two significant digits deciding the precision.
std::string format_estimate(double value, double error);

}  // namespace deeprg::cli
