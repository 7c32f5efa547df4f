#include "deeprg/rg/renormalized_couplings.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "../test_support.hpp"
#include "deeprg/core/error.hpp"
#include "deeprg/core/rng.hpp"
#include "deeprg/mc/sampler.hpp"
#include "deeprg/rg/mcrg.hpp"

namespace deeprg::rg {
namespace {

const std::vector<std::string> kBasis = {"nn", "nnn", "3nn", "plaq", "m", "3spin"};

// Every configuration of `lattice`, configuration x having s_i = −1 where bit i of x is set (the
// indexing of expand_in_spin_products).
io::SpinSamples all_states(const ising::Lattice& lattice) {
  const std::size_t n = lattice.sites(), count = std::size_t{1} << n;
  io::SpinSamples s{lattice, count, std::vector<std::int8_t>(count * n)};
  for (std::size_t x = 0; x < count; ++x)
    for (std::size_t i = 0; i < n; ++i) s.spins[x * n + i] = (x >> i) & 1 ? -1 : 1;
  return s;
}

// −βH(s) = Σ_α K_α S_α(s) at every configuration, through mcrg's interaction_sums (an
// independent evaluation of the interactions).
std::vector<double> minus_beta_h(const io::SpinSamples& states, const std::vector<double>& K,
                                 const std::vector<std::string>& names) {
  const auto couplings = parse_couplings(names, states.lattice.dim);
  std::vector<double> out(states.count);
  for (std::size_t x = 0; x < states.count; ++x) {
    const auto sums = interaction_sums(states.lattice, states.sample(x), couplings);
    for (std::size_t a = 0; a < K.size(); ++a) out[x] += K[a] * sums[a];
  }
  return out;
}

TEST(SpinProductExpansion, SingleProductsAndConstant) {
  // f(s) = 3 + 2 s_0 s_2 − s_1 on three spins: exactly three non-zero coefficients.
  std::vector<double> f(8);
  for (std::size_t x = 0; x < 8; ++x) {
    auto s = [x](int i) { return (x >> i) & 1 ? -1.0 : 1.0; };
    f[x] = 3 + 2 * s(0) * s(2) - s(1);
  }
  const auto j = expand_in_spin_products(f);
  for (std::size_t mask = 0; mask < 8; ++mask) {
    const double expected = mask == 0 ? 3 : mask == 0b101 ? 2 : mask == 0b010 ? -1 : 0;
    EXPECT_NEAR(j[mask], expected, 1e-15) << "mask " << mask;
  }
  EXPECT_THROW(expand_in_spin_products(std::vector<double>(6)), ShapeError);
  EXPECT_THROW(expand_in_spin_products({1.0, std::nan("")}), Error);
}

TEST(ExactCouplings, RecoversEveryCouplingOfAKnownHamiltonian) {
  const auto lattice = ising::Lattice::square(4, 4);
  const auto states = all_states(lattice);
  const std::vector<double> K = {0.31, -0.12, 0.07, 0.045, 0.02, -0.013};
  const auto exact = exact_couplings(lattice, minus_beta_h(states, K, kBasis), kBasis);
  ASSERT_EQ(exact.couplings.size(), K.size());
  for (std::size_t a = 0; a < K.size(); ++a) {
    EXPECT_EQ(exact.couplings[a].name, kBasis[a]);
    EXPECT_NEAR(exact.couplings[a].value, K[a], 1e-13) << kBasis[a];
    EXPECT_LT(exact.couplings[a].spread, 1e-13) << kBasis[a];
  }
  EXPECT_NEAR(exact.constant, 0, 1e-13);
  EXPECT_LT(exact.largest_outside, 1e-13);
  // A smaller basis reports what it misses: the largest is the pair at distance 2, which S_3nn
  // holds twice on L = 4 (offsets +2 and −2 coincide), so its coefficient is 2 × 0.07.
  const auto partial = exact_couplings(lattice, minus_beta_h(states, K, kBasis), {"nn", "nnn"});
  EXPECT_NEAR(partial.largest_outside, 0.14, 1e-13);
  EXPECT_EQ(partial.largest_outside_spins, 2);
  EXPECT_NEAR(partial.couplings[0].value, 0.31, 1e-13);
}

// An RBM whose hidden spins sit on a 4×4 torus and whose visible spins are the bonds, each
// coupled with weight w to its two end points: summing a bond's visible spin out gives
// ln 2cosh(w(h_i + h_j)) = const + ½ ln cosh(2w) h_i h_j, a pure nearest-neighbour hidden
// Hamiltonian (Eq. 22) with K = ½ ln cosh 2w.
TEST(ExactCouplings, HiddenHamiltonianOfABondRbmIsNearestNeighbour) {
  const auto lattice = ising::Lattice::square(4, 4);
  const double w = 0.7;
  rbm::Rbm64 model(32, 16, rbm::Units::spin, rbm::Units::spin);
  std::size_t bond = 0;
  for (int y = 0; y < 4; ++y)
    for (int x = 0; x < 4; ++x) {
      const int i = y * 4 + x;
      for (int j : {y * 4 + (x + 1) % 4, ((y + 1) % 4) * 4 + x}) {
        model.W(bond, static_cast<std::size_t>(i)) = w;
        model.W(bond, static_cast<std::size_t>(j)) = w;
        ++bond;
      }
    }
  const auto values = rbm_hidden_log_weights(model, lattice);
  const auto exact = exact_couplings(lattice, values, kBasis);
  EXPECT_NEAR(exact.couplings[0].value, 0.5 * std::log(std::cosh(2 * w)), 1e-13);
  for (std::size_t a = 1; a < exact.couplings.size(); ++a)
    EXPECT_NEAR(exact.couplings[a].value, 0, 1e-13) << kBasis[a];
  EXPECT_LT(exact.largest_outside, 1e-13);
  // The same model in float32 and with the threads split differently: the same numbers.
  EXPECT_EQ(rbm_hidden_log_weights(model, lattice, 1), rbm_hidden_log_weights(model, lattice, 2));
  EXPECT_THROW(rbm_hidden_log_weights(model, ising::Lattice::square(4, 5)), ConfigError);
}

// With every configuration weighted by its exact probability the pseudo-likelihood's maximum is
// the true coupling vector (the estimator is consistent): a check of the local fields and of
// the Newton solve that owes nothing to sampling.
TEST(FitCouplings, PopulationMaximumIsTheTrueHamiltonian) {
  const auto lattice = ising::Lattice::square(4, 4);
  const auto states = all_states(lattice);
  const std::vector<double> K = {0.35, -0.1, 0.05, 0.08, 0.03, -0.02};
  std::vector<double> weights = minus_beta_h(states, K, kBasis);
  for (double& v : weights) v = std::exp(v);
  CouplingFitOptions options;
  options.couplings = kBasis;
  const CouplingFit fit = fit_couplings(states, weights, options);
  for (std::size_t a = 0; a < K.size(); ++a) {
    EXPECT_NEAR(fit.values[a].value, K[a], 1e-10) << kBasis[a];
    EXPECT_TRUE(std::isnan(fit.values[a].error));
  }
  EXPECT_LT(fit.pseudo_log_likelihood, 0);
  EXPECT_GT(fit.pseudo_log_likelihood, -std::log(2.0));
  // 1D: a ring of 12 with nn, nnn and a field.
  const auto ring = all_states(ising::Lattice::chain(12));
  const std::vector<std::string> basis1 = {"nn", "nnn", "m"};
  std::vector<double> w1 = minus_beta_h(ring, {0.6, -0.2, 0.1}, basis1);
  for (double& v : w1) v = std::exp(v);
  options.couplings = basis1;
  const CouplingFit fit1 = fit_couplings(ring, w1, options);
  EXPECT_NEAR(fit1.values[0].value, 0.6, 1e-10);
  EXPECT_NEAR(fit1.values[1].value, -0.2, 1e-10);
  EXPECT_NEAR(fit1.values[2].value, 0.1, 1e-10);
}

io::SpinSamples ising_samples(double K, int L, std::size_t count, std::uint64_t seed) {
  return testing::equilibrium_samples(L, K, count, seed, mc::Algorithm::swendsen_wang);
}

// Equilibrium samples of the nearest-neighbour model: the fit gives K and zero for every other
// coupling, within 4 jackknife standard errors; and the same bits for any thread count.
TEST(FitCouplings, RecoversTheIsingCouplingFromSamples) {
  const double K = 0.35;
  const auto samples = ising_samples(K, 16, 2000, 5);
  CouplingFitOptions options;
  options.couplings = {"nn", "nnn", "plaq", "m"};
  options.threads = 1;
  const CouplingFit fit = fit_couplings(samples, options);
  ASSERT_EQ(fit.values.size(), 4u);
  for (std::size_t a = 0; a < 4; ++a) {
    const double expected = a == 0 ? K : 0.0;
    EXPECT_GT(fit.values[a].error, 0);
    EXPECT_LT(fit.values[a].error, 0.01) << options.couplings[a];
    EXPECT_NEAR(fit.values[a].value, expected, 4 * fit.values[a].error) << options.couplings[a];
  }
  options.threads = 2;
  const CouplingFit again = fit_couplings(samples, options);
  for (std::size_t a = 0; a < 4; ++a) {
    EXPECT_EQ(again.values[a].value, fit.values[a].value);
    EXPECT_EQ(again.values[a].error, fit.values[a].error);
  }
  EXPECT_EQ(to_json(fit)["couplings"]["nn"].get<double>(), fit.values[0].value);
}

TEST(FitCouplings, FlowUnderMajorityRuleKeepsTheLevels) {
  const auto samples = ising_samples(0.4407, 16, 400, 9);
  BlockSpinOptions block;
  CouplingFitOptions options;
  options.couplings = {"nn", "nnn", "plaq"};
  const auto flow = coupling_flow(
      samples, [&](const io::SpinSamples& s, int k) { return block_spin(s, block, k); }, 2,
      options);
  ASSERT_EQ(flow.size(), 3u);
  EXPECT_EQ(flow[1].lx, 8);
  EXPECT_EQ(flow[2].lx, 4);
  EXPECT_EQ(flow[2].level, 2);
  EXPECT_NEAR(flow[0].values[0].value, 0.4407, 4 * flow[0].values[0].error);
  // Majority rule at K_c produces a positive next-nearest coupling (Swendsen 1984).
  EXPECT_GT(flow[1].values[1].value, 0);
  EXPECT_THROW(coupling_flow(samples, nullptr, -1, options), ConfigError);
  // A flow that reaches perfect order ends there, saying why, instead of failing.
  auto ordered = samples;
  std::fill(ordered.spins.begin(), ordered.spins.end(), std::int8_t{1});
  const auto frozen = coupling_flow(
      ordered, [&](const io::SpinSamples& s, int k) { return block_spin(s, block, k); }, 2,
      options);
  ASSERT_EQ(frozen.size(), 1u);
  EXPECT_NE(frozen[0].note.find("nn"), std::string::npos) << frozen[0].note;
  EXPECT_TRUE(std::isnan(frozen[0].values[0].value));
  EXPECT_TRUE(to_json(frozen)[0].contains("note"));
}

TEST(FitCouplings, ClearErrorsForSamplesThatDoNotDetermineTheCouplings) {
  auto ordered = ising_samples(0.35, 8, 40, 1);
  std::fill(ordered.spins.begin(), ordered.spins.end(), std::int8_t{1});
  CouplingFitOptions options;
  options.couplings = {"nn"};
  try {
    fit_couplings(ordered, options);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("nn"), std::string::npos) << e.what();
  }
  const auto samples = ising_samples(0.35, 8, 40, 1);
  options.jackknife_blocks = 41;
  EXPECT_THROW(fit_couplings(samples, options), ConfigError);
  options.jackknife_blocks = 1;
  EXPECT_THROW(fit_couplings(samples, options), ConfigError);
  options.jackknife_blocks = 10;
  options.couplings = {"nn", "bogus"};
  EXPECT_THROW(fit_couplings(samples, options), ConfigError);
  options.couplings = {"5nn"};  // reach 2: sides of 4 needed, fine on 8; 3×3 is too small
  const auto tiny = ising_samples(0.35, 3, 40, 1);
  EXPECT_THROW(fit_couplings(tiny, options), ShapeError);
  const std::vector<double> bad = {1.0};
  EXPECT_THROW(fit_couplings(samples, bad, options), ShapeError);
}

}  // namespace
}  // namespace deeprg::rg
