#include "deeprg/mc/observables.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <string>

#include "deeprg/core/error.hpp"
#include "deeprg/core/json.hpp"
#include "deeprg/core/parallel.hpp"

namespace deeprg::mc {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Samples per parallel work item: large enough that the shared counter in parallel_for is not
// contended, small enough to balance two to a few dozen threads on ~10^4+ samples.
constexpr std::size_t kChunk = 256;

// cos/sin of 2π·x/L for x = 0 … L − 1.
struct PhaseTable {
  std::vector<double> c, s;
  explicit PhaseTable(int l) : c(static_cast<std::size_t>(l)), s(static_cast<std::size_t>(l)) {
    for (int x = 0; x < l; ++x) {
      const double angle = 2.0 * std::numbers::pi * x / l;
      c[static_cast<std::size_t>(x)] = std::cos(angle);
      s[static_cast<std::size_t>(x)] = std::sin(angle);
    }
  }
  // |Σ_x v_x e^{2πix/L}|². The mean of v is subtracted first (Σ_x e^{2πix/L} = 0, so the
  // value is unchanged): a profile that is uniform along this direction then gives exactly 0
  // instead of rounding noise, which keeps ξ of a frozen configuration NaN rather than ~10^16.
  double power(const std::vector<std::int64_t>& v) const {
    std::int64_t total = 0;
    for (const std::int64_t x : v) total += x;
    const double mean = static_cast<double>(total) / static_cast<double>(v.size());
    double re = 0, im = 0;
    for (std::size_t x = 0; x < v.size(); ++x) {
      const double d = static_cast<double>(v[x]) - mean;
      re += d * c[x];
      im += d * s[x];
    }
    return re * re + im * im;
  }
};

// The Fourier power at k_min only needs the column sums (for k along x) and row sums (along y).
std::array<double, 2> fourier_power(const ising::Lattice& lattice,
                                    std::span<const std::int8_t> config, const PhaseTable& px,
                                    const PhaseTable& py, std::vector<std::int64_t>& cols,
                                    std::vector<std::int64_t>& rows) {
  const std::size_t lx = static_cast<std::size_t>(lattice.lx);
  const std::size_t ly = static_cast<std::size_t>(lattice.ly);
  cols.assign(lx, 0);
  rows.assign(ly, 0);
  for (std::size_t y = 0; y < ly; ++y) {
    const std::int8_t* row = config.data() + y * lx;
    std::int64_t sum = 0;
    for (std::size_t x = 0; x < lx; ++x) {
      cols[x] += row[x];
      sum += row[x];
    }
    rows[y] = sum;
  }
  const double n2 = static_cast<double>(lattice.sites()) * static_cast<double>(lattice.sites());
  const double fx = px.power(cols) / n2;
  const double fy = lattice.dim == 2 ? py.power(rows) / n2 : 0.0;
  return {fx, fy};
}

void check_config(const ising::Lattice& lattice, std::span<const std::int8_t> config) {
  if (config.size() != lattice.sites()) {
    throw ShapeError("configuration has " + std::to_string(config.size()) + " spins, lattice has " +
                     std::to_string(lattice.sites()));
  }
}

void check_samples(const ising::Model& model, std::span<const std::int8_t> samples,
                   std::size_t n_samples) {
  model.validate();
  const std::size_t n = model.lattice.sites();
  if (n_samples == 0) throw ShapeError("measure: no samples");
  if (n_samples > samples.size() / n || samples.size() != n_samples * n) {
    throw ShapeError("samples hold " + std::to_string(samples.size()) + " spins, expected " +
                     std::to_string(n_samples) + " samples × " + std::to_string(n) + " sites");
  }
}

// ξ_2nd from χ(0)/χ(k) = m2/f at wavevector 2π/l; NaN when undefined.
double second_moment_length(double m2, double f, int l) {
  if (!(f > 0) || !(m2 >= f)) return kNaN;
  return std::sqrt(m2 / f - 1.0) / (2.0 * std::sin(std::numbers::pi / l));
}

}  // namespace

double energy_per_spin(const ising::Model& model, std::span<const std::int8_t> config) {
  check_config(model.lattice, config);
  return ising::energy(model, config) / static_cast<double>(config.size());
}

double magnetization_per_spin(std::span<const std::int8_t> config) {
  if (config.empty()) throw ShapeError("magnetization_per_spin: empty configuration");
  return static_cast<double>(ising::magnetization(config)) / static_cast<double>(config.size());
}

std::array<double, 2> fourier_power_kmin(const ising::Lattice& lattice,
                                         std::span<const std::int8_t> config) {
  check_config(lattice, config);
  std::vector<std::int64_t> cols, rows;
  return fourier_power(lattice, config, PhaseTable(lattice.lx), PhaseTable(lattice.ly), cols, rows);
}

