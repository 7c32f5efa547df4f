#include "deeprg/vrg/operators.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "deeprg/core/error.hpp"
#include "deeprg/core/rng.hpp"
#include "deeprg/ising/exact.hpp"
#include "deeprg/rbm/estimators.hpp"

namespace deeprg::vrg {
namespace {

using rbm::Rbm;
using rbm::Units;

ising::Model make_model(ising::Lattice lattice, double J, double h, double T = 1.0) {
  ising::Model m;
  m.lattice = lattice;
  m.J = J;
  m.h = h;
  m.T = T;
  return m;
}

Rbm random_rbm(std::size_t nv, std::size_t nh, Units hidden, std::uint64_t seed, double scale) {
  Rbm r(nv, nh, Units::spin, hidden);
  Rng rng(seed);
  for (auto& w : r.W.data) w = static_cast<float>(scale * (rng.uniform() - 0.5));
  for (auto& a : r.visible_bias) a = static_cast<float>(0.5 * scale * (rng.uniform() - 0.5));
  for (auto& b : r.hidden_bias) b = static_cast<float>(0.5 * scale * (rng.uniform() - 0.5));
  return r;
}

/// Every quantity of the report by explicit double loops over v and h, written from the
/// definitions (Eqs. 18–22) without log-sum-exp (the test systems are small and mild).
struct Brute {
  double log_z, log_z_rbm, kl, max_diff, g_min, g_max;
  std::vector<double> h_rbm;
};

Brute brute_force(const ising::Model& model, const Rbm& r) {
  const std::size_t nv = r.n_visible(), nh = r.n_hidden();
  const std::size_t sv = std::size_t{1} << nv, sh = std::size_t{1} << nh;
  const double lo = r.hidden == Units::spin ? -1.0 : 0.0;
  auto visible = [&](std::size_t k) {
    std::vector<std::int8_t> s(nv);
    for (std::size_t i = 0; i < nv; ++i) s[i] = (k >> i) & 1 ? 1 : -1;
    return s;
  };
  auto hidden = [&](std::size_t k) {
    std::vector<double> h(nh);
    for (std::size_t j = 0; j < nh; ++j) h[j] = (k >> j) & 1 ? 1.0 : lo;
    return h;
  };
  auto energy = [&](const std::vector<std::int8_t>& v, const std::vector<double>& h) {
    double e = 0;
    for (std::size_t i = 0; i < nv; ++i) {
      e -= double(r.visible_bias[i]) * v[i];
      for (std::size_t j = 0; j < nh; ++j) e -= double(r.W(i, j)) * v[i] * h[j];
    }
    for (std::size_t j = 0; j < nh; ++j) e -= double(r.hidden_bias[j]) * h[j];
    return e;
  };
  std::vector<double> beta_h(sv);
  for (std::size_t k = 0; k < sv; ++k) beta_h[k] = ising::energy(model, visible(k)) / model.T;

  Brute b{};
  double z = 0;
  for (std::size_t k = 0; k < sv; ++k) z += std::exp(-beta_h[k]);
  b.log_z = std::log(z);

  double z_rbm = 0;
  b.max_diff = 0;
  for (std::size_t m = 0; m < sh; ++m) {
    const auto h = hidden(m);
    double s_rbm = 0, s_rg = 0;
    for (std::size_t k = 0; k < sv; ++k) {
      const auto v = visible(k);
      const double t = -energy(v, h) + beta_h[k];  // Eq. 18
      s_rg += std::exp(t - beta_h[k]);             // Eq. 20
      s_rbm += std::exp(-energy(v, h));            // Eq. 22
    }
    b.h_rbm.push_back(-std::log(s_rbm));
    b.max_diff = std::max(b.max_diff, std::abs(-std::log(s_rg) + std::log(s_rbm)));
    z_rbm += s_rbm;
  }
  b.log_z_rbm = std::log(z_rbm);

  b.kl = 0;
  b.g_min = std::numeric_limits<double>::infinity();
  b.g_max = -b.g_min;
  for (std::size_t k = 0; k < sv; ++k) {
    const auto v = visible(k);
    double marg = 0, tr = 0;
    for (std::size_t m = 0; m < sh; ++m) {
      const auto h = hidden(m);
      marg += std::exp(-energy(v, h));
      tr += std::exp(-energy(v, h) + beta_h[k]);
    }
    const double ln_p = -beta_h[k] - b.log_z;
    const double ln_q = std::log(marg) - b.log_z_rbm;
    b.kl += std::exp(ln_p) * (ln_p - ln_q);
    b.g_min = std::min(b.g_min, std::log(tr));
    b.g_max = std::max(b.g_max, std::log(tr));
  }
  return b;
}

void expect_matches_brute_force(const ising::Model& model, const Rbm& r) {
  const VrgReport rep = evaluate_vrg(model, r, 2);
  const Brute b = brute_force(model, r);
  const double tol = 1e-11;
  EXPECT_NEAR(rep.log_z, b.log_z, tol);
  EXPECT_NEAR(rep.log_z_rbm, b.log_z_rbm, tol);
  EXPECT_NEAR(rep.delta_f, b.log_z - b.log_z_rbm, tol);
  EXPECT_NEAR(rep.kl, b.kl, tol);
  EXPECT_NEAR(rep.log_tr_h_exp_t_min, b.g_min, tol);
  EXPECT_NEAR(rep.log_tr_h_exp_t_max, b.g_max, tol);
  EXPECT_LT(rep.max_abs_h_rg_minus_h_rbm, 1e-12);
  EXPECT_LT(b.max_diff, 1e-12);
  ASSERT_EQ(rep.h_rbm.size(), b.h_rbm.size());
  for (std::size_t m = 0; m < b.h_rbm.size(); ++m) EXPECT_NEAR(rep.h_rbm[m], b.h_rbm[m], tol);
  EXPECT_EQ(rep.n_visible, r.n_visible());
  EXPECT_EQ(rep.n_hidden, r.n_hidden());
  // KL = −ΔF − E_P[g] bounds: E_P[g] lies between min and max of g.
  EXPECT_GE(rep.kl + rep.delta_f + rep.log_tr_h_exp_t_max, -1e-12);
  EXPECT_LE(rep.kl + rep.delta_f + rep.log_tr_h_exp_t_min, 1e-12);
}

TEST(VrgOperators, MatchesBruteForceChainSpinHidden) {
  expect_matches_brute_force(make_model(ising::Lattice::chain(5), 0.7, 0.3, 1.3),
                             random_rbm(5, 3, Units::spin, 1, 1.5));
}

TEST(VrgOperators, MatchesBruteForceTorusBernoulliHidden) {
  expect_matches_brute_force(make_model(ising::Lattice::square(2, 3), 1.0, -0.2, 2.5),
                             random_rbm(6, 4, Units::bernoulli, 2, 2.0));
}

TEST(VrgOperators, MatchesBruteForceAntiferromagnetManyHidden) {
  // 11 hidden units: several parallel items with Gray-code walks inside each.
  expect_matches_brute_force(make_model(ising::Lattice::chain(3), -0.8, 0.0),
                             random_rbm(3, 11, Units::spin, 3, 1.0));
}

TEST(VrgOperators, MatchesBruteForceManyVisibleBlocks) {
  // 12 visible units: four Gray-code blocks of 2^10 visible states.
  expect_matches_brute_force(make_model(ising::Lattice::square(3, 4), 0.3, 0.1),
                             random_rbm(12, 2, Units::bernoulli, 4, 1.0));
}

TEST(VrgTLambda, MatchesDirectComputationOnATinyModel) {
  // 2 × 2 torus (doubled bonds) in a field, 3 bernoulli hidden units: every joint state.
  const auto model = make_model(ising::Lattice::square(2, 2), 0.8, -0.3, 1.6);
  const Rbm r = random_rbm(4, 3, Units::bernoulli, 11, 1.5);
  double log_tr_min = std::numeric_limits<double>::infinity(), log_tr_max = -log_tr_min;
  for (std::size_t k = 0; k < 16; ++k) {
    std::vector<std::int8_t> v(4);
    for (std::size_t i = 0; i < 4; ++i) v[i] = (k >> i) & 1 ? 1 : -1;
    // H(v) = βH_Ising: K = βJ on the 8 bonds (right and down from every site), B = βh.
    double bonds = 0;
    for (std::size_t y = 0; y < 2; ++y)
      for (std::size_t x = 0; x < 2; ++x)
        bonds += v[2 * y + x] * (v[2 * y + (1 - x)] + v[2 * (1 - y) + x]);
    const double h_v = -(0.8 * bonds + -0.3 * (v[0] + v[1] + v[2] + v[3])) / 1.6;
    double tr = 0;
    for (std::size_t m = 0; m < 8; ++m) {
      std::vector<float> h(3);
      for (std::size_t j = 0; j < 3; ++j) h[j] = (m >> j) & 1 ? 1.0f : 0.0f;
      double minus_e = 0;  // vᵀW h + aᵀv + bᵀh
      for (std::size_t i = 0; i < 4; ++i) {
        minus_e += double(r.visible_bias[i]) * v[i];
        for (std::size_t j = 0; j < 3; ++j) minus_e += double(r.W(i, j)) * v[i] * h[j];
      }
      for (std::size_t j = 0; j < 3; ++j) minus_e += double(r.hidden_bias[j]) * h[j];
      const double t = t_lambda(model, r, v, h);
      EXPECT_NEAR(t, minus_e + h_v, 1e-13) << k << " " << m;
      EXPECT_EQ(t_lambda(minus_e, h_v), minus_e + h_v);
      tr += std::exp(t);
    }
    log_tr_min = std::min(log_tr_min, std::log(tr));
    log_tr_max = std::max(log_tr_max, std::log(tr));
  }
  // ln Tr_h e^{T_λ(v,h)} (Eq. 21) from T_λ state by state is what evaluate_vrg reports.
  const VrgReport rep = evaluate_vrg(model, r);
  EXPECT_NEAR(rep.log_tr_h_exp_t_min, log_tr_min, 1e-12);
  EXPECT_NEAR(rep.log_tr_h_exp_t_max, log_tr_max, 1e-12);
}

TEST(VrgTLambda, RejectsBadInput) {
  const auto model = make_model(ising::Lattice::chain(3), 1.0, 0.0);
  const std::vector<std::int8_t> v{1, -1, 1};
  const std::vector<float> h{1.0f, 0.0f};
  try {
    t_lambda(model, Rbm(3, 2, Units::bernoulli, Units::bernoulli), v, h);
    FAIL() << "bernoulli visible units accepted";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.key(), "visible");
  }
  const Rbm r(3, 2, Units::spin, Units::bernoulli);
  EXPECT_THROW(t_lambda(model, r, std::vector<std::int8_t>{1, 1}, h), ShapeError);
  EXPECT_THROW(t_lambda(model, r, v, std::vector<float>{1.0f}), ShapeError);
  EXPECT_THROW(t_lambda(make_model(ising::Lattice::chain(4), 1.0, 0.0), r, v, h), ShapeError);
}

TEST(VrgOperators, LogZAgreesWithIsingAndRbmReferences) {
  const auto chain = make_model(ising::Lattice::chain(8), 1.0, 0.15, 1.7);
  const Rbm r = random_rbm(8, 5, Units::spin, 5, 1.2);
  const VrgReport rep = evaluate_vrg(chain, r);
  EXPECT_NEAR(rep.log_z, ising::transfer_matrix(chain).log_z, 1e-12);
  EXPECT_NEAR(rep.log_z_rbm, rbm::exact_log_z(r), 1e-11);

  const auto torus = make_model(ising::Lattice::square(3, 3), 1.0, 0.0, 2.0);
  const Rbm r2 = random_rbm(9, 4, Units::bernoulli, 6, 1.0);
  const VrgReport rep2 = evaluate_vrg(torus, r2);
  EXPECT_NEAR(rep2.log_z, ising::kaufman(torus).log_z, 1e-11);
  EXPECT_NEAR(rep2.log_z, ising::enumerate(torus).log_z, 1e-11);
  EXPECT_NEAR(rep2.log_z_rbm, rbm::exact_log_z(r2), 1e-11);
}

TEST(VrgOperators, IdentityOfEq18HoldsToRoundingForAnyLambda) {
  // H^RG ≡ H^RBM for every λ: the check is zero up to rounding even for strong couplings.
  const auto model = make_model(ising::Lattice::square(4, 4), 1.0, 0.3, 1.0);
  const VrgReport rep = evaluate_vrg(model, random_rbm(16, 4, Units::spin, 7, 4.0));
  EXPECT_LT(rep.max_abs_h_rg_minus_h_rbm, 1e-11);
  EXPECT_GT(rep.kl, 0.1);  // ... while the RBM is nowhere near P
}

TEST(VrgOperators, BitIdenticalForAnyThreadCount) {
  const auto model = make_model(ising::Lattice::chain(11), 0.9, 0.1);
  const Rbm r = random_rbm(11, 9, Units::bernoulli, 8, 1.0);
  const VrgReport a = evaluate_vrg(model, r, 1), b = evaluate_vrg(model, r, 3);
  EXPECT_EQ(to_json(a), to_json(b));
}

TEST(VrgWorkedExample, DeltaFZeroButKlPositive) {
  // λ: W = 0, a = 0 and one bernoulli hidden unit whose bias sets ln Z_λ = n ln 2 + softplus(b)
  // equal to ln Z. Then ΔF = 0, but p_λ is uniform and P is not: KL = Σ P ln P + n ln 2 > 0.
  const auto model = make_model(ising::Lattice::chain(4), 0.5, 0.2);
  const double log_z = ising::transfer_matrix(model).log_z;
  const double c = log_z - 4 * std::log(2.0);
  ASSERT_GT(c, 0);
  Rbm r(4, 1, Units::spin, Units::bernoulli);
  r.hidden_bias[0] = static_cast<float>(std::log(std::expm1(c)));
  const VrgReport rep = evaluate_vrg(model, r);
  EXPECT_NEAR(rep.delta_f, 0, 1e-6);  // b is a float
  const auto p = ising::boltzmann_probabilities(model);
  double kl = 4 * std::log(2.0);
  for (const double x : p) kl += x * std::log(x);
  EXPECT_NEAR(rep.kl, kl, 1e-12);
  EXPECT_GT(rep.kl, 0.1);
  EXPECT_GT(rep.log_tr_h_exp_t_max - rep.log_tr_h_exp_t_min, 0.5);  // not exact
}

TEST(VrgWorkedExample, ExactStepAtZeroCoupling) {
  // K = 0, B = 1/4: H(v) = −B Σ v_i. λ: a_i = B, W = 0 and one bernoulli hidden unit with
  // b = −200, whose factor 1 + e^b equals 1 to ~1e-87. Then Tr_h e^{T(v,h)} = 1 for every v:
  // the RG step is exact, KL = 0 and ΔF = 0.
  const auto model = make_model(ising::Lattice::chain(3), 0.0, 0.25);
  Rbm r(3, 1, Units::spin, Units::bernoulli);
  for (auto& a : r.visible_bias) a = 0.25f;
  r.hidden_bias[0] = -200.0f;
  const VrgReport rep = evaluate_vrg(model, r);
  EXPECT_NEAR(rep.log_tr_h_exp_t_min, 0, 1e-15);
  EXPECT_NEAR(rep.log_tr_h_exp_t_max, 0, 1e-15);
  EXPECT_NEAR(rep.kl, 0, 1e-15);
  EXPECT_NEAR(rep.delta_f, 0, 1e-14);
}

TEST(VrgWorkedExample, KlZeroWithConstantTraceAtNonzeroCoupling) {
  // Two spins on a ring (doubled bond): H(v) = −2K v0 v1. One spin hidden unit with
  // W = (w, w), a = b = 0 gives e^{−F(v)} = 2cosh(w(v0 + v1)), whose aligned/anti-aligned
  // ratio cosh 2w equals P's e^{4K} when K = ln cosh(2w) / 4. So p_λ = P (KL = 0), but
  // ln Tr_h e^{T} = ln 2 + 2K for every v, not 0, and ΔF = −(ln 2 + 2K): KL = 0 with ΔF ≠ 0.
  // (For K ≠ 0 no RBM reaches ln Tr_h e^{T} ≡ 0 here; see operators.hpp.)
  const double w = 0.5;
  const double K = std::log(std::cosh(2 * w)) / 4;
  const auto model = make_model(ising::Lattice::chain(2), K, 0.0);
  Rbm r(2, 1, Units::spin, Units::spin);
  r.W(0, 0) = r.W(1, 0) = static_cast<float>(w);
  const VrgReport rep = evaluate_vrg(model, r);
  const double g = std::log(2.0) + 2 * K;
  EXPECT_NEAR(rep.kl, 0, 1e-14);
  EXPECT_NEAR(rep.log_tr_h_exp_t_min, g, 1e-14);
  EXPECT_NEAR(rep.log_tr_h_exp_t_max, g, 1e-14);
  EXPECT_NEAR(rep.delta_f, -g, 1e-14);
  // H^RBM(h) for h = −1, +1: −ln Σ_v e^{w h (v0 + v1)} = −ln(2 + 2cosh 2w) for both.
  ASSERT_EQ(rep.h_rbm.size(), 2u);
  EXPECT_NEAR(rep.h_rbm[0], -std::log(2 + 2 * std::cosh(2 * w)), 1e-14);
  EXPECT_NEAR(rep.h_rbm[1], rep.h_rbm[0], 1e-14);
}

TEST(VrgErrors, RejectsBadInput) {
  const auto model = make_model(ising::Lattice::chain(4), 1.0, 0.0);
  try {
    evaluate_vrg(model, Rbm(4, 2, Units::bernoulli, Units::spin));
    FAIL() << "bernoulli visible units accepted";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.key(), "visible");
  }
  EXPECT_THROW(evaluate_vrg(model, Rbm(5, 2, Units::spin, Units::spin)), ShapeError);
  try {
    evaluate_vrg(make_model(ising::Lattice::chain(20), 1.0, 0.0),
                 Rbm(20, 7, Units::spin, Units::spin));
    FAIL() << "2^27 joint states accepted";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.key(), "L");
  }
  Rbm nan(4, 1, Units::spin, Units::spin);
  nan.W(0, 0) = std::numeric_limits<float>::quiet_NaN();
  EXPECT_THROW(evaluate_vrg(model, nan), ConfigError);
  auto bad = model;
  bad.T = -1;
  EXPECT_THROW(evaluate_vrg(bad, Rbm(4, 1, Units::spin, Units::spin)), ConfigError);
}

TEST(VrgErrors, HRbmOmittedForManyHiddenUnits) {
  const auto model = make_model(ising::Lattice::chain(2), 1.0, 0.0);
  const VrgReport rep = evaluate_vrg(model, random_rbm(2, 17, Units::bernoulli, 9, 0.5));
  EXPECT_TRUE(rep.h_rbm.empty());
  EXPECT_FALSE(to_json(rep).contains("h_rbm"));
  EXPECT_LT(rep.max_abs_h_rg_minus_h_rbm, 1e-12);
  EXPECT_NEAR(rep.log_z_rbm, rbm::exact_log_z(random_rbm(2, 17, Units::bernoulli, 9, 0.5)), 1e-11);
}

}  // namespace
}  // namespace deeprg::vrg
