#pragma once
// Training an RBM on equilibrium samples from inside a command (rbm-flow, rbm-sample): the
// flags and the one code path they share.
#include <CLI/CLI.hpp>
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <span>
#include <string>

#include "deeprg/io/spin_file.hpp"
#include "deeprg/rbm/rbm.hpp"
#include "deeprg/rbm/train.hpp"

namespace deeprg::cli {

/// What the training flags set.
struct RbmTrainingFlags {
  std::size_t hidden = 64;
  std::string visible_units = "bernoulli";
  std::string hidden_units = "bernoulli";
  rbm::TrainOptions train;
};

/// Registers --hidden, --visible-units, --hidden-units, --epochs, --batch-size, --lr, --cd-k,
/// --persistent, --l1 and --l2 on `cmd`, bound to `flags` (their defaults as set there).
void add_rbm_training_flags(CLI::App& cmd, RbmTrainingFlags& flags);

/// Checks the flags that need no data (hidden ≥ 1, the unit names) before any sampling, so a
/// typo fails at once: throws ConfigError naming the flag.
void check_rbm_training_flags(const RbmTrainingFlags& flags);

/// Trains an RBM with flags.hidden hidden units on the rows of all `sets`
/// (analysis::visible_rows), with a "train" progress bar; seed and threads go into
/// flags.train. Library errors name the command's flags. `seconds`, when set, receives the
/// training's wall time.
rbm::Rbm train_rbm_on_samples(const CLI::App& cmd, std::span<const io::SpinSamples> sets,
                              RbmTrainingFlags& flags, std::uint64_t seed, int threads,
                              double* seconds = nullptr);

/// The training's record for a command's JSON: trained, hidden, visible_units, hidden_units and
/// the model's meta "training".
nlohmann::json training_json(const RbmTrainingFlags& flags, const rbm::Rbm& model);

}  // namespace deeprg::cli
