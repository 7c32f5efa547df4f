// Monte Carlo reference curves of |m| and U4 against T, and their inversion.
#include "deeprg/mc/reference_curve.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "deeprg/core/error.hpp"
#include "deeprg/core/json.hpp"
#include "deeprg/core/rng.hpp"
#include "deeprg/mc/observables.hpp"

namespace deeprg::mc {

namespace {

constexpr std::uint64_t kCurveTag = 0x63757276;  // "curv"

/// T where the piecewise-linear curve first falls to x (scanning from low T), with the interval
/// it lies in; false when the curve never takes x.
bool invert(const ReferenceCurve& curve, CurveObservable observable, double x, std::size_t& at,
            double& T) {
  const auto& p = curve.points;
  for (std::size_t a = 0; a + 1 < p.size(); ++a) {
    const double ya = p[a][observable].value, yb = p[a + 1][observable].value;
    if (!(ya >= x && x >= yb)) continue;  // also skips NaN points
    at = a;
    T = ya == yb ? p[a].T : p[a].T + (x - ya) * (p[a + 1].T - p[a].T) / (yb - ya);
    return true;
  }
  return false;
}

/// The inverse of a symmetric positive definite 3 × 3 matrix (cofactors); false when singular.
bool invert_3x3(const double a[3][3], double out[3][3]) {
  out[0][0] = a[1][1] * a[2][2] - a[1][2] * a[2][1];
  out[0][1] = a[0][2] * a[2][1] - a[0][1] * a[2][2];
  out[0][2] = a[0][1] * a[1][2] - a[0][2] * a[1][1];
  out[1][0] = a[1][2] * a[2][0] - a[1][0] * a[2][2];
  out[1][1] = a[0][0] * a[2][2] - a[0][2] * a[2][0];
  out[1][2] = a[0][2] * a[1][0] - a[0][0] * a[1][2];
  out[2][0] = a[1][0] * a[2][1] - a[1][1] * a[2][0];
  out[2][1] = a[0][1] * a[2][0] - a[0][0] * a[2][1];
  out[2][2] = a[0][0] * a[1][1] - a[0][1] * a[1][0];
  const double det = a[0][0] * out[0][0] + a[0][1] * out[1][0] + a[0][2] * out[2][0];
  if (!(std::abs(det) > 0) || !std::isfinite(det)) return false;
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) out[i][j] /= det;
  return true;
}

}  // namespace

std::string to_string(CurveObservable observable) {
  return observable == CurveObservable::abs_magnetization ? "abs_magnetization" : "binder_cumulant";
}

std::vector<double> temperature_grid(double first, double last, double step) {
  if (!(std::isfinite(first) && std::isfinite(last) && std::isfinite(step) && first > 0 &&
        last > first && step > 0))
    throw ConfigError("temperatures", "a grid needs 0 < first < last and step > 0, got " +
                                          format_number(first) + ", " + format_number(last) + ", " +
                                          format_number(step));
  const double count = std::floor((last - first) / step + 1e-3) + 1;
  if (count > 100000)
    throw ConfigError("temperatures", "a grid of " + format_number(count) + " points is too long");
  std::vector<double> grid;
  for (std::size_t i = 0; i < static_cast<std::size_t>(count); ++i)
    grid.push_back(first + static_cast<double>(i) * step);
  return grid;
}

