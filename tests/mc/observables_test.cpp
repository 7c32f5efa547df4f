#include "deeprg/mc/observables.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <complex>
#include <numbers>
#include <vector>

#include "deeprg/core/error.hpp"
#include "deeprg/core/rng.hpp"

namespace deeprg::mc {
namespace {

// Spin j of state index `state` is +1 when bit j is set.
void decode(std::uint32_t state, std::span<std::int8_t> out) {
  for (std::size_t j = 0; j < out.size(); ++j) out[j] = (state >> j) & 1u ? 1 : -1;
}

// Exact Boltzmann distribution of a small lattice by enumeration, with the exact values of
// every observable, computed independently of observables.cpp (Fourier sums by std::complex).
struct Exact {
  std::vector<double> cdf;  // unnormalised cumulative weights over the 2^N states
  Observables value;
  double var_e = 0;
};

Exact enumerate(const ising::Model& model) {
  const ising::Lattice& lat = model.lattice;
  const std::size_t n = lat.sites();
  const std::uint32_t states = 1u << n;
  std::vector<double> energy(states);
  std::vector<std::int8_t> s(n);
  double emin = 0;
  for (std::uint32_t st = 0; st < states; ++st) {
    decode(st, s);
    energy[st] = ising::energy(model, s);
    emin = std::min(emin, energy[st]);
  }
  double z = 0, e1 = 0, e2 = 0, a1 = 0, m2 = 0, m4 = 0, fx = 0, fy = 0;
  Exact ex;
  ex.cdf.resize(states);
  for (std::uint32_t st = 0; st < states; ++st) {
    decode(st, s);
    const double w = std::exp(-(energy[st] - emin) / model.T);
    z += w;
    ex.cdf[st] = z;
    const double e = energy[st] / static_cast<double>(n);
    double m = 0;
    std::complex<double> sx = 0, sy = 0;
    for (int y = 0; y < lat.ly; ++y) {
      for (int x = 0; x < lat.lx; ++x) {
        const double v = s[static_cast<std::size_t>(y * lat.lx + x)];
        m += v;
        sx += v * std::polar(1.0, 2 * std::numbers::pi * x / lat.lx);
        sy += v * std::polar(1.0, 2 * std::numbers::pi * y / lat.ly);
      }
    }
    m /= static_cast<double>(n);
    e1 += w * e;
    e2 += w * e * e;
    a1 += w * std::abs(m);
    m2 += w * m * m;
    m4 += w * m * m * m * m;
    fx += w * std::norm(sx) / static_cast<double>(n * n);
    fy += w * std::norm(sy) / static_cast<double>(n * n);
  }
  e1 /= z, e2 /= z, a1 /= z, m2 /= z, m4 /= z, fx /= z, fy /= z;
  const double nd = static_cast<double>(n), t = model.T;
  auto xi = [&](double f, int l) {
    return std::sqrt(m2 / f - 1) / (2 * std::sin(std::numbers::pi / l));
  };
  Observables& v = ex.value;
  v.energy_per_spin.value = e1;
  v.abs_magnetization.value = a1;
  v.susceptibility.value = nd * (m2 - a1 * a1) / t;
  v.specific_heat.value = nd * (e2 - e1 * e1) / (t * t);
  v.binder_cumulant.value = 1 - m4 / (3 * m2 * m2);
  if (lat.dim == 1) {
    v.correlation_length.value = xi(fx, lat.lx);
  } else if (lat.lx == lat.ly) {
    v.correlation_length.value = xi(0.5 * (fx + fy), lat.lx);
  } else {
    v.correlation_length.value = 0.5 * (xi(fx, lat.lx) + xi(fy, lat.ly));
  }
  ex.var_e = e2 - e1 * e1;
  return ex;
}

// n iid configurations drawn exactly from the enumerated distribution (inverse CDF).
std::vector<std::int8_t> draw(const Exact& ex, std::size_t sites, std::size_t n,
                              std::uint64_t seed) {
  Rng rng(seed);
  std::vector<std::int8_t> out(n * sites);
  const double total = ex.cdf.back();
  for (std::size_t i = 0; i < n; ++i) {
    const double u = rng.uniform() * total;
    const auto it = std::upper_bound(ex.cdf.begin(), ex.cdf.end(), u);
    const auto st = static_cast<std::uint32_t>(std::min<std::ptrdiff_t>(
        it - ex.cdf.begin(), static_cast<std::ptrdiff_t>(ex.cdf.size()) - 1));
    decode(st, std::span<std::int8_t>(out).subspan(i * sites, sites));
  }
  return out;
}

void expect_within(const Estimate& est, const Estimate& exact, const char* name) {
  ASSERT_TRUE(std::isfinite(est.value)) << name;
  ASSERT_TRUE(std::isfinite(est.error) && est.error > 0) << name;
  EXPECT_NEAR(est.value, exact.value, 4 * est.error)
      << name << ": estimate " << est.value << " ± " << est.error << ", exact " << exact.value;
}

void check_against_exact(const ising::Model& model, std::uint64_t seed) {
  SCOPED_TRACE(model.name() + " " + std::to_string(model.lattice.lx) + "x" +
               std::to_string(model.lattice.ly) + " T=" + std::to_string(model.T) +
               " h=" + std::to_string(model.h));
  const std::size_t n = 200'000, sites = model.lattice.sites();
  const Exact ex = enumerate(model);
  const auto samples = draw(ex, sites, n, seed);
  const Observables obs = measure(model, samples, n);
  EXPECT_EQ(obs.samples, n);
  expect_within(obs.energy_per_spin, ex.value.energy_per_spin, "e");
  expect_within(obs.abs_magnetization, ex.value.abs_magnetization, "|m|");
  expect_within(obs.susceptibility, ex.value.susceptibility, "chi");
  expect_within(obs.specific_heat, ex.value.specific_heat, "C");
  expect_within(obs.binder_cumulant, ex.value.binder_cumulant, "U4");
  expect_within(obs.correlation_length, ex.value.correlation_length, "xi");
  // The error bar of e must be the true standard error of iid samples. 1000 blocks give the
  // error estimate a relative spread of 1/sqrt(2·999) ≈ 2%, so 10% is a 4.5σ band.
  const Observables fine = measure(model, samples, n, 1000);
  const double exact_error = std::sqrt(ex.var_e / static_cast<double>(n));
  EXPECT_NEAR(fine.energy_per_spin.error / exact_error, 1.0, 0.10);
  EXPECT_EQ(fine.energy_per_spin.value, obs.energy_per_spin.value);
}

TEST(Observables, Square4x4MatchesExactEnumeration) {
  for (const double t : {2.0, 2.45, 4.0}) {
    check_against_exact({ising::Lattice::square(4, 4), 1.0, 0.0, t},
                        static_cast<std::uint64_t>(100 * t));
  }
}

TEST(Observables, Ring12MatchesExactEnumeration) {
  check_against_exact({ising::Lattice::chain(12), 1.0, 0.0, 1.0}, 1);
  check_against_exact({ising::Lattice::chain(12), 1.0, 0.2, 1.5}, 2);
}

TEST(Observables, Rectangular4x3MatchesExactEnumeration) {
  check_against_exact({ising::Lattice::square(4, 3), 1.0, 0.0, 2.5}, 3);
}

TEST(Observables, BitIdenticalForAnyThreadCount) {
  const ising::Model model{ising::Lattice::square(4, 4), 1.0, 0.0, 2.45};
  const Exact ex = enumerate(model);
  const std::size_t n = 20'000;
  const auto samples = draw(ex, 16, n, 77);
  const Observables a = measure(model, samples, n, 50, 1);
  for (const int threads : {2, 3}) {
    const Observables b = measure(model, samples, n, 50, threads);
    auto same = [](const Estimate& x, const Estimate& y) {
      return std::bit_cast<std::uint64_t>(x.value) == std::bit_cast<std::uint64_t>(y.value) &&
             std::bit_cast<std::uint64_t>(x.error) == std::bit_cast<std::uint64_t>(y.error);
    };
    EXPECT_TRUE(same(a.energy_per_spin, b.energy_per_spin));
    EXPECT_TRUE(same(a.abs_magnetization, b.abs_magnetization));
    EXPECT_TRUE(same(a.susceptibility, b.susceptibility));
    EXPECT_TRUE(same(a.specific_heat, b.specific_heat));
    EXPECT_TRUE(same(a.binder_cumulant, b.binder_cumulant));
    EXPECT_TRUE(same(a.correlation_length, b.correlation_length));
  }
  const SampleSeries s1 = sample_series(model, samples, n, 1);
  const SampleSeries s2 = sample_series(model, samples, n, 2);
  EXPECT_EQ(s1.energy_per_spin, s2.energy_per_spin);
  EXPECT_EQ(s1.magnetization, s2.magnetization);
}

TEST(Observables, PerSampleFunctions) {
  const ising::Model model{ising::Lattice::square(4, 4), 1.0, 0.5, 2.0};
  std::vector<std::int8_t> up(16, 1);
  EXPECT_DOUBLE_EQ(energy_per_spin(model, up), -2.0 - 0.5);
  EXPECT_DOUBLE_EQ(magnetization_per_spin(up), 1.0);
  const auto f_up = fourier_power_kmin(model.lattice, up);
  EXPECT_NEAR(f_up[0], 0.0, 1e-15);
  EXPECT_NEAR(f_up[1], 0.0, 1e-15);
  // Stripes along x: s = +1 for x < 2, −1 otherwise: m̃(2π/4, 0) = (1/16)·4·(1 + i + 1 + i)
  // = (1 + i)/2, |·|² = 1/2; no modulation along y.
  std::vector<std::int8_t> stripes(16);
  for (int y = 0; y < 4; ++y) {
    for (int x = 0; x < 4; ++x) stripes[static_cast<std::size_t>(y * 4 + x)] = x < 2 ? 1 : -1;
  }
  const auto f = fourier_power_kmin(model.lattice, stripes);
  EXPECT_NEAR(f[0], 0.5, 1e-14);
  EXPECT_NEAR(f[1], 0.0, 1e-14);
  EXPECT_DOUBLE_EQ(magnetization_per_spin(stripes), 0.0);

  const SampleSeries series = sample_series(model, stripes, 1);
  EXPECT_DOUBLE_EQ(series.energy_per_spin[0], energy_per_spin(model, stripes));
  EXPECT_THROW(energy_per_spin(model, std::span(up).first(15)), ShapeError);
  EXPECT_THROW(magnetization_per_spin({}), ShapeError);
}

TEST(Observables, UndefinedValuesAreNanNotCrash) {
  const ising::Model model{ising::Lattice::square(4, 4), 1.0, 0.0, 1.0};
  const std::vector<std::int8_t> up(16 * 10, 1);  // frozen: χ(k_min) = 0
  const Observables obs = measure(model, up, 10);
  EXPECT_TRUE(std::isnan(obs.correlation_length.value));
  EXPECT_DOUBLE_EQ(obs.binder_cumulant.value, 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(obs.susceptibility.value, 0.0);
  EXPECT_DOUBLE_EQ(obs.energy_per_spin.value, -2.0);
  EXPECT_DOUBLE_EQ(obs.energy_per_spin.error, 0.0);

  const Observables one = measure(model, std::span(up).first(16), 1);
  EXPECT_EQ(one.samples, 1u);
  EXPECT_DOUBLE_EQ(one.energy_per_spin.value, -2.0);
  EXPECT_TRUE(std::isnan(one.energy_per_spin.error));
}

TEST(Observables, BadInputThrows) {
  const ising::Model model{ising::Lattice::square(4, 4), 1.0, 0.0, 2.0};
  const std::vector<std::int8_t> s(16 * 3, 1);
  EXPECT_THROW(measure(model, s, 2), ShapeError);
  EXPECT_THROW(measure(model, s, 4), ShapeError);
  EXPECT_THROW(measure(model, std::span(s).first(0), 0), ShapeError);
  EXPECT_THROW(measure(model, s, 3, 0), ConfigError);
  EXPECT_THROW(sample_series(model, s, 2), ShapeError);
  const ising::Model hot{ising::Lattice::square(4, 4), 1.0, 0.0, -1.0};
  EXPECT_THROW(measure(hot, s, 3), ConfigError);
}

}  // namespace
}  // namespace deeprg::mc
