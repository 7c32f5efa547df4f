#pragma once
/// An ensemble of runs of the experiment (run.hpp): one member per seed, each an ordinary run in
/// its own directory, spread over the ranks of a Communicator, and gathered on rank 0 into one
/// summary (ensemble_summary.hpp).
///
///   DIR/seed-1/ … DIR/seed-N/   each exactly what `deeprg run --seed K --out DIR/seed-K` writes
///   DIR/ensemble.json            every number of the members' analysis.json: mean, standard
///                                error, standard deviation, min and max over the members
///   DIR/ensemble-run.json        how this execution went: ranks, which member ran where, times
///   DIR/ensemble.html, DIR/ensemble-figures/*.png
///
/// Member i runs on rank i mod size(): a static assignment, so which rank runs a member never
/// depends on timing, and since each member is an independent run from its own seed, every
/// member's outputs and ensemble.json are the same bits on any number of ranks (and without MPI).
/// A rerun of the same ensemble skips members whose directory holds a complete run
/// (run_complete) and resumes the others (run.hpp: reused samples, training resumed from its
/// checkpoint). A member that fails is recorded with its error; the others go on.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "deeprg/core/communicator.hpp"
#include "deeprg/experiment/config.hpp"
#include "deeprg/experiment/observer.hpp"

