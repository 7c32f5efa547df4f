#pragma once
/// Mehta & Schwab's mapping between variational RG and RBMs (arXiv:1410.3831, Eqs. 18–22),
/// evaluated exactly by enumeration for a small Ising chain or torus and an RBM with spin
/// visible units. All quantities are dimensionless: H(v) stands for βH(v) of ising::Model,
///
///   H(v) = −K Σ_⟨ij⟩ v_i v_j − B Σ_i v_i,   K = βJ, B = βh,   v_i = ±1,
///
/// and the RBM energy is E(v, h) = −vᵀW h − aᵀv − bᵀh (rbm.hpp; hidden units bernoulli or spin),
/// its parameters float32 (Rbm) or float64 (Rbm64), used as stored.
///
///   T_λ(v, h)    = −E(v, h) + H(v)                                   (Eq. 18)
///   H^RG_λ(h)    = −ln Tr_v e^{T_λ(v,h) − H(v)}                       (Eqs. 19, 20)
///   H^RBM_λ(h)   = −ln Tr_v e^{−E(v,h)}                               (Eq. 22)
///   ln Z         = ln Tr_v e^{−H(v)},   ln Z_λ = ln Tr_h e^{−H^RBM_λ(h)}  (= the RBM's ln Z)
///   ΔF           = ln Z − ln Z_λ = F^h_λ − F,   F = −ln Z, F^h_λ = −ln Z_λ
///   KL(P ‖ p_λ)  = Σ_v P(v) [ln P(v) − ln p_λ(v)],  P ∝ e^{−H}, p_λ(v) = e^{−F_λ(v)}/Z_λ
///   g(v)         = ln Tr_h e^{T_λ(v,h)} = H(v) − F_λ(v)               (exactness, Eq. 21)
///
/// What these numbers can and cannot say — read before interpreting them:
///  * With Eq. 18, T_λ − H = −E identically, so H^RG_λ ≡ H^RBM_λ for *every* λ: that is the
///    paper's central identity, and max_h |H^RG − H^RBM| only checks it numerically (it is zero
///    up to rounding, ~1e-15 · |H|). It is not evidence that an RBM performs RG.
///  * ΔF = ln Z − ln Z_λ for any λ, so "ΔF = 0" is one scalar condition; shifting a hidden
///    bias changes ln Z_λ without making p_λ closer to P. ΔF = 0 does not imply exactness.
///  * The RG step is exact iff Tr_h e^{T_λ(v,h)} = 1, i.e. g(v) = 0 for every v. In general
///        KL = −ΔF − E_P[g],
///    so KL = 0 ⇔ g is constant (p_λ = P), and exactness ⇔ KL = 0 and ΔF = 0.
///  * For this Ising family exactness needs K = 0: with bernoulli hidden units
///    g(v) + g(−v) = Σ_j [φ(x_j(v)) + φ(x_j(−v))] − 2K Σ_⟨ij⟩ v_i v_j with φ = softplus ≥ 0 and
///    the bond sum takes both signs; spin hidden units add ≥ 2 n_h ln 2. So for K ≠ 0 the best
///    an RBM can do is KL = 0 with g ≡ const ≠ 0 (ΔF = −const), because H(v) has no constant.
///
/// Enumeration: v-side quantities cost 2^{n_v} · n_h (Tr_h in closed form, Eq. 8), the h-side
/// ones 2^{n_h} · 2^{n_v}: H^RG_λ(h) is summed over v literally, as (T − H) with T formed
/// first, so that the check is a real one. Double precision, log-sum-exp, Gray-code walks in
/// fixed blocks of states combined in a fixed order: results are bit-identical for any thread
/// count.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <span>
#include <vector>

#include "deeprg/ising/model.hpp"
#include "deeprg/rbm/rbm.hpp"

namespace deeprg::vrg {

/// Largest n_v + n_h accepted by evaluate_vrg (2^26 joint states).
inline constexpr std::size_t kMaxJointUnits = 26;
/// Largest n_h for which VrgReport::h_rbm is filled in (2^16 values).
inline constexpr std::size_t kMaxListedHidden = 16;

/// Mehta & Schwab's variational operator (Eq. 18) from its two parts,
///
///   T_λ(v, h) = −E(v, h) + H(v),   −E(v, h) = vᵀW h + aᵀv + bᵀh,   H(v) = βH_Ising(v),
///
/// for callers that keep −E and H incrementally (evaluate_vrg's enumeration does).
constexpr double t_lambda(double minus_energy, double hamiltonian) {
  return minus_energy + hamiltonian;
}

/// T_λ(v, h) = −E(v, h) + H(v) (Eq. 18) for one joint state: v_i = ±1 per lattice site
/// (row-major, as ising::energy), h in the RBM's hidden alphabet ({0,1} or ±1). Throws
/// ConfigError("visible") unless the RBM's visible units are spin, ShapeError when the sizes of
/// v, h, the lattice and the RBM disagree, and what Model::validate throws.
template <class Real>
double t_lambda(const ising::Model& model, const rbm::BasicRbm<Real>& rbm,
                std::span<const std::int8_t> v, std::span<const float> h);

/// The quantities of Eqs. 18–22 for one model and one RBM (see the file comment).
struct VrgReport {
  double log_z = 0;      ///< ln Z = ln Tr_v e^{−H(v)}, by enumeration
  double log_z_rbm = 0;  ///< ln Z_λ = ln Tr_h e^{−H^RBM_λ(h)}
  double delta_f = 0;    ///< ΔF = ln Z − ln Z_λ = F^h_λ − F
  double kl = 0;         ///< KL(P ‖ p_λ) ≥ 0 (may come out as −1e-15 from rounding)
  /// max_h |H^RG_λ(h) − H^RBM_λ(h)|: zero up to rounding for every λ (Eq. 18 identity).
  double max_abs_h_rg_minus_h_rbm = 0;
  double log_tr_h_exp_t_min = 0;  ///< min_v ln Tr_h e^{T_λ(v,h)}
  double log_tr_h_exp_t_max = 0;  ///< max_v ln Tr_h e^{T_λ(v,h)}
  /// H^RBM_λ(h) for all 2^{n_h} hidden states, index bit j set ⇔ h_j = 1 (bernoulli) or +1
  /// (spin); empty when n_h > kMaxListedHidden.
  std::vector<double> h_rbm;
  std::size_t n_visible = 0;
  std::size_t n_hidden = 0;
};

/// Evaluates Eqs. 18–22 exactly; visible state index bit i set ⇔ v_i = +1 (site i row-major,
/// as ising::boltzmann_probabilities). `threads` 0 = all cores; the result does not depend on
/// it. Throws what Model::validate / Lattice::validate / Rbm::validate throw,
/// ConfigError("visible") unless the RBM's visible units are spin, ShapeError unless
/// n_visible equals the number of sites, ConfigError("L") when n_v + n_h > kMaxJointUnits.
template <class Real>
VrgReport evaluate_vrg(const ising::Model& model, const rbm::BasicRbm<Real>& rbm, int threads = 0);

/// {"log_z", "log_z_rbm", "delta_f", "kl", "max_abs_h_rg_minus_h_rbm", "log_tr_h_exp_t_min",
///  "log_tr_h_exp_t_max", "n_visible", "n_hidden"} plus "h_rbm" when it was computed.
nlohmann::json to_json(const VrgReport& report);

}  // namespace deeprg::vrg
