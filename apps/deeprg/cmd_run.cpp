// deeprg run: Mehta & Schwab's experiment in one command, a shell over experiment::run (its
// training data-parallel under mpirun); with --seeds an ensemble of such runs
// (experiment::run_ensemble), spread over MPI ranks under mpirun.
#include <cstdio>
#include <exception>
#include <iostream>
#include <memory>
#include <optional>

#include "commands.hpp"
#include "common.hpp"
#include "deeprg/core/error.hpp"
#include "deeprg/experiment/config.hpp"
#include "deeprg/experiment/ensemble.hpp"
#include "deeprg/experiment/ensemble_summary.hpp"
#include "deeprg/experiment/run.hpp"
#include "mpi_world.hpp"

namespace deeprg::cli {

namespace {

struct RunFlags {
  std::string out = "deeprg-run";
  std::string preset = "paper";
  std::string config_file;
  std::vector<std::string> overrides;
  std::optional<std::uint64_t> seed;
  std::optional<std::string> seeds;
  std::optional<std::string> sweep;
  std::optional<int> threads;
  bool fresh = false;
  bool print_config = false;
};

void run_ensemble_command(const RunFlags& f, const CLI::App& cmd, Communicator& world,
                          const experiment::ExperimentConfig& config, bool* setup) {
  if (f.seed && f.seeds)
    throw ConfigError("--seed", "give either --seed (one run) or --seeds (an ensemble), not both");
  if (f.fresh)
    throw ConfigError("--fresh",
                      "not with --seeds or --sweep: an ensemble reruns only what is missing; "
                      "delete its directory (or one member's) to start that over");
  // A sweep without --seeds runs the one seed of the configuration for each value.
  const std::vector<std::uint64_t> seeds =
      f.seeds ? experiment::parse_seeds(*f.seeds) : std::vector<std::uint64_t>{config.seed};
  experiment::EnsembleOptions options;
  options.directory = cmd.count("--out") > 0 ? f.out : std::string("deeprg-ensemble");
  options.preset = f.preset;
  options.base = config;
  if (f.sweep)
    options.sweep = with_flag_names(cmd, {{"sweep", "--sweep"}},
                                    [&] { return experiment::parse_sweep(*f.sweep, config); });
  const std::vector<experiment::EnsembleMember> members =
      f.sweep ? experiment::sweep_members(config, options.sweep, seeds)
              : experiment::seed_members(config, seeds);
  TerminalObserver observer;
  experiment::EnsembleResult result;
  if (setup) *setup = false;
  with_flag_names(cmd, {{"directory", "--out"}},
                  [&] { result = experiment::run_ensemble(members, options, world, observer); });
  if (world.rank() != 0) return;  // rank 0 reports every member, and fails the job if one did
  std::printf("\nEnsemble of %zu members (%zu finished): mean ± standard error over seeds%s\n%s",
              result.members.size(), result.members.size() - result.failed,
              f.sweep ? (", per value of " + options.sweep.key).c_str() : "",
              experiment::headline_table(result.summary).c_str());
  std::printf("  open %s\n", (options.directory / "ensemble.html").c_str());
  std::fflush(stdout);
  if (result.failed == 0) return;
  std::string names;
  for (const auto& m : result.members) {
    if (m.status != experiment::MemberOutcome::Status::failed) continue;
    std::fprintf(stderr, "deeprg: member %s (seed %llu) failed: %s\n", m.name.c_str(),
                 static_cast<unsigned long long>(m.seed), m.error.c_str());
    names += (names.empty() ? "" : ", ") + m.name;
  }
  throw Error(std::to_string(result.failed) + " of " + std::to_string(result.members.size()) +
              " members failed (" + names + "); the others' results are in " +
              (options.directory / "ensemble.json").string() +
              "; rerun the same command to retry only what is missing");
}

// `setup`, when given, is cleared once the work starts: what is thrown before came from the
// flags and the configuration, the same on every rank.
void run_command(const RunFlags& f, const CLI::App& cmd, Communicator& world, bool* setup) {
  experiment::ExperimentConfig config = experiment::preset(f.preset);
  if (!f.config_file.empty()) experiment::apply_toml_file(config, f.config_file);
  for (const std::string& assignment : f.overrides) experiment::apply_override(config, assignment);
  if (f.seed) config.seed = *f.seed;
  if (f.threads) {
    if (*f.threads < 0) throw ConfigError("--threads", "must be 0 (all cores) or positive");
    config.threads = *f.threads;
  }
  experiment::validate(config);
  if (f.print_config) {
    if (world.rank() == 0) std::cout << experiment::to_toml(config);
    return;
  }
  if (f.seeds || f.sweep) return run_ensemble_command(f, cmd, world, config, setup);
  // Under mpirun one run trains data-parallel on every rank; rank 0 does the rest and reports.
  TerminalObserver observer;
  experiment::Observer silent;
  if (setup) *setup = false;
  try {
    experiment::run(config, {f.out, f.preset, f.fresh, &world},
                    world.rank() == 0 ? observer : silent);
  } catch (const experiment::RunConflict& e) {
    throw ConfigError(e.key(), e.directory().string() + " holds a run with " + e.key() + " = " +
                                   e.previous() +
                                   "; use another --out, or --fresh to replace that run");
  }
}

}  // namespace

void add_run_command(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "run",
      "Mehta & Schwab's experiment in one command: Ising data, a deep belief network, figures, "
      "report\n"
      "Reproduces Mehta & Schwab (2014, arXiv:1410.3831): samples the 40x40 periodic 2D Ising\n"
      "model at K = J/T = 0.408 (just above T_c), trains a 1600-400-100-25 deep belief network\n"
      "on them (CD-1, 200 epochs per layer, L1: the paper's 2e-4 per sample = 2e-2 per batch\n"
      "mean, see docs/experiment.md), and measures whether its units act as block spins:\n"
      "receptive-field size per layer against 2x2 blocks, overlap with majority-rule block\n"
      "spins, and observables of reconstructions against the majority-rule flow.\n"
      "\n"
      "Writes into --out: config.json (resolved configuration, seed, version, the source of\n"
      "every default), samples.npy (+ .json), model/, metrics.jsonl, analysis.json,\n"
      "figures/*.png (the paper's Fig. 4 A-E and diagnostics) and report.html (one self-\n"
      "contained page; open it in a browser).\n"
      "\n"
      "Configuration: a preset (paper: the defaults, a few minutes; quick: the same experiment\n"
      "smaller, well under two minutes), then --config FILE.toml, then --set key=value, in\n"
      "that order. --print-config shows every key with its meaning and source as TOML, a\n"
      "starting point for a config file.\n"
      "Rerunning into the same directory reuses the samples and the model when their\n"
      "configuration is unchanged, and resumes an interrupted training from its checkpoint.\n"
      "Under 'mpirun -np N' (without --seeds) the training is data-parallel over the N ranks,\n"
      "with the same model bits as one process; rank 0 samples, analyses and reports.\n"
      "\n"
      "Ensembles: --seeds 1-8 runs one such run per seed into --out/seed-N and writes the\n"
      "mean, standard error and spread over seeds of every number of analysis.json into --out\n"
      "(ensemble.json, ensemble.html). Under 'mpirun -np N' the members are spread over the N\n"
      "ranks (member i on rank i mod N; the results are the same bits on any N); a rerun runs\n"
      "only the members that are missing. --sweep KEY=V1,V2,... runs those seeds for each\n"
      "value of one key and gives the statistics per value. See docs/ensembles.md.\n"
      "\n"
      "Examples:\n"
      "  deeprg run --out run1\n"
      "  deeprg run --preset quick --out quick1\n"
      "  deeprg run --out run2 --set train.l1=1e-3 --set dbn.hidden=[400,100]\n"
      "  mpirun -np 2 deeprg run --preset quick --seeds 1-8 --out ensemble1\n"
      "  deeprg run --preset quick --seeds 1-4 --sweep train.l1=0.01,0.02 --out l1-sweep\n"
      "  deeprg run --print-config > my.toml   (edit, then)   deeprg run --config my.toml");
  auto f = std::make_shared<RunFlags>();
  cmd->add_option("--out,-o", f->out, "Run directory (created if missing)")->capture_default_str();
  cmd->add_option("--preset", f->preset, "paper (the defaults) or quick")->capture_default_str();
  cmd->add_option("--config", f->config_file, "TOML file with any of the keys of --print-config");
  cmd->add_option("--set", f->overrides,
                  "key=value override, repeatable (e.g. train.epochs=50, dbn.hidden=[400,100])");
  cmd->add_option("--seed", f->seed, "Shortcut for --set run.seed=N")->transform(whole_number());
  cmd->add_option("--seeds", f->seeds,
                  "An ensemble: one run per seed (1-8, 1,3,5, 1-4,10) into --out/seed-N (--out "
                  "defaults to deeprg-ensemble), then the statistics over seeds in --out "
                  "(ensemble.json, ensemble.html); under mpirun the members are spread over the "
                  "ranks, and a rerun runs only what is missing (docs/ensembles.md)");
  cmd->add_option("--sweep", f->sweep,
                  "An ensemble over the values of one configuration key, each with every seed of "
                  "--seeds (or the one --seed): --sweep lattice.K=0.40,0.4207,0.4407 runs into "
                  "--out/lattice.K=0.40/seed-N ..., and ensemble.json and ensemble.html give the "
                  "statistics over seeds per value");
  cmd->add_option("--threads", f->threads,
                  "Shortcut for --set run.threads=N (0 = all cores; never changes the result)");
  cmd->add_flag("--fresh", f->fresh, "Delete an earlier run's outputs in --out and start over");
  cmd->add_flag("--print-config", f->print_config,
                "Print the resolved configuration as TOML (with each key's meaning) and exit");
  cmd->callback([f, cmd] {
    run_on_world([&](Communicator& world, bool* setup) { run_command(*f, *cmd, world, setup); });
  });
}

}  // namespace deeprg::cli
