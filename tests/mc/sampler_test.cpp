#include "deeprg/mc/sampler.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "deeprg/core/error.hpp"
#include "deeprg/ising/exact.hpp"
#include "deeprg/mc/autocorrelation.hpp"
#include "deeprg/mc/observables.hpp"

namespace deeprg::mc {
namespace {

ising::Model square(int l, double T) {
  ising::Model m;
  m.lattice = ising::Lattice::square(l, l);
  m.T = T;
  return m;
}

TEST(Sampler, ResultDoesNotDependOnThreadCount) {
  const auto model = square(8, 2.3);
  for (const Algorithm a : {Algorithm::metropolis, Algorithm::wolff, Algorithm::swendsen_wang}) {
    SamplerOptions options;
    options.algorithm = a;
    options.samples = 200;
    options.seed = 11;
    options.threads = 1;
    const auto one = sample(model, options);
    options.threads = 2;
    const auto two = sample(model, options);
    EXPECT_EQ(one.spins, two.spins) << to_string(a);
  }
}

TEST(Sampler, SeedChangesTheSamples) {
  const auto model = square(8, 2.3);
  SamplerOptions options;
  options.samples = 50;
  options.seed = 1;
  const auto a = sample(model, options);
  options.seed = 2;
  const auto b = sample(model, options);
  EXPECT_NE(a.spins, b.spins);
}

// Every algorithm, through the whole driver (pilot, thermalisation, spacing, global flips),
// reproduces Kaufman's exact energy and specific heat of a 16x16 torus within 4 sigma.
TEST(Sampler, EnergyAndSpecificHeatMatchKaufman) {
  for (const double T : {2.269185314213022, 3.0}) {
    const auto model = square(16, T);
    const auto exact = ising::kaufman(model);
    for (const Algorithm a :
         {Algorithm::metropolis, Algorithm::heatbath, Algorithm::wolff, Algorithm::swendsen_wang}) {
      SamplerOptions options;
      options.algorithm = a;
      options.samples = 4000;
      options.seed = 5;
      SamplerReport report;
      const auto s = sample(model, options, &report);
      const Observables obs = measure(model, s.spins, s.count);
      EXPECT_NEAR(obs.energy_per_spin.value, exact.energy_per_spin, 4 * obs.energy_per_spin.error)
          << to_string(a) << " T=" << T;
      EXPECT_NEAR(obs.specific_heat.value, exact.specific_heat_per_spin,
                  4 * obs.specific_heat.error)
          << to_string(a) << " T=" << T;
      EXPECT_TRUE(report.tau_reliable) << to_string(a);
      EXPECT_GE(report.spacing, 1);
    }
  }
}

// With automatic spacing the stored samples of one chain are effectively independent:
// their own integrated autocorrelation time is close to 1/2 (at most 1, i.e. lag-one
// correlation well below e^-1).
TEST(Sampler, AutomaticSpacingGivesNearlyIndependentSamples) {
  const auto model = square(16, 2.4);
  SamplerOptions options;
  options.algorithm = Algorithm::metropolis;
  options.samples = 4000;
  options.chains = 1;
  options.seed = 3;
  SamplerReport report;
  const auto s = sample(model, options, &report);
  EXPECT_GT(report.tau_int, 1.0);  // Metropolis near T_c is correlated sweep to sweep...
  std::vector<double> energy(s.count);
  for (std::size_t i = 0; i < s.count; ++i) energy[i] = energy_per_spin(model, s.sample(i));
  const auto tau = integrated_autocorrelation_time(energy);
  EXPECT_LT(tau.tau_int, 1.0) << "stored samples still correlated: tau_int="
                              << tau.tau_int;  // ...the stored samples are not
}

TEST(Sampler, GlobalFlipSymmetrisesTheMagnetisationBelowTc) {
  const auto model = square(16, 1.8);
  SamplerOptions options;
  options.algorithm = Algorithm::metropolis;
  options.samples = 2000;
  options.seed = 9;
  SamplerReport report;
  const auto s = sample(model, options, &report);
  EXPECT_TRUE(report.global_flip);
  double m = 0;
  for (std::size_t i = 0; i < s.count; ++i) m += magnetization_per_spin(s.sample(i));
  m /= static_cast<double>(s.count);
  // |m| ≈ 0.95 per sample; with random signs the mean is 0 ± 0.95/sqrt(2000) ≈ 0.021.
  EXPECT_LT(std::abs(m), 4 * 0.95 / std::sqrt(2000.0));
  options.global_flip = false;
  const auto cold = sample(model, options, &report);
  EXPECT_FALSE(report.global_flip);
  double m_cold = 0;
  for (std::size_t i = 0; i < cold.count; ++i) m_cold += magnetization_per_spin(cold.sample(i));
  EXPECT_GT(m_cold / static_cast<double>(cold.count), 0.9);  // the cold start never tunnels
}

TEST(Sampler, ExplicitSpacingAndThermalizationAreHonoured) {
  const auto model = square(8, 2.5);
  SamplerOptions options;
  options.samples = 10;
  options.spacing = 7;
  options.thermalization = 13;
  SamplerReport report;
  sample(model, options, &report);
  EXPECT_EQ(report.spacing, 7);
  EXPECT_EQ(report.thermalization, 13);
  EXPECT_EQ(report.pilot_sweeps, 0);
}

TEST(Sampler, RejectsImpossibleOptions) {
  const auto model = square(8, 2.5);
  SamplerOptions options;
  options.samples = 0;
  EXPECT_THROW(sample(model, options), ConfigError);
  options.samples = 10;
  options.spacing = 0;
  EXPECT_THROW(sample(model, options), ConfigError);
  auto field = model;
  field.h = 0.1;
  options.spacing.reset();
  options.algorithm = Algorithm::wolff;
  EXPECT_THROW(sample(field, options), ConfigError);
}

}  // namespace
}  // namespace deeprg::mc
