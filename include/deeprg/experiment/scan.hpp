#pragma once
/// A scan of the 2D Ising model over lattice sizes and temperatures: at every point (L, T) the
/// equilibrium samples (mc::sample), their observables with error bars next to the exact values
/// (mc::measure, ising::exact_json), their block-spin RG flow (rg::flow) and Swendsen's MCRG
/// exponents (rg::mcrg): what `deeprg sample`, `measure`, `flow` and `mcrg` do for one file, over
/// a grid, spread over the ranks of a Communicator and gathered into one table and figures.
///
///   DIR/L=16/T=2.269/samples.npy(.json)   the point's samples and their sidecar
///   DIR/L=16/T=2.269/point.json           every number measured at the point
///   DIR/scan.json                         the settings and every point's numbers, in grid order
///   DIR/scan-run.json                     how this execution went: ranks, times, who ran what
///   DIR/scan-figures/*.png, DIR/scan.html observables against T per L, the flow over
///                                         temperatures, the MCRG exponents against L
///
/// Point i (sizes outer, temperatures inner) runs on rank member_rank(i, size()), and its random
/// streams come from point_seed(seed, L, T) alone, so every point's outputs and scan.json are
/// the same bits on any number of ranks and without MPI. A rerun skips points whose point.json
/// records the same settings and runs the others; a point that fails is recorded with its error
/// and the others go on.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "deeprg/core/communicator.hpp"
#include "deeprg/experiment/ensemble.hpp"
#include "deeprg/experiment/observer.hpp"

