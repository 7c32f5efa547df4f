#pragma once
// Brute-force references for RBM tests: the energy of one joint state and log-sum-exp in long
// double, written independently of the library, for either parameter precision.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

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

inline long double log_sum_exp(const std::vector<long double>& x) {
  const long double m = *std::max_element(x.begin(), x.end());
  long double s = 0;
  for (const long double v : x) s += std::exp(v - m);
  return m + std::log(s);
}

}  // namespace deeprg::rbm::testing
