// The block-spin flow of sampled 2D Ising configurations runs to the right fixed points.
#include "deeprg/rg/flow.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <map>

#include "deeprg/core/error.hpp"
#include "deeprg/mc/observables.hpp"
#include "deeprg/mc/sampler.hpp"

namespace {

namespace rg = deeprg::rg;
using deeprg::io::SpinSamples;

constexpr int kL = 32;
constexpr int kLevels = 3;  // 32 → 16 → 8 → 4

// Wolff samples of the 32×32 torus, made once per temperature for all tests.
const SpinSamples& samples_at(double t) {
  static std::map<double, SpinSamples> cache;
  auto it = cache.find(t);
  if (it != cache.end()) return it->second;
  deeprg::ising::Model model;
  model.lattice = deeprg::ising::Lattice::square(kL, kL);
  model.T = t;
  deeprg::mc::SamplerOptions options;
  options.algorithm = deeprg::mc::Algorithm::wolff;
  options.samples = 3000;
  options.seed = 2024;
  options.chains = 8;
  return cache.emplace(t, deeprg::mc::sample(model, options)).first->second;
}

std::vector<rg::LevelObservables> majority_flow(double t) {
  rg::BlockSpinOptions options;
  options.b = 2;
  options.seed = 5;
  const auto levels = rg::flow(samples_at(t), options, kLevels);
  for (const auto& o : levels)
    std::printf("T=%.3f level %d L=%2d |m|=%.4f±%.4f nn=%.4f±%.4f U4=%.4f±%.4f xi/L=%.4f±%.4f\n", t,
                o.level, o.lx, o.abs_magnetization.value, o.abs_magnetization.error,
                o.nn_correlation.value, o.nn_correlation.error, o.binder_cumulant.value,
                o.binder_cumulant.error, o.correlation_length_over_l().value,
                o.correlation_length_over_l().error);
  return levels;
}

TEST(Flow, LevelZeroMatchesMeasure) {
  const SpinSamples& s = samples_at(2.269185314213022);
  rg::BlockSpinOptions options;
  const auto levels = rg::flow(s, options, 1);
  ASSERT_EQ(levels.size(), 2u);
  deeprg::ising::Model model;
  model.lattice = s.lattice;
  model.T = 2.269185314213022;
  const auto obs = deeprg::mc::measure(model, s.spins, s.count);
  EXPECT_EQ(levels[0].level, 0);
  EXPECT_EQ(levels[0].lx, kL);
  EXPECT_EQ(levels[1].lx, kL / 2);
  EXPECT_DOUBLE_EQ(levels[0].abs_magnetization.value, obs.abs_magnetization.value);
  EXPECT_DOUBLE_EQ(levels[0].binder_cumulant.value, obs.binder_cumulant.value);
  EXPECT_DOUBLE_EQ(levels[0].correlation_length.value, obs.correlation_length.value);
  // ⟨s_i s_j⟩ per bond = −e/2 in 2D at J = 1, h = 0.
  EXPECT_NEAR(levels[0].nn_correlation.value, -obs.energy_per_spin.value / 2, 1e-12);
  // Direct check of the bond average on the first sample.
  const auto config = s.sample(0);
  double bonds = 0;
  for (int y = 0; y < kL; ++y)
    for (int x = 0; x < kL; ++x) {
      const int site = config[static_cast<std::size_t>(y * kL + x)];
      bonds += site * config[static_cast<std::size_t>(y * kL + (x + 1) % kL)];
      bonds += site * config[static_cast<std::size_t>(((y + 1) % kL) * kL + x)];
    }
  SpinSamples first = s;
  first.count = 1;
  first.spins.resize(s.lattice.sites());
  EXPECT_NEAR(rg::measure_level(first, 0).nn_correlation.value, bonds / (2.0 * kL * kL), 1e-12);
}

TEST(Flow, BelowTcFlowsToOrder) {
  const auto f = majority_flow(1.8);
  ASSERT_EQ(f.size(), static_cast<std::size_t>(kLevels + 1));
  for (std::size_t k = 1; k < f.size(); ++k) {
    EXPECT_GT(f[k].abs_magnetization.value, f[k - 1].abs_magnetization.value);
    EXPECT_GT(f[k].nn_correlation.value, f[k - 1].nn_correlation.value);
  }
  EXPECT_GT(f.back().abs_magnetization.value, 0.99);
  EXPECT_NEAR(f.back().binder_cumulant.value, 2.0 / 3.0, 0.005);
}

TEST(Flow, AboveTcFlowsToDisorder) {
  const auto f = majority_flow(3.5);
  for (std::size_t k = 1; k < f.size(); ++k) {
    EXPECT_LT(f[k].nn_correlation.value, f[k - 1].nn_correlation.value);
    EXPECT_LT(f[k].correlation_length.value, f[k - 1].correlation_length.value);
  }
  EXPECT_LT(std::abs(f.back().nn_correlation.value), 0.1);
  // U4 of 16 independent spins is 2/(3·16) ≈ 0.04, the finite-lattice value of "zero".
  EXPECT_LT(f.back().binder_cumulant.value, 0.15);
  for (const auto& level : f) EXPECT_NEAR(level.binder_cumulant.value, 0.0, 0.15);
}

TEST(Flow, AtTcTheCouplingStaysPutWhileOthersRunAway) {
  const auto f = majority_flow(2.269185314213022);
  const auto below = majority_flow(1.8);
  const auto above = majority_flow(3.5);
  // ⟨s_i s_j⟩, the proxy for the effective coupling, is what flows: up below T_c, down above,
  // nearly fixed at T_c while the coarse lattice is still large (levels 0 … 2: 32 → 8).
  for (std::size_t k = 1; k <= 2; ++k) {
    EXPECT_NEAR(f[k].nn_correlation.value, f[0].nn_correlation.value, 0.03) << k;
    EXPECT_GT(below[k].nn_correlation.value - below[0].nn_correlation.value, 0.04) << k;
    EXPECT_LT(above[k].nn_correlation.value - above[0].nn_correlation.value, -0.1) << k;
  }
  for (std::size_t k = 0; k < f.size(); ++k) {
    // U4 and ξ/L stay near their critical values (≈ 0.61 and ≈ 0.9 on the torus), between
    // the ordered and disordered ones. (On one lattice they barely move at any T: ξ and L
    // shrink together, see flow.hpp.)
    EXPECT_LT(f[k].binder_cumulant.value, below[k].binder_cumulant.value);
    EXPECT_GT(f[k].binder_cumulant.value, above[k].binder_cumulant.value);
    EXPECT_NEAR(f[k].binder_cumulant.value, f[0].binder_cumulant.value, 0.03) << k;
    EXPECT_NEAR(f[k].correlation_length_over_l().value, f[0].correlation_length_over_l().value,
                0.12)
        << k;
    // ξ in lattice units shrinks by b per level.
    if (k > 0) {
      EXPECT_NEAR(f[k].correlation_length.value / f[k - 1].correlation_length.value, 0.5, 0.05)
          << k;
    }
  }
}

TEST(Flow, CustomMapAndJson) {
  const SpinSamples& s = samples_at(3.5);
  rg::BlockSpinOptions options;
  options.rule = rg::BlockRule::decimation;
  const auto direct = rg::flow(s, options, 2);
  const auto mapped = rg::flow(
      s, [&](const SpinSamples& in, int level) { return rg::block_spin(in, options, level); }, 2);
  ASSERT_EQ(direct.size(), mapped.size());
  for (std::size_t k = 0; k < direct.size(); ++k)
    EXPECT_DOUBLE_EQ(direct[k].binder_cumulant.value, mapped[k].binder_cumulant.value);
  const auto j = rg::to_json(direct);
  ASSERT_EQ(j.size(), 3u);
  for (const char* key :
       {"level", "L", "Ly", "samples", "abs_magnetization", "abs_magnetization_error",
        "nn_correlation", "nn_correlation_error", "binder_cumulant", "binder_cumulant_error",
        "correlation_length", "correlation_length_error", "correlation_length_over_L"})
    EXPECT_TRUE(j[2].contains(key)) << key;
  EXPECT_EQ(j[2]["L"], 8);
  EXPECT_THROW(rg::flow(s, options, 5), deeprg::ShapeError);
  EXPECT_THROW(rg::flow(s, options, -1), deeprg::ConfigError);
}

TEST(Flow, FrozenConfigurationsGiveNullNotNumbers) {
  SpinSamples s;
  s.lattice = deeprg::ising::Lattice::square(8, 8);
  s.count = 10;
  s.spins.assign(s.count * 64, 1);
  const auto levels = rg::flow(s, rg::BlockSpinOptions{}, 2);
  EXPECT_DOUBLE_EQ(levels[2].abs_magnetization.value, 1.0);
  EXPECT_DOUBLE_EQ(levels[2].nn_correlation.value, 1.0);
  EXPECT_NEAR(levels[2].binder_cumulant.value, 2.0 / 3.0, 1e-12);
  EXPECT_TRUE(rg::to_json(levels[2])["correlation_length"].is_null());
}

}  // namespace
