#pragma once
// Brute-force references for RBM tests: the energy of one joint state and log-sum-exp in long
// double, written independently of the library, for either parameter precision.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "deeprg/core/rng.hpp"
#include "deeprg/rbm/rbm.hpp"

namespace deeprg::rbm::testing {

/// The value of a unit whose state bit is `bit`: 1, or 0 (bernoulli) / −1 (spin).
inline double unit_value(Units u, std::uint64_t bit) {
  return bit ? 1.0 : (u == Units::spin ? -1.0 : 0.0);
}

/// −E(v, h) for the states whose bits give the units' values.
template <class Real>
long double minus_energy(const BasicRbm<Real>& rbm, std::uint64_t vbits, std::uint64_t hbits) {
  long double s = 0;
  for (std::size_t i = 0; i < rbm.n_visible(); ++i) {
    const long double vi = unit_value(rbm.visible, (vbits >> i) & 1);
    s += rbm.visible_bias[i] * vi;
    for (std::size_t j = 0; j < rbm.n_hidden(); ++j)
      s += static_cast<long double>(rbm.W(i, j)) * vi * unit_value(rbm.hidden, (hbits >> j) & 1);
  }
  for (std::size_t j = 0; j < rbm.n_hidden(); ++j)
    s += rbm.hidden_bias[j] * unit_value(rbm.hidden, (hbits >> j) & 1);
  return s;
}

/// An RBM with N(0, w_scale²) weights and N(visible_shift, bias_scale²) / N(0, bias_scale²)
/// biases from Rng(seed), each drawn in double and stored as Real (float64: not float32 numbers).
template <class Real>
BasicRbm<Real> random_rbm(std::size_t nv, std::size_t nh, Units uv, Units uh, double w_scale,
                          double bias_scale, std::uint64_t seed, double visible_shift = 0) {
  BasicRbm<Real> rbm(nv, nh, uv, uh);
  Rng rng(seed);
  std::normal_distribution<double> normal;
  for (auto& w : rbm.W.data) w = static_cast<Real>(w_scale * normal(rng));
  for (auto& a : rbm.visible_bias) a = static_cast<Real>(visible_shift + bias_scale * normal(rng));
  for (auto& b : rbm.hidden_bias) b = static_cast<Real>(bias_scale * normal(rng));
  return rbm;
}

inline long double log_sum_exp(const std::vector<long double>& x) {
  const long double m = *std::max_element(x.begin(), x.end());
  long double s = 0;
  for (const long double v : x) s += std::exp(v - m);
  return m + std::log(s);
}

}  // namespace deeprg::rbm::testing
