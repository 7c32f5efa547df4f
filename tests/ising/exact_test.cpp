#include "deeprg/ising/exact.hpp"

#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <cmath>
#include <limits>
#include <numbers>
#include <vector>

#include "deeprg/core/error.hpp"
#include "deeprg/ising/jet.hpp"

namespace deeprg::ising {
namespace {

Model torus(int lx, int ly, double T, double J = 1.0) {
  return {Lattice::square(lx, ly), J, 0.0, T};
}
Model ring(int n, double T, double h, double J = 1.0) { return {Lattice::chain(n), J, h, T}; }
Model infinite_square(double T, double J = 1.0) { return torus(2, 2, T, J); }

const double kTemperatures[] = {1.0, 2.0, kCriticalTemperature, 2.45, 5.0};

TEST(ExactJet, MatchesClosedFormDerivatives) {
  // f(t) = ln(cosh(t)² + 1) · √t / t, checked against central differences.
  auto f = [](auto t) { return log(cosh(t) * cosh(t) + 1.0) * sqrt(t) / t; };
  auto fd = [](double t) { return std::log(std::cosh(t) * std::cosh(t) + 1.0) * std::sqrt(t) / t; };
  const double t = 0.7, eps = 1e-4;
  const Jet j = f(Jet::variable(t));
  EXPECT_NEAR(j.v, fd(t), 1e-15);
  EXPECT_NEAR(j.d1, (fd(t + eps) - fd(t - eps)) / (2 * eps), 1e-8);
  EXPECT_NEAR(j.d2, (fd(t + eps) - 2 * fd(t) + fd(t - eps)) / (eps * eps), 1e-6);
  const Jet p = pow(Jet::variable(-0.5), 3);
  EXPECT_DOUBLE_EQ(p.v, -0.125);
  EXPECT_DOUBLE_EQ(p.d1, 0.75);
  EXPECT_DOUBLE_EQ(p.d2, -3.0);
  const Jet a = acosh(Jet::variable(1.5));
  EXPECT_NEAR(a.d1, 1 / std::sqrt(1.25), 1e-15);
}

TEST(Kaufman, EqualsEnumerationOnSmallTori) {
  const int shapes[][2] = {{2, 2}, {2, 3}, {3, 2}, {3, 3}, {4, 4}, {4, 5}, {5, 4}, {5, 5}};
  double worst_log_z = 0, worst_e = 0, worst_c = 0;
  for (const auto& shape : shapes) {
    const DensityOfStates dos = density_of_states(Lattice::square(shape[0], shape[1]));
    for (const double J : {1.0, 0.6}) {
      for (const double T : kTemperatures) {
        const Model m = torus(shape[0], shape[1], T * (J == 1.0 ? 1.0 : 0.8), J);
        const Thermodynamics k = kaufman(m), e = enumerate(dos, m);
        SCOPED_TRACE(testing::Message()
                     << shape[0] << "x" << shape[1] << " J=" << J << " T=" << m.T);
        EXPECT_NEAR(k.log_z, e.log_z, 1e-10 * std::fabs(e.log_z));
        EXPECT_NEAR(k.energy_per_spin, e.energy_per_spin, 1e-10);
        EXPECT_NEAR(k.specific_heat_per_spin, e.specific_heat_per_spin, 1e-10);
        EXPECT_EQ(k.magnetization_per_spin, 0.0);
        EXPECT_NEAR(e.magnetization_per_spin, 0.0, 1e-12);
        worst_log_z = std::max(worst_log_z, std::fabs(k.log_z - e.log_z) / std::fabs(e.log_z));
        worst_e = std::max(worst_e, std::fabs(k.energy_per_spin - e.energy_per_spin));
        worst_c = std::max(worst_c, std::fabs(k.specific_heat_per_spin - e.specific_heat_per_spin));
      }
    }
  }
  RecordProperty("max_rel_log_z", testing::PrintToString(worst_log_z));
  RecordProperty("max_abs_energy", testing::PrintToString(worst_e));
  RecordProperty("max_abs_specific_heat", testing::PrintToString(worst_c));
}

TEST(Kaufman, EqualsEnumerationFromVeryLowToVeryHighTemperature) {
  for (const auto& shape : {std::array{4, 4}, std::array{3, 5}}) {
    const DensityOfStates dos = density_of_states(Lattice::square(shape[0], shape[1]));
    for (const double T : {0.001, 0.01, 0.1, 0.5, 100.0, 1e4, 1e6}) {
      const Model m = torus(shape[0], shape[1], T);
      const Thermodynamics k = kaufman(m), e = enumerate(dos, m);
      SCOPED_TRACE(testing::Message() << shape[0] << "x" << shape[1] << " T=" << T);
      EXPECT_NEAR(k.log_z, e.log_z, 1e-14 * std::fabs(e.log_z));
      EXPECT_NEAR(k.energy_per_spin, e.energy_per_spin, 1e-13);
      EXPECT_NEAR(k.specific_heat_per_spin, e.specific_heat_per_spin, 1e-13);
      if (T >= 100) {  // relative accuracy of U ~ 2K and C ~ 2K² survives at high T
        EXPECT_NEAR(k.energy_per_spin / e.energy_per_spin, 1.0, 1e-9);
        EXPECT_NEAR(k.specific_heat_per_spin / e.specific_heat_per_spin, 1.0, 1e-9);
      }
    }
  }
}

TEST(Kaufman, IsSymmetricUnderTransposition) {
  for (const double T : kTemperatures) {
    const Thermodynamics a = kaufman(torus(7, 12, T)), b = kaufman(torus(12, 7, T));
    EXPECT_NEAR(a.log_z, b.log_z, 1e-12 * a.log_z);
    EXPECT_NEAR(a.energy_per_spin, b.energy_per_spin, 1e-12);
    EXPECT_NEAR(a.specific_heat_per_spin, b.specific_heat_per_spin, 1e-10);
  }
}

TEST(Kaufman, ApproachesOnsagerAsLGrows) {
  for (const double T : {2.45, 1.8}) {
    const InfiniteLattice inf = onsager(infinite_square(T));
    double previous_e = INFINITY, previous_c = INFINITY, previous_f = INFINITY;
    for (const int L : {16, 64, 256}) {
      const Thermodynamics k = kaufman(torus(L, L, T));
      const double de = std::fabs(k.energy_per_spin - inf.energy_per_spin);
      const double dc = std::fabs(k.specific_heat_per_spin - inf.specific_heat_per_spin);
      const double df = std::fabs(k.log_z / (L * L) - inf.log_z_per_spin);
      SCOPED_TRACE(testing::Message() << "T=" << T << " L=" << L);
      EXPECT_TRUE(de < previous_e || de < 1e-12);
      EXPECT_TRUE(dc < previous_c || dc < 1e-11);
      EXPECT_TRUE(df < previous_f || df < 1e-13);
      previous_e = de, previous_c = dc, previous_f = df;
      if (L == 256) {
        // below T_c the two ordered states add ln 2 to ln Z
        const double df2 =
            std::fabs((k.log_z - (T < kCriticalTemperature ? std::numbers::ln2 : 0)) / (L * L) -
                      inf.log_z_per_spin);
        EXPECT_LT(df2, 1e-12);
        EXPECT_LT(de, 1e-6);
        EXPECT_LT(dc, 1e-5);
      }
    }
  }
}

TEST(Kaufman, ApproachesOnsagerAtCriticality) {
  // At T_c the finite-size corrections are power laws: ln Z/N − f = O(1/L²), C ~ (8K_c²/π) ln L.
  const InfiniteLattice inf = onsager(infinite_square(kCriticalTemperature));
  const Thermodynamics k = kaufman(torus(512, 512, kCriticalTemperature));
  EXPECT_NEAR(k.log_z / (512.0 * 512.0), inf.log_z_per_spin, 1e-5);
  EXPECT_NEAR(k.energy_per_spin, inf.energy_per_spin, 1e-2);
  const double c256 = kaufman(torus(256, 256, kCriticalTemperature)).specific_heat_per_spin;
  const double slope = (k.specific_heat_per_spin - c256) / std::log(2.0);
  EXPECT_NEAR(slope, 8 * kCriticalCoupling * kCriticalCoupling / std::numbers::pi, 1e-3);
}

TEST(Kaufman, StaysFiniteOverAWideTemperatureRange) {
  for (const double T : {0.05, 0.3, 10.0, 100.0}) {
    const Thermodynamics k = kaufman(torus(64, 32, T));
    EXPECT_TRUE(std::isfinite(k.log_z) && std::isfinite(k.energy_per_spin) &&
                std::isfinite(k.specific_heat_per_spin))
        << "T=" << T;
    EXPECT_GE(k.specific_heat_per_spin, 0.0);
  }
  EXPECT_NEAR(kaufman(torus(64, 32, 0.05)).energy_per_spin, -2.0, 1e-12);
}

TEST(Kaufman, RejectsFieldAndNonFerromagneticCoupling) {
  Model m = torus(4, 4, 2.0);
  m.h = 0.1;
  try {
    kaufman(m);
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.key(), "h");
  }
  m.h = 0;
  m.J = -1;
  try {
    kaufman(m);
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.key(), "J");
  }
  EXPECT_THROW(kaufman(ring(8, 2.0, 0.0)), ConfigError);
}

