#pragma once
// Text shared by the experiment's files: how analysis.json's numbers read (in the report and the
// claims), and the trimming of the items of the lists people type.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "deeprg/mc/statistics.hpp"

namespace deeprg::experiment::detail {

/// `s` without the spaces and tabs around it (of a list's items as people type them).
inline std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

/// Compact JSON for another rank. Bytes that are not UTF-8 (an error quoting such a path) are
/// replaced: dump() would throw, between the work and the collective the other ranks wait in.
inline std::string dump_for_ranks(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

/// x at `digits` decimals; "–" when not finite.
inline std::string fixed(double x, int digits) {
  if (!std::isfinite(x)) return "–";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, x);
  return buf;
}

/// x to `digits` significant digits (%g); "–" when not finite.
inline std::string general(double x, int digits = 6) {
  if (!std::isfinite(x)) return "–";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*g", digits, x);
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

/// Rows of cells as plain text: the first row is the header; the first column is left-aligned,
/// the others right-aligned, two spaces apart; widths count code points, so that '±' and '–'
/// line up.
inline std::string text_table(const std::vector<std::vector<std::string>>& rows) {
  auto length = [](const std::string& s) {
    std::size_t n = 0;
    for (const unsigned char c : s) n += (c & 0xC0) != 0x80 ? 1 : 0;
    return n;
  };
  std::vector<std::size_t> width;
  for (const auto& row : rows) {
    width.resize(std::max(width.size(), row.size()), 0);
    for (std::size_t c = 0; c < row.size(); ++c) width[c] = std::max(width[c], length(row[c]));
  }
  std::string out;
  for (const auto& row : rows) {
    std::string line;
    for (std::size_t c = 0; c < row.size(); ++c) {
      const std::string pad(width[c] - length(row[c]), ' ');
      line += c == 0 ? row[c] + pad : "  " + pad + row[c];
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  }
  return out;
}

/// Values joined with " → " (one per layer), at `digits` decimals.
inline std::string chain(const std::vector<double>& values, int digits) {
  std::string out;
  for (const double v : values) out += (out.empty() ? "" : " → ") + fixed(v, digits);
  return out;
}

}  // namespace deeprg::experiment::detail
