#pragma once
/// Exact reference results for the Ising model of model.hpp: finite tori, rings and the
/// infinite lattice and chain.
///
/// Conventions: H(s) = −J Σ_⟨ij⟩ s_i s_j − h Σ_i s_i, k_B = 1, β = 1/T, K = βJ, B = βh, periodic
/// boundaries with every site owning a right and (in 2D) a down bond, so an extent of 2 has
/// doubled bonds. Thermodynamic derivatives are taken exactly (forward-mode jets, jet.hpp):
///
///   U = ⟨H⟩ = −∂ ln Z/∂β,   C = β² ∂² ln Z/∂β² = (⟨H²⟩ − ⟨H⟩²)/T²,   ⟨M⟩ = ∂ ln Z/∂B,
///
/// and are reported per spin.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <vector>

#include "deeprg/ising/model.hpp"

namespace deeprg::ising {

/// Exact thermodynamics of a finite periodic lattice of N spins.
struct Thermodynamics {
  double log_z = 0.0;                   ///< ln Z
  double energy_per_spin = 0.0;         ///< ⟨H⟩/N
  double specific_heat_per_spin = 0.0;  ///< (⟨H²⟩ − ⟨H⟩²)/(N T²)
  double magnetization_per_spin = 0.0;  ///< ⟨Σ_i s_i⟩/N (signed, not |m|; 0 at h = 0)
};

/// Exact partition function of the lx × ly square-lattice torus at h = 0 (Kaufman 1949, in the
/// form of Beale, PRL 76, 78 (1996)). With m = lx (rows of the transfer matrix product) and
/// n = ly (spins per row) — the result is symmetric in the two:
///
///   Z = ½ (2 sinh 2K)^{mn/2} (Z₁ + Z₂ + Z₃ + Z₄),
///   Z₁ = Π_{r=0}^{n−1} 2 cosh(m γ_{2r+1}/2),   Z₂ = Π_{r=0}^{n−1} 2 sinh(m γ_{2r+1}/2),
///   Z₃ = Π_{r=0}^{n−1} 2 cosh(m γ_{2r}/2),     Z₄ = Π_{r=0}^{n−1} 2 sinh(m γ_{2r}/2),
///   cosh γ_l = cosh 2K coth 2K − cos(πl/n)  (γ_l > 0 for l ≠ 0),
///   γ₀ = 2K + ln tanh K  (signed: negative above T_c, so Z₄ < 0 there).
///
/// Numerics: each factor absorbs its share (2 sinh 2K)^{m/2} of the prefactor (so the high-T
/// cancellation between ln(2 sinh 2K) and γ_l is done analytically), the four products are
/// combined in log space with their signs, and U, C are exact β-derivatives (jet.hpp). Matches
/// enumerate() to ≲ 1e-13 per spin from T = 1e-3 J to 1e6 J and stays finite at any T > 0.
/// Valid for any lx, ly ≥ 2 (extent 2 means doubled bonds, as in model.hpp); O(ly) work.
/// Throws ConfigError "h" unless h = 0, "J" unless J > 0, "model" unless the lattice is 2D, and
/// whatever Model::validate throws.
Thermodynamics kaufman(const Model& m);

/// Exact thermodynamics of the periodic chain of N spins in a field, by the transfer matrix
/// T_{ss'} = exp(K s s' + B (s + s')/2) (Ising 1925; Kramers & Wannier 1941):
///
///   Z = λ₊^N + λ₋^N,   λ± = e^K cosh B ± √(e^{2K} sinh² B + e^{−2K}).
///
/// Evaluated in log form (no overflow at any K, B), with ⟨M⟩ = ∂ ln Z/∂B and U, C as exact
/// β-derivatives. Any sign of J and h. N = 2 has a doubled bond, as in model.hpp. Throws
/// ConfigError "model" unless the lattice is 1D, and whatever Model::validate throws.
Thermodynamics transfer_matrix(const Model& m);

/// Largest N accepted by enumerate() and density_of_states().
inline constexpr int kMaxEnumerationSites = 30;

/// Density of states g(b, M): the number of the 2^N configurations with bond sum
/// b = Σ_⟨ij⟩ s_i s_j and magnetization M = Σ_i s_i, so that Z = Σ_{b,M} g(b, M) e^{Kb + BM}.
struct DensityOfStates {
  Lattice lattice;
  /// g at index (b + bonds)·(2N + 1) + (M + N), b ∈ [−bonds, bonds], M ∈ [−N, N].
  std::vector<std::uint64_t> counts;
  /// g(b, M); 0 outside the table.
  std::uint64_t operator()(int bonds, int magnetization) const noexcept;
};

/// Counts all 2^N states of a chain or torus by a Gray-code walk with incremental updates of
/// b and M, halved by the global spin-flip symmetry g(b, M) = g(b, −M) and split over threads.
/// Throws ConfigError "L" when N > 30, and whatever Lattice::validate throws.
DensityOfStates density_of_states(const Lattice& lattice);

/// Exact thermodynamics from a density of states: Z = Σ g(b, M) exp(K b + B M) summed with
/// log-sum-exp in double, energy and specific heat as moments about the mean. Any J and h.
/// Throws ShapeError if dos belongs to another lattice than m, and whatever Model::validate
/// throws.
Thermodynamics enumerate(const DensityOfStates& dos, const Model& m);

/// Brute force over all 2^N states of a chain or torus, any J and h:
/// enumerate(density_of_states(m.lattice), m). Throws ConfigError "L" when N > 30, and whatever
/// Model::validate throws.
Thermodynamics enumerate(const Model& m);

/// Largest N accepted by boltzmann_probabilities().
inline constexpr int kMaxProbabilitySites = 24;

/// The normalised Boltzmann distribution P(s) = exp(−βH(s))/Z over all 2^N states, indexed so
/// that bit i of the index is set ⇔ s_i = +1 (site i row-major, as in model.hpp). Throws
/// ConfigError "L" when N > 24, and whatever Model::validate throws.
std::vector<double> boltzmann_probabilities(const Model& m);

/// Exact per-spin results in the thermodynamic limit.
struct InfiniteLattice {
  double log_z_per_spin = 0.0;          ///< lim ln Z / N
  double energy_per_spin = 0.0;         ///< lim ⟨H⟩/N
  double specific_heat_per_spin = 0.0;  ///< lim (⟨H²⟩ − ⟨H⟩²)/(N T²); +inf at T_c in 2D
  /// 2D: Yang's spontaneous |m|, 0 at and above T_c. 1D: the exact ⟨m⟩ per spin (signed; 0 at
  /// h = 0, where there is no spontaneous order).
  double spontaneous_magnetization = 0.0;
  /// Exponential correlation length in lattice spacings (along an axis in 2D); +inf at T_c.
  /// Below T_c in 2D it is the length of the connected correlation ⟨s_0 s_r⟩ − m².
  double correlation_length = 0.0;
};

/// The square lattice in the thermodynamic limit at h = 0 (the lattice extents are ignored):
///
///   ln Z/N = ln(2 cosh 2K) + (1/2π) ∫₀^π ln[½(1 + √(1 − κ² sin²φ))] dφ,
///            κ = 2 sinh 2K / cosh² 2K                                      (Onsager 1944),
///   U/N = −J coth 2K [1 + (2/π)(2 tanh² 2K − 1) K₁(κ)],
///   C/N = (4/π)(K coth 2K)² {K₁(κ) − E₁(κ) − (1 − tanh² 2K)[π/2 + (2 tanh² 2K − 1) K₁(κ)]},
///   |m| = (1 − sinh⁻⁴ 2K)^{1/8} for T < T_c, else 0                           (Yang 1952),
///   1/ξ = −ln tanh K − 2K above T_c, 2(2K + ln tanh K) below (connected)   (McCoy & Wu 1973),
///
/// with K₁, E₁ the complete elliptic integrals of modulus κ (std::comp_ellint_1/2; Onsager 1944,
/// in the form of Huang, Statistical Mechanics, §15). The integral is evaluated by tanh-sinh
/// quadrature to ≈ 1e-15. For K < 1/4 (T > 4J), where the closed forms for U and C lose digits
/// to cancellation, U and C are instead the exact β-derivatives of that quadrature. At T_c
/// (|γ₀| = |2K + ln tanh K| ≤ 16 ε) U = −√2 J and C = ξ = +inf. Throws ConfigError "h" unless
/// h = 0, "J" unless J > 0, "model" unless the lattice is 2D, "T" for a bad temperature.
InfiniteLattice onsager(const Model& m);

/// The chain in the thermodynamic limit, any J and h (the length is ignored):
///
///   ln Z/N = ln λ₊,   ⟨m⟩ = sinh B / √(sinh² B + e^{−4K}),   1/ξ = ln(λ₊/|λ₋|)
///
/// with λ± as in transfer_matrix() (Ising 1925; 1/ξ = −ln tanh K at h = 0, J > 0; ξ is the
/// decay length of |⟨s_0 s_r⟩ − ⟨s⟩²|, staggered for J < 0); U and C by exact β-derivatives of
/// ln λ₊. ξ = 0 when J = 0 and +inf when |λ₋| = λ₊ to double precision. Throws ConfigError
/// "model" unless the lattice is 1D, and "T"/"J"/"h" for non-finite values.
InfiniteLattice infinite_chain(const Model& m);

/// Enumeration cross-checks the finite-lattice solution up to this many spins (2^25 states take
/// about a second).
inline constexpr std::size_t kCrossCheckSites = 25;

/// Every exact reference for the model as JSON (what `deeprg exact --json` prints): to_json(m),
/// then log_z, energy_per_spin, specific_heat_per_spin, magnetization_per_spin of the finite
/// lattice with "method" (kaufman in 2D at h = 0 and J > 0, transfer_matrix in 1D, enumeration
/// for small lattices otherwise, null when none applies), "enumeration" (the cross-check, up to
/// kCrossCheckSites spins) and "infinite_lattice" (Onsager/Yang in 2D at h = 0, the infinite
/// chain in 1D). Non-finite values are null. Throws as the functions it calls.
nlohmann::json exact_json(const Model& m);

}  // namespace deeprg::ising
