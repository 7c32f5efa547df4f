#pragma once
/// The equilibrium sampler: thermalises, measures the integrated autocorrelation time and
/// collects samples spaced so that successive ones are effectively independent.
///
/// Procedure (all deterministic for a seed, whatever the thread count):
///  1. Pilot chain (its own random stream): thermalise, then record the energy and |m| after
///     every sweep and estimate τ_int of each with Sokal's automatic window; the run length is
///     doubled until it exceeds 50 τ_int or the pilot budget is spent (then τ_int is flagged
///     unreliable). τ = max(τ_E, τ_|m|).
///  2. `chains` independent chains (stream c for chain c), each started cold (all spins up: a
///     hot start below and near T_c gets stuck in long-lived stripe states), thermalised for
///     max(pilot thermalisation, 20 τ) sweeps (or the explicit count), then sampled every
///     `spacing` sweeps, spacing = max(1, ⌈2 τ⌉) when automatic.
///  3. At h = 0, each stored sample is flipped globally with probability 1/2 (optional, on by
///     default): an exact symmetry of H that local algorithms cannot cross below T_c.
/// Chain c stores samples [c·n/chains, (c+1)·n/chains) of the output.
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "deeprg/io/spin_file.hpp"
#include "deeprg/mc/chain.hpp"

namespace deeprg::mc {

struct SamplerOptions {
  Algorithm algorithm = Algorithm::wolff;
  std::size_t samples = 1000;
  std::optional<std::int64_t> thermalization;  ///< sweeps per chain; nullopt = automatic
  std::optional<std::int64_t> spacing;         ///< sweeps between samples; nullopt = automatic
  std::uint64_t seed = 1;
  int threads = 0;  ///< 0 = all cores; never changes the result
  int chains = 16;  ///< independent chains (capped at `samples`); part of the result's identity
  bool global_flip = true;  ///< random global flip of stored samples, only applied at h = 0
  /// Upper bound on the pilot's length in spin updates (sweeps × N); it sets how long a τ_int
  /// estimate may take on a large lattice.
  double pilot_budget_updates = 4e9;
  /// Called now and then with (work done, total work) in sweeps; may be empty.
  std::function<void(double, double)> progress;
};

/// What the sampler did, for the sidecar and the user.
struct SamplerReport {
  double tau_int = 0;  ///< max over observables, in sweeps
  double tau_int_error = 0;
  double tau_int_energy = 0;
  double tau_int_abs_magnetization = 0;
  bool tau_reliable = true;  ///< pilot longer than 50 τ_int
  std::int64_t pilot_sweeps = 0;
  std::int64_t thermalization = 0;  ///< sweeps per chain
  std::int64_t spacing = 0;         ///< sweeps between stored samples
  int chains = 0;
  bool global_flip = false;  ///< whether global flips were applied
  double seconds = 0;        ///< wall time
};

/// Samples `options.samples` configurations of `model`. Throws ConfigError for impossible
/// options (zero samples, negative spacing, algorithm incompatible with the model).
io::SpinSamples sample(const ising::Model& model, const SamplerOptions& options,
                       SamplerReport* report = nullptr);

/// "auto" picks Wolff at h = 0 with J > 0 (cluster updates beat critical slowing down) and
/// Metropolis otherwise; any other name as parse_algorithm.
Algorithm resolve_algorithm(const std::string& name, const ising::Model& model);

/// The sidecar that records how samples were made (written beside samples.npy as
/// samples.npy.json): ising::to_json(model), deeprg_version, algorithm, samples, seed, chains,
/// start, thermalization_sweeps, spacing_sweeps, spacing_mode, the pilot's τ_int estimates
/// (when one ran), random_global_flip and seconds.
nlohmann::json sidecar_json(const ising::Model& model, const SamplerOptions& options,
                            const SamplerReport& report);

}  // namespace deeprg::mc