ReferenceCurve reference_curve(const ising::Lattice& lattice, std::span<const double> temperatures,
                               const SamplerOptions& options, int blocks,
                               const std::function<void(double, double)>& progress) {
  if (temperatures.size() < 2)
    throw ConfigError("temperatures", "a reference curve needs at least 2 temperatures");
  for (std::size_t i = 0; i < temperatures.size(); ++i) {
    const double t = temperatures[i];
    if (!(std::isfinite(t) && t > 0))
      throw ConfigError("temperatures",
                        "every temperature must be positive and finite, got " + format_number(t));
    if (i > 0 && !(t > temperatures[i - 1]))
      throw ConfigError("temperatures", "the grid must increase, but " + format_number(t) +
                                            " follows " + format_number(temperatures[i - 1]));
  }
  if (blocks < 2)
    throw ConfigError("blocks", "need at least 2 jackknife blocks, got " + std::to_string(blocks));
  lattice.validate();
  ReferenceCurve curve;
  curve.lattice = lattice;
  curve.samples_per_temperature = options.samples;
  for (std::size_t i = 0; i < temperatures.size(); ++i) {
    SamplerOptions o = options;
    o.seed = stream_id(kCurveTag, options.seed, i);
    o.progress = {};
    const ising::Model model{lattice, 1.0, 0.0, temperatures[i]};
    const io::SpinSamples s = sample(model, o);
    const Observables obs = measure(model, s.spins, s.count, blocks, options.threads);
    curve.points.push_back({temperatures[i], obs.abs_magnetization, obs.binder_cumulant});
    if (progress) progress(double(i + 1), double(temperatures.size()));
  }
  return curve;
}

CurveReading read_temperature(const ReferenceCurve& curve, CurveObservable observable, double value,
                              double error, int half_window) {
  if (!std::isfinite(value))
    throw ConfigError("value", "cannot read a temperature off " + format_number(value));
  if (!(std::isfinite(error) && error >= 0))
    throw ConfigError("error", "must be finite and non-negative, got " + format_number(error));
  if (half_window < 1)
    throw ConfigError("half_window", "must be at least 1, got " + std::to_string(half_window));
  const auto& p = curve.points;
  if (p.size() < 3) throw ShapeError("a reference curve needs at least 3 points");
  CurveReading r;
  r.value = value;
  std::size_t a = 0;
  double T0 = 0;
  if (!invert(curve, observable, value, a, T0)) return r;

  // The window: half_window points on each side of the crossing's interval, shifted inwards at
  // the grid's ends so that it always holds 2·half_window points (or the whole grid).
  const std::size_t width = std::min(p.size(), std::size_t(2 * half_window));
  std::size_t first = a + 1 >= std::size_t(half_window) ? a + 1 - std::size_t(half_window) : 0;
  first = std::min(first, p.size() - width);
  // Weighted least squares for y = c0 + c1 d + c2 d², d = T − T0, weights 1/δy².
  double A[3][3] = {}, rhs[3] = {};
  std::size_t used = 0;
  for (std::size_t i = first; i < first + width; ++i) {
    const Estimate& y = p[i][observable];
    if (!(std::isfinite(y.value) && std::isfinite(y.error) && y.error > 0)) continue;
    const double d = p[i].T - T0, w = 1 / (y.error * y.error);
    const double g[3] = {1, d, d * d};
    for (int j = 0; j < 3; ++j) {
      rhs[j] += w * g[j] * y.value;
      for (int k = 0; k < 3; ++k) A[j][k] += w * g[j] * g[k];
    }
    ++used;
  }
  if (used < 3) return r;
  double cov[3][3] = {};
  if (!invert_3x3(A, cov)) return r;
  double c[3] = {};
  for (int j = 0; j < 3; ++j)
    for (int k = 0; k < 3; ++k) c[j] += cov[j][k] * rhs[k];

  // The fitted curve's crossing of x, by Newton from d = 0, kept inside the window.
  const double lo = p[first].T - T0, hi = p[first + width - 1].T - T0;
  const auto root = [&](double x, double& d) {
    d = 0;
    for (int it = 0; it < 50; ++it) {
      const double f = c[0] + d * (c[1] + d * c[2]) - x, df = c[1] + 2 * c[2] * d;
      if (!(df < 0)) return false;  // the fit must fall where it is read
      const double next = d - f / df;
      if (!(next >= lo && next <= hi)) return false;
      if (std::abs(next - d) <= 1e-14 * (1 + std::abs(T0))) {
        d = next;
        return true;
      }
      d = next;
    }
    return true;
  };
  double d = 0;
  if (!root(value, d)) {
    r.T = T0;
    r.error = std::numeric_limits<double>::infinity();
    return r;
  }
  const double g[3] = {1, d, d * d};
  double fit_variance = 0;
  for (int j = 0; j < 3; ++j)
    for (int k = 0; k < 3; ++k) fit_variance += g[j] * cov[j][k] * g[k];
  r.T = T0 + d;
  r.slope = c[1] + 2 * c[2] * d;
  const double delta = std::sqrt(error * error + fit_variance);
  r.error = delta / std::abs(r.slope);
  r.curve_error = std::sqrt(fit_variance) / std::abs(r.slope);
  double t = 0;
  if (root(value + delta, t)) r.T_low = T0 + t;
  if (root(value - delta, t)) r.T_high = T0 + t;
  return r;
}

