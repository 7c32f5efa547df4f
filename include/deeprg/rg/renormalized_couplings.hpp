#pragma once
/// Renormalized couplings: the effective Hamiltonian of spin configurations (the input samples
/// or any coarse-graining level of them), written in the interactions S_α of mcrg.hpp,
///
///   −βH(s) = Σ_α K_α S_α(s) + const,   S_α(s) = Σ_sites Σ_shapes Π s.
///
/// Two ways to the K_α:
///
/// * From samples, by maximum pseudo-likelihood (Besag 1975). The conditional of one spin given
///   all others depends on the couplings only through its local field,
///       p(s_i | rest) = e^{s_i f_i} / 2cosh f_i,   f_i = Σ_α K_α g_α,i,
///       g_α,i = Σ_{terms of S_α containing i} Π_{other spins of the term} s_j,
///   and the pseudo-likelihood ℓ(K) = Σ_samples Σ_i ln p(s_i | rest) is concave in K, so Newton's
///   method finds its unique maximum. Why this estimator: it is consistent (it converges to the
///   true K when the Hamiltonian lies in the basis, and the exact test checks this with the
///   population weights of an enumerated torus), needs no partition function, and is the same
///   estimator at every level, so a flow K → K′ → K″ compares like with like. Truncating the
///   basis is the systematic error: the fitted K are the best local-conditional description of
///   the samples in that basis, not a projection of the full Hamiltonian. Schwinger–Dyson /
///   Swendsen's ratio identities ⟨g tanh f⟩ = ⟨s g⟩ are the stationarity conditions of the same
///   objective, so they give the same numbers.
///   Sufficient statistic: ℓ depends on the samples only through how often each vector
///   u_i = s_i (g_1,i, …, g_m,i) occurs (ln 2cosh is even), so one pass over the samples builds a
///   histogram per contiguous block of samples, and the Newton solves and the delete-one-block
///   jackknife run on the histogram alone.
///
/// * Exactly, from a function known on every configuration of a small torus (ln P(s) up to a
///   constant, or −H^RBM(h) of the paper's Eq. 22 for an RBM whose hidden units sit on a
///   lattice): its expansion in spin products, f(s) = Σ_A Ĵ_A Π_{i∈A} s_i with
///   Ĵ_A = 2^{−N} Σ_s f(s) Π_{i∈A} s_i (the Walsh–Hadamard transform), read off per interaction:
///   K_α = Ĵ_A / m_α(A) for each term A of S_α (m_α(A) = how often A occurs in S_α), which is one
///   value for a translation- and rotation-invariant f; the spread over the terms says how far f
///   is from that, and the largest coefficient outside the basis says what the basis misses.
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

