#pragma once
/// Passes through a deep belief network and its greedy layer-wise training (Hinton, Osindero &
/// Teh 2006). Layers of units are numbered 0 … L for a DBN of L RBMs: layer 0 is the data
/// (visible units of dbn.layers[0]) and layer l ≥ 1 the hidden units of dbn.layers[l − 1].
/// Everything works on batches (rows = samples).
#include <cstdint>
#include <string>
#include <vector>

#include "deeprg/io/memory.hpp"
#include "deeprg/rbm/dbn.hpp"
#include "deeprg/rbm/train.hpp"

namespace deeprg::rbm {

/// What a pass hands from one layer to the next:
///   mean_field: the conditional means E[h | v] = σ(x) (bernoulli) or tanh(x) (spin),
///   samples:    a draw from p(h | v) (per-row streams Rng(seed, f(layer, row))).
enum class Propagation { mean_field, samples };

/// "mean-field" or "samples".
std::string to_string(Propagation propagation);
/// Inverse of to_string; throws ConfigError(key) otherwise.
Propagation parse_propagation(const std::string& name, const std::string& key = "--propagate");

/// Up pass from layer 0 to layer `to_layer` (0 … L): h_l = E[h | h_{l−1}] or a sample, layer
/// after layer, with x = h_{l−1} W_l + b_l. `to_layer` = 0 returns a copy of v.
/// Throws ConfigError("layer") when to_layer > L, ShapeError when v does not fit layer 0.
MatrixF up_pass(const Dbn& dbn, const MatrixF& v, std::size_t to_layer,
                Propagation mode = Propagation::mean_field, std::uint64_t seed = 1);

/// Down pass from layer `from_layer` to layer `to_layer` < from_layer through each RBM's
/// visible conditional, y = h_l W_lᵀ + a_l, as means or samples. `h` must have the width of
/// layer `from_layer`; from_layer == to_layer returns a copy.
MatrixF down_pass(const Dbn& dbn, const MatrixF& h, std::size_t from_layer,
                  std::size_t to_layer = 0, Propagation mode = Propagation::mean_field,
                  std::uint64_t seed = 1);

/// Mean-field reconstruction through layer l: up to l, then down to layer 0, both with
/// conditional means (deterministic; the usual "reconstruction" of an autoencoder-style
/// reading of a DBN). reconstruct(v, 0) = v.
MatrixF reconstruct(const Dbn& dbn, const MatrixF& v, std::size_t from_layer);

/// Greedy training options: `rbm` applies to every layer; layer l > 0 uses the seed
/// splitmix64(seed ⊕ l) and, when `rbm.checkpoint` = DIR/NAME.EXT is set, the checkpoint
/// DIR/NAME.layer{l+1}.EXT (so a resumed DBN run skips finished layers). on_epoch receives
/// EpochMetrics::layer = l.
struct DbnTrainOptions {
  TrainOptions rbm;
  /// --propagate: layer l+1 trains on layer l's hidden means or on one sampled hidden state
  /// per data row, drawn once from Rng(seed, f(l, row)).
  Propagation propagate = Propagation::mean_field;
};

/// The checkpoint path of layer `layer` (0-based) for a DBN checkpoint path.
std::filesystem::path layer_checkpoint_path(const std::filesystem::path& path, std::size_t layer);

/// Largest hidden layer that `deeprg train` and `deeprg run` accept (2^24 units).
inline constexpr std::size_t kMaxHiddenUnits = std::size_t{1} << 24;

/// A lower bound of the memory that greedy training of `n_visible` → hidden_sizes on `rows`
/// samples in batches of `batch_size` allocates: for the largest layer, its input (rows × n_in
/// floats), its output for the next layer (rows × n_out, unless it is the top), its weights with
/// their velocity and the model returned (3 × n_in × n_out) and the batch's hidden
/// probabilities and states (3 × batch × n_out); plus the weights of the layers below.
io::Bytes training_memory(std::size_t rows, std::size_t batch_size, std::size_t n_visible,
                          const std::vector<std::size_t>& hidden_sizes);

/// "" when training_memory fits in what this process may allocate, else a message naming the
/// network ("training a 1600-400 network on 20000 samples") and the memory it would need.
std::string training_memory_shortfall(std::size_t rows, std::size_t batch_size,
                                      std::size_t n_visible,
                                      const std::vector<std::size_t>& hidden_sizes);

/// Throws ConfigError(key, training_memory_shortfall(…)) when that is not empty.
void require_training_memory(const std::string& key, std::size_t rows, std::size_t batch_size,
                             std::size_t n_visible, const std::vector<std::size_t>& hidden_sizes);

/// Trains a DBN with hidden layers of `hidden_sizes` units (e.g. {8, 4} for 16-8-4 on 16
/// visible units) bottom-up: layer l is an RBM trained by train_rbm on the up pass of the data
/// to layer l; every hidden layer has unit type `hidden`. Throws what train_rbm throws, and
/// ConfigError("hidden_sizes") for an empty list, a zero size or a network whose training would
/// need more memory than this process may allocate (require_training_memory).
Dbn train_dbn(const MatrixF& data, const std::vector<std::size_t>& hidden_sizes, Units visible,
              Units hidden, const DbnTrainOptions& options);

}  // namespace deeprg::rbm
