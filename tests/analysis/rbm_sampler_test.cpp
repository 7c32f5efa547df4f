#include "deeprg/analysis/rbm_sampler.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "../test_support.hpp"
#include "deeprg/core/error.hpp"
#include "deeprg/ising/exact.hpp"

namespace deeprg::analysis {
namespace {

using deeprg::testing::ising_rbm;

/// W = 0: p(v) is the product of p(s_i = +1) = σ(2a), drawn afresh at every sweep.
rbm::Rbm product_rbm(int L, double a) {
  const auto n = static_cast<std::size_t>(L * L);
  rbm::Rbm m(n, 3, rbm::Units::spin, rbm::Units::bernoulli);
  for (auto& b : m.visible_bias) b = static_cast<float>(a);
  return m;
}

using deeprg::testing::config_error_key;

TEST(RbmSampler, ExactIsingRbmReproducesKaufmanEnergyAndHeat) {
  const int L = 4;
  const double T = 3.0;
  const auto lattice = ising::Lattice::square(L, L);
  RbmChainOptions o;
  o.chains = 8;
  o.thermalization = 200;
  o.sweeps = 4000;
  o.blocks = 10;
  o.seed = 3;
  o.T = T;
  const RbmChainResult r = rbm_chains(ising_rbm(L, 1 / T), lattice, o);
  const ising::Thermodynamics exact = ising::kaufman(ising::Model{lattice, 1.0, 0.0, T});
  const mc::Estimate& e = r.observables.energy_per_spin;
  const mc::Estimate& c = r.observables.specific_heat;
  EXPECT_EQ(r.observables.samples, 8u * 4000u);
  EXPECT_LT(std::abs(e.value - exact.energy_per_spin), 4 * e.error);
  EXPECT_LT(std::abs(c.value - exact.specific_heat_per_spin), 4 * c.error);
  // The error bars are small enough for the check to mean something.
  EXPECT_LT(e.error, 0.02);  // τ_int ≈ 6 sweeps here: 32000 sweeps hold ≈ 2700 draws
  EXPECT_LT(c.error, 0.05 * exact.specific_heat_per_spin);
  // The thermometer reads the model's temperature, and the chain mixes fast at T = 3.
  EXPECT_LT(std::abs(r.temperature.T - T), 4 * r.temperature.error);
  EXPECT_GT(r.tau_energy.tau, 0.4);
  EXPECT_LT(r.tau_energy.tau, 20);
  EXPECT_TRUE(r.blocks_long_enough);
  // The blocked error accounts for autocorrelation: δe ≈ sqrt(2 τ_E Var(e) / n). The ratio's
  // relative sd is ≈ sqrt((δτ/2τ)² + 1/(2·80 blocks)) ≈ 0.09, so 4σ is ±0.35.
  double mean = 0, var = 0;
  for (const double x : r.energy_series) mean += x;
  mean /= static_cast<double>(r.energy_series.size());
  for (const double x : r.energy_series) var += (x - mean) * (x - mean);
  var /= static_cast<double>(r.energy_series.size() - 1);
  const double expected = std::sqrt(2 * r.tau_energy.tau * var / r.energy_series.size());
  EXPECT_NEAR(e.error / expected, 1.0, 0.35) << e.error << " vs " << expected;
  // The comparison puts the exact values beside the chain.
  const RbmSamplerComparison cmp = compare_with_reference(r, r.observables);
  ASSERT_EQ(cmp.rows.size(), 6u);
  EXPECT_EQ(cmp.rows[0].name, "energy_per_spin");
  EXPECT_DOUBLE_EQ(cmp.rows[0].exact, exact.energy_per_spin);
  EXPECT_LT(std::abs(cmp.rows[3].sigma_exact), 4);
  EXPECT_DOUBLE_EQ(cmp.rows[0].sigma_wolff, 0.0);
  EXPECT_TRUE(std::isnan(cmp.rows[1].exact));
}

TEST(RbmSampler, ProductRbmDrawsIndependentSamplesEverySweep) {
  const int L = 4;
  const double a = 0.3;
  const auto lattice = ising::Lattice::square(L, L);
  RbmChainOptions o;
  o.chains = 4;
  o.thermalization = 0;
  o.sweeps = 5000;
  o.blocks = 10;
  o.seed = 9;
  const RbmChainResult r = rbm_chains(product_rbm(L, a), lattice, o);
  // Independent draws: τ_int = 1/2 sweep in Sokal's convention.
  for (const ChainTau& tau : {r.tau_energy, r.tau_abs_magnetization}) {
    EXPECT_LT(std::abs(tau.tau - 0.5), 4 * tau.error + 0.02) << tau.tau << " ± " << tau.error;
    EXPECT_LT(tau.error, 0.05);
  }
  // Exact per-site values: ⟨s⟩ = tanh a, so ⟨e⟩ = −2 tanh²a, and ⟨|m|⟩ from the binomial law.
  const double t = std::tanh(a), p = 1 / (1 + std::exp(-2 * a));
  const int N = L * L;
  double abs_m = 0;
  for (int k = 0; k <= N; ++k)
    abs_m += std::exp(std::lgamma(N + 1.0) - std::lgamma(k + 1.0) - std::lgamma(N - k + 1.0) +
                      k * std::log(p) + (N - k) * std::log1p(-p)) *
             std::abs(2.0 * k - N) / N;
  const mc::Estimate& e = r.observables.energy_per_spin;
  const mc::Estimate& m = r.observables.abs_magnetization;
  EXPECT_LT(std::abs(e.value + 2 * t * t), 4 * e.error) << e.value << " ± " << e.error;
  EXPECT_LT(std::abs(m.value - abs_m), 4 * m.error) << m.value << " ± " << m.error;
}

TEST(RbmSampler, ResultDoesNotDependOnThreads) {
  const auto lattice = ising::Lattice::square(4, 4);
  const rbm::Rbm model = ising_rbm(4, 0.4);
  RbmChainOptions o;
  o.chains = 5;
  o.thermalization = 10;
  o.sweeps = 300;
  o.record_every = 3;
  o.blocks = 5;
  o.threads = 1;
  const RbmChainResult a = rbm_chains(model, lattice, o);
  o.threads = 3;
  const RbmChainResult b = rbm_chains(model, lattice, o);
  EXPECT_EQ(a.energy_series, b.energy_series);
  EXPECT_EQ(a.abs_magnetization_series, b.abs_magnetization_series);
  EXPECT_EQ(to_json(a).dump(), to_json(b).dump());
  EXPECT_EQ(a.observables.samples, 5u * 100u);
  // Another seed gives another chain.
  o.seed = 2;
  EXPECT_NE(rbm_chains(model, lattice, o).energy_series, a.energy_series);
}

TEST(RbmSampler, BadInputIsAClearError) {
  const auto lattice = ising::Lattice::square(4, 4);
  const rbm::Rbm model = product_rbm(4, 0.1);
  const auto run = [&](RbmChainOptions o) { return rbm_chains(model, lattice, o); };
  RbmChainOptions o;
  o.sweeps = 20;
  o.thermalization = 0;
  o.blocks = 2;
  // Each change of the valid options alone, and the key its error names.
  const std::vector<std::pair<void (*)(RbmChainOptions&), std::string>> cases = {
      {[](RbmChainOptions& x) { x.chains = 0; }, "chains"},
      {[](RbmChainOptions& x) { x.sweeps = 0; }, "sweeps"},
      {[](RbmChainOptions& x) { x.thermalization = -1; }, "thermalization"},
      {[](RbmChainOptions& x) { x.record_every = 0; }, "record_every"},
      {[](RbmChainOptions& x) { x.blocks = 0; }, "blocks"},
      {[](RbmChainOptions& x) { x.blocks = 21; }, "blocks"},
      {[](RbmChainOptions& x) {
         x.chains = 1;
         x.blocks = 1;
       },
       "blocks"},
      {[](RbmChainOptions& x) { x.threads = -1; }, "threads"},
      {[](RbmChainOptions& x) { x.T = 0; }, "T"},
      {[](RbmChainOptions& x) { x.T = -2; }, "T"},
      {[](RbmChainOptions& x) { x.J = 0; }, "J"},
  };
  for (const auto& [change, key] : cases) {
    RbmChainOptions x = o;
    change(x);
    EXPECT_EQ(config_error_key([&] { run(x); }), key);
  }
  EXPECT_THROW(rbm_chains(model, ising::Lattice::square(5, 5), o), ShapeError);
  EXPECT_NO_THROW(run(o));
}

TEST(RbmSampler, DifferenceInSigma) {
  EXPECT_DOUBLE_EQ(difference_in_sigma({1.0, 0.3}, {0.0, 0.4}), 2.0);
  EXPECT_DOUBLE_EQ(difference_in_sigma({1.0, 0.5}, {0.0, 0.0}), 2.0);
  EXPECT_TRUE(std::isnan(difference_in_sigma({1.0, 0.0}, {0.0, 0.0})));
  EXPECT_TRUE(std::isnan(difference_in_sigma({NAN, 0.1}, {0.0, 0.1})));
}

}  // namespace
}  // namespace deeprg::analysis
