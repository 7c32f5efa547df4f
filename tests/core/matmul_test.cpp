#include "deeprg/core/matmul.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "deeprg/core/error.hpp"
#include "deeprg/core/rng.hpp"

namespace deeprg {
namespace {

float bits_to_float(std::uint32_t u) {
  float f;
  std::memcpy(&f, &u, sizeof f);
  return f;
}

TEST(Bf16, RoundsToNearestEven) {
  EXPECT_EQ(to_bf16(1.0f).bits, 0x3f80);
  EXPECT_EQ(to_bf16(-2.0f).bits, 0xc000);
  EXPECT_EQ(to_float(to_bf16(0.0f)), 0.0f);
  // 1 + 2⁻⁸ lies halfway between 1 and 1 + 2⁻⁷: ties go to the even neighbour, 1.
  EXPECT_EQ(to_float(to_bf16(1.0f + 0x1p-8f)), 1.0f);
  // 1 + 3·2⁻⁸ lies halfway between 1 + 2⁻⁷ (odd) and 1 + 2⁻⁶ (even).
  EXPECT_EQ(to_float(to_bf16(1.0f + 3 * 0x1p-8f)), 1.0f + 0x1p-6f);
  EXPECT_EQ(to_float(to_bf16(1.0f + 0x1p-8f + 0x1p-20f)), 1.0f + 0x1p-7f);  // above halfway
  EXPECT_TRUE(std::isnan(to_float(to_bf16(std::numeric_limits<float>::quiet_NaN()))));
  EXPECT_TRUE(std::isnan(to_float(to_bf16(bits_to_float(0x7f800001u)))));  // signalling NaN
  EXPECT_TRUE(std::isinf(to_float(to_bf16(std::numeric_limits<float>::infinity()))));
  // Relative rounding error at most 2⁻⁸ (half of 7 stored bits) over many magnitudes.
  Rng rng(5);
  for (int i = 0; i < 10000; ++i) {
    const auto x = static_cast<float>((rng.uniform() - 0.5) * std::exp(40 * (rng.uniform() - 0.5)));
    EXPECT_LE(std::abs(to_float(to_bf16(x)) - x), std::abs(x) * 0x1p-8f) << x;
  }
}

struct Case {
  std::size_t m, n, k;
  bool ta, tb;
  std::size_t pad;  // extra elements per stored row (gaps: the slow path must still be right)
  float alpha, beta;
};

/// C = α op(A) op(B) + β C in double from the operands as stored (already rounded for bf16).
std::vector<double> reference(const Case& c, const std::vector<float>& a, std::size_t lda,
                              const std::vector<float>& b, std::size_t ldb,
                              const std::vector<float>& c0, std::size_t ldc,
                              std::vector<double>& bound) {
  std::vector<double> out(c.m * ldc, 0.0);
  bound.assign(c.m * ldc, 0.0);
  for (std::size_t i = 0; i < c.m; ++i)
    for (std::size_t j = 0; j < c.n; ++j) {
      double sum = 0, abs_sum = 0;
      for (std::size_t l = 0; l < c.k; ++l) {
        const double x = c.ta ? a[l * lda + i] : a[i * lda + l];
        const double y = c.tb ? b[j * ldb + l] : b[l * ldb + j];
        sum += x * y;
        abs_sum += std::abs(x * y);
      }
      out[i * ldc + j] = c.alpha * sum + c.beta * c0[i * ldc + j];
      bound[i * ldc + j] = std::abs(c.alpha) * abs_sum + std::abs(c.beta * c0[i * ldc + j]) + 1e-30;
    }
  return out;
}

void check(const Case& c, Precision precision) {
  Rng rng(11 + c.m + 7 * c.n + 13 * c.k);
  const std::size_t lda = (c.ta ? c.m : c.k) + c.pad, ldb = (c.tb ? c.k : c.n) + c.pad,
                    ldc = c.n + c.pad;
  std::vector<float> a((c.ta ? c.k : c.m) * lda), b((c.tb ? c.n : c.k) * ldb), cc(c.m * ldc);
  // Binary states on one side, real values on the other, as in training.
  for (auto& x : a) x = rng.uniform() < 0.5 ? 1.0f : 0.0f;
  for (auto& x : b) x = static_cast<float>(rng.uniform() - 0.5);
  for (auto& x : cc) x = static_cast<float>(rng.uniform() - 0.5);
  std::vector<Bf16> a16(a.size()), b16(b.size());
  if (precision == Precision::bf16) {
    for (std::size_t i = 0; i < a.size(); ++i) a[i] = to_float(a16[i] = to_bf16(a[i]));
    for (std::size_t i = 0; i < b.size(); ++i) b[i] = to_float(b16[i] = to_bf16(b[i]));
  }
  std::vector<double> bound;
  const auto expected = reference(c, a, lda, b, ldb, cc, ldc, bound);
  const Matmul mm({c.m, c.n, c.k, c.ta, c.tb, lda, ldb, ldc}, precision, c.alpha, c.beta);
  std::vector<float> out = cc;
  if (precision == Precision::bf16)
    mm(a16.data(), b16.data(), out.data());
  else
    mm(a.data(), b.data(), out.data());
  // fp32 accumulation of exactly representable products: error ≤ (k + 2)·2⁻²⁴·Σ|terms|.
  const double eps = static_cast<double>(c.k + 2) * 0x1p-24;
  for (std::size_t i = 0; i < c.m; ++i) {
    for (std::size_t j = 0; j < c.n; ++j)
      ASSERT_NEAR(out[i * ldc + j], expected[i * ldc + j], eps * bound[i * ldc + j])
          << to_string(precision) << " " << mm.implementation() << " at " << i << "," << j;
    for (std::size_t j = c.n; j < ldc; ++j)  // the gaps between rows are left alone
      ASSERT_EQ(out[i * ldc + j], cc[i * ldc + j]);
  }
}

const Case kCases[] = {
    {100, 400, 1600, false, true, 0, 1.0f, 0.0f},    // hidden activations, Wᵀ stored
    {50, 1600, 400, false, false, 0, 1.0f, 0.0f},    // visible activations
    {200, 1600, 200, false, false, 0, 1e-3f, 0.9f},  // statistics with momentum
    {7, 5, 3, true, false, 0, 2.0f, -0.5f},         {9, 13, 17, true, true, 3, 1.0f, 1.0f},
    {3, 4, 0, false, false, 0, 1.0f, 0.5f},  // an empty sum: C = βC
};

TEST(Matmul, Fp32MatchesADoubleReference) {
  for (const Case& c : kCases) check(c, Precision::fp32);
}

TEST(Matmul, Bf16MatchesADoubleReferenceOnRoundedOperands) {
  if (!native_bf16()) GTEST_SKIP() << "no native bf16 here: " << matmul_kernel();
  for (const Case& c : kCases) check(c, Precision::bf16);
}

TEST(Matmul, DenseTrainingShapesRunOnTheFastKernels) {
  const Matmul mm({100, 400, 1600, false, true, 1600, 1600, 400}, Precision::fp32, 1.0f, 0.0f);
  if (matmul_kernel() == "OpenBLAS") {
    EXPECT_EQ(mm.implementation(), "OpenBLAS sgemm");
  } else {
    EXPECT_NE(mm.implementation().find("brg"), std::string::npos) << mm.implementation();
  }
}

TEST(Matmul, PrecisionNamesAndRefusals) {
  EXPECT_EQ(resolve_precision("fp32"), Precision::fp32);
  EXPECT_EQ(resolve_precision("auto"), native_bf16() ? Precision::bf16 : Precision::fp32);
  try {
    resolve_precision("fp16", "train.precision");
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.key(), "train.precision");
    EXPECT_NE(std::string(e.what()).find("fp16"), std::string::npos);
  }
  if (native_bf16())
    EXPECT_EQ(resolve_precision("bf16"), Precision::bf16);
  else
    EXPECT_THROW(resolve_precision("bf16"), ConfigError);
  EXPECT_THROW(Matmul({2, 2, 2, false, false, 1, 2, 2}, Precision::fp32, 1.0f, 0.0f), ShapeError);
  const Matmul fp32({2, 2, 2, false, false, 2, 2, 2}, Precision::fp32, 1.0f, 0.0f);
  std::vector<Bf16> x(4);
  std::vector<float> out(4);
  EXPECT_THROW(fp32(x.data(), x.data(), out.data()), ConfigError);
}

}  // namespace
}  // namespace deeprg
