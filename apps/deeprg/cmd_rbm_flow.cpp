// deeprg rbm-flow: Iso et al.'s RBM flow v → h → v, read with physical thermometers.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <optional>
#include <sstream>

#include "commands.hpp"
#include "common.hpp"
#include "deeprg/analysis/rbm_flow.hpp"
#include "deeprg/core/clock.hpp"
#include "deeprg/core/error.hpp"
#include "deeprg/ising/thermometer.hpp"
#include "deeprg/mc/reference_curve.hpp"
#include "deeprg/rbm/model_file.hpp"
#include "deeprg/report/line_plot.hpp"
#include "deeprg/version.hpp"
#include "rbm_flow_directory.hpp"
#include "rbm_flow_report.hpp"
#include "rbm_training.hpp"

namespace deeprg::cli {

namespace {

struct RbmFlowFlags {
  int L = 10;
  std::string temperatures;  // empty: Iso et al.'s grid
  std::string starts;        // empty: every grid temperature
  std::size_t samples = 1000;
  RbmTrainingFlags training;
  std::string rbm_file;
  std::string save_rbm;
  int steps = 200;
  std::string step = "sampled";
  int blocks = 20;
  std::uint64_t seed = 1;
  int threads = 0;
  bool json = false;
  std::string plot;
  std::string thermometer_plot;
  std::string report;
  std::string out;
  std::size_t reference_samples = 10000;
  double reference_step = 0.05;
  bool no_reference = false;
};

constexpr analysis::Thermometer kThermometers[] = {analysis::Thermometer::energy,
                                                   analysis::Thermometer::abs_magnetization,
                                                   analysis::Thermometer::binder_cumulant};

std::vector<double> parse_temperatures(const std::string& flag, const std::string& text) {
  std::vector<double> out;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    std::size_t used = 0;
    double t = 0;
    try {
      t = std::stod(item, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used == 0 || used != item.size())
      throw ConfigError(flag, "'" + item + "' is not a number (a comma-separated list: 1.5,2.3)");
    if (!(std::isfinite(t) && t > 0))
      throw ConfigError(flag, "every temperature must be positive and finite, got " + item);
    out.push_back(t);
  }
  if (out.empty()) throw ConfigError(flag, "the temperature list is empty");
  return out;
}

std::string reading(const ising::TemperatureReading& t) {
  if (t.T == 0) return "0";
  if (!std::isfinite(t.T)) return "inf";
  if (!(t.error > 1e-9 * t.T) || !std::isfinite(t.error)) return format_number(t.T);
  return format_estimate(t.T, t.error);
}

}  // namespace

void add_rbm_flow_command(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "rbm-flow",
      "The RBM flow of Iso et al. (2018), read with the exact energy thermometer\n"
      "Trains an RBM on equilibrium samples of the L x L Ising model from a grid of\n"
      "temperatures (default Iso et al.'s: L = 10, T = 0.25, 0.5, ..., 6; Wolff, --samples per\n"
      "T), or loads --rbm FILE, then from each starting temperature's samples iterates\n"
      "v -> h -> v --steps times (--step sampled: h ~ p(h|v), v ~ p(v|h); mean-field:\n"
      "h = E[h|v], v = sign of the visible field) and reads the temperature T_k of the\n"
      "configurations after every step from the exact finite-lattice energy (Kaufman):\n"
      "T_k = u^-1(<e>), error <e>'s jackknife error over the specific heat. At h = 0 the\n"
      "nearest-neighbour correlation thermometer is the same map (e = -2J <s_i s_j>).\n"
      "Two more thermometers read <|m|> and the Binder cumulant U4 of the same\n"
      "configurations off Monte Carlo reference curves of this L (Wolff, --reference-samples\n"
      "per temperature, every --reference-step across the temperatures; a local quadratic fit\n"
      "inverts them): energy reads short-range order, |m| and U4 long-range order, and an\n"
      "RBM's ensemble need not agree on them. T* is the mean over starts of the last step's T\n"
      "by each thermometer (spread: max - min over starts), compared with T_c = 2.269 and the\n"
      "peak of the exact specific heat at this L.\n"
      "Results do not depend on --threads.\n"
      "Example: deeprg rbm-flow --hidden 64 --steps 30 --plot flow.png --json > flow.json");
  auto f = std::make_shared<RbmFlowFlags>();
  f->training.train.epochs = 50;
  cmd->add_option("--L", f->L, "Lattice side (L x L torus; the RBM's visible layer)")
      ->capture_default_str();
  cmd->add_option("--temperatures", f->temperatures,
                  "Training temperatures, comma-separated (default 0.25,0.5,...,6)");
  cmd->add_option("--starts", f->starts,
                  "Starting temperatures of the flow (default: the training temperatures)");
  cmd->add_option("--samples", f->samples, "Equilibrium samples per temperature")
      ->capture_default_str();
  add_rbm_training_flags(*cmd, f->training);
  cmd->add_option("--rbm", f->rbm_file, "Use this trained RBM (.npz) instead of training one");
  cmd->add_option("--save-rbm", f->save_rbm, "Write the trained RBM here (.npz)");
  cmd->add_option("--steps", f->steps, "v -> h -> v steps")->capture_default_str();
  cmd->add_option("--step", f->step, "sampled | mean-field")->capture_default_str();
  cmd->add_option("--blocks", f->blocks, "Jackknife blocks")->capture_default_str();
  cmd->add_option("--seed", f->seed, "Seed of sampling, training and the flow")
      ->transform(whole_number())
      ->capture_default_str();
  cmd->add_option("--threads", f->threads, "Threads (0 = all cores); never changes the result")
      ->capture_default_str();
  cmd->add_flag("--json", f->json, "Print JSON");
  cmd->add_option("--plot", f->plot, "Write a PNG of T_k against k, one line per start");
  cmd->add_option("--thermometer-plot", f->thermometer_plot,
                  "Write a PNG of the last step's T against the start, by each thermometer");
  cmd->add_option("--out", f->out,
                  "Run directory: the trained RBM, the reference curves, each finished start's\n"
                  "flow and the results (rbm-flow.json) go there, and the same command run\n"
                  "again resumes a killed run from them");
  cmd->add_option("--report", f->report,
                  "Write an HTML page: the flow, T* by each thermometer, the energy\n"
                  "distributions along the flow, the reference curves and the settings");
  cmd->add_option("--reference-samples", f->reference_samples,
                  "Wolff samples per temperature of the |m| and U4 reference curves")
      ->capture_default_str();
  cmd->add_option("--reference-step", f->reference_step,
                  "Temperature spacing of the reference curves")
      ->capture_default_str();
  cmd->add_flag("--no-reference", f->no_reference,
                "Read the energy thermometer only (no reference curves)");
  cmd->callback([f, cmd] {
    if (f->L < 2) throw ConfigError("--L", "must be at least 2, got " + std::to_string(f->L));
    if (f->threads < 0) throw ConfigError("--threads", "must be 0 (all cores) or positive");
    if (f->samples < 2) throw ConfigError("--samples", "need at least 2 samples per temperature");
    if (f->training.hidden < 1) throw ConfigError("--hidden", "need at least 1 hidden unit");
    if (f->steps < 0)
      throw ConfigError("--steps", "must be at least 0, got " + std::to_string(f->steps));
    if (f->blocks < 2) throw ConfigError("--blocks", "need at least 2 blocks for error bars");
    if (!f->no_reference) {
      if (f->reference_samples < 2 * static_cast<std::size_t>(f->blocks))
        throw ConfigError("--reference-samples",
                          "need at least 2 samples per jackknife block (2 x --blocks)");
      if (!(std::isfinite(f->reference_step) && f->reference_step > 0))
        throw ConfigError("--reference-step", "must be a positive temperature spacing");
    }
    const analysis::FlowStep step = analysis::parse_flow_step(f->step, "--step");
    const std::vector<double> grid = f->temperatures.empty()
                                         ? analysis::iso_temperatures()
                                         : parse_temperatures("--temperatures", f->temperatures);
    const std::vector<double> starts =
        f->starts.empty() ? grid : parse_temperatures("--starts", f->starts);
    const ising::Lattice lattice = ising::Lattice::square(f->L, f->L);
    {
      std::vector<NamedPath> inputs;
      if (!f->rbm_file.empty()) inputs.push_back({"--rbm", f->rbm_file});
      std::vector<NamedPath> outputs;
      if (!f->save_rbm.empty()) outputs.push_back({"--save-rbm", f->save_rbm});
      if (!f->plot.empty()) outputs.push_back({"--plot", f->plot});
      if (!f->thermometer_plot.empty())
        outputs.push_back({"--thermometer-plot", f->thermometer_plot});
      if (!f->report.empty()) outputs.push_back({"--report", f->report});
      check_outputs(inputs, outputs);
    }
    nlohmann::json out{
        {"deeprg_version", kVersion},
        {"L", f->L},
        {"samples_per_temperature", f->samples},
        {"step", analysis::to_string(step)},
        {"steps", f->steps},
        {"blocks", f->blocks},
        {"seed", f->seed},
        {"thermometer", "energy (exact finite-lattice, Kaufman)"},
        {"thermometers", f->no_reference
                             ? nlohmann::json{"energy"}
                             : nlohmann::json{"energy", "abs_magnetization", "binder_cumulant"}}};
    nlohmann::json seconds = nlohmann::json::object();

    // What decides the results: a run directory holds one such run and resumes only it.
    std::optional<RbmFlowDirectory> dir;
    if (!f->out.empty()) {
      const rbm::TrainOptions& t = f->training.train;
      nlohmann::json config = out;
      config.erase("deeprg_version");
      config["temperatures"] = grid;
      config["starts"] = starts;
      config["rbm"] = f->rbm_file.empty()
                          ? nlohmann::json{{"hidden", f->training.hidden},
                                           {"visible_units", f->training.visible_units},
                                           {"hidden_units", f->training.hidden_units},
                                           {"epochs", t.epochs},
                                           {"batch_size", t.batch_size},
                                           {"lr", t.learning_rate},
                                           {"cd_k", t.k},
                                           {"persistent", t.persistent},
                                           {"l1", t.l1},
                                           {"l2", t.l2}}
                          : nlohmann::json{{"file", f->rbm_file}};
      config["reference"] = f->no_reference ? nlohmann::json(nullptr)
                                            : nlohmann::json{{"samples", f->reference_samples},
                                                             {"step", f->reference_step}};
      dir.emplace(f->out, config);
    }

    mc::SamplerOptions sampler;
    sampler.samples = f->samples;
    sampler.seed = f->seed;
    sampler.threads = f->threads;
    const auto sample = [&](const std::vector<double>& temperatures, const char* label) {
      ProgressBar bar(label);
      const auto t0 = std::chrono::steady_clock::now();
      auto sets = analysis::sample_temperature_grid(lattice, temperatures, sampler,
                                                    [&](double d, double t) { bar.update(d, t); });
      bar.finish();
      seconds["sample"] = seconds.value("sample", 0.0) + seconds_since(t0);
      return sets;
    };

    rbm::Rbm model;
    std::vector<io::SpinSamples> training;
    if (!f->rbm_file.empty()) {
      model = rbm::load_rbm<float>(f->rbm_file);
      if (model.n_visible() != lattice.sites())
        throw ConfigError("--rbm", f->rbm_file + " has " + std::to_string(model.n_visible()) +
                                       " visible units, an L = " + std::to_string(f->L) +
                                       " lattice " + std::to_string(lattice.sites()));
      out["rbm"] = {{"file", f->rbm_file}};
    } else {
      check_rbm_training_flags(f->training);
      training = sample(grid, "sample");
      if (auto saved = dir ? dir->load_model() : std::nullopt) {
        model = std::move(*saved);
      } else {
        double train_seconds = 0;
        model =
            train_rbm_on_samples(*cmd, training, f->training, f->seed, f->threads, &train_seconds);
        seconds["train"] = train_seconds;
        if (dir) dir->save_model(model);
      }
      out["rbm"] = training_json(f->training, model);
      out["rbm"]["temperatures"] = grid;
      if (!f->save_rbm.empty()) {
        rbm::save_rbm(f->save_rbm, model);
        out["rbm"]["file"] = f->save_rbm;
      }
    }

    // Starting configurations: the training samples at that temperature when there are some.
    std::vector<io::SpinSamples> start_sets;
    std::vector<double> missing;
    for (const double t : starts)
      if (std::find(grid.begin(), grid.end(), t) == grid.end() || training.empty())
        missing.push_back(t);
    std::vector<io::SpinSamples> fresh;
    if (!missing.empty()) fresh = sample(missing, "sample starts");
    for (const double t : starts) {
      const auto g = std::find(grid.begin(), grid.end(), t);
      if (!training.empty() && g != grid.end()) {
        start_sets.push_back(training[static_cast<std::size_t>(g - grid.begin())]);
      } else {
        const auto m = std::find(missing.begin(), missing.end(), t);
        start_sets.push_back(fresh[static_cast<std::size_t>(m - missing.begin())]);
      }
    }

    // The reference curves span every starting temperature and four grid steps beyond (the
    // fit's half window, so that a start at the end still reads off a full window), on a grid
    // of --reference-step that stays above T = 0.
    std::optional<mc::ReferenceCurve> reference;
    if (!f->no_reference && dir) reference = dir->load_reference();
    if (!f->no_reference && !reference) {
      const double margin = 4 * f->reference_step;
      const double first = *std::min_element(starts.begin(), starts.end());
      const double lo = first > margin + f->reference_step ? first - margin : f->reference_step;
      const double hi = *std::max_element(starts.begin(), starts.end()) + margin;
      const double steps = std::max(2.0, std::ceil((hi - lo) / f->reference_step - 1e-9));
      if (steps > 100000)
        throw ConfigError("--reference-step",
                          "makes " + format_number(steps) + " reference temperatures");
      const auto curve_grid =
          mc::temperature_grid(lo, lo + steps * f->reference_step, f->reference_step);
      mc::SamplerOptions ro = sampler;
      ro.samples = f->reference_samples;
      ProgressBar bar("reference");
      const auto t0 = std::chrono::steady_clock::now();
      reference = mc::reference_curve(lattice, curve_grid, ro, f->blocks,
                                      [&](double d, double t) { bar.update(d, t); });
      bar.finish();
      seconds["reference"] = seconds_since(t0);
      if (dir) dir->save_reference(*reference);
    }
    if (reference) out["reference_curve"] = mc::to_json(*reference);

    analysis::RbmFlowOptions options{.steps = f->steps,
                                     .step = step,
                                     .seed = f->seed,
                                     .threads = f->threads,
                                     .blocks = f->blocks,
                                     .keep_energies = !f->report.empty()};
    std::vector<analysis::RbmFlow> flows;
    {
      ProgressBar bar("flow");
      const auto t0 = std::chrono::steady_clock::now();
      for (std::size_t i = 0; i < start_sets.size(); ++i) {
        if (auto saved = dir ? dir->load_flow(i, starts[i], options.keep_energies) : std::nullopt) {
          flows.push_back(std::move(*saved));
        } else {
          flows.push_back(with_flag_names(*cmd, {}, [&] {
            return analysis::rbm_flow(model, start_sets[i], options,
                                      reference ? &*reference : nullptr);
          }));
          if (dir) dir->save_flow(i, starts[i], flows.back());
        }
        bar.update(double(i + 1), double(start_sets.size()));
      }
      bar.finish();
      seconds["flow"] = seconds_since(t0);
    }
    const analysis::FixedPoint fp = analysis::fixed_point(flows);
    double t_peak = 0;
    const ising::EnergyAndHeat peak = ising::specific_heat_peak(lattice, 1.0, &t_peak);

    out["starts"] = nlohmann::json::array();
    for (std::size_t i = 0; i < flows.size(); ++i)
      out["starts"].push_back({{"T0", starts[i]}, {"flow", analysis::to_json(flows[i])}});
    const auto fixed_point_json = [](const analysis::FixedPoint& p) {
      return nlohmann::json{{"T", number_or_null(p.T.value)},
                            {"T_error", number_or_null(p.T.error)},
                            {"spread", number_or_null(p.spread)},
                            {"starts", p.starts}};
    };
    out["fixed_point"] = fixed_point_json(fp);
    std::vector<std::pair<analysis::Thermometer, analysis::FixedPoint>> fixed_points;
    for (const analysis::Thermometer t : kThermometers)
      if (t == analysis::Thermometer::energy || reference)
        fixed_points.emplace_back(t, analysis::fixed_point(flows, t));
    out["fixed_points"] = nlohmann::json::object();
    for (const auto& [t, p] : fixed_points) out["fixed_points"][to_string(t)] = fixed_point_json(p);
    out["T_c"] = ising::kCriticalTemperature;
    out["specific_heat_peak"] = {{"T", t_peak}, {"c", peak.specific_heat_per_spin}};
    out["seconds"] = seconds;

    RbmFlowResults results{.L = f->L,
                           .n_hidden = model.n_hidden(),
                           .step = step,
                           .steps = f->steps,
                           .starts = starts,
                           .flows = std::move(flows),
                           .fixed_points = fixed_points,
                           .reference = reference ? &*reference : nullptr,
                           .specific_heat_peak_T = t_peak};
    if (!f->plot.empty()) {
      report::write_line_plot(f->plot, flow_plot(results));
      out["plot"] = f->plot;
    }
    if (!f->thermometer_plot.empty()) {
      report::write_line_plot(f->thermometer_plot, thermometer_plot(results));
      out["thermometer_plot"] = f->thermometer_plot;
    }
    if (!f->report.empty()) {
      out["report"] = f->report;
      write_rbm_flow_report(f->report, results, out);
    }

    if (dir) {
      out["out"] = f->out;
      dir->save_results(out);
    }
    if (f->json) {
      std::cout << out.dump(2) << "\n";
      return;
    }
    std::printf("RBM flow: L=%d, %zu hidden, %s steps, T read by the exact energy thermometer\n",
                f->L, model.n_hidden(), analysis::to_string(step).c_str());
    std::vector<int> shown{0, 1, 2, 5, 10, f->steps};
    shown.erase(std::remove_if(shown.begin(), shown.end(), [&](int k) { return k > f->steps; }),
                shown.end());
    shown.erase(std::unique(shown.begin(), shown.end()), shown.end());
    std::printf("  %8s", "T0");
    for (const int k : shown) std::printf(" %20s", ("T_" + std::to_string(k)).c_str());
    std::printf("\n");
    for (std::size_t i = 0; i < results.flows.size(); ++i) {
      std::printf("  %8s", format_number(starts[i]).c_str());
      for (const int k : shown) {
        const std::string r =
            reading(results.flows[i].points[static_cast<std::size_t>(k)].temperature);
        // "±" is two bytes in one column.
        std::printf(" %*s", r.find("±") == std::string::npos ? 20 : 21, r.c_str());
      }
      std::printf("\n");
    }
    for (const auto& [t, p] : fixed_points)
      std::printf("T* by %-19s (mean of T_%d over %zu starts) = %s, spread %s\n",
                  thermometer_label(t).c_str(), f->steps, p.starts,
                  format_estimate(p.T.value, p.T.error).c_str(), format_number(p.spread).c_str());
    std::printf("T_c = %.4f, exact specific-heat peak at L=%d: T = %.4f\n",
                ising::kCriticalTemperature, f->L, t_peak);
    if (!f->plot.empty()) std::printf("wrote %s\n", f->plot.c_str());
    if (!f->thermometer_plot.empty()) std::printf("wrote %s\n", f->thermometer_plot.c_str());
    if (!f->report.empty()) std::printf("wrote %s\n", f->report.c_str());
  });
}

}  // namespace deeprg::cli
