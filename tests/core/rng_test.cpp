#include "deeprg/core/rng.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <set>
#include <vector>

namespace deeprg {

TEST(Rng, SameSeedAndStreamGiveSameSequence) {
  Rng a(42, 7), b(42, 7);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(a(), b());
}

TEST(Rng, StreamsDiffer) {
  Rng a(42, 0), b(42, 1), c(43, 0);
  int same_ab = 0, same_ac = 0;
  for (int i = 0; i < 100; ++i) {
    const auto x = a(), y = b(), z = c();
    same_ab += x == y;
    same_ac += x == z;
  }
  EXPECT_EQ(same_ab, 0);
  EXPECT_EQ(same_ac, 0);
}

TEST(Rng, UniformMeanAndVarianceWithinFourSigma) {
  Rng rng(1);
  const int n = 1'000'000;
  double sum = 0, sum2 = 0;
  for (int i = 0; i < n; ++i) {
    const double u = rng.uniform();
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
    sum += u;
    sum2 += u * u;
  }
  // mean 1/2 with σ = sqrt(1/12 / n); E[u²] = 1/3 with σ = sqrt((1/5 − 1/9) / n)
  EXPECT_NEAR(sum / n, 0.5, 4 * std::sqrt(1.0 / 12 / n));
  EXPECT_NEAR(sum2 / n, 1.0 / 3, 4 * std::sqrt((1.0 / 5 - 1.0 / 9) / n));
}

TEST(Rng, BelowIsUniformByChiSquare) {
  Rng rng(3);
  const int k = 7, n = 700'000;
  std::vector<int> counts(k);
  for (int i = 0; i < n; ++i) ++counts[rng.below(k)];
  double chi2 = 0;
  for (const int c : counts) chi2 += (c - n / k) * double(c - n / k) / (n / k);
  // 6 degrees of freedom: P(χ² > 22.46) = 0.001
  EXPECT_LT(chi2, 22.46);
}

TEST(Rng, StreamIdsOfDifferentTagsAndPositionsAreDistinctAndFarFromSmallIds) {
  // Samplers use small ids (chain c, 2^40 + c, 2^41); tagged ids must not land among them.
  std::set<std::uint64_t> ids;
  for (const std::uint64_t tag : {0x74696573ULL, 0x6368616eULL})
    for (std::uint64_t a = 0; a < 4; ++a)
      for (std::uint64_t i = 0; i < 256; ++i) {
        const std::uint64_t id = stream_id(tag, a, i);
        EXPECT_GT(id, std::uint64_t{1} << 42) << tag << " " << a << " " << i;
        ids.insert(id);
      }
  EXPECT_EQ(ids.size(), 2u * 4u * 256u);
  static_assert(stream_id(1, 2, 3) == stream_id(1, 2, 3, 0));
}

}  // namespace deeprg
