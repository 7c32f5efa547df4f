#pragma once
/// Monte Carlo reference curves, the thermometers that have no exact form: ⟨|m|⟩(T) and the
/// Binder cumulant U4(T) = 1 − ⟨m⁴⟩/(3⟨m²⟩²) of the Ising model on one lattice at h = 0,
/// measured (observables.hpp, jackknife errors) on equilibrium samples at a grid of temperatures,
/// and their inversion: the temperature at which the curve takes a measured value.
///
/// On a finite lattice both fall with T: |m| from 1 towards O(1/√N), U4 from 2/3 towards 0.
/// Reading x ± δx off a curve y(T) tabulated with errors δy at T_0 < T_1 < …:
///
///   1. locate: T₀ = the first crossing of x from low T by the broken line through the points
///      (a curve that is flat within its noise may cross x again further on);
///   2. fit: a quadratic y(T) = c₀ + c₁ d + c₂ d², d = T − T₀, by weighted least squares
///      (weights 1/δy²) to the `half_window` points on each side of that crossing (shifted inwards
///      at the grid's ends). Neighbouring points differ by less than their noise on a fine grid,
///      so a slope from two points would be mostly noise; the fit's is not;
///   3. read: T = T₀ + d with y(d) = x (Newton, inside the window), and
///        δT = sqrt(δx² + Var ŷ(d)) / |y′(d)|,
///      Var ŷ from the fit's covariance; [T_low, T_high] = the readings of x ± δ,
///      δ = sqrt(δx² + Var ŷ) (NaN where that value is not reached inside the window).
///
/// A value the curve never takes on its grid (above its value at the lowest temperature or below
/// its value at the highest) has no reading: T is NaN. Where the fitted curve does not fall
/// (U4 near 2/3 at low T, |m| at high T), T is T₀ with an infinite error: the thermometer cannot
/// tell. The quadratic errs by about (h³/6)·|y‴| over a window of half-width h; with the
/// default 4 points each side of a grid of spacing 0.05 that is far below the statistical error.
#include <cstdint>
#include <functional>
#include <limits>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <vector>

#include "deeprg/ising/model.hpp"
#include "deeprg/mc/sampler.hpp"
#include "deeprg/mc/statistics.hpp"

namespace deeprg::mc {

/// The observables a reference curve tabulates.
enum class CurveObservable { abs_magnetization, binder_cumulant };

/// "abs_magnetization" or "binder_cumulant".
std::string to_string(CurveObservable observable);

/// One temperature of a reference curve.
struct ReferencePoint {
  double T = 0;
  Estimate abs_magnetization;  ///< ⟨|m|⟩
  Estimate binder_cumulant;    ///< U4
  const Estimate& operator[](CurveObservable observable) const {
    return observable == CurveObservable::abs_magnetization ? abs_magnetization : binder_cumulant;
  }
};

/// The curves of one lattice, at increasing temperatures.
struct ReferenceCurve {
  ising::Lattice lattice;
  std::size_t samples_per_temperature = 0;
  std::vector<ReferencePoint> points;
};

/// Samples `options.samples` configurations at each temperature (mc::sample with `options`,
/// J = 1, h = 0; the seed of temperature i is mixed from options.seed and i, so the points are
/// independent) and measures them with `blocks` jackknife blocks. `progress`, when set, is called
/// with (temperatures done, total). Throws ConfigError "temperatures" for fewer than 2
/// temperatures, one that is not positive and finite, or a grid that does not increase;
/// "blocks" for blocks < 2; and what mc::sample and mc::measure throw.
ReferenceCurve reference_curve(const ising::Lattice& lattice, std::span<const double> temperatures,
                               const SamplerOptions& options, int blocks = 20,
                               const std::function<void(double, double)>& progress = {});

/// The grid `first`, `first + step`, … up to `last` (within step/1000). Throws ConfigError
/// "temperatures" unless 0 < first < last, step > 0, all finite, and at most 100,000 points.
std::vector<double> temperature_grid(double first, double last, double step);

/// A temperature read off a reference curve (see above); NaN marks "no reading".
struct CurveReading {
  double T = std::numeric_limits<double>::quiet_NaN();
  double error = std::numeric_limits<double>::quiet_NaN();   ///< sqrt(δx² + Var ŷ)/|y′|
  double T_low = std::numeric_limits<double>::quiet_NaN();   ///< reading of x + δ
  double T_high = std::numeric_limits<double>::quiet_NaN();  ///< reading of x − δ
  double value = std::numeric_limits<double>::quiet_NaN();   ///< x, the value that was read
  double slope = std::numeric_limits<double>::quiet_NaN();   ///< y′(T) of the fit at the reading
  /// The part of `error` that comes from the curve, sqrt(Var ŷ)/|y′|: shared by every reading
  /// off the same curve near this T, so it does not average away over readings.
  double curve_error = std::numeric_limits<double>::quiet_NaN();
};

/// Reads `value` ± `error` off the curve of `observable` (see above). Throws ConfigError
/// "value" for NaN or ±∞, "error" for a negative or non-finite error, "half_window" below 1,
/// and ShapeError for a curve with fewer than 3 points.
CurveReading read_temperature(const ReferenceCurve& curve, CurveObservable observable, double value,
                              double error, int half_window = 4);

/// The curve as JSON: L (and Ly in 2D), samples_per_temperature and one object per point (T,
/// abs_magnetization(_error), binder_cumulant(_error); undefined values null).
nlohmann::json to_json(const ReferenceCurve& curve);

/// A reading as JSON: T, T_error, T_low, T_high, T_curve_error (non-finite values null).
nlohmann::json to_json(const CurveReading& reading);

/// The inverses of the to_json above (null reads as NaN), for runs that resume from their
/// files. Throw ConfigError naming the first missing or malformed key.
ReferenceCurve reference_curve_from_json(const nlohmann::json& json);
CurveReading curve_reading_from_json(const nlohmann::json& json);

}  // namespace deeprg::mc
