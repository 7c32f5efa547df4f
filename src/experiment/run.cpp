// experiment::run and its first three stages: sample, train, analyse (see run.hpp).
#include "deeprg/experiment/run.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <filesystem>
#include <optional>

#include "deeprg/analysis/block_overlap.hpp"
#include "deeprg/analysis/layer_map.hpp"
#include "deeprg/core/blas.hpp"
#include "deeprg/core/clock.hpp"
#include "deeprg/core/error.hpp"
#include "deeprg/core/json.hpp"
#include "deeprg/core/parallel.hpp"
#include "deeprg/core/rng.hpp"
#include "deeprg/experiment/claims.hpp"
#include "deeprg/io/atomic_file.hpp"
#include "deeprg/ising/exact.hpp"
#include "deeprg/mc/observables.hpp"
#include "deeprg/mc/sampler.hpp"
#include "deeprg/rbm/dbn_ops.hpp"
#include "deeprg/rbm/metrics_file.hpp"
#include "deeprg/rbm/model_file.hpp"
#include "deeprg/rg/block_spin.hpp"
#include "deeprg/rg/flow.hpp"
#include "deeprg/rg/mcrg.hpp"
#include "deeprg/rg/mutual_information.hpp"
#include "deeprg/rg/renormalized_couplings.hpp"
#include "deeprg/version.hpp"
#include "stages.hpp"
#include "text.hpp"

