// Block spins: hand-checked small cases, tie-breaking, thread independence and shape errors.
#include "deeprg/rg/block_spin.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "deeprg/core/error.hpp"
#include "deeprg/core/rng.hpp"

namespace {

using deeprg::ConfigError;
using deeprg::ShapeError;
using deeprg::io::SpinSamples;
using deeprg::ising::Lattice;
namespace rg = deeprg::rg;

SpinSamples make(Lattice lattice, std::vector<std::int8_t> spins) {
  SpinSamples s;
  s.lattice = lattice;
  s.count = spins.size() / lattice.sites();
  s.spins = std::move(spins);
  return s;
}

SpinSamples random_samples(Lattice lattice, std::size_t count, std::uint64_t seed) {
  deeprg::Rng rng(seed);
  std::vector<std::int8_t> spins(count * lattice.sites());
  for (auto& s : spins) s = (rng() >> 63) ? 1 : -1;
  return make(lattice, std::move(spins));
}

rg::BlockSpinOptions opts(rg::BlockRule rule, int b, rg::Ties ties = rg::Ties::top_left) {
  rg::BlockSpinOptions o;
  o.rule = rule;
  o.b = b;
  o.ties = ties;
  return o;
}

TEST(BlockSpin, MajorityAndDecimationOnA4x4Lattice) {
  // Blocks (2×2): top-left {+,+,+,-} → +; top-right {-,-,-,+} → -;
  // bottom-left {+,-,-,+} tie with top-left +1 → +; bottom-right {-,+,+,-} tie, top-left -1 → -.
  const SpinSamples s = make(Lattice::square(4, 4), {1, 1, -1, -1,  //
                                                     1, -1, -1, 1,  //
                                                     1, -1, -1, 1,  //
                                                     -1, 1, 1, -1});
  const SpinSamples m = rg::block_spin(s, opts(rg::BlockRule::majority, 2));
  EXPECT_EQ(m.lattice.dim, 2);
  EXPECT_EQ(m.lattice.lx, 2);
  EXPECT_EQ(m.lattice.ly, 2);
  EXPECT_EQ(m.count, 1u);
  EXPECT_EQ(m.spins, (std::vector<std::int8_t>{1, -1, 1, -1}));
  const SpinSamples d = rg::block_spin(s, opts(rg::BlockRule::decimation, 2));
  EXPECT_EQ(d.spins, (std::vector<std::int8_t>{1, -1, 1, -1}));
  // Decimation ignores the rest of the block: flip everything but the top-left spins.
  SpinSamples t = s;
  for (int y = 0; y < 4; ++y)
    for (int x = 0; x < 4; ++x)
      if (x % 2 || y % 2) t.spins[static_cast<std::size_t>(4 * y + x)] *= -1;
  EXPECT_EQ(rg::block_spin(t, opts(rg::BlockRule::decimation, 2)).spins, d.spins);
}

TEST(BlockSpin, OddBlocksOnARectangleHaveNoTies) {
  // 3×6 (Ly = 3, Lx = 6), b = 3: left block has 5 of 9 up, right block 4 of 9 up.
  const SpinSamples s = make(Lattice::square(6, 3), {1, 1, 1, -1, -1, -1,  //
                                                     1, 1, -1, 1, 1, -1,   //
                                                     -1, -1, -1, 1, 1, -1});
  // Lattice 3×6 with b = 3 would leave 1×2: too small. Stack it into 6×6 instead.
  std::vector<std::int8_t> spins = s.spins;
  spins.insert(spins.end(), s.spins.begin(), s.spins.end());
  const SpinSamples big = make(Lattice::square(6, 6), spins);
  const SpinSamples m = rg::block_spin(big, opts(rg::BlockRule::majority, 3, rg::Ties::random));
  EXPECT_EQ(m.lattice.lx, 2);
  EXPECT_EQ(m.lattice.ly, 2);
  EXPECT_EQ(m.spins, (std::vector<std::int8_t>{1, -1, 1, -1}));
}

TEST(BlockSpin, Chains) {
  const SpinSamples s = make(Lattice::chain(6), {1, -1, -1, 1, 1, -1,  //
                                                 -1, 1, 1, 1, -1, -1});
  const SpinSamples m = rg::block_spin(s, opts(rg::BlockRule::majority, 3));
  EXPECT_EQ(m.lattice.dim, 1);
  EXPECT_EQ(m.lattice.lx, 2);
  EXPECT_EQ(m.count, 2u);
  EXPECT_EQ(m.spins, (std::vector<std::int8_t>{-1, 1, 1, -1}));
  const SpinSamples d = rg::block_spin(s, opts(rg::BlockRule::decimation, 3));
  EXPECT_EQ(d.spins, (std::vector<std::int8_t>{1, 1, -1, 1}));
  // b = 2 with ties broken by the left spin.
  const SpinSamples t = rg::block_spin(s, opts(rg::BlockRule::majority, 2));
  EXPECT_EQ(t.spins, (std::vector<std::int8_t>{1, -1, 1, -1, 1, -1}));
}

TEST(BlockSpin, MajorityRuleIsOddUnderAGlobalFlip) {
  const SpinSamples s = random_samples(Lattice::square(12, 12), 20, 3);
  SpinSamples flipped = s;
  for (auto& v : flipped.spins) v = static_cast<std::int8_t>(-v);
  for (const int b : {2, 3}) {
    const auto a = rg::block_spin(s, opts(rg::BlockRule::majority, b));
    const auto c = rg::block_spin(flipped, opts(rg::BlockRule::majority, b));
    for (std::size_t i = 0; i < a.spins.size(); ++i) ASSERT_EQ(a.spins[i], -c.spins[i]) << b;
  }
}

TEST(BlockSpin, RandomTiesAreSeededPerSampleAndIndependentOfThreads) {
  const SpinSamples s = random_samples(Lattice::square(16, 16), 300, 11);
  auto options = opts(rg::BlockRule::majority, 2, rg::Ties::random);
  options.seed = 42;
  options.threads = 1;
  const auto one = rg::block_spin(s, options, 0);
  options.threads = 4;
  const auto four = rg::block_spin(s, options, 0);
  EXPECT_EQ(one.spins, four.spins);
  options.seed = 43;
  const auto other_seed = rg::block_spin(s, options, 0);
  options.seed = 42;
  const auto other_level = rg::block_spin(s, options, 1);
  const auto top_left = rg::block_spin(s, opts(rg::BlockRule::majority, 2));
  // Untied blocks agree with every tie rule; tied ones (6/16 of random 2×2 blocks) are a fair
  // coin that changes with the seed and the level.
  std::size_t ties = 0, up = 0, seed_differs = 0, level_differs = 0;
  for (std::size_t i = 0; i < s.count; ++i) {
    const auto fine = s.sample(i);
    for (int cy = 0; cy < 8; ++cy)
      for (int cx = 0; cx < 8; ++cx) {
        int sum = 0;
        for (int dy = 0; dy < 2; ++dy)
          for (int dx = 0; dx < 2; ++dx)
            sum += fine[static_cast<std::size_t>((2 * cy + dy) * 16 + 2 * cx + dx)];
        const std::size_t j = i * 64 + static_cast<std::size_t>(cy * 8 + cx);
        if (sum != 0) {
          ASSERT_EQ(one.spins[j], sum > 0 ? 1 : -1);
          ASSERT_EQ(other_seed.spins[j], one.spins[j]);
          ASSERT_EQ(top_left.spins[j], one.spins[j]);
          continue;
        }
        ++ties;
        up += one.spins[j] == 1;
        seed_differs += other_seed.spins[j] != one.spins[j];
        level_differs += other_level.spins[j] != one.spins[j];
      }
  }
  ASSERT_GT(ties, 6000u);
  const double sigma = std::sqrt(0.25 * static_cast<double>(ties));
  EXPECT_NEAR(static_cast<double>(up), 0.5 * static_cast<double>(ties), 5 * sigma);
  EXPECT_NEAR(static_cast<double>(seed_differs), 0.5 * static_cast<double>(ties), 5 * sigma);
  EXPECT_NEAR(static_cast<double>(level_differs), 0.5 * static_cast<double>(ties), 5 * sigma);
}

TEST(BlockSpin, LevelsAndTheirLimits) {
  const SpinSamples s = random_samples(Lattice::square(32, 32), 5, 1);
  const auto levels = rg::block_spin_levels(s, opts(rg::BlockRule::majority, 2), 4);
  ASSERT_EQ(levels.size(), 5u);
  for (int k = 0; k <= 4; ++k) {
    EXPECT_EQ(levels[static_cast<std::size_t>(k)].lattice.lx, 32 >> k);
    EXPECT_EQ(levels[static_cast<std::size_t>(k)].lattice.ly, 32 >> k);
    EXPECT_EQ(levels[static_cast<std::size_t>(k)].count, 5u);
  }
  EXPECT_EQ(levels[0].spins, s.spins);
  EXPECT_EQ(rg::block_spin_levels(s, opts(rg::BlockRule::majority, 2), 0).size(), 1u);
  EXPECT_EQ(rg::max_block_levels(Lattice::square(32, 32), 2), 4);
  EXPECT_EQ(rg::max_block_levels(Lattice::square(24, 24), 2), 3);
  EXPECT_EQ(rg::max_block_levels(Lattice::square(30, 30), 4), 0);
  EXPECT_EQ(rg::max_block_levels(Lattice::square(27, 9), 3), 1);
  EXPECT_EQ(rg::max_block_levels(Lattice::chain(81), 3), 3);
  try {
    rg::block_spin_levels(s, opts(rg::BlockRule::majority, 2), 5);
    FAIL() << "5 levels of 32×32 should not fit";
  } catch (const ShapeError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("32×32"), std::string::npos) << what;
    EXPECT_NE(what.find("at most 4"), std::string::npos) << what;
  }
}

