#pragma once
/// Real-space mutual information: how much a block's coarse variable knows about the block's
/// environment — the RSMI criterion of Koch-Janusz & Ringel, "Mutual information, neural
/// networks and the renormalization group", Nature Physics 14, 578 (2018), and Lenggenhager,
/// Gökmen, Ringel, Huber & Koch-Janusz, PRX 10, 011037 (2020).
///
/// Setting: the 2D Ising model of model.hpp (every site owns a right and a down bond) on an
/// Lx×Ly torus at reduced coupling K = J/T and h = 0. The block V is the b×b set of sites with
/// top-left corner (x0, y0); the buffer B holds the sites at Chebyshev distance 1 … w from the
/// block (w ≥ 0, the buffer width); the environment E is every other site. A coarse variable
/// H ∈ {+1, −1} of the block is a channel q(V) = p(H = +1 | V) over the 2^(b²) block states
/// (BlockVariable). H depends on V alone, so H — V — E is a Markov chain and
///
///   p(H = +1 | E) = Σ_V p(V | E) q(V),
///   I(H : E) = h(p̄) − ⟨h(p(H = +1 | E))⟩_E,   p̄ = ⟨p(H = +1 | E)⟩_E,
///   h(p) = −p ln p − (1 − p) ln(1 − p)  (nats; bits = nats / ln 2),
///
/// so 0 ≤ I ≤ h(p̄) ≤ ln 2. Only the E sites that share a bond with R = V ∪ B (the "ring")
/// enter p(V | E): p(V | E) = p(V | ring) = Σ_B exp(K Σ_{bonds touching R} s_i s_j) / norm.
///
/// Both estimators below reduce the environment to a list of distinct ring states ρ with
/// weights P(ρ) and conditionals p(V | ρ) (EnvironmentConditionals): exactly, by enumerating
/// a small torus (exact_conditionals), or from equilibrium samples, with p(V | ρ) still exact
/// for each sampled ring (sampled_conditionals). Every coarse variable is then evaluated on
/// the same conditionals in O(rows · 2^(b²)) (mutual_information), which is what makes the
/// exhaustive search for the RSMI optimum (rsmi_optimum) affordable.
///
/// The optimum: p(H | E) is linear in the channel q, and I(H : E) is convex in the channel for
/// a fixed input distribution (Cover & Thomas, Elements of Information Theory, Thm. 2.7.4),
/// so its maximum over all stochastic 1-bit coarse variables of the block lies at an extreme
/// point of the channel polytope: a deterministic function H = f(V). For b = 2 there are
/// 2^16 of them, searched exhaustively.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <vector>

#include "deeprg/io/spin_file.hpp"
#include "deeprg/ising/model.hpp"
#include "deeprg/mc/statistics.hpp"
#include "deeprg/rbm/rbm.hpp"
#include "deeprg/rg/block_spin.hpp"
#include "deeprg/rg/learned_map.hpp"

namespace deeprg::rg {

/// Largest block of a BlockVariable: b² ≤ 16 sites (b ≤ 4), so the table has at most 2^16
/// entries and a block state fits a 16-bit index; the conditionals store 2^(b²) numbers per
/// environment, so b = 5 (2^25 per environment) would not be usable anyway.
inline constexpr int kMaxBlockVariableSites = 16;

/// A 1-bit coarse variable of a b×b block, as the channel q(V) = p(H = +1 | V). Block state
/// V is an index in [0, 2^(b²)): bit k set ⇔ site (x0 + k % b, y0 + k / b) is up (the visible
/// order of learned_map.hpp).
struct BlockVariable {
  int b = 2;                           ///< block side
  std::vector<double> up_probability;  ///< q(V), 2^(b²) values in [0, 1]
  std::string name;                    ///< for tables and JSON, e.g. "majority"

