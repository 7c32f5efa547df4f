#pragma once
// Pieces shared by the subcommands: model flags, progress display, JSON/text output helpers.
#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "deeprg/core/error.hpp"
#include "deeprg/core/json.hpp"
#include "deeprg/experiment/observer.hpp"
#include "deeprg/ising/model.hpp"
#include "deeprg/mc/statistics.hpp"
#include "deeprg/rg/block_spin.hpp"

namespace deeprg::cli {

using mc::format_estimate;
using mc::format_number;

/// An estimate as "value ± error" (format_estimate), "-" when it is undefined.
std::string format_estimate(const mc::Estimate& e);

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

/// A run's log on stdout (on stderr with `log_to_stderr`, when stdout carries JSON), its progress
/// as a bar (or log lines) on stderr.
class TerminalObserver : public experiment::Observer {
 public:
  explicit TerminalObserver(bool log_to_stderr = false) : log_(log_to_stderr ? stderr : stdout) {}
  void message(std::string_view line) override;
  void progress_started(std::string_view stage, double done_before) override;
  void progress(std::string_view stage, double done, double total) override;
  void progress_finished(std::string_view stage) override;

 private:
  std::FILE* log_;
  std::unique_ptr<ProgressBar> bar_;
};

/// The library names a bad argument by its parameter (`levels`, `learning_rate`); the tool
/// names the flag. Returns the error with its key as the flag of `command` that sets it: the
/// key in `aliases` when listed there, else --KEY (with '_' as '-') when the command has that
/// option; unchanged otherwise (a flag already, or a dotted configuration key).
ConfigError as_flag_error(const CLI::App& command, const ConfigError& error,
                          const std::map<std::string, std::string>& aliases = {});

/// Runs `body` and returns what it returns, rethrowing a ConfigError with
/// as_flag_error(command, error, aliases): for a command whose flags are named other than the
/// library's parameters.
template <class Body>
decltype(auto) with_flag_names(const CLI::App& command,
                               const std::map<std::string, std::string>& aliases, Body&& body) {
  try {
    return body();
  } catch (const ConfigError& e) {
    throw as_flag_error(command, e, aliases);
  }
}

/// For unsigned options (seeds, counts): CLI11 reads them with strtoull, so "-1" would wrap to
/// 2^64 - 1, a value beyond 2^64 - 1 saturate to it and "010" read as octal. This transform
/// admits only decimal whole numbers from 0 to 2^64 - 1 and hands CLI11 their plain digits.
CLI::Validator whole_number();

/// A file a command reads or writes, with the flag (or description) that names it.
struct NamedPath {
  std::string flag;
  std::filesystem::path path;
};

/// Whether two paths name the same file: the same inode when both exist (hard links too), else
/// the same path once relative parts, "..", "." and symbolic links are resolved.
bool same_file(const std::filesystem::path& a, const std::filesystem::path& b);

/// Refuses, before anything is written, an output that would overwrite an input or another
/// output: throws ConfigError naming the output's flag and what it coincides with.
void check_outputs(const std::vector<NamedPath>& inputs, const std::vector<NamedPath>& outputs);

/// Positive sizes separated by commas ("400,100,25"); throws ConfigError(flag) otherwise.
std::vector<std::size_t> parse_sizes(const std::string& flag, const std::string& text);

/// A lattice that does not allow `levels` coarse-grainings by b is the flags' fault (the file
/// is fine): throws ConfigError naming --b when not even one level fits, else --levels.
void check_block_flags(const std::string& file, const ising::Lattice& lattice, int b, int levels);

/// `text` right-aligned in `width` terminal columns: printf's widths count bytes, and a UTF-8
/// character such as "±" is two bytes in one column.
std::string right_aligned(const std::string& text, std::size_t width);

/// The temperature recorded in a spin file's sidecar: its T, or for a coarse-grained file the T
/// of its source; null when neither is known.
nlohmann::json sidecar_temperature(const nlohmann::json& sidecar);

/// --map FILE and --readout: a learned coarse-graining map in place of the block rule's --rule,
/// --b and --ties: a local block RBM (deeprg learn-map) or a trained DBN (analysis/layer_map.hpp).
struct LearnedMapFlags {
  std::string file;
  std::string readout = "sign";
  /// A DBN's units read from their whole field, biases included, instead of its part that is
  /// odd under s → −s (analysis::dbn_map's spin_flip_symmetric): for data in a field.
  bool full_field = false;

  /// A map ready for a lattice.
  struct Resolved {
    rg::CoarseGraining map;
    int b = 0;       ///< rescaling factor of the first step
    int levels = 0;  ///< levels it can make; 0: as many as the lattice allows (a local map)
    nlohmann::json description;  ///< {"map": FILE, "kind": "local" | "dbn", "readout", ...}
  };

  void add_to(CLI::App& app);
  bool given() const { return !file.empty(); }
  /// The map for samples on `lattice`. Throws ConfigError naming --map (neither a local map nor
  /// a DBN for this lattice, or given together with --rule, --b or --ties on `app`) or
  /// --readout, and IoError for an unreadable file.
  Resolved resolve(const CLI::App& app, const ising::Lattice& lattice, std::uint64_t seed,
                   int threads) const;
};

}  // namespace deeprg::cli