namespace deeprg::experiment {

namespace {

/// The renormalized couplings (maximum pseudo-likelihood) of the data and of each level the
/// network maps, next to majority rule's on the same samples: whether both maps carry the
/// Hamiltonian to the same place. An even basis: the data have no field.
nlohmann::json coupling_comparison(const io::SpinSamples& samples,
                                   const rg::CoarseGraining& network, int levels,
                                   std::uint64_t seed, int threads) {
  rg::CouplingFitOptions options;
  options.couplings = {"nn", "nnn", "plaq"};
  options.jackknife_blocks = static_cast<int>(std::min<std::size_t>(20, samples.count));
  options.threads = threads;
  rg::BlockSpinOptions block;
  block.seed = seed;
  block.threads = threads;
  const rg::CoarseGraining majority = [&block](const io::SpinSamples& s, int k) {
    return rg::block_spin(s, block, k);
  };
  return {{"estimator", "maximum pseudo-likelihood"},
          {"couplings", options.couplings},
          {"majority", rg::to_json(rg::coupling_flow(samples, majority, levels, options))},
          {"network", rg::to_json(rg::coupling_flow(samples, network, levels, options))}};
}

/// The RSMI criterion (rg/mutual_information.hpp): what a 2×2 block's coarse spin knows about
/// the environment beyond a buffer of width 1, for majority rule, decimation, the best coarse
/// variable that keeps the spin-flip symmetry and the best of all (a threshold on the block
/// magnetisation), and the block-local part of the network's first layer, E[h | block] as its
/// map reads it out. Monte Carlo over the data samples with exact p(V | E) per block.
nlohmann::json mi_comparison(const io::SpinSamples& samples, double K,
                             const rg::CoarseGraining* network, int threads) {
  rg::SampledMiOptions options;
  options.threads = threads;
  const int blocks = static_cast<int>(std::min<std::size_t>(20, samples.count));
  nlohmann::json out{{"b", options.b}, {"buffer", options.buffer}};
  rg::EnvironmentConditionals conditionals;
  try {
    conditionals = rg::sampled_conditionals(samples, K, options);
  } catch (const ShapeError& e) {
    out["error"] = e.what();
    return out;
  }
  // analysis.json holds results only (the same bits on every rerun): wall times go.
  out["conditionals"] = rg::to_json(conditionals);
  out["conditionals"].erase("seconds");
  std::vector<rg::BlockVariable> variables = {rg::majority_variable(2), rg::decimation_variable(2)};
  variables.push_back(rg::function_variable(2, 0xe880));  // H = +1 iff ≥ 3 of 4 up
  variables.back().name = "threshold";
  if (network && samples.lattice.lx % 2 == 0 && samples.lattice.ly % 2 == 0) {
    const io::SpinSamples coarse = (*network)(samples, 0);
    if (coarse.lattice.lx * 2 == samples.lattice.lx && coarse.lattice.ly * 2 == samples.lattice.ly)
      variables.push_back(rg::conditional_variable(samples, coarse, "network"));
  }
  out["variables"] = nlohmann::json::array();
  for (const auto& v : variables)
    out["variables"].push_back(rg::to_json(rg::mutual_information(conditionals, v, blocks)));
  rg::RsmiOptions search;
  search.odd_only = true;
  search.blocks = blocks;
  search.top = 3;
  search.threads = threads;
  out["best_symmetric"] = rg::to_json(rg::rsmi_optimum(conditionals, search));
  out["best_symmetric"].erase("seconds");
  return out;
}

/// RG's own yardstick for the network: Swendsen's MCRG with its layers as the coarse-graining
/// map (analysis/layer_map.hpp, sign readout), next to majority rule with b = 2 on the same
/// samples, for as many levels as the network maps and MCRG's smallest lattice allows. A
/// network that cannot be placed on coarse lattices gets its reason instead of numbers. The
/// network's map, when there is one, is also handed back through `network_map`.
nlohmann::json mcrg_comparison(const rbm::Dbn& dbn, const io::SpinSamples& samples,
                               std::uint64_t seed, int threads,
                               std::optional<rg::CoarseGraining>* network_map) {
  const ising::Lattice& lattice = samples.lattice;
  rg::McrgOptions options;
  options.couplings = rg::default_couplings(lattice.dim);
  options.jackknife_blocks = static_cast<int>(std::min<std::size_t>(20, samples.count));
  options.threads = threads;
  const std::vector<rg::Coupling> couplings = rg::parse_couplings(options.couplings, lattice.dim);
  const int min_side = rg::min_mcrg_side(couplings);
  std::vector<analysis::LayerSites> sites;
  nlohmann::json out{{"samples", samples.count}, {"readout", "sign"}};
  int network_levels = 0;
  try {
    sites = analysis::mapped_layers(dbn, lattice);
    out["placement"] = nlohmann::json::array();
    for (const auto& s : sites) {
      out["placement"].push_back(analysis::to_json(s));
      const int side = lattice.dim == 1 ? s.coarse.lx : std::min(s.coarse.lx, s.coarse.ly);
      if (side < min_side) break;
      ++network_levels;
    }
  } catch (const Error& e) {
    out["network_error"] = e.what();
  }
  const int majority_levels = rg::max_mcrg_levels(lattice, 2, couplings);
  if (majority_levels < 1 || samples.count < 2) {
    out["error"] = "the lattice or the sample count allows no MCRG step";
    return out;
  }
  rg::BlockSpinOptions block;
  block.seed = seed;
  options.levels = network_levels > 0 ? std::min(network_levels, majority_levels) : majority_levels;
  out["majority"] = rg::to_json(rg::mcrg(samples, block, options));
  if (network_levels > 0) {
    options.levels = network_levels;
    std::vector<double> agreement;
    const rg::CoarseGraining network =
        analysis::dbn_map(dbn, std::move(sites), lattice, rg::Readout::sign, seed, threads);
    const rg::CoarseGraining map = rg::recording_majority_agreement(network, agreement);
    out["network"] = rg::to_json(rg::mcrg(samples, map, options));
    out["network_majority_agreement"] = nlohmann::json::array();
    for (const double x : agreement) out["network_majority_agreement"].push_back(number_or_null(x));
    out["couplings"] = coupling_comparison(samples, network, network_levels, seed, threads);
    if (network_map) *network_map = network;
  }
  return out;
}

}  // namespace

namespace detail {

std::string format(const char* fmt, ...) {
  va_list args;
  va_start(args, fmt);
  char buf[512];
  const int n = std::vsnprintf(buf, sizeof buf, fmt, args);
  va_end(args);
  return n < 0 ? std::string() : std::string(buf, std::min<std::size_t>(n, sizeof buf - 1));
}

}  // namespace detail

namespace {

namespace fs = std::filesystem;

using detail::format;

// The first n samples of a set.
io::SpinSamples head(const io::SpinSamples& samples, std::size_t n) {
  io::SpinSamples out{samples.lattice, n, {}};
  out.spins.assign(samples.spins.begin(), samples.spins.begin() + static_cast<std::ptrdiff_t>(
                                                                      n * samples.lattice.sites()));
  return out;
}

// Observables of a set of ±1 samples as flat JSON (rg::measure_level: |m|, the nearest-neighbour
// correlation ⟨s_i s_j⟩ and ξ, here in spacings of the input lattice, `spacing` = b^level).
nlohmann::json observables_json(const io::SpinSamples& samples, double spacing, int threads) {
  const rg::LevelObservables o = rg::measure_level(samples, 0, 50, threads);
  nlohmann::json j{{"samples", samples.count}, {"lattice", samples.lattice.lx}};
  put_estimate(j, "nn_correlation", o.nn_correlation.value, o.nn_correlation.error);
  put_estimate(j, "abs_magnetization", o.abs_magnetization.value, o.abs_magnetization.error);
  put_estimate(j, "correlation_length", o.correlation_length.value * spacing,
               o.correlation_length.error * spacing);
  return j;
}

// ±1 spins drawn from the visible means of a reconstruction: s = +1 with probability p
// (bernoulli units) or (1 + m)/2 (spin units), one stream per row.
io::SpinSamples sample_spins(const MatrixF& means, rbm::Units units, const ising::Lattice& lattice,
                             std::uint64_t seed, std::uint64_t stream) {
  io::SpinSamples out{lattice, means.rows, std::vector<std::int8_t>(means.size())};
  for (std::size_t i = 0; i < means.rows; ++i) {
    Rng rng(seed, stream + i);
    for (std::size_t j = 0; j < means.cols; ++j) {
      const double m = means(i, j);
      const double p = units == rbm::Units::bernoulli ? m : 0.5 * (1.0 + m);
      out.spins[i * means.cols + j] = rng.uniform() < p ? 1 : -1;
    }
  }
  return out;
}

// What rank 0 of a data-parallel run tells the other ranks, once, before the training: that the
// run failed and why, or the samples and whether the network is to be trained.
class OtherRanks {
 public:
  explicit OtherRanks(Communicator* world) : world_(world) {}

