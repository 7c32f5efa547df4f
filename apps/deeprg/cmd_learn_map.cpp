// deeprg learn-map: a local, translation-invariant RBM coarse-graining map trained on a spin file.
#include <cmath>
#include <cstdio>
#include <iostream>
#include <memory>

#include "commands.hpp"
#include "common.hpp"
#include "deeprg/core/error.hpp"
#include "deeprg/io/spin_file.hpp"
#include "deeprg/rbm/model_file.hpp"
#include "deeprg/rg/learned_map.hpp"
#include "deeprg/version.hpp"

namespace deeprg::cli {

namespace {

struct LearnMapFlags {
  std::string file;
  std::string out;
  rg::BlockRbmOptions options;
  bool keep_biases = false;
  bool json = false;
};

void learn_map(const LearnMapFlags& f, const CLI::App& cmd) {
  rg::BlockRbmOptions options = f.options;
  options.spin_flip_symmetric = !f.keep_biases;
  const int b = options.b;
  if (b < 2) throw ConfigError("--b", "block side must be at least 2, got " + std::to_string(b));
  if (options.max_rows < 1) throw ConfigError("--max-blocks", "must be at least 1");
  if (options.train.threads < 0)
    throw ConfigError("--threads", "must be 0 (all cores) or positive");
  check_outputs({{"input file", f.file}}, {{"--out", f.out}});
  const io::SpinSamples samples = io::read_spins(f.file);
  check_block_flags(f.file, samples.lattice, b, 1);
  rbm::Rbm map;
  with_flag_names(cmd, {{"k", "--cd-k"}, {"learning_rate", "--lr"}},
                  [&] { map = rg::train_block_rbm(samples, options); });
  map.meta["source"] = f.file;
  map.meta["deeprg_version"] = kVersion;
  const double agreement = rg::majority_agreement(
      samples, rg::apply_block_rbm(samples, map, rg::Readout::sign, options.train.seed, 0,
                                   options.train.threads));
  rbm::save_rbm(f.out, map);

  const nlohmann::json out{{"file", f.file},
                           {"out", f.out},
                           {"b", b},
                           {"weights", map.W.data},
                           {"visible_bias", map.visible_bias},
                           {"hidden_bias", map.hidden_bias[0]},
                           {"spin_flip_symmetric", options.spin_flip_symmetric},
                           {"majority_agreement", number_or_null(agreement)},
                           {"blocks_used", map.meta["blocks_used"]},
                           {"samples_used", map.meta["samples_used"]},
                           {"seed", options.train.seed},
                           {"deeprg_version", kVersion}};
  if (f.json) {
    std::cout << out.dump(2) << "\n";
    return;
  }
  std::printf("%s: local map b=%d trained on %zu blocks of %zu samples; wrote %s\n", f.file.c_str(),
              b, map.meta["blocks_used"].get<std::size_t>(),
              map.meta["samples_used"].get<std::size_t>(), f.out.c_str());
  std::printf("  filter w (block layout), hidden bias c = %+.4f%s:\n", map.hidden_bias[0],
              options.spin_flip_symmetric ? " (spin-flip symmetric: biases set to 0)" : "");
  const int rows = samples.lattice.dim == 1 ? 1 : b;
  for (int y = 0; y < rows; ++y) {
    std::printf("   ");
    for (int x = 0; x < b; ++x) std::printf(" %+8.4f", map.W.data[std::size_t(y * b + x)]);
    std::printf("\n");
  }
  std::printf("  agreement of sign(c + w.v) with majority rule (untied blocks): %.4f\n", agreement);
}

}  // namespace

void add_learn_map_command(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "learn-map",
      "Train a local RBM coarse-graining map on a spin file\n"
      "One RBM with b^d spin visible units (a b x b block, b in 1D) and one spin hidden unit,\n"
      "its filter shared over the lattice with stride b (Koch-Janusz & Ringel 2018's local\n"
      "setting): trained by contrastive divergence on every block of (up to --max-blocks\n"
      "blocks of evenly spaced) samples, oriented so that the coarse spin follows the block.\n"
      "For spin-flip symmetric data (h = 0) the biases are set to 0, their exact value: trained\n"
      "ones are noise that breaks the symmetry on tied blocks and spoils y_t. Prints the filter\n"
      "and how often sign(c + w.v) agrees with majority rule. The map file is an RBM .npz;\n"
      "mcrg and flow use it with --map.\n"
      "Example: deeprg learn-map tc.npy --b 2 --out map.npz && deeprg mcrg tc.npy --map map.npz");
  auto f = std::make_shared<LearnMapFlags>();
  rbm::TrainOptions& train = f->options.train;
  train.epochs = 20;
  train.learning_rate = 0.05;
  train.precision = "fp32";  // a b^d → 1 product gains nothing from bf16
  cmd->add_option("file", f->file, "Spin file (.npy, int8 ±1), equilibrium samples")->required();
  cmd->add_option("--out,-o", f->out, "Map file to write (.npz)")->required();
  cmd->add_option("--b", f->options.b, "Block side")->capture_default_str();
  cmd->add_option("--max-blocks", f->options.max_rows, "At most this many training blocks")
      ->capture_default_str();
  cmd->add_flag("--keep-biases", f->keep_biases,
                "Keep the trained biases (data in a field); by default they are set to 0");
  cmd->add_option("--epochs", train.epochs, "Epochs")->capture_default_str();
  cmd->add_option("--batch-size", train.batch_size, "Mini-batch size")->capture_default_str();
  cmd->add_option("--lr", train.learning_rate, "Learning rate")->capture_default_str();
  cmd->add_option("--cd-k", train.k, "Gibbs steps of contrastive divergence")
      ->capture_default_str();
  cmd->add_option("--seed", train.seed, "Random seed")
      ->transform(whole_number())
      ->capture_default_str();
  cmd->add_option("--threads", train.threads, "Threads (0 = all cores)")->capture_default_str();
  cmd->add_flag("--json", f->json, "Print JSON");
  cmd->callback([f, cmd] { learn_map(*f, *cmd); });
}

}  // namespace deeprg::cli