TEST(TransferMatrix, EqualsEnumerationOnRings) {
  for (int n = 2; n <= 16; ++n) {
    for (const double h : {0.0, 0.3, -0.7}) {
      for (const double J : {1.0, -0.8}) {
        for (const double T : {0.7, 2.0, 5.0}) {
          const Model m = ring(n, T, h, J);
          const Thermodynamics t = transfer_matrix(m), e = enumerate(m);
          SCOPED_TRACE(testing::Message() << "N=" << n << " h=" << h << " J=" << J << " T=" << T);
          EXPECT_NEAR(t.log_z, e.log_z, 1e-10 * std::fabs(e.log_z));
          EXPECT_NEAR(t.energy_per_spin, e.energy_per_spin, 1e-10);
          EXPECT_NEAR(t.specific_heat_per_spin, e.specific_heat_per_spin, 1e-10);
          EXPECT_NEAR(t.magnetization_per_spin, e.magnetization_per_spin, 1e-10);
        }
      }
    }
  }
}

TEST(TransferMatrix, InfiniteChainIsTheLargeNLimit) {
  for (const double h : {0.0, 0.3, -0.7}) {
    for (const double T : {0.5, 1.0, 3.0}) {
      const Model m = ring(4000, T, h);
      const Thermodynamics t = transfer_matrix(m);
      const InfiniteLattice inf = infinite_chain(m);
      SCOPED_TRACE(testing::Message() << "h=" << h << " T=" << T);
      EXPECT_NEAR(t.log_z / 4000, inf.log_z_per_spin, 1e-12);
      EXPECT_NEAR(t.energy_per_spin, inf.energy_per_spin, 1e-12);
      EXPECT_NEAR(t.specific_heat_per_spin, inf.specific_heat_per_spin, 1e-10);
      EXPECT_NEAR(t.magnetization_per_spin, inf.spontaneous_magnetization, 1e-12);
    }
  }
}

