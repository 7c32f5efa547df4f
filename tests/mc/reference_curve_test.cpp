#include "deeprg/mc/reference_curve.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "deeprg/core/error.hpp"
#include "deeprg/ising/exact.hpp"
#include "deeprg/mc/observables.hpp"

namespace deeprg::mc {
namespace {

/// Exact ⟨|m|⟩ and U4 of a small torus from its density of states g(b, M).
struct ExactMoments {
  double abs_m = 0, binder = 0;
};

ExactMoments exact_moments(const ising::DensityOfStates& dos, double T) {
  const int n = static_cast<int>(dos.lattice.sites());
  const int bonds = static_cast<int>(dos.lattice.bonds());
  double z = 0, m1 = 0, m2 = 0, m4 = 0;
  for (int b = -bonds; b <= bonds; ++b)
    for (int M = -n; M <= n; ++M) {
      const auto g = static_cast<double>(dos(b, M));
      if (g == 0) continue;
      const double w = g * std::exp((b - bonds) / T);  // shifted by the ground state
      const double m = static_cast<double>(M) / n;
      z += w;
      m1 += w * std::abs(m);
      m2 += w * m * m;
      m4 += w * m * m * m * m;
    }
  return {m1 / z, 1 - (m4 / z) / (3 * (m2 / z) * (m2 / z))};
}

SamplerOptions wolff(std::size_t samples, std::uint64_t seed) {
  SamplerOptions o;
  o.algorithm = Algorithm::wolff;
  o.samples = samples;
  o.seed = seed;
  return o;
}

TEST(ReferenceCurve, PointsAgreeWithEnumeration) {
  const auto lattice = ising::Lattice::square(4, 4);
  const auto dos = ising::density_of_states(lattice);
  const std::vector<double> grid{1.5, 2.27, 3.5};
  const ReferenceCurve curve = reference_curve(lattice, grid, wolff(20000, 3), 20);
  ASSERT_EQ(curve.points.size(), grid.size());
  for (const ReferencePoint& p : curve.points) {
    const ExactMoments exact = exact_moments(dos, p.T);
    EXPECT_NEAR(p.abs_magnetization.value, exact.abs_m, 4 * p.abs_magnetization.error) << p.T;
    EXPECT_NEAR(p.binder_cumulant.value, exact.binder, 4 * p.binder_cumulant.error) << p.T;
    EXPECT_GT(p.abs_magnetization.error, 0);
    EXPECT_LT(p.abs_magnetization.error, 0.01);
  }
}

// Independent samples at a temperature between grid points read back that temperature, within
// the reading's own error, by either curve.
TEST(ReferenceCurve, ReadsBackTheSamplingTemperature) {
  const auto lattice = ising::Lattice::square(4, 4);
  const ReferenceCurve curve =
      reference_curve(lattice, temperature_grid(1.5, 3.5, 0.05), wolff(4000, 5), 20);
  for (const double T : {1.83, 2.31, 2.96}) {
    const ising::Model model{lattice, 1.0, 0.0, T};
    const io::SpinSamples s = sample(model, wolff(20000, 11));
    const Observables obs = measure(model, s.spins, s.count, 20);
    for (const CurveObservable o :
         {CurveObservable::abs_magnetization, CurveObservable::binder_cumulant}) {
      const Estimate& x =
          o == CurveObservable::abs_magnetization ? obs.abs_magnetization : obs.binder_cumulant;
      const CurveReading r = read_temperature(curve, o, x.value, x.error);
      ASSERT_TRUE(std::isfinite(r.T)) << to_string(o) << " at T = " << T;
      EXPECT_NEAR(r.T, T, 4 * r.error) << to_string(o);
      EXPECT_LT(r.error, 0.1) << to_string(o);
      EXPECT_LT(r.slope, 0);
      EXPECT_LE(r.T_low, r.T);
      EXPECT_GE(r.T_high, r.T);
    }
  }
}

ReferenceCurve synthetic(const std::vector<double>& T, const std::vector<double>& y, double dy) {
  ReferenceCurve c;
  c.lattice = ising::Lattice::square(4, 4);
  for (std::size_t i = 0; i < T.size(); ++i) c.points.push_back({T[i], {y[i], dy}, {y[i], dy}});
  return c;
}

TEST(ReferenceCurve, ReadsALinearCurveExactly) {
  // y = 1 − T/10 on T = 1 … 8: the quadratic fit is the line itself.
  std::vector<double> T, y;
  for (int i = 1; i <= 8; ++i) T.push_back(i), y.push_back(1 - i / 10.0);
  const ReferenceCurve c = synthetic(T, y, 0.003);
  const auto o = CurveObservable::abs_magnetization;
  const CurveReading r = read_temperature(c, o, 0.75, 0.004);
  EXPECT_NEAR(r.T, 2.5, 1e-12);
  EXPECT_NEAR(r.slope, -0.1, 1e-12);
  // The fit averages 8 points, so its own error is below one point's: δT lies between the
  // reading's error alone and both errors in quadrature, over the slope.
  EXPECT_GT(r.error, 0.004 / 0.1);
  EXPECT_LT(r.error, 0.005 / 0.1);
  EXPECT_NEAR(r.error * r.error, 0.04 * 0.04 + r.curve_error * r.curve_error, 1e-12);
  EXPECT_GT(r.curve_error, 0);
  EXPECT_NEAR(r.T - r.T_low, r.error, 1e-12);
  EXPECT_NEAR(r.T_high - r.T, r.error, 1e-12);
  EXPECT_DOUBLE_EQ(r.value, 0.75);
  // The ends of the grid: readable exactly there, not beyond.
  EXPECT_NEAR(read_temperature(c, o, 0.9, 0).T, 1.0, 1e-12);
  EXPECT_NEAR(read_temperature(c, o, 0.2, 0).T, 8.0, 1e-12);
  EXPECT_TRUE(std::isnan(read_temperature(c, o, 0.95, 0.01).T));
  EXPECT_TRUE(std::isnan(read_temperature(c, o, 0.15, 0.01).T));
  // An interval beyond the grid's end leaves that bound undefined.
  const CurveReading edge = read_temperature(c, o, 0.21, 0.05);
  EXPECT_TRUE(std::isnan(edge.T_high));
  EXPECT_TRUE(std::isfinite(edge.T_low));
}

TEST(ReferenceCurve, FitsOnlyItsWindowAndRefusesFlatCurves) {
  // A bump far from the crossing is outside the window (4 points each side) and changes nothing.
  std::vector<double> T, y;
  for (int i = 1; i <= 12; ++i) T.push_back(i), y.push_back(1 - i / 20.0);
  y[11] = 0.9;
  const ReferenceCurve bump = synthetic(T, y, 0.01);
  EXPECT_NEAR(read_temperature(bump, CurveObservable::binder_cumulant, 0.875, 0).T, 2.5, 1e-12);
  // A flat curve reads where it first takes the value, with an infinite error.
  const ReferenceCurve flat = synthetic({1, 2, 3, 4, 5}, {0.6, 0.6, 0.6, 0.6, 0.6}, 0.01);
  const CurveReading r = read_temperature(flat, CurveObservable::binder_cumulant, 0.6, 0);
  EXPECT_DOUBLE_EQ(r.T, 1.0);
  EXPECT_TRUE(std::isinf(r.error));
}

TEST(ReferenceCurve, RefusesBadInput) {
  const auto lattice = ising::Lattice::square(4, 4);
  const auto key = [](auto f) {
    try {
      f();
    } catch (const ConfigError& e) {
      return e.key();
    }
    return std::string("none");
  };
  const SamplerOptions o = wolff(10, 1);
  EXPECT_EQ(key([&] { reference_curve(lattice, std::vector<double>{2.0}, o); }), "temperatures");
  EXPECT_EQ(key([&] {
              reference_curve(lattice, std::vector<double>{2.0, 1.0}, o);
            }),
            "temperatures");
  EXPECT_EQ(key([&] {
              reference_curve(lattice, std::vector<double>{-1.0, 1.0}, o);
            }),
            "temperatures");
  EXPECT_EQ(key([&] { reference_curve(lattice, std::vector<double>{1.0, 2.0}, o, 1); }), "blocks");
  EXPECT_EQ(key([] { temperature_grid(2.0, 1.0, 0.1); }), "temperatures");
  EXPECT_EQ(key([] { temperature_grid(1.0, 2.0, 0.0); }), "temperatures");
  EXPECT_EQ(key([] { temperature_grid(1e-9, 1e3, 1e-9); }), "temperatures");
  const ReferenceCurve c = synthetic({1, 2, 3}, {0.9, 0.8, 0.7}, 0.01);
  const auto m = CurveObservable::abs_magnetization;
  EXPECT_EQ(key([&] { read_temperature(c, m, std::numeric_limits<double>::quiet_NaN(), 0); }),
            "value");
  EXPECT_EQ(key([&] { read_temperature(c, m, 0.85, -1); }), "error");
  EXPECT_EQ(key([&] { read_temperature(c, m, 0.85, 0, 0); }), "half_window");
  EXPECT_THROW(read_temperature(synthetic({1, 2}, {0.9, 0.8}, 0.01), m, 0.85, 0), ShapeError);
}

TEST(ReferenceCurve, JsonReadsBack) {
  const ReferenceCurve c = reference_curve(ising::Lattice::square(4, 4),
                                           std::vector<double>{1.5, 2.0, 2.5}, wolff(200, 2));
  const nlohmann::json j = to_json(c);
  EXPECT_EQ(to_json(reference_curve_from_json(j)), j);
  const CurveReading r = read_temperature(c, CurveObservable::abs_magnetization,
                                          c.points[1].abs_magnetization.value, 0.01);
  EXPECT_EQ(to_json(curve_reading_from_json(to_json(r))), to_json(r));
  nlohmann::json bad = j;
  bad["points"][0].erase("binder_cumulant_error");
  try {
    reference_curve_from_json(bad);
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.key(), "binder_cumulant_error");
  }
  bad = j;
  bad["L"] = 1.5;
  EXPECT_THROW(reference_curve_from_json(bad), ConfigError);
}

TEST(ReferenceCurve, GridHasItsEnds) {
  const auto g = temperature_grid(0.25, 6.0, 0.25);
  ASSERT_EQ(g.size(), 24u);
  EXPECT_DOUBLE_EQ(g.front(), 0.25);
  EXPECT_NEAR(g.back(), 6.0, 1e-12);
}

}  // namespace
}  // namespace deeprg::mc
