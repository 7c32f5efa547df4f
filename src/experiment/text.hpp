#pragma once
// Number formatting shared by the report and the claims: how analysis.json's numbers read.
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>

#include "deeprg/mc/statistics.hpp"

namespace deeprg::experiment::detail {

/// x at `digits` decimals; "–" when not finite.
inline std::string fixed(double x, int digits) {
  if (!std::isfinite(x)) return "–";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, x);
  return buf;
}

/// x as %g.
inline std::string general(double x) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%g", x);
  return buf;
}

/// j[key] as a double; NaN when absent or null (JSON's stand-in for an undefined value).
inline double number(const nlohmann::json& j, const char* key) {
  return j.contains(key) && j[key].is_number() ? j[key].get<double>() : std::nan("");
}

/// "value ± error" of j[key] and j[key + "_error"]; "–" when the value is undefined.
inline std::string estimate(const nlohmann::json& j, const std::string& key) {
  const double value = number(j, key.c_str());
  const double error = number(j, (key + "_error").c_str());
  return std::isfinite(value) ? mc::format_estimate(value, error) : "–";
}

/// Values joined with " → " (one per layer), at `digits` decimals.
inline std::string chain(const std::vector<double>& values, int digits) {
  std::string out;
  for (const double v : values) out += (out.empty() ? "" : " → ") + fixed(v, digits);
  return out;
}

}  // namespace deeprg::experiment::detail