TEST(TransferMatrix, InfiniteChainClosedForms) {
  const double T = 1.3, K = 1 / T;
  const InfiniteLattice zero_field = infinite_chain(ring(2, T, 0.0));
  EXPECT_NEAR(zero_field.log_z_per_spin, std::log(2 * std::cosh(K)), 1e-15);
  EXPECT_NEAR(zero_field.energy_per_spin, -std::tanh(K), 1e-15);
  EXPECT_NEAR(zero_field.specific_heat_per_spin, K * K / (std::cosh(K) * std::cosh(K)), 1e-14);
  EXPECT_EQ(zero_field.spontaneous_magnetization, 0.0);
  EXPECT_NEAR(zero_field.correlation_length, -1 / std::log(std::tanh(K)), 1e-12);
  // In a field, 1/ξ = ln(λ₊/|λ₋|) is the decay rate of ⟨s_0 s_r⟩ − ⟨s⟩² on a long ring,
  // computed here from explicit 2 × 2 transfer-matrix products.
  for (const double J : {1.0, -0.6}) {
    const double beta = 1 / 0.9, h = 0.4, n = 400;
    using M2 = std::array<double, 4>;
    auto mul = [](const M2& a, const M2& b) {
      return M2{a[0] * b[0] + a[1] * b[2], a[0] * b[1] + a[1] * b[3], a[2] * b[0] + a[3] * b[2],
                a[2] * b[1] + a[3] * b[3]};
    };
    auto power = [&](M2 t, int k) {
      M2 r{1, 0, 0, 1};
      for (int i = 0; i < k; ++i) r = mul(r, t);
      return r;
    };
    const double lp = std::exp(infinite_chain(ring(2, 0.9, h, J)).log_z_per_spin);
    const M2 t{std::exp(beta * (J + h)) / lp, std::exp(-beta * J) / lp, std::exp(-beta * J) / lp,
               std::exp(beta * (J - h)) / lp};  // index 0: s = +1
    const M2 sigma{1, 0, 0, -1};
    auto trace = [](const M2& a) { return a[0] + a[3]; };
    const double z = trace(power(t, n));
    const double mean = trace(mul(sigma, power(t, n))) / z;
    auto connected = [&](int r) {
      return trace(mul(mul(sigma, power(t, r)), mul(sigma, power(t, n - r)))) / z - mean * mean;
    };
    const double xi = infinite_chain(ring(2, 0.9, h, J)).correlation_length;
    EXPECT_NEAR(std::log(std::fabs(connected(6) / connected(7))), 1 / xi, 1e-9) << "J=" << J;
  }
}

