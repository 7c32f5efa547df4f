// deeprg couplings: the renormalized couplings of spin files at every coarse-graining level (the
// RG flow in coupling space), or exactly for an RBM's hidden layer (Eq. 22).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <optional>
#include <variant>

#include "commands.hpp"
#include "common.hpp"
#include "deeprg/analysis/layer_map.hpp"
#include "deeprg/core/error.hpp"
#include "deeprg/rbm/model_file.hpp"
#include "deeprg/report/line_plot.hpp"
#include "deeprg/rg/mcrg.hpp"
#include "deeprg/rg/renormalized_couplings.hpp"
#include "deeprg/version.hpp"

namespace deeprg::cli {

namespace {

struct CouplingsFlags {
  std::vector<std::string> files;
  std::string rule = "majority";
  int b = 2;
  std::optional<int> levels;
  std::string ties = "random";
  std::uint64_t seed = 1;
  std::vector<std::string> couplings;
  int blocks = 20;
  int threads = 0;
  bool json = false;
  bool with_majority = false;
  std::string plot;
  std::string plot_x = "nn", plot_y = "nnn";
  std::string rbm;
  bool place = false;
  int hidden_l = 0;
  std::optional<int> hidden_ly;
  LearnedMapFlags map;
};

void print_fits(const std::string& title, const std::vector<rg::CouplingFit>& fits) {
  std::printf("%s\n  %5s %7s", title.c_str(), "level", "L");
  for (const auto& name : fits.front().couplings) std::printf(" %22s", ("K_" + name).c_str());
  std::printf(" %12s\n", "PL/spin");
  for (const auto& fit : fits) {
    const std::string size =
        fit.ly > 1 ? std::to_string(fit.ly) + "x" + std::to_string(fit.lx) : std::to_string(fit.lx);
    std::printf("  %5d %7s", fit.level, size.c_str());
    for (const auto& v : fit.values)
      std::printf(" %s", right_aligned(std::isfinite(v.value) ? format_estimate(v.value, v.error)
                                                              : "undetermined",
                                       22)
                             .c_str());
    std::printf(" %12.6f\n", fit.pseudo_log_likelihood);
    if (!fit.note.empty()) std::printf("        flow ends here: %s\n", fit.note.c_str());
  }
}

std::size_t coupling_index(const std::vector<std::string>& names, const std::string& name,
                           const char* flag) {
  const auto it = std::find(names.begin(), names.end(), name);
  if (it == names.end())
    throw ConfigError(flag, "'" + name + "' is not among the fitted couplings");
  return static_cast<std::size_t>(it - names.begin());
}

// The exact couplings of an RBM's hidden Hamiltonian, its hidden units on a lattice: row-major
// on --hidden-L, or (--place) on the coarse sites their receptive fields point to.
void run_exact_rbm(const CouplingsFlags& f, const std::vector<std::string>& names) {
  if (!f.place && f.hidden_l < 2)
    throw ConfigError("--hidden-L", "give the hidden lattice side (>= 2), or --place");
  if (f.place && (f.hidden_l != 0 || f.hidden_ly))
    throw ConfigError("--hidden-L", "--place finds the hidden lattice itself; drop --hidden-L");
  ising::Lattice lattice = ising::Lattice::square(f.hidden_l, f.hidden_ly.value_or(f.hidden_l));
  nlohmann::json placement;
  const std::vector<double> values = std::visit(
      [&](const auto& stored) {
        auto model = stored;
        if (f.place) {
          const auto side = static_cast<int>(std::lround(std::sqrt(double(model.n_visible()))));
          if (std::size_t(side) * std::size_t(side) != model.n_visible())
            throw ConfigError("--place", "the visible layer (" + std::to_string(model.n_visible()) +
                                             " units) is not a square lattice");
          rbm::Dbn one;
          one.layers.push_back(rbm::rbm_cast<float>(model));
          const analysis::LayerSites sites =
              analysis::layer_sites(one, ising::Lattice::square(side, side), 1).front();
          model = analysis::place_hidden_units(model, sites);
          lattice = sites.coarse;
          placement = analysis::to_json(sites);
        }
        return rg::rbm_hidden_log_weights(model, lattice, f.threads);
      },
      rbm::load_rbm_as_stored(f.rbm));
  const rg::ExactCouplings exact = rg::exact_couplings(lattice, values, names);
  nlohmann::json out{{"deeprg_version", kVersion}, {"rbm", f.rbm}, {"exact", rg::to_json(exact)}};
  if (f.place) out["placement"] = placement;
  if (f.json) {
    std::cout << out.dump(2) << "\n";
    return;
  }
  std::printf("H^RBM(h) of %s on the %dx%d hidden lattice%s, expanded in spin products:\n",
              f.rbm.c_str(), lattice.ly, lattice.lx,
              f.place ? " (units placed by their receptive fields)" : "");
  for (const auto& c : exact.couplings)
    std::printf("  K_%-6s %14.8g   (spread over its terms %.2g)\n", c.name.c_str(), c.value,
                c.spread);
  std::printf("  largest coefficient outside the basis: %.3g (%d spins)\n", exact.largest_outside,
              exact.largest_outside_spins);
}

}  // namespace

void add_couplings_command(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "couplings",
      "Renormalized couplings: the effective Hamiltonian at every coarse-graining level\n"
      "Writes -beta H(s) = sum_a K_a S_a(s) in lattice interactions S_a (as mcrg: nn, nnn,\n"
      "plaq, ...) and estimates the K_a of each spin file and of each of its coarse-grainings\n"
      "(block rule, or a learned map with --map) by maximum pseudo-likelihood: the K that\n"
      "best predict each spin from its neighbours, p(s_i | rest) = exp(s_i f_i) / 2cosh f_i.\n"
      "Errors: jackknife over --blocks contiguous blocks of samples. The sequence K -> K' -> K''\n"
      "is the RG flow in coupling space: from several temperatures it shows the critical\n"
      "fixed point and the relevant direction; --plot draws it in the (--plot-x, --plot-y)\n"
      "plane, and --with-majority adds majority rule's flow on the same samples to a --map.\n"
      "The fit describes the samples in the chosen basis; couplings outside it are the\n"
      "truncation error (compare bases).\n"
      "--rbm FILE --hidden-L N instead expands an RBM's hidden Hamiltonian H^RBM(h)\n"
      "(Mehta & Schwab Eq. 22; hidden units row-major on an N x N torus, at most 24) exactly\n"
      "in spin products and reads the couplings off; --rbm FILE --place puts the units on the\n"
      "coarse sites of their receptive fields instead (a model trained on an L x L lattice).\n"
      "Example: deeprg couplings t2.0.npy t2.269.npy t2.6.npy --levels 3 --plot flow.png");
  auto f = std::make_shared<CouplingsFlags>();
  cmd->add_option("files", f->files, "Spin files (.npy, int8 ±1), equilibrium samples");
  cmd->add_option("--rule", f->rule, "Block rule: majority or decimation")->capture_default_str();
  cmd->add_option("--b", f->b, "Block side (rescaling factor)")->capture_default_str();
  cmd->add_option("--ties", f->ties, "Majority ties for even b: random or top-left")
      ->capture_default_str();
  cmd->add_option("--seed", f->seed, "Seed for random tie-breaking and sampled readouts")
      ->transform(whole_number())
      ->capture_default_str();
  cmd->add_option("--levels", f->levels,
                  "Coarse-graining steps after level 0 (default: as many as keep the couplings "
                  "distinct)");
  cmd->add_option("--couplings", f->couplings,
                  "Couplings, comma-separated (see deeprg mcrg --help; default as mcrg)")
      ->delimiter(',');
  cmd->add_option("--blocks", f->blocks, "Jackknife blocks")->capture_default_str();
  cmd->add_option("--threads", f->threads, "Threads (0 = all cores); never changes the result")
      ->capture_default_str();
  cmd->add_flag("--json", f->json, "Print JSON");
  cmd->add_option("--plot", f->plot, "Write a PNG of the flow in the (--plot-x, --plot-y) plane");
  cmd->add_option("--plot-x", f->plot_x, "Coupling on the plot's x axis")->capture_default_str();
  cmd->add_option("--plot-y", f->plot_y, "Coupling on the plot's y axis")->capture_default_str();
  cmd->add_flag("--with-majority", f->with_majority,
                "With --map: also fit majority rule's flow of the same samples");
  cmd->add_option("--rbm", f->rbm, "RBM file: expand its hidden Hamiltonian exactly");
  cmd->add_option("--hidden-L", f->hidden_l, "With --rbm: side of the hidden lattice");
  cmd->add_flag("--place", f->place,
                "With --rbm: put each hidden unit on the coarse site its receptive field points "
                "to (as --map does for a DBN), oriented to follow its block");
  cmd->add_option("--hidden-Ly", f->hidden_ly, "With --rbm: other side (default --hidden-L)");
  f->map.add_to(*cmd);
  cmd->callback([f, cmd] {
    if (f->threads < 0) throw ConfigError("--threads", "must be 0 (all cores) or positive");
    if (!f->rbm.empty()) {
      if (!f->files.empty())
        throw ConfigError("--rbm", "expands a model exactly; give either --rbm or spin files");
      const auto names = f->couplings.empty() ? rg::default_couplings(2) : f->couplings;
      with_flag_names(*cmd, {{"couplings", "--couplings"}}, [&] { run_exact_rbm(*f, names); });
      return;
    }
    if (f->files.empty()) throw ConfigError("files", "give spin files, or --rbm for a model");
    if (f->with_majority && !f->map.given())
      throw ConfigError("--with-majority", "compares a learned --map with majority rule");
    rg::BlockSpinOptions block;
    block.rule = rg::parse_block_rule(f->rule);
    block.ties = rg::parse_ties(f->ties);
    if (f->b < 2)
      throw ConfigError("--b", "block side must be at least 2, got " + std::to_string(f->b));
    block.b = f->b;
    block.seed = f->seed;
    block.threads = f->threads;
    if (f->levels && *f->levels < 0)
      throw ConfigError("--levels", "must be at least 0, got " + std::to_string(*f->levels));
    if (f->blocks < 2) throw ConfigError("--blocks", "need at least 2 blocks for error bars");
    if (!f->plot.empty()) {
      std::vector<NamedPath> inputs;
      for (const std::string& file : f->files) inputs.push_back({"input file", file});
      check_outputs(inputs, {{"--plot", f->plot}});
    }

    struct Input {
      std::string file;
      io::SpinSamples samples;
      nlohmann::json t;
      int levels = 0;
    };
    std::vector<Input> inputs;
    LearnedMapFlags::Resolved learned;
    rg::CouplingFitOptions options;
    options.jackknife_blocks = f->blocks;
    options.threads = f->threads;
    for (const std::string& file : f->files) {
      Input in{file, io::read_spins(file), sidecar_temperature(io::read_sidecar(file))};
      const int dim = in.samples.lattice.dim;
      if (options.couplings.empty())
        options.couplings = f->couplings.empty() ? rg::default_couplings(dim) : f->couplings;
      const auto couplings = with_flag_names(*cmd, {{"couplings", "--couplings"}}, [&] {
        return rg::parse_couplings(options.couplings, dim);
      });
      if (f->map.given() && !learned.map) {
        learned = f->map.resolve(*cmd, in.samples.lattice, f->seed, f->threads);
        block.b = learned.b;
      }
      if (f->levels)
        in.levels = *f->levels;
      else if (learned.levels > 0)
        in.levels = learned.levels;
      else
        in.levels = rg::max_mcrg_levels(in.samples.lattice, block.b, couplings);
      if (learned.levels == 0 && in.levels > 0)
        check_block_flags(file, in.samples.lattice, block.b, in.levels);
      if (static_cast<std::size_t>(f->blocks) > in.samples.count)
        throw ConfigError("--blocks", "at most one block per sample; " + file + " holds " +
                                          std::to_string(in.samples.count) + " samples");
      inputs.push_back(std::move(in));
    }
    for (const std::string* name : {&f->plot_x, &f->plot_y})
      if (!f->plot.empty())
        coupling_index(options.couplings, *name, name == &f->plot_x ? "--plot-x" : "--plot-y");

    const rg::CoarseGraining majority = [block](const io::SpinSamples& s, int k) {
      return rg::block_spin(s, block, k);
    };
    std::vector<double> agreement;
    const rg::CoarseGraining map =
        learned.map ? rg::recording_majority_agreement(learned.map, agreement) : majority;
    nlohmann::json out{{"deeprg_version", kVersion},
                       {"estimator", "maximum pseudo-likelihood"},
                       {"couplings", options.couplings},
                       {"blocks", f->blocks},
                       {"files", nlohmann::json::array()}};
    if (learned.map) {
      out["rule"] = "learned_map";
      out["learned_map"] = learned.description;
    } else {
      out["rule"] = rg::to_string(block.rule);
      out["b"] = block.b;
      if (block.rule == rg::BlockRule::majority && block.b % 2 == 0)
        out["ties"] = rg::to_string(block.ties);
    }
    out["seed"] = f->seed;
    const std::string rule_name =
        learned.map ? "learned map " + f->map.file : rg::to_string(block.rule) + " rule";

    struct Flow {
      std::string label;
      std::vector<rg::CouplingFit> fits;
    };
    std::vector<Flow> flows;
    for (const Input& in : inputs) {
      auto fits =
          with_flag_names(*cmd, {{"couplings", "--couplings"}, {"blocks", "--blocks"}},
                          [&] { return rg::coupling_flow(in.samples, map, in.levels, options); });
      nlohmann::json entry{{"file", in.file},
                           {"T", in.t},
                           {"samples", in.samples.count},
                           {"levels", rg::to_json(fits)}};
      const std::string t = in.t.is_number() ? "T = " + mc::format_number(in.t.get<double>())
                                             : std::filesystem::path(in.file).filename().string();
      if (learned.map) {
        entry["majority_agreement"] = agreement;
        agreement.clear();
      }
      flows.push_back({t + (f->with_majority ? ", learned" : ""), std::move(fits)});
      if (f->with_majority) {
        auto maj = rg::coupling_flow(in.samples, majority, in.levels, options);
        entry["majority"] = rg::to_json(maj);
        flows.push_back({t + ", majority", std::move(maj)});
      }
      out["files"].push_back(std::move(entry));
    }

    if (!f->plot.empty()) {
      const std::size_t ix = coupling_index(options.couplings, f->plot_x, "--plot-x");
      const std::size_t iy = coupling_index(options.couplings, f->plot_y, "--plot-y");
      report::LinePlot plot;
      plot.title = "Coupling flow (" + rule_name + ")";
      plot.x_label = "K_" + f->plot_x;
      plot.y_label = "K_" + f->plot_y;
      for (const Flow& flow : flows) {
        report::Series s;
        s.label = flow.label;
        for (const auto& fit : flow.fits) {
          s.x.push_back(fit.values[ix].value);
          s.y.push_back(fit.values[iy].value);
          s.y_error.push_back(fit.values[iy].error);
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
    std::printf("Renormalized couplings (maximum pseudo-likelihood), %s\n", rule_name.c_str());
    for (std::size_t i = 0; i < flows.size(); ++i) print_fits(flows[i].label, flows[i].fits);
    if (!f->plot.empty()) std::printf("wrote %s\n", f->plot.c_str());
  });
}

}  // namespace deeprg::cli
