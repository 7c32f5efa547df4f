// deeprg mi: the mutual information I(H:E) between a block's coarse variable H and the block's
// environment E (the RSMI criterion of Koch-Janusz & Ringel 2018), on a spin file or exactly.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <optional>

#include "commands.hpp"
#include "common.hpp"
#include "deeprg/core/clock.hpp"
#include "deeprg/core/error.hpp"
#include "deeprg/rbm/model_file.hpp"
#include "deeprg/rg/mutual_information.hpp"
#include "deeprg/version.hpp"

namespace deeprg::cli {

namespace {

struct MiFlags {
  std::string file;
  bool exact = false;
  std::optional<int> L;
  std::optional<int> Ly;
  std::optional<double> K;
  std::optional<double> T;
  int b = 2;
  int buffer = 1;
  std::optional<int> stride;
  std::string map;
  std::string readout = "sign";
  int blocks = 20;
  int threads = 0;
  bool optimum = false;
  bool odd_only = false;
  int top = 5;
  bool json = false;
};

// K from --K, --T (K = 1/T, J = 1) or, for a spin file, its sidecar; `source` says which.
double resolve_coupling(const MiFlags& f, std::string& source) {
  if (f.K && f.T) throw ConfigError("--K", "give --K or --T, not both");
  double K = 0;
  if (f.K) {
    K = *f.K;
    source = "--K";
  } else if (f.T) {
    if (!(*f.T > 0) || !std::isfinite(*f.T))
      throw ConfigError("--T", "temperature must be positive and finite");
    K = 1.0 / *f.T;
    source = "--T (J = 1)";
  } else {
    if (f.exact) throw ConfigError("--K", "the exact computation needs --K (or --T)");
    const nlohmann::json meta = io::read_sidecar(f.file);
    if (!meta.is_object() || !meta.contains("K") || !meta["K"].is_number())
      throw ConfigError("--K", f.file +
                                   " has no sidecar recording K (FILE.npy.json); give --K: "
                                   "p(V | E) needs the coupling the samples were drawn at");
    if (meta.contains("h") && meta["h"].is_number() && meta["h"].get<double>() != 0.0)
      throw ConfigError(
          "--K", f.file + " was sampled in a field h = " + std::to_string(meta["h"].get<double>()) +
                     "; the estimator assumes h = 0");
    K = meta["K"].get<double>();
    source = "the sidecar";
  }
  if (!std::isfinite(K)) throw ConfigError("--K", "coupling K must be finite");
  return K;
}

// A local learned map (deeprg learn-map); a DBN is refused: I(H:E) is about one block's
// one coarse variable.
rbm::Rbm load_local_map(const std::string& file) {
  rbm::Dbn dbn = rbm::load_dbn(file);
  if (dbn.layers.size() != 1 || dbn.layers.front().n_hidden() != 1)
    throw ConfigError("--map", file +
                                   ": not a local map (one RBM with one hidden unit, as deeprg "
                                   "learn-map writes); a DBN's units are not one block's variable");
  return dbn.layers.front();
}

std::string shape(const ising::Lattice& lattice) {
  return std::to_string(lattice.ly) + "x" + std::to_string(lattice.lx);
}

}  // namespace

void add_mi_command(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "mi",
      "Mutual information I(H:E) of a block's coarse variable with its environment (RSMI)\n"
      "The real-space mutual information criterion of Koch-Janusz & Ringel (Nature Physics 14,\n"
      "578, 2018): a good coarse variable H of a b x b block V keeps what the block tells its\n"
      "environment E, the sites beyond a buffer of width --buffer around the block. H is a\n"
      "channel q(V) = p(H=+1|V); H depends on V alone, so p(H=+1|E) = sum_V p(V|E) q(V) and\n"
      "  I(H:E) = h(pbar) - < h(p(H=+1|E)) >_E,   h(p) = -p ln p - (1-p) ln(1-p),\n"
      "reported in bits (at most 1). p(V|E) is exact in both modes: given the sites that touch\n"
      "the (b+2w)^2 region around the block, a transfer over the region sums out the buffer.\n"
      "With a spin file, E is averaged over the samples and all block positions on a grid of\n"
      "stride b; errors are the jackknife over --blocks contiguous blocks of samples. With\n"
      "--exact, the Lx x Ly torus (at most 30 sites) is enumerated and there is no error.\n"
      "Variables: majority rule (ties a fair coin, and ties to the top-left spin), decimation\n"
      "(the top-left spin), a learned local map (--map, deeprg learn-map) and, with --optimum,\n"
      "the best of all 2^16 deterministic functions of a 2x2 block (the maximum over every\n"
      "stochastic one too: I is convex in the channel). A maximum over many noisy estimates is\n"
      "biased upward: judge the optimum's margin against its error bar.\n"
      "Examples: deeprg mi samples.npy --K 0.4407 --optimum\n"
      "          deeprg mi --exact --L 5 --K 0.4407 --buffer 1 --optimum");
  auto f = std::make_shared<MiFlags>();
  cmd->add_option("file", f->file, "Spin file (.npy, int8 ±1, 2D), equilibrium samples at h = 0");
  cmd->add_flag("--exact", f->exact, "Enumerate an Lx x Ly torus instead of reading samples");
  cmd->add_option("--L", f->L, "With --exact: torus side Lx (Lx*Ly <= 30)");
  cmd->add_option("--Ly", f->Ly, "With --exact: torus side Ly (default: L)");
  cmd->add_option("--K", f->K,
                  "Reduced coupling K = J/T (a spin file's sidecar supplies it when omitted; "
                  "K_c = 0.4406868)");
  cmd->add_option("--T", f->T, "Temperature with J = 1, instead of --K");
  cmd->add_option("--b", f->b, "Block side (--optimum: 2 only)")->capture_default_str();
  cmd->add_option("--buffer", f->buffer, "Buffer width w: sites at distance 1..w are hidden")
      ->capture_default_str();
  cmd->add_option("--stride", f->stride,
                  "Spin file: block positions every STRIDE sites (default b)");
  cmd->add_option("--map", f->map, "A local learned map (deeprg learn-map) to evaluate too");
  cmd->add_option("--readout", f->readout, "With --map: sign | sample (q = sigma(2x))")
      ->capture_default_str();
  cmd->add_option("--blocks", f->blocks, "Jackknife blocks")->capture_default_str();
  cmd->add_option("--threads", f->threads, "Threads (0 = all cores)")->capture_default_str();
  cmd->add_flag("--optimum", f->optimum,
                "Search all 2^16 deterministic coarse variables of a 2x2 block for the largest I");
  cmd->add_flag("--odd-only", f->odd_only,
                "With --optimum: only the 2^8 odd ones, H(-V) = -H(V) (faster)");
  cmd->add_option("--top", f->top, "With --optimum: list this many of the best functions")
      ->capture_default_str();
  cmd->add_flag("--json", f->json, "Print JSON");
  cmd->callback([f, cmd] {
    if (f->threads < 0) throw ConfigError("--threads", "must be 0 (all cores) or positive");
    if (f->blocks < 1) throw ConfigError("--blocks", "jackknife blocks must be >= 1");
    if (f->top < 0) throw ConfigError("--top", "must be >= 0");
    if (f->odd_only && !f->optimum) throw ConfigError("--odd-only", "needs --optimum");
    if (f->exact) {
      if (!f->file.empty())
        throw ConfigError("--exact",
                          "enumerates a torus: give --L (and --Ly), not a file (" + f->file + ")");
      if (!f->L) throw ConfigError("--L", "--exact needs the torus side --L");
      if (f->stride) throw ConfigError("--stride", "only for a spin file");
    } else {
      if (f->file.empty())
        throw ConfigError("file", "give a spin file, or --exact --L N for a small torus");
      for (const char* flag : {"--L", "--Ly"})
        if (cmd->count(flag) > 0)
          throw ConfigError(flag, "only with --exact (a spin file brings its lattice)");
    }
    const rg::Readout readout = rg::parse_readout(f->readout, "--readout");
    std::optional<rg::BlockVariable> learned;
    if (!f->map.empty()) {
      try {
        learned = rg::learned_variable(load_local_map(f->map), readout);
      } catch (const ConfigError& e) {
        if (e.key() == "--map") throw;
        throw ConfigError("--map",
                          f->map + ": " + std::string(e.what()).substr(e.key().size() + 2));
      }
      if (cmd->count("--b") > 0 && f->b != learned->b)
        throw ConfigError("--b", "the map is for b=" + std::to_string(learned->b) +
                                     " blocks, not " + std::to_string(f->b));
      f->b = learned->b;
    }
    if (f->optimum && f->b != 2)
      throw ConfigError("--optimum",
                        "the exhaustive search is for b = 2 blocks (2^16 functions); "
                        "got b=" +
                            std::to_string(f->b));
    std::string k_source;
    const double K = resolve_coupling(*f, k_source);

    rg::EnvironmentConditionals conditionals;
    with_flag_names(
        *cmd,
        {{"b", "--b"},
         {"buffer", "--buffer"},
         {"K", "--K"},
         {"L", "--L"},
         {"stride", "--stride"},
         {"threads", "--threads"}},
        [&] {
          if (f->exact) {
            const auto lattice = ising::Lattice::square(*f->L, f->Ly.value_or(*f->L));
            conditionals = rg::exact_conditionals(lattice, K, {f->b, f->buffer, 0, 0}, f->threads);
          } else {
            const io::SpinSamples samples = io::read_spins(f->file);
            if (samples.lattice.dim != 2)
              throw ShapeError(f->file +
                               ": a chain; mutual information needs a 2D "
                               "lattice");
            conditionals = rg::sampled_conditionals(samples, K,
                                                    {.b = f->b,
                                                     .buffer = f->buffer,
                                                     .stride = f->stride.value_or(0),
                                                     .threads = f->threads});
          }
        });

    struct Row {
      rg::MutualInformation info;
      double seconds = 0;
    };
    std::vector<rg::BlockVariable> variables{rg::majority_variable(f->b, rg::Ties::random),
                                             rg::majority_variable(f->b, rg::Ties::top_left),
                                             rg::decimation_variable(f->b)};
    if (learned) variables.push_back(*learned);
    std::vector<Row> rows;
    for (const rg::BlockVariable& v : variables) {
      const auto start = std::chrono::steady_clock::now();
      Row row{rg::mutual_information(conditionals, v, f->blocks), 0};
      row.seconds = seconds_since(start);
      rows.push_back(row);
    }
    std::optional<rg::RsmiOptimum> optimum;
    if (f->optimum)
      optimum = rg::rsmi_optimum(
          conditionals,
          {.odd_only = f->odd_only, .blocks = f->blocks, .top = f->top, .threads = f->threads});

    if (f->json) {
      nlohmann::json out{{"K", K},
                         {"K_source", k_source},
                         {"conditionals", rg::to_json(conditionals)},
                         {"blocks", f->blocks},
                         {"deeprg_version", kVersion}};
      if (!f->exact) out["file"] = f->file;
      nlohmann::json vars = nlohmann::json::array();
      for (const Row& r : rows) {
        nlohmann::json j = rg::to_json(r.info);
        j["seconds"] = r.seconds;
        vars.push_back(j);
      }
      out["variables"] = vars;
      if (learned) out["map"] = {{"file", f->map}, {"readout", rg::to_string(readout)}};
      if (optimum) out["optimum"] = rg::to_json(*optimum);
      std::cout << out.dump(2) << "\n";
      return;
    }
    if (f->exact)
      std::printf(
          "exact: %s torus, K = %.7g, b=%d, buffer w=%d (%zu environment sites touch "
          "the block and buffer; %.2f s)\n",
          shape(conditionals.lattice).c_str(), K, f->b, f->buffer, conditionals.ring_sites,
          conditionals.seconds);
    else
      std::printf(
          "%s: %zu samples, %s, K = %.7g (from %s), b=%d, buffer w=%d\n"
          "environment: %zu block positions per sample, %zu distinct boundaries, exact "
          "p(V|E) for each (%.2f s); jackknife over %d blocks of samples\n",
          f->file.c_str(), conditionals.samples, shape(conditionals.lattice).c_str(), K,
          k_source.c_str(), f->b, f->buffer, conditionals.positions, conditionals.rows(),
          conditionals.seconds, f->blocks);
    std::printf("  %-34s  %24s  %8s\n", "coarse variable", "I(H:E) [bits]", "time [s]");
    auto print = [&](const std::string& name, const rg::MutualInformation& info, double s) {
      char exact[32];
      std::snprintf(exact, sizeof exact, "%.10f", info.bits.value);
      const std::string value =
          f->exact ? std::string(exact) : format_estimate(info.bits.value, info.bits.error);
      std::printf("  %-34s  %24s  %8.3f\n", name.c_str(), value.c_str(), s);
    };
    for (std::size_t i = 0; i < rows.size(); ++i)
      print(rows[i].info.name + (learned && i == 3 ? " (" + f->map + ")" : ""), rows[i].info,
            rows[i].seconds);
    if (optimum) {
      char name[64];
      std::snprintf(name, sizeof name, "rsmi optimum (%s of %zu)", f->odd_only ? "odd" : "all",
                    optimum->searched);
      print(name, optimum->info, optimum->seconds);
      std::printf("optimum: H = +1 on block states");
      for (int v : rg::up_states(optimum->function)) std::printf(" %d", v);
      std::printf(" (bit k of a state = site (k %% 2, k / 2) up; complement equivalent)\n");
      if (!optimum->top.empty()) {
        std::printf("best functions (full-sample I, bits):");
        for (const auto& t : optimum->top) {
          char hex[16];
          std::snprintf(hex, sizeof hex, "0x%04llx", static_cast<unsigned long long>(t.function));
          std::printf(" %s %.6f", hex, t.nats / std::log(2.0));
        }
        std::printf("\n");
      }
      if (!f->exact)
        std::printf(
            "note: the optimum is the largest of %zu estimates, biased upward; its error "
            "bar does not include the selection\n",
            optimum->searched);
    }
  });
}

}  // namespace deeprg::cli
