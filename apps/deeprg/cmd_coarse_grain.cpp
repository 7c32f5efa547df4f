// deeprg coarse-grain: Kadanoff block spins (majority rule or decimation) of a spin file.
#include <cstdio>
#include <filesystem>
#include <iostream>

#include "commands.hpp"
#include "common.hpp"
#include "deeprg/core/error.hpp"
#include "deeprg/rg/block_spin.hpp"
#include "deeprg/version.hpp"

namespace deeprg::cli {

namespace {

struct CoarseGrainFlags {
  std::string file;
  std::string rule = "majority";
  int b = 2;
  int levels = 1;
  std::string ties = "random";
  std::uint64_t seed = 1;
  int threads = 0;
  std::string out;
  bool json = false;
};

std::string lattice_string(const ising::Lattice& lattice) {
  if (lattice.dim == 1) return std::to_string(lattice.lx);
  return std::to_string(lattice.ly) + "x" + std::to_string(lattice.lx);
}

/// OUT.npy → OUT.levelK.npy (the same extension, whatever it is).
std::filesystem::path level_path(const std::filesystem::path& out, int k) {
  std::filesystem::path p = out;
  p.replace_filename(out.stem().string() + ".level" + std::to_string(k) + out.extension().string());
  return p;
}

}  // namespace

void add_coarse_grain_command(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "coarse-grain",
      "Block-spin coarse-graining of a spin file (majority rule or decimation)\n"
      "Replaces each b x b block of spins (b spins in 1D) by one spin:\n"
      "  majority:   s' = sign(sum of the block); for even b a tied block takes a random sign\n"
      "              (--ties random, one stream per sample and level from --seed, so the\n"
      "              result does not depend on --threads) or its top-left spin (--ties top-left);\n"
      "  decimation: s' = the top-left spin of the block.\n"
      "An (n, L, L) file becomes (n, L/b, L/b) per level; every side must stay divisible by b\n"
      "and at least 2. With --levels N > 1 the deepest level is written to OUT.npy and the\n"
      "intermediate ones to OUT.level1.npy ... OUT.level<N-1>.npy, each with a sidecar\n"
      "OUT.npy.json (rule, b, level, ties, seed, version, source file, its model and T).\n"
      "Example: deeprg coarse-grain samples.npy --rule majority --b 2 --levels 3 --out "
      "coarse.npy");
  auto f = std::make_shared<CoarseGrainFlags>();
  cmd->add_option("file", f->file, "Spin file (.npy, int8 ±1)")->required();
  cmd->add_option("--rule", f->rule, "majority | decimation")->capture_default_str();
  cmd->add_option("--b", f->b, "Block side b (>= 2)")->capture_default_str();
  cmd->add_option("--levels", f->levels, "Number of successive coarse-grainings (>= 1)")
      ->capture_default_str();
  cmd->add_option("--ties", f->ties, "Ties of majority rule with even b: random | top-left")
      ->capture_default_str();
  cmd->add_option("--seed", f->seed, "Seed of the random tie-breaking")
      ->transform(whole_number())
      ->capture_default_str();
  cmd->add_option("--threads", f->threads, "Threads (0 = all cores); never changes the result")
      ->capture_default_str();
  cmd->add_option("--out,-o", f->out, "Output .npy file (the deepest level)")->required();
  cmd->add_flag("--json", f->json, "Print the sidecar of the deepest level as JSON");
  cmd->callback([f] {
    rg::BlockSpinOptions options;
    options.rule = rg::parse_block_rule(f->rule);
    options.ties = rg::parse_ties(f->ties);
    if (f->b < 2)
      throw ConfigError("--b", "block side must be at least 2, got " + std::to_string(f->b));
    options.b = f->b;
    if (f->levels < 1)
      throw ConfigError("--levels", "must be at least 1, got " + std::to_string(f->levels));
    if (f->threads < 0) throw ConfigError("--threads", "must be 0 (all cores) or positive");
    options.threads = f->threads;
    options.seed = f->seed;

    std::vector<NamedPath> written_paths;
    for (int k = 1; k <= f->levels; ++k) {
      const std::filesystem::path path =
          k == f->levels ? std::filesystem::path(f->out) : level_path(f->out, k);
      written_paths.push_back({"--out", path});
      written_paths.push_back({"--out", io::sidecar_path(path)});
    }
    check_outputs({{"input file", f->file}, {"input's sidecar", io::sidecar_path(f->file)}},
                  written_paths);

    const io::SpinSamples input = io::read_spins(f->file);
    const nlohmann::json source_sidecar = io::read_sidecar(f->file);
    check_block_flags(f->file, input.lattice, f->b, f->levels);
    // A file that is itself coarse-grained continues its level count, so that coarse-graining
    // twice by one level uses the same tie-breaking streams as once by two.
    int first_level = 0;
    if (source_sidecar.is_object() && source_sidecar.contains("level") &&
        source_sidecar["level"].is_number_integer())
      first_level = std::max(0, source_sidecar["level"].get<int>());

    nlohmann::json source{{"file", f->file}};
    if (source_sidecar.is_object()) {
      for (const char* key : {"model", "T", "J", "h", "K", "L", "Ly"})
        if (source_sidecar.contains(key)) source[key] = source_sidecar[key];
      if (source_sidecar.contains("source")) source["source"] = source_sidecar["source"];
      if (!source.contains("T") && source_sidecar.contains("source") &&
          source_sidecar["source"].contains("T"))
        source["T"] = source_sidecar["source"]["T"];
    }

    // Everything is computed before anything is written; a write failure removes the files
    // this run already wrote, so no partial set of levels is left behind.
    std::vector<std::pair<std::filesystem::path, io::SpinSamples>> outputs;
    io::SpinSamples current = input;
    for (int k = 1; k <= f->levels; ++k) {
      current = rg::block_spin(current, options, first_level + k - 1);
      outputs.emplace_back(k == f->levels ? std::filesystem::path(f->out) : level_path(f->out, k),
                           current);
    }
    std::vector<std::filesystem::path> written;
    nlohmann::json last;
    try {
      for (std::size_t i = 0; i < outputs.size(); ++i) {
        const auto& [path, samples] = outputs[i];
        nlohmann::json meta{{"deeprg_version", kVersion},
                            {"coarse_grained", true},
                            {"rule", rg::to_string(options.rule)},
                            {"b", options.b},
                            {"level", first_level + static_cast<int>(i) + 1},
                            {"samples", samples.count},
                            {"L", samples.lattice.lx}};
        if (samples.lattice.dim == 2) meta["Ly"] = samples.lattice.ly;
        if (options.rule == rg::BlockRule::majority && options.b % 2 == 0) {
          meta["ties"] = rg::to_string(options.ties);
          if (options.ties == rg::Ties::random) meta["seed"] = options.seed;
        }
        meta["source"] = source;
        // Recorded only once written: a failed atomic write leaves an older file intact.
        io::write_spins(path, samples);
        written.push_back(path);
        io::write_sidecar(path, meta);
        written.push_back(io::sidecar_path(path));
        last = meta;
      }
    } catch (...) {
      std::error_code ec;
      for (const auto& path : written) std::filesystem::remove(path, ec);
      throw;
    }
    if (f->json) {
      std::cout << last.dump(2) << "\n";
      return;
    }
    std::printf("%s: %zu samples, %s -> %s by %s rule, b=%d, %d level%s; wrote %s", f->file.c_str(),
                input.count, lattice_string(input.lattice).c_str(),
                lattice_string(current.lattice).c_str(), rg::to_string(options.rule).c_str(),
                options.b, f->levels, f->levels == 1 ? "" : "s", f->out.c_str());
    if (f->levels == 2) std::printf(" (level 1 in %s)", level_path(f->out, 1).c_str());
    if (f->levels > 2)
      std::printf(" (levels 1-%d in %s ... %s)", f->levels - 1, level_path(f->out, 1).c_str(),
                  level_path(f->out, f->levels - 1).c_str());
    std::printf("\n");
  });
}

}  // namespace deeprg::cli