TEST(BlockSpin, ShapeAndOptionErrorsNameTheSizes) {
  const SpinSamples s = random_samples(Lattice::square(6, 6), 2, 1);
  try {
    rg::block_spin(s, opts(rg::BlockRule::majority, 4));
    FAIL() << "6×6 is not divisible by 4";
  } catch (const ShapeError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("6×6"), std::string::npos) << what;
    EXPECT_NE(what.find("4×4"), std::string::npos) << what;
  }
  try {
    rg::block_spin(s, opts(rg::BlockRule::majority, 6));
    FAIL() << "6×6 with b = 6 leaves 1×1";
  } catch (const ShapeError& e) {
    EXPECT_NE(std::string(e.what()).find("1×1"), std::string::npos) << e.what();
  }
  try {
    rg::block_spin(s, opts(rg::BlockRule::majority, 1));
    FAIL() << "b = 1";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.key(), "b");
  }
  EXPECT_THROW(
      rg::block_spin(random_samples(Lattice::chain(9), 1, 1), opts(rg::BlockRule::decimation, 2)),
      ShapeError);
  EXPECT_THROW(
      rg::block_spin(random_samples(Lattice::chain(4), 1, 1), opts(rg::BlockRule::decimation, 4)),
      ShapeError);
  SpinSamples broken = s;
  broken.spins.pop_back();
  EXPECT_THROW(rg::block_spin(broken, opts(rg::BlockRule::majority, 2)), ShapeError);
  EXPECT_THROW(rg::block_spin_levels(s, opts(rg::BlockRule::majority, 2), -1), ConfigError);
}