TEST(Enumeration, BoltzmannProbabilitiesAreNormalisedAndMatch) {
  for (const Model& m : {Model{Lattice::square(3, 4), 1.0, 0.25, 2.1},
                         Model{Lattice::square(2, 3), -0.7, -0.4, 1.3}, ring(11, 0.8, 0.3)}) {
    const std::vector<double> p = boltzmann_probabilities(m);
    const int n = static_cast<int>(m.lattice.sites());
    ASSERT_EQ(p.size(), std::size_t{1} << n);
    double total = 0, mean_e = 0, mean_m = 0;
    std::vector<std::int8_t> s(n);
    for (std::size_t state = 0; state < p.size(); ++state) {
      for (int i = 0; i < n; ++i) s[i] = (state >> i) & 1 ? 1 : -1;
      total += p[state];
      mean_e += p[state] * energy(m, s);
      mean_m += p[state] * static_cast<double>(magnetization(s));
    }
    const Thermodynamics e = enumerate(m);
    EXPECT_NEAR(total, 1.0, 1e-12);
    EXPECT_NEAR(mean_e / n, e.energy_per_spin, 1e-12);
    EXPECT_NEAR(mean_m / n, e.magnetization_per_spin, 1e-12);
    // and P(s) ∝ exp(−βH(s)): the log-ratio of two states is β ΔH
    const std::size_t a = 5, b = p.size() - 3;
    std::vector<std::int8_t> sa(n), sb(n);
    for (int i = 0; i < n; ++i) sa[i] = (a >> i) & 1 ? 1 : -1, sb[i] = (b >> i) & 1 ? 1 : -1;
    EXPECT_NEAR(std::log(p[a] / p[b]), -(energy(m, sa) - energy(m, sb)) / m.T, 1e-10);
  }
}

TEST(Enumeration, MatchesTheHamiltonianOnATinyTorus) {
  // Direct sum over the 2^6 states with deeprg::ising::energy, field included.
  const Model m{Lattice::square(3, 2), 0.9, -0.35, 1.7};
  double zsum = 0, e1 = 0, e2 = 0, m1 = 0;
  std::vector<std::int8_t> s(6);
  for (int state = 0; state < 64; ++state) {
    for (int i = 0; i < 6; ++i) s[i] = (state >> i) & 1 ? 1 : -1;
    const double e = energy(m, s), w = std::exp(-e / m.T);
    zsum += w, e1 += w * e, e2 += w * e * e, m1 += w * static_cast<double>(magnetization(s));
  }
  const Thermodynamics t = enumerate(m);
  EXPECT_NEAR(t.log_z, std::log(zsum), 1e-13);
  EXPECT_NEAR(t.energy_per_spin, e1 / zsum / 6, 1e-13);
  EXPECT_NEAR(t.specific_heat_per_spin, (e2 / zsum - e1 * e1 / zsum / zsum) / (6 * m.T * m.T),
              1e-12);
  EXPECT_NEAR(t.magnetization_per_spin, m1 / zsum / 6, 1e-13);
}

TEST(Enumeration, FiveByFiveTorusIsFast) {
  const auto start = std::chrono::steady_clock::now();
  const Thermodynamics t = enumerate(torus(5, 5, 2.0));
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_TRUE(std::isfinite(t.log_z));
  EXPECT_LT(seconds, 1.0);  // typically ~0.05 s; generous for loaded machines
}

