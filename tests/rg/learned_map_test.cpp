// The local learned coarse-graining map: as majority rule when it is majority rule, trained
// blocks recovered exactly, sampling frequencies, thread independence and refusals.
#include "deeprg/rg/learned_map.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "deeprg/core/error.hpp"
#include "deeprg/core/rng.hpp"
#include "deeprg/ising/exact.hpp"
#include "deeprg/mc/sampler.hpp"
#include "deeprg/rg/mcrg.hpp"

namespace deeprg::rg {
namespace {

io::SpinSamples random_samples(int lx, int ly, std::size_t count, std::uint64_t seed) {
  io::SpinSamples s;
  s.lattice = ly == 1 ? ising::Lattice::chain(lx) : ising::Lattice::square(lx, ly);
  s.count = count;
  s.spins.resize(count * s.lattice.sites());
  Rng rng(seed);
  for (auto& x : s.spins) x = rng.uniform() < 0.5 ? 1 : -1;
  return s;
}

/// A block map with weights w (block row-major) and hidden bias c.
rbm::Rbm block_map(std::vector<float> w, float c = 0) {
  rbm::Rbm m(w.size(), 1, rbm::Units::spin, rbm::Units::spin);
  m.W.data = std::move(w);
  m.hidden_bias[0] = c;
  return m;
}

TEST(LearnedMap, UniformOddBlocksAreMajorityRule) {
  // b = 3 has no ties: sign(Σ v) is majority rule, sample for sample.
  const io::SpinSamples in = random_samples(18, 18, 200, 1);
  const rbm::Rbm uniform = block_map(std::vector<float>(9, 0.7f));
  BlockSpinOptions majority;
  majority.b = 3;
  EXPECT_EQ(apply_block_rbm(in, uniform, Readout::sign, 5, 0, 2).spins,
            block_spin(in, majority).spins);
  auto agreement = [&](const rbm::Rbm& m) {
    return majority_agreement(in, apply_block_rbm(in, m, Readout::sign, 1));
  };
  EXPECT_EQ(agreement(uniform), 1.0);
  // The opposite map disagrees everywhere; a map that reads one spin agrees where it leads.
  EXPECT_EQ(agreement(block_map(std::vector<float>(9, -0.7f))), 0.0);
  const double one_spin = agreement(block_map({1, 0, 0, 0, 0, 0, 0, 0, 0}));
  EXPECT_GT(one_spin, 0.6);  // P(s_0 = majority) = 1/2 + C(8,4)/2^9 = 0.637 for random spins
  EXPECT_LT(one_spin, 0.68);
  // 1D blocks of 3 likewise.
  const io::SpinSamples chain = random_samples(27, 1, 100, 2);
  EXPECT_EQ(apply_block_rbm(chain, block_map({1, 1, 1}), Readout::sign, 5).spins,
            block_spin(chain, majority).spins);
}

TEST(LearnedMap, TopLeftWeightedEvenBlocksAreMajorityWithTopLeftTies) {
  const io::SpinSamples in = random_samples(16, 16, 100, 3);
  const rbm::Rbm map = block_map({1.001f, 1, 1, 1});
  BlockSpinOptions majority;
  majority.ties = Ties::top_left;
  EXPECT_EQ(apply_block_rbm(in, map, Readout::sign, 5).spins, block_spin(in, majority).spins);
}

TEST(LearnedMap, MajorityAsALearnedMapGivesMajorityExponents) {
  // MCRG through the map interface on the same samples: the same numbers, bit for bit.
  ising::Model model;
  model.lattice = ising::Lattice::square(36, 36);
  model.T = ising::kCriticalTemperature;
  mc::SamplerOptions sampling;
  sampling.algorithm = mc::Algorithm::wolff;
  sampling.samples = 400;
  sampling.seed = 4;
  const io::SpinSamples samples = mc::sample(model, sampling);
  McrgOptions options;
  options.levels = 1;
  BlockSpinOptions majority;
  majority.b = 3;
  const auto expected = mcrg(samples, majority, options);
  std::vector<double> agreement;
  const auto learned =
      mcrg(samples,
           recording_majority_agreement(
               block_rbm_map(block_map(std::vector<float>(9, 2.0f)), Readout::sign, 9), agreement),
           options);
  EXPECT_EQ(agreement, std::vector<double>{1.0});  // recorded once, as MCRG ran the map
  ASSERT_EQ(learned.size(), 1u);
  EXPECT_EQ(learned[0].y_t.value, expected[0].y_t.value);
  EXPECT_EQ(learned[0].y_t.error, expected[0].y_t.error);
  EXPECT_EQ(learned[0].y_h.value, expected[0].y_h.value);
  EXPECT_EQ(learned[0].b, 3);
}

TEST(LearnedMap, TrainingOnUniformBlocksLearnsTheBlockSpin) {
  // Every 2×2 block is uniform with a random sign: the block spin is the only variable, and a
  // trained map must read it off exactly, oriented so that the coarse spin follows the block.
  io::SpinSamples coarse = random_samples(8, 8, 500, 6);
  io::SpinSamples fine;
  fine.lattice = ising::Lattice::square(16, 16);
  fine.count = coarse.count;
  fine.spins.resize(fine.count * 256);
  for (std::size_t i = 0; i < fine.count; ++i)
    for (int y = 0; y < 16; ++y)
      for (int x = 0; x < 16; ++x)
        fine.spins[i * 256 + std::size_t(y) * 16 + x] =
            coarse.spins[i * 64 + std::size_t(y / 2) * 8 + x / 2];
  BlockRbmOptions options;
  options.max_rows = 10000;
  options.train.epochs = 5;
  options.train.learning_rate = 0.05;
  options.train.seed = 7;
  options.train.threads = 1;
  const rbm::Rbm map = train_block_rbm(fine, options);
  EXPECT_EQ(map.meta["map"], "block_rbm");
  EXPECT_EQ(map.meta["b"], 2);
  // 10000 rows fit 156 samples of 64 blocks: every 4th sample is used.
  EXPECT_EQ(map.meta["samples_used"], 125);
  EXPECT_EQ(map.meta["blocks_used"], 125 * 64);
  for (const float w : map.W.data) EXPECT_GT(w, 0.5f);
  EXPECT_EQ(apply_block_rbm(fine, map, Readout::sign, 1).spins, coarse.spins);
  // Deterministic for a seed.
  EXPECT_EQ(train_block_rbm(fine, options).W, map.W);
  // Spin-flip symmetric data: the biases are zero unless asked to keep them.
  EXPECT_EQ(map.hidden_bias[0], 0.0f);
  EXPECT_EQ(map.meta["spin_flip_symmetric"], true);
  options.spin_flip_symmetric = false;
  const rbm::Rbm kept = train_block_rbm(fine, options);
  EXPECT_EQ(kept.W, map.W);
  EXPECT_NE(kept.hidden_bias[0], 0.0f);
}

TEST(LearnedMap, SampleReadoutDrawsTheConditional) {
  // Zero weights and bias c: every coarse spin is +1 with probability σ(2c), independently.
  const io::SpinSamples in = random_samples(32, 32, 400, 8);
  const double c = 0.3, p = 1 / (1 + std::exp(-2 * c));
  const io::SpinSamples out =
      apply_block_rbm(in, block_map({0, 0, 0, 0}, float(c)), Readout::sample, 3, 0, 2);
  double up = 0;
  for (const auto s : out.spins) up += s > 0;
  const double n = double(out.spins.size()), sigma = std::sqrt(p * (1 - p) / n);
  EXPECT_NEAR(up / n, p, 4 * sigma);
  // Streams per (level, sample): the same for any thread count, different per level.
  EXPECT_EQ(apply_block_rbm(in, block_map({0, 0, 0, 0}, float(c)), Readout::sample, 3, 0, 1).spins,
            out.spins);
  EXPECT_NE(apply_block_rbm(in, block_map({0, 0, 0, 0}, float(c)), Readout::sample, 3, 1, 1).spins,
            out.spins);
}

TEST(LearnedMap, RefusesMapsThatAreNotLocalBlockMaps) {
  const io::SpinSamples in = random_samples(12, 12, 4, 9);
  auto expect_map_error = [&](const rbm::Rbm& m) {
    try {
      apply_block_rbm(in, m, Readout::sign, 1);
      ADD_FAILURE() << "no ConfigError";
    } catch (const ConfigError& e) {
      EXPECT_EQ(e.key(), "map") << e.what();
    }
  };
  expect_map_error(rbm::Rbm(4, 2, rbm::Units::spin, rbm::Units::spin));       // two hidden
  expect_map_error(rbm::Rbm(4, 1, rbm::Units::bernoulli, rbm::Units::spin));  // bernoulli
  expect_map_error(rbm::Rbm(5, 1, rbm::Units::spin, rbm::Units::spin));       // 5 is not b²
  expect_map_error(rbm::Rbm(1, 1, rbm::Units::spin, rbm::Units::spin));       // b = 1
  // A lattice the blocks do not tile.
  EXPECT_THROW(apply_block_rbm(in, block_map(std::vector<float>(25, 1)), Readout::sign, 1),
               ShapeError);
  BlockRbmOptions five;
  five.b = 5;
  EXPECT_THROW(train_block_rbm(in, five), ShapeError);
  EXPECT_THROW(parse_readout("mean"), ConfigError);
}

}  // namespace
}  // namespace deeprg::rg