namespace deeprg::experiment {

/// One run of an ensemble: its name, which is also its directory under the ensemble's, and its
/// configuration. Members over seeds are "seed-N"; members of a sweep over a key name its value
/// too ("lattice.K=0.42/seed-3"), and `group` ("lattice.K=0.42") gathers the seeds of one value.
struct EnsembleMember {
  std::string name;
  ExperimentConfig config;
  std::string group;  ///< "" outside a sweep
};

/// A sweep over one configuration key: `--sweep lattice.K=0.40,0.4207,0.4407`.
struct Sweep {
  std::string key;                  ///< "" for no sweep
  std::vector<std::string> values;  ///< as written, each a value `--set key=value` accepts
};

/// Reads "key=v1,v2,…": values are split at commas outside brackets and quotes (so
/// "dbn.hidden=[400,100],[400,50]" has two). Each value must be one that `--set key=value`
/// accepts on `base` (apply_override). Throws ConfigError("sweep") for text without '=', an
/// empty value, a value listed twice, a value with '/' (it names a directory), or more than
/// 1000 values; ConfigError(key) for an unknown key or a bad value.
Sweep parse_sweep(const std::string& text, const ExperimentConfig& base);

/// For each value of the sweep, `base` with the key set to it, once per seed: members named
/// "key=value/seed-N" in that order (values outer, seeds inner), grouped by "key=value".
std::vector<EnsembleMember> sweep_members(const ExperimentConfig& base, const Sweep& sweep,
                                          const std::vector<std::uint64_t>& seeds);

/// Seeds written as a comma-separated list of whole numbers and increasing ranges: "1-8",
/// "1,3,5", "1-4,10". Throws ConfigError("seeds") for an empty list or item, a decreasing range
/// ("3-1"), anything that is not a decimal whole number ("a", "-1", "1.5"), a seed beyond
/// 2^63 − 1 (what run.seed holds), a seed listed twice, or more than 100,000 seeds.
std::vector<std::uint64_t> parse_seeds(const std::string& text);

/// `base` once per seed, with run.seed set to it, named "seed-N", in the order given.
std::vector<EnsembleMember> seed_members(const ExperimentConfig& base,
                                         const std::vector<std::uint64_t>& seeds);

/// The rank that runs member `index` of an ensemble on `ranks` ranks.
constexpr int member_rank(std::size_t index, int ranks) {
  return static_cast<int>(index % static_cast<std::size_t>(ranks));
}

/// Whether `directory` holds a finished run of `config`: config.json records the same
/// configuration (every key but run.threads, which never changes a result, analysis keys
/// included), and the run's last writes are there (report.html, and analysis.json with the stage
/// times that run() adds after the report). A killed run lacks them; run() then resumes it.
bool run_complete(const std::filesystem::path& directory, const ExperimentConfig& config);

/// Where and how an ensemble runs.
struct EnsembleOptions {
  std::filesystem::path directory = "deeprg-ensemble";
  std::string preset = "paper";  ///< recorded in every member's config.json and in the summary
  /// The configuration the members share (its run.seed aside, and the swept key), recorded in
  /// ensemble.json.
  ExperimentConfig base;
  Sweep sweep;  ///< the key and values swept, recorded in ensemble.json; empty key: none
};

/// What became of one member in this execution.
struct MemberOutcome {
  enum class Status { ran, skipped, failed };  ///< skipped: found complete, not run again
  std::string name;
  std::string group;  ///< the member's sweep value ("key=value"); "" outside a sweep
  std::uint64_t seed = 0;
  Status status = Status::ran;
  std::string error;        ///< failed: what went wrong (the exception's message)
  int rank = 0;             ///< the rank that ran (or skipped) it
  double seconds = 0;       ///< wall time of this execution's attempt
  nlohmann::json analysis;  ///< the member's analysis.json; null when it failed
};

/// Status names as written in ensemble-run.json: "ran", "skipped", "failed".
const char* to_string(MemberOutcome::Status status);

/// The ensemble after it ran.
struct EnsembleResult {
  /// Rank 0: every member's outcome, in member order. Other ranks: their own members'.
  std::vector<MemberOutcome> members;
  nlohmann::json summary;  ///< rank 0: ensemble.json; elsewhere null
  double seconds = 0;      ///< wall time of the whole ensemble
  /// Members that failed, on every rank (rank 0's count is shared with the others).
  std::size_t failed = 0;
};

/// Runs `work(i)` for every item i < n that member_rank(i, world.size()) gives this rank, then
/// gathers every outcome on rank 0. Collective. Returns, on rank 0, all n outcomes in item order;
/// elsewhere the rank's own. `work` reports a failure in its outcome rather than throwing (what
/// it throws ends this rank's part of the job).
std::vector<MemberOutcome> spread_over_ranks(std::size_t n, Communicator& world,
                                             const std::function<MemberOutcome(std::size_t)>& work);

/// After spread_over_ranks: rank 0 runs `write_outputs`, then every rank learns how many of
/// rank 0's `outcomes` failed, which it returns. Collective. Rank 0 then throws IoError when
/// `write_outputs` threw (the other ranks return: their part is done).
std::size_t share_failures_and_write(const std::vector<MemberOutcome>& outcomes,
                                     Communicator& world,
                                     const std::function<void()>& write_outputs);

/// Rank 0 creates `directory` and checks that it can write there; every rank returns the
/// verdict, "" when the directory is usable, else what is wrong (naming it). Collective.
std::string writable_directory_problem(const std::filesystem::path& directory, Communicator& world);

/// Runs every member (members[i] on rank member_rank(i, world.size()), into
/// options.directory / name), then, on rank 0, writes the ensemble's outputs. Collective: every
/// rank calls it with the same arguments. Only rank 0 reports to `observer`: its own members'
/// runs (their log lines prefixed with the member's name, and their progress) and, for every
/// member, when it started, finished, was skipped or failed; the other ranks report nothing.
///
/// A member whose configuration leaves run.threads at 0 (all cores) gets the cores of its
/// machine divided among the ranks there, never changing a result.
///
/// Throws, on every rank alike, before any member runs: ConfigError("seeds") for no members,
/// members with the same name, or more ranks than members (a rank with nothing to do means the
/// wrong rank count, so it is refused rather than left idle); ConfigError naming the key for an
/// invalid member configuration; ConfigError("directory") when options.directory cannot be
/// created or written, or holds an ensemble of another configuration (naming the key).
/// After the members ran, rank 0 throws IoError when it cannot write the ensemble's outputs
/// (the other ranks return: their part is done). A member's own failure is not thrown: it is in
/// its outcome and counted in `failed`.
EnsembleResult run_ensemble(const std::vector<EnsembleMember>& members,
                            const EnsembleOptions& options, Communicator& world,
                            Observer& observer);

}  // namespace deeprg::experiment