namespace deeprg::experiment {

/// What a scan samples and measures. The model is the square-lattice ferromagnet at J = 1, h = 0
/// on periodic L × L lattices.
struct ScanOptions {
  std::vector<int> sizes{16, 32};  ///< lattice sides L, each 2 … 4096
  std::vector<double> temperatures{2.0, 2.1, 2.2, 2.269, 2.3, 2.4, 2.5};  ///< T = J/K, positive
  std::size_t samples = 10000;     ///< configurations per point
  std::uint64_t seed = 1;          ///< every point's streams derive from it (point_seed)
  std::string algorithm = "auto";  ///< as `deeprg sample --algorithm` (auto: Wolff)
  int chains = 16;                 ///< independent Markov chains per point
  int b = 2;                       ///< block side of the flow and of MCRG (majority rule)
  int blocks = 50;                 ///< jackknife blocks of the observables and the flow
  int mcrg_blocks = 20;            ///< jackknife blocks of MCRG
  bool flow = true;                ///< measure the block-spin flow at every point
  bool mcrg = true;                ///< MCRG exponents at every point (where L allows a step)
  bool keep_samples = true;        ///< write DIR/L=…/T=…/samples.npy
  int threads = 0;                 ///< 0 = this machine's cores shared among its ranks
  std::filesystem::path directory = "deeprg-scan";
};

/// Reads a list of temperatures: numbers and inclusive ranges FIRST:LAST:STEP, comma-separated
/// ("2.0:2.6:0.1,2.269"), kept in the order given. Throws ConfigError("T") for an empty list or
/// item, text that is not a number, a value that is not positive and finite, a range whose step
/// is not positive or whose LAST is below FIRST, two values that print alike (%.6g: they would
/// share a directory), or more than 10,000 values.
std::vector<double> parse_temperatures(const std::string& text);

/// Reads a list of lattice sides ("16,32,64"). Throws ConfigError("L") for an empty list or item,
/// a side that is not a whole number in 2 … 4096, a side listed twice, or more than 100 sides.
std::vector<int> parse_sizes(const std::string& text);

/// The seed of point (L, T): a mix of the scan's seed with L and T's bits (core/rng.hpp's
/// stream_id), below 2⁶³ like every seed deeprg records, so that a point's samples depend on
/// nothing else (neither its place in the grid nor the rank that runs it) and
/// `deeprg sample --L L --T T --seed point_seed(…)` with the scan's settings remakes them.
std::uint64_t point_seed(std::uint64_t seed, int L, double T);

/// The directory name of a point under the scan's: "L=16/T=2.269" (T as %.6g).
std::string point_name(int L, double T);

/// What fixes every point's numbers: the options but the grid (`sizes`, `temperatures`),
/// `threads`, `keep_samples` and `directory`. point.json and scan.json record it; a rerun into the
/// same directory with other settings is refused, while one with more sizes or temperatures runs
/// only the new points.
nlohmann::json scan_settings(const ScanOptions& options);

/// Throws ConfigError naming the option ("L", "T", "samples", "chains", "b", "blocks",
/// "mcrg_blocks", "algorithm", "threads") for an invalid value: no sizes or temperatures, a bad
/// one (as the parsers), 0 samples or more than 2³⁴ spins per point, fewer than 1 chain, b < 2, a
/// b that no size allows one block step with (flow) or that gives no MCRG step on any size
/// (mcrg), fewer than 2 or more blocks than samples, an unknown algorithm, negative threads.
void validate(const ScanOptions& options);

/// The scan after it ran.
struct ScanResult {
  /// Rank 0: every point's outcome, in grid order (name "L=…/T=…", group "L=…", seed the point's
  /// seed, analysis the point's point.json). Other ranks: their own points'.
  std::vector<MemberOutcome> points;
  nlohmann::json summary;  ///< rank 0: scan.json; elsewhere null
  double seconds = 0;
  std::size_t failed = 0;  ///< points that failed, on every rank
};

/// Runs every point on its rank (see above) and, on rank 0, writes scan.json, scan-run.json, the
/// figures and scan.html. Collective: every rank calls it with the same options. Only rank 0
/// reports to `observer` (its own points' sampling progress, and every point's status).
/// Throws, on every rank alike and before any point runs, ConfigError as validate(),
/// ConfigError("ranks") when there are more ranks than points, and ConfigError("directory")
/// when the directory cannot be created or written or holds a scan with other settings (naming
/// the setting). After the points ran, rank 0 throws IoError when it cannot write the scan's
/// outputs. A point's own failure is not thrown: it is in its outcome and counted in `failed`.
ScanResult run_scan(const ScanOptions& options, Communicator& world, Observer& observer);

/// scan.json: {"deeprg_version", "settings" (scan_settings), "sizes", "temperatures", "points": per
/// point in grid order
/// {"name", "L", "T", "seed", "status" ("ok" or "failed"), "error", and for "ok" its point.json's
/// "sampler", "observables", "exact", "flow" and "mcrg"}, "crossings": per quantity that does not
/// depend on L at T_c ("binder_cumulant", "xi_over_L") and pair of consecutive sizes, every
/// crossing of their curves over the temperatures both finished (mc::crossings), as {"quantity",
/// "L": [L1, L2], "T", "T_error", "between": [T_lo, T_hi]}: finite-size estimates of T_c}.
/// Nothing about the execution: the same document on any number of ranks.
nlohmann::json scan_document(const ScanOptions& options, const std::vector<MemberOutcome>& points);

/// The scan's table as text: per point L, T, energy, |m|, χ, C, U4, ξ/L with their errors, and
/// the deepest MCRG level's y_t and y_h.
std::string scan_table(const nlohmann::json& document);

/// The crossings of scan.json as a text table (quantity, sizes, T with its error, the interval
/// and the distance from the exact T_c in errors); empty when there are none.
std::string crossing_table(const nlohmann::json& document);

/// Writes DIR/scan-figures/*.png and DIR/scan.html from scan.json's document and the
/// execution's record (scan-run.json's). Throws IoError naming a file it cannot write.
void write_scan_report(const std::filesystem::path& directory, const nlohmann::json& document,
                       const nlohmann::json& execution);

}  // namespace deeprg::experiment