TEST(Enumeration, RejectsTooManySites) {
  try {
    enumerate(torus(6, 6, 2.0));
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.key(), "L");
  }
  EXPECT_THROW(boltzmann_probabilities(torus(5, 5, 2.0)), ConfigError);
  EXPECT_THROW(enumerate(ring(31, 1.0, 0.0)), ConfigError);
  EXPECT_THROW(enumerate(density_of_states(Lattice::square(3, 3)), torus(3, 4, 2.0)), ShapeError);
}

TEST(Onsager, EnergyAtCriticalityIsMinusRootTwo) {
  const InfiniteLattice c = onsager(infinite_square(kCriticalTemperature));
  EXPECT_NEAR(c.energy_per_spin, -std::numbers::sqrt2, 1e-14);
  EXPECT_EQ(c.specific_heat_per_spin, std::numeric_limits<double>::infinity());
  EXPECT_EQ(c.spontaneous_magnetization, 0.0);
  EXPECT_EQ(c.correlation_length, std::numeric_limits<double>::infinity());
  // ln Z/N at K_c = ln 2 / 2 + 2G/π (G: Catalan's constant).
  const double catalan = 0.915965594177219015054603514932;
  EXPECT_NEAR(c.log_z_per_spin, 0.5 * std::numbers::ln2 + 2 * catalan / std::numbers::pi, 1e-14);
  // J sets the energy scale.
  EXPECT_NEAR(onsager(infinite_square(2 * kCriticalTemperature, 2.0)).energy_per_spin,
              -2 * std::numbers::sqrt2, 1e-13);
}

TEST(Onsager, SpecificHeatIsTheDerivativeOfTheEnergy) {
  for (const double T : {1.0, 1.8, 2.2, 2.3, 2.45, 3.5, 6.0}) {
    const double dT = 1e-5 * T;
    const double e_plus = onsager(infinite_square(T + dT)).energy_per_spin;
    const double e_minus = onsager(infinite_square(T - dT)).energy_per_spin;
    const InfiniteLattice at = onsager(infinite_square(T));
    EXPECT_NEAR(at.specific_heat_per_spin, (e_plus - e_minus) / (2 * dT),
                1e-6 * std::max(1.0, at.specific_heat_per_spin))
        << "T=" << T;
    // and the energy is the β-derivative of ln Z/N: U = T² d(ln Z/N)/dT
    const double f_plus = onsager(infinite_square(T + dT)).log_z_per_spin;
    const double f_minus = onsager(infinite_square(T - dT)).log_z_per_spin;
    EXPECT_NEAR(at.energy_per_spin, T * T * (f_plus - f_minus) / (2 * dT), 1e-7) << "T=" << T;
  }
}

TEST(Onsager, ClosedFormsAndQuadratureAgree) {
  // Above T = 4J, U and C come from β-derivatives of the quadrature instead of the closed forms.
  const InfiniteLattice below = onsager(infinite_square(4.0 * (1 - 1e-13)));
  const InfiniteLattice above = onsager(infinite_square(4.0 * (1 + 1e-13)));
  EXPECT_NEAR(below.energy_per_spin, above.energy_per_spin, 1e-12);
  EXPECT_NEAR(below.specific_heat_per_spin, above.specific_heat_per_spin, 1e-12);
  // and both agree with a large torus (ξ ≲ 2, so finite-size effects are ≪ 1e-15)
  for (const double T : {3.0, 3.9, 4.1, 10.0, 100.0, 1e4}) {
    const InfiniteLattice o = onsager(infinite_square(T));
    const Thermodynamics k = kaufman(torus(128, 128, T));
    SCOPED_TRACE(testing::Message() << "T=" << T);
    EXPECT_NEAR(k.log_z / (128 * 128), o.log_z_per_spin, 1e-14);
    EXPECT_NEAR(k.energy_per_spin / o.energy_per_spin, 1.0, 1e-11);
    EXPECT_NEAR(k.specific_heat_per_spin / o.specific_heat_per_spin, 1.0, 1e-11);
  }
}

TEST(Onsager, YangMagnetisation) {
  const InfiniteLattice o = onsager(infinite_square(2.0));
  EXPECT_NEAR(o.spontaneous_magnetization, 0.911319, 1e-6);
  EXPECT_NEAR(o.spontaneous_magnetization, std::pow(1 - std::pow(std::sinh(1.0), -4), 0.125),
              1e-15);
  EXPECT_EQ(onsager(infinite_square(2.3)).spontaneous_magnetization, 0.0);
  EXPECT_NEAR(onsager(infinite_square(0.5)).spontaneous_magnetization, 1.0, 1e-6);
}

