#pragma once
/// The RBM as a sampler: long block-Gibbs chains of an RBM trained on Ising configurations,
/// measured like a Monte Carlo run and compared with Wolff and with the exact finite torus.
///
/// A separate header from rbm_flow.hpp because the concept differs: the flow follows an
/// ensemble of *given* configurations for a few steps (independent samples, no time series);
/// the sampler runs few chains for many steps from a hot start and treats each as a Markov
/// chain time series, with thermalisation, autocorrelation and blocking. The move is the same
/// function, analysis::sampled_step (one sweep = one v → h → v step).
///
/// Procedure, chain c = 0 … chains−1 (each one work item, one stream
/// Rng(seed, stream_id("rbmc", c)) for its hot start and all its draws, so the result is
/// bit-identical for any thread count):
///   1. hot start: every spin ±1 with probability 1/2;
///   2. `thermalization` sweeps, discarded;
///   3. `sweeps` sweeps; after each, e and |m| are recorded (for τ_int), and after every
///      `record_every`-th the configuration is stored for the observables.
///
/// Observables: mc::measure (mc/observables.hpp: E, |m|, χ, C, U4, second-moment ξ, the same
/// estimators as for Monte Carlo samples) of the stored configurations of all chains, chain c's
/// records contiguous, with `blocks` jackknife blocks per chain: chains × blocks blocks in all,
/// each inside one chain (block_begin aligns with the chain boundaries), so the delete-one-block
/// jackknife combines the chains and every block is a stretch of one time series. χ and C use
/// the temperature T of the options (the temperature the RBM was trained at).
///
/// Autocorrelation: τ_int (Sokal's window, mc/autocorrelation.hpp) of e and |m| of each chain,
/// per sweep; the estimate is the mean over chains, its error the standard error of that mean
/// over chains (with one chain: the Madras–Sokal error). Errors are trustworthy when a block
/// (sweeps/blocks sweeps) is much longer than τ_int: `blocks_long_enough` says whether it is at
/// least 10 τ_int of both series (then the binning error is underestimated by ≲ 5 %).
///
/// Thermometer: the temperature at which the exact finite-lattice energy per spin (Kaufman)
/// equals the chains' ⟨e⟩ (ising/thermometer.hpp), with its error δe / c(T).
///
/// Cost: chains × (thermalization + sweeps) × (2 products of 1 × N by N × n_hidden); memory:
/// chains × (sweeps / record_every) × N bytes of stored configurations.
#include <cstdint>
#include <functional>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "deeprg/ising/exact.hpp"
#include "deeprg/ising/model.hpp"
#include "deeprg/ising/thermometer.hpp"
#include "deeprg/mc/autocorrelation.hpp"
#include "deeprg/mc/observables.hpp"
#include "deeprg/mc/sampler.hpp"
#include "deeprg/rbm/rbm.hpp"

