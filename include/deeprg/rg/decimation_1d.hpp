#pragma once
/// Exact decimation of the 1D Ising chain, as a formula and as an RBM.
///
/// The chain H(s) = −J Σ_i s_i s_{i+1} (spins ±1, temperature 1, so J is the reduced coupling).
/// Summing out every other spin s between its neighbours v₁, v₂ gives, for each coarse bond,
///
///   Σ_{s=±1} e^{J s (v₁ + v₂)} = 2 cosh(J (v₁ + v₂)) = e^{c + J′ v₁ v₂},
///
/// and comparing v₁ = v₂ (2 cosh 2J) with v₁ = −v₂ (2) fixes
///
///   J′ = ½ ln cosh 2J   ⇔   tanh J′ = tanh² J,        c = ln 2 + J′
///
/// (Kadanoff 1966; Nelson & Fisher 1975). The constant c is per decimated spin, i.e. per bond of
/// the coarse chain. On a ring of N (even) spins this is exact, not only in the limit N → ∞:
///
///   ln Z_N(J) = (N/2) c + ln Z_{N/2}(J′),                                              (D1)
///
/// with model.hpp's convention that a ring of 2 has a doubled bond and, formally, a ring of 1
/// has one bond of the spin to itself (Z₁ = 2 e^J = tr T). Iterating, with J₀ = J,
/// J_{k+1} = J′(J_k), c_k = ln 2 + J_{k+1}, the free energy per spin of the infinite chain is
///
///   ln(2 cosh J) = Σ_{k<s} c_k / 2^{k+1} + 2^{−s} ln(2 cosh J_s),                      (D2)
///
/// and the last term → 2^{−s} ln 2 since J_s → 0. Fixed points: t = tanh J maps to t², so
/// J* = 0 (t* = 0, dt′/dt = 0: stable, every J > 0 flows there) and J* = ∞ (t* = 1,
/// d(1 − t′)/d(1 − t) = 2: unstable); the correlation length ξ = −1/ln tanh J halves exactly.
///
/// As an RBM (Mehta & Schwab 2014, arXiv:1410.3831, the 1D Ising example of the exact mapping):
/// the hidden units are the kept (block) spins and their hidden-layer Hamiltonian
///
///   H^RBM(h) = −ln Tr_v e^{−E(v,h)} = −bᵀh − Σ_i φ_v((a + W h)_i)
///
/// is read off by enumerating every hidden configuration. The construction is chosen so that
/// H^RBM(h) = const − J′ Σ_j h_j h_{j+1} holds *exactly* on a finite ring: every bond of the
/// chain joins an even site to an odd one, so the chain is itself bipartite, and a decimated
/// (odd) spin coupled with weight J to its two kept neighbours contributes exactly
/// ln 2cosh(J(h_j + h_{j+1})) = c + J′ h_j h_{j+1}. See DecimationLayout for the two layouts.
///
/// Precision: the RBM is float64 (rbm::Rbm64) and holds J itself, so J′ read off it agrees with
/// the formula to double precision (~1e-15 relative), and so does the RBM flow (each step's RBM
/// built from the previous step's reading). A float32 copy (rbm_cast<float>) would hold
/// J̃ = float(J) and give J′(J̃), off by |tanh 2J|·|J − J̃| ≲ 6e-8·J.
#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "deeprg/rbm/rbm.hpp"

