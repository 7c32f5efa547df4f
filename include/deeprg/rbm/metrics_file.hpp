#pragma once
/// The per-epoch training metrics of a training run (`deeprg train`, `deeprg run`): a JSON-lines
/// file with one line per (layer, epoch), in that order.
#include <cstddef>
#include <filesystem>
#include <map>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "deeprg/rbm/train.hpp"

namespace deeprg::rbm {

/// One training epoch's metrics as a metrics line: layer (1-based), epoch,
/// reconstruction_error, pseudo_log_likelihood, learning_rate, momentum, seconds and, when
/// measured, log_likelihood; NaN written as null.
nlohmann::json to_json(const EpochMetrics& m);

/// The metrics file of a training run. Resuming keeps the lines of the interrupted run, and an
/// epoch reported again replaces its line: a run killed between an epoch's report and its
/// checkpoint retrains that epoch, and the file must not list it twice. Every record rewrites
/// the whole file atomically (it is small), so a kill never leaves a torn line.
class MetricsFile {
 public:
  /// With `resume`, reads the lines already in `path` (those of layers 1 … `layers`); a line
  /// that is not JSON with "layer" and "epoch" throws IoError naming the file and `rerun_hint`.
  /// Without it, starts empty (the file is replaced on the first record).
  MetricsFile(std::filesystem::path path, bool resume, std::size_t layers,
              const std::string& rerun_hint);

  /// Records an epoch and rewrites the file. Returns false when the epoch was already there.
  bool record(const EpochMetrics& m);
  /// Rewrites the file with the lines held now.
  void write() const;
  /// The lines, ordered by (layer, epoch).
  std::vector<nlohmann::json> lines() const;
  /// How many lines there are.
  std::size_t size() const { return lines_.size(); }
  /// How many lines each layer (1-based) has.
  std::map<std::size_t, std::size_t> epochs_per_layer() const;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
  std::map<std::pair<std::size_t, int>, nlohmann::json> lines_;
};

}  // namespace deeprg::rbm
