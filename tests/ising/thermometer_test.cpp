#include "deeprg/ising/thermometer.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "../test_support.hpp"
#include "deeprg/core/error.hpp"
#include "deeprg/ising/exact.hpp"
#include "deeprg/mc/observables.hpp"
#include "deeprg/mc/sampler.hpp"
#include "deeprg/mc/statistics.hpp"

namespace deeprg::ising {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

using deeprg::testing::config_error_key;

TEST(Thermometer, InvertsTheExactEnergyOnTheTorus) {
  // Well conditioned from T = 0.6 up: one ulp of u moves T by < 1e-11 there.
  for (const int L : {2, 4, 10, 16, 40})
    for (const double T : {0.6, 1.0, 1.8, 2.0, kCriticalTemperature, 2.5, 3.0, 4.5, 6.0, 20.0}) {
      const double u = kaufman({Lattice::square(L, L), 1.0, 0.0, T}).energy_per_spin;
      EXPECT_NEAR(energy_temperature(Lattice::square(L, L), u), T, 1e-10 * T)
          << "L=" << L << " T=" << T;
    }
  // Rectangular, with J ≠ 1: T scales with J.
  const double u = kaufman({Lattice::square(6, 10), 1.5, 0.0, 3.3}).energy_per_spin;
  EXPECT_NEAR(energy_temperature(Lattice::square(6, 10), u, 1.5), 3.3, 1e-10 * 3.3);
}

TEST(Thermometer, InvertsTheExactEnergyOfTheChain) {
  for (const double T : {0.5, 1.0, 3.0, 10.0}) {
    const double u = transfer_matrix({Lattice::chain(12), 1.0, 0.0, T}).energy_per_spin;
    EXPECT_NEAR(energy_temperature(Lattice::chain(12), u), T, 1e-10 * T);
  }
}

TEST(Thermometer, ErrorIsTheEnergyErrorOverTheSpecificHeat) {
  const Lattice lattice = Lattice::square(10, 10);
  const EnergyAndHeat x = exact_energy(lattice, 2.5);
  const TemperatureReading r = energy_thermometer(lattice, x.energy_per_spin, 1e-3);
  EXPECT_NEAR(r.T, 2.5, 1e-10);
  EXPECT_NEAR(r.specific_heat, x.specific_heat_per_spin, 1e-12);
  EXPECT_NEAR(r.error, 1e-3 / x.specific_heat_per_spin, 1e-12);
  // The inverted interval brackets T and agrees with the linear error to first order.
  EXPECT_LT(r.T_low, r.T);
  EXPECT_GT(r.T_high, r.T);
  EXPECT_NEAR(0.5 * (r.T_high - r.T_low), r.error, 0.05 * r.error);
  EXPECT_NEAR(exact_energy(lattice, r.T_high).energy_per_spin, x.energy_per_spin + 1e-3, 1e-12);
}

TEST(Thermometer, NearestNeighbourThermometerIsTheEnergyMap) {
  const Lattice lattice = Lattice::square(8, 8);
  const double u = exact_energy(lattice, 3.0).energy_per_spin;
  const TemperatureReading nn = nn_thermometer(lattice, -u / 2, 1e-3);
  const TemperatureReading en = energy_thermometer(lattice, u, 2e-3);
  EXPECT_NEAR(nn.T, 3.0, 1e-10);
  EXPECT_DOUBLE_EQ(nn.T, en.T);
  EXPECT_DOUBLE_EQ(nn.error, en.error);
}

TEST(Thermometer, EndsOfTheRange) {
  const Lattice lattice = Lattice::square(10, 10);
  EXPECT_EQ(energy_temperature(lattice, -2.0), 0.0);
  EXPECT_EQ(energy_temperature(lattice, 0.0), kInf);
  EXPECT_EQ(energy_temperature(Lattice::chain(8), -1.0), 0.0);
  // Deep in the tails the inversion still lands (ill-conditioned at the low end: compare u).
  const double T_low = energy_temperature(lattice, -2.0 + 1e-9);
  EXPECT_NEAR(exact_energy(lattice, T_low).energy_per_spin, -2.0 + 1e-9, 1e-15);
  EXPECT_NEAR(energy_temperature(lattice, -1e-6), 2e6, 2e6 * 1e-6);  // u ≈ −2/T far above
  // A set of ground states: T = 0 with zero error; with an error bar, an open upper end.
  const TemperatureReading g = energy_thermometer(lattice, -2.0, 0.0);
  EXPECT_EQ(g.T, 0.0);
  EXPECT_EQ(g.error, 0.0);
  const TemperatureReading ge = energy_thermometer(lattice, -2.0, 0.01);
  EXPECT_EQ(ge.T_low, 0.0);
  EXPECT_GT(ge.T_high, 0.5);
  EXPECT_EQ(energy_thermometer(lattice, -0.001, 0.01).T_high, kInf);
  // A hot ensemble's mean above 0 within its error bar reads T = ∞; beyond it, an error.
  const TemperatureReading hot = energy_thermometer(lattice, 0.004, 0.01);
  EXPECT_EQ(hot.T, kInf);
  EXPECT_NEAR(exact_energy(lattice, hot.T_low).energy_per_spin, -0.006, 1e-12);
  EXPECT_EQ(config_error_key([&] { energy_thermometer(lattice, 0.02, 0.01); }), "energy_per_spin");
}

TEST(Thermometer, ClearErrorsForUnreachableEnergiesAndBadInput) {
  const Lattice lattice = Lattice::square(10, 10);
  EXPECT_EQ(config_error_key([&] { energy_temperature(lattice, -2.0001); }), "energy_per_spin");
  EXPECT_EQ(config_error_key([&] { energy_temperature(lattice, 0.01); }), "energy_per_spin");
  EXPECT_EQ(config_error_key([&] { energy_temperature(lattice, std::nan("")); }),
            "energy_per_spin");
  EXPECT_EQ(config_error_key([&] { energy_temperature(lattice, -kInf); }), "energy_per_spin");
  EXPECT_EQ(config_error_key([&] { energy_temperature(Lattice::square(1, 10), -1.0); }), "L");
  EXPECT_EQ(config_error_key([&] { energy_temperature(Lattice::square(0, 0), -1.0); }), "L");
  EXPECT_EQ(config_error_key([&] { energy_temperature(lattice, -1.0, 0.0); }), "J");
  EXPECT_EQ(config_error_key([&] { energy_temperature(lattice, -1.0, -1.0); }), "J");
  EXPECT_EQ(config_error_key([&] { energy_thermometer(lattice, -1.0, -0.1); }), "energy_error");
  EXPECT_EQ(config_error_key([&] { energy_thermometer(lattice, -1.0, std::nan("")); }),
            "energy_error");
  EXPECT_EQ(config_error_key([&] { nn_thermometer(lattice, 1.1, 0.0); }), "nn_correlation");
  EXPECT_EQ(config_error_key([&] { nn_thermometer(lattice, -0.1, 0.0); }), "nn_correlation");
  EXPECT_EQ(config_error_key([&] { nn_thermometer(lattice, std::nan(""), 0.0); }),
            "nn_correlation");
  EXPECT_EQ(config_error_key([&] { exact_energy(lattice, 0.0); }), "T");
  try {
    energy_temperature(lattice, -2.5);
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("below the ground state"), std::string::npos) << e.what();
  }
}

