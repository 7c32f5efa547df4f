#pragma once
/// JSON helpers shared by every output deeprg writes (analysis.json, --json, sidecars).
#include <cmath>
#include <nlohmann/json.hpp>
#include <string>

namespace deeprg {

/// JSON has no NaN or infinity: a non-finite number is written as null.
inline nlohmann::json number_or_null(double x) {
  return std::isfinite(x) ? nlohmann::json(x) : nlohmann::json(nullptr);
}

/// Sets j[key] = value and j[key + "_error"] = error, each number_or_null: the layout of every
/// estimate with an error bar in deeprg's JSON.
inline void put_estimate(nlohmann::json& j, const std::string& key, double value, double error) {
  j[key] = number_or_null(value);
  j[key + "_error"] = number_or_null(error);
}

}  // namespace deeprg
