// Crossings of measured curves (mc/crossing.hpp): exact for straight lines, the propagated error
// against finite differences and against the spread of noisy replicas, and the edge cases.
#include "deeprg/mc/crossing.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "deeprg/core/error.hpp"

namespace deeprg::mc {
namespace {

const std::vector<double> kGrid{0.0, 1.0, 2.0, 3.0};

// intercept + slope·x on the grid, each value with `error`.
std::vector<Estimate> line(double intercept, double slope, double error) {
  std::vector<Estimate> out;
  for (const double x : kGrid) out.push_back({intercept + slope * x, error});
  return out;
}

TEST(Crossings, OfStraightLinesAreExact) {
  // a = 0.3x, b = 0.55 − 0.2x: a − b = 0.5x − 0.55 vanishes at x = 1.1.
  const auto found = crossings(kGrid, line(0, 0.3, 0.01), line(0.55, -0.2, 0.01));
  ASSERT_EQ(found.size(), 1u);
  EXPECT_NEAR(found[0].x, 1.1, 1e-12);
  EXPECT_EQ(found[0].bracket, 1u);
  // The same from the other side: a − b changes sign the other way.
  const auto other = crossings(kGrid, line(0.55, -0.2, 0.01), line(0, 0.3, 0.01));
  ASSERT_EQ(other.size(), 1u);
  EXPECT_NEAR(other[0].x, 1.1, 1e-12);
}

TEST(Crossings, ErrorIsTheFirstOrderPropagationOfTheFourPoints) {
  std::vector<Estimate> a = line(0, 0.3, 0.02), b = line(0.55, -0.2, 0.03);
  a[2].error = 0.05;  // unequal errors, so that each term counts
  const Crossing c = crossings(kGrid, a, b).at(0);
  // Finite differences of x* in each of the four values at the bracket's ends.
  double variance = 0;
  for (auto* curve : {&a, &b})
    for (const std::size_t i : {c.bracket, c.bracket + 1}) {
      auto up = *curve, down = *curve;
      const double step = 1e-6;
      up[i].value += step;
      down[i].value -= step;
      const auto& a_up = curve == &a ? up : a;
      const auto& b_up = curve == &b ? up : b;
      const auto& a_down = curve == &a ? down : a;
      const auto& b_down = curve == &b ? down : b;
      const double slope =
          (crossings(kGrid, a_up, b_up).at(0).x - crossings(kGrid, a_down, b_down).at(0).x) /
          (2 * step);
      variance += slope * slope * (*curve)[i].error * (*curve)[i].error;
    }
  EXPECT_NEAR(c.error, std::sqrt(variance), 1e-6 * std::sqrt(variance));
}

TEST(Crossings, ErrorMatchesTheSpreadOfNoisyReplicas) {
  // Replicas of the two curves with independent Gaussian noise of the stated errors: the
  // crossings' standard deviation is the propagated error (to first order; the noise is small
  // beside the curves' gap). 20,000 replicas pin the spread to 0.5%; the tolerance is 3%.
  const std::vector<Estimate> a = line(0, 0.3, 0.01), b = line(0.55, -0.2, 0.015);
  const double expected = crossings(kGrid, a, b).at(0).error;
  std::mt19937_64 rng(7);
  std::normal_distribution<double> noise(0, 1);
  double sum = 0, sum2 = 0;
  const int replicas = 20000;
  for (int r = 0; r < replicas; ++r) {
    std::vector<Estimate> na = a, nb = b;
    for (std::size_t i = 0; i < kGrid.size(); ++i) {
      na[i].value += a[i].error * noise(rng);
      nb[i].value += b[i].error * noise(rng);
    }
    const auto found = crossings(kGrid, na, nb);
    ASSERT_EQ(found.size(), 1u);
    sum += found[0].x;
    sum2 += found[0].x * found[0].x;
  }
  const double mean = sum / replicas, spread = std::sqrt(sum2 / replicas - mean * mean);
  EXPECT_NEAR(spread, expected, 0.03 * expected);
  EXPECT_NEAR(mean, 1.1, 4 * expected / std::sqrt(replicas) + 1e-3);
}

TEST(Crossings, ZerosAtGridPointsCountOnceAndUndefinedIntervalsArePassedOver) {
  // a − b = x − 1: zero at the grid point x = 1, counted once.
  auto found = crossings(kGrid, line(0, 1, 0.1), line(1, 0, 0.1));
  ASSERT_EQ(found.size(), 1u);
  EXPECT_DOUBLE_EQ(found[0].x, 1.0);
  EXPECT_NEAR(found[0].error, std::sqrt(0.02) / 1.0, 1e-12);  // h σ_d0 / |d1|
  // A zero at the last grid point: a − b = x − 3.
  found = crossings(kGrid, line(0, 1, 0.1), line(3, 0, 0.1));
  ASSERT_EQ(found.size(), 1u);
  EXPECT_DOUBLE_EQ(found[0].x, 3.0);
  // No crossing, and parallel curves.
  EXPECT_TRUE(crossings(kGrid, line(0, 1, 0.1), line(10, 0, 0.1)).empty());
  EXPECT_TRUE(crossings(kGrid, line(0, 1, 0.1), line(1, 1, 0.1)).empty());
  // Noise near the crossing: a − b = +, −, +, − crosses three times, all reported in order.
  std::vector<Estimate> a{{1, 0.1}, {-1, 0.1}, {1, 0.1}, {-1, 0.1}}, zero(4, {0, 0.1});
  found = crossings(kGrid, a, zero);
  ASSERT_EQ(found.size(), 3u);
  EXPECT_DOUBLE_EQ(found[1].x, 1.5);
  // An undefined value hides the intervals it ends.
  a[1].value = std::nan("");
  found = crossings(kGrid, a, zero);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].bracket, 2u);
}

TEST(Crossings, RefuseAGridThatDoesNotIncreaseOrFit) {
  const auto a = line(0, 1, 0.1);
  for (const std::vector<double>& x : std::vector<std::vector<double>>{
           {0, 1, 1, 3}, {0, 2, 1, 3}, {0, 1, 2, std::nan("")}, {0, 1, 2}}) {
    try {
      crossings(x, a, a);
      ADD_FAILURE() << "accepted a bad grid";
    } catch (const ConfigError& e) {
      EXPECT_EQ(e.key(), "x");
    }
  }
}

}  // namespace
}  // namespace deeprg::mc
