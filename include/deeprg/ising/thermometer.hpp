#pragma once
/// Physical thermometers: the temperature of a set of configurations read off the exact
/// finite-lattice thermodynamics, never off a trained classifier.
///
/// Energy thermometer. On the periodic lx × ly torus (Kaufman, exact.hpp) or the periodic chain
/// (transfer matrix) at h = 0 and J > 0 the exact energy per spin u(T) = ⟨H⟩/(N) rises strictly
/// from the ground state u(0⁺) = −J·bonds/N (−2J in 2D, −J in 1D) to u(∞) = 0, with
///
///   du/dT = c(T) = (⟨H²⟩ − ⟨H⟩²)/(N T²) > 0,
///
/// the specific heat per spin. The thermometer returns the unique T with u(T) = e for a
/// measured mean energy e: safeguarded Newton in T (the exact derivative c from the jets of
/// exact.hpp) inside a bisection bracket, to a relative 1e-12 (or until the bracket cannot
/// shrink in double). Its error propagates the energy's error bar δe:
///
///   δT = δe / c(T)                          (linear),
///   [T_low, T_high] = [u⁻¹(e − δe), u⁻¹(e + δe)]   (by inversion; 0 or +∞ where e ∓ δe leaves
///                                                   the reachable range).
///
/// Conditioning: δT/T = (δe/|e|)·|e|/(T c), so at low T, where c ∝ e^{−8J/T}, a rounding-level
/// error in e gives a large error in T (at T = 0.5J on 10×10, one ulp of e moves T by ≈ 1e-11);
/// the returned error bar says so.
///
/// Nearest-neighbour thermometer. At h = 0, e = −J (bonds/N) ⟨s_i s_j⟩_nn exactly, configuration
/// by configuration, so the nearest-neighbour correlation thermometer is the same map applied to
/// e = −J (bonds/N) c_nn: it reads the same temperature from the same configurations (they
/// differ only when a field is present, which these exact references do not cover). It is
/// provided for callers that hold ⟨s_i s_j⟩ rather than e.
#include "deeprg/ising/model.hpp"

namespace deeprg::ising {

/// A temperature read off a thermometer, with the error propagated from its input.
struct TemperatureReading {
  double T = 0;       ///< u⁻¹(e); 0 at the ground state, +∞ at e = 0
  double error = 0;   ///< δe / c(T); 0 when δe = 0, +∞ at T = 0 with δe > 0
  double T_low = 0;   ///< u⁻¹(e − δe), 0 when e − δe is at or below the ground state
  double T_high = 0;  ///< u⁻¹(e + δe), +∞ when e + δe ≥ 0
  double energy = 0;  ///< e, the energy per spin that was read
  double specific_heat = 0;  ///< c(T) per spin, the slope du/dT used for `error`
};

/// Ground-state energy per spin −J·bonds/N of the lattice (−2J in 2D, −J in 1D).
double ground_state_energy_per_spin(const Lattice& lattice, double J = 1.0);

/// Exact energy and specific heat per spin at one temperature.
struct EnergyAndHeat {
  double energy_per_spin = 0;         ///< u(T) = ⟨H⟩/N
  double specific_heat_per_spin = 0;  ///< c(T) = du/dT
};

/// The exact finite-lattice energy per spin and specific heat per spin at temperature T, h = 0:
/// kaufman() in 2D, transfer_matrix() in 1D. Throws ConfigError "L"/"Ly" for a bad lattice,
/// "J" unless J > 0 and finite, "T" unless T > 0 and finite.
EnergyAndHeat exact_energy(const Lattice& lattice, double T, double J = 1.0);

/// The temperature at which the exact finite-lattice energy per spin equals `energy_per_spin`
/// (see above). Returns 0 for the ground-state energy and +∞ for 0. Throws ConfigError
/// "energy_per_spin" for NaN or ±∞, for e below the ground state ("below the ground state
/// −2J: no temperature reaches it") and for e > 0 ("above the T → ∞ limit 0"); "L"/"Ly" for a
/// bad lattice; "J" unless J > 0 and finite.
double energy_temperature(const Lattice& lattice, double energy_per_spin, double J = 1.0);

/// The energy thermometer with its error bar: T = energy_temperature(e), δT = δe/c(T) and the
/// inverted interval (see above). A mean above 0 by at most its error bar (0 < e ≤ δe: a hot
/// ensemble, whose sample mean may land on either side of u(∞) = 0) reads T = +∞ with
/// T_low = u⁻¹(e − δe); further above 0 it is an error. Throws as energy_temperature otherwise,
/// and ConfigError "energy_error" when δe is negative or not finite.
TemperatureReading energy_thermometer(const Lattice& lattice, double energy_per_spin,
                                      double energy_error, double J = 1.0);

/// The nearest-neighbour thermometer: energy_thermometer of e = −J (bonds/N) c_nn,
/// δe = J (bonds/N) δc_nn (the same map at h = 0; see above). Throws ConfigError
/// "nn_correlation" when c_nn is NaN, above 1 or below 0 (the T → ∞ limit), "nn_error" for a bad
/// error, and as energy_temperature otherwise.
TemperatureReading nn_thermometer(const Lattice& lattice, double nn_correlation, double nn_error,
                                  double J = 1.0);

/// The maximum of the exact finite-lattice specific heat per spin c(T) (h = 0): golden-section
/// search on T ∈ [0.5J, 6J] (c has one maximum there on the square lattice and on the chain)
/// to a relative 1e-9 in T. Returns u and c at the peak and stores its temperature in *T_peak
/// (when not null). Throws as exact_energy.
EnergyAndHeat specific_heat_peak(const Lattice& lattice, double J, double* T_peak);

}  // namespace deeprg::ising
