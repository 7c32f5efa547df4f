#pragma once
/// Kadanoff block spins: real-space coarse-graining of spin configurations by a factor b.
///
///   majority:   s'_I = sign(Σ_{i ∈ block I} s_i), blocks of b×b (2D) or b (1D) sites; for even
///               b a tied block takes a random sign (Ties::random, from the run's seed, one
///               stream per sample so the result does not depend on threads) or the sign of the
///               block's top-left spin (Ties::top_left, deterministic);
///   decimation: s'_I = s_{(b·I_y, b·I_x)}, the top-left spin of each block.
///
/// A coarse-graining map is any function from samples to samples; MCRG takes such a map so
/// that a learned one (an RBM's hidden layer) can be judged against majority rule.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "deeprg/io/spin_file.hpp"

namespace deeprg::rg {

enum class BlockRule { majority, decimation };
enum class Ties { random, top_left };

std::string to_string(BlockRule rule);
std::string to_string(Ties ties);
/// Inverses of to_string; throw ConfigError("rule") / ConfigError("ties").
BlockRule parse_block_rule(const std::string& name);
Ties parse_ties(const std::string& name);

struct BlockSpinOptions {
  BlockRule rule = BlockRule::majority;
  int b = 2;                 ///< block side
  Ties ties = Ties::random;  ///< only for majority rule with even b
  std::uint64_t seed = 1;
  int threads = 0;
};

/// The lattice after one coarse-graining by b: sides divided by b. Throws ShapeError explaining
/// why there is none (a side not divisible by b, or a coarse side < 2), ConfigError("b") for
/// b < 2.
ising::Lattice coarse_lattice(const ising::Lattice& lattice, int b);

/// How many successive coarse-grainings by b the lattice allows: the largest n such that every
/// side stays divisible by b for n steps and the coarsest side is ≥ 2 (e.g. 32×32, b = 2 → 4;
/// 24×24, b = 2 → 3, since 3 is not divisible by 2; 30×30, b = 4 → 0). Throws ConfigError("b")
/// for b < 2.
int max_block_levels(const ising::Lattice& lattice, int b);

/// Checks, without touching any data, that `levels` successive coarse-grainings by b fit the
/// lattice: throws ShapeError naming the lattice, b, the number of levels it allows and why the
/// next one fails (a side not divisible by b, or a side < 2); ConfigError("b") for b < 2 and
/// ConfigError("levels") for levels < 0.
void check_block_levels(const ising::Lattice& lattice, int b, int levels);

/// One coarse-graining step: an (n, Ly, Lx) set becomes (n, Ly/b, Lx/b), an (n, L) chain
/// (n, L/b). Throws ShapeError when a side is not divisible by b or the coarse lattice would have
/// a side < 2 (2D) / length < 2 (1D), or when samples.spins does not hold count × sites values;
/// ConfigError("b") for b < 2, ConfigError("level") for level < 0. `level` (0-based) selects
/// independent tie-breaking streams for successive levels: ties in sample i at level ℓ are
/// broken by Rng(seed, stream_id("ties", ℓ, i)), so the output is the same for any thread count
/// and the streams are not the sampler's under the same seed.
io::SpinSamples block_spin(const io::SpinSamples& samples, const BlockSpinOptions& options,
                           int level = 0);

/// Levels 0 … n: the input followed by n successive coarse-grainings (level k is made by
/// block_spin(level k − 1, options, k − 1)). Throws ConfigError("levels") for n < 0 and
/// ShapeError, before any work, when n > max_block_levels(lattice, b).
std::vector<io::SpinSamples> block_spin_levels(const io::SpinSamples& samples,
                                               const BlockSpinOptions& options, int levels);

/// How closely a coarse-graining follows majority rule: the fraction of blocks without a tie
/// (Σ s ≠ 0 over the block) whose coarse spin in `coarse` equals sign(Σ s); NaN when every block
/// is tied. b = fine side / coarse side. Throws ShapeError unless `coarse` holds as many samples
/// as `fine` on its lattice divided by one integer b ≥ 2.
double majority_agreement(const io::SpinSamples& fine, const io::SpinSamples& coarse);

/// A coarse-graining map (level → samples at level + 1).
using CoarseGraining = std::function<io::SpinSamples(const io::SpinSamples&, int level)>;

/// `map` itself, recording as it goes: each step k it makes also stores
/// majority_agreement(level k, level k + 1) in agreement[k] (grown as needed), so that MCRG or a
/// flow run through it yields the diagnostic without running the map a second time.
/// `agreement` must outlive the returned map.
CoarseGraining recording_majority_agreement(CoarseGraining map, std::vector<double>& agreement);

}  // namespace deeprg::rg
