#include "deeprg/mc/autocorrelation.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <vector>

#include "deeprg/core/error.hpp"
#include "deeprg/core/rng.hpp"

namespace deeprg::mc {
namespace {

double gaussian(Rng& rng) {
  const double u1 = 1.0 - rng.uniform(), u2 = rng.uniform();
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2 * std::numbers::pi * u2);
}

// Stationary AR(1): x_t = ρ x_{t−1} + sqrt(1 − ρ²) ε_t, unit variance, ρ(t) = ρ^t,
// τ_int = 1/2 + Σ_{t≥1} ρ^t = (1 + ρ)/(2(1 − ρ)).
std::vector<double> ar1(std::size_t n, double rho, std::uint64_t seed) {
  Rng rng(seed);
  std::vector<double> x(n);
  x[0] = gaussian(rng);
  const double s = std::sqrt(1 - rho * rho);
  for (std::size_t t = 1; t < n; ++t) x[t] = rho * x[t - 1] + s * gaussian(rng);
  return x;
}

TEST(Autocorrelation, Ar1TauIntMatchesExactWithinFourErrorBars) {
  for (const double rho : {0.0, 0.5, 0.9}) {
    SCOPED_TRACE(rho);
    const std::size_t n = 1'000'000;
    const auto x = ar1(n, rho, 7 + static_cast<std::uint64_t>(rho * 100));
    const auto tau = integrated_autocorrelation_time(x);
    const double exact = (1 + rho) / (2 * (1 - rho));
    EXPECT_TRUE(tau.reliable);
    EXPECT_GT(tau.window, 0u);
    EXPECT_GE(static_cast<double>(tau.window), 6.0 * tau.tau_int);
    EXPECT_NEAR(tau.tau_int, exact, 4 * tau.tau_error) << "error " << tau.tau_error;
    // The Madras–Sokal error formula itself, evaluated at this window.
    EXPECT_NEAR(tau.tau_error,
                tau.tau_int * std::sqrt(2.0 * (2.0 * static_cast<double>(tau.window) + 1) /
                                        static_cast<double>(n)),
                1e-12);
  }
}

TEST(Autocorrelation, FunctionOfAr1DecaysGeometrically) {
  const auto x = ar1(400'000, 0.8, 3);
  const auto r = autocorrelation(x, 5);
  ASSERT_EQ(r.size(), 6u);
  EXPECT_DOUBLE_EQ(r[0], 1.0);
  for (int t = 1; t <= 5; ++t) EXPECT_NEAR(r[t], std::pow(0.8, t), 0.02) << "t = " << t;
}

TEST(Autocorrelation, FftMatchesDirectSum) {
  const auto x = ar1(1000, 0.6, 9);
  const auto r = autocorrelation(x, 20);
  double mean = 0;
  for (const double v : x) mean += v;
  mean /= 1000;
  auto cov = [&](std::size_t t) {
    double s = 0;
    for (std::size_t i = 0; i + t < x.size(); ++i) s += (x[i] - mean) * (x[i + t] - mean);
    return s / static_cast<double>(x.size() - t);
  };
  for (std::size_t t = 0; t <= 20; ++t) EXPECT_NEAR(r[t], cov(t) / cov(0), 1e-12);
}

TEST(Autocorrelation, ShortRunIsUnreliable) {
  const auto x = ar1(300, 0.99, 5);  // τ ≈ 100 ≫ n/50
  const auto tau = integrated_autocorrelation_time(x);
  EXPECT_FALSE(tau.reliable);
}

TEST(Autocorrelation, UndefinedCasesGiveNan) {
  const std::vector<double> constant(100, 0.1);
  const auto tc = integrated_autocorrelation_time(constant);
  EXPECT_TRUE(std::isnan(tc.tau_int));
  EXPECT_FALSE(tc.reliable);
  EXPECT_EQ(tc.window, 0u);
  EXPECT_TRUE(std::isnan(autocorrelation(constant, 3)[1]));

  const std::vector<double> one{1.0};
  EXPECT_TRUE(std::isnan(integrated_autocorrelation_time(one).tau_int));
  EXPECT_TRUE(autocorrelation({}, 3).empty());

  std::vector<double> bad{1.0, 2.0, NAN, 3.0};
  EXPECT_TRUE(std::isnan(integrated_autocorrelation_time(bad).tau_int));

  const std::vector<double> two{1.0, 2.0};
  EXPECT_THROW(integrated_autocorrelation_time(two, 0.0), ConfigError);
}

}  // namespace
}  // namespace deeprg::mc