TEST(Onsager, CorrelationLengthDivergesAtCriticality) {
  double previous = 0;
  for (const double t : {0.1, 0.01, 0.001, 0.0001}) {
    const double above =
        onsager(infinite_square(kCriticalTemperature * (1 + t))).correlation_length;
    const double below =
        onsager(infinite_square(kCriticalTemperature * (1 - t))).correlation_length;
    EXPECT_GT(above, previous);
    // ν = 1: ξ ≈ 1/(4 K_c |t|) above T_c and half of that below (connected correlation)
    EXPECT_NEAR(above * t, 1 / (4 * kCriticalCoupling), t + 1e-3);
    EXPECT_NEAR(below * t, 1 / (8 * kCriticalCoupling), t + 1e-3);
    previous = above;
  }
  const double K = 1 / 3.0;
  EXPECT_NEAR(onsager(infinite_square(3.0)).correlation_length,
              -1 / (std::log(std::tanh(K)) + 2 * K), 1e-14);
}

TEST(Exact, FiniteAtExtremeTemperatures) {
  auto finite = [](double x) { return std::isfinite(x); };
  for (const double T : {1e-3, 1e6}) {
    SCOPED_TRACE(testing::Message() << "T=" << T);
    const Thermodynamics k = kaufman(torus(32, 8, T));
    EXPECT_TRUE(finite(k.log_z) && finite(k.energy_per_spin) && finite(k.specific_heat_per_spin));
    const InfiniteLattice o = onsager(infinite_square(T));
    EXPECT_TRUE(finite(o.log_z_per_spin) && finite(o.energy_per_spin) &&
                finite(o.specific_heat_per_spin) && finite(o.correlation_length));
    for (const double J : {1.0, -1.0}) {
      for (const double h : {0.0, 0.5, -3.0}) {
        const Thermodynamics t = transfer_matrix(ring(9, T, h, J));
        EXPECT_TRUE(finite(t.log_z) && finite(t.energy_per_spin) &&
                    finite(t.specific_heat_per_spin) && finite(t.magnetization_per_spin));
        const InfiniteLattice c = infinite_chain(ring(9, T, h, J));
        EXPECT_TRUE(finite(c.log_z_per_spin) && finite(c.energy_per_spin) &&
                    finite(c.specific_heat_per_spin) && finite(c.spontaneous_magnetization));
        EXPECT_GE(c.correlation_length, 0.0);
        // ground states: E = −|J| − |h| per spin unless the field wins against J < 0
        if (T < 1) {
          const double ground = J > 0 || std::fabs(h) > 2 ? -J - std::fabs(h) : J;
          EXPECT_NEAR(c.energy_per_spin, ground, 1e-12) << "J=" << J << " h=" << h;
        }
      }
    }
  }
  // a frustrated odd antiferromagnetic ring: Z = λ₊^N + λ₋^N with λ₋ < 0 nearly cancelling
  for (const double T : {0.05, 0.001}) {
    for (const double h : {0.0, 0.5}) {
      const Model frustrated = ring(9, T, h, -1.0);
      const Thermodynamics t = transfer_matrix(frustrated), e = enumerate(frustrated);
      SCOPED_TRACE(testing::Message() << "frustrated T=" << T << " h=" << h);
      EXPECT_NEAR(t.log_z, e.log_z, 1e-13 * std::fabs(e.log_z));
      EXPECT_NEAR(t.energy_per_spin, e.energy_per_spin, 1e-12);
      EXPECT_NEAR(t.specific_heat_per_spin, e.specific_heat_per_spin, 1e-12);
      EXPECT_NEAR(t.magnetization_per_spin, e.magnetization_per_spin, 1e-12);
    }
  }
}

TEST(Onsager, RejectsFieldAndChains) {
  Model m = infinite_square(2.0);
  m.h = 0.5;
  try {
    onsager(m);
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.key(), "h");
  }
  EXPECT_THROW(onsager(ring(4, 2.0, 0.0)), ConfigError);
  EXPECT_THROW(infinite_chain(torus(4, 4, 2.0)), ConfigError);
  EXPECT_THROW(transfer_matrix(torus(4, 4, 2.0)), ConfigError);
}

}  // namespace
}  // namespace deeprg::ising
