// deeprg run, stages 1–3: sample, train, analyse (see experiment.hpp).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <optional>

#include "commands.hpp"
#include "common.hpp"
#include "deeprg/analysis/block_overlap.hpp"
#include "deeprg/core/error.hpp"
#include "deeprg/core/rng.hpp"
#include "deeprg/io/atomic_file.hpp"
#include "deeprg/mc/observables.hpp"
#include "deeprg/mc/sampler.hpp"
#include "deeprg/rbm/dbn_ops.hpp"
#include "deeprg/rbm/model_file.hpp"
#include "deeprg/rg/block_spin.hpp"
#include "deeprg/version.hpp"
#include "experiment.hpp"
#include "metrics_file.hpp"

namespace deeprg::cli {

namespace {

namespace fs = std::filesystem;

// The sections whose keys fix the samples and the model. A rerun into a directory whose run
// differs in any of them is refused (it would mix two runs' outputs) unless --fresh;
// run.threads (kIgnoredKey) never changes a result and does not count.
const std::vector<std::string> kResultSections = {"lattice", "sampling", "dbn", "train", "run"};

// Output names of a run directory, removed by --fresh.
const std::vector<std::string> kOutputs = {"samples.npy",   "samples.npy.json", "model",
                                           "metrics.jsonl", "analysis.json",    "figures",
                                           "report.html"};

// Never changes a result, so a rerun with other threads reuses everything.
const std::string kIgnoredKey = "run.threads";

// The first dotted key under `sections` (other than kIgnoredKey) whose value differs between two
// to_json() trees.
std::optional<std::string> first_difference(const nlohmann::json& a, const nlohmann::json& b,
                                            const std::vector<std::string>& sections) {
  for (const std::string& section : sections) {
    const nlohmann::json& x = a.contains(section) ? a[section] : nlohmann::json::object();
    const nlohmann::json& y = b.contains(section) ? b[section] : nlohmann::json::object();
    for (const auto& [key, value] : x.items())
      if ((!y.contains(key) || y[key] != value) && section + "." + key != kIgnoredKey)
        return section + "." + key;
    for (const auto& [key, value] : y.items())
      if (!x.contains(key) && section + "." + key != kIgnoredKey) return section + "." + key;
  }
  return std::nullopt;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// The first n samples of a set.
io::SpinSamples head(const io::SpinSamples& samples, std::size_t n) {
  io::SpinSamples out{samples.lattice, n, {}};
  out.spins.assign(samples.spins.begin(), samples.spins.begin() + static_cast<std::ptrdiff_t>(
                                                                      n * samples.lattice.sites()));
  return out;
}

// Observables of a set of ±1 samples as flat JSON, plus the nearest-neighbour correlation
// ⟨s_i s_j⟩ = −e·N/(J·N_bonds) (h = 0; N_bonds = 2N in 2D) and ξ in spacings of the input
// lattice (`spacing` = b^level).
nlohmann::json observables_json(const ising::Model& model, const io::SpinSamples& samples,
                                double spacing, int threads) {
  const mc::Observables o = mc::measure(model, samples.spins, samples.count, 50, threads);
  const double per_bond = static_cast<double>(samples.lattice.sites()) /
                          static_cast<double>(samples.lattice.bonds()) / model.J;
  return {{"samples", samples.count},
          {"lattice", samples.lattice.lx},
          {"energy_per_spin", number_or_null(o.energy_per_spin.value)},
          {"energy_per_spin_error", number_or_null(o.energy_per_spin.error)},
          {"nn_correlation", number_or_null(-o.energy_per_spin.value * per_bond)},
          {"nn_correlation_error", number_or_null(o.energy_per_spin.error * per_bond)},
          {"abs_magnetization", number_or_null(o.abs_magnetization.value)},
          {"abs_magnetization_error", number_or_null(o.abs_magnetization.error)},
          {"correlation_length", number_or_null(o.correlation_length.value * spacing)},
          {"correlation_length_error", number_or_null(o.correlation_length.error * spacing)}};
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

}  // namespace

void run_experiment(const experiment::ExperimentConfig& config, const std::string& preset,
                    const fs::path& dir, bool fresh) {
  experiment::validate(config);
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec || !fs::is_directory(dir))
    throw IoError(dir.string() + ": cannot create run directory (" + ec.message() + ")");

  const nlohmann::json resolved = experiment::to_json(config);
  const fs::path config_path = dir / "config.json";
  bool reuse = false;
  if (fresh) {
    for (const std::string& name : kOutputs) fs::remove_all(dir / name, ec);
  } else if (fs::exists(config_path)) {
    nlohmann::json previous;
    try {
      previous = nlohmann::json::parse(io::read_file(config_path)).at("config");
      if (!previous.is_object()) throw nlohmann::json::other_error::create(501, "config", nullptr);
    } catch (const nlohmann::json::exception& e) {
      throw IoError(config_path.string() + ": not a deeprg run configuration (" + e.what() +
                    "); use another --out or --fresh");
    }
    const auto differs = first_difference(previous, resolved, kResultSections);
    if (differs) {
      const auto dot = differs->find('.');
      const auto& old_section = previous[differs->substr(0, dot)];
      const std::string key = differs->substr(dot + 1);
      throw ConfigError(*differs, dir.string() + " holds a run with " + *differs + " = " +
                                      (old_section.contains(key) ? old_section[key].dump()
                                                                 : std::string("(unset)")) +
                                      "; use another --out, or --fresh to replace that run");
    }
    reuse = true;
  }

  nlohmann::json record{{"deeprg_version", kVersion},
                        {"command", "deeprg run"},
                        {"preset", preset},
                        {"seed", config.seed},
                        {"blas", blas_json()},
                        {"config", resolved},
                        {"sources", nlohmann::json::object()}};
  for (const auto& key : experiment::config_keys()) record["sources"][key.key] = key.source;
  io::write_file_atomic(config_path, record.dump(2) + "\n");

  Experiment run;
  run.config = config;
  run.preset = preset;
  run.dir = dir;
  std::printf("deeprg %s: Mehta & Schwab's experiment (preset %s) in %s%s\n", kVersion,
              preset.c_str(), dir.c_str(), reuse ? ", reusing the earlier run's outputs" : "");
  const auto total_start = std::chrono::steady_clock::now();
  sample_stage(run, reuse);
  train_stage(run, reuse);
  auto timed = [&run](const char* stage, const char* what, auto&& body) {
    std::printf("[%s] %s\n", stage, what);
    std::fflush(stdout);
    const auto start = std::chrono::steady_clock::now();
    body();
    run.times.push_back({stage, seconds_since(start), false});
  };
  timed("analyse", "receptive fields, block-spin overlap, observables of reconstructions",
        [&] { analyse_stage(run); });
  timed("figures", "figures A-E and diagnostics", [&] { figures_stage(run); });
  timed("report", "report.html", [&] { report_stage(run); });
  // analysis.json was written before the last stages ended: complete its timings.
  nlohmann::json times = nlohmann::json::array();
  for (const StageTime& t : run.times)
    times.push_back({{"stage", t.stage}, {"seconds", t.seconds}, {"reused", t.reused}});
  run.analysis["stage_seconds"] = times;
  io::write_file_atomic(dir / "analysis.json", run.analysis.dump(2) + "\n");
  std::printf("done in %.1fs:", seconds_since(total_start));
  for (const StageTime& t : run.times)
    std::printf(" %s %.1fs%s", t.stage.c_str(), t.seconds, t.reused ? " (reused)" : "");
  std::printf("\n  open %s\n", (dir / "report.html").c_str());
}

void sample_stage(Experiment& run, bool reuse) {
  const auto& c = run.config;
  const auto start = std::chrono::steady_clock::now();
  run.model = ising::Model{ising::Lattice::square(c.L, c.L), 1.0, 0.0, 1.0 / c.K};
  run.model.validate();
  const fs::path path = run.dir / "samples.npy";
  if (reuse && fs::exists(path)) {
    run.samples = io::read_spins(path);
    if (run.samples.count != c.samples || run.samples.lattice.lx != c.L ||
        run.samples.lattice.ly != c.L)
      throw IoError(path.string() + ": does not hold the configured samples; rerun with --fresh");
    std::printf("[sample] reusing %zu samples from %s\n", run.samples.count, path.c_str());
    run.times.push_back({"sample", seconds_since(start), true});
    return;
  }
  std::printf("[sample] %zu samples of the %dx%d Ising model at K = %.4g (T = %.4f), %s\n",
              c.samples, c.L, c.L, c.K, run.model.T, c.algorithm.c_str());
  std::fflush(stdout);
  mc::SamplerOptions options;
  options.algorithm = mc::parse_algorithm(c.algorithm);
  options.samples = c.samples;
  options.seed = c.seed;
  options.threads = c.threads;
  ProgressBar bar("sample");
  options.progress = [&bar](double done, double total) { bar.update(done, total); };
  mc::SamplerReport report;
  run.samples = mc::sample(run.model, options, &report);
  bar.finish();
  io::write_spins(path, run.samples);
  io::write_sidecar(path, sampler_sidecar(run.model, options, report));
  std::printf("  tau_int = %.3g sweeps, spacing %lld sweeps, %d chains -> %s\n", report.tau_int,
              static_cast<long long>(report.spacing), report.chains, path.c_str());
  run.times.push_back({"sample", seconds_since(start), false});
}

void train_stage(Experiment& run, bool reuse) {
  const auto& c = run.config;
  const auto start = std::chrono::steady_clock::now();
  const fs::path model_dir = run.dir / "model";
  const fs::path metrics_path = run.dir / "metrics.jsonl";
  const rbm::Units visible = rbm::parse_units(c.visible_units, "dbn.visible_units");
  const rbm::Units hidden = rbm::parse_units(c.hidden_units, "dbn.hidden_units");

  // Metrics of an earlier, interrupted run are kept (one line per layer and epoch).
  MetricsFile metrics(metrics_path, reuse, c.hidden.size(), "rerun with --fresh");
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
                    ": the model does not have the configured layers; rerun with --fresh");
    flush_metrics();
    std::printf("[train] reusing the trained DBN in %s\n", model_dir.c_str());
    run.times.push_back({"train", seconds_since(start), true});
    return;
  }

