#include "deeprg/rbm/rbm.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "deeprg/core/error.hpp"
#include "deeprg/core/rng.hpp"

namespace deeprg::rbm {
namespace {

constexpr Units kB = Units::bernoulli;
constexpr Units kS = Units::spin;
const Units kUnitPairs[4][2] = {{kB, kB}, {kB, kS}, {kS, kB}, {kS, kS}};

float value_of(Units u, std::uint64_t bit) { return bit ? 1.0f : (u == kS ? -1.0f : 0.0f); }

std::vector<float> state(Units u, std::uint64_t bits, std::size_t n) {
  std::vector<float> s(n);
  for (std::size_t i = 0; i < n; ++i) s[i] = value_of(u, (bits >> i) & 1);
  return s;
}

Rbm random_model(std::size_t nv, std::size_t nh, Units uv, Units uh, std::uint64_t seed) {
  Rbm rbm(nv, nh, uv, uh);
  Rng rng(seed);
  std::normal_distribution<double> normal;
  for (auto& w : rbm.W.data) w = static_cast<float>(0.8 * normal(rng));
  for (auto& a : rbm.visible_bias) a = static_cast<float>(0.5 * normal(rng));
  for (auto& b : rbm.hidden_bias) b = static_cast<float>(0.5 * normal(rng));
  return rbm;
}

/// −E(v, h) written out independently of rbm.cpp.
double minus_energy(const Rbm& rbm, const std::vector<float>& v, const std::vector<float>& h) {
  double s = 0;
  for (std::size_t i = 0; i < v.size(); ++i) {
    s += double(rbm.visible_bias[i]) * v[i];
    for (std::size_t j = 0; j < h.size(); ++j) s += double(rbm.W(i, j)) * v[i] * h[j];
  }
  for (std::size_t j = 0; j < h.size(); ++j) s += double(rbm.hidden_bias[j]) * h[j];
  return s;
}

double log_sum_exp(const std::vector<double>& x) {
  const double m = *std::max_element(x.begin(), x.end());
  double s = 0;
  for (const double v : x) s += std::exp(v - m);
  return m + std::log(s);
}

double brute_log_z(const Rbm& rbm) {
  std::vector<double> terms;
  for (std::uint64_t v = 0; v < (1u << rbm.n_visible()); ++v)
    for (std::uint64_t h = 0; h < (1u << rbm.n_hidden()); ++h)
      terms.push_back(minus_energy(rbm, state(rbm.visible, v, rbm.n_visible()),
                                   state(rbm.hidden, h, rbm.n_hidden())));
  return log_sum_exp(terms);
}

MatrixF all_states(Units u, std::size_t n) {
  MatrixF m(std::size_t{1} << n, n);
  for (std::uint64_t s = 0; s < m.rows; ++s) {
    const auto row = state(u, s, n);
    std::copy(row.begin(), row.end(), m.row(s).begin());
  }
  return m;
}

TEST(RbmCore, EnergyMatchesHandComputation) {
  Rbm rbm(2, 2, kB, kS);
  rbm.W(0, 0) = 0.5f;
  rbm.W(0, 1) = -1.0f;
  rbm.W(1, 0) = 2.0f;
  rbm.W(1, 1) = 0.25f;
  rbm.visible_bias = {0.1f, -0.3f};
  rbm.hidden_bias = {0.7f, 0.2f};
  const std::vector<float> v = {1, 1}, h = {1, -1};
  // −(vᵀWh) − aᵀv − bᵀh = −(0.5 + 1 + 2 − 0.25) − (0.1 − 0.3) − (0.7 − 0.2) = −3.55
  EXPECT_NEAR(energy(rbm, v, h), -3.55, 1e-6);
  EXPECT_NEAR(energy(rbm, std::vector<float>{0, 1}, h), -(2.0 - 0.25) + 0.3 - 0.5, 1e-6);
}

TEST(RbmCore, FreeEnergyMatchesBruteForce) {
  for (const auto& units : kUnitPairs) {
    const Rbm rbm = random_model(5, 4, units[0], units[1], 3);
    const MatrixF v = all_states(units[0], 5);
    const std::vector<double> f = free_energy(rbm, v);
    for (std::uint64_t s = 0; s < v.rows; ++s) {
      std::vector<double> terms;
      const std::vector<float> vs(v.row(s).begin(), v.row(s).end());
      for (std::uint64_t h = 0; h < 16; ++h) {
        terms.push_back(minus_energy(rbm, vs, state(units[1], h, 4)));
        EXPECT_NEAR(energy(rbm, vs, state(units[1], h, 4)), -terms.back(), 1e-5);
      }
      EXPECT_NEAR(f[s], -log_sum_exp(terms), 1e-5);
    }
  }
}

TEST(RbmCore, ConditionalMeansAreExact) {
  for (const auto& units : kUnitPairs) {
    const Rbm rbm = random_model(4, 3, units[0], units[1], 5);
    // E[h | v] from activations against Σ_h h e^{−E} / Σ_h e^{−E}.
    const MatrixF v = all_states(units[0], 4);
    MatrixF x;
    hidden_activation(rbm, v, x);
    mean_from_activation(units[1], x);
    for (std::uint64_t s = 0; s < v.rows; ++s) {
      const std::vector<float> vs(v.row(s).begin(), v.row(s).end());
      std::vector<double> num(3, 0.0);
      double den = 0;
      for (std::uint64_t h = 0; h < 8; ++h) {
        const auto hs = state(units[1], h, 3);
        const double w = std::exp(minus_energy(rbm, vs, hs));
        den += w;
        for (std::size_t j = 0; j < 3; ++j) num[j] += w * hs[j];
      }
      for (std::size_t j = 0; j < 3; ++j) EXPECT_NEAR(x(s, j), num[j] / den, 1e-6);
    }
    // E[v | h] likewise.
    const MatrixF h = all_states(units[1], 3);
    MatrixF y;
    visible_activation(rbm, h, y);
    mean_from_activation(units[0], y);
    for (std::uint64_t s = 0; s < h.rows; ++s) {
      const std::vector<float> hs(h.row(s).begin(), h.row(s).end());
      std::vector<double> num(4, 0.0);
      double den = 0;
      for (std::uint64_t vb = 0; vb < 16; ++vb) {
        const auto vs = state(units[0], vb, 4);
        const double w = std::exp(minus_energy(rbm, vs, hs));
        den += w;
        for (std::size_t i = 0; i < 4; ++i) num[i] += w * vs[i];
      }
      for (std::size_t i = 0; i < 4; ++i) EXPECT_NEAR(y(s, i), num[i] / den, 1e-6);
    }
  }
}

TEST(RbmCore, SampleFrequenciesMatchConditionals) {
  const std::vector<float> activations = {-2.0f, -0.3f, 0.0f, 0.4f, 1.5f};
  constexpr std::size_t kRows = 20000;
  for (const Units u : {kB, kS}) {
    MatrixF x(kRows, activations.size());
    for (std::size_t r = 0; r < kRows; ++r)
      std::copy(activations.begin(), activations.end(), x.row(r).begin());
    std::vector<Rng> rngs;
    for (std::size_t r = 0; r < kRows; ++r) rngs.emplace_back(17, r);
    sample_from_activation(u, x, rngs);
    for (std::size_t j = 0; j < activations.size(); ++j) {
      const double k = u == kS ? 2.0 : 1.0;
      const double p = 1 / (1 + std::exp(-k * activations[j]));
      std::size_t high = 0;
      for (std::size_t r = 0; r < kRows; ++r) {
        const float s = x(r, j);
        ASSERT_TRUE(s == 1.0f || s == (u == kS ? -1.0f : 0.0f));
        high += s == 1.0f;
      }
      const double sigma = std::sqrt(p * (1 - p) / kRows);
      EXPECT_NEAR(double(high) / kRows, p, 4 * sigma) << to_string(u) << " x = " << activations[j];
    }
  }
  MatrixF x(3, 2);
  std::vector<Rng> two(2, Rng(1));
  EXPECT_THROW(sample_from_activation(kB, x, two), ShapeError);
}

TEST(RbmCore, ConvertUnitsPreservesTheJointDistribution) {
  for (const auto& from : kUnitPairs) {
    for (const auto& to : kUnitPairs) {
      const Rbm rbm = random_model(4, 3, from[0], from[1], 7);
      const Rbm out = convert_units(rbm, to[0], to[1]);
      ASSERT_EQ(out.visible, to[0]);
      ASSERT_EQ(out.hidden, to[1]);
      const double z_old = brute_log_z(rbm), z_new = brute_log_z(out);
      const double shift = out.meta.at("log_z_shift").get<double>();
      EXPECT_NEAR(z_new - z_old, shift, 1e-5);
      // ln p(v, h) is the same for every state, mapped by bit pattern (high ↔ high).
      for (std::uint64_t v = 0; v < 16; ++v)
        for (std::uint64_t h = 0; h < 8; ++h) {
          const double lp_old =
              minus_energy(rbm, state(from[0], v, 4), state(from[1], h, 3)) - z_old;
          const double lp_new = minus_energy(out, state(to[0], v, 4), state(to[1], h, 3)) - z_new;
          EXPECT_NEAR(lp_new, lp_old, 1e-5);
          // The energies differ by the constant alone: −E_new = −E_old + shift.
          EXPECT_NEAR(minus_energy(out, state(to[0], v, 4), state(to[1], h, 3)),
                      minus_energy(rbm, state(from[0], v, 4), state(from[1], h, 3)) + shift, 1e-5);
        }
      // Converting back restores the parameters and accumulates a zero shift.
      const Rbm back = convert_units(out, from[0], from[1]);
      for (std::size_t k = 0; k < rbm.W.size(); ++k)
        EXPECT_NEAR(back.W.data[k], rbm.W.data[k], 1e-6);
      for (std::size_t i = 0; i < 4; ++i)
        EXPECT_NEAR(back.visible_bias[i], rbm.visible_bias[i], 1e-5);
      for (std::size_t j = 0; j < 3; ++j)
        EXPECT_NEAR(back.hidden_bias[j], rbm.hidden_bias[j], 1e-5);
      EXPECT_NEAR(back.meta.at("log_z_shift").get<double>(), 0.0, 1e-5);
    }
  }
}

TEST(RbmCore, UnitNamesAndValidation) {
  EXPECT_EQ(parse_units(to_string(kS)), kS);
  EXPECT_EQ(parse_units(to_string(kB)), kB);
  try {
    (void)parse_units("ising", "visible");
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.key(), "visible");
  }
  Rbm rbm(3, 2);
  EXPECT_NO_THROW(rbm.validate());
  rbm.visible_bias.push_back(0);
  EXPECT_THROW(rbm.validate(), ShapeError);
  rbm.visible_bias.pop_back();
  rbm.hidden_bias[1] = std::numeric_limits<float>::infinity();
  EXPECT_THROW(rbm.validate(), ConfigError);
  MatrixF x;
  EXPECT_THROW(hidden_activation(Rbm(3, 2), MatrixF(2, 4), x), ShapeError);
  EXPECT_THROW(visible_activation(Rbm(3, 2), MatrixF(2, 3), x), ShapeError);
}

TEST(RbmCore, SpinsToVisible) {
  const std::vector<std::int8_t> spins = {1, -1, -1, 1, 1, -1};
  const MatrixF b = spins_to_visible(spins, 2, 3, kB);
  EXPECT_EQ(b.data, (std::vector<float>{1, 0, 0, 1, 1, 0}));
  const MatrixF s = spins_to_visible(spins, 3, 2, kS);
  EXPECT_EQ(s.rows, 3u);
  EXPECT_EQ(s.data, (std::vector<float>{1, -1, -1, 1, 1, -1}));
  EXPECT_THROW((void)spins_to_visible(spins, 4, 2, kB), ShapeError);
}

}  // namespace
}  // namespace deeprg::rbm
