#include "deeprg/rbm/estimators.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "brute_force.hpp"
#include "deeprg/core/error.hpp"
#include "deeprg/core/rng.hpp"
#include "deeprg/rbm/unit_functions.hpp"

namespace deeprg::rbm {
namespace {

using testing::log_sum_exp;
using testing::minus_energy;
using testing::unit_value;

constexpr Units kB = Units::bernoulli;
constexpr Units kS = Units::spin;
const Units kUnitPairs[4][2] = {{kB, kB}, {kB, kS}, {kS, kB}, {kS, kS}};

Rbm random_rbm(std::size_t nv, std::size_t nh, Units uv, Units uh, double w_scale,
               double bias_scale, std::uint64_t seed, double visible_shift = 0) {
  return testing::random_rbm<float>(nv, nh, uv, uh, w_scale, bias_scale, seed, visible_shift);
}

// The vectorised layer sum against the scalar terms added in order: each term within a few ulps,
// over lengths that are and are not multiples of the vector width, and fields from 0 to ±800.
TEST(SumLogUnit, MatchesScalarTerms) {
  Rng rng(17);
  for (const Units u : {kB, kS}) {
    for (const std::size_t n : {0, 1, 7, 8, 9, 400, 1603}) {
      std::vector<double> x(n);
      for (std::size_t j = 0; j < n; ++j) {
        const double scale = j % 5 == 0 ? 800.0 : (j % 5 == 1 ? 1e-9 : 6.0);
        x[j] = (2 * rng.uniform() - 1) * scale;
      }
      if (n > 2) x[2] = 0.0;
      double expected = 0, magnitude = 0;
      for (const double xj : x) {
        expected += log_unit_sum(u, xj);
        magnitude += std::abs(log_unit_sum(u, xj));
      }
      EXPECT_NEAR(sum_log_unit(u, x.data(), n), expected, 1e-15 * magnitude + 1e-300)
          << to_string(u) << " n = " << n;
    }
  }
  const double nan = std::numeric_limits<double>::quiet_NaN();
  std::vector<double> with_nan(9, 1.0);
  with_nan[3] = nan;
  EXPECT_TRUE(std::isnan(sum_log_unit(kB, with_nan.data(), with_nan.size())));
}

/// The same joint distribution with the layers' roles swapped.
Rbm swapped(const Rbm& rbm) {
  Rbm t(rbm.n_hidden(), rbm.n_visible(), rbm.hidden, rbm.visible);
  for (std::size_t i = 0; i < rbm.n_visible(); ++i)
    for (std::size_t j = 0; j < rbm.n_hidden(); ++j) t.W(j, i) = rbm.W(i, j);
  t.visible_bias = rbm.hidden_bias;
  t.hidden_bias = rbm.visible_bias;
  return t;
}

/// ln Z by the double loop over every visible and every hidden state.
double brute_log_z(const Rbm& rbm) {
  std::vector<long double> terms;
  for (std::uint64_t v = 0; v < (1u << rbm.n_visible()); ++v)
    for (std::uint64_t h = 0; h < (1u << rbm.n_hidden()); ++h)
      terms.push_back(minus_energy(rbm, v, h));
  return static_cast<double>(log_sum_exp(terms));
}

/// −F(v) = ln Σ_h e^{−E(v, h)} by brute force.
long double brute_minus_free_energy(const Rbm& rbm, std::uint64_t v) {
  std::vector<long double> terms;
  for (std::uint64_t h = 0; h < (1u << rbm.n_hidden()); ++h)
    terms.push_back(minus_energy(rbm, v, h));
  return log_sum_exp(terms);
}

/// ln Z summing the hidden states one by one and each visible unit in closed form, stably.
double hidden_sum_log_z(const Rbm& rbm) {
  std::vector<long double> terms;
  for (std::uint64_t h = 0; h < (std::uint64_t{1} << rbm.n_hidden()); ++h) {
    long double t = 0;
    for (std::size_t j = 0; j < rbm.n_hidden(); ++j)
      t += rbm.hidden_bias[j] * unit_value(rbm.hidden, (h >> j) & 1);
    for (std::size_t i = 0; i < rbm.n_visible(); ++i) {
      long double y = rbm.visible_bias[i];
      for (std::size_t j = 0; j < rbm.n_hidden(); ++j)
        y += static_cast<long double>(rbm.W(i, j)) * unit_value(rbm.hidden, (h >> j) & 1);
      const long double lo = rbm.visible == kS ? -y : 0, hi = y;
      const long double m = std::max(lo, hi);
      t += m + std::log(std::exp(lo - m) + std::exp(hi - m));
    }
    terms.push_back(t);
  }
  return static_cast<double>(log_sum_exp(terms));
}

MatrixF random_data(std::size_t rows, std::size_t nv, Units u, std::uint64_t seed) {
  MatrixF v(rows, nv);
  Rng rng(seed);
  for (auto& x : v.data) x = static_cast<float>(unit_value(u, rng() >> 63));
  return v;
}

// ---------------------------------------------------------------- exact ln Z

TEST(ExactLogZ, MatchesBruteForceOverBothLayers) {
  std::uint64_t seed = 10;
  for (const auto& units : kUnitPairs) {
    for (const auto& [nv, nh] : {std::pair{6, 4}, {4, 7}, {5, 5}, {1, 3}, {3, 0}}) {
      const Rbm rbm = random_rbm(nv, nh, units[0], units[1], 0.7, 0.5, ++seed);
      EXPECT_NEAR(exact_log_z(rbm, 1), brute_log_z(rbm), 1e-10)
          << to_string(units[0]) << "/" << to_string(units[1]) << " " << nv << "x" << nh;
    }
  }
}

TEST(ExactLogZ, EitherLayerEnumeratedGivesTheSameAnswer) {
  for (const auto& units : kUnitPairs) {
    const Rbm rbm = random_rbm(6, 4, units[0], units[1], 0.8, 0.6, 77);  // enumerates h
    const Rbm t = swapped(rbm);                                          // enumerates v
    EXPECT_NEAR(exact_log_z(rbm), exact_log_z(t), 1e-11);
    EXPECT_NEAR(exact_log_z(t), brute_log_z(t), 1e-10);
  }
}

TEST(ExactLogZ, ManyBlocksMatchSingleLayerSum) {
  // 14 enumerated units: several blocks of the Gray-code walk, all unit types.
  for (const auto& units : kUnitPairs) {
    const Rbm rbm = random_rbm(20, 14, units[0], units[1], 0.3, 0.4, 5);
    EXPECT_NEAR(exact_log_z(rbm, 2), hidden_sum_log_z(rbm), 1e-10);
  }
}

TEST(ExactLogZ, ExtremeFieldsStayFinite) {
  // Fields beyond e^±600 take the per-unit path; groups of units whose product would overflow
  // take per-lane logarithms.
  for (const double scale : {15.0, 200.0}) {
    for (const auto& units : kUnitPairs) {
      const Rbm rbm = random_rbm(40, 4, units[0], units[1], scale, scale, 6);
      const double expected = hidden_sum_log_z(rbm);
      EXPECT_NEAR(exact_log_z(rbm), expected, 1e-12 * std::abs(expected) + 1e-10) << scale;
    }
  }
  const Rbm small = random_rbm(5, 3, kS, kB, 300.0, 100.0, 8);
  EXPECT_NEAR(exact_log_z(small), brute_log_z(small), 1e-9);
}

TEST(ExactLogZ, IndependentOfThreadCount) {
  const Rbm rbm = random_rbm(40, 17, kB, kS, 0.5, 0.5, 3);
  const double one = exact_log_z(rbm, 1);
  EXPECT_EQ(one, exact_log_z(rbm, 2));
  EXPECT_EQ(one, exact_log_z(rbm, 3));
  EXPECT_EQ(one, exact_log_z(rbm, 0));
}

TEST(ExactLogZ, RejectsLargeAndMalformedModels) {
  try {
    (void)exact_log_z(Rbm(40, 40));
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.key(), "log-z");
  }
  Rbm bad(4, 3);
  bad.hidden_bias.resize(2);
  EXPECT_THROW((void)exact_log_z(bad), ShapeError);
  Rbm nan(4, 3);
  nan.W(1, 1) = std::numeric_limits<float>::quiet_NaN();
  EXPECT_THROW((void)exact_log_z(nan), ConfigError);
}

// ---------------------------------------------------------------- log-likelihood and gradient

TEST(Estimators, LogLikelihoodIsNormalised) {
  for (const auto& units : kUnitPairs) {
    const Rbm rbm = random_rbm(5, 3, units[0], units[1], 0.9, 0.5, 12);
    MatrixF all(32, 5);
    for (std::uint64_t v = 0; v < 32; ++v)
      for (std::size_t i = 0; i < 5; ++i) all(v, i) = float(unit_value(units[0], (v >> i) & 1));
    const std::vector<double> ll = log_likelihood(rbm, all, exact_log_z(rbm));
    double total = 0;
    for (std::uint64_t v = 0; v < 32; ++v) {
      total += std::exp(ll[v]);
      EXPECT_NEAR(ll[v], double(brute_minus_free_energy(rbm, v)) - brute_log_z(rbm), 1e-10);
    }
    EXPECT_NEAR(total, 1.0, 1e-12);
  }
}

TEST(Estimators, GradientMatchesFiniteDifferences) {
  struct Case {
    std::size_t nv, nh;
    Units uv, uh;
  };
  const Case cases[] = {{5, 3, kB, kB}, {5, 3, kB, kS}, {5, 3, kS, kB},
                        {5, 3, kS, kS}, {3, 5, kB, kS}, {3, 5, kS, kB}};
  for (const Case& c : cases) {
    const Rbm rbm = random_rbm(c.nv, c.nh, c.uv, c.uh, 0.7, 0.5, 21);
    const MatrixF data = random_data(9, c.nv, c.uv, 22);
    const Gradient g = exact_log_likelihood_gradient(rbm, data, 2);
    auto mean_ll = [&](const Rbm& m) {
      const double log_z = exact_log_z(m, 1);
      double s = 0;
      for (const double x : log_likelihood(m, data, log_z)) s += x;
      return s / double(data.rows);
    };
    // Central differences on the float parameters: ±2^−12 is exact for these magnitudes.
    const float eps = 0x1.0p-12f;
    auto check = [&](auto&& param, double analytic, const char* what, std::size_t k) {
      Rbm plus = rbm, minus = rbm;
      param(plus) += eps;
      param(minus) -= eps;
      const double fd =
          (mean_ll(plus) - mean_ll(minus)) / (double(param(plus)) - double(param(minus)));
      EXPECT_NEAR(analytic, fd, 1e-6 * std::max(1.0, std::abs(fd)))
          << what << " " << k << " " << to_string(c.uv) << "/" << to_string(c.uh);
    };
    for (std::size_t k = 0; k < rbm.W.size(); ++k)
      check([k](Rbm& m) -> float& { return m.W.data[k]; }, g.W.data[k], "W", k);
    for (std::size_t i = 0; i < c.nv; ++i)
      check([i](Rbm& m) -> float& { return m.visible_bias[i]; }, g.visible_bias[i], "a", i);
    for (std::size_t j = 0; j < c.nh; ++j)
      check([j](Rbm& m) -> float& { return m.hidden_bias[j]; }, g.hidden_bias[j], "b", j);
  }
}

TEST(Estimators, GradientIndependentOfThreadCount) {
  const Rbm rbm = random_rbm(30, 13, kS, kB, 0.3, 0.3, 31);
  const MatrixF data = random_data(50, 30, kS, 32);
  const Gradient one = exact_log_likelihood_gradient(rbm, data, 1);
  const Gradient two = exact_log_likelihood_gradient(rbm, data, 2);
  EXPECT_EQ(one.W, two.W);
  EXPECT_EQ(one.visible_bias, two.visible_bias);
  EXPECT_EQ(one.hidden_bias, two.hidden_bias);
}

TEST(Estimators, PseudoLikelihoodMatchesExactConditionals) {
  for (const auto& units : kUnitPairs) {
    const Rbm rbm = random_rbm(4, 3, units[0], units[1], 1.0, 0.6, 41);
    const MatrixF data = random_data(6, 4, units[0], 42);
    double expected = 0;
    for (std::size_t r = 0; r < data.rows; ++r) {
      std::uint64_t bits = 0;
      for (std::size_t i = 0; i < 4; ++i) bits |= std::uint64_t(data(r, i) == 1.0f) << i;
      for (std::size_t i = 0; i < 4; ++i) {
        // p(v_i | v_−i) = p(v) / (p(v) + p(v with unit i flipped)), p(v) ∝ e^{−F(v)}.
        const long double own = brute_minus_free_energy(rbm, bits);
        const long double other = brute_minus_free_energy(rbm, bits ^ (std::uint64_t{1} << i));
        expected += double(own - log_sum_exp({own, other})) / 4.0;
      }
    }
    expected /= double(data.rows);
    EXPECT_NEAR(pseudo_log_likelihood(rbm, data), expected, 1e-10);
  }
}

TEST(Estimators, PseudoLikelihoodSamplesOneUnitPerRowOnLargeData) {
  const Rbm rbm = random_rbm(64, 8, kB, kB, 0.4, 0.3, 51);
  const MatrixF big = random_data(kPseudoLikelihoodExhaustive / 64 + 1, 64, kB, 52);
  MatrixF all = big;
  all.rows -= 1;
  all.data.resize(all.rows * all.cols);
  const double exhaustive = pseudo_log_likelihood(rbm, all);
  const double sampled = pseudo_log_likelihood(rbm, big, 7);
  EXPECT_NE(exhaustive, sampled);
  EXPECT_NEAR(sampled, exhaustive, 0.03);  // ~5 standard errors of 16385 single-unit terms
  EXPECT_EQ(sampled, pseudo_log_likelihood(rbm, big, 7));
  MatrixF fractional = all;
  fractional.data[3] = 0.5f;
  EXPECT_THROW((void)pseudo_log_likelihood(rbm, fractional), ConfigError);
}

TEST(Estimators, ReconstructionErrorOfZeroWeightModel) {
  for (const Units uv : {kB, kS}) {
    Rbm rbm = random_rbm(6, 4, uv, kB, 0.0, 0.8, 61);
    const MatrixF data = random_data(10, 6, uv, 62);
    // With W = 0 the reconstruction is E[v_i] = σ(a_i) or tanh(a_i) whatever the data.
    double expected = 0;
    for (std::size_t r = 0; r < data.rows; ++r)
      for (std::size_t i = 0; i < 6; ++i) {
        const double a = rbm.visible_bias[i];
        const double mean = uv == kS ? std::tanh(a) : 1 / (1 + std::exp(-a));
        expected += (data(r, i) - mean) * (data(r, i) - mean);
      }
    expected /= 60.0;
    EXPECT_NEAR(reconstruction_error(rbm, data), expected, 1e-6);
  }
}

TEST(Estimators, PseudoLikelihoodAndReconstructionErrorIndependentOfThreadCount) {
  // 1000 rows span several chunks of rows, which the threads share.
  const Rbm rbm = random_rbm(30, 13, kS, kB, 0.4, 0.3, 91);
  const MatrixF data = random_data(1000, 30, kS, 92);
  const double pll = pseudo_log_likelihood(rbm, data, 3, 1);
  const double error = reconstruction_error(rbm, data, 1);
  for (const int threads : {0, 2, 3}) {
    EXPECT_EQ(pseudo_log_likelihood(rbm, data, 3, threads), pll) << threads << " threads";
    EXPECT_EQ(reconstruction_error(rbm, data, threads), error) << threads << " threads";
  }
  // Each is the mean of its per-row values: the first 512 rows and the last 488 average to it.
  // The split falls on a boundary of the 128-row chunks, so every row sits in a chunk of the
  // same size as before (a float GEMM's bits may depend on its row count) and only the order
  // of the double sums changes.
  constexpr std::size_t kFirst = 512, kLast = 488;
  MatrixF first(kFirst, 30), last(kLast, 30);
  std::copy(data.data.begin(), data.data.begin() + kFirst * 30, first.data.begin());
  std::copy(data.data.begin() + kFirst * 30, data.data.end(), last.data.begin());
  EXPECT_NEAR(
      (kFirst * reconstruction_error(rbm, first, 2) + kLast * reconstruction_error(rbm, last, 2)) /
          1000.0,
      error, 1e-12);
  EXPECT_NEAR((kFirst * pseudo_log_likelihood(rbm, first, 3, 2) +
               kLast * pseudo_log_likelihood(rbm, last, 3, 2)) /
                  1000.0,
              pll, 1e-12);
}

TEST(Estimators, ShapeMismatchesThrow) {
  const Rbm rbm = random_rbm(5, 3, kB, kB, 0.5, 0.5, 71);
  const MatrixF wrong(4, 6);
  EXPECT_THROW((void)log_likelihood(rbm, wrong, 0.0), ShapeError);
  EXPECT_THROW((void)pseudo_log_likelihood(rbm, wrong), ShapeError);
  EXPECT_THROW((void)reconstruction_error(rbm, wrong), ShapeError);
  EXPECT_THROW((void)exact_log_likelihood_gradient(rbm, wrong), ShapeError);
  EXPECT_THROW((void)reconstruction_error(rbm, MatrixF(0, 5)), ShapeError);
  EXPECT_THROW((void)exact_log_likelihood_gradient(rbm, MatrixF(0, 5)), ShapeError);
  AisOptions bad_base;
  bad_base.base_visible_bias.assign(4, 0.0f);
  EXPECT_THROW((void)ais_log_z(rbm, bad_base), ShapeError);
}

TEST(Estimators, EstimateLogZChoosesTheMethod) {
  const Rbm rbm = random_rbm(30, 10, kB, kB, 0.2, 0.3, 81);
  AisOptions ais;
  ais.chains = 16;
  ais.intermediate = 200;
  const LogZEstimate exact = estimate_log_z(rbm, "exact", ais);
  EXPECT_EQ(exact.method, "exact");
  EXPECT_EQ(exact.error, 0.0);
  EXPECT_EQ(exact.log_z, exact_log_z(rbm));
  EXPECT_EQ(estimate_log_z(rbm, "auto", ais).method, "exact");
  EXPECT_EQ(estimate_log_z(rbm, "auto", ais, 8).method, "ais");
  EXPECT_EQ(estimate_log_z(rbm, "ais", ais).method, "ais");
  for (const auto& [method, limit] :
       {std::pair{"exact", std::size_t{8}}, {"magic", std::size_t{24}}}) {
    try {
      (void)estimate_log_z(rbm, method, ais, limit);
      FAIL() << method;
    } catch (const ConfigError& e) {
      EXPECT_EQ(e.key(), "log-z");
    }
  }
}

// ---------------------------------------------------------------- AIS

TEST(Ais, BetaScheduleIsIncreasingWithFinestStepsNearOne) {
  for (const int k : {0, 1, 2, 3, 7, 100, 14500}) {
    const std::vector<double> b = ais_betas(k);
    ASSERT_EQ(b.size(), std::size_t(k) + 2);
    EXPECT_EQ(b.front(), 0.0);
    EXPECT_EQ(b.back(), 1.0);
    for (std::size_t i = 1; i < b.size(); ++i) EXPECT_LT(b[i - 1], b[i]);
  }
  const std::vector<double> b = ais_betas(14500);
  EXPECT_EQ(std::count_if(b.begin(), b.end(), [](double x) { return x > 0 && x <= 0.5; }), 500);
  EXPECT_EQ(std::count_if(b.begin(), b.end(), [](double x) { return x > 0.5 && x <= 0.9; }), 4000);
  EXPECT_THROW((void)ais_betas(-1), ConfigError);
}

TEST(Ais, BaseModelIsExactWhenNothingAnneals) {
  // W = 0, b = 0 and the base biases equal to a: every intermediate model is the base model.
  for (const auto& units : kUnitPairs) {
    Rbm rbm = random_rbm(12, 5, units[0], units[1], 0.0, 0.7, 91);
    std::fill(rbm.hidden_bias.begin(), rbm.hidden_bias.end(), 0.0f);
    AisOptions o;
    o.chains = 4;
    o.intermediate = 10;
    const LogZEstimate est = ais_log_z(rbm, o);
    EXPECT_NEAR(est.log_z, exact_log_z(rbm), 1e-12);
    EXPECT_NEAR(est.error, 0.0, 1e-12);
  }
}

struct AisCase {
  const char* name;
  Units uv, uh;
  double w_scale, bias_scale, visible_shift;
  std::size_t nh;
};

TEST(Ais, AgreesWithExactWithinErrorBars) {
  // ~100 visible units and few enough hidden ones for exact ln Z through the hidden layer.
  const AisCase cases[] = {
      {"bernoulli small weights", kB, kB, 0.1, 0.5, 0.0, 16},
      {"spin weights 0.3", kS, kS, 0.3, 0.2, 0.0, 12},
      {"bernoulli/spin weights 0.3", kB, kS, 0.3, 0.3, -0.5, 14},
      {"trained-looking", kB, kB, 1.0, 1.0, -1.5, 12},
  };
  for (const AisCase& c : cases) {
    const Rbm rbm =
        random_rbm(100, c.nh, c.uv, c.uh, c.w_scale, c.bias_scale, 101, c.visible_shift);
    AisOptions o;
    o.chains = 64;
    o.intermediate = 2000;
    o.seed = 5;
    o.reverse = true;
    const LogZEstimate est = ais_log_z(rbm, o);
    const double exact = exact_log_z(rbm);
    EXPECT_EQ(est.method, "ais");
    EXPECT_LT(est.error, 1.0) << c.name;
    EXPECT_LT(std::abs(est.log_z - exact), 4 * est.error + 1e-3)
        << c.name << ": AIS " << est.log_z << " ± " << est.error << ", exact " << exact;
    ASSERT_TRUE(est.has_reverse);
    EXPECT_LT(std::abs(est.reverse_log_z - exact), 4 * est.reverse_error + 1e-3)
        << c.name << ": reverse " << est.reverse_log_z << " ± " << est.reverse_error;
    EXPECT_GT(est.effective_chains, 1.0);
  }
}

TEST(Ais, IndependentOfThreadCount) {
  const Rbm rbm = random_rbm(30, 8, kS, kB, 0.4, 0.3, 111);
  AisOptions o;
  o.chains = 9;
  o.intermediate = 300;
  o.reverse = true;
  o.threads = 1;
  const LogZEstimate one = ais_log_z(rbm, o);
  o.threads = 3;
  const LogZEstimate three = ais_log_z(rbm, o);
  EXPECT_EQ(one.log_z, three.log_z);
  EXPECT_EQ(one.error, three.error);
  EXPECT_EQ(one.reverse_log_z, three.reverse_log_z);
  o.seed = 2;
  EXPECT_NE(ais_log_z(rbm, o).log_z, one.log_z);
}

TEST(Ais, RejectsBadOptions) {
  const Rbm rbm = random_rbm(5, 3, kB, kB, 0.5, 0.5, 121);
  AisOptions o;
  o.chains = 0;
  try {
    (void)ais_log_z(rbm, o);
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.key(), "ais-chains");
  }
  o.chains = 2;
  o.intermediate = -3;
  try {
    (void)ais_log_z(rbm, o);
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.key(), "ais-intermediate");
  }
}

}  // namespace
}  // namespace deeprg::rbm