nlohmann::json to_json(const ReferenceCurve& curve) {
  nlohmann::json points = nlohmann::json::array();
  for (const ReferencePoint& p : curve.points) {
    nlohmann::json j{{"T", p.T}};
    put_estimate(j, "abs_magnetization", p.abs_magnetization.value, p.abs_magnetization.error);
    put_estimate(j, "binder_cumulant", p.binder_cumulant.value, p.binder_cumulant.error);
    points.push_back(j);
  }
  nlohmann::json out{{"L", curve.lattice.lx}};
  if (curve.lattice.dim == 2) out["Ly"] = curve.lattice.ly;
  out["samples_per_temperature"] = curve.samples_per_temperature;
  out["points"] = points;
  return out;
}

nlohmann::json to_json(const CurveReading& reading) {
  return {{"T", number_or_null(reading.T)},
          {"T_error", number_or_null(reading.error)},
          {"T_low", number_or_null(reading.T_low)},
          {"T_high", number_or_null(reading.T_high)},
          {"T_curve_error", number_or_null(reading.curve_error)}};
}

namespace {

/// json[key] ± json[key + "_error"], as put_estimate writes them.
Estimate estimate_at(const nlohmann::json& json, const std::string& key) {
  return {number_or_nan(json, key), number_or_nan(json, key + "_error")};
}

}  // namespace

ReferenceCurve reference_curve_from_json(const nlohmann::json& json) {
  ReferenceCurve c;
  const double L = number_or_nan(json, "L");
  const double Ly = json.contains("Ly") ? number_or_nan(json, "Ly") : L;
  if (!(L >= 2 && Ly >= 2 && L <= 1e6 && Ly <= 1e6 && L == std::floor(L) && Ly == std::floor(Ly)))
    throw ConfigError("L", "a reference curve's lattice must have whole sides of at least 2");
  c.lattice =
      json.contains("Ly") ? ising::Lattice::square(int(L), int(Ly)) : ising::Lattice::chain(int(L));
  const double n = number_or_nan(json, "samples_per_temperature");
  if (!(n >= 0 && n == std::floor(n))) throw ConfigError("samples_per_temperature", "not a count");
  c.samples_per_temperature = static_cast<std::size_t>(n);
  if (!json.contains("points") || !json["points"].is_array())
    throw ConfigError("points", "missing from the saved reference curve");
  for (const nlohmann::json& p : json["points"])
    c.points.push_back({number_or_nan(p, "T"), estimate_at(p, "abs_magnetization"),
                        estimate_at(p, "binder_cumulant")});
  return c;
}

CurveReading curve_reading_from_json(const nlohmann::json& json) {
  CurveReading r;
  r.T = number_or_nan(json, "T");
  r.error = number_or_nan(json, "T_error");
  r.T_low = number_or_nan(json, "T_low");
  r.T_high = number_or_nan(json, "T_high");
  r.curve_error = number_or_nan(json, "T_curve_error");
  return r;
}

}  // namespace deeprg::mc
