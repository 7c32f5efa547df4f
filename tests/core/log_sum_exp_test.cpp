#include "deeprg/core/log_sum_exp.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "deeprg/core/rng.hpp"

namespace deeprg {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

double direct(const std::vector<double>& x) {
  double s = 0;
  for (const double v : x) s += std::exp(v);
  return std::log(s);
}

TEST(LogSumExp, MatchesDirectSummation) {
  Rng rng(3);
  for (const std::size_t n : {1u, 2u, 7u, 100u, 1000u}) {
    std::vector<double> x(n);
    for (double& v : x) v = 20 * (rng.uniform() - 0.5);
    EXPECT_NEAR(log_sum_exp(x), direct(x), 1e-13 * std::abs(direct(x)) + 1e-14) << n;
  }
  EXPECT_DOUBLE_EQ(log_sum_exp(std::vector<double>{0.0, 0.0}), std::log(2.0));
  EXPECT_EQ(log_sum_exp(std::vector<double>{-3.25}), -3.25);
}

TEST(LogSumExp, HugeAndTinyValuesNeitherOverflowNorUnderflow) {
  // e^{1000} overflows and e^{−1000} underflows to 0, so direct summation fails on both.
  EXPECT_DOUBLE_EQ(log_sum_exp(std::vector<double>{1000.0, 1000.0}), 1000 + std::log(2.0));
  EXPECT_DOUBLE_EQ(log_sum_exp(std::vector<double>{-1000.0, -1000.0, -1000.0}),
                   -1000 + std::log(3.0));
  // A term 800 below the largest one vanishes without disturbing it.
  EXPECT_EQ(log_sum_exp(std::vector<double>{1e300, 1e300 - 800}), 1e300);
  EXPECT_DOUBLE_EQ(log_sum_exp(std::vector<double>{700.0, 0.0, 700.0}), 700 + std::log(2.0));
  const double mixed = log_sum_exp(std::vector<double>{-745.0, 710.0, 709.0});
  EXPECT_DOUBLE_EQ(mixed, 710 + std::log1p(std::exp(-1.0)));
}

TEST(LogSumExp, MinusInfinityEntriesAreZeroTerms) {
  EXPECT_DOUBLE_EQ(log_sum_exp(std::vector<double>{-kInf, 1.0, -kInf, 1.0}), 1 + std::log(2.0));
  EXPECT_EQ(log_sum_exp(std::vector<double>{-kInf}), -kInf);
  EXPECT_EQ(log_sum_exp(std::vector<double>{-kInf, -kInf, -kInf}), -kInf);
}

TEST(LogSumExp, EmptySumIsMinusInfinity) {
  EXPECT_EQ(log_sum_exp(std::vector<double>{}), -kInf);
  EXPECT_EQ(log_sum_exp({}), -kInf);
}

TEST(LogSumExp, InfinityAndNan) {
  EXPECT_EQ(log_sum_exp(std::vector<double>{1.0, kInf, 2.0}), kInf);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  EXPECT_TRUE(std::isnan(log_sum_exp(std::vector<double>{1.0, nan, 2.0})));
  EXPECT_TRUE(std::isnan(log_sum_exp(std::vector<double>{nan})));
  EXPECT_TRUE(std::isnan(log_sum_exp(std::vector<double>{kInf, nan})));
  EXPECT_TRUE(std::isnan(log_sum_exp(std::vector<double>{-kInf, nan})));
}

// The order of the terms is the order of the additions: summing blocks in a fixed order is what
// makes the callers' results independent of the thread count.
TEST(LogSumExp, SumsInIndexOrder) {
  const std::vector<double> x{0.1, 2.3, -1.7, 0.9, 2.3, -40.0};
  const double m = 2.3;
  double s = 0;
  for (const double v : x) s += std::exp(v - m);
  EXPECT_EQ(log_sum_exp(x), m + std::log(s));
}

}  // namespace
}  // namespace deeprg