SampleSeries sample_series(const ising::Model& model, std::span<const std::int8_t> samples,
                           std::size_t n_samples, int threads) {
  check_samples(model, samples, n_samples);
  const std::size_t n = model.lattice.sites();
  SampleSeries out{std::vector<double>(n_samples), std::vector<double>(n_samples)};
  const std::size_t chunks = (n_samples + kChunk - 1) / kChunk;
  parallel_for(chunks, threads, [&](std::size_t c) {
    const std::size_t end = std::min(n_samples, (c + 1) * kChunk);
    for (std::size_t i = c * kChunk; i < end; ++i) {
      const auto config = samples.subspan(i * n, n);
      out.energy_per_spin[i] = ising::energy(model, config) / static_cast<double>(n);
      out.magnetization[i] =
          static_cast<double>(ising::magnetization(config)) / static_cast<double>(n);
    }
  });
  return out;
}

Observables measure(const ising::Model& model, std::span<const std::int8_t> samples,
                    std::size_t n_samples, int blocks, int threads) {
  check_samples(model, samples, n_samples);
  if (blocks < 1) {
    throw ConfigError("blocks",
                      "number of blocks must be at least 1, got " + std::to_string(blocks));
  }
  const ising::Lattice& lattice = model.lattice;
  const std::size_t n = lattice.sites();
  const double nd = static_cast<double>(n);

  // Pass 1 (parallel): e, m, F_x, F_y per sample, each written to its own slot.
  std::vector<double> e(n_samples), m(n_samples), fx(n_samples), fy(n_samples);
  const PhaseTable px(lattice.lx), py(lattice.ly);
  const std::size_t chunks = (n_samples + kChunk - 1) / kChunk;
  parallel_for(chunks, threads, [&](std::size_t c) {
    std::vector<std::int64_t> cols, rows;
    const std::size_t end = std::min(n_samples, (c + 1) * kChunk);
    for (std::size_t i = c * kChunk; i < end; ++i) {
      const auto config = samples.subspan(i * n, n);
      e[i] = ising::energy(model, config) / nd;
      m[i] = static_cast<double>(ising::magnetization(config)) / nd;
      const auto f = fourier_power(lattice, config, px, py, cols, rows);
      fx[i] = f[0];
      fy[i] = f[1];
    }
  });

  // Pass 2 (sequential, so the sums are independent of the thread count). Variances are taken
  // of e and |m| shifted by their sample means: C and χ are differences of nearly equal
  // moments, and centring keeps the cancellation harmless on large lattices.
  double e0 = 0, a0 = 0;
  for (std::size_t i = 0; i < n_samples; ++i) {
    e0 += e[i];
    a0 += std::abs(m[i]);
  }
  e0 /= static_cast<double>(n_samples);
  a0 /= static_cast<double>(n_samples);

  enum : std::size_t { kE, kE2, kA, kA2, kM2, kM4, kFx, kFy, kSeries };
  std::vector<double> table(n_samples * kSeries);
  for (std::size_t i = 0; i < n_samples; ++i) {
    double* row = table.data() + i * kSeries;
    const double de = e[i] - e0, da = std::abs(m[i]) - a0, m2 = m[i] * m[i];
    row[kE] = de;
    row[kE2] = de * de;
    row[kA] = da;
    row[kA2] = da * da;
    row[kM2] = m2;
    row[kM4] = m2 * m2;
    row[kFx] = fx[i];
    row[kFy] = fy[i];
  }
  const BlockedSeries blocked(table, kSeries, blocks);

  const double t = model.T;
  Observables out;
  out.samples = n_samples;
  out.energy_per_spin = jackknife(blocked, [&](std::span<const double> x) { return e0 + x[kE]; });
  out.abs_magnetization = jackknife(blocked, [&](std::span<const double> x) { return a0 + x[kA]; });
  out.specific_heat = jackknife(
      blocked, [&](std::span<const double> x) { return nd * (x[kE2] - x[kE] * x[kE]) / (t * t); });
  // |m|² = m², so ⟨m²⟩ − ⟨|m|⟩² is the variance of |m|, computed from the centred series.
  out.susceptibility = jackknife(
      blocked, [&](std::span<const double> x) { return nd * (x[kA2] - x[kA] * x[kA]) / t; });
  out.binder_cumulant = jackknife(blocked, [&](std::span<const double> x) {
    if (!(x[kM2] > 0)) return kNaN;
    return 1.0 - x[kM4] / (3.0 * x[kM2] * x[kM2]);
  });
  out.correlation_length = jackknife(blocked, [&](std::span<const double> x) {
    if (lattice.dim == 1) return second_moment_length(x[kM2], x[kFx], lattice.lx);
    if (lattice.lx == lattice.ly) {
      return second_moment_length(x[kM2], 0.5 * (x[kFx] + x[kFy]), lattice.lx);
    }
    return 0.5 * (second_moment_length(x[kM2], x[kFx], lattice.lx) +
                  second_moment_length(x[kM2], x[kFy], lattice.ly));
  });
  return out;
}

nlohmann::json to_json(const Observables& o) {
  nlohmann::json j;
  auto put = [&j](const char* key, const Estimate& e) { put_estimate(j, key, e.value, e.error); };
  j["samples"] = o.samples;
  put("energy_per_spin", o.energy_per_spin);
  put("abs_magnetization", o.abs_magnetization);
  put("susceptibility", o.susceptibility);
  put("specific_heat", o.specific_heat);
  put("binder_cumulant", o.binder_cumulant);
  put("correlation_length", o.correlation_length);
  return j;
}

}  // namespace deeprg::mc
