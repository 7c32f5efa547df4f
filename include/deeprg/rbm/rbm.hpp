#pragma once
/// The restricted Boltzmann machine (Smolensky 1986; Hinton 2002).
///
///   E(v, h) = −vᵀW h − aᵀv − bᵀh,      p(v, h) = e^{−E(v,h)} / Z,
///
/// with visible units v and hidden units h each either `bernoulli` ({0, 1}) or `spin` (±1).
/// Marginalising one layer gives the free energy of the other (Mehta & Schwab Eq. 8):
///
///   F(v) = −aᵀv − Σ_j ln Σ_{h_j} e^{h_j x_j},   x = b + Wᵀv,
///   ln Σ_{h_j} e^{h_j x} = softplus(x) (bernoulli),  ln 2cosh x (spin),
///
/// and the conditionals factorise: p(h_j = 1 | v) = σ(x_j) (bernoulli) or
/// p(h_j = +1 | v) = σ(2 x_j) (spin); likewise for v given h with y = a + W h.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include "deeprg/core/matrix.hpp"
#include "deeprg/core/rng.hpp"

namespace deeprg::rbm {

/// The values a unit takes: {0, 1} or {−1, +1}.
enum class Units { bernoulli, spin };

/// "bernoulli" or "spin".
std::string to_string(Units units);
/// Inverse of to_string; throws ConfigError(key) otherwise.
Units parse_units(const std::string& name, const std::string& key = "units");

/// Parameters of one RBM, stored as `Real`: float32 (Rbm) as training makes them, or float64
/// (Rbm64) for exact work on parameters given in double precision. Every function of deeprg
/// that computes an exact quantity (ln Z, likelihoods, the VRG quantities, the decimation
/// flow) takes either and keeps the precision it is given; training and sampling take Rbm.
template <class Real>
struct BasicRbm {
  static_assert(std::is_same_v<Real, float> || std::is_same_v<Real, double>);
  using value_type = Real;
  Units visible = Units::bernoulli;
  Units hidden = Units::bernoulli;
  Matrix<Real> W;                                  ///< n_visible × n_hidden
  std::vector<Real> visible_bias;                  ///< a, n_visible
  std::vector<Real> hidden_bias;                   ///< b, n_hidden
  nlohmann::json meta = nlohmann::json::object();  ///< provenance (training config, seed, ...)

  /// Zero weights and biases.
  BasicRbm(std::size_t n_visible = 0, std::size_t n_hidden = 0, Units v = Units::bernoulli,
           Units h = Units::bernoulli)
      : visible(v),
        hidden(h),
        W(n_visible, n_hidden),
        visible_bias(n_visible),
        hidden_bias(n_hidden) {}
  std::size_t n_visible() const { return W.rows; }
  std::size_t n_hidden() const { return W.cols; }
  /// Throws ShapeError when the sizes disagree, ConfigError("parameters") on NaN or Inf.
  void validate() const;
};

using Rbm = BasicRbm<float>;
using Rbm64 = BasicRbm<double>;

/// "float32" or "float64": the numpy dtype that stores `Real`.
template <class Real>
constexpr const char* dtype_name() {
  return std::is_same_v<Real, double> ? "float64" : "float32";
}
/// The dtype an RBM is stored in.
template <class Real>
constexpr const char* dtype_name(const BasicRbm<Real>&) {
  return dtype_name<Real>();
}

/// The same RBM stored as `To`: exact from float32 to float64; from float64 to float32 each
/// value rounds to nearest. Throws ConfigError("parameters") when a value overflows float32.
template <class To, class From>
BasicRbm<To> rbm_cast(const BasicRbm<From>& rbm);

/// E(v, h) for one visible and one hidden configuration (values in the units' alphabet), in
/// double.
template <class Real>
double energy(const BasicRbm<Real>& rbm, std::span<const float> v, std::span<const float> h);

/// Free energy F(v) of each row of `v` (rows = samples), in double: x = b + Wᵀv by a double
/// product. Eq. above. Throws ShapeError when v has the wrong number of columns.
template <class Real>
std::vector<double> free_energy(const BasicRbm<Real>& rbm, const MatrixF& v);

/// Hidden pre-activations x = vW + b for a batch (rows = samples), one fp32 product (Matmul) on
/// the calling thread.
void hidden_activation(const Rbm& rbm, const MatrixF& v, MatrixF& x);
/// Visible pre-activations y = hWᵀ + a for a batch.
void visible_activation(const Rbm& rbm, const MatrixF& h, MatrixF& y);

/// In place: activation → conditional mean E[unit | other layer]: σ(x) or tanh(x).
void mean_from_activation(Units units, MatrixF& x);
/// In place: activation → a sample of the units (u < p with fresh uniforms from `rng`,
/// one stream per batch row is the caller's choice by passing per-row generators).
void sample_from_activation(Units units, MatrixF& x, std::span<Rng> row_rngs);

/// The same distribution over (v, h) with other unit types: substituting s = 2u − 1 maps
/// spin units to bernoulli ones (W → 2W on that side, biases shifted), and back. The result's
/// meta records the additive constant c with ln Z_new = ln Z_old + c. Keeps the precision.
template <class Real>
BasicRbm<Real> convert_units(const BasicRbm<Real>& rbm, Units visible, Units hidden);

/// Maps ±1 spins to the visible alphabet: v = (s + 1)/2 for bernoulli, v = s for spin.
MatrixF spins_to_visible(std::span<const std::int8_t> spins, std::size_t n_samples,
                         std::size_t n_visible, Units units);

}  // namespace deeprg::rbm
