#pragma once
/// The directory one run of the experiment writes into, and the rule that keeps two runs from
/// mixing there.
///
///   config.json        resolved configuration, seed, version, BLAS kernel, source of each default
///   samples.npy(.json) the Ising samples and their sidecar
///   model/             the trained DBN (dbn.json, layer_K.npz) and, while training, checkpoints
///   metrics.jsonl      one line per layer and epoch
///   analysis.json      every number the run measured
///   figures/*.png      the paper's Fig. 4 A–E and diagnostics
///   report.html        one self-contained page
///
/// A rerun with the same samples-and-model configuration (every key but run.threads, which never
/// changes a result, and the analysis keys, which are redone anyway) reuses the samples and the
/// model, or resumes the training from its checkpoints; one that differs is refused.
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "deeprg/core/error.hpp"
#include "deeprg/experiment/config.hpp"

namespace deeprg::experiment {

/// The directory holds a run whose configuration differs in key() (dotted, e.g. "train.l1"):
/// mixing the two runs' outputs would make both wrong.
class RunConflict : public ConfigError {
 public:
  RunConflict(const std::string& key, std::filesystem::path directory, std::string previous)
      : ConfigError(key, directory.string() + " holds a run with " + key + " = " + previous +
                             "; use another directory, or start fresh to replace that run"),
        directory_(std::move(directory)),
        previous_(std::move(previous)) {}
  const std::filesystem::path& directory() const noexcept { return directory_; }
  /// The earlier run's value of key(), as JSON text ("(unset)" when it had none).
  const std::string& previous() const noexcept { return previous_; }

 private:
  std::filesystem::path directory_;
  std::string previous_;
};

class RunDirectory {
 public:
  explicit RunDirectory(std::filesystem::path root) : root_(std::move(root)) {}

  const std::filesystem::path& root() const { return root_; }
  std::filesystem::path config() const { return root_ / "config.json"; }
  std::filesystem::path samples() const { return root_ / "samples.npy"; }
  std::filesystem::path model() const { return root_ / "model"; }
  std::filesystem::path metrics() const { return root_ / "metrics.jsonl"; }
  std::filesystem::path analysis() const { return root_ / "analysis.json"; }
  std::filesystem::path figures() const { return root_ / "figures"; }
  std::filesystem::path report() const { return root_ / "report.html"; }

  /// Whether any output of a run (samples, model, metrics, analysis, figures, report) is here.
  bool has_outputs() const;

  /// After a run failed: removes config.json when no output was written beside it, and the
  /// directory itself when the run `created` it and it is left empty, so that a refused run
  /// leaves nothing behind.
  void discard_if_unused(bool created) const;

  /// Creates the directory and decides whether an earlier run's outputs are reused: with
  /// `fresh`, deletes them and returns false; otherwise returns true when config.json holds a
  /// run of the same configuration, false when there is none (or config.json is alone, with
  /// no output of its run beside it, and is replaced). Then writes config.json for
  /// `config` (with `preset` and the provenance). Throws IoError when the directory cannot be
  /// created or config.json is not a run's, and RunConflict naming the first dotted key (e.g.
  /// "train.l1") whose value differs from the run already there.
  bool prepare(const ExperimentConfig& config, const std::string& preset, bool fresh) const;

 private:
  std::filesystem::path root_;
};

/// The sections of to_json(config) whose keys fix the samples and the model.
const std::vector<std::string>& result_sections();

/// The first dotted key under result_sections() (other than run.threads) whose value differs
/// between two to_json(config) trees, or none.
std::optional<std::string> first_difference(const nlohmann::json& a, const nlohmann::json& b);

}  // namespace deeprg::experiment
