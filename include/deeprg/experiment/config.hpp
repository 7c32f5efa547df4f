#pragma once
/// The configuration of `deeprg run`, Mehta & Schwab's experiment (arXiv:1410.3831, §V):
/// Ising data → stacked RBMs → receptive fields, reconstructions and RG diagnostics.
///
/// A configuration starts from a preset ("paper", the defaults, or "quick"), then a TOML file
/// may change any key, then `--set key=value` overrides, in that order. Keys are dotted paths
/// into the TOML tables, e.g.
///
///   [lattice]              [train]                 [analysis]
///   L = 40                 epochs = 200            rf_fraction = 0.8
///   K = 0.408              learning_rate = 0.1     units_shown = 16
///   [sampling]             l1 = 2e-2               ...
///   samples = 20000        ...                     [run]
///   [dbn]                                          seed = 1
///   hidden = [400, 100, 25]
///
/// Every key, its meaning and where its default comes from (the paper, Hinton's practical
/// guide, or deeprg's own choice where both are silent) is listed by config_keys(); `deeprg run
/// --print-config` prints it as TOML. Unknown keys, wrong types and impossible values are
/// ConfigErrors naming the dotted key (and the file and line for TOML input).
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace deeprg::experiment {

/// Bounds that validate() enforces so that every figure stays drawable and readable.
inline constexpr std::size_t kMaxLayers = 16;           ///< dbn.hidden entries
inline constexpr std::size_t kMaxUnitsShown = 64;       ///< analysis.units_shown (8 × 8 panels)
inline constexpr std::size_t kMaxReconstructions = 20;  ///< analysis.reconstructions (rows)

struct ExperimentConfig {
  // [lattice] the data: periodic 2D Ising model, J = 1, h = 0.
  int L = 40;        ///< lattice.L, side (paper: 40)
  double K = 0.408;  ///< lattice.K, K = J/T (paper: J = 0.408, T ≈ 2.45 > T_c ≈ 2.269)

  // [sampling]
  std::size_t samples = 20000;      ///< sampling.samples (paper: 20,000)
  std::string algorithm = "wolff";  ///< sampling.algorithm: wolff | swendsen-wang | metropolis

  // [dbn]
  std::vector<std::size_t> hidden = {400, 100, 25};  ///< dbn.hidden (paper: 1600-400-100-25)
  std::string visible_units = "bernoulli";           ///< dbn.visible_units: bernoulli | spin
  std::string hidden_units = "bernoulli";            ///< dbn.hidden_units: bernoulli | spin
  std::string propagate = "mean-field";              ///< dbn.propagate: mean-field | samples

  // [train] (per layer)
  int epochs = 200;              ///< train.epochs (paper: 200)
  std::size_t batch_size = 100;  ///< train.batch_size (paper: 100)
  int cd_k = 1;                  ///< train.cd_k (paper: CD-1)
  bool persistent = false;       ///< train.persistent (PCD instead of CD)
  double learning_rate = 0.1;    ///< train.learning_rate (paper: 0.1)
  double momentum = 0.5;         ///< train.momentum (Hinton's guide §9: 0.5 …)
  double final_momentum = 0.9;   ///< train.final_momentum (… then 0.9)
  int momentum_switch = 5;       ///< train.momentum_switch (Hinton: after 5 epochs)
  /// train.l1. The paper states "L1 regularization 2×10⁻⁴" without its normalisation; deeprg's
  /// λ multiplies Σ|W| against the batch-*mean* log-likelihood, so 2e-4 per sample of a 100-sample
  /// batch is 2e-2 here. Measured on the paper's system: λ = 2e-4 leaves every first-layer field
  /// spread over the whole lattice (median 80% radius 19.6, uniform 20.2); λ = 1e-2 … 2e-2 gives
  /// the paper's local blobs (2.1–2.7) that grow with depth (docs/experiment.md).
  double l1 = 2e-2;
  double l2 = 0;                   ///< train.l2 (paper: none besides L1)
  double init_std = 0.01;          ///< train.init_std (Hinton's guide §8: N(0, 0.01²))
  std::string precision = "auto";  ///< train.precision: fp32, bf16 or auto (rbm::TrainOptions)

  // [analysis]
  double rf_fraction = 0.8;         ///< analysis.rf_fraction: share of Σ r² inside the radius
  std::size_t units_shown = 16;     ///< analysis.units_shown: units per receptive-field figure
  std::size_t reconstructions = 3;  ///< analysis.reconstructions: figure E's samples (deeprg: 3)
  std::size_t analysis_samples = 5000;  ///< analysis.samples: rows used for the RG diagnostics

  // [run]
  std::uint64_t seed = 1;  ///< run.seed: every random choice derives from it
  int threads = 0;         ///< run.threads: 0 = all cores; never changes the result
};

/// One configuration key, for --help, --print-config and config.json's "sources".
struct ConfigKey {
  std::string key;     ///< dotted, e.g. "train.l1"
  std::string help;    ///< what it means, one line
  std::string source;  ///< where the default comes from, e.g. "paper §V", "Hinton 2010 §9"
};

/// All keys in TOML order.
const std::vector<ConfigKey>& config_keys();

/// Preset names: "paper" (the defaults above) and "quick" (the same experiment, smaller, in
/// well under two minutes on two cores). Throws ConfigError("preset") for another name.
ExperimentConfig preset(const std::string& name);
std::vector<std::string> preset_names();

/// Applies every key of a TOML document (tables [lattice] … [run], or dotted keys). Throws
/// IoError naming the file when it cannot be read or parsed (with line and column),
/// ConfigError(key) for an unknown key or a bad value (the message also names the file and
/// line).
void apply_toml_file(ExperimentConfig& config, const std::filesystem::path& file);
/// The same for TOML text; `origin` names it in messages (IoError for text that is not TOML).
/// Either way the document applies completely or not at all.
void apply_toml(ExperimentConfig& config, const std::string& text, const std::string& origin);

/// Applies one `key=value` override. The value is read as a TOML value ("0.1", "[400,100]",
/// "true", "\"wolff\""); a bare word that is not valid TOML is taken as a string (so
/// `sampling.algorithm=wolff` works). Throws ConfigError("set") for text without '=' and
/// ConfigError(key) for an unknown key or a bad value.
void apply_override(ExperimentConfig& config, const std::string& assignment);

/// Checks every value; throws ConfigError naming the first bad key in config_keys() order (e.g.
/// "lattice.L" for an odd side). A side that allows fewer 2×2 block levels than the DBN has
/// layers is allowed: the deeper layers are then reported without a majority-rule comparison.
/// Besides each key's range, doubles must be finite, strings one of the listed values, and unsigned
/// values (run.seed included) at most 2^63 − 1 so that to_toml's output reads back.
void validate(const ExperimentConfig& config);

/// The resolved configuration as nested JSON, tables as objects ({"lattice": {"L": 40, …}, …}).
nlohmann::json to_json(const ExperimentConfig& config);
/// The resolved configuration as a TOML document with each key's help and source as comments;
/// apply_toml(preset("paper"), to_toml(c)) reproduces c.
std::string to_toml(const ExperimentConfig& config);

}  // namespace deeprg::experiment
