// Block overlap: hidden units that are exactly the block spins (permuted, affinely transformed)
// give correlation 1 and the permutation back; independent units give correlations at the
// sqrt(2 ln m / n) noise level; neighbour-block correlations on hand-built samples; constant
// columns; thread independence; errors.
#include "deeprg/analysis/block_overlap.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include "deeprg/core/error.hpp"
#include "deeprg/core/rng.hpp"

namespace deeprg::analysis {
namespace {

using ising::Lattice;

io::SpinSamples make(Lattice lattice, std::size_t count, std::vector<std::int8_t> spins) {
  io::SpinSamples s;
  s.lattice = lattice;
  s.count = count;
  s.spins = std::move(spins);
  return s;
}

/// Independent fair ±1 spins.
io::SpinSamples random_blocks(Lattice lattice, std::size_t count, std::uint64_t seed) {
  Rng rng(seed);
  std::vector<std::int8_t> spins(count * lattice.sites());
  for (auto& s : spins) s = (rng() >> 63) != 0 ? 1 : -1;
  return make(lattice, count, std::move(spins));
}

/// Block spins transformed column by column: unit perm[I] = (s_I + 1)/2 for even I and
/// 7 − 1.5·s_I (negatively correlated) for odd I; any extra columns are uniform noise.
MatrixF hidden_from_blocks(const io::SpinSamples& blocks, const std::vector<std::size_t>& perm,
                           std::size_t extra, std::uint64_t seed) {
  const std::size_t nb = blocks.lattice.sites();
  MatrixF h(blocks.count, nb + extra);
  Rng rng(seed);
  for (std::size_t k = 0; k < blocks.count; ++k) {
    for (std::size_t i = 0; i < nb; ++i) {
      const float s = blocks.sample(k)[i];
      h(k, perm[i]) = i % 2 == 0 ? (s + 1.0f) / 2.0f : 7.0f - 1.5f * s;
    }
    for (std::size_t e = 0; e < extra; ++e) h(k, nb + e) = static_cast<float>(rng.uniform());
  }
  return h;
}

std::vector<std::size_t> shuffled(std::size_t n, std::uint64_t seed) {
  std::vector<std::size_t> p(n);
  std::iota(p.begin(), p.end(), std::size_t{0});
  Rng rng(seed);
  for (std::size_t i = n; i > 1; --i) std::swap(p[i - 1], p[rng.below(i)]);
  return p;
}

TEST(BlockOverlap, ExactBlockSpinsArePermutation) {
  const auto blocks = random_blocks(Lattice::square(4, 4), 3000, 1);
  const auto perm = shuffled(16, 2);
  const BlockOverlap o = block_overlap(hidden_from_blocks(blocks, perm, 0, 3), blocks, 2);
  EXPECT_NEAR(o.best_per_block, 1.0, 1e-12);
  EXPECT_NEAR(o.best_per_unit, 1.0, 1e-12);
  EXPECT_EQ(o.matched_fraction, 1.0);
  EXPECT_EQ(o.best_unit, perm);
  ASSERT_EQ(o.best_corr.size(), 16u);
  for (std::size_t i = 0; i < 16; ++i)
    EXPECT_NEAR(o.best_corr[i], i % 2 == 0 ? 1.0 : -1.0, 1e-12) << i;
  // Independent fair blocks: neighbour correlations are pure noise, |C| ~ 1/√n.
  EXPECT_LT(o.neighbour_blocks, 3.0 / std::sqrt(3000.0));
}

TEST(BlockOverlap, ExtraNoiseUnitsDoNotSteal) {
  const auto blocks = random_blocks(Lattice::square(4, 4), 3000, 4);
  const auto perm = shuffled(16, 5);
  const BlockOverlap o = block_overlap(hidden_from_blocks(blocks, perm, 8, 6), blocks);
  EXPECT_NEAR(o.best_per_block, 1.0, 1e-12);
  EXPECT_EQ(o.best_unit, perm);
  EXPECT_EQ(o.matched_fraction, 1.0);
  // 16 units at 1, 8 noise units at about sqrt(2 ln(2·16)/n) ≈ 0.048.
  EXPECT_GT(o.best_per_unit, 16.0 / 24.0);
  EXPECT_LT(o.best_per_unit, (16.0 + 8 * 0.1) / 24.0);
}

TEST(BlockOverlap, SharedBestUnitLowersMatchedFraction) {
  // Unit 0 copies block 0, and blocks 1 and 2 copy block 0 as well: all three pick unit 0.
  const auto base = random_blocks(Lattice::square(2, 2), 500, 7);
  std::vector<std::int8_t> spins = base.spins;
  for (std::size_t k = 0; k < base.count; ++k) spins[k * 4 + 1] = spins[k * 4 + 2] = spins[k * 4];
  const auto blocks = make(Lattice::square(2, 2), base.count, spins);
  MatrixF h(base.count, 2);
  for (std::size_t k = 0; k < base.count; ++k) {
    h(k, 0) = spins[k * 4];
    h(k, 1) = spins[k * 4 + 3];
  }
  const BlockOverlap o = block_overlap(h, blocks);
  EXPECT_EQ(o.best_unit, (std::vector<std::size_t>{0, 0, 0, 1}));
  EXPECT_DOUBLE_EQ(o.matched_fraction, 0.25);
  EXPECT_NEAR(o.best_per_block, 1.0, 1e-12);
}

TEST(BlockOverlap, IndependentUnitsAtNoiseLevel) {
  const std::size_t n = 4000, m = 30, nb = 16;
  const auto blocks = random_blocks(Lattice::square(4, 4), n, 8);
  MatrixF h(n, m);
  Rng rng(9);
  for (auto& x : h.data) x = static_cast<float>(rng.uniform());
  const BlockOverlap o = block_overlap(h, blocks);
  // Each C ≈ N(0, 1/n); E max of k half-normals ≲ sqrt(2 ln(2k)/n). Margins of 1.5 cover the
  // scatter of a mean over 16 blocks (30 units); the single largest of all m·nb values stays
  // below sqrt(2 ln(2·m·nb/δ)/n) with probability 1 − δ, δ = 10⁻³.
  const double dn = static_cast<double>(n);
  EXPECT_LT(o.best_per_block, 1.5 * std::sqrt(2.0 * std::log(2.0 * m) / dn));
  EXPECT_GT(o.best_per_block, 0.5 * std::sqrt(2.0 * std::log(2.0 * m) / dn));
  EXPECT_LT(o.best_per_unit, 1.5 * std::sqrt(2.0 * std::log(2.0 * nb) / dn));
  const double worst = std::sqrt(2.0 * std::log(2.0 * m * nb / 1e-3) / dn);
  for (double c : o.best_corr) EXPECT_LT(std::abs(c), worst);
  EXPECT_LT(o.matched_fraction, 1.0);  // 16 blocks choosing among 30 units at random collide
}

TEST(BlockOverlap, NeighbourBlocksByHand) {
  // Four samples; a and b are orthogonal ±1 columns with zero mean.
  const std::int8_t a[4] = {1, 1, -1, -1}, b[4] = {1, -1, 1, -1};
  {
    // 2×2 block lattice, sites (x, y) → y·2 + x: 0 = a, 1 = a, 2 = b, 3 = b. Neighbour pairs
    // (each once): (0,1) = 1, (2,3) = 1, (0,2) = 0, (1,3) = 0 → 0.5. The diagonals (0,3) and
    // (1,2) are not neighbours (with them the mean would be 1/3).
    std::vector<std::int8_t> spins;
    for (int k = 0; k < 4; ++k)
      for (const std::int8_t s : {a[k], a[k], b[k], b[k]}) spins.push_back(s);
    const auto blocks = make(Lattice::square(2, 2), 4, spins);
    MatrixF h(4, 1);
    for (int k = 0; k < 4; ++k) h(k, 0) = static_cast<float>(b[k]) * 0.5f + 0.5f;
    const BlockOverlap o = block_overlap(h, blocks);
    EXPECT_NEAR(o.neighbour_blocks, 0.5, 1e-12);
    EXPECT_EQ(o.best_unit, (std::vector<std::size_t>{0, 0, 0, 0}));
    EXPECT_NEAR(o.best_per_block, 0.5, 1e-12);  // |C| = 0, 0, 1, 1
    EXPECT_NEAR(o.best_per_unit, 1.0, 1e-12);
    EXPECT_DOUBLE_EQ(o.matched_fraction, 0.0);
  }
  {
    // 3×3 torus, 18 neighbour pairs: every site is a except the centre (site 4), which is b.
    // The 4 pairs at the centre correlate 0, the other 14 fully → 14/18.
    std::vector<std::int8_t> spins;
    for (int k = 0; k < 4; ++k)
      for (int i = 0; i < 9; ++i) spins.push_back(i == 4 ? b[k] : a[k]);
    const auto blocks = make(Lattice::square(3, 3), 4, spins);
    MatrixF h(4, 2);
    for (int k = 0; k < 4; ++k) {
      h(k, 0) = a[k];
      h(k, 1) = b[k];
    }
    const BlockOverlap o = block_overlap(h, blocks);
    EXPECT_NEAR(o.neighbour_blocks, 14.0 / 18.0, 1e-12);
    EXPECT_EQ(o.best_unit, (std::vector<std::size_t>{0, 0, 0, 0, 1, 0, 0, 0, 0}));
    EXPECT_DOUBLE_EQ(o.matched_fraction, 1.0 / 9.0);
  }
}

TEST(BlockOverlap, ConstantColumnsGiveZero) {
  // Block 0 varies, block 1 is always +1 (2×1 lattice: one neighbour pair). Unit 0 is a
  // constant that float cannot hold exactly, unit 1 is (s_0 + 1)/2.
  const std::int8_t s0[6] = {1, -1, -1, 1, 1, -1};
  std::vector<std::int8_t> spins;
  for (int k = 0; k < 6; ++k) {
    spins.push_back(s0[k]);
    spins.push_back(1);
  }
  const auto blocks = make(Lattice::square(2, 1), 6, spins);
  MatrixF h(6, 2);
  for (int k = 0; k < 6; ++k) {
    h(k, 0) = 0.3f;
    h(k, 1) = (static_cast<float>(s0[k]) + 1.0f) / 2.0f;
  }
  const BlockOverlap o = block_overlap(h, blocks);
  EXPECT_EQ(o.best_unit, (std::vector<std::size_t>{1, 0}));  // block 1: all 0, first unit
  EXPECT_NEAR(o.best_corr[0], 1.0, 1e-12);
  EXPECT_EQ(o.best_corr[1], 0.0);
  EXPECT_NEAR(o.best_per_block, 0.5, 1e-12);
  EXPECT_NEAR(o.best_per_unit, 1.0, 1e-12);  // the constant unit is not live
  EXPECT_EQ(o.neighbour_blocks, 0.0);
  EXPECT_DOUBLE_EQ(o.matched_fraction, 1.0);

  // Nothing varies at all: zeros everywhere, no NaN.
  const BlockOverlap z = block_overlap(
      MatrixF(6, 3, 0.3f), make(Lattice::square(2, 1), 6, std::vector<std::int8_t>(12, -1)));
  EXPECT_EQ(z.best_per_block, 0.0);
  EXPECT_EQ(z.best_per_unit, 0.0);
  EXPECT_EQ(z.neighbour_blocks, 0.0);
  for (double c : z.best_corr) EXPECT_EQ(c, 0.0);
}

TEST(BlockOverlap, ThreadCountDoesNotMatter) {
  // 37 units (not a multiple of the tile), partly tied to blocks, on a 5×5 block lattice.
  const std::size_t n = 700, m = 37;
  const auto blocks = random_blocks(Lattice::square(5, 5), n, 10);
  MatrixF h(n, m);
  Rng rng(11);
  for (std::size_t k = 0; k < n; ++k)
    for (std::size_t j = 0; j < m; ++j)
      h(k, j) = static_cast<float>(rng.uniform() + 0.3 * blocks.sample(k)[(j * 3) % 25]);
  const BlockOverlap one = block_overlap(h, blocks, 1);
  for (int threads : {2, 3, 0}) {
    const BlockOverlap other = block_overlap(h, blocks, threads);
    EXPECT_EQ(one.best_per_block, other.best_per_block) << threads;
    EXPECT_EQ(one.best_per_unit, other.best_per_unit) << threads;
    EXPECT_EQ(one.neighbour_blocks, other.neighbour_blocks) << threads;
    EXPECT_EQ(one.matched_fraction, other.matched_fraction) << threads;
    EXPECT_EQ(one.best_unit, other.best_unit) << threads;
    EXPECT_EQ(one.best_corr, other.best_corr) << threads;
  }
}

TEST(BlockOverlap, Errors) {
  const auto blocks = random_blocks(Lattice::square(2, 2), 5, 12);
  EXPECT_THROW(block_overlap(MatrixF(4, 3), blocks), ShapeError);  // rows differ
  const auto single = random_blocks(Lattice::square(2, 2), 1, 13);
  EXPECT_THROW(block_overlap(MatrixF(1, 3), single), ShapeError);  // one sample
  MatrixF ragged(5, 3);
  ragged.data.pop_back();
  EXPECT_THROW(block_overlap(ragged, blocks), ShapeError);
  auto short_blocks = blocks;
  short_blocks.spins.pop_back();
  EXPECT_THROW(block_overlap(MatrixF(5, 3), short_blocks), ShapeError);
  EXPECT_THROW(block_overlap(MatrixF(5, 0), blocks), ShapeError);
}

}  // namespace
}  // namespace deeprg::analysis