namespace deeprg::rg {

/// How fit_couplings estimates.
struct CouplingFitOptions {
  /// Names (mcrg.hpp's available_couplings); empty: mcrg's default_couplings.
  std::vector<std::string> couplings;
  int jackknife_blocks = 20;  ///< contiguous blocks of samples, 2 … samples
  int threads = 0;            ///< 0 = all cores; never changes the result
};

/// The couplings fitted to one set of samples.
struct CouplingFit {
  int level = 0;  ///< coarse-graining level of the samples (0 = as given)
  int lx = 0, ly = 1;
  std::size_t samples = 0;
  std::vector<std::string> couplings;  ///< names, in order
  std::vector<mc::Estimate> values;    ///< K_α with jackknife errors
  /// Distinct local-field vectors u seen (the size of the sufficient statistic).
  std::size_t distinct_fields = 0;
  /// Mean pseudo-log-likelihood per spin at the maximum, ℓ/(samples·sites) ∈ [−ln 2, 0].
  double pseudo_log_likelihood = 0;
  /// Empty, or (coupling_flow only) why this level has no estimate: the values are then NaN.
  std::string note;
};

/// Maximum pseudo-likelihood couplings of `samples` (header comment), with delete-one-block
/// jackknife errors. Newton's method from K = 0 with a backtracking line search, to a step
/// below 1e-12 (relative); replicates start from the full-sample solution. Throws
/// ConfigError("couplings") as parse_couplings, ConfigError("blocks") unless 2 ≤ blocks ≤
/// samples, ConfigError("threads") for threads < 0, ShapeError for inconsistent samples or a
/// lattice smaller than min_mcrg_side, and Error naming the coupling when the samples do not
/// determine it (a local field that never varies, e.g. a fully ordered set, makes the maximum
/// lie at infinity, or two couplings with proportional local fields).
CouplingFit fit_couplings(const io::SpinSamples& samples, const CouplingFitOptions& options,
                          int level = 0);

/// The maximum of the pseudo-likelihood Σ_i w_i ln PL(sample i) for weighted samples, e.g. every
/// configuration of an enumerable lattice with its exact probability: the population optimum,
/// which equals the true couplings when the distribution lies in the basis. No error bars
/// (values[α].error is NaN). Throws as fit_couplings, ShapeError unless there is one finite
/// weight ≥ 0 per sample and their sum is positive.
CouplingFit fit_couplings(const io::SpinSamples& samples, std::span<const double> weights,
                          const CouplingFitOptions& options);

/// fit_couplings at levels 0 … `levels`: level k + 1 = map(level k, k). Only two levels are held
/// in memory at a time. A level whose samples do not determine the couplings (typically: the
/// flow has reached the ordered fixed point, where they are infinite) ends the flow: it is
/// returned with NaN values and the reason in `note`, and no deeper level is made. Throws
/// ConfigError("levels") for levels < 0, plus the ConfigError and ShapeError of fit_couplings and
/// what `map` throws.
std::vector<CouplingFit> coupling_flow(const io::SpinSamples& samples, const CoarseGraining& map,
                                       int levels, const CouplingFitOptions& options);

/// Largest number of sites whose 2^N values expand_in_spin_products takes (2^24 doubles, 128 MiB).
inline constexpr int kMaxExpansionSites = 24;

/// Ĵ_A for every subset A of the N sites, indexed by the bit mask of A (bit i = site i), from
/// f(s) at every configuration indexed the same way (bit i set ⇔ s_i = −1):
/// Ĵ_A = 2^{−N} Σ_s f(s) Π_{i∈A} s_i, by the fast Walsh–Hadamard transform (N·2^N additions).
/// Throws ShapeError unless values.size() = 2^N with 1 ≤ N ≤ kMaxExpansionSites, Error for
/// non-finite values.
std::vector<double> expand_in_spin_products(std::vector<double> values);

/// One interaction read off an exact expansion.
struct ExactCoupling {
  std::string name;
  double value = 0;   ///< mean over the terms of Ĵ_A / m_α(A)
  double spread = 0;  ///< max − min of Ĵ_A / m_α(A) over the terms (0 if invariant)
};

/// The couplings of an exact expansion on a lattice.
struct ExactCouplings {
  int lx = 0, ly = 1;
  std::vector<ExactCoupling> couplings;
  double constant = 0;  ///< Ĵ_∅
  /// Largest |Ĵ_A| over the non-empty subsets that are no term of any coupling in the basis,
  /// and the number of spins in that subset (0 when there is none).
  double largest_outside = 0;
  int largest_outside_spins = 0;
};

/// Reads the couplings off f(s) given on every configuration of `lattice` (indexing as
/// expand_in_spin_products: bit i ⇔ s_i = −1 for site i = y·lx + x). Throws ShapeError when
/// the lattice has more than kMaxExpansionSites sites, a side below min_mcrg_side (couplings
/// would alias), or values.size() ≠ 2^sites; ConfigError("couplings") as parse_couplings.
ExactCouplings exact_couplings(const ising::Lattice& lattice, std::span<const double> values,
                               const std::vector<std::string>& couplings);

/// −H^RBM(h) of the paper's Eq. 22 (ln Σ_v e^{−E(v,h)}, decimation_1d.hpp's hidden_hamiltonian)
/// at every hidden configuration, the hidden units laid out row-major on `lattice` (unit
/// y·lx + x at (x, y)), indexed as expand_in_spin_products (bit j ⇔ h_j = −1 for spin units,
/// h_j = 0 for bernoulli ones, so bernoulli units are read as spins s = 2h − 1). Throws
/// ConfigError("rbm") unless n_hidden = lattice.sites() ≤ kMaxExpansionSites.
template <class Real>
std::vector<double> rbm_hidden_log_weights(const rbm::BasicRbm<Real>& rbm,
                                           const ising::Lattice& lattice, int threads = 0);

/// {"level", "L", "Ly" (2D), "samples", "couplings": {name: value}, "errors": {name: error},
///  "distinct_fields", "pseudo_log_likelihood", "note" (when set)}; NaN as null.
nlohmann::json to_json(const CouplingFit& fit);
/// Array of to_json(fit).
nlohmann::json to_json(const std::vector<CouplingFit>& fits);
/// {"L", "Ly", "couplings": {name: value}, "spread": {name: spread}, "constant",
///  "largest_outside", "largest_outside_spins"}.
nlohmann::json to_json(const ExactCouplings& exact);

}  // namespace deeprg::rg