TEST(Thermometer, ReadsTheSamplingTemperatureOfMonteCarloSamples) {
  // Wolff samples spaced by 2 τ_int: binned errors are honest; each reading within 4σ.
  const Lattice lattice = Lattice::square(10, 10);
  for (const double T : {1.5, 2.0, kCriticalTemperature, 3.0, 5.0}) {
    const Model model{lattice, 1.0, 0.0, T};
    mc::SamplerOptions options;
    options.samples = 2000;
    options.seed = 11;
    options.threads = 2;
    const io::SpinSamples samples = mc::sample(model, options);
    std::vector<double> e(samples.count);
    for (std::size_t i = 0; i < samples.count; ++i)
      e[i] = mc::energy_per_spin(model, samples.sample(i));
    const mc::Estimate mean = mc::binned_mean(e, 40);
    const TemperatureReading r = energy_thermometer(lattice, mean.value, mean.error);
    EXPECT_GT(r.error, 0);
    EXPECT_LT(std::abs(r.T - T), 4 * r.error) << "T=" << T << " read " << r.T << " ± " << r.error;
    EXPECT_LT(r.error, 0.05 * T);  // the thermometer resolves the temperature
  }
}

TEST(Thermometer, SpecificHeatPeakOfTheFiniteTorus) {
  // The peak of the exact c(T) on 10×10 lies above T_c (finite-size shift ∝ 1/L) and c' = 0
  // there, checked by central differences of the exact c.
  double T = 0;
  const Lattice lattice = Lattice::square(10, 10);
  const EnergyAndHeat peak = specific_heat_peak(lattice, 1.0, &T);
  EXPECT_GT(T, kCriticalTemperature);
  EXPECT_LT(T, 2.4);
  const double h = 1e-3;
  EXPECT_GT(peak.specific_heat_per_spin, exact_energy(lattice, T - h).specific_heat_per_spin);
  EXPECT_GT(peak.specific_heat_per_spin, exact_energy(lattice, T + h).specific_heat_per_spin);
}

}  // namespace
}  // namespace deeprg::ising
