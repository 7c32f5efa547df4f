#pragma once
/// The block-spin RG flow made visible: observables of the same samples at every coarse-graining
/// level, each in units of that level's lattice.
///
/// Per configuration s on a lattice of N sites and N_b nearest-neighbour bonds:
///   m   = (1/N) Σ_x s_x,
///   nn  = (1/N_b) Σ_⟨ij⟩ s_i s_j = −e·N/N_b  with e = H/N at J = 1, h = 0  (N_b = 2N in 2D,
///         N in 1D; on a side of 2 the periodic doubled bonds count twice, as in ising::Model),
/// and per level (⟨·⟩ = mean over samples):
///   abs_magnetization   ⟨|m|⟩
///   nn_correlation      ⟨s_i s_j⟩ per bond, ⟨nn⟩
///   binder_cumulant     U4 = 1 − ⟨m⁴⟩/(3⟨m²⟩²)
///   correlation_length  second-moment ξ (mc/observables.hpp) in lattice spacings of the level.
/// All four come from mc::measure (a model with J = 1, h = 0, T = 1; none of them depends on T),
/// so their error bars are the same delete-one-block jackknife errors.
///
/// Fixed points: ordered (T < T_c) → |m| → 1, nn → 1, U4 → 2/3, ξ/L → ∞ (NaN once frozen);
/// disordered (T > T_c) → nn → 0, U4 → 0, ξ → 0; critical (T = T_c) → nn, U4 and ξ/L stay put.
///
/// What moves on a fixed finite lattice: coarse-graining the same samples rescales ξ and L by
/// the same b and majority rule nearly preserves m, so U4 and ξ/L change only by short-distance
/// corrections at every T: they say which basin the samples are in (U4 ≈ 2/3, 0.61 or 0 on the
/// torus) rather than flow. The nearest-neighbour correlation, a proxy for the effective
/// coupling K', and ξ in lattice units are what flow: e.g. 32×32, b = 2, levels 0 → 2:
/// nn 0.93 → 0.995 at T = 1.8, 0.718 → 0.735 at T_c, 0.33 → 0.09 at T = 3.5. Near the last
/// levels the coarse lattice is a few sites wide and finite-size effects push even T_c towards
/// order. Decimation at T_c does not stay put: its nn is the fine lattice's correlation at
/// distance b^level, which decays as r^(−1/4).
#include <cstddef>
#include <nlohmann/json.hpp>
#include <vector>

#include "deeprg/io/spin_file.hpp"
#include "deeprg/mc/statistics.hpp"
#include "deeprg/rg/block_spin.hpp"

namespace deeprg::rg {

/// Observables of one coarse-graining level.
struct LevelObservables {
  int level = 0;  ///< 0 = the input samples
  int lx = 0;     ///< lattice of this level
  int ly = 1;
  std::size_t samples = 0;
  mc::Estimate abs_magnetization;   ///< ⟨|m|⟩
  mc::Estimate nn_correlation;      ///< ⟨s_i s_j⟩ per nearest-neighbour bond
  mc::Estimate binder_cumulant;     ///< U4 = 1 − ⟨m⁴⟩/(3⟨m²⟩²)
  mc::Estimate correlation_length;  ///< second-moment ξ in this level's lattice spacings

  /// ξ/Lx with its error (Lx is exact, so the error scales by 1/Lx): the finite-size scaling
  /// variable that a critical fixed point leaves unchanged.
  mc::Estimate correlation_length_over_l() const;
};

/// Measures one set of samples as `level` (see the header comment). Errors: jackknife over
/// min(blocks, n) contiguous blocks. Throws ShapeError for inconsistent samples,
/// ConfigError("blocks") for blocks < 1.
LevelObservables measure_level(const io::SpinSamples& samples, int level, int blocks = 50,
                               int threads = 0);

/// Observables at levels 0 … `levels` of block-spin coarse-graining with `options` (level k is
/// block_spin applied k times). Only two levels are held in memory at a time. Throws as
/// block_spin_levels (before any work) and measure_level.
std::vector<LevelObservables> flow(const io::SpinSamples& samples, const BlockSpinOptions& options,
                                   int levels, int blocks = 50);

/// Flow under an arbitrary coarse-graining map (e.g. a learned one): level k + 1 is
/// map(level k, k). Throws ConfigError("levels") for levels < 0, plus whatever `map` throws.
std::vector<LevelObservables> flow(const io::SpinSamples& samples, const CoarseGraining& map,
                                   int levels, int blocks = 50, int threads = 0);

/// {"level", "L", "Ly" (2D only), "samples", "abs_magnetization", "abs_magnetization_error",
///  "nn_correlation", …_error, "binder_cumulant", …_error, "correlation_length", …_error,
///  "correlation_length_over_L", …_error}; undefined (NaN) values are null.
nlohmann::json to_json(const LevelObservables& level);
/// Array of to_json(level).
nlohmann::json to_json(const std::vector<LevelObservables>& levels);

}  // namespace deeprg::rg
