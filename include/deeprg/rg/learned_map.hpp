#pragma once
/// Learned coarse-graining: a local, translation-invariant RBM (the setting of Koch-Janusz &
/// Ringel 2018, Nature Physics 14, 578). One RBM sees a b×b block of spins (b consecutive spins
/// in 1D) through its b^d spin visible units, v_k = s_{(b·I_y + k / b, b·I_x + k % b)}, and its
/// single spin hidden unit is the block's coarse spin; the filter (w, a, c) is shared over the
/// lattice with stride b, i.e. a convolutional RBM with non-overlapping blocks. The blocks do not
/// overlap, so its likelihood is that of one small RBM over all blocks of all samples: it
/// trains with rbm::train_rbm on the blocks as rows. Applied level after level, like majority
/// rule, it is a coarse-graining map that MCRG (mcrg.hpp) judges by its exponents.
///
/// The hidden field of block I is x_I = c + wᵀv_I, and p(h_I = +1 | v) = σ(2 x_I).
#include <cstddef>
#include <cstdint>
#include <string>

#include "deeprg/core/rng.hpp"
#include "deeprg/io/spin_file.hpp"
#include "deeprg/rbm/rbm.hpp"
#include "deeprg/rbm/train.hpp"
#include "deeprg/rg/block_spin.hpp"

namespace deeprg::rg {

/// How the hidden field becomes the coarse spin.
enum class Readout {
  sign,    ///< s'_I = sign(x_I), the most probable hidden state (x_I = 0: a random sign)
  sample,  ///< s'_I = +1 with probability σ(2 x_I): a draw of the RBM's conditional
};

/// Whether the coarse spin of a hidden unit with field x is up: for Readout::sign when x > 0
/// (x = 0: a fair coin), for Readout::sample with probability p(h = up | v) = σ(κ x) (κ = 2 for a
/// spin unit, 1 for a bernoulli one). Draws from `rng` only when there is a choice, so a sign
/// readout without ties uses no numbers and no exponential.
bool read_out(Readout readout, double x, double kappa, Rng& rng);

/// "sign" or "sample".
std::string to_string(Readout readout);
/// Inverse of to_string; throws ConfigError(key) otherwise.
Readout parse_readout(const std::string& name, const std::string& key = "readout");

/// Largest number of blocks train_block_rbm trains on by default: all blocks of evenly spaced
/// samples.
inline constexpr std::size_t kMaxBlockRows = std::size_t{1} << 18;

/// How train_block_rbm trains.
struct BlockRbmOptions {
  int b = 2;                             ///< block side
  std::size_t max_rows = kMaxBlockRows;  ///< at most this many blocks (≥ 1)
  /// Data with the spin-flip symmetry s → −s (the Ising model at h = 0): the biases' maximum-
  /// likelihood values are then zero, and the trained ones are sampling noise. Noise that
  /// matters: a tied block (Σ v = 0) with |wᵀv| < |c| maps v and −v to the same sign(c), which
  /// breaks the symmetry on the coarse lattice and spoils y_t. So the biases are set to zero
  /// after training. Off for data in a field.
  bool spin_flip_symmetric = true;
  rbm::TrainOptions train;
};

/// Trains the local map on the b-blocks of `samples` (spin units on both layers, one hidden
/// unit) with rbm::train_rbm and options.train. When the samples hold more than max_rows
/// blocks, every block of every k-th sample is used (k the smallest stride that fits), so that
/// the rows are whole configurations spread over the file. The result is oriented so that
/// Σ_k w_k ≥ 0: (w, c) → (−w, −c) is the same distribution, and this choice makes the coarse
/// spin follow the block rather than its opposite. meta: the training provenance plus
/// {"map": "block_rbm", "b", "dim", "blocks_used", "samples_used", "spin_flip_symmetric"}.
/// Throws ConfigError("b") for b < 2, ShapeError when the lattice is not divisible into
/// b-blocks (as coarse_lattice), ConfigError("max_rows") for max_rows < 1, and what train_rbm
/// throws.
rbm::Rbm train_block_rbm(const io::SpinSamples& samples, const BlockRbmOptions& options);

/// The block side b of a local map for a lattice of dimension `dim`: n_visible = b^dim. Throws
/// ConfigError("map") unless the RBM has spin units on both layers, one hidden unit and
/// n_visible = b^dim for an integer b ≥ 2.
int block_side(const rbm::Rbm& map, int dim);

/// One coarse-graining step with the local map: (n, Ly, Lx) → (n, Ly/b, Lx/b) (1D likewise).
/// Random choices (Readout::sample, and ties of Readout::sign) of sample i at level ℓ come from
/// Rng(seed, stream_id("lmap", ℓ, i)), so the output does not depend on `threads`. Throws as
/// block_side and coarse_lattice, ShapeError when samples.spins does not hold count × sites
/// values, ConfigError("level") for level < 0.
io::SpinSamples apply_block_rbm(const io::SpinSamples& samples, const rbm::Rbm& map,
                                Readout readout, std::uint64_t seed, int level = 0,
                                int threads = 0);

/// The same local map at every level, as the CoarseGraining that mcrg takes.
CoarseGraining block_rbm_map(rbm::Rbm map, Readout readout, std::uint64_t seed, int threads = 0);

}  // namespace deeprg::rg
