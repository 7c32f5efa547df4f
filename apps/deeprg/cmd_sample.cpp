// deeprg sample: equilibrium Ising configurations to a .npy file with a JSON sidecar.
#include <cstdio>
#include <iostream>

#include "commands.hpp"
#include "common.hpp"
#include "deeprg/core/error.hpp"
#include "deeprg/io/memory.hpp"
#include "deeprg/mc/sampler.hpp"
#include "deeprg/version.hpp"

namespace deeprg::cli {

namespace {

struct SampleFlags {
  ModelFlags model;
  std::size_t samples = 1000;
  std::string algorithm = "auto";
  std::string thermalize = "auto";
  std::string spacing = "auto";
  std::uint64_t seed = 1;
  int threads = 0;
  int chains = 16;
  bool no_global_flip = false;
  std::string out;
  bool json = false;
};

std::optional<std::int64_t> parse_auto(const std::string& flag, const std::string& value) {
  if (value == "auto") return std::nullopt;
  try {
    std::size_t used = 0;
    const long long v = std::stoll(value, &used);
    if (used != value.size()) throw std::invalid_argument(value);
    return v;
  } catch (const std::exception&) {
    throw ConfigError(flag, "expected a whole number of sweeps or 'auto', got '" + value + "'");
  }
}

}  // namespace

void add_sample_command(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "sample",
      "Sample equilibrium Ising configurations (Metropolis, heat bath, Wolff, Swendsen-Wang)\n"
      "Samples equilibrium Ising configurations into an int8 .npy file of shape (n, Ly, Lx)\n"
      "(or (n, L) in 1D) plus a JSON sidecar FILE.npy.json (model, T, algorithm, tau_int,\n"
      "spacing, seed, version).\n"
      "Independent chains (--chains, default 16) start cold and run in parallel; the same seed\n"
      "gives the same file for any --threads. With --spacing auto a pilot run measures the\n"
      "integrated autocorrelation time tau_int and samples are stored every ceil(2 tau_int)\n"
      "sweeps. At h = 0 each stored sample is flipped globally with probability 1/2 (an exact\n"
      "symmetry), unless --no-global-flip.\n"
      "Example: deeprg sample --L 40 --K 0.408 --samples 20000 --out samples.npy");
  auto f = std::make_shared<SampleFlags>();
  f->model.add_to(*cmd, 40);
  cmd->add_option("--samples,-n", f->samples, "Number of configurations")
      ->transform(whole_number())
      ->capture_default_str();
  cmd->add_option("--algorithm", f->algorithm,
                  "metropolis | heatbath | wolff | swendsen-wang | auto (wolff at h = 0, "
                  "else metropolis)")
      ->capture_default_str();
  cmd->add_option("--thermalize", f->thermalize, "Sweeps before the first sample, or 'auto'")
      ->capture_default_str();
  cmd->add_option("--spacing", f->spacing, "Sweeps between stored samples, or 'auto'")
      ->capture_default_str();
  cmd->add_option("--seed", f->seed, "Random seed")
      ->transform(whole_number())
      ->capture_default_str();
  cmd->add_option("--threads", f->threads, "Threads (0 = all cores); never changes the result")
      ->capture_default_str();
  cmd->add_option("--chains", f->chains, "Independent Markov chains")->capture_default_str();
  cmd->add_flag("--no-global-flip", f->no_global_flip,
                "Do not flip stored samples at random (h = 0)");
  cmd->add_option("--out,-o", f->out, "Output .npy file")->required();
  cmd->add_flag("--json", f->json, "Print the sidecar JSON to stdout");
  cmd->callback([f] {
    const ising::Model model = f->model.resolve();
    mc::SamplerOptions options;
    options.algorithm = mc::resolve_algorithm(f->algorithm, model);
    options.samples = f->samples;
    options.spacing = parse_auto("--spacing", f->spacing);
    options.thermalization = parse_auto("--thermalize", f->thermalize);
    options.seed = f->seed;
    if (f->threads < 0) throw ConfigError("--threads", "must be 0 (all cores) or positive");
    options.threads = f->threads;
    if (f->chains < 1) throw ConfigError("--chains", "must be at least 1");
    options.chains = f->chains;
    options.global_flip = !f->no_global_flip;
    if (f->samples == 0) throw ConfigError("--samples", "must be at least 1");
    const io::Bytes bytes = io::Bytes::product({f->samples, model.lattice.sites()});
    if (bytes > io::Bytes(std::uint64_t{1} << 34))
      throw ConfigError("--samples", "the output would be " + io::format_bytes(bytes) +
                                         ", more than the 16 GiB that sample writes");
    ProgressBar bar("sampling");
    options.progress = [&bar](double done, double total) { bar.update(done, total); };
    mc::SamplerReport report;
    const io::SpinSamples samples = mc::sample(model, options, &report);
    bar.finish();
    const nlohmann::json sidecar = mc::sidecar_json(model, options, report);
    io::write_spins(f->out, samples, sidecar);
    if (f->json) {
      std::cout << sidecar.dump(2) << "\n";
    } else {
      std::printf(
          "wrote %zu samples of %s L=%d T=%.6g to %s (%s, tau_int=%.3g%s sweeps, spacing %lld, "
          "%.2fs)\n",
          samples.count, model.name().c_str(), model.lattice.lx, model.T, f->out.c_str(),
          mc::to_string(options.algorithm).c_str(), report.tau_int,
          report.tau_reliable ? "" : " (unreliable: pilot too short)",
          static_cast<long long>(report.spacing), report.seconds);
    }
    if (!report.tau_reliable)
      std::fprintf(stderr,
                   "deeprg: warning: tau_int could not be measured reliably within the pilot "
                   "budget; samples may be correlated, pass --spacing explicitly\n");
  });
}

}  // namespace deeprg::cli
