#pragma once
/// Mehta & Schwab's experiment (arXiv:1410.3831, §V) as one library call: five stages into one
/// run directory (run_directory.hpp).
///
///   sample   Wolff samples of the periodic 2D Ising model       samples.npy (+ .json)
///   train    greedy CD training of the deep belief network      model/, metrics.jsonl
///   analyse  receptive fields, block-spin overlap, observables  analysis.json
///            of the data, its reconstructions and majority-rule
///            block spins, and the paper's claims (claims.hpp)
///   figures  the paper's Fig. 4 A–E and diagnostics             figures/*.png
///   report   one self-contained page                            report.html
///
/// `deeprg run` and the Python package's deeprg.run are shells over run(). Every random choice
/// derives from config.seed; results do not depend on config.threads.
#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "deeprg/analysis/receptive_field.hpp"
#include "deeprg/core/communicator.hpp"
#include "deeprg/core/matrix.hpp"
#include "deeprg/experiment/config.hpp"
#include "deeprg/experiment/observer.hpp"
#include "deeprg/experiment/run_directory.hpp"
#include "deeprg/io/spin_file.hpp"
#include "deeprg/ising/model.hpp"
#include "deeprg/rbm/dbn.hpp"

namespace deeprg::experiment {

/// How to run: where, under which preset's name, and whether to start over.
struct RunOptions {
  std::filesystem::path directory = "deeprg-run";
  std::string preset = "paper";  ///< recorded in config.json and the report
  /// Delete an earlier run's outputs in `directory` first. Without it, a directory holding a
  /// run of another configuration is refused (ConfigError naming the key).
  bool fresh = false;
  /// Data-parallel training over the ranks of `world` (null or one rank: this process alone).
  /// Every rank calls run() with the same arguments. Rank 0 prepares the directory, samples and
  /// sends the samples to the others; every rank trains its blocks of every batch
  /// (rbm/train.hpp: the same model bits as one process, on any number of ranks); rank 0 alone
  /// writes, analyses and reports. The other ranks return after the training, with the samples
  /// and the network but no analysis; they read a checkpoint to resume from, so the directory
  /// must be on a file system every rank sees. An error before the training is rank 0's: it
  /// throws it, and the other ranks throw ConfigError("run") quoting it.
  Communicator* world = nullptr;
};

/// What the analysis measured: the document written as analysis.json, and the typed values the
/// figures are drawn from.
struct ExperimentAnalysis {
  std::vector<MatrixD> fields;                      ///< r(1) … r(L), n_visible × n_hidden(l)
  std::vector<analysis::LayerFields> layer_fields;  ///< their shapes, per layer
  /// Figure E: reconstructions[l][k] is the mean-field reconstruction through layer l (0 = the
  /// data itself) of sample k, in the visible alphabet.
  std::vector<std::vector<std::vector<float>>> reconstructions;
  nlohmann::json document;  ///< analysis.json

  const nlohmann::json& to_json() const { return document; }
};

/// Everything a run produced, stage by stage.
struct ExperimentResult {
  ExperimentConfig config;
  std::string preset;
  std::filesystem::path directory;
  ising::Model model;                   ///< the Ising model sampled
  io::SpinSamples samples;              ///< samples.npy
  rbm::Dbn dbn;                         ///< the trained network (model/)
  std::vector<nlohmann::json> metrics;  ///< metrics.jsonl: one line per (layer, epoch), in order
  ExperimentAnalysis analysis;
  std::vector<StageTime> times;
};

/// Runs every stage into options.directory, reporting to `observer`. Reuses an earlier run's
/// samples and model there when their configuration is the same (RunDirectory::prepare), so an
/// interrupted run resumes bit-identically. Throws ConfigError for an invalid configuration
/// (naming the dotted key) or a directory holding another run, IoError for unreadable or
/// unwritable files, and whatever the observer throws.
ExperimentResult run(const ExperimentConfig& config, const RunOptions& options, Observer& observer);
/// The same, silently.
ExperimentResult run(const ExperimentConfig& config, const RunOptions& options);

}  // namespace deeprg::experiment
