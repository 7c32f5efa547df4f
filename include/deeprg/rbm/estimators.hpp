#pragma once
/// Honest estimators for RBMs: exact ln Z by enumeration of the smaller layer, annealed
/// importance sampling (AIS) with an error bar when enumeration is out of reach, exact
/// log-likelihoods and their gradient, pseudo-likelihood and reconstruction error.
///
/// Everything here works for both unit types on both layers, and for RBMs stored in float32
/// (Rbm) or float64 (Rbm64): the exact quantities are computed in double from the parameters
/// as stored, so a float64 model's results are exact to double precision. With φ_u(x) = ln Σ_{s∈u}
/// e^{s x} (softplus(x) for bernoulli {0, 1}, ln 2cosh x for spin ±1):
///
///   ln Z = ln Σ_h e^{bᵀh + Σ_i φ_v((a + W h)_i)} = ln Σ_v e^{aᵀv + Σ_j φ_h((b + Wᵀv)_j)}.
#include <cstdint>
#include <string>
#include <vector>

#include "deeprg/rbm/rbm.hpp"

namespace deeprg::rbm {

/// Largest layer size that exact enumeration accepts (2^30 states): the one limit of exact ln Z.
inline constexpr std::size_t kMaxExactUnits = 30;
/// Largest smaller layer for which estimate_log_z's "auto" enumerates (2^24 states, about a
/// second) rather than running AIS: a choice of method, not a limit.
inline constexpr std::size_t kAutoExactUnits = 24;

/// Throws ConfigError("log-z") when the smaller layer of `rbm` has more than `limit` (at most
/// kMaxExactUnits) units: the message every exact ln Z refusal gives.
template <class Real>
void check_exact_units(const BasicRbm<Real>& rbm, std::size_t limit = kMaxExactUnits);

/// ln Z = ln Σ_{v,h} e^{−E(v,h)}, summing the smaller layer explicitly (Gray code, incremental
/// fields, parallel over blocks of states) and the other in closed form:
///   ln Z = ln Σ_h e^{bᵀh} Π_i Σ_{v_i} e^{v_i (a + W h)_i}   (or the same with layers swapped).
/// Double precision with log-sum-exp; the hidden layer is enumerated on a tie. The blocks of
/// states are fixed and combined in a fixed order, so the result is bit-identical for any
/// `threads` (0 = all cores). Throws ConfigError("log-z") when the smaller layer has more than
/// kMaxExactUnits units, ShapeError / ConfigError("parameters") for an invalid RBM.
template <class Real>
double exact_log_z(const BasicRbm<Real>& rbm, int threads = 0);

struct AisOptions {
  int chains = 256;          ///< independent annealing runs (≥ 1)
  int intermediate = 20000;  ///< number of inverse temperatures β_k strictly inside (0, 1) (≥ 0)
  std::uint64_t seed = 1;    ///< chain c draws from Rng(seed, c)
  int threads = 0;           ///< 0 = all cores; the result does not depend on it
  /// Base-rate visible biases of the β = 0 model (Salakhutdinov & Murray 2008: fitted to the
  /// data's marginals); empty means the RBM's own visible biases.
  std::vector<double> base_visible_bias;
  /// Also run reverse AIS: each chain takes its final forward state, makes one Gibbs step at
  /// β = 1 and anneals back from the RBM to the base model (same schedule reversed). Its
  /// weights estimate Z_A / Z_B, so ln Z_A − ln mean w_rev (LogZEstimate::reverse_log_z) is an
  /// upper bound on ln Z_B in expectation *if* the start states were exact draws from the RBM
  /// (Burda, Grosse & Salakhutdinov 2015). The final forward states only approximate such
  /// draws, so treat it as a diagnostic: forward (a stochastic lower bound) and reverse
  /// estimates that disagree beyond their error bars mean the annealing is too short.
  bool reverse = false;
};

/// An estimate of ln Z.
struct LogZEstimate {
  double log_z = 0;
  double error = 0;          ///< one standard error (0 when exact)
  std::string method;        ///< "exact" or "ais"
  double reverse_log_z = 0;  ///< reverse-AIS estimate (see AisOptions::reverse), when run
  double reverse_error = 0;  ///< its standard error (delta method, as `error`)
  bool has_reverse = false;
  /// Effective number of chains (Σ w)² / Σ w² of the forward weights (AIS only): much smaller
  /// than the number of chains means the error bar itself is unreliable.
  double effective_chains = 0;
};

/// The AIS inverse temperatures β_0 = 0 < β_1 < … < β_K < β_{K+1} = 1 for K = `intermediate`:
/// uniform spacing in three pieces as in Salakhutdinov & Murray 2008 (their 500 / 4000 / 10000
/// points on [0, 0.5] / [0.5, 0.9] / [0.9, 1], scaled to K in total), so that the steps are
/// finest near β = 1 where the distributions change fastest. K + 2 values.
std::vector<double> ais_betas(int intermediate);

/// AIS (Neal 2001; Salakhutdinov & Murray 2008). Base model A: W = 0, hidden biases 0 and
/// visible biases a_A (AisOptions::base_visible_bias or the RBM's own), so that
///   ln Z_A = Σ_i φ_v(a_{A,i}) + n_h ln 2.
/// Intermediate models are RBMs with the hidden layer summed out (S&M 2008 Eq. 13),
///   p*_k(v) = e^{((1−β_k) a_A + β_k a)ᵀv} Π_j Σ_{h_j} e^{β_k h_j (b + Wᵀv)_j},
/// i.e. W and b scaled by β_k; the transition at β_k is one Gibbs step v → h → v of that RBM.
/// Chain c (own stream Rng(seed, c)) starts from an exact draw of A and collects
///   ln w_c = Σ_{k=1}^{K+1} [ln p*_k(v_k) − ln p*_{k−1}(v_k)];
/// the estimate is ln Z = ln Z_A + ln mean_c w_c (log-sum-exp) and the error the delta-method
/// standard error sqrt(var(w)/C) / mean(w), computed on w / max w. Since E[w] = Z_B/Z_A, the
/// estimate is a stochastic lower bound (Jensen). The delta-method error is reliable when the
/// weights are not heavy-tailed (effective_chains close to chains); on strongly coupled models
/// it can be too small by a factor ~1.2–1.5, so compare runs with different seeds or reverse AIS.
/// Activations and visible probabilities are computed in the RBM's precision (float32 to ~1e-7,
/// float64 to ~1e-15), hidden probabilities and the weight increments in double, without
/// cancellation. Cost ~(chains · (K + 1) · n_v · n_h); the
/// result is bit-identical for any `threads`. Throws
/// ConfigError("ais-chains" / "ais-intermediate") for chains < 1 or intermediate < 0, ShapeError
/// when base_visible_bias has the wrong length, ConfigError("ais-base") when it is not finite.
template <class Real>
LogZEstimate ais_log_z(const BasicRbm<Real>& rbm, const AisOptions& options);

/// `method` "exact": exact_log_z, allowed only when the smaller layer has at most `exact_limit`
/// (and kMaxExactUnits) units; "ais": ais_log_z; "auto": exact when min(n_v, n_h) ≤
/// exact_limit, else AIS. Throws ConfigError("log-z") for an unknown method or "exact" beyond
/// the limit (check_exact_units). Exact enumeration costs 2^min(n_v, n_h) · max(n_v, n_h)
/// operations.
template <class Real>
LogZEstimate estimate_log_z(const BasicRbm<Real>& rbm,
                            const std::string& method /* exact|ais|auto */,
                            const AisOptions& ais = {}, std::size_t exact_limit = kAutoExactUnits);

/// ln p(v) = −F(v) − ln Z for each row of v, with F computed in double (free_energy). Throws
/// ShapeError when v has the wrong number of columns.
template <class Real>
std::vector<double> log_likelihood(const BasicRbm<Real>& rbm, const MatrixF& v, double log_z);

/// Largest rows · n_visible for which pseudo_log_likelihood visits every unit of every row.
inline constexpr std::size_t kPseudoLikelihoodExhaustive = std::size_t{1} << 20;

/// Mean pseudo-log-likelihood per visible unit, (1/n_v) Σ_i ln p(v_i | v_{−i}), averaged over
/// rows. For two-valued units, with v' equal to v except for unit i set to its other value,
///   ln p(v_i | v_{−i}) = −softplus(F(v) − F(v')),
///   F(v) − F(v') = −a_i (v_i − v'_i) − Σ_j [φ_h(x_j) − φ_h(x_j + (v'_i − v_i) W_ij)],
/// x = b + Wᵀv. Every unit of every row when rows · n_visible ≤ kPseudoLikelihoodExhaustive,
/// otherwise one unit per row drawn uniformly from Rng(seed, row) (an unbiased estimate of the
/// same mean, as scikit-learn does, which reports n_v times it). Data must be in the visible
/// alphabet. In double from the parameters as stored. Runs on `threads` threads (0 = all); the
/// result does not depend on it. Throws ShapeError for a column mismatch or no rows.
template <class Real>
double pseudo_log_likelihood(const BasicRbm<Real>& rbm, const MatrixF& v, std::uint64_t seed = 1,
                             int threads = 1);

/// Mean squared error per visible unit between v and its one-step mean-field reconstruction
/// E[v | h = E[h | v]], averaged over rows:  (1/(N n_v)) Σ_{r,i} (v_ri − E[v_i | h_r])².
/// A training diagnostic with float32 products (round a float64 RBM with rbm_cast<float>).
/// Runs on `threads` threads (0 = all); the result does not depend on it. Throws ShapeError for
/// a column mismatch or no rows.
double reconstruction_error(const Rbm& rbm, const MatrixF& v, int threads = 1);

/// Exact gradient of the mean log-likelihood over the rows of `data`:
///   ∂/∂W = ⟨v hᵀ⟩_data − ⟨v hᵀ⟩_model,  ∂/∂a = ⟨v⟩_data − ⟨v⟩_model,  ∂/∂b = ⟨h⟩_data − ⟨h⟩_model,
/// with ⟨h⟩_data the conditional means E[h | v] and model averages by enumeration of the smaller
/// layer: enumerating h, ⟨v hᵀ⟩_model = Σ_h p(h) E[v | h] hᵀ (and the same with layers swapped).
/// Double precision; independent of `threads`. Throws as exact_log_z, and ShapeError for a
/// column mismatch or no rows.
struct Gradient {
  MatrixD W;                         ///< n_visible × n_hidden
  std::vector<double> visible_bias;  ///< n_visible
  std::vector<double> hidden_bias;   ///< n_hidden
};
template <class Real>
Gradient exact_log_likelihood_gradient(const BasicRbm<Real>& rbm, const MatrixF& data,
                                       int threads = 0);

}  // namespace deeprg::rbm
