#pragma once
/// Fitting RBMs to the exact Boltzmann distribution of a small Ising system (Mehta & Schwab,
/// arXiv:1410.3831, §III): how close can an RBM with n_h hidden units come to an exact
/// variational RG transformation?
///
/// The target is P(v) = e^{−H(v)}/Z over the 2^N spin configurations v ∈ {±1}^N of a chain or
/// torus, with the dimensionless Hamiltonian H(v) = β H_Ising(v) (so ln Z is ising::enumerate's).
/// The RBM has spin visible units (v_i = s_i) and spin or bernoulli hidden units; its marginal is
///   p_λ(v) = e^{−F_λ(v)} / Z_λ,   −F_λ(v) = aᵀv + Σ_j φ_h(b_j + (Wᵀv)_j)   (rbm.hpp).
/// The fit minimises
///   KL(P‖p_λ) = Σ_v P(v) ln P(v) − Σ_v P(v) ln p_λ(v),
/// whose exact gradient, by enumerating all v, is
///   ∂KL/∂θ = −[⟨∂_θ(−F_λ)⟩_P − ⟨∂_θ(−F_λ)⟩_{p_λ}] = −Σ_v (P(v) − p_λ(v)) ∂_θ(−F_λ(v)),
///   ∂(−F)/∂W_ij = v_i μ_j,  ∂(−F)/∂a_i = v_i,  ∂(−F)/∂b_j = μ_j,  μ_j = φ_h'(b_j + (Wᵀv)_j).
///
/// Mehta & Schwab's operator T_λ(v, h) = −E(v, h) + H(v) defines an exact RG step iff
/// Tr_h e^{T_λ(v,h)} = 1 for every v. Here
///   ln Tr_h e^{T_λ(v,h)} = −F_λ(v) + H(v) = ln p_λ(v) − ln P(v) + ln Z_λ − ln Z,
/// so its spread max_v − min_v is 0 iff p_λ = P (iff KL = 0), and exactness additionally needs
/// the common value ln Z_λ − ln Z to vanish. Both extremes are reported.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "deeprg/core/matrix.hpp"
#include "deeprg/ising/model.hpp"
#include "deeprg/rbm/rbm.hpp"