  std::size_t states() const noexcept { return std::size_t{1} << (b * b); }
  /// Throws ConfigError("b") unless 2 ≤ b and b² ≤ kMaxBlockVariableSites, ShapeError when the
  /// table does not hold 2^(b²) values, ConfigError("table") for a value outside [0, 1] (or
  /// NaN), naming the state.
  void validate() const;
};

/// Majority rule H = sign(Σ_{i∈V} s_i); a tied block (even b) takes q = 1/2 for Ties::random
/// (the fair coin of block_spin's default) and the top-left spin for Ties::top_left. Name
/// "majority" or "majority_top_left". Throws as BlockVariable::validate.
BlockVariable majority_variable(int b, Ties ties = Ties::random);

/// Decimation: H = the top-left spin, q = 1 when bit 0 of V is set. Name "decimation".
BlockVariable decimation_variable(int b);

/// The local learned map of learned_map.hpp (spin visible units v_k, one spin hidden unit,
/// field x = c + wᵀv computed in double): Readout::sign gives q = 1 for x > 0, 1/2 for x = 0,
/// 0 for x < 0; Readout::sample gives q = σ(2x). Name "learned_sign" / "learned_sample".
/// Throws ConfigError("map") as block_side(map, 2) does, and ConfigError("b") when b² > 16.
BlockVariable learned_variable(const rbm::Rbm& map, Readout readout);

/// The deterministic function whose truth table is `function`: q(V) = bit V of `function`.
/// Needs 2^(b²) ≤ 64, i.e. b = 2 (16-bit tables). Name "f_0x…" (hex). Throws ConfigError("b")
/// for another b and ConfigError("function") when bits above 2^(b²) are set.
BlockVariable function_variable(int b, std::uint64_t function);

/// The block-local part of any coarse-graining: q(V) = the fraction of blocks in state V whose
/// coarse spin is up, over every block of every sample of `fine` and its image `coarse` (e.g.
/// a DBN layer's map, whose units see more than their block). This is E[H | V], the best
/// channel from the block alone to the map's coarse spin; a state that never occurs gets
/// q = 1/2. b = fine side / coarse side. Throws ShapeError unless `coarse` holds as many
/// samples as `fine` on a 2D lattice divided by one integer b ≥ 2 with b² ≤ 16.
BlockVariable conditional_variable(const io::SpinSamples& fine, const io::SpinSamples& coarse,
                                   std::string name);

/// The same variable with H → −H: q → 1 − q. I(H : E) is invariant under it. Name "−" + name.
BlockVariable flipped(const BlockVariable& variable);

/// Where the block sits and how wide its buffer is.
struct MiRegion {
  int b = 2;       ///< block side, 2 ≤ b, b² ≤ kMaxBlockVariableSites
  int buffer = 1;  ///< buffer width w ≥ 0
  int x0 = 0;      ///< top-left corner of the block (exact_conditionals only)
  int y0 = 0;
};

/// The environment as seen by the block: distinct ring states ρ (rows), their weights and the
/// exact conditionals p(V | ρ). For sampled conditionals also which row each (sample, block
/// position) pair fell on, for the jackknife.
struct EnvironmentConditionals {
  bool exact = false;      ///< exact_conditionals (weights are probabilities) or sampled
  ising::Lattice lattice;  ///< the torus
  double K = 0;            ///< reduced coupling
  int b = 2;
  int buffer = 0;
  std::size_t states = 0;           ///< 2^(b²)
  std::size_t ring_sites = 0;       ///< sites of the ring (exact) or ring bits 4(b + 2w) (sampled)
  std::vector<double> conditional;  ///< rows × states, row-major: p(V | ρ), each row sums to 1
  std::vector<double> weight;       ///< rows: P(ρ) (exact) or count(ρ)/(samples · positions)
  // Sampled only.
  std::size_t samples = 0;            ///< configurations used
  std::size_t positions = 0;          ///< block positions per configuration
  std::vector<std::uint32_t> row_of;  ///< samples × positions: the row of each pair
  double seconds = 0;                 ///< wall time spent building these