namespace deeprg::rg {

/// J′ = ½ ln cosh 2J, the decimated coupling (tanh J′ = tanh² J). Evaluated as ½ log1p(2 sinh² J)
/// for |J| < 1 (full relative precision as J → 0, where J′ ≈ J²) and as
/// |J| − ½ ln 2 + ½ log1p(e^{−4|J|}) beyond (no overflow). Even in J; throws ConfigError("J")
/// when J is not finite.
double decimated_coupling(double J);

/// c = ln 2 + J′(J): the free-energy constant of one decimated spin (one coarse bond), Eq. (D1).
/// Throws ConfigError("J") when J is not finite.
double decimation_constant(double J);

/// ln tanh J for J ≥ 0 without cancellation: ln(1 − x) − log1p(x), x = e^{−2J}, with ln(1 − x)
/// as ln(−expm1(−2J)) for small J and log1p(−x) for large J; −inf at J = 0.
/// Throws ConfigError("J") unless J ≥ 0 and finite.
double log_tanh(double J);

/// Correlation length of the infinite chain at h = 0 in lattice spacings, ξ = −1/ln tanh J
/// (0 at J = 0). Decimation halves it exactly: ξ(J′) = ξ(J)/2. Throws as log_tanh.
double correlation_length(double J);

/// Largest number of decimation steps accepted: the ring of 2^steps spins used by
/// decimated_ring_log_z must fit an int, and beyond ~10 steps any J ≲ 1 has flowed to 0 in
/// double precision anyway (J_{k+1} ≈ J_k²).
inline constexpr int kMaxDecimationSteps = 30;

/// Largest number of hidden units fit_hidden_coupling enumerates (2^20 configurations).
inline constexpr std::size_t kMaxFitHiddenUnits = 20;

/// Which units of the ring of N = 2M spins the RBM's layers hold. The hidden layer is always
/// the M kept spins h_j = s_{2j}; decimated spin s_{2j+1} couples to h_j and h_{j+1 mod M}
/// with weight J. Both layouts have spin units and zero biases.
enum class DecimationLayout {
  /// visible = the M decimated spins v_j = s_{2j+1}, hidden = the M kept spins (N_v = N/2).
  /// E(v, h) = −J Σ_j v_j (h_j + h_{j+1}) = H(s) exactly: the RBM *is* the ring, so its joint
  /// distribution is the Ising ring, exact_log_z = ln Z_N(J), and H^RBM(h) = −M c −
  /// J′ Σ_j h_j h_{j+1} exactly (D1). Nothing is a limit.
  ring,
  /// visible = all N spins, hidden = the M block spins (Mehta & Schwab's picture: the
  /// physical spins are visible). As `ring`, plus each kept visible spin v_{2j} tied to its
  /// hidden copy h_j with weight λ = `tie`:
  ///   E(v, h) = −λ Σ_j v_{2j} h_j − J Σ_j v_{2j+1} (h_j + h_{j+1}).
  /// Exact for every λ: H^RBM(h) = −M ln 2cosh λ − M c − J′ Σ_j h_j h_{j+1} (a tied visible
  /// spin sees only its own hidden unit, so it adds a constant) and ln Z_RBM = M ln 2cosh λ +
  /// ln Z_N(J). Only in the limit λ → ∞: p(h_j = v_{2j} | v) → 1 (decimation as a
  /// conditional) and the visible marginal p(v) → the Ising ring; at finite λ, p(v) has extra
  /// couplings between v_{2j−1} and v_{2j+1} of order e^{−2(λ − 2J)}.
  tied,
};

/// How decimation_rbm builds the RBM.
struct DecimationRbmOptions {
  int sites = 8;  ///< N, the ring's spins: even, 4 ≤ N ≤ 2·kMaxFitHiddenUnits
  DecimationLayout layout = DecimationLayout::ring;
  double tie = 10.0;  ///< λ for DecimationLayout::tied (> 0, finite; ignored for `ring`)
};

/// "ring" or "tied".
const char* to_string(DecimationLayout layout);
/// Inverse of to_string; throws ConfigError(key) otherwise.
DecimationLayout parse_decimation_layout(const std::string& name,
                                         const std::string& key = "layout");

/// The RBM of one decimation step of the ring of options.sites spins with coupling J (see
/// DecimationLayout), spin units on both layers, float64 weights J (and λ) exactly. meta
/// records {"construction": "decimation_1d", "layout", "sites", "J", "tie"}.
/// Throws ConfigError("J") unless J is finite and > 0, ConfigError("sites") unless sites is even
/// and in [4, 2·kMaxFitHiddenUnits], ConfigError("tie") for a bad λ with the tied layout.
rbm::Rbm64 decimation_rbm(double J, const DecimationRbmOptions& options = {});

/// H^RBM(h) = −bᵀh − Σ_i φ_v((a + W h)_i) in double for one hidden configuration (±1 for spin
/// hidden units, 0/1 for bernoulli), the hidden-layer Hamiltonian of the exact mapping
/// (Mehta & Schwab 2014): e^{−H^RBM(h)} = Σ_v e^{−E(v,h)}. Throws ShapeError when h has the
/// wrong length.
template <class Real>
double hidden_hamiltonian(const rbm::BasicRbm<Real>& rbm, std::span<const float> h);

/// A nearest-neighbour ring fitted to H^RBM over all hidden configurations.
struct HiddenCouplingFit {
  double coupling = 0;     ///< J′ in H^RBM(h) ≈ E₀ − J′ Σ_j h_j h_{j+1}
  double constant = 0;     ///< E₀
  double residual = 0;     ///< max_h |H^RBM(h) − fit(h)|: 0 (to rounding) iff exactly NN
  std::size_t states = 0;  ///< 2^M configurations enumerated
};

/// Least-squares fit of H^RBM(h) = E₀ − J′ S(h), S(h) = Σ_j h_j h_{j+1 mod M} (the hidden units
/// taken as a ring in index order; M = 2 has a doubled bond, as in model.hpp), over all 2^M
/// hidden configurations: J′ = −cov(H, S)/var(S), E₀ = mean(H) + J′ mean(S). For spin visible
/// units with zero bias the h-independent part ln 2 of each φ_v is subtracted before the fit
/// (φ_v(y) − ln 2 = ln cosh y = log1p(2 sinh²(y/2))), so that a small J′ ≈ J² keeps its
/// relative precision instead of drowning in rounding of the constant. The residual
/// certifies the form — any field, longer-range or multi-spin term would leave one. Throws
/// ConfigError("rbm") unless the hidden units are spins, 2 ≤ M ≤ kMaxFitHiddenUnits, and
/// ShapeError / ConfigError("parameters") for an invalid RBM.
template <class Real>
HiddenCouplingFit fit_hidden_coupling(const rbm::BasicRbm<Real>& rbm);

/// One step of the flow. Index k: J_k → J_{k+1}.
struct DecimationStep {
  int step = 0;                     ///< k (0-based)
  double J = 0;                     ///< J_k from the formula
  double J_next_formula = 0;        ///< J_{k+1} = ½ ln cosh 2J_k
  double J_rbm = 0;                 ///< J_k of the RBM flow (J_0 = J)
  double J_next_rbm = 0;            ///< J′ read off decimation_rbm(J_rbm): the RBM flow
  double rbm_residual = 0;          ///< HiddenCouplingFit::residual of that RBM
  double free_energy_constant = 0;  ///< c_k = ln 2 + J_{k+1}, per coarse bond (D1)
  double correlation_length = 0;    ///< ξ(J_k) = −1/ln tanh J_k, in units of this level
};

/// `steps` decimation steps from J_0 = J: the formula flow (double precision throughout) next to
/// the RBM flow, where step k builds decimation_rbm(J_rbm_k, rbm) and reads J_rbm_{k+1} off its
/// hidden-layer Hamiltonian with fit_hidden_coupling. A J_rbm that has underflowed to 0 has
/// reached the fixed point: its step is read as 0 without building an RBM. Throws
/// ConfigError("J") unless J > 0 and finite, ConfigError("steps") unless 1 ≤ steps ≤
/// kMaxDecimationSteps, and as decimation_rbm for bad options.
std::vector<DecimationStep> decimation_flow(double J, int steps,
                                            const DecimationRbmOptions& rbm = {});

/// The bookkeeping of Eq. (D2) for the infinite chain after `steps` steps.
struct InfiniteChainCheck {
  double sum_of_constants = 0;       ///< Σ_{k<s} c_k / 2^{k+1}
  double coarse_log_z_per_spin = 0;  ///< 2^{−s} ln(2 cosh J_s): the coarse chain, per original spin
  double exact_log_z_per_spin = 0;  ///< ln(2 cosh J) (ising::infinite_chain)
  double difference = 0;  ///< sum_of_constants + coarse_log_z_per_spin − exact (rounding only)
};

/// Eq. (D2) after `steps` steps of the formula flow. Throws as decimation_flow.
InfiniteChainCheck infinite_chain_check(double J, int steps);

/// The bookkeeping of Eq. (D1) iterated on a finite ring.
struct RingCheck {
  int sites = 0;                ///< N
  int coarse_sites = 0;         ///< N / 2^steps
  double sum_of_constants = 0;  ///< Σ_{k<s} (N / 2^{k+1}) c_k
  double coarse_log_z = 0;      ///< ln Z_{N/2^s}(J_s): transfer matrix, or 2 e^{J_s} for 1 spin
  double exact_log_z = 0;       ///< ln Z_N(J) from ising::transfer_matrix
  double difference = 0;        ///< sum_of_constants + coarse_log_z − exact_log_z
};

/// Eq. (D1) iterated `steps` times on the ring of `sites` spins, against
/// ising::transfer_matrix. Throws ConfigError("J") as decimation_flow, ConfigError("steps")
/// unless 1 ≤ steps ≤ kMaxDecimationSteps, ConfigError("sites") unless sites ≥ 2 is a multiple
/// of 2^steps.
RingCheck decimated_ring_log_z(double J, int sites, int steps);

}  // namespace deeprg::rg
