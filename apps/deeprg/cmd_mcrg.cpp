// deeprg mcrg: critical exponents y_t and y_h of a spin file by Swendsen's Monte Carlo RG.
#include <cmath>
#include <cstdio>
#include <iostream>
#include <optional>

#include "commands.hpp"
#include "common.hpp"
#include "deeprg/core/error.hpp"
#include "deeprg/rg/mcrg.hpp"
#include "deeprg/version.hpp"

namespace deeprg::cli {

namespace {

struct McrgFlags {
  std::string file;
  std::string rule = "majority";
  int b = 2;
  std::string ties = "random";
  std::uint64_t seed = 1;
  std::optional<int> levels;
  std::vector<std::string> couplings;
  int blocks = 20;
  int threads = 0;
  bool json = false;
  LearnedMapFlags map;
};

std::string join(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ",") + n;
  return out.empty() ? "-" : out;
}

std::string coupling_help() {
  std::string out = "Couplings, comma-separated (default 2D: " + join(rg::default_couplings(2)) +
                    "; 1D: " + join(rg::default_couplings(1)) + ").";
  for (int dim : {2, 1}) {
    out += dim == 2 ? "\n2D:" : "\n1D:";
    for (const auto& c : rg::available_couplings(dim))
      out += "\n  " + c.name + (c.odd() ? " (odd): " : " (even): ") + c.description;
  }
  return out;
}

}  // namespace