  std::size_t rows() const noexcept { return weight.size(); }
};

/// Largest torus exact_conditionals enumerates: ising::kMaxEnumerationSites (30) sites.
/// Largest |ring| + b² it accepts: 22 (a 2^22 table of long double accumulators, 64 MiB).
inline constexpr int kMaxExactTableBits = 22;

/// Exact conditionals on an Lx×Ly torus by enumerating all 2^N states (N ≤ 30). Here V, B
/// and E are sets of sites on the torus: B = the sites at torus Chebyshev distance 1 … w from
/// the block, E = the rest (possibly empty, when I = 0), the ring = the E sites that share a
/// bond with V ∪ B. For every (ρ, V) the weight Σ_{rest} exp(K·bond_sum(s)) is summed in long
/// double over the remaining sites by a Gray-code walk (bond sums updated incrementally, each
/// term exp(K·bond_sum − |K|·bonds) ≤ 1, so nothing overflows), in parallel over (ρ, V); then
/// P(ρ) = Σ_V w(ρ, V) / Σ w, p(V | ρ) = w(ρ, V) / Σ_V w(ρ, V). Bonds follow model.hpp, so a
/// side of 2 has doubled bonds; a block side b ≤ min(Lx, Ly) keeps the block's sites distinct.
/// Deterministic for any `threads`. Throws ConfigError("K") for a non-finite K, ConfigError("b")
/// for b < 2 or b² > 16, ConfigError("buffer") for w < 0, ConfigError("L") for a lattice that
/// is not 2D, has N > 30 sites or fails Lattice::validate, ShapeError when b exceeds a side or
/// |ring| + b² > kMaxExactTableBits.
EnvironmentConditionals exact_conditionals(const ising::Lattice& lattice, double K,
                                           const MiRegion& region, int threads = 0);

/// How sampled_conditionals places blocks.
struct SampledMiOptions {
  int b = 2;       ///< block side
  int buffer = 1;  ///< buffer width w
  /// Block positions (x0, y0) = (stride·i, stride·j), 0 ≤ i < ⌊Lx/stride⌋, 0 ≤ j < ⌊Ly/stride⌋
  /// (all (L/b)² blocks for stride = b); 0 means b.
  int stride = 0;
  int threads = 0;  ///< 0 = all cores; never changes the result
};

/// Largest region side r = b + 2w that sampled_conditionals accepts: its transfer carries
/// 2^r · 2^(b²) numbers, and a ring of 4r bits fits a 64-bit key.
inline constexpr int kMaxRegionSide = 12;
/// Largest r + b² it accepts (the transfer's state, 2^22 doubles = 32 MiB per thread).
inline constexpr int kMaxTransferBits = 22;

/// Monte Carlo conditionals from equilibrium samples at coupling K. For every sample and block
/// position, R = V ∪ B is the (b + 2w)² square around the block and its ring the 4(b + 2w) E
/// sites that touch it (the rows above and below R and the columns left and right of it,
/// corners excluded); p(V | ring) is exact, by a row-by-row transfer over R (2^(b+2w) states per
/// row, the vertical bonds applied one site at a time) given the ring. Distinct rings are
/// computed once (sorted, so the row order does not depend on threads). The environment
/// distribution is what the samples make it; positions of one sample are correlated, which the
/// jackknife over samples accounts for. Throws ShapeError for empty samples, a 1D lattice,
/// spins not holding count × sites values, or a region that does not fit the torus without
/// wrapping onto itself (b + 2w < min(Lx, Ly) is needed, so that the ring lies outside R);
/// ConfigError("K") for a non-finite K, ("b"), ("buffer"), ("stride") for bad values,
/// ConfigError("buffer") when b + 2w > kMaxRegionSide or b + 2w + b² > kMaxTransferBits.
EnvironmentConditionals sampled_conditionals(const io::SpinSamples& samples, double K,
                                             const SampledMiOptions& options);

/// p(V | E) for one configuration and one block position (x0, y0), by the transfer of
/// sampled_conditionals: 2^(b²) probabilities. Throws as sampled_conditionals, ShapeError when
/// spins.size() ≠ lattice.sites().
std::vector<double> block_conditional(const ising::Lattice& lattice,
                                      std::span<const std::int8_t> spins, double K, int b,
                                      int buffer, int x0, int y0);

/// I(H : E) of one coarse variable.
struct MutualInformation {
  std::string name;    ///< the variable's name
  mc::Estimate nats;   ///< I(H : E) in nats; error 0 when exact, the jackknife's otherwise
  mc::Estimate bits;   ///< the same in bits
  double mean_up = 0;  ///< p̄ = ⟨p(H = +1 | E)⟩ (1/2 for an odd variable at h = 0)
  double entropy = 0;  ///< h(p̄) in nats: the upper bound of I given p̄
};

/// Binary entropy h(p) = −p ln p − (1 − p) ln(1 − p) in nats, with 0 ln 0 = 0; p is clamped
/// to [0, 1] (rounding can leave a sum of probabilities a few ulp outside).
double binary_entropy(double p) noexcept;

/// I(H : E) = h(p̄) − Σ_ρ P(ρ) h(p_ρ), p_ρ = Σ_V p(V | ρ) q(V), p̄ = Σ_ρ P(ρ) p_ρ. For sampled
/// conditionals the error is the delete-one-block jackknife (mc::jackknife over
/// min(blocks, samples) contiguous blocks of samples) of h(x̄₁) − x̄₂ with per-sample series
/// x₁ = mean over positions of p_ρ and x₂ = mean of h(p_ρ); the value is the full-sample one.
/// Throws ShapeError when the variable's b differs from the conditionals', ConfigError as
/// BlockVariable::validate, ConfigError("blocks") for blocks < 1 (sampled only), ShapeError for
/// empty conditionals.
MutualInformation mutual_information(const EnvironmentConditionals& conditionals,
                                     const BlockVariable& variable, int blocks = 20);

/// How rsmi_optimum searches.
struct RsmiOptions {
  /// Only the odd functions f(−V) = −f(V) (2^8 = 256 for b = 2) instead of all 2^16: the spin-
  /// flip symmetry of h = 0 makes them the natural candidates.
  bool odd_only = false;
  int blocks = 20;  ///< jackknife blocks for the best function's error
  int top = 10;     ///< how many of the best functions to list (≥ 0)
  int threads = 0;  ///< 0 = all cores; never changes the result
};

/// One searched function and its I.
struct RankedFunction {
  std::uint64_t function = 0;  ///< truth table: bit V set ⇔ H = +1 for block state V
  double nats = 0;             ///< I(H : E), the full-sample value
};

/// The RSMI optimum among deterministic coarse variables of a b = 2 block.
struct RsmiOptimum {
  std::uint64_t function = 0;  ///< the best truth table, normalised so that state 15 (all up)
                               ///< has H = +1 (f and its complement have the same I)
  BlockVariable variable;      ///< function_variable(2, function), named "rsmi_optimum"
  MutualInformation info;      ///< its I, with the jackknife error for sampled conditionals
  std::size_t searched = 0;    ///< functions evaluated (complements counted once)
  bool odd_only = false;
  std::vector<RankedFunction> top;  ///< the best `top`, by decreasing I (ties: smaller table)
  double seconds = 0;               ///< wall time of the search
};

/// Exhaustive search for max_f I(f(V) : E) over deterministic f (see the header comment for
/// why that is the maximum over all stochastic 1-bit variables too). Each f is evaluated on the
/// full sample, in parallel over fixed chunks of truth tables (deterministic for any thread
/// count); a row costs 2^16 binary entropies, so the search costs O(rows · 2^15). For sampled
/// conditionals the maximum is biased upward (the largest of many noisy estimates, most of them
/// correlated); the jackknife error of the winner does not include the selection. Throws
/// ConfigError("b") unless b = 2, ConfigError("top") for top < 0, and as mutual_information.
RsmiOptimum rsmi_optimum(const EnvironmentConditionals& conditionals,
                         const RsmiOptions& options = {});

/// The block states (as indices) where a truth table has H = +1, e.g. [7, 11, 13, 14, 15].
std::vector<int> up_states(std::uint64_t function, int b = 2);

/// {"method": "exact" | "monte_carlo", "L", "Ly", "K", "b", "buffer", "rows", "ring_sites",
/// and for samples "samples", "positions", "seconds"}.
nlohmann::json to_json(const EnvironmentConditionals& conditionals);
/// {"name", "I_nats", "I_nats_error", "I_bits", "I_bits_error", "mean_up", "entropy_nats"}.
nlohmann::json to_json(const MutualInformation& info);
/// mutual information keys of the winner plus {"function" (hex string), "up_states",
/// "odd_only", "searched", "seconds", "top": [{"function", "up_states", "I_nats", "I_bits"}]}.
nlohmann::json to_json(const RsmiOptimum& optimum);

}  // namespace deeprg::rg