TEST(BlockSpin, NamesRoundTrip) {
  for (const auto rule : {rg::BlockRule::majority, rg::BlockRule::decimation})
    EXPECT_EQ(rg::parse_block_rule(rg::to_string(rule)), rule);
  for (const auto ties : {rg::Ties::random, rg::Ties::top_left})
    EXPECT_EQ(rg::parse_ties(rg::to_string(ties)), ties);
  try {
    rg::parse_block_rule("minority");
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.key(), "rule");
  }
  try {
    rg::parse_ties("coin");
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.key(), "ties");
  }
}

TEST(MajorityAgreement, CountsUntiedBlocksThatFollowTheirMajority) {
  SpinSamples fine;
  fine.lattice = Lattice::square(4, 4);
  fine.count = 2;
  fine.spins.assign(32, 1);
  for (int x : {0, 1, 4}) fine.spins[std::size_t(x)] = -1;  // block (0, 0): 3 down, 1 up
  for (int x : {2, 6}) fine.spins[std::size_t(x)] = -1;     // block (0, 1): tied
  rg::BlockSpinOptions majority;
  majority.ties = rg::Ties::top_left;
  SpinSamples coarse = rg::block_spin(fine, majority);
  EXPECT_EQ(rg::majority_agreement(fine, coarse), 1.0);  // 7 untied blocks, all followed
  coarse.spins[0] = 1;                                   // against its majority
  coarse.spins[1] = -1;                                  // a tied block: not counted
  EXPECT_DOUBLE_EQ(rg::majority_agreement(fine, coarse), 6.0 / 7.0);
  // Recorded per step as a map runs: majority rule agrees with itself, the map's output is
  // unchanged, and each level lands in its own slot.
  std::vector<double> agreement;
  const rg::CoarseGraining map = rg::recording_majority_agreement(
      [&](const SpinSamples& s, int level) { return rg::block_spin(s, majority, level); },
      agreement);
  EXPECT_EQ(map(fine, 1).spins, rg::block_spin(fine, majority, 1).spins);
  ASSERT_EQ(agreement.size(), 2u);
  EXPECT_TRUE(std::isnan(agreement[0]));  // level 0 was not run
  EXPECT_EQ(agreement[1], 1.0);
  SpinSamples wrong = coarse;
  wrong.count = 1;
  EXPECT_THROW(rg::majority_agreement(fine, wrong), ShapeError);
}

}  // namespace