namespace deeprg::vrg {

/// Largest number of spins the exact fit accepts (2^16 configurations are enumerated per
/// gradient step).
inline constexpr std::size_t kMaxFitSpins = 16;

/// RBM parameters in double precision (spin visible units), as the optimiser holds them.
struct RbmParams {
  rbm::Units hidden = rbm::Units::spin;
  MatrixD W;              ///< n_visible × n_hidden
  std::vector<double> a;  ///< visible biases
  std::vector<double> b;  ///< hidden biases
  std::size_t n_visible() const { return W.rows; }
  std::size_t n_hidden() const { return W.cols; }
};

/// Parameters of an RBM (must have spin visible units; ConfigError("units") otherwise).
template <class Real>
RbmParams params_from_rbm(const rbm::BasicRbm<Real>& rbm);
/// The float64 RBM (spin visible units) of the parameters, exactly.
rbm::Rbm64 rbm_from_params(const RbmParams& params);

/// The target: −H(v) = ln P(v) + ln Z for every configuration, index bit i set ⇔ v_i = +1
/// (the convention of ising::boltzmann_probabilities), and ln Z.
struct IsingTarget {
  std::size_t n_spins = 0;
  std::vector<double> minus_h;  ///< −H(v) = −β H_Ising(v), 2^N entries
  std::vector<double> p;        ///< P(v) = e^{−H(v)}/Z, ising::boltzmann_probabilities
  double log_z = 0;             ///< ln Σ_v e^{−H(v)}
};
/// Enumerates the model. Throws ConfigError("--L") when it has more than kMaxFitSpins spins,
/// and whatever Model::validate throws.
IsingTarget ising_target(const ising::Model& model);

/// How well p_λ matches P.
struct FitQuality {
  double kl = 0;                  ///< KL(P‖p_λ) ≥ 0 (nats)
  double log_tr_h_exp_t_min = 0;  ///< min_v ln Tr_h e^{T_λ(v,h)} = min_v [−F_λ(v) + H(v)]
  double log_tr_h_exp_t_max = 0;  ///< max_v of the same
  double log_z_rbm = 0;           ///< ln Z_λ (exact, by enumerating v)
};
/// Exact KL and exactness range by enumeration of all v. Throws ShapeError when the sizes
/// disagree.
FitQuality evaluate_fit(const IsingTarget& target, const RbmParams& params);

/// Exact gradient ∂KL(P‖p_λ)/∂θ (formula above; the descent direction is its negative), laid out
/// as rbm::Gradient (W, visible_bias = a, hidden_bias = b). Also returns KL through `kl` when
/// not null. Throws ShapeError when the sizes disagree.
struct KlGradient {
  MatrixD W;
  std::vector<double> a, b;
};
KlGradient kl_gradient(const IsingTarget& target, const RbmParams& params, double* kl = nullptr);

/// Settings of fit_hidden_sweep.
struct FitOptions {
  /// Exact-gradient fit: Adam (β₁ = 0.9, β₂ = 0.999, ε = 1e-8) for `iterations` full-batch
  /// steps; the step size is `learning_rate` for the first half and decays as a half cosine to
  /// learning_rate/100 over the second half. Init: W_ij ~ N(0, init_std²) from
  /// Rng(seed, n_hidden), a = b = 0.
  int iterations = 2000;
  double learning_rate = 0.05;
  double init_std = 0.1;
  std::uint64_t seed = 1;
  rbm::Units hidden = rbm::Units::spin;
  /// CD comparison: `cd_samples` exact draws from P (Rng(seed ^ 0xCD, 0), inverse CDF), then
  /// rbm::train_rbm with CD-1, batch 100, `cd_epochs` epochs, learning rate `cd_learning_rate`,
  /// seed `seed` (other TrainOptions at their defaults).
  bool compare_cd = true;
  int cd_samples = 5000;
  int cd_epochs = 200;
  double cd_learning_rate = 0.05;
};

/// One hidden-layer size of the sweep.
struct FitResult {
  std::size_t n_hidden = 0;
  double kl_exact_gradient = 0;  ///< KL of the exact-gradient fit `rbm`
  double kl_cd = 0;              ///< KL of the CD fit; NaN when compare_cd is off
  double log_tr_h_exp_t_min = 0, log_tr_h_exp_t_max = 0;  ///< of the exact-gradient fit
  double log_z_rbm = 0;                                   ///< ln Z_λ of the exact-gradient fit
  double log_z = 0;                                       ///< ln Z of the Ising model
  rbm::Rbm64 rbm;  ///< the exact-gradient fit, float64 as the optimiser held it
};

/// Fits one RBM with `n_hidden` hidden units by the exact gradient (FitOptions) and returns its
/// double parameters. Throws ConfigError("--hidden") for n_hidden = 0, ConfigError("--iterations")
/// for iterations < 0, ConfigError("--lr") for a learning rate that is not finite and > 0.
RbmParams fit_exact_gradient(const IsingTarget& target, std::size_t n_hidden,
                             const FitOptions& options);

/// For every size in `hidden`: the exact-gradient fit, its quality and (optionally) the CD fit's
/// KL. Deterministic for a given seed. Throws ConfigError("--L") for more than kMaxFitSpins spins,
/// ConfigError("--hidden") for an empty list or a zero size, ConfigError("--cd-samples" /
/// "--cd-epochs") for non-positive CD settings when compare_cd is on, and as fit_exact_gradient.
std::vector<FitResult> fit_hidden_sweep(const ising::Model& model,
                                        const std::vector<std::size_t>& hidden,
                                        const FitOptions& options);

}  // namespace deeprg::vrg
