#pragma once
/// What an ensemble of runs measured, over its members: the statistics of every number of their
/// analysis.json, the document written as ensemble.json, its headline table, and the ensemble's
/// figures and page. Pure functions of the members' outcomes in member order, so the same
/// members give the same bits however many ranks ran them.
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "deeprg/experiment/ensemble.hpp"

namespace deeprg::experiment {

/// Statistics over members of every number in their analysis.json documents, keyed by JSON
/// pointer ("/layers/1/receptive_field_radius_median"). For n members with a number x_k there:
///
///   mean = Σ x_k / n,  std = sqrt(Σ (x_k − mean)² / (n − 1))  (0 for n = 1),
///   stderr = std / sqrt(n),  min, max,  and "missing": members without a number there
///
/// (an undefined value, written null, counts as missing). A boolean gets n and "true", the
/// number of members where it holds. Left out: what describes a run rather than measures it
/// (the top-level config, seed, preset, deeprg_version and blas) and wall times wherever they
/// are (keys named "seconds" or ending in "_seconds", e.g. stage_seconds), which measure the
/// machine and would make the summary differ from one execution to the next. Members are
/// summed in the order given, so the result is the same bits for the same members.
nlohmann::json ensemble_statistics(const std::vector<nlohmann::json>& analyses);

/// The configuration the members share, as ensemble.json records it: options.base without
/// run.seed, run.threads and the swept key.
nlohmann::json recorded_config(const EnsembleOptions& options);

/// The sweep as ensemble.json records it: {"key", "values"}, or null for no sweep.
nlohmann::json sweep_json(const Sweep& sweep);

/// ensemble.json: deeprg's version, the preset, the shared configuration (without run.seed),
/// the seeds, each member's name, seed and status ("ok" or "failed" with its error), and the
/// statistics over the members that finished. For a sweep, "sweep" and, instead of one
/// "statistics", "groups": per value (in the sweep's order) its "value" ("key=value"), the
/// number of members that "succeeded" and their "statistics". Nothing in it depends on how the
/// ensemble was executed (ranks, times, which members were skipped): that goes to
/// ensemble-run.json.
nlohmann::json ensemble_document(const EnsembleOptions& options,
                                 const std::vector<MemberOutcome>& members);

/// ensemble-run.json: the ranks, the wall time, members per hour of those run now, and for each
/// member its rank, status (ran, skipped or failed) and seconds.
nlohmann::json execution_document(const std::vector<MemberOutcome>& members, int ranks,
                                  double seconds);

/// The headline rows of ensemble.json's statistics, one line each (receptive-field radius and
/// its ratio to the block's per layer, overlap with block spins, growth between layers, MCRG
/// exponents of the network and of majority rule, and how many members find each claim), as a
/// plain-text table with mean ± standard error, standard deviation, min and max; for a sweep,
/// one such table per value under its "key=value".
std::string headline_table(const nlohmann::json& document);

/// Writes, atomically, DIR/ensemble.json, DIR/ensemble-run.json, the figures in
/// DIR/ensemble-figures/ (receptive-field radius per layer: its mean with the seeds' standard
/// deviation and range, or for a sweep one mean ± std line per value, and every member's line)
/// and DIR/ensemble.html, the page that shows them with the headline table(s) and every
/// statistic. Throws IoError naming a file that cannot be written.
void write_ensemble_outputs(const std::filesystem::path& directory, const nlohmann::json& document,
                            const nlohmann::json& execution,
                            const std::vector<MemberOutcome>& members);

}  // namespace deeprg::experiment
