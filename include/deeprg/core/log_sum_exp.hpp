#pragma once
/// The log of a sum of exponentials, the one primitive behind every partition function and
/// importance-weight average in deeprg.
#include <cmath>
#include <limits>
#include <span>

namespace deeprg {

/// ln Σ_i e^{x_i}, evaluated as
///
///   m + ln Σ_i e^{x_i − m},   m = max_i x_i,
///
/// so that no term overflows and the largest one is exactly 1 (no underflow of the whole sum).
/// The terms are added in index order: the result is reproducible bit for bit, and a caller that
/// combines partial results in a fixed order gets the same bits for any thread count.
///
/// Edge cases, as the mathematics says: an empty input is the log of an empty sum, −inf; entries
/// of −inf are zero terms (all −inf gives −inf); any +inf gives +inf; any NaN gives NaN.
inline double log_sum_exp(std::span<const double> x) {
  constexpr double inf = std::numeric_limits<double>::infinity();
  double m = -inf;
  for (const double v : x) {
    if (std::isnan(v)) return std::numeric_limits<double>::quiet_NaN();
    if (v > m) m = v;
  }
  // No finite shift: the sum is 0 (empty or all −inf) or infinite, and x − m would be NaN.
  if (std::isinf(m)) return m;
  double s = 0;
  for (const double v : x) s += std::exp(v - m);
  return m + std::log(s);
}

}  // namespace deeprg