  std::string sizes = std::to_string(run.samples.lattice.sites());
  for (const std::size_t n : c.hidden) sizes += "-" + std::to_string(n);
  std::printf("[train] DBN %s, CD-%d, %d epochs per layer, batch %zu, lr %g, L1 %g\n",
              sizes.c_str(), c.cd_k, c.epochs, c.batch_size, c.learning_rate, c.l1);
  std::fflush(stdout);
  fs::create_directories(model_dir);
  const MatrixF data = rbm::spins_to_visible(run.samples.spins, run.samples.count,
                                             run.samples.lattice.sites(), visible);

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
  o.checkpoint = model_dir / "checkpoint.npz";
  o.checkpoint_every = 1;
  o.resume = reuse;
  options.propagate = rbm::parse_propagation(c.propagate, "dbn.propagate");

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
  ProgressBar bar("train");
  o.on_epoch = [&](const rbm::EpochMetrics& m) {
    // Every epoch, before its checkpoint: a run killed in between retrains the epoch and
    // replaces its line.
    if (metrics.record(m)) done += cost[m.layer];
    bar.update(done, total);
    if (m.epoch == c.epochs) {
      bar.finish();
      std::printf("  layer %zu: reconstruction error %.4f after %d epochs (%.1fs so far)\n",
                  m.layer + 1, m.reconstruction_error, m.epoch, seconds_since(start));
      std::fflush(stdout);
    }
  };
  // An epoch resumed from its checkpoint is not reported again: count it as done.
  if (reuse)
    for (const auto& [layer, epochs] : metrics.epochs_per_layer())
      done += cost.at(layer - 1) * static_cast<double>(epochs);
  bar.set_done_before(done);

