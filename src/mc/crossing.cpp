#include "deeprg/mc/crossing.hpp"

#include <cmath>

#include "deeprg/core/error.hpp"

namespace deeprg::mc {

namespace {

bool defined(const Estimate& e) { return std::isfinite(e.value) && std::isfinite(e.error); }

}  // namespace

std::vector<Crossing> crossings(std::span<const double> x, std::span<const Estimate> a,
                                std::span<const Estimate> b) {
  if (a.size() != x.size() || b.size() != x.size())
    throw ConfigError("x", "a grid of " + std::to_string(x.size()) + " points with curves of " +
                               std::to_string(a.size()) + " and " + std::to_string(b.size()));
  for (std::size_t i = 0; i < x.size(); ++i)
    if (!std::isfinite(x[i]) || (i > 0 && !(x[i] > x[i - 1])))
      throw ConfigError("x", "the grid must be finite and increasing, but " + format_number(x[i]) +
                                 " is point " + std::to_string(i));
  std::vector<Crossing> out;
  for (std::size_t i = 0; i + 1 < x.size(); ++i) {
    if (!defined(a[i]) || !defined(b[i]) || !defined(a[i + 1]) || !defined(b[i + 1])) continue;
    const double d0 = a[i].value - b[i].value, d1 = a[i + 1].value - b[i + 1].value;
    // A zero at a grid point is counted once, by the interval it starts (or by the last one).
    const bool last = i + 2 == x.size();
    const bool crosses = d0 == 0 ? d1 != 0 : d1 == 0 ? last : (d0 < 0) != (d1 < 0);
    if (!crosses) continue;
    // x* = x0 + h d0/(d0 − d1); ∂x*/∂d0 = −h d1/(d0 − d1)², ∂x*/∂d1 = h d0/(d0 − d1)².
    const double h = x[i + 1] - x[i], gap = d0 - d1;
    const double var0 = a[i].error * a[i].error + b[i].error * b[i].error;
    const double var1 = a[i + 1].error * a[i + 1].error + b[i + 1].error * b[i + 1].error;
    Crossing c;
    c.x = x[i] + h * d0 / gap;
    c.error = h / (gap * gap) * std::sqrt(d1 * d1 * var0 + d0 * d0 * var1);
    c.bracket = i;
    out.push_back(c);
  }
  return out;
}

}  // namespace deeprg::mc
