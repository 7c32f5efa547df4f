#pragma once
/// JSON helpers shared by every output deeprg writes (analysis.json, --json, sidecars).
#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>

#include "deeprg/core/error.hpp"

namespace deeprg {

/// JSON has no NaN or infinity: a non-finite number is written as null.
inline nlohmann::json number_or_null(double x) {
  return std::isfinite(x) ? nlohmann::json(x) : nlohmann::json(nullptr);
}

/// json[key] as a number, null as NaN: the reading counterpart of number_or_null, for results
/// read back from deeprg's own files. Throws ConfigError(key) when the key is missing or holds
/// something else.
inline double number_or_nan(const nlohmann::json& json, const std::string& key) {
  if (!json.is_object() || !json.contains(key))
    throw ConfigError(key, "missing from the saved results");
  const nlohmann::json& x = json[key];
  if (x.is_null()) return std::numeric_limits<double>::quiet_NaN();
  if (!x.is_number()) throw ConfigError(key, "must be a number, got " + x.dump());
  return x.get<double>();
}

/// Sets j[key] = value and j[key + "_error"] = error, each number_or_null: the layout of every
/// estimate with an error bar in deeprg's JSON.
inline void put_estimate(nlohmann::json& j, const std::string& key, double value, double error) {
  j[key] = number_or_null(value);
  j[key + "_error"] = number_or_null(error);
}

}  // namespace deeprg
