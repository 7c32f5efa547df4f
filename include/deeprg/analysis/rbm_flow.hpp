#pragma once
/// The "RBM flow" of Iso, Shiba & Yokoo (PRE 97, 053304, 2018), read with physical thermometers.
///
/// An RBM whose visible layer is the L × L lattice (visible unit i = site i, row-major) is
/// applied repeatedly to Ising configurations, v₀ → h → v₁ → h → v₂ → …, and after every step
/// the ensemble's temperature is read off the exact finite-lattice energy (ising/thermometer.hpp)
/// rather than off a trained classifier. Two kinds of step, named:
///
///   sampled     h ~ p(h | v_k), then v_{k+1} ~ p(v | h): one step of block Gibbs sampling, so
///               the flow of the ensemble is the Markov chain of the model (its fixed point is
///               the model's own distribution p(v));
///   mean_field  h = E[h | v_k] (σ(x) or tanh(x), x = b + Wᵀv), then v_{k+1} = sign(y),
///               y = a + W h: each visible unit takes its more probable state given the
///               mean-field hidden layer (for bernoulli visible units that is E[v | h] = σ(y)
///               thresholded at 1/2; y = 0 draws a random sign). A deterministic map of
///               configurations, Iso et al.'s reconstruction made binary so that the
///               configurations stay Ising configurations and the thermometer applies.
///
/// Per step k = 0 (the start) … steps: the energy per spin e = −J (bonds/N)⟨s_i s_j⟩_nn of every
/// configuration, its mean with the delete-one-block jackknife error (mc/statistics.hpp) over
/// `blocks` contiguous blocks of the configurations, ⟨|m|⟩ likewise, and the temperature
/// T_k = u⁻¹(⟨e⟩) with δT_k = δe / c(T_k). Since e = −J (bonds/N) c_nn at h = 0, the
/// nearest-neighbour thermometer reads the same T_k (thermometer.hpp).
///
/// With a Monte Carlo reference curve of the same lattice (mc/reference_curve.hpp), two more
/// thermometers read every step: the T at which the reference ⟨|m|⟩ equals the ensemble's, and
/// the same for the Binder cumulant U4 = 1 − ⟨m⁴⟩/(3⟨m²⟩²) (jackknife over the same blocks).
/// The energy measures short-range order, |m| and U4 long-range order: an ensemble that is not
/// an equilibrium ensemble at any T (an RBM's) may read different temperatures on them, and
/// that disagreement is itself a finding.
///
/// Configurations are independent (one per starting sample), so blocks are honest whenever the
/// starting configurations are: the flow never mixes samples.
///
/// Reproducibility: sample i's draws at step k come from Rng(seed, stream_id("rbmf", k, i, 0))
/// (hidden layer) and (…, 1) (visible layer), and its products run in fixed chunks of 64
/// samples on one thread each, so the result is bit-identical for any thread count.
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <vector>

#include "deeprg/core/matrix.hpp"
#include "deeprg/core/rng.hpp"
#include "deeprg/io/spin_file.hpp"
#include "deeprg/ising/thermometer.hpp"
#include "deeprg/mc/reference_curve.hpp"
#include "deeprg/mc/sampler.hpp"
#include "deeprg/mc/statistics.hpp"
#include "deeprg/rbm/rbm.hpp"

namespace deeprg::analysis {

/// How one v → h → v step is made (see above).
enum class FlowStep { sampled, mean_field };

/// "sampled" or "mean-field".
std::string to_string(FlowStep step);
/// Inverse of to_string ("mean_field" is accepted too); throws ConfigError(key) otherwise.
FlowStep parse_flow_step(const std::string& name, const std::string& key = "step");

struct RbmFlowOptions {
  int steps = 20;                     ///< v → h → v steps after the start, ≥ 0
  FlowStep step = FlowStep::sampled;  ///< sampled or mean-field steps
  std::uint64_t seed = 1;             ///< drives every draw (sampled steps, ties)
  int threads = 0;                    ///< 0 = all cores; never changes the result
  int blocks = 20;                    ///< jackknife blocks, ≥ 2 (capped at the sample count)
  double J = 1.0;                     ///< coupling of the thermometer's Ising model, > 0
  bool keep_configurations = false;   ///< return the configurations after every step
  bool keep_energies = false;         ///< return every configuration's energy after every step
};

/// The thermometers a flow is read with (see above).
enum class Thermometer { energy, abs_magnetization, binder_cumulant };

/// "energy", "abs_magnetization" or "binder_cumulant".
std::string to_string(Thermometer thermometer);

/// The ensemble after one step.
struct RbmFlowPoint {
  int step = 0;                                    ///< k; 0 = the starting configurations
  mc::Estimate energy_per_spin;                    ///< ⟨e⟩ with its jackknife error
  mc::Estimate abs_magnetization;                  ///< ⟨|m|⟩ with its jackknife error
  mc::Estimate binder_cumulant;                    ///< U4 with its jackknife error
  ising::TemperatureReading temperature;           ///< energy thermometer of ⟨e⟩ ± δe
  mc::CurveReading temperature_abs_magnetization;  ///< |m| thermometer (NaN without a curve)
  mc::CurveReading temperature_binder;             ///< U4 thermometer (NaN without a curve)