namespace deeprg::analysis {

/// How the Gibbs chains run and are measured (see above).
struct RbmChainOptions {
  int chains = 16;                     ///< independent chains, ≥ 1
  std::int64_t thermalization = 1000;  ///< sweeps discarded per chain, ≥ 0
  std::int64_t sweeps = 10000;         ///< measured sweeps per chain, ≥ 1
  std::int64_t record_every = 1;       ///< store a configuration every this many sweeps, ≥ 1
  std::uint64_t seed = 1;              ///< drives every draw
  int threads = 0;                     ///< 0 = all cores; never changes the result
  int blocks = 10;  ///< jackknife blocks per chain, ≥ 1 (chains × blocks ≥ 2)
  double T = ising::kCriticalTemperature;  ///< temperature of χ and C, > 0
  double J = 1.0;                          ///< coupling of the energy and thermometer, > 0
  /// Called now and then with (sweeps done, total sweeps) over all chains, from worker threads
  /// one at a time (serialised); may be empty.
  std::function<void(double, double)> progress;
};

/// An integrated autocorrelation time in sweeps, over chains.
struct ChainTau {
  double tau = std::numeric_limits<double>::quiet_NaN();    ///< mean over chains of τ̂_int
  double error = std::numeric_limits<double>::quiet_NaN();  ///< its standard error
  bool reliable = false;  ///< every chain's estimate reliable (mc::integrated_autocorrelation_time)
};

/// What the chains measured.
struct RbmChainResult {
  ising::Lattice lattice;
  double T = 0, J = 1;
  int chains = 0;
  std::int64_t sweeps = 0, thermalization = 0, record_every = 1;
  int blocks = 0;                         ///< per chain
  mc::Observables observables;            ///< E, |m|, χ, C, U4, ξ with jackknife errors
  ChainTau tau_energy;                    ///< τ_int of e, sweeps
  ChainTau tau_abs_magnetization;         ///< τ_int of |m|, sweeps
  double block_sweeps = 0;                ///< sweeps per jackknife block
  bool blocks_long_enough = false;        ///< block_sweeps ≥ 10 max(τ_E, τ_|m|)
  ising::TemperatureReading temperature;  ///< energy thermometer of ⟨e⟩ ± δe (2D tori only)
  /// Per chain, e and |m| after every measured sweep (chains × sweeps, chain-major).
  std::vector<double> energy_series, abs_magnetization_series;
};

/// Checks the options alone (the ConfigErrors of rbm_chains below), so that a caller can refuse
/// them before it trains a model.
void validate(const RbmChainOptions& options);

/// Runs the chains of `rbm` on the square `lattice` (see above). Throws ConfigError "chains"
/// (< 1), "sweeps" (< 1), "thermalization" (< 0), "record_every" (< 1 or > sweeps), "blocks"
/// (< 1, or fewer than 2 blocks in all, or more blocks per chain than records), "threads"
/// (< 0), "T" and "J" (not positive and finite); ShapeError when the RBM's visible layer is not
/// the lattice; whatever Rbm::validate throws. The thermometer is read on 2D lattices only and
/// left at T = NaN when ⟨e⟩ has no temperature (above 0: an antiferromagnetic model).
RbmChainResult rbm_chains(const rbm::Rbm& rbm, const ising::Lattice& lattice,
                          const RbmChainOptions& options);

/// One observable of the comparison table: the RBM chain, Wolff, the exact value when known,
/// and the differences in units of the combined error sqrt(δa² + δb²).
struct ObservableComparison {
  std::string name;  ///< energy_per_spin, abs_magnetization, susceptibility, ...
  mc::Estimate rbm;
  mc::Estimate wolff;
  double exact = std::numeric_limits<double>::quiet_NaN();        ///< NaN: no exact value
  double sigma_wolff = std::numeric_limits<double>::quiet_NaN();  ///< (rbm − wolff)/σ
  double sigma_exact = std::numeric_limits<double>::quiet_NaN();  ///< (rbm − exact)/δrbm
};

/// The RBM chain against Wolff and the exact finite torus.
struct RbmSamplerComparison {
  std::vector<ObservableComparison> rows;  ///< the six observables, in Observables' order
  mc::Observables wolff;                   ///< Wolff's measurement
  mc::SamplerReport wolff_report;          ///< how the Wolff samples were made
  ising::Thermodynamics exact;             ///< Kaufman at (lattice, J, T)
  bool has_exact = false;                  ///< exact is set (2D lattice)
};

/// The difference (a − b)/sqrt(δa² + δb²) (b exact when δb = 0); NaN when a value is undefined
/// or the combined error is not positive.
double difference_in_sigma(const mc::Estimate& a, const mc::Estimate& b);

/// Compares `chain` with `wolff` (observables of equilibrium samples at chain.T, e.g. from
/// wolff_reference) and, on 2D lattices, with the exact E and C (Kaufman at chain.T).
RbmSamplerComparison compare_with_reference(const RbmChainResult& chain,
                                            const mc::Observables& wolff);

/// Equilibrium reference: mc::sample of the Ising model (lattice, J, h = 0, T) with `sampler`
/// (algorithm as given; Wolff by default), measured by mc::measure with `blocks` blocks.
/// `report`, when set, receives the sampler's report.
mc::Observables wolff_reference(const ising::Lattice& lattice, double T, double J,
                                const mc::SamplerOptions& sampler, int blocks = 50,
                                mc::SamplerReport* report = nullptr);

/// The chain result as JSON: settings, observables (mc::to_json), tau_int_energy(_error),
/// tau_int_abs_magnetization(_error), tau_reliable, block_sweeps, blocks_long_enough and the
/// thermometer (T_energy, T_energy_error); non-finite values null. No series.
nlohmann::json to_json(const RbmChainResult& chain);

/// The comparison as JSON: one object per row (name, rbm, rbm_error, wolff, wolff_error, exact,
/// sigma_wolff, sigma_exact) under "rows", and the Wolff sampler's τ_int and sample count.
nlohmann::json to_json(const RbmSamplerComparison& comparison);

}  // namespace deeprg::analysis