  void fail(const std::string& why) {
    if (!world_ || told_) return;
    told_ = true;
    world_->broadcast(detail::dump_for_ranks({{"ok", false}, {"error", why}}));
  }

  void start_training(const io::SpinSamples& samples, bool train, bool resume) {
    if (!world_ || told_) return;
    told_ = true;
    world_->broadcast(nlohmann::json{{"ok", true}, {"train", train}, {"resume", resume}}.dump());
    world_->broadcast(std::string(samples.spins.begin(), samples.spins.end()));
  }

 private:
  Communicator* world_;
  bool told_ = false;
};

// The stages of a run in a prepared directory.
ExperimentResult run_stages(const ExperimentConfig& config, const RunOptions& options,
                            Observer& observer, const RunDirectory& dir, bool reuse,
                            Communicator* world, OtherRanks& others);

// A rank other than 0 of a data-parallel run: its share of the training.
ExperimentResult train_with_rank_zero(const ExperimentConfig& config, const RunOptions& options,
                                      Communicator& world);

// The training options of a run; with `world`, data-parallel over its ranks.
rbm::DbnTrainOptions dbn_train_options(const ExperimentConfig& c, const fs::path& model_dir,
                                       bool reuse, Communicator* world);

}  // namespace

ExperimentResult run(const ExperimentConfig& config, const RunOptions& options,
                     Observer& observer) {
  validate(config);
  Communicator* world = options.world && options.world->size() > 1 ? options.world : nullptr;
  if (world && world->rank() != 0) return train_with_rank_zero(config, options, *world);
  const RunDirectory dir(options.directory);
  std::error_code ec;
  const bool created = !options.directory.empty() && !fs::exists(options.directory, ec);
  OtherRanks others(world);
  try {
    const bool reuse = dir.prepare(config, options.preset, options.fresh);
    try {
      return run_stages(config, options, observer, dir, reuse, world, others);
    } catch (...) {
      dir.discard_if_unused(created);  // a run refused before its first output leaves nothing
      throw;
    }
  } catch (const std::exception& e) {
    others.fail(e.what());
    throw;
  }
}

namespace {

ExperimentResult train_with_rank_zero(const ExperimentConfig& config, const RunOptions& options,
                                      Communicator& world) {
  const nlohmann::json plan = nlohmann::json::parse(world.broadcast(""));
  if (!plan.at("ok").get<bool>())
    throw ConfigError("run", "rank 0 stopped the run: " + plan.at("error").get<std::string>());
  ExperimentResult run;
  run.config = config;
  run.preset = options.preset;
  run.directory = options.directory;
  run.model = ising::Model{ising::Lattice::square(config.L, config.L), 1.0, 0.0, 1.0 / config.K};
  const std::string spins = world.broadcast("");
  run.samples = {run.model.lattice, config.samples,
                 std::vector<std::int8_t>(spins.begin(), spins.end())};
  if (run.samples.spins.size() != run.samples.count * run.model.lattice.sites())
    throw Error("the samples rank 0 sent do not have the configured shape");
  if (!plan.at("train").get<bool>()) return run;  // rank 0 reuses a trained network
  const rbm::Units visible = rbm::parse_units(config.visible_units, "dbn.visible_units");
  const rbm::Units hidden = rbm::parse_units(config.hidden_units, "dbn.hidden_units");
  const MatrixF data = rbm::spins_to_visible(run.samples.spins, run.samples.count,
                                             run.samples.lattice.sites(), visible);
  const bool reuse = plan.at("resume").get<bool>();  // from a checkpoint, where there is one
  run.dbn = rbm::train_dbn(
      data, config.hidden, visible, hidden,
      dbn_train_options(config, RunDirectory(options.directory).model(), reuse, &world));
  return run;
}

ExperimentResult run_stages(const ExperimentConfig& config, const RunOptions& options,
                            Observer& observer, const RunDirectory& dir, bool reuse,
                            Communicator* world, OtherRanks& others) {
  ExperimentResult run;
  run.config = config;
  run.preset = options.preset;
  run.directory = options.directory;
  observer.message(format("deeprg %s: Mehta & Schwab's experiment (preset %s) in %s%s", kVersion,
                          options.preset.c_str(), dir.root().c_str(),
                          reuse ? ", reusing the earlier run's outputs" : ""));
  const auto total_start = std::chrono::steady_clock::now();
  auto finished = [&](StageTime time) {
    run.times.push_back(time);
    observer.stage_finished(time);
  };
  finished(detail::sample_stage(run, dir, observer, reuse));
  others.start_training(run.samples, !(reuse && fs::exists(dir.model() / "dbn.json")), reuse);
  finished(detail::train_stage(run, dir, observer, reuse, world));
  auto timed = [&](const char* stage, const char* what, auto&& body) {
    observer.message(format("[%s] %s", stage, what));
    const auto start = std::chrono::steady_clock::now();
    body();
    finished({stage, seconds_since(start), false});
  };
  timed("analyse", "receptive fields, block-spin overlap, observables of reconstructions",
        [&] { detail::analyse_stage(run, dir); });
  timed("figures", "figures A-E and diagnostics", [&] { detail::figures_stage(run, dir); });
  timed("report", "report.html", [&] { detail::report_stage(run, dir); });
  // analysis.json was written before the last stages ended: complete its timings.
  nlohmann::json times = nlohmann::json::array();
  for (const StageTime& t : run.times)
    times.push_back({{"stage", t.stage}, {"seconds", t.seconds}, {"reused", t.reused}});
  run.analysis.document["stage_seconds"] = times;
  io::write_file_atomic(dir.analysis(), run.analysis.document.dump(2) + "\n");
  std::string summary = format("done in %.1fs:", seconds_since(total_start));
  for (const StageTime& t : run.times)
    summary += format(" %s %.1fs%s", t.stage.c_str(), t.seconds, t.reused ? " (reused)" : "");
  observer.message(summary);
  observer.message("  open " + dir.report().string());
  return run;
}

rbm::DbnTrainOptions dbn_train_options(const ExperimentConfig& c, const fs::path& model_dir,
                                       bool reuse, Communicator* world) {
  rbm::DbnTrainOptions options;
  auto& o = options.rbm;
  o.epochs = c.epochs;
  o.batch_size = c.batch_size;
  o.k = c.cd_k;
  o.persistent = c.persistent;
  o.learning_rate = c.learning_rate;
  o.momentum = c.momentum;
  o.final_momentum = c.final_momentum;
  o.momentum_switch_epoch = c.momentum_switch;
  o.l1 = c.l1;
  o.l2 = c.l2;
  o.init_std = c.init_std;
  o.seed = c.seed;
  o.threads = c.threads;
  // Ranks on one machine share its cores (the thread count never changes a result).
  if (world && c.threads == 0)
    o.threads = std::max(1, default_thread_count() / std::max(1, world->local_size()));
  o.world = world;
  o.precision = c.precision;
  o.checkpoint = model_dir / "checkpoint.npz";
  // A checkpoint (W, its momentum and the chains: 5 MB for 1600 → 400) costs as much as a
  // tenth of an epoch: every 10 epochs a killed run retrains at most a few seconds.
  o.checkpoint_every = 10;
  o.resume = reuse;
  options.propagate = rbm::parse_propagation(c.propagate, "dbn.propagate");
  return options;
}

}  // namespace

ExperimentResult run(const ExperimentConfig& config, const RunOptions& options) {
  Observer silent;
  return run(config, options, silent);
}

namespace detail {

StageTime sample_stage(ExperimentResult& run, const RunDirectory& dir, Observer& observer,
                       bool reuse) {
  const auto& c = run.config;
  const auto start = std::chrono::steady_clock::now();
  run.model = ising::Model{ising::Lattice::square(c.L, c.L), 1.0, 0.0, 1.0 / c.K};
  run.model.validate();
  const fs::path path = dir.samples();
  if (reuse && fs::exists(path)) {
    run.samples = io::read_spins(path);
    if (run.samples.count != c.samples || run.samples.lattice.lx != c.L ||
        run.samples.lattice.ly != c.L)
      throw IoError(path.string() + ": does not hold the configured samples; start the run fresh");
    observer.message(
        format("[sample] reusing %zu samples from %s", run.samples.count, path.c_str()));
    return {"sample", seconds_since(start), true};
  }
  observer.message(
      format("[sample] %zu samples of the %dx%d Ising model at K = %.4g (T = %.4f), %s", c.samples,
             c.L, c.L, c.K, run.model.T, c.algorithm.c_str()));
  mc::SamplerOptions options;
  options.algorithm = mc::parse_algorithm(c.algorithm);
  options.samples = c.samples;
  options.seed = c.seed;
  options.threads = c.threads;
  observer.progress_started("sample", 0);
  options.progress = [&observer](double done, double total) {
    observer.progress("sample", done, total);
  };
  mc::SamplerReport report;
  run.samples = mc::sample(run.model, options, &report);
  observer.progress_finished("sample");
  io::write_spins(path, run.samples, mc::sidecar_json(run.model, options, report));
  observer.message(format("  tau_int = %.3g sweeps, spacing %lld sweeps, %d chains -> %s",
                          report.tau_int, static_cast<long long>(report.spacing), report.chains,
                          path.c_str()));
  return {"sample", seconds_since(start), false};
}

StageTime train_stage(ExperimentResult& run, const RunDirectory& dir, Observer& observer,
                      bool reuse, Communicator* world) {
  const auto& c = run.config;
  const auto start = std::chrono::steady_clock::now();
  const fs::path model_dir = dir.model();
  const fs::path metrics_path = dir.metrics();
  const rbm::Units visible = rbm::parse_units(c.visible_units, "dbn.visible_units");
  const rbm::Units hidden = rbm::parse_units(c.hidden_units, "dbn.hidden_units");

  // Metrics of an earlier, interrupted run are kept (one line per layer and epoch).
  rbm::MetricsFile metrics(metrics_path, reuse, c.hidden.size(), "start the run fresh");
  auto flush_metrics = [&] {
    run.metrics = metrics.lines();
    metrics.write();
  };

  if (reuse && fs::exists(model_dir / "dbn.json")) {
    run.dbn = rbm::load_dbn(model_dir);
    bool fits = run.dbn.layers.size() == c.hidden.size() &&
                run.dbn.layers.front().n_visible() == run.samples.lattice.sites();
    for (std::size_t l = 0; fits && l < c.hidden.size(); ++l)
      fits = run.dbn.layers[l].n_hidden() == c.hidden[l] && run.dbn.layers[l].hidden == hidden &&
             (l > 0 || run.dbn.layers[l].visible == visible);
    if (!fits)
      throw IoError((model_dir / "dbn.json").string() +
                    ": the model does not have the configured layers; start the run fresh");
    flush_metrics();
    observer.message(format("[train] reusing the trained DBN in %s", model_dir.c_str()));
    return {"train", seconds_since(start), true};
  }

  std::string sizes = std::to_string(run.samples.lattice.sites());
  for (const std::size_t n : c.hidden) sizes += "-" + std::to_string(n);
  observer.message(format("[train] DBN %s, CD-%d, %d epochs per layer, batch %zu, lr %g, L1 %g",
                          sizes.c_str(), c.cd_k, c.epochs, c.batch_size, c.learning_rate, c.l1));
  fs::create_directories(model_dir);
  const MatrixF data = rbm::spins_to_visible(run.samples.spins, run.samples.count,
                                             run.samples.lattice.sites(), visible);

  rbm::DbnTrainOptions options = dbn_train_options(c, model_dir, reuse, world);
  auto& o = options.rbm;

  // Progress counts multiply-adds, so the ETA weighs the big first layer properly.
  std::vector<double> cost;
  double total = 0;
  std::size_t below = run.samples.lattice.sites();
  for (const std::size_t n : c.hidden) {
    cost.push_back(static_cast<double>(below) * static_cast<double>(n));
    total += cost.back() * c.epochs;
    below = n;
  }
  double done = 0;
  o.on_epoch = [&](const rbm::EpochMetrics& m) {
    // Every epoch, before its checkpoint: a run killed in between retrains the epoch and
    // replaces its line.
    if (metrics.record(m)) done += cost[m.layer];
    observer.progress("train", done, total);
    if (m.epoch == c.epochs) {
      observer.progress_finished("train");
      observer.message(
          format("  layer %zu: reconstruction error %.4f after %d epochs (%.1fs so far)",
                 m.layer + 1, m.reconstruction_error, m.epoch, seconds_since(start)));
    }
  };
  // An epoch resumed from its checkpoint is not reported again: count it as done.
  if (reuse)
    for (const auto& [layer, epochs] : metrics.epochs_per_layer())
      done += cost.at(layer - 1) * static_cast<double>(epochs);
  observer.progress_started("train", done);

  run.dbn = rbm::train_dbn(data, c.hidden, visible, hidden, options);
  observer.progress_finished("train");
  const nlohmann::json provenance{{"deeprg_version", kVersion},
                                  {"blas", to_json(blas_info())},
                                  {"data", "samples.npy"},
                                  {"command", "deeprg run"},
                                  {"config", to_json(c)}};
  run.dbn.meta.update(provenance);
  rbm::save_dbn(model_dir, run.dbn);
  flush_metrics();
  // The finished model supersedes the per-layer checkpoints.
  for (std::size_t l = 0; l < c.hidden.size(); ++l)
    fs::remove(rbm::layer_checkpoint_path(o.checkpoint, l));
  return {"train", seconds_since(start), false};
}

void analyse_stage(ExperimentResult& run, const RunDirectory& dir) {
  const auto& c = run.config;
  const int threads = c.threads;
  const ising::Lattice& lattice = run.samples.lattice;
  const rbm::Units visible = run.dbn.layers.front().visible;
  const std::size_t n_layers = run.dbn.layers.size();
  const std::size_t n = std::min(c.analysis_samples, run.samples.count);
  const io::SpinSamples subset = head(run.samples, n);
  const MatrixF v = rbm::spins_to_visible(subset.spins, n, lattice.sites(), visible);

  ExperimentAnalysis& result = run.analysis;
  nlohmann::json& a = result.document;
  a = nlohmann::json::object();
  a["deeprg_version"] = kVersion;
  a["blas"] = to_json(blas_info());
  a["seed"] = c.seed;
  a["preset"] = run.preset;
  a["config"] = to_json(c);
  a["analysis_samples"] = n;

  // The data against the exact solution (all samples).
  nlohmann::json data = ising::to_json(run.model);
  data.update(
      mc::to_json(mc::measure(run.model, run.samples.spins, run.samples.count, 50, threads)));
  data["exact"] = ising::exact_json(run.model);
  a["data"] = data;

  // Receptive fields r(l) = r(l−1)·W(l) and their shapes.
  result.fields = analysis::receptive_fields(run.dbn);
  result.layer_fields = analysis::layer_fields(result.fields, lattice, c.rf_fraction, threads);
  // A field spread evenly over the whole torus: the scale of "not local at all".
  a["uniform_field_radius"] = analysis::block_reference(lattice, c.L, c.rf_fraction).radius;

  // Majority-rule block spins of the same samples, as many levels as the lattice allows.
  const int levels = std::min(static_cast<int>(n_layers), rg::max_block_levels(lattice, 2));
  rg::BlockSpinOptions block;
  block.rule = rg::BlockRule::majority;
  block.b = 2;
  block.ties = rg::Ties::random;
  block.seed = c.seed;
  block.threads = threads;
  const std::vector<io::SpinSamples> blocks = rg::block_spin_levels(subset, block, levels);

  const nlohmann::json data_subset = observables_json(subset, 1.0, threads);
  a["data_subset"] = data_subset;
  a["layers"] = nlohmann::json::array();
  for (std::size_t l = 1; l <= n_layers; ++l) {
    const analysis::LayerFields& f = result.layer_fields[l - 1];
    nlohmann::json layer{
        {"layer", l},
        {"units", f.units},
        {"dead_units", f.dead_units},
        {"block", f.block},
        {"receptive_field_radius", f.radius_mean},
        {"receptive_field_radius_error", f.radius_error},
        {"receptive_field_radius_median", f.radius_median},
        {"receptive_field_radius_quartiles", {f.radius_q25, f.radius_q75}},
        {"block_radius", f.block_radius},
        {"median_radius_over_block", number_or_null(f.radius_median / f.block_radius)},
        {"participation", f.participation_mean},
        {"block_participation", f.block_participation},
        {"locality", f.locality_mean}};
    if (l >= 2) {
      const auto& prev = result.layer_fields[l - 2];
      layer["radius_growth"] = number_or_null(f.radius_median / prev.radius_median);
      layer["block_radius_growth"] = number_or_null(f.block_radius / prev.block_radius);
    }

    // Hidden states (mean field) against the block spins of scale 2^l.
    const MatrixF h = rbm::up_pass(run.dbn, v, l);
    if (static_cast<int>(l) <= levels) {
      const analysis::BlockOverlap o = analysis::block_overlap(h, blocks[l], threads);
      layer["block_overlap"] = {{"blocks", blocks[l].lattice.sites()},
                                {"best_per_block", o.best_per_block},
                                {"best_per_unit", o.best_per_unit},
                                {"neighbour_blocks", o.neighbour_blocks},
                                {"matched_fraction", o.matched_fraction}};
      layer["majority_rule"] =
          observables_json(blocks[l], std::pow(2.0, static_cast<double>(l)), threads);
    }

    // Reconstruction through layer l (rbm::reconstruct from the up pass above): mean field
    // down, then one draw of the spins.
    const MatrixF r = rbm::down_pass(run.dbn, h, l);
    double squared = 0;
    for (std::size_t i = 0; i < r.size(); ++i) {
      const double d = static_cast<double>(r.data[i]) - v.data[i];
      squared += d * d;
    }
    const io::SpinSamples drawn =
        sample_spins(r, visible, lattice, c.seed, (std::uint64_t{0x5EC0} << 40) + (l << 32));
    nlohmann::json recon = observables_json(drawn, 1.0, threads);
    recon["mean_squared_error"] = squared / static_cast<double>(r.size());
    layer["reconstruction"] = recon;
    a["layers"].push_back(layer);
  }

  // The paper's claim, measured: fields grow with depth about like 2×2 block spins.
  nlohmann::json growth = nlohmann::json::array();
  for (std::size_t l = 2; l <= n_layers; ++l) {
    const auto& cur = result.layer_fields[l - 1];
    const auto& prev = result.layer_fields[l - 2];
    // The median is the headline: a few units that never localise (noise-like fields of radius
    // ~L/2) move the mean of a layer far more than its typical field.
    growth.push_back(
        {{"from_layer", l - 1},
         {"to_layer", l},
         {"median_radius_ratio", number_or_null(cur.radius_median / prev.radius_median)},
         {"mean_radius_ratio", number_or_null(cur.radius_mean / prev.radius_mean)},
         {"block_radius_ratio", number_or_null(cur.block_radius / prev.block_radius)}});
  }
  a["receptive_field_growth"] = growth;

  // Samples for figure E: the data and each layer's mean-field reconstruction.
  const std::size_t shown = std::min(c.reconstructions, n);
  MatrixF first(shown, v.cols);
  std::copy(v.data.begin(), v.data.begin() + static_cast<std::ptrdiff_t>(shown * v.cols),
            first.data.begin());
  result.reconstructions.assign(n_layers + 1, {});
  for (std::size_t l = 0; l <= n_layers; ++l) {
    const MatrixF r = rbm::reconstruct(run.dbn, first, l);
    for (std::size_t k = 0; k < shown; ++k)
      result.reconstructions[l].emplace_back(r.row(k).begin(), r.row(k).end());
  }

  // The network's map, placed once, serves MCRG, the couplings and (its first level) RSMI.
  std::optional<rg::CoarseGraining> network;
  a["mcrg"] = mcrg_comparison(run.dbn, subset, c.seed, threads, &network);
  a["mutual_information"] = mi_comparison(subset, c.K, network ? &*network : nullptr, threads);

  a["claims"] = to_json(claims(a));
  io::write_file_atomic(dir.analysis(), a.dump(2) + "\n");
}

}  // namespace detail

}  // namespace deeprg::experiment
