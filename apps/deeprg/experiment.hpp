#pragma once
// `deeprg run`: Mehta & Schwab's experiment as five stages in one run directory.
//
//   sample   → samples.npy (+ .json sidecar)        Wolff samples of the 2D Ising model
//   train    → model/ (dbn.json, layer_K.npz), metrics.jsonl   greedy CD training of the DBN
//   analyse  → analysis.json                        receptive fields, block-spin overlap,
//                                                   observables of data, reconstructions and
//                                                   majority-rule block spins
//   figures  → figures/*.png                        the paper's Fig. 4 A–E and diagnostics
//   report   → report.html                          one self-contained page
//
// config.json records the resolved configuration, seed and version. A rerun into the same
// directory with the same lattice, sampling, network, training and seed reuses the samples and
// the model (or its per-layer checkpoints, so a killed run resumes bit-identically); analysis,
// figures and report are always redone (seconds). A rerun that differs in any of those keys is
// refused, naming the key, unless --fresh replaces the old run.
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "deeprg/analysis/receptive_field.hpp"
#include "deeprg/core/matrix.hpp"
#include "deeprg/experiment/config.hpp"
#include "deeprg/io/spin_file.hpp"
#include "deeprg/ising/model.hpp"
#include "deeprg/rbm/dbn.hpp"

namespace deeprg::cli {

/// Wall time of one stage.
struct StageTime {
  std::string stage;
  double seconds = 0;
  bool reused = false;  ///< outputs of an earlier run were valid and kept
};

/// Everything the stages hand on to each other.
struct Experiment {
  experiment::ExperimentConfig config;
  std::string preset;
  std::filesystem::path dir;
  ising::Model model;
  io::SpinSamples samples;
  rbm::Dbn dbn;
  std::vector<nlohmann::json> metrics;  ///< one per (layer, epoch), in order
  std::vector<MatrixD> fields;          ///< r(1) … r(L)
  std::vector<analysis::LayerFields> layer_fields;
  /// Figure E: reconstructions[l][k] is the mean-field reconstruction through layer l (0 = the
  /// data itself) of sample k, in the visible alphabet.
  std::vector<std::vector<std::vector<float>>> reconstructions;
  nlohmann::json analysis;  ///< analysis.json
  std::vector<StageTime> times;
};

/// Runs every stage into `dir`. `fresh` deletes the outputs of an earlier run first; without it
/// a directory that holds a run of a different configuration (in a key that changes samples or
/// model) is a ConfigError naming the key.
void run_experiment(const experiment::ExperimentConfig& config, const std::string& preset,
                    const std::filesystem::path& dir, bool fresh);

// The stages (experiment_stages.cpp, experiment_report.cpp).
void sample_stage(Experiment& run, bool reuse);
void train_stage(Experiment& run, bool reuse);
void analyse_stage(Experiment& run);
void figures_stage(Experiment& run);
void report_stage(Experiment& run);

}  // namespace deeprg::cli
