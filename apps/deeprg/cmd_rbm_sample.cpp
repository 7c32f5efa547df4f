// deeprg rbm-sample: the RBM as a sampler — long Gibbs chains against Wolff and the exact torus.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <iostream>

#include "commands.hpp"
#include "common.hpp"
#include "deeprg/analysis/rbm_flow.hpp"
#include "deeprg/analysis/rbm_sampler.hpp"
#include "deeprg/core/clock.hpp"
#include "deeprg/core/error.hpp"
#include "deeprg/core/rng.hpp"
#include "deeprg/rbm/model_file.hpp"
#include "deeprg/version.hpp"
#include "rbm_training.hpp"

namespace deeprg::cli {

namespace {

constexpr std::uint64_t kReferenceTag = 0x77726566;  // "wref": the Wolff reference's seed

struct RbmSampleFlags {
  int L = 0;  // 0: 10 when training, the model's side with --rbm
  double T = ising::kCriticalTemperature;
  double K = 0;  // > 0: T = 1/K
  std::size_t samples = 2000;
  RbmTrainingFlags training;
  std::string rbm_file;
  std::string save_rbm;
  int chains = 16;
  std::int64_t sweeps = 10000;
  std::int64_t thermalization = 1000;
  std::int64_t record_every = 1;
  int blocks = 10;
  std::size_t wolff_samples = 10000;
  std::uint64_t seed = 1;
  int threads = 0;
  bool json = false;
};

std::string plain(double x, const char* format = "%.6g") {
  if (!std::isfinite(x)) return "-";
  char buf[40];
  std::snprintf(buf, sizeof buf, format, x);
  return buf;
}

/// Pads to `width` display columns ("±" is two bytes in one column).
std::string pad(const std::string& s, int width) {
  int columns = 0;
  for (const char c : s) columns += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return std::string(static_cast<std::size_t>(std::max(0, width - columns)), ' ') + s;
}

int side_of(std::size_t sites) {
  const auto L = static_cast<int>(std::lround(std::sqrt(static_cast<double>(sites))));
  return static_cast<std::size_t>(L) * static_cast<std::size_t>(L) == sites ? L : 0;
}

}  // namespace

void add_rbm_sample_command(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "rbm-sample",
      "The RBM as a sampler: long Gibbs chains against Wolff and the exact torus\n"
      "Loads --rbm FILE (its visible layer the L x L lattice) or trains one on --samples\n"
      "Wolff samples at --T (or --K = 1/T) on L x L, then runs --chains block-Gibbs chains\n"
      "(one sweep = one v -> h -> v step) from hot starts: --thermalization sweeps dropped,\n"
      "--sweeps measured. Reports E, |m|, chi, C, U4 and the second-moment xi of the chains\n"
      "(jackknife over --blocks blocks per chain) beside the same observables of\n"
      "--wolff-samples fresh Wolff samples and the exact E and C (Kaufman), with the\n"
      "differences in units of the combined error; the integrated autocorrelation time of\n"
      "E and |m| in sweeps (Sokal's window, mean over chains); and the energy thermometer,\n"
      "the T whose exact energy equals the chains' <E>. Results do not depend on --threads.\n"
      "Example: deeprg rbm-sample --T 2.269 --L 10 --hidden 64 --epochs 50 --json");
  auto f = std::make_shared<RbmSampleFlags>();
  f->training.train.epochs = 50;
  cmd->add_option("--rbm", f->rbm_file, "Sample this trained RBM (.npz) instead of training one");
  cmd->add_option("--L", f->L, "Lattice side (default 10 when training; the model's with --rbm)");
  auto* t_opt = cmd->add_option("--T", f->T, "Temperature of the comparison (and of training)")
                    ->capture_default_str();
  cmd->add_option("--K", f->K, "Coupling K = J/T instead of --T (the paper's K = 0.408)")
      ->excludes(t_opt);
  cmd->add_option("--samples", f->samples, "Wolff training samples at T")->capture_default_str();
  add_rbm_training_flags(*cmd, f->training);
  cmd->add_option("--save-rbm", f->save_rbm, "Write the trained RBM here (.npz)");
  cmd->add_option("--chains", f->chains, "Independent Gibbs chains")->capture_default_str();
  cmd->add_option("--sweeps", f->sweeps, "Measured sweeps per chain")->capture_default_str();
  cmd->add_option("--thermalization", f->thermalization, "Sweeps dropped per chain")
      ->capture_default_str();
  cmd->add_option("--record-every", f->record_every,
                  "Measure a configuration every this many sweeps (saves memory)")
      ->capture_default_str();
  cmd->add_option("--blocks", f->blocks, "Jackknife blocks per chain")->capture_default_str();
  cmd->add_option("--wolff-samples", f->wolff_samples,
                  "Wolff reference samples (0: no Wolff comparison)")
      ->capture_default_str();
  cmd->add_option("--seed", f->seed, "Seed of training, chains and reference")
      ->transform(whole_number())
      ->capture_default_str();
  cmd->add_option("--threads", f->threads, "Threads (0 = all cores); never changes the result")
      ->capture_default_str();
  cmd->add_flag("--json", f->json, "Print JSON");
  cmd->callback([f, cmd] {
    if (f->K != 0) {
      if (!(std::isfinite(f->K) && f->K > 0))
        throw ConfigError("--K", "must be positive and finite, got " + plain(f->K));
      f->T = 1 / f->K;
    }
    if (!(std::isfinite(f->T) && f->T > 0))
      throw ConfigError("--T", "must be positive and finite, got " + plain(f->T));
    if (f->L != 0 && f->L < 2)
      throw ConfigError("--L", "must be at least 2, got " + std::to_string(f->L));
    if (f->threads < 0) throw ConfigError("--threads", "must be 0 (all cores) or positive");
    {
      std::vector<NamedPath> inputs;
      if (!f->rbm_file.empty()) inputs.push_back({"--rbm", f->rbm_file});
      std::vector<NamedPath> outputs;
      if (!f->save_rbm.empty()) outputs.push_back({"--save-rbm", f->save_rbm});
      check_outputs(inputs, outputs);
    }
    nlohmann::json seconds = nlohmann::json::object();
    nlohmann::json rbm_json;
    rbm::Rbm model;
    int L = f->L;
    if (!f->rbm_file.empty()) {
      model = rbm::load_rbm<float>(f->rbm_file);
      const int side = side_of(model.n_visible());
      if (L == 0) L = side;
      if (side == 0 ||
          static_cast<std::size_t>(L) * static_cast<std::size_t>(L) != model.n_visible())
        throw ConfigError("--rbm", f->rbm_file + " has " + std::to_string(model.n_visible()) +
                                       " visible units, not an L x L lattice" +
                                       (f->L ? " with L = " + std::to_string(f->L) : ""));
      rbm_json = {{"file", f->rbm_file}, {"hidden", model.n_hidden()}};
    } else {
      if (L == 0) L = 10;
      if (f->samples < 2) throw ConfigError("--samples", "need at least 2 training samples");
      check_rbm_training_flags(f->training);
    }
    const ising::Lattice lattice = ising::Lattice::square(L, L);
    analysis::RbmChainOptions options;
    options.chains = f->chains;
    options.thermalization = f->thermalization;
    options.sweeps = f->sweeps;
    options.record_every = f->record_every;
    options.seed = f->seed;
    options.threads = f->threads;
    options.blocks = f->blocks;
    options.T = f->T;
    // Check the chain's options before training (a typo should not cost a training run).
    // Refuse bad chain options before training (a typo should not cost a training run).
    with_flag_names(*cmd, {}, [&] { analysis::validate(options); });

    if (f->rbm_file.empty()) {
      mc::SamplerOptions sampler;
      sampler.samples = f->samples;
      sampler.seed = f->seed;
      sampler.threads = f->threads;
      ProgressBar bar("sample");
      const auto t0 = std::chrono::steady_clock::now();
      const std::vector<double> grid{f->T};
      const auto sets = analysis::sample_temperature_grid(
          lattice, grid, sampler, [&](double d, double t) { bar.update(d, t); });
      bar.finish();
      seconds["sample"] = seconds_since(t0);
      double train_seconds = 0;
      model = train_rbm_on_samples(*cmd, sets, f->training, f->seed, f->threads, &train_seconds);
      seconds["train"] = train_seconds;
      rbm_json = training_json(f->training, model);
      rbm_json["samples"] = f->samples;
      if (!f->save_rbm.empty()) {
        rbm::save_rbm(f->save_rbm, model);
        rbm_json["file"] = f->save_rbm;
      }
    }

    analysis::RbmChainResult chain;
    {
      ProgressBar bar("chains");
      options.progress = [&](double d, double t) { bar.update(d, t); };
      const auto t0 = std::chrono::steady_clock::now();
      chain =
          with_flag_names(*cmd, {}, [&] { return analysis::rbm_chains(model, lattice, options); });
      bar.finish();
      seconds["chains"] = seconds_since(t0);
    }
    mc::Observables wolff;
    mc::SamplerReport wolff_report;
    if (f->wolff_samples > 0) {
      mc::SamplerOptions sampler;
      sampler.samples = f->wolff_samples;
      sampler.seed = stream_id(kReferenceTag, f->seed);
      sampler.threads = f->threads;
      ProgressBar bar("wolff");
      sampler.progress = [&](double d, double t) { bar.update(d, t); };
      const auto t0 = std::chrono::steady_clock::now();
      wolff = analysis::wolff_reference(lattice, f->T, 1.0, sampler, 50, &wolff_report);
      bar.finish();
      seconds["wolff"] = seconds_since(t0);
    }
    analysis::RbmSamplerComparison cmp = analysis::compare_with_reference(chain, wolff);
    cmp.wolff_report = wolff_report;

    nlohmann::json out{{"deeprg_version", kVersion},
                       {"L", L},
                       {"T", f->T},
                       {"seed", f->seed},
                       {"rbm", rbm_json},
                       {"chain", analysis::to_json(chain)},
                       {"comparison", analysis::to_json(cmp)},
                       {"seconds", seconds}};
    if (f->json) {
      std::cout << out.dump(2) << "\n";
      return;
    }
    std::printf("RBM sampler: L=%d, T=%.6g, %zu hidden; %d chains x %lld sweeps (+%lld dropped)\n",
                L, f->T, model.n_hidden(), chain.chains, static_cast<long long>(chain.sweeps),
                static_cast<long long>(chain.thermalization));
    // d/err: the difference in units of the combined error.
    std::printf("%-20s %22s %22s %12s %11s %11s\n", "observable", "RBM chain", "Wolff", "exact",
                "d/err Wolff", "d/err exact");
    for (const auto& r : cmp.rows)
      std::printf("%-20s %s %s %12s %11s %11s\n", r.name.c_str(),
                  pad(format_estimate(r.rbm), 22).c_str(),
                  pad(f->wolff_samples ? format_estimate(r.wolff) : "-", 22).c_str(),
                  plain(r.exact).c_str(), plain(r.sigma_wolff, "%+.2f").c_str(),
                  plain(r.sigma_exact, "%+.2f").c_str());
    std::printf(
        "tau_int (sweeps): E %s, |m| %s%s\n",
        format_estimate(chain.tau_energy.tau, chain.tau_energy.error).c_str(),
        format_estimate(chain.tau_abs_magnetization.tau, chain.tau_abs_magnetization.error).c_str(),
        chain.tau_energy.reliable && chain.tau_abs_magnetization.reliable
            ? ""
            : " (unreliable: chains shorter than 50 tau)");
    std::printf("blocks of %.6g sweeps%s\n", chain.block_sweeps,
                chain.blocks_long_enough ? " (>= 10 tau_int)"
                                         : ": shorter than 10 tau_int, errors underestimated");
    std::printf("energy thermometer: T = %s (exact E(T) = chains' <E>)\n",
                std::isfinite(chain.temperature.T)
                    ? format_estimate(chain.temperature.T, chain.temperature.error).c_str()
                    : "-");
  });
}

}  // namespace deeprg::cli
