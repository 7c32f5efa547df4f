#pragma once
// A finished scan point's numbers (its point.json) as estimates: one home for the scan's
// document (the crossings) and its report (table and figures).
#include <nlohmann/json.hpp>
#include <string>

#include "deeprg/mc/statistics.hpp"
#include "text.hpp"

namespace deeprg::experiment::detail {

/// The point's observable `key` with its jackknife error (`key`_error).
inline mc::Estimate observable(const nlohmann::json& point, const char* key) {
  const auto& o = point.at("observables");
  return {number(o, key), number(o, (std::string(key) + "_error").c_str())};
}

/// ξ/L of the point with its error (L is exact): like U4, independent of L at T_c.
inline mc::Estimate xi_over_l(const nlohmann::json& point) {
  const double L = point.at("L").get<double>();
  const mc::Estimate xi = observable(point, "correlation_length");
  return {xi.value / L, xi.error / L};
}

}  // namespace deeprg::experiment::detail
