// A DBN as a coarse-graining map: units placed on their blocks by their receptive fields, read
// out as oriented coarse spins, iterated through the stack.
#include "deeprg/analysis/layer_map.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>

#include "deeprg/core/error.hpp"
#include "deeprg/core/rng.hpp"

namespace deeprg::analysis {
namespace {

io::SpinSamples random_samples(int l, std::size_t count, std::uint64_t seed) {
  io::SpinSamples s;
  s.lattice = ising::Lattice::square(l, l);
  s.count = count;
  s.spins.resize(count * s.lattice.sites());
  Rng rng(seed);
  for (auto& x : s.spins) x = rng.uniform() < 0.5 ? 1 : -1;
  return s;
}

/// A layer whose unit perm[I] sums the b×b block I of the `side`² input sites with weight
/// sign[I]: majority rule with shuffled, partly anti-aligned units. Input site s is the layer's
/// visible unit input_of_site[s], whose state is input_sign[s] times the site's spin (the units
/// of a layer below, in its order and orientation). For bernoulli units, v = (±1 + 1)/2, and
/// the hidden bias cancels the constant so that sign(x) is the block's majority.
rbm::Rbm block_layer(int side, int b, const std::vector<std::size_t>& perm,
                     const std::vector<int>& sign, rbm::Units units,
                     const std::vector<std::size_t>& input_of_site,
                     const std::vector<int>& input_sign) {
  const int coarse = side / b;
  rbm::Rbm layer(std::size_t(side * side), perm.size(), units, units);
  for (int cy = 0; cy < coarse; ++cy)
    for (int cx = 0; cx < coarse; ++cx) {
      const std::size_t block = std::size_t(cy * coarse + cx), unit = perm[block];
      float constant = 0;
      for (int dy = 0; dy < b; ++dy)
        for (int dx = 0; dx < b; ++dx) {
          const std::size_t site = std::size_t((cy * b + dy) * side + cx * b + dx);
          layer.W(input_of_site[site], unit) = float(sign[block] * input_sign[site]);
          constant += float(sign[block] * input_sign[site]) / 2;
        }
      if (units == rbm::Units::bernoulli) layer.hidden_bias[unit] = -constant;
    }
  return layer;
}

std::vector<std::size_t> shuffled(std::size_t n, std::uint64_t seed) {
  std::vector<std::size_t> p(n);
  std::iota(p.begin(), p.end(), 0);
  Rng rng(seed);
  for (std::size_t i = n - 1; i > 0; --i) std::swap(p[i], p[rng.below(i + 1)]);
  return p;
}

std::vector<int> signs(std::size_t n, std::uint64_t seed) {
  std::vector<int> s(n);
  Rng rng(seed);
  for (auto& x : s) x = rng.uniform() < 0.3 ? -1 : 1;
  return s;
}

TEST(LayerMap, ShuffledAntiAlignedBlockUnitsAreMajorityRule) {
  // 18×18 → 6×6 → 2×2 with b = 3 (no ties), both unit types.
  for (const rbm::Units units : {rbm::Units::spin, rbm::Units::bernoulli}) {
    std::vector<std::size_t> identity(324);
    std::iota(identity.begin(), identity.end(), 0);
    const auto perm1 = shuffled(36, 1), perm2 = shuffled(4, 2);
    const auto sign1 = signs(36, 3), sign2 = signs(4, 4);
    rbm::Dbn dbn;
    dbn.layers.push_back(
        block_layer(18, 3, perm1, sign1, units, identity, std::vector<int>(324, 1)));
    dbn.layers.push_back(block_layer(6, 3, perm2, sign2, units, perm1, sign1));
    const ising::Lattice lattice = ising::Lattice::square(18, 18);

    const auto sites = layer_sites(dbn, lattice, 2);
    ASSERT_EQ(sites.size(), 2u);
    EXPECT_EQ(sites[0].b, 3);
    EXPECT_EQ(sites[0].coarse.lx, 6);
    EXPECT_EQ(sites[0].unit_of_site, perm1);  // every unit found its own block
    EXPECT_EQ(sites[1].unit_of_site, perm2);
    for (std::size_t s = 0; s < 36; ++s) EXPECT_EQ(sites[0].orientation[s], sign1[s]);
    EXPECT_EQ(sites[0].flipped, std::size_t(std::count(sign1.begin(), sign1.end(), -1)));
    EXPECT_EQ(sites[0].left_over, 0u);
    EXPECT_NEAR(sites[0].mean_distance, 0, 1e-9);
    EXPECT_NEAR(sites[1].max_distance, 0, 1e-9);

    // The map is majority rule, level after level, whatever the shuffling and the signs.
    const io::SpinSamples in = random_samples(18, 50, 5);
    const rg::CoarseGraining map = dbn_map(dbn, lattice, rg::Readout::sign, 1, 2);
    rg::BlockSpinOptions majority;
    majority.b = 3;
    const io::SpinSamples level1 = map(in, 0);
    EXPECT_EQ(level1.spins, rg::block_spin(in, majority).spins);
    EXPECT_EQ(map(level1, 1).spins, rg::block_spin(level1, majority).spins);
    EXPECT_THROW(map(level1, 2), ConfigError);  // the DBN has two layers
    EXPECT_THROW(map(in, 1), ShapeError);       // level 2 expects the 6×6 lattice
  }
}

// Placing a shuffled, partly anti-aligned layer puts unit k on site k, aligned with its block,
// and leaves the visible distribution unchanged: F(v) moves by one constant (Σ of the flipped
// units' biases for bernoulli units, 0 for spin units).
TEST(LayerMap, PlacedHiddenUnitsAreTheSameModelInSiteOrder) {
  for (const rbm::Units units : {rbm::Units::spin, rbm::Units::bernoulli}) {
    std::vector<std::size_t> identity(36);
    std::iota(identity.begin(), identity.end(), 0);
    const auto perm = shuffled(9, 7);
    const auto sign = signs(9, 8);
    rbm::Dbn dbn;
    dbn.layers.push_back(block_layer(6, 2, perm, sign, units, identity, std::vector<int>(36, 1)));
    rbm::Rbm& layer = dbn.layers[0];
    Rng rng(9);
    for (float& w : layer.W.data) w += float(0.1 * (rng.uniform() - 0.5));
    for (float& a : layer.visible_bias) a = float(0.2 * (rng.uniform() - 0.5));
    for (float& c : layer.hidden_bias) c += float(0.2 * (rng.uniform() - 0.5));
    const auto sites = layer_sites(dbn, ising::Lattice::square(6, 6), 1).front();
    const rbm::Rbm64 original = rbm::rbm_cast<double>(layer);
    const rbm::Rbm64 placed = place_hidden_units(original, sites);
    for (std::size_t k = 0; k < 9; ++k) {
      double sum = 0;
      for (std::size_t i = 0; i < 36; ++i) sum += placed.W(i, k);
      EXPECT_GT(sum, 0) << "site " << k;  // aligned with its block
      const std::size_t j = sites.unit_of_site[k];
      EXPECT_EQ(std::abs(placed.W(0, k)), std::abs(original.W(0, j)));
    }
    const MatrixF v = rbm::spins_to_visible(random_samples(6, 20, 10).spins, 20, 36, units);
    const auto f0 = rbm::free_energy(original, v), f1 = rbm::free_energy(placed, v);
    for (std::size_t r = 1; r < 20; ++r)
      EXPECT_NEAR(f1[r] - f0[r], f1[0] - f0[0], 1e-9) << rbm::to_string(units);
  }
  rbm::Dbn dbn;
  dbn.layers.push_back(rbm::Rbm(36, 10, rbm::Units::spin, rbm::Units::spin));
  EXPECT_THROW(
      place_hidden_units(dbn.layers[0], layer_sites(dbn, ising::Lattice::square(6, 6), 1).front()),
      ConfigError);  // a unit left over
}

TEST(LayerMap, LeftOverUnitsAreCountedAndStopTheIteration) {
  // 12×12 with 40 units: b = 2 leaves 36 sites, 4 units left over.
  rbm::Dbn dbn;
  dbn.layers.emplace_back(144, 40, rbm::Units::spin, rbm::Units::spin);
  dbn.layers.emplace_back(40, 9, rbm::Units::spin, rbm::Units::spin);
  Rng rng(6);
  for (auto& w : dbn.layers[0].W.data) w = float(rng.uniform() - 0.5);
  const ising::Lattice lattice = ising::Lattice::square(12, 12);
  const auto sites = layer_sites(dbn, lattice, 1);
  EXPECT_EQ(sites[0].b, 2);
  EXPECT_EQ(sites[0].left_over, 4u);
  // One-to-one: 36 different units.
  std::vector<std::size_t> units = sites[0].unit_of_site;
  std::sort(units.begin(), units.end());
  EXPECT_EQ(std::unique(units.begin(), units.end()), units.end());
  EXPECT_THROW(layer_sites(dbn, lattice, 2), ShapeError);
  // The map then covers the first layer only.
  const rg::CoarseGraining map = dbn_map(dbn, lattice, rg::Readout::sample, 3, 1);
  const io::SpinSamples in = random_samples(12, 20, 7);
  const io::SpinSamples out = map(in, 0);
  EXPECT_EQ(out.lattice.lx, 6);
  EXPECT_EQ(dbn_map(dbn, lattice, rg::Readout::sample, 3, 2)(in, 0).spins, out.spins);
  EXPECT_THROW(map(out, 1), ConfigError);
}

TEST(LayerMap, RefusesWhatCannotBeALattice) {
  rbm::Dbn dbn;
  dbn.layers.emplace_back(100, 3, rbm::Units::spin, rbm::Units::spin);  // 10×10 → ≤ 3 sites
  EXPECT_THROW(layer_sites(dbn, ising::Lattice::square(10, 10), 1), ShapeError);
  EXPECT_THROW(layer_sites(dbn, ising::Lattice::square(8, 8), 1), ShapeError);  // 64 ≠ 100
  EXPECT_THROW(layer_sites(dbn, ising::Lattice::square(10, 10), 2), ConfigError);
  // Sites that cannot be mapped_layers' are refused.
  EXPECT_THROW(dbn_map(dbn, {}, ising::Lattice::square(10, 10), rg::Readout::sign, 1), ConfigError);
}

}  // namespace
}  // namespace deeprg::analysis
