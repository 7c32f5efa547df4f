#pragma once
// Where two measured curves cross: the finite-size estimate of a critical temperature from
// quantities that do not depend on L at T_c (the Binder cumulant U4, ξ/L), whose curves for two
// sizes cross there up to corrections to scaling (Binder 1981).
#include <cstddef>
#include <span>
#include <vector>

#include "deeprg/mc/statistics.hpp"

namespace deeprg::mc {

/// One crossing of curves a(x) and b(x): where the linear interpolation of a − b between grid
/// points x[bracket] and x[bracket + 1] vanishes, with the error propagated from the four
/// points' errors (independent samples: the two curves and the two grid points are measured
/// separately).
struct Crossing {
  double x = 0;
  double error = 0;
  std::size_t bracket = 0;
};

/// Every crossing of a and b on the increasing grid x, in order: each interval whose ends have
/// a − b of opposite signs gives one, and so does a grid point where a − b is zero. Intervals with
/// an undefined value or error at an end are passed over. Near T_c noise can add crossings; their
/// number is part of the answer. Throws ConfigError("x") when the sizes differ or x does not
/// increase.
std::vector<Crossing> crossings(std::span<const double> x, std::span<const Estimate> a,
                                std::span<const Estimate> b);

}  // namespace deeprg::mc