  run.dbn = rbm::train_dbn(data, c.hidden, visible, hidden, options);
  bar.finish();
  const nlohmann::json provenance{{"deeprg_version", kVersion},
                                  {"blas", blas_json()},
                                  {"data", "samples.npy"},
                                  {"command", "deeprg run"},
                                  {"config", experiment::to_json(c)}};
  run.dbn.meta.update(provenance);
  rbm::save_dbn(model_dir, run.dbn);
  flush_metrics();
  // The finished model supersedes the per-layer checkpoints.
  for (std::size_t l = 0; l < c.hidden.size(); ++l)
    fs::remove(rbm::layer_checkpoint_path(o.checkpoint, l));
  run.times.push_back({"train", seconds_since(start), false});
}

void analyse_stage(Experiment& run) {
  const auto& c = run.config;
  const int threads = c.threads;
  const ising::Lattice& lattice = run.samples.lattice;
  const rbm::Units visible = run.dbn.layers.front().visible;
  const std::size_t n_layers = run.dbn.layers.size();
  const std::size_t n = std::min(c.analysis_samples, run.samples.count);
  const io::SpinSamples subset = head(run.samples, n);
  const MatrixF v = rbm::spins_to_visible(subset.spins, n, lattice.sites(), visible);

  nlohmann::json& a = run.analysis;
  a = nlohmann::json::object();
  a["deeprg_version"] = kVersion;
  a["blas"] = blas_json();
  a["seed"] = c.seed;
  a["preset"] = run.preset;
  a["config"] = experiment::to_json(c);
  a["analysis_samples"] = n;

  // The data against the exact solution (all samples).
  nlohmann::json data = model_json(run.model);
  data.update(measure_json(run.model, run.samples, threads));
  data["exact"] = exact_json(run.model);
  a["data"] = data;

  // Receptive fields r(l) = r(l−1)·W(l) and their shapes.
  run.fields = analysis::receptive_fields(run.dbn);
  run.layer_fields = analysis::layer_fields(run.fields, lattice, c.rf_fraction, threads);

  // Majority-rule block spins of the same samples, as many levels as the lattice allows.
  const int levels = std::min(static_cast<int>(n_layers), rg::max_block_levels(lattice, 2));
  rg::BlockSpinOptions block;
  block.rule = rg::BlockRule::majority;
  block.b = 2;
  block.ties = rg::Ties::random;
  block.seed = c.seed;
  block.threads = threads;
  const std::vector<io::SpinSamples> blocks = rg::block_spin_levels(subset, block, levels);

  const nlohmann::json data_subset = observables_json(run.model, subset, 1.0, threads);
  a["data_subset"] = data_subset;
  a["layers"] = nlohmann::json::array();
  for (std::size_t l = 1; l <= n_layers; ++l) {
    const analysis::LayerFields& f = run.layer_fields[l - 1];
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
      const auto& prev = run.layer_fields[l - 2];
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
      const ising::Model coarse{blocks[l].lattice, run.model.J, 0.0, run.model.T};
      layer["majority_rule"] =
          observables_json(coarse, blocks[l], std::pow(2.0, static_cast<double>(l)), threads);
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
    nlohmann::json recon = observables_json(run.model, drawn, 1.0, threads);
    recon["mean_squared_error"] = squared / static_cast<double>(r.size());
    layer["reconstruction"] = recon;
    a["layers"].push_back(layer);
  }

  // The paper's claim, measured: fields grow with depth about like 2×2 block spins.
  nlohmann::json growth = nlohmann::json::array();
  for (std::size_t l = 2; l <= n_layers; ++l) {
    const auto& cur = run.layer_fields[l - 1];
    const auto& prev = run.layer_fields[l - 2];
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
  run.reconstructions.assign(n_layers + 1, {});
  for (std::size_t l = 0; l <= n_layers; ++l) {
    const MatrixF r = rbm::reconstruct(run.dbn, first, l);
    for (std::size_t k = 0; k < shown; ++k)
      run.reconstructions[l].emplace_back(r.row(k).begin(), r.row(k).end());
  }

  io::write_file_atomic(run.dir / "analysis.json", a.dump(2) + "\n");
}

}  // namespace deeprg::cli
