// Physical thermometers: exact finite-lattice energy inverted by safeguarded Newton.
#include "deeprg/ising/thermometer.hpp"

#include <cmath>
#include <cstdio>
#include <limits>
#include <string>

#include "deeprg/core/error.hpp"
#include "deeprg/ising/exact.hpp"

namespace deeprg::ising {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

std::string show(double x) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", x);
  return buf;
}

void check_coupling(double J) {
  if (!(std::isfinite(J) && J > 0))
    throw ConfigError("J", "the thermometers need a ferromagnetic coupling J > 0, got " + show(J));
}

/// Bonds per spin: 2 on the square lattice, 1 on the chain.
double bonds_per_spin(const Lattice& lattice) {
  return static_cast<double>(lattice.bonds()) / static_cast<double>(lattice.sites());
}

}  // namespace

double ground_state_energy_per_spin(const Lattice& lattice, double J) {
  lattice.validate();
  check_coupling(J);
  return -J * bonds_per_spin(lattice);
}

EnergyAndHeat exact_energy(const Lattice& lattice, double T, double J) {
  lattice.validate();
  check_coupling(J);
  if (!(std::isfinite(T) && T > 0))
    throw ConfigError("T", "temperature must be positive and finite, got " + show(T));
  const Model model{lattice, J, 0.0, T};
  const Thermodynamics t = lattice.dim == 1 ? transfer_matrix(model) : kaufman(model);
  return {t.energy_per_spin, t.specific_heat_per_spin};
}

double energy_temperature(const Lattice& lattice, double e, double J) {
  const double e0 = ground_state_energy_per_spin(lattice, J);
  if (!std::isfinite(e))
    throw ConfigError("energy_per_spin", "the energy per spin must be finite, got " + show(e));
  if (e < e0)
    throw ConfigError("energy_per_spin", show(e) + " is below the ground state " + show(e0) +
                                             " per spin: no temperature reaches it");
  if (e > 0)
    throw ConfigError("energy_per_spin",
                      show(e) +
                          " is above the T -> infinity limit 0 per spin: no positive "
                          "temperature of the ferromagnet reaches it");
  if (e == e0) return 0.0;
  if (e == 0) return kInf;
  const auto u = [&](double T) { return exact_energy(lattice, T, J); };

  // Bracket [lo, hi] with u(lo) < e ≤ u(hi), by doubling or halving from T = J.
  double lo = 0, hi = J;
  EnergyAndHeat at = u(hi);
  if (at.energy_per_spin < e) {
    while (at.energy_per_spin < e) {
      lo = hi;
      hi *= 2;
      // High-T asymptotics u ≈ −J (bonds/N) K: beyond double's range of T, that is the answer.
      if (hi > 1e300) return J * bonds_per_spin(lattice) / -e;
      at = u(hi);
    }
  } else {
    double t = hi;
    for (;;) {
      t /= 2;
      if (t < 1e-300) return 0.0;  // e within rounding of the ground state
      const EnergyAndHeat below = u(t);
      if (below.energy_per_spin < e) {
        lo = t;
        break;
      }
      hi = t;
      at = below;
    }
  }

  // Safeguarded Newton on f(T) = u(T) − e, increasing in T with f' = c(T) > 0.
  double T = hi;
  for (int iteration = 0; iteration < 400; ++iteration) {
    const double f = at.energy_per_spin - e;
    if (f == 0) return T;
    if (f < 0)
      lo = T;
    else
      hi = T;
    double next = at.specific_heat_per_spin > 0 ? T - f / at.specific_heat_per_spin : -1;
    if (!(next > lo && next < hi)) next = 0.5 * (lo + hi);
    const double step = std::abs(next - T);
    T = next;
    if (step <= 1e-13 * T || hi - lo <= 4 * std::numeric_limits<double>::epsilon() * hi) break;
    at = u(T);
  }
  return T;
}

TemperatureReading energy_thermometer(const Lattice& lattice, double e, double error, double J) {
  if (!(std::isfinite(error) && error >= 0))
    throw ConfigError("energy_error",
                      "the energy's error bar must be finite and non-negative, got " + show(error));
  TemperatureReading r;
  r.energy = e;
  if (e > 0 && e - error <= 0) {
    // A hot ensemble whose mean lies above 0 by noise: consistent with T = ∞.
    r.T = r.error = r.T_high = kInf;
    r.T_low = energy_temperature(lattice, e - error, J);
    return r;
  }
  r.T = energy_temperature(lattice, e, J);
  const double e0 = ground_state_energy_per_spin(lattice, J);
  r.specific_heat =
      std::isfinite(r.T) && r.T > 0 ? exact_energy(lattice, r.T, J).specific_heat_per_spin : 0.0;
  if (error == 0)
    r.error = 0;
  else
    r.error = r.specific_heat > 0 ? error / r.specific_heat : kInf;
  r.T_low = e - error <= e0 ? 0.0 : energy_temperature(lattice, e - error, J);
  r.T_high = e + error >= 0 ? kInf : energy_temperature(lattice, e + error, J);
  return r;
}

TemperatureReading nn_thermometer(const Lattice& lattice, double c, double error, double J) {
  if (!(c >= 0 && c <= 1))
    throw ConfigError("nn_correlation",
                      "the nearest-neighbour correlation must lie in [0, 1] (the T -> infinity "
                      "limit and the ground state of the ferromagnet), got " +
                          show(c));
  if (!(std::isfinite(error) && error >= 0))
    throw ConfigError(
        "nn_error",
        "the correlation's error bar must be finite and non-negative, got " + show(error));
  lattice.validate();
  check_coupling(J);
  const double z = J * bonds_per_spin(lattice);
  return energy_thermometer(lattice, -z * c, z * error, J);
}

EnergyAndHeat specific_heat_peak(const Lattice& lattice, double J, double* T_peak) {
  check_coupling(J);
  const double phi = 0.5 * (std::sqrt(5.0) - 1);
  double a = 0.5 * J, b = 6.0 * J;
  double x1 = b - phi * (b - a), x2 = a + phi * (b - a);
  double c1 = exact_energy(lattice, x1, J).specific_heat_per_spin;
  double c2 = exact_energy(lattice, x2, J).specific_heat_per_spin;
  while (b - a > 1e-9 * b) {
    if (c1 > c2) {
      b = x2;
      x2 = x1;
      c2 = c1;
      x1 = b - phi * (b - a);
      c1 = exact_energy(lattice, x1, J).specific_heat_per_spin;
    } else {
      a = x1;
      x1 = x2;
      c1 = c2;
      x2 = a + phi * (b - a);
      c2 = exact_energy(lattice, x2, J).specific_heat_per_spin;
    }
  }
  const double T = 0.5 * (a + b);
  if (T_peak) *T_peak = T;
  return exact_energy(lattice, T, J);
}

}  // namespace deeprg::ising