void add_mcrg_command(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "mcrg",
      "Critical exponents y_t, y_h of a spin file by Monte Carlo RG (Swendsen 1979)\n"
      "Coarse-grains the samples level by level (block spins, majority rule b = 2 by default)\n"
      "and, for every step n -> n+1, measures A = <S^(n+1) S^(n)>_c and B = <S^(n+1) S^(n+1)>_c\n"
      "for a set of lattice interactions S_a. T = B^-1 A is the linearised RG map "
      "dK^(n+1)/dK^(n);\n"
      "its leading eigenvalue in the even (odd) sector gives y_t (y_h) = ln(lambda)/ln(b).\n"
      "Errors: jackknife over --blocks contiguous blocks of samples. At the 2D Ising critical\n"
      "point the exact values are y_t = 1, y_h = 15/8; deeper levels are closer to the fixed\n"
      "point, so read the deepest level. The coarsest lattice keeps sides of at least 4.\n"
      "--map judges a learned local map (deeprg learn-map) the same way, on the same samples.\n"
      "Example: deeprg mcrg samples.npy --levels 4 --json");
  auto f = std::make_shared<McrgFlags>();
  cmd->add_option("file", f->file, "Spin file (.npy, int8 ±1), equilibrium samples")->required();
  cmd->add_option("--rule", f->rule, "Block rule: majority or decimation")->capture_default_str();
  cmd->add_option("--b", f->b, "Block side (rescaling factor)")->capture_default_str();
  cmd->add_option("--ties", f->ties, "Majority ties for even b: random or top-left")
      ->capture_default_str();
  cmd->add_option("--seed", f->seed, "Seed for random tie-breaking")
      ->transform(whole_number())
      ->capture_default_str();
  cmd->add_option("--levels", f->levels,
                  "Coarse-graining steps (default: as many as keep the coarsest side >= 4)");
  cmd->add_option("--couplings", f->couplings, coupling_help())->delimiter(',');
  cmd->add_option("--blocks", f->blocks, "Jackknife blocks")->capture_default_str();
  cmd->add_option("--threads", f->threads, "Threads (0 = all cores)")->capture_default_str();
  cmd->add_flag("--json", f->json, "Print JSON");
  f->map.add_to(*cmd);
  cmd->callback([f, cmd] {
    rg::BlockSpinOptions block;
    block.rule = rg::parse_block_rule(f->rule);
    block.ties = rg::parse_ties(f->ties);
    block.b = f->b;
    block.seed = f->seed;
    if (f->b < 2)
      throw ConfigError("--b", "block size must be at least 2, got " + std::to_string(f->b));
    if (f->threads < 0) throw ConfigError("--threads", "must be 0 (all cores) or positive");
    const io::SpinSamples samples = io::read_spins(f->file);
    const int dim = samples.lattice.dim;
    rg::McrgOptions options;
    options.couplings = f->couplings.empty() ? rg::default_couplings(dim) : f->couplings;
    options.jackknife_blocks = f->blocks;
    options.threads = f->threads;
    const auto couplings = rg::parse_couplings(options.couplings, dim);
    // A learned map brings its own b (and a DBN its number of levels).
    LearnedMapFlags::Resolved learned;
    if (f->map.given()) {
      learned = f->map.resolve(*cmd, samples.lattice, f->seed, f->threads);
      block.b = learned.b;
    }
    // The map records its agreement with majority rule as MCRG runs it.
    std::vector<double> agreement;
    const rg::CoarseGraining map =
        learned.map ? rg::recording_majority_agreement(learned.map, agreement) : nullptr;
    if (f->levels) {
      options.levels = *f->levels;
    } else if (learned.levels > 0) {
      options.levels = learned.levels;
    } else {
      options.levels = rg::max_mcrg_levels(samples.lattice, block.b, couplings);
      if (options.levels < 1)
        throw ShapeError(
            f->file + ": the lattice allows no MCRG step with b=" + std::to_string(block.b) +
            " (divisible sides, coarse sides >= " + std::to_string(rg::min_mcrg_side(couplings)) +
            " needed)");
    }
    block.threads = f->threads;
    const std::vector<rg::McrgLevel> levels =
        map ? rg::mcrg(samples, map, options) : rg::mcrg(samples, block, options);
    const std::string rule_name = map ? "learned map " + f->map.file : rg::to_string(block.rule);

    if (f->json) {
      nlohmann::json out{
          {"file", f->file},
          {"samples", samples.count},
          {"dim", dim},
          {"L", samples.lattice.lx},
          {"rule", rg::to_string(block.rule)},
          {"b", block.b},
          {"ties", rg::to_string(block.ties)},
          {"seed", block.seed},
          {"blocks", f->blocks},
          {"couplings",
           {{"even", levels.front().even_couplings}, {"odd", levels.front().odd_couplings}}},
          {"levels", rg::to_json(levels)},
          {"deeprg_version", kVersion}};
      if (dim == 2) out["Ly"] = samples.lattice.ly;
      if (map) {
        out.erase("ties");
        out["rule"] = "learned_map";
        out["learned_map"] = learned.description;
        out["learned_map"]["majority_agreement"] = nlohmann::json::array();
        for (const double x : agreement)
          out["learned_map"]["majority_agreement"].push_back(number_or_null(x));
      }
      std::cout << out.dump(2) << "\n";
      return;
    }
    const std::string shape =
        dim == 1 ? "chain of " + std::to_string(samples.lattice.lx)
                 : std::to_string(samples.lattice.ly) + "x" + std::to_string(samples.lattice.lx);
    std::printf("%s: %zu samples, %s, %s%s b=%d\n", f->file.c_str(), samples.count, shape.c_str(),
                rule_name.c_str(), map ? "" : " rule", block.b);
    std::printf("couplings: even %s; odd %s; jackknife over %d blocks\n",
                join(levels.front().even_couplings).c_str(),
                join(levels.front().odd_couplings).c_str(), f->blocks);
    std::printf("  %5s  %11s  %22s  %22s\n", "level", "lattice", "y_t", "y_h");
    for (const rg::McrgLevel& l : levels) {
      const std::string lattice = std::to_string(l.l_from) + " -> " + std::to_string(l.l_to);
      std::printf("  %5d  %11s  %22s  %22s\n", l.level, lattice.c_str(),
                  format_estimate(l.y_t.value, l.y_t.error).c_str(),
                  format_estimate(l.y_h.value, l.y_h.error).c_str());
    }
    if (dim == 2)
      std::printf("  exact at the 2D Ising critical point: y_t = 1, y_h = 15/8 = 1.875\n");
  });
}

}  // namespace deeprg::cli
