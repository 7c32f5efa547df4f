// deeprg flow: observables of spin files at every block-spin level, the RG flow made visible.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <optional>

#include "commands.hpp"
#include "common.hpp"
#include "deeprg/core/error.hpp"
#include "deeprg/report/line_plot.hpp"
#include "deeprg/rg/flow.hpp"
#include "deeprg/version.hpp"

namespace deeprg::cli {

namespace {

struct FlowFlags {
  std::vector<std::string> files;
  std::string rule = "majority";
  int b = 2;
  std::optional<int> levels;
  std::string ties = "random";
  std::uint64_t seed = 1;
  int threads = 0;
  int blocks = 50;
  bool json = false;
  std::string plot;
  std::string plot_quantity = "nn";
  LearnedMapFlags map;
};

struct Quantity {
  const char* name;
  const char* axis;
  mc::Estimate (*get)(const rg::LevelObservables&);
};

const Quantity kQuantities[] = {
    {"nn", "nearest-neighbour correlation ⟨s_i s_j⟩",
     [](const rg::LevelObservables& o) { return o.nn_correlation; }},
    {"binder", "Binder cumulant U₄ = 1 − ⟨m⁴⟩ / 3⟨m²⟩²",
     [](const rg::LevelObservables& o) { return o.binder_cumulant; }},
    {"xi-over-L", "second-moment correlation length ξ / L",
     [](const rg::LevelObservables& o) { return o.correlation_length_over_l(); }},
    {"abs-m", "magnetization ⟨|m|⟩",
     [](const rg::LevelObservables& o) { return o.abs_magnetization; }},
};

void print_table(const std::string& file, const nlohmann::json& t,
                 const std::vector<rg::LevelObservables>& levels) {
  std::printf("%s: %zu samples, T = %s\n", file.c_str(), levels.front().samples,
              t.is_number() ? mc::format_number(t.get<double>()).c_str() : "unknown");
  std::printf("  %5s %9s %22s %22s %22s %22s %22s\n", "level", "L", "|m|", "<s_i s_j>", "Binder U4",
              "xi (2nd moment)", "xi/L");
  auto cell = [](const mc::Estimate& e) {
    if (!std::isfinite(e.value)) return std::string("undefined");
    // An error at rounding level (a frozen configuration) would ask for 17 digits.
    if (!(e.error > 1e-9 * std::max(1.0, std::abs(e.value)))) return mc::format_number(e.value);
    return format_estimate(e.value, e.error);
  };
  for (const auto& o : levels) {
    const std::string size =
        o.ly > 1 ? std::to_string(o.ly) + "x" + std::to_string(o.lx) : std::to_string(o.lx);
    std::printf("  %5d %9s %s %s %s %s %s\n", o.level, size.c_str(),
                right_aligned(cell(o.abs_magnetization), 22).c_str(),
                right_aligned(cell(o.nn_correlation), 22).c_str(),
                right_aligned(cell(o.binder_cumulant), 22).c_str(),
                right_aligned(cell(o.correlation_length), 22).c_str(),
                right_aligned(cell(o.correlation_length_over_l()), 22).c_str());
  }
}

}  // namespace

void add_flow_command(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "flow",
      "Observables at every block-spin level: the RG flow of one or more spin files\n"
      "Coarse-grains each file level by level (as coarse-grain) and measures at every level,\n"
      "in units of that level's lattice, with jackknife error bars (--blocks contiguous blocks):\n"
      "  |m|              <|m|>, m = (1/N) sum_x s_x\n"
      "  <s_i s_j>        nearest-neighbour correlation per bond\n"
      "  Binder U4        1 - <m^4>/(3<m^2>^2)\n"
      "  xi               second-moment correlation length, and xi/L\n"
      "Below T_c the flow runs to the ordered fixed point (<s_i s_j> -> 1, |m| -> 1), above\n"
      "T_c to the disordered one (<s_i s_j> -> 0); at T_c <s_i s_j> stays roughly put. U4 and\n"
      "xi/L hardly change under coarse-graining of one lattice at any T (xi and L shrink\n"
      "together): they tell the phase (U4 ~ 2/3 ordered, ~0.61 critical, ~0 disordered).\n"
      "T is read from each file's sidecar. --plot draws --plot-quantity against the level, one\n"
      "line per file: files at several temperatures around T_c show the critical fixed point as\n"
      "the line of <s_i s_j> that stays flat between lines that run away.\n"
      "--map follows a learned local map (deeprg learn-map) instead of a block rule.\n"
      "Example: deeprg flow t1.8.npy t2.269.npy t3.5.npy --b 2 --levels 3 --plot flow.png");
  auto f = std::make_shared<FlowFlags>();
  cmd->add_option("files", f->files, "Spin files (.npy, int8 ±1)")->required();
  cmd->add_option("--rule", f->rule, "majority | decimation")->capture_default_str();
  cmd->add_option("--b", f->b, "Block side b (>= 2)")->capture_default_str();
  cmd->add_option("--levels", f->levels,
                  "Coarse-graining levels after level 0 (default: as many as each lattice allows)");
  cmd->add_option("--ties", f->ties, "Ties of majority rule with even b: random | top-left")
      ->capture_default_str();
  cmd->add_option("--seed", f->seed, "Seed of the random tie-breaking")
      ->transform(whole_number())
      ->capture_default_str();
  cmd->add_option("--threads", f->threads, "Threads (0 = all cores); never changes the result")
      ->capture_default_str();
  cmd->add_option("--blocks", f->blocks, "Jackknife blocks")->capture_default_str();
  cmd->add_flag("--json", f->json, "Print JSON");
  cmd->add_option("--plot", f->plot, "Write a PNG of --plot-quantity against the level");
  cmd->add_option("--plot-quantity", f->plot_quantity, "nn | binder | xi-over-L | abs-m")
      ->capture_default_str();
  f->map.add_to(*cmd);
  cmd->callback([f, cmd] {
    rg::BlockSpinOptions options;
    options.rule = rg::parse_block_rule(f->rule);
    options.ties = rg::parse_ties(f->ties);
    if (f->b < 2)
      throw ConfigError("--b", "block side must be at least 2, got " + std::to_string(f->b));
    options.b = f->b;
    if (f->levels && *f->levels < 0)
      throw ConfigError("--levels", "must be at least 0, got " + std::to_string(*f->levels));
    if (f->threads < 0) throw ConfigError("--threads", "must be 0 (all cores) or positive");
    options.threads = f->threads;
    options.seed = f->seed;
    if (f->blocks < 2) throw ConfigError("--blocks", "need at least 2 blocks for error bars");
    const Quantity* quantity = nullptr;
    for (const Quantity& q : kQuantities)
      if (f->plot_quantity == q.name) quantity = &q;
    if (!quantity)
      throw ConfigError("--plot-quantity", "unknown quantity '" + f->plot_quantity +
                                               "' (nn, binder, xi-over-L or abs-m)");

    // Read and check every file before the first measurement.
    struct Input {
      std::string file;
      io::SpinSamples samples;
      nlohmann::json t;
      int levels;
    };
    if (!f->plot.empty()) {
      std::vector<NamedPath> files;
      for (const std::string& file : f->files) files.push_back({"input file", file});
      check_outputs(files, {{"--plot", f->plot}});
    }
    std::vector<Input> inputs;
    LearnedMapFlags::Resolved learned;  // a learned map, loaded for the first file's lattice
    const rg::CoarseGraining& map = learned.map;
    for (const std::string& file : f->files) {
      Input in{file, io::read_spins(file), sidecar_temperature(io::read_sidecar(file)), 0};
      if (f->map.given() && !map) {
        learned = f->map.resolve(*cmd, in.samples.lattice, f->seed, f->threads);
        options.b = learned.b;
      }
      // By default as deep as the lattice allows, but at least one level: a b that does not fit
      // the lattice at all is an error, not a flow of length zero.
      if (f->levels)
        in.levels = *f->levels;
      else if (learned.levels > 0)
        in.levels = learned.levels;  // a DBN: as many levels as it maps
      else
        in.levels = std::max(1, rg::max_block_levels(in.samples.lattice, options.b));
      if (learned.levels == 0) check_block_flags(file, in.samples.lattice, options.b, in.levels);
      if (static_cast<std::size_t>(f->blocks) > in.samples.count)
        throw ConfigError("--blocks", "at most one block per sample; " + file + " holds " +
                                          std::to_string(in.samples.count) + " samples");
      inputs.push_back(std::move(in));
    }

    nlohmann::json out{{"deeprg_version", kVersion},
                       {"rule", rg::to_string(options.rule)},
                       {"b", options.b},
                       {"blocks", f->blocks},
                       {"files", nlohmann::json::array()}};
    if (map) {
      out["rule"] = "learned_map";
      out["learned_map"] = learned.description;
      if (learned.description["readout"] == "sample") out["seed"] = options.seed;
    } else if (options.rule == rg::BlockRule::majority && options.b % 2 == 0) {
      out["ties"] = rg::to_string(options.ties);
      if (options.ties == rg::Ties::random) out["seed"] = options.seed;
    }
    const std::string rule_name =
        map ? "learned map " + f->map.file : rg::to_string(options.rule) + " rule";
    std::vector<std::vector<rg::LevelObservables>> results;
    for (const Input& in : inputs) {
      results.push_back(map ? rg::flow(in.samples, map, in.levels, f->blocks, f->threads)
                            : rg::flow(in.samples, options, in.levels, f->blocks));
      out["files"].push_back({{"file", in.file},
                              {"T", in.t},
                              {"samples", in.samples.count},
                              {"levels", rg::to_json(results.back())}});
    }

    if (!f->plot.empty()) {
      report::LinePlot plot;
      plot.title = "RG flow (" + rule_name + ", b = " + std::to_string(options.b) + ")";
      plot.x_label = "RG level n (lattice side L/bⁿ)";
      plot.y_label = quantity->axis;
      plot.x_tick = 1;
      for (std::size_t i = 0; i < inputs.size(); ++i) {
        report::Series s;
        s.label = inputs[i].t.is_number()
                      ? "T = " + mc::format_number(inputs[i].t.get<double>())
                      : std::filesystem::path(inputs[i].file).filename().string();
        for (const auto& o : results[i]) {
          const mc::Estimate e = quantity->get(o);
          s.x.push_back(o.level);
          s.y.push_back(e.value);
          s.y_error.push_back(e.error);
        }
        plot.series.push_back(std::move(s));
      }
      report::write_line_plot(f->plot, plot);
      out["plot"] = f->plot;
    }

    if (f->json) {
      std::cout << out.dump(2) << "\n";
      return;
    }
    std::printf("RG flow: %s, b=%d%s\n", rule_name.c_str(), options.b,
                out.contains("ties") ? (", ties " + out["ties"].get<std::string>()).c_str() : "");
    for (std::size_t i = 0; i < inputs.size(); ++i)
      print_table(inputs[i].file, inputs[i].t, results[i]);
    if (!f->plot.empty()) std::printf("wrote %s\n", f->plot.c_str());
  });
}

}  // namespace deeprg::cli
