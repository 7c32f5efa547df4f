#pragma once
/// Thermodynamic observables of sampled Ising configurations, with jackknife error bars.
///
/// Per sample s (N = lattice.sites() spins, row-major ±1):
///   e = H(s)/N                      energy per spin (field term included),
///   m = (1/N) Σ_x s_x              magnetization per spin,
///   F = |m̃(k_min)|²,  m̃(k) = (1/N) Σ_x s_x e^{i k·x},
/// with k_min = 2π/L in 1D and k_min ∈ {(2π/Lx, 0), (0, 2π/Ly)} in 2D.
///
/// Estimators (⟨·⟩ = sample mean):
///   energy_per_spin    ⟨e⟩
///   abs_magnetization  ⟨|m|⟩
///   susceptibility     χ = N(⟨m²⟩ − ⟨|m|⟩²)/T. On a finite lattice at h = 0, ⟨m⟩ = 0 by
///                      symmetry, so the connected ⟨m²⟩ − ⟨m⟩² would measure χ(0)/N rather than
///                      the ordered-phase response; the |m| form is the standard finite-size
///                      substitute (Binder & Heermann, "Monte Carlo Simulation in Statistical
///                      Physics", §2.3; Landau & Binder, ch. 4).
///   specific_heat      C = N(⟨e²⟩ − ⟨e⟩²)/T²  (per spin).
///   binder_cumulant    U4 = 1 − ⟨m⁴⟩/(3⟨m²⟩²) (Binder 1981).
///   correlation_length second-moment length (Cooper, Freedman & Preston, Nucl. Phys. B 210,
///                      210 (1982)), with χ(k) = N⟨|m̃(k)|²⟩ and χ(0) = N⟨m²⟩:
///                        ξ = sqrt(χ(0)/χ(k_min) − 1) / (2 sin(π/L)).
///                      1D and square 2D (Lx = Ly): χ(k_min) uses F averaged over the two
///                      directions and L = Lx. Lx ≠ Ly: ξ_x and ξ_y are computed separately
///                      (each with its own k_min and L) and averaged, ξ = (ξ_x + ξ_y)/2, since
///                      averaging F over unequal wavevectors would mix two different lengths.
///                      χ(0) is the full (not connected) χ, the standard definition at h = 0;
///                      with h ≠ 0 the number is still reported but is no longer ξ_2nd proper.
///
/// Undefined values are NaN, never an exception: U4 when ⟨m²⟩ = 0, ξ when χ(k_min) = 0 or
/// χ(0) < χ(k_min) (possible from noise deep in the disordered phase). Errors are delete-one-
/// block jackknife errors (statistics.hpp) over min(blocks, n) contiguous blocks; with a single
/// sample every error is NaN. Blocks must be longer than the autocorrelation time of the
/// samples for the errors to be trustworthy.
#include <array>
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <span>
#include <vector>

#include "deeprg/ising/model.hpp"
#include "deeprg/mc/statistics.hpp"

namespace deeprg::mc {

/// Estimates of the standard observables from a set of configurations (see above).
struct Observables {
  Estimate energy_per_spin;     ///< ⟨e⟩, e = H/N
  Estimate abs_magnetization;   ///< ⟨|m|⟩
  Estimate susceptibility;      ///< χ = N(⟨m²⟩ − ⟨|m|⟩²)/T
  Estimate specific_heat;       ///< C = N(⟨e²⟩ − ⟨e⟩²)/T²
  Estimate binder_cumulant;     ///< U4 = 1 − ⟨m⁴⟩/(3⟨m²⟩²)
  Estimate correlation_length;  ///< second-moment ξ (Cooper, Freedman & Preston 1982)
  std::size_t samples = 0;      ///< n, the number of configurations measured
};

/// e = H(s)/N = (−J·bond_sum − h·Σs)/N for one configuration. Throws ShapeError unless
/// config.size() = model.lattice.sites().
double energy_per_spin(const ising::Model& model, std::span<const std::int8_t> config);

/// m = (1/N) Σ_x s_x (signed). Throws ShapeError for an empty configuration.
double magnetization_per_spin(std::span<const std::int8_t> config);

/// |m̃(k_min)|² per direction: {|m̃(2π/Lx, 0)|², |m̃(0, 2π/Ly)|²} in 2D, {|m̃(2π/L)|², 0} in 1D,
/// m̃(k) = (1/N) Σ_x s_x e^{i k·x}. Throws ShapeError unless config.size() = lattice.sites().
std::array<double, 2> fourier_power_kmin(const ising::Lattice& lattice,
                                         std::span<const std::int8_t> config);

/// Per-sample time series for autocorrelation analysis: energy per spin and signed
/// magnetization per spin of each configuration, in sample order.
struct SampleSeries {
  std::vector<double> energy_per_spin;
  std::vector<double> magnetization;
};

/// Computes SampleSeries for n_samples configurations stored back to back in `samples`, in
/// parallel on `threads` threads (0 = all); the result does not depend on the thread count.
/// Throws ShapeError unless samples.size() = n_samples · N, and ConfigError for an invalid model.
SampleSeries sample_series(const ising::Model& model, std::span<const std::int8_t> samples,
                           std::size_t n_samples, int threads = 0);

/// Measures all Observables of n_samples configurations stored back to back in `samples`
/// (sample i occupies [i·N, (i+1)·N)). Per-sample quantities are computed in parallel on
/// `threads` threads (0 = all) and reduced in sample order, so the result is bit-identical for
/// any thread count. Errors: jackknife over min(blocks, n) blocks. Throws ShapeError when
/// n_samples = 0 or samples.size() ≠ n_samples · N, ConfigError("blocks") when blocks < 1, and
/// ConfigError for an invalid model (Model::validate).
Observables measure(const ising::Model& model, std::span<const std::int8_t> samples,
                    std::size_t n_samples, int blocks = 50, int threads = 0);

/// The estimates as flat JSON (what `deeprg measure --json` prints after the model): "samples",
/// then energy_per_spin, abs_magnetization, susceptibility, specific_heat, binder_cumulant and
/// correlation_length, each with its "_error"; undefined values are null.
nlohmann::json to_json(const Observables& observables);

}  // namespace deeprg::mc
