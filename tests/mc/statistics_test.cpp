#include "deeprg/mc/statistics.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <vector>

#include "deeprg/core/error.hpp"
#include "deeprg/core/rng.hpp"

namespace deeprg::mc {
namespace {

// Standard normal draws by Box–Muller (both outputs used).
std::vector<double> gaussians(std::size_t n, std::uint64_t seed) {
  Rng rng(seed);
  std::vector<double> out(n);
  for (std::size_t i = 0; i < n; i += 2) {
    const double u1 = 1.0 - rng.uniform(), u2 = rng.uniform();
    const double r = std::sqrt(-2.0 * std::log(u1));
    out[i] = r * std::cos(2 * std::numbers::pi * u2);
    if (i + 1 < n) out[i + 1] = r * std::sin(2 * std::numbers::pi * u2);
  }
  return out;
}

TEST(Statistics, BlockBoundariesCoverAllSamples) {
  EXPECT_EQ(block_begin(10, 3, 0), 0u);
  EXPECT_EQ(block_begin(10, 3, 1), 3u);
  EXPECT_EQ(block_begin(10, 3, 2), 6u);
  EXPECT_EQ(block_begin(10, 3, 3), 10u);
}

TEST(Statistics, BinnedMeanOfIidGaussiansMatchesSigmaOverRootN) {
  const std::size_t n = 1'000'000;
  const auto x = gaussians(n, 11);
  // 5000 bins: the error estimate itself has relative spread 1/sqrt(2·4999) ≈ 1%.
  const Estimate est = binned_mean(x, 5000);
  const double exact = 1.0 / std::sqrt(static_cast<double>(n));
  EXPECT_NEAR(est.error / exact, 1.0, 0.05);
  EXPECT_NEAR(est.value, 0.0, 4 * exact);
}

TEST(Statistics, JackknifeOfMeanEqualsBinningFormulaForEqualBlocks) {
  const auto x = gaussians(1200, 5);
  const int b = 40;  // 30 samples per block
  std::vector<double> block_means(b, 0.0);
  double mean = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    block_means[i / 30] += x[i] / 30;
    mean += x[i];
  }
  mean /= static_cast<double>(x.size());
  double ss = 0;
  for (const double bm : block_means) ss += (bm - mean) * (bm - mean);
  const double classic = std::sqrt(ss / (b * (b - 1.0)));
  const Estimate est = binned_mean(x, b);
  EXPECT_NEAR(est.value, mean, 1e-14);
  EXPECT_NEAR(est.error, classic, 1e-12 * classic);
}

TEST(Statistics, JackknifeRatioOfMeansMatchesDeltaMethod) {
  // x = 2 + z1, y = 4 + 0.5 z1 + z2: correlated, σx² = 1, σy² = 1.25, cov = 0.5.
  const std::size_t n = 400'000;
  const auto z = gaussians(2 * n, 21);
  std::vector<double> rows(2 * n);
  for (std::size_t i = 0; i < n; ++i) {
    rows[2 * i] = 2.0 + z[2 * i];
    rows[2 * i + 1] = 4.0 + 0.5 * z[2 * i] + z[2 * i + 1];
  }
  const BlockedSeries blocked(rows, 2, 2000);
  EXPECT_EQ(blocked.blocks(), 2000);
  const Estimate r = jackknife(blocked, [](std::span<const double> m) { return m[0] / m[1]; });
  // Delta method: Var(x̄/ȳ) ≈ (σx²/μy² − 2μx·cov/μy³ + μx²σy²/μy⁴)/n.
  const double mx = 2, my = 4, vx = 1, vy = 1.25, cxy = 0.5;
  const double var =
      (vx / (my * my) - 2 * mx * cxy / (my * my * my) + mx * mx * vy / (my * my * my * my)) /
      static_cast<double>(n);
  EXPECT_NEAR(r.error / std::sqrt(var), 1.0, 0.08);
  EXPECT_NEAR(r.value, 0.5, 4 * std::sqrt(var));
}

TEST(Statistics, JackknifeVarianceMatchesDeltaMethod) {
  // s² = ⟨x²⟩ − ⟨x⟩² of N(0, σ² = 4): Var(s²) ≈ 2σ⁴/n.
  const std::size_t n = 400'000;
  const auto z = gaussians(n, 31);
  std::vector<double> rows(2 * n);
  for (std::size_t i = 0; i < n; ++i) {
    const double x = 3.0 + 2.0 * z[i];
    rows[2 * i] = x;
    rows[2 * i + 1] = x * x;
  }
  const BlockedSeries blocked(rows, 2, 2000);
  const Estimate v =
      jackknife(blocked, [](std::span<const double> m) { return m[1] - m[0] * m[0]; });
  const double exact_error = std::sqrt(2.0 * 16.0 / static_cast<double>(n));
  EXPECT_NEAR(v.error / exact_error, 1.0, 0.08);
  EXPECT_NEAR(v.value, 4.0, 4 * exact_error);
}

TEST(Statistics, RangeJackknifeAgreesWithMeansJackknife) {
  const auto x = gaussians(1001, 41);  // uneven blocks
  const int b = 7;
  const BlockedSeries blocked(x, 1, b);
  auto square_of_mean = [](std::span<const double> m) { return m[0] * m[0]; };
  const Estimate fast = jackknife(blocked, square_of_mean, true);
  const Estimate slow = jackknife(
      x.size(), b,
      [&](std::size_t begin, std::size_t end) {
        double s = 0;
        for (std::size_t i = 0; i < x.size(); ++i) {
          if (i < begin || i >= end) s += x[i];
        }
        const double mean = s / static_cast<double>(x.size() - (end - begin));
        return mean * mean;
      },
      true);
  EXPECT_NEAR(fast.value, slow.value, 1e-13);
  EXPECT_NEAR(fast.error, slow.error, 1e-13);
}

TEST(Statistics, BiasCorrectionRemovesOneOverNBias) {
  // For θ = x̄² the jackknife bias correction is exact: it gives the unbiased x̄² − s²/n form
  // up to the block structure; with one sample per block it equals x̄² − Σ(x − x̄)²/(n(n−1)).
  const std::vector<double> x{1.0, 2.0, 4.0, 7.0};
  const BlockedSeries blocked(x, 1, 4);
  const Estimate est = jackknife(
      blocked, [](std::span<const double> m) { return m[0] * m[0]; }, true);
  const double mean = 3.5, ss = 6.25 + 2.25 + 0.25 + 12.25;
  EXPECT_NEAR(est.value, mean * mean - ss / (4 * 3), 1e-12);
}

TEST(Statistics, FewSamplesAndBadInput) {
  const std::vector<double> one{3.0};
  const Estimate e1 = binned_mean(one, 50);
  EXPECT_EQ(e1.value, 3.0);
  EXPECT_TRUE(std::isnan(e1.error));

  const std::vector<double> three{1.0, 2.0, 3.0};
  const BlockedSeries blocked(three, 1, 50);
  EXPECT_EQ(blocked.blocks(), 3);  // clamped to n
  EXPECT_NEAR(binned_mean(three, 50).error, std::sqrt(1.0 / 3.0), 1e-14);

  EXPECT_THROW(binned_mean({}, 10), ShapeError);
  EXPECT_THROW(binned_mean(three, 0), ConfigError);
  EXPECT_THROW(BlockedSeries(three, 2, 10), ShapeError);
  EXPECT_THROW(BlockedSeries(three, 0, 10), ShapeError);
  EXPECT_THROW(jackknife(0, 10, [](std::size_t, std::size_t) { return 0.0; }), ShapeError);
}

TEST(Statistics, NanEstimatorGivesNanNotCrash) {
  const std::vector<double> x{0.0, 0.0, 0.0, 0.0};
  const BlockedSeries blocked(x, 1, 2);
  const Estimate est =
      jackknife(blocked, [](std::span<const double> m) { return 1.0 / m[0] - 1.0 / m[0]; });
  EXPECT_TRUE(std::isnan(est.value));
  EXPECT_TRUE(std::isnan(est.error));
}

}  // namespace
}  // namespace deeprg::mc