  /// T and its error by one thermometer.
  mc::Estimate T(Thermometer thermometer) const;
  /// The part of that error which a reference curve contributes (0 for the exact energy).
  double curve_error(Thermometer thermometer) const;
};

/// A whole flow from one set of starting configurations.
struct RbmFlow {
  std::vector<RbmFlowPoint> points;  ///< steps + 1 points, k = 0 … steps
  /// With keep_configurations: the configurations after each step (steps + 1 sets).
  std::vector<io::SpinSamples> configurations;
  /// With keep_energies: energy per spin of configuration i after step k at [k·n + i]
  /// (n starting configurations), for the distributions of E along the flow.
  std::vector<double> energies;
};

/// Runs the flow of `start` through `rbm` (see above), read by the curve thermometers too when
/// `reference` is given (ShapeError unless it belongs to start's lattice). Throws ConfigError
/// "steps" (< 0), "blocks" (< 2), "threads" (< 0), "J" (≤ 0 or not finite), "step" (an unknown
/// step); ShapeError when the RBM's visible layer is not the lattice (n_visible ≠ sites) or `start`
/// holds no samples or spins that do not fill its count; whatever Rbm::validate and the
/// thermometer throw (an ensemble whose mean energy lies above 0 — an antiferromagnetic flow —
/// has no temperature: ConfigError "energy_per_spin").
RbmFlow rbm_flow(const rbm::Rbm& rbm, const io::SpinSamples& start, const RbmFlowOptions& options,
                 const mc::ReferenceCurve* reference = nullptr);

/// The flow as JSON: one object per point with step, energy_per_spin(_error),
/// abs_magnetization(_error), binder_cumulant(_error), T, T_error, T_low, T_high (the energy
/// thermometer) and, when read by a reference curve, T_abs_magnetization and T_binder
/// (mc::to_json of the readings); non-finite values null.
nlohmann::json to_json(const RbmFlow& flow);

/// The inverse of to_json(const RbmFlow&): the points of a saved flow (null reads as NaN; no
/// configurations or energies), for runs that resume from their files. to_json of the result
/// is the JSON it was read from. Throws ConfigError naming the first missing or malformed key.
RbmFlow rbm_flow_from_json(const nlohmann::json& json);

/// One sampled v → h → v step (block Gibbs sampling) of a batch of configurations, in place:
/// h ~ p(h | v) with x = b + Wᵀv, the unit of row r drawn from hidden_rngs[r]; then
/// v ~ p(v | h) with y = a + W h from visible_rngs[r]. `v` holds the rows in the RBM's visible
/// alphabet and `spins` the same rows as ±1 (row-major, rows × n_visible); both are updated.
/// `x` and `y` are workspaces. The same span may be passed for both layers (one stream per
/// row); draws for row r come from that row's streams only, so a row's result does not depend
/// on the other rows. This is the sampled step of rbm_flow and the move of rbm_chains
/// (rbm_sampler.hpp). Asserts (does not check) the shapes: callers validate at their boundary.
void sampled_step(const rbm::Rbm& rbm, MatrixF& v, std::span<std::int8_t> spins,
                  std::span<Rng> hidden_rngs, std::span<Rng> visible_rngs, MatrixF& x, MatrixF& y);

/// Iso et al.'s temperature grid: T = 0.25, 0.5, …, 6.0 (24 temperatures).
std::vector<double> iso_temperatures();

/// Equilibrium samples at each temperature of a grid (mc::sample with `options`, the seed of
/// temperature t being Rng-mixed from options.seed and t's index so the sets are independent).
/// Throws ConfigError "temperatures" for an empty grid or a temperature that is not positive
/// and finite, and whatever mc::sample throws. `progress`, when set, is called with
/// (temperatures done, total).
std::vector<io::SpinSamples> sample_temperature_grid(
    const ising::Lattice& lattice, std::span<const double> temperatures,
    const mc::SamplerOptions& options, const std::function<void(double, double)>& progress = {});

/// The rows of all sets, concatenated, as the visible layer of an RBM with `units` visible units
/// (what rbm::train_rbm takes). Throws ShapeError when the sets' lattices differ or none is given.
MatrixF visible_rows(std::span<const io::SpinSamples> sets, rbm::Units units);

/// Estimate of the flow's fixed point from several flows by one thermometer: T* = the mean over
/// starts of the last step's T (finite, positive readings with finite errors only; a flat
/// reference curve gives none), with the statistical error of that mean: the starts are
/// independent, but readings off one reference curve share its error c_i, so
///   δT* = sqrt(Σ (δT_i² − c_i²)/n² + (Σ c_i/n)²);
/// `spread` = max − min of those readings, the systematic check: small when every start has
/// reached one limit, large when the flow has not converged or has several fixed points. Throws
/// ShapeError when no flow has a point.
struct FixedPoint {
  mc::Estimate T;          ///< T*
  double spread = 0;       ///< max − min over starts at the last step
  std::size_t starts = 0;  ///< finite readings that entered
};
FixedPoint fixed_point(std::span<const RbmFlow> flows,
                       Thermometer thermometer = Thermometer::energy);

}  // namespace deeprg::analysis
