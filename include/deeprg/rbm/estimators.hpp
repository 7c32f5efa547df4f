#pragma once
/// Honest estimators for RBMs: exact ln Z by enumeration of the smaller layer, annealed
/// importance sampling (AIS) with an error bar when enumeration is out of reach, exact
/// log-likelihoods and their gradient, pseudo-likelihood and reconstruction error.
#include <cstdint>
#include <string>
#include <vector>

#include "deeprg/rbm/rbm.hpp"

namespace deeprg::rbm {

/// Largest layer size that exact enumeration accepts (2^30 states).
inline constexpr std::size_t kMaxExactUnits = 30;

/// ln Z = ln Σ_{v,h} e^{−E(v,h)}, summing the smaller layer explicitly (Gray code, incremental
/// fields, parallel over blocks of states) and the other in closed form:
///   ln Z = ln Σ_h e^{bᵀh} Π_i Σ_{v_i} e^{v_i (a + W h)_i}   (or the same with layers swapped).
/// Double precision with log-sum-exp. Throws ConfigError("log-z") when the smaller layer has
/// more than kMaxExactUnits units. Independent of `threads`.
double exact_log_z(const Rbm& rbm, int threads = 0);

struct AisOptions {
  int chains = 256;             ///< independent annealing runs
  int intermediate = 20000;     ///< number of inverse temperatures β_k in (0, 1)
  std::uint64_t seed = 1;
  int threads = 0;
  /// Base-rate visible biases of the β = 0 model (Salakhutdinov & Murray 2008: fitted to the
  /// data's marginals); empty means the RBM's own visible biases.
  std::vector<float> base_visible_bias;
  bool reverse = false;  ///< also run reverse AIS from exact... (see LogZEstimate::reverse)
};

/// An estimate of ln Z.
struct LogZEstimate {
  double log_z = 0;
  double error = 0;           ///< one standard error (0 when exact)
  std::string method;         ///< "exact" or "ais"
  double reverse_log_z = 0;   ///< reverse-AIS estimate (a stochastic upper bound), when run
  bool has_reverse = false;
};

/// AIS (Neal 2001; Salakhutdinov & Murray 2008): anneal p_β ∝ p_A^{1−β} p_B^β from a
/// factorised base model A with known ln Z_A to the RBM B, averaging the importance weights
/// in log space. The error is the delta-method standard error of ln(mean w) over chains.
/// Independent of `threads`.
LogZEstimate ais_log_z(const Rbm& rbm, const AisOptions& options);

/// "exact" when the smaller layer has at most `exact_limit` units, else AIS.
LogZEstimate estimate_log_z(const Rbm& rbm, const std::string& method /* exact|ais|auto */,
                            const AisOptions& ais = {}, std::size_t exact_limit = 24);

/// ln p(v) = −F(v) − ln Z for each row of v.
std::vector<double> log_likelihood(const Rbm& rbm, const MatrixF& v, double log_z);

/// Mean pseudo-log-likelihood per visible unit, (1/n_v) Σ_i ln p(v_i | v_{−i}), averaged over
/// rows; every unit of every row when n_visible·rows is small enough, otherwise one random unit
/// per row (as scikit-learn does), drawn from `seed`.
double pseudo_log_likelihood(const Rbm& rbm, const MatrixF& v, std::uint64_t seed = 1);

/// Mean squared error per visible unit between v and its one-step mean-field reconstruction
/// E[v | h = E[h | v]], averaged over rows.
double reconstruction_error(const Rbm& rbm, const MatrixF& v);

/// Exact gradient of the mean log-likelihood over the rows of `data`:
///   ∂/∂W = ⟨v hᵀ⟩_data − ⟨v hᵀ⟩_model,  ∂/∂a = ⟨v⟩_data − ⟨v⟩_model,  ∂/∂b = ⟨h⟩_data − ⟨h⟩_model,
/// with ⟨h⟩_data the conditional means and model averages by enumeration of the smaller layer.
struct Gradient {
  MatrixD W;
  std::vector<double> visible_bias;
  std::vector<double> hidden_bias;
};
Gradient exact_log_likelihood_gradient(const Rbm& rbm, const MatrixF& data, int threads = 0);

}  // namespace deeprg::rbm
