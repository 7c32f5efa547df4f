#include "deeprg/rg/decimation_1d.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <numbers>
#include <vector>

#include "deeprg/core/error.hpp"
#include "deeprg/ising/exact.hpp"
#include "deeprg/rbm/estimators.hpp"
#include "deeprg/rbm/unit_functions.hpp"

namespace deeprg::rg {
namespace {

constexpr double kLn2 = std::numbers::ln2;
const double kCouplings[] = {0.1, 0.408, 1.0, 2.0};
constexpr double kInf = std::numeric_limits<double>::infinity();

/// The coupling a float32 copy of the RBM holds.
double as_float32(double J) { return static_cast<double>(static_cast<float>(J)); }

double ring_log_z(double J, int sites) {
  ising::Model m;
  m.lattice = ising::Lattice::chain(sites);
  m.J = J;
  return ising::transfer_matrix(m).log_z;
}

template <class F>
void expect_config_error(F&& f, const std::string& key) {
  try {
    f();
    ADD_FAILURE() << "no ConfigError(" << key << ")";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.key(), key) << e.what();
  }
}

TEST(DecimationFormula, IsTheSumOverTheMiddleSpin) {
  for (double J : {1e-3, 0.1, 0.408, 1.0, 2.0, 7.5}) {
    const double jp = decimated_coupling(J), c = decimation_constant(J);
    for (int v1 : {-1, 1})
      for (int v2 : {-1, 1}) {
        // Σ_{s=±1} e^{J s (v1 + v2)} = e^{c + J' v1 v2}
        const double lhs = std::log(std::exp(J * (v1 + v2)) + std::exp(-J * (v1 + v2)));
        EXPECT_NEAR(lhs, c + jp * v1 * v2, 1e-13 * (1 + lhs)) << J;
      }
    EXPECT_NEAR(std::tanh(jp), std::tanh(J) * std::tanh(J), 1e-15) << J;
    EXPECT_NEAR(c, kLn2 + 0.5 * std::log(std::cosh(2 * J)), 1e-14) << J;
    EXPECT_LT(jp, J);
    EXPECT_EQ(decimated_coupling(-J), jp);  // even in J
  }
  // J' = J² − (2/3) J⁴ + … keeps its relative precision as J → 0,
  EXPECT_NEAR(decimated_coupling(1e-8) / 1e-16, 1.0, 1e-14);
  EXPECT_NEAR(decimated_coupling(1e-3), 1e-6 - 2.0 / 3 * 1e-12 + 32.0 / 45 * 1e-18, 1e-21);
  // and does not overflow as J → ∞, where J − J' → ½ ln 2.
  EXPECT_NEAR(decimated_coupling(400.0), 400.0 - 0.5 * kLn2, 1e-12);
  EXPECT_EQ(decimated_coupling(0.0), 0.0);
  expect_config_error([] { decimated_coupling(std::nan("")); }, "J");
  expect_config_error([] { decimation_constant(kInf); }, "J");
}

TEST(DecimationFormula, FixedPointsAndCorrelationLength) {
  // J* = 0 is superstable: J'/J → 0.
  EXPECT_LT(decimated_coupling(1e-4) / 1e-4, 1.1e-4);
  // J* = ∞ is unstable: 1 − tanh J ≈ 2e^{−2J} grows by exactly 2/(1 + e^{−4J}) → 2.
  for (double J : {5.0, 10.0, 20.0}) {
    const double ratio = std::exp(2 * (J - decimated_coupling(J)));
    EXPECT_NEAR(ratio, 2 / (1 + std::exp(-4 * J)), 1e-12) << J;
  }
  EXPECT_NEAR(log_tanh(0.408), std::log(std::tanh(0.408)), 1e-15);
  EXPECT_NEAR(log_tanh(1e-10), std::log(1e-10), 1e-12);
  EXPECT_NEAR(log_tanh(20.0), -2 * std::exp(-40.0), 1e-30);
  EXPECT_EQ(correlation_length(0.0), 0.0);
  EXPECT_TRUE(std::isinf(correlation_length(500.0)));
  // ξ = −1/ln tanh J agrees with the infinite chain's exact correlation length.
  ising::Model m;
  m.lattice = ising::Lattice::chain(2);
  m.J = 0.408;
  EXPECT_NEAR(correlation_length(0.408), ising::infinite_chain(m).correlation_length, 1e-12);
  expect_config_error([] { log_tanh(-1.0); }, "J");
}

TEST(DecimationRbm, HiddenHamiltonianIsExactlyNearestNeighbour) {
  for (const auto layout : {DecimationLayout::ring, DecimationLayout::tied})
    for (int sites : {4, 6, 8, 12})
      for (double J : kCouplings) {
        DecimationRbmOptions options;
        options.sites = sites;
        options.layout = layout;
        options.tie = 7.0;
        const rbm::Rbm64 r = decimation_rbm(J, options);
        const std::size_t m = static_cast<std::size_t>(sites / 2);
        ASSERT_EQ(r.n_hidden(), m);
        ASSERT_EQ(r.n_visible(), layout == DecimationLayout::ring ? m : 2 * m);
        const HiddenCouplingFit fit = fit_hidden_coupling(r);
        const double jp = decimated_coupling(J);
        EXPECT_LT(fit.residual, 1e-12) << sites << " " << J;
        EXPECT_NEAR(fit.coupling, jp, 1e-13) << sites << " " << J;
        EXPECT_EQ(fit.states, std::size_t{1} << m);
        // H^RBM(h) = −M c − J' S(h) (ring), plus −M ln 2cosh λ per tied visible spin.
        double e0 = -double(m) * (kLn2 + jp);
        if (layout == DecimationLayout::tied) e0 -= double(m) * rbm::log_2cosh(7.0);
        EXPECT_NEAR(fit.constant, e0, 1e-12 * (1 + std::abs(e0)));
        // The directly evaluated H^RBM agrees on a few configurations.
        std::vector<float> h(m, 1.0f);
        for (std::size_t flip = 0; flip <= m; ++flip) {
          if (flip < m) h[flip] = -1.0f;
          double s = 0;
          for (std::size_t j = 0; j < m; ++j) s += double(h[j]) * h[(j + 1) % m];
          EXPECT_NEAR(hidden_hamiltonian(r, h), e0 - jp * s, 1e-12 * (1 + std::abs(e0)));
        }
      }
}

TEST(DecimationRbm, ItsPartitionFunctionIsTheRings) {
  for (double J : kCouplings)
    for (int sites : {4, 8, 16}) {
      DecimationRbmOptions options;
      options.sites = sites;
      const double exact = ring_log_z(J, sites);
      EXPECT_NEAR(rbm::exact_log_z(decimation_rbm(J, options)), exact, 1e-12 * std::abs(exact));
      // Tied layout: every λ gives ln Z_N(J) + M ln 2cosh λ exactly (sum v first).
      options.layout = DecimationLayout::tied;
      options.tie = 3.0;
      EXPECT_NEAR(rbm::exact_log_z(decimation_rbm(J, options)) - sites / 2 * rbm::log_2cosh(3.0),
                  exact, 1e-12 * std::abs(exact));
    }
}

TEST(DecimationRbm, TiedVisibleMarginalBecomesTheChainOnlyAsTheTieGrows) {
  // ln p(v) of the tied RBM against the Ising ring, in double from the stored weights:
  // F(v) = −Σ_j ln 2cosh(Σ_i W_ij v_i).
  const double J = 0.408;
  const int n = 8;
  const double js = J;
  double previous = kInf;
  for (double tie : {1.0, 3.0, 6.0, 10.0}) {
    DecimationRbmOptions options;
    options.sites = n;
    options.layout = DecimationLayout::tied;
    options.tie = tie;
    const rbm::Rbm64 r = decimation_rbm(J, options);
    const double log_z = rbm::exact_log_z(r), log_z_chain = ring_log_z(js, n);
    double worst = 0;
    for (int state = 0; state < (1 << n); ++state) {
      std::vector<double> v(n);
      for (int i = 0; i < n; ++i) v[i] = (state >> i) & 1 ? 1.0 : -1.0;
      double minus_f = 0;
      for (std::size_t j = 0; j < r.n_hidden(); ++j) {
        double x = 0;
        for (int i = 0; i < n; ++i) x += double(r.W(i, j)) * v[i];
        minus_f += rbm::log_2cosh(x);
      }
      double bonds = 0;
      for (int i = 0; i < n; ++i) bonds += v[i] * v[(i + 1) % n];
      worst = std::max(worst, std::abs((minus_f - log_z) - (js * bonds - log_z_chain)));
    }
    EXPECT_LT(worst, previous) << tie;
    previous = worst;
    if (tie == 1.0) {
      EXPECT_GT(worst, 1e-2);  // far from the chain at a weak tie
    }
    if (tie == 10.0) {
      EXPECT_LT(worst, 1e-6);  // O(e^{−2(λ − 2J)})
    }
  }
}

TEST(DecimationRbm, FitDetectsTermsBeyondNearestNeighbour) {
  // A visible spin coupled to hidden 0 and 2 (next-nearest on a ring of 4) is not NN.
  rbm::Rbm r(1, 4, rbm::Units::spin, rbm::Units::spin);
  r.W(0, 0) = 0.5f;
  r.W(0, 2) = 0.5f;
  EXPECT_GT(fit_hidden_coupling(r).residual, 1e-3);
  // Nor is a field.
  DecimationRbmOptions options;
  rbm::Rbm64 field = decimation_rbm(0.408, options);
  field.hidden_bias[1] = 0.2f;
  EXPECT_GT(fit_hidden_coupling(field).residual, 0.1);
  // Bernoulli visible units are accepted, but softplus is not even, so the same weights add a
  // field on the hidden spins: the fit sees it.
  rbm::Rbm64 bern = decimation_rbm(0.408, options);
  bern.visible = rbm::Units::bernoulli;
  EXPECT_GT(fit_hidden_coupling(bern).residual, 0.1);
  bern.hidden = rbm::Units::bernoulli;
  expect_config_error([&] { fit_hidden_coupling(bern); }, "rbm");
  expect_config_error(
      [] { fit_hidden_coupling(rbm::Rbm(2, 1, rbm::Units::spin, rbm::Units::spin)); }, "rbm");
}

TEST(DecimationFlow, FormulaAndRbmAgree) {
  for (double J : kCouplings) {
    const auto ring = decimation_flow(J, 6);
    DecimationRbmOptions tied;
    tied.layout = DecimationLayout::tied;
    tied.sites = 12;
    const auto tied_flow = decimation_flow(J, 6, tied);
    ASSERT_EQ(ring.size(), 6u);
    double j = J;
    for (int k = 0; k < 6; ++k) {
      const DecimationStep& s = ring[k];
      EXPECT_EQ(s.step, k);
      EXPECT_EQ(s.J, j);
      EXPECT_EQ(s.J_next_formula, decimated_coupling(j));
      EXPECT_NEAR(s.free_energy_constant, kLn2 + s.J_next_formula, 1e-15);
      // The float64 RBM realises the decimation exactly: the two flows agree to double
      // precision (a few roundings per step; the map contracts).
      EXPECT_LT(s.rbm_residual, 1e-12);
      EXPECT_NEAR(s.J_next_rbm, s.J_next_formula, 1e-12 * s.J_next_formula) << J << " " << k;
      if (k > 0) {
        EXPECT_EQ(s.J_rbm, ring[k - 1].J_next_rbm);
      }
      // The tied layout (M&S's picture, visible = all spins) is just as exact.
      // Its tied spins add M ln 2cosh λ to H^RBM, a constant that bounds the fit's absolute
      // precision to ~1e-15 · M ln 2cosh λ once J′ is tiny.
      EXPECT_LT(tied_flow[k].rbm_residual, 1e-12);
      EXPECT_NEAR(tied_flow[k].J_next_rbm, s.J_next_formula, 1e-12 * s.J_next_formula + 1e-14);
      j = s.J_next_formula;
    }
  }
  EXPECT_EQ(decimation_flow(0.408, 6).front().J_rbm, 0.408);
}

TEST(DecimationRbm, AFloat32CopyDecimatesTheRoundedCoupling) {
  // Why the RBM is float64: a float32 copy holds float(J) and realises J′(float(J)) exactly,
  // which misses J′(J) by |tanh 2J|·|J − float(J)|.
  for (double J : kCouplings) {
    const rbm::Rbm r = rbm::rbm_cast<float>(decimation_rbm(J));
    const double read = fit_hidden_coupling(r).coupling;
    EXPECT_NEAR(read, decimated_coupling(as_float32(J)), 1e-13 * read) << J;
    EXPECT_NEAR(read, decimated_coupling(J), 0x1p-24 * J) << J;
    EXPECT_NEAR(fit_hidden_coupling(decimation_rbm(J)).coupling, decimated_coupling(J),
                1e-14 * read)
        << J;
  }
  // 0.408 is not a float32: the float32 copy is off by more than double rounding.
  EXPECT_GT(std::abs(fit_hidden_coupling(rbm::rbm_cast<float>(decimation_rbm(0.408))).coupling -
                     decimated_coupling(0.408)),
            1e-10);
}

TEST(DecimationFlow, FlowsMonotonicallyToZero) {
  for (double J : {0.1, 0.408, 1.0, 2.0, 5.0, 20.0}) {
    const auto flow = decimation_flow(J, kMaxDecimationSteps);
    const double lt0 = log_tanh(J);
    for (std::size_t k = 0; k < flow.size(); ++k) {
      const auto& s = flow[k];
      EXPECT_GE(s.J_next_formula, 0.0);
      EXPECT_GE(s.J_next_rbm, 0.0);
      if (s.J > 0) {
        EXPECT_LT(s.J_next_formula, s.J) << J << " " << k;
      }
      EXPECT_LE(s.J_next_rbm, s.J_rbm);
      if (s.J > 1e-150) {
        // tanh J_k = (tanh J)^{2^k} and ξ halves at every step.
        EXPECT_NEAR(log_tanh(s.J_next_formula) / (std::ldexp(lt0, int(k) + 1)), 1.0, 1e-12);
        EXPECT_NEAR(correlation_length(s.J_next_formula), s.correlation_length / 2,
                    1e-12 * s.correlation_length);
      }
    }
    if (J <= 2.0) {
      EXPECT_LT(flow.back().J_next_formula, 1e-300) << J;
    }
  }
  // 30 steps take J = 20 only about ½ ln 2 per step toward 0: the strong-coupling end is slow.
  EXPECT_NEAR(decimation_flow(20.0, 30).back().J_next_formula, 20.0 - 15 * kLn2, 1e-9);
}

TEST(DecimationFreeEnergy, RingConstantsAddUpToTheTransferMatrix) {
  for (double J : {0.1, 0.408, 1.0, 2.0, 9.0})
    for (int steps = 1; steps <= 6; ++steps)
      for (int mult : {1, 2, 3, 5}) {
        const int sites = mult << steps;
        const RingCheck c = decimated_ring_log_z(J, sites, steps);
        EXPECT_EQ(c.sites, sites);
        EXPECT_EQ(c.coarse_sites, mult);
        EXPECT_NEAR(c.exact_log_z, ring_log_z(J, sites), 0.0);
        EXPECT_LT(std::abs(c.difference), 1e-10) << J << " " << sites << " " << steps;
      }
  // Down to one spin of 2^30: still exact per spin.
  const RingCheck big = decimated_ring_log_z(0.408, 1 << 30, 30);
  EXPECT_LT(std::abs(big.difference) / big.sites, 1e-15);
  // Enumeration agrees with the transfer matrix on a small ring (a check of the reference).
  ising::Model m;
  m.lattice = ising::Lattice::chain(8);
  m.J = 0.408;
  EXPECT_NEAR(decimated_ring_log_z(0.408, 8, 3).sum_of_constants +
                  decimated_ring_log_z(0.408, 8, 3).coarse_log_z,
              ising::enumerate(m).log_z, 1e-10);
}

TEST(DecimationFreeEnergy, InfiniteChainConstantsAddUp) {
  for (double J : {0.1, 0.408, 1.0, 2.0, 9.0}) {
    double previous_gap = kInf;
    for (int steps = 1; steps <= kMaxDecimationSteps; ++steps) {
      const InfiniteChainCheck c = infinite_chain_check(J, steps);
      EXPECT_NEAR(c.exact_log_z_per_spin, rbm::log_2cosh(J), 1e-14);
      EXPECT_LT(std::abs(c.difference), 1e-12) << J << " " << steps;
      // The constants alone approach ln(2cosh J) from below, the gap being the coarse chain.
      const double gap = c.exact_log_z_per_spin - c.sum_of_constants;
      EXPECT_GT(gap, 0.0);
      EXPECT_LT(gap, previous_gap);
      previous_gap = gap;
    }
    // Once J_s ≈ 0 the coarse chain is free spins: gap = 2^{−s} ln 2.
    if (J <= 2.0) {
      const InfiniteChainCheck c = infinite_chain_check(J, 30);
      EXPECT_NEAR(c.coarse_log_z_per_spin, std::ldexp(kLn2, -30), 1e-24);
    }
  }
}

TEST(DecimationErrors, BadInputsAreConfigErrors) {
  for (double J : {0.0, -1.0, std::nan(""), kInf}) {
    expect_config_error([J] { decimation_flow(J, 6); }, "J");
    expect_config_error([J] { decimation_rbm(J); }, "J");
    expect_config_error([J] { infinite_chain_check(J, 6); }, "J");
    expect_config_error([J] { decimated_ring_log_z(J, 64, 6); }, "J");
  }
  for (int steps : {0, -1, kMaxDecimationSteps + 1}) {
    expect_config_error([steps] { decimation_flow(0.4, steps); }, "steps");
    expect_config_error([steps] { infinite_chain_check(0.4, steps); }, "steps");
  }
  for (int sites : {0, 2, 3, 7, 42}) {
    DecimationRbmOptions options;
    options.sites = sites;
    expect_config_error([&] { decimation_rbm(0.4, options); }, "sites");
    expect_config_error([&] { decimation_flow(0.4, 2, options); }, "sites");
  }
  for (double tie : {0.0, -2.0, kInf, std::nan("")}) {
    DecimationRbmOptions options;
    options.layout = DecimationLayout::tied;
    options.tie = tie;
    expect_config_error([&] { decimation_rbm(0.4, options); }, "tie");
  }
  expect_config_error([] { decimated_ring_log_z(0.4, 12, 3); }, "sites");
  expect_config_error([] { decimated_ring_log_z(0.4, 0, 1); }, "sites");
  expect_config_error([] { parse_decimation_layout("nope", "--layout"); }, "--layout");
  EXPECT_EQ(parse_decimation_layout("tied"), DecimationLayout::tied);
  EXPECT_STREQ(to_string(DecimationLayout::ring), "ring");
}

}  // namespace
}  // namespace deeprg::rg
