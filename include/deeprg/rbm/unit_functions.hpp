#pragma once
/// The one-unit sums that every RBM formula is built from. For a unit with values s in the
/// alphabet of `u` and input x:
///   φ_u(x)  = ln Σ_s e^{s x} = softplus(x) = ln(1 + eˣ)  (bernoulli, s ∈ {0, 1})
///                           = ln 2cosh x                 (spin, s = ±1)
///   φ_u'(x) = E[s] under p(s) ∝ e^{s x} = σ(x) or tanh x.
#include <cmath>
#include <cstddef>

#include "deeprg/rbm/rbm.hpp"

namespace deeprg::rbm {

/// ln(1 + eˣ) without overflow.
inline double softplus(double x) {
  return x > 0 ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x));
}

/// ln(2 cosh x) without overflow.
inline double log_2cosh(double x) {
  const double ax = std::abs(x);
  return ax + std::log1p(std::exp(-2 * ax));
}

/// φ_u(x) = ln Σ_{s ∈ u} e^{s x}.
inline double log_unit_sum(Units u, double x) {
  return u == Units::spin ? log_2cosh(x) : softplus(x);
}

/// Σ_j φ_u(x_j) over x[0 … n), added in index order: the sums over a layer in free energies
/// and pseudo-likelihoods. Each term agrees with log_unit_sum to a few ulps (glibc's AVX-512
/// exp and log1p where the build has them, 8 terms at a time; log_unit_sum elsewhere).
double sum_log_unit(Units u, const double* x, std::size_t n);

/// φ_u'(x) = E[s] with p(s) ∝ e^{s x}.
inline double unit_mean(Units u, double x) {
  return u == Units::spin ? std::tanh(x) : 1 / (1 + std::exp(-x));
}

}  // namespace deeprg::rbm
