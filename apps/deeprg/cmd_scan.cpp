// deeprg scan: the 2D Ising model over lattice sizes and temperatures, sampled, measured, flowed
// and judged by MCRG at every point; a shell over experiment::run_scan, spread over MPI ranks
// under mpirun.
#include <cstdio>
#include <iostream>
#include <memory>

#include "commands.hpp"
#include "common.hpp"
#include "deeprg/core/error.hpp"
#include "deeprg/experiment/scan.hpp"
#include "deeprg/ising/model.hpp"
#include "mpi_world.hpp"

namespace deeprg::cli {

namespace {

struct ScanFlags {
  std::string sizes = "16,32";
  std::string temperatures = "2.0,2.1,2.2,2.269,2.3,2.4,2.5";
  experiment::ScanOptions options;
  std::string out = "deeprg-scan";
  bool no_flow = false, no_mcrg = false, no_samples = false, json = false;
};

void scan_command(ScanFlags& f, const CLI::App& cmd, Communicator& world, bool* setup) {
  experiment::ScanOptions& o = f.options;
  const std::map<std::string, std::string> flags{
      {"directory", "--out"}, {"ranks", "mpirun -np"}, {"mcrg_blocks", "--mcrg-blocks"}};
  with_flag_names(cmd, flags, [&] {
    o.sizes = experiment::parse_sizes(f.sizes);
    o.temperatures = experiment::parse_temperatures(f.temperatures);
  });
  o.flow = !f.no_flow;
  o.mcrg = !f.no_mcrg;
  o.keep_samples = !f.no_samples;
  o.directory = f.out;
  TerminalObserver observer(f.json);
  experiment::ScanResult result;
  with_flag_names(cmd, flags, [&] {
    experiment::validate(o);
    if (setup) *setup = false;  // what fails from here on may be one rank's own
    result = experiment::run_scan(o, world, observer);
  });
  if (world.rank() != 0) return;  // rank 0 reports every point
  if (f.json) {
    std::cout << result.summary.dump(2) << "\n";
  } else {
    std::printf("\nScan of %zu points (%zu finished): mean ± jackknife error per point\n%s",
                result.points.size(), result.points.size() - result.failed,
                experiment::scan_table(result.summary).c_str());
    if (const std::string crossings = experiment::crossing_table(result.summary);
        !crossings.empty())
      std::printf("\nCrossings of U4 and ξ/L between consecutive sizes (T_c = %.6f)\n%s",
                  ising::kCriticalTemperature, crossings.c_str());
    std::printf("  open %s\n", (o.directory / "scan.html").c_str());
  }
  std::fflush(stdout);
  if (result.failed == 0) return;
  std::string names;
  for (const auto& p : result.points) {
    if (p.status != experiment::MemberOutcome::Status::failed) continue;
    std::fprintf(stderr, "deeprg: point %s failed: %s\n", p.name.c_str(), p.error.c_str());
    names += (names.empty() ? "" : ", ") + p.name;
  }
  throw Error(std::to_string(result.failed) + " of " + std::to_string(result.points.size()) +
              " points failed (" + names + "); the others' results are in " +
              (o.directory / "scan.json").string() +
              "; rerun the same command to retry only what is missing");
}

}  // namespace

void add_scan_command(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "scan",
      "The 2D Ising model over lattice sizes and temperatures: sample, measure, flow, MCRG\n"
      "At every point (L, T) of the grid --L x --T (periodic L x L, J = 1, h = 0) samples\n"
      "equilibrium configurations (as deeprg sample; Wolff by default), measures energy, |m|,\n"
      "susceptibility, specific heat, Binder cumulant and correlation length with jackknife\n"
      "errors beside the exact values of the finite lattice (as deeprg measure), follows the\n"
      "majority-rule block-spin flow (as deeprg flow) and measures the MCRG exponents y_t and\n"
      "y_h (as deeprg mcrg). Writes into --out: L=16/T=2.269/ per point (samples.npy and\n"
      "point.json), scan.json (every point's numbers), scan-figures/*.png (observables against\n"
      "T per L, the flow over temperatures, y_t and y_h against L) and scan.html. Where the\n"
      "curves of U4 and of xi/L for two consecutive sizes cross, it estimates T_c (printed,\n"
      "and in scan.json); scan finely near T_c for those (--T 2.25:2.29:0.01).\n"
      "\n"
      "Every point draws its random numbers from its own seed, a mix of --seed with L and T,\n"
      "so under 'mpirun -np N' the points are spread over the N ranks (point i on rank i mod N)\n"
      "with the same results on any N. A rerun skips the points already done; one with more\n"
      "sizes or temperatures runs only the new points. See docs/ensembles.md.\n"
      "\n"
      "Examples:\n"
      "  deeprg scan --L 16,32 --T 2.0:2.6:0.1 --out scan1\n"
      "  mpirun -np 2 deeprg scan --L 8,16,32,64 --T 2.269 --samples 20000 --out mcrg-vs-L");
  auto f = std::make_shared<ScanFlags>();
  experiment::ScanOptions& o = f->options;
  cmd->add_option("--L", f->sizes, "Lattice sides, comma-separated (16,32,64)")
      ->capture_default_str();
  cmd->add_option("--T", f->temperatures,
                  "Temperatures: numbers and inclusive ranges FIRST:LAST:STEP, comma-separated "
                  "(2.0:2.6:0.1,2.269); T_c = 2.269185")
      ->capture_default_str();
  cmd->add_option("--samples,-n", o.samples, "Configurations per point")
      ->transform(whole_number())
      ->capture_default_str();
  cmd->add_option("--seed", o.seed, "Seed; each point's seed is mixed from it, L and T")
      ->transform(whole_number())
      ->capture_default_str();
  cmd->add_option("--algorithm", o.algorithm,
                  "metropolis | heatbath | wolff | swendsen-wang | auto (wolff)")
      ->capture_default_str();
  cmd->add_option("--chains", o.chains, "Independent Markov chains per point")
      ->capture_default_str();
  cmd->add_option("--b", o.b, "Block side of the flow and of MCRG (majority rule)")
      ->capture_default_str();
  cmd->add_option("--blocks", o.blocks, "Jackknife blocks of the observables and the flow")
      ->capture_default_str();
  cmd->add_option("--mcrg-blocks", o.mcrg_blocks, "Jackknife blocks of MCRG")
      ->capture_default_str();
  cmd->add_flag("--no-flow", f->no_flow, "Skip the block-spin flow");
  cmd->add_flag("--no-mcrg", f->no_mcrg, "Skip MCRG");
  cmd->add_flag("--no-samples", f->no_samples,
                "Do not keep the samples (point.json and the summary only)");
  cmd->add_option("--threads", o.threads,
                  "Threads per point (0 = the machine's cores, shared among its ranks); never "
                  "changes the result")
      ->capture_default_str();
  cmd->add_option("--out,-o", f->out, "Scan directory (created if missing)")->capture_default_str();
  cmd->add_flag("--json", f->json, "Print scan.json instead of the table");
  cmd->callback([f, cmd] {
    run_on_world([&](Communicator& world, bool* setup) { scan_command(*f, *cmd, world, setup); });
  });
}

}  // namespace deeprg::cli
