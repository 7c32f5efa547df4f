// Training an RBM on equilibrium samples from inside a command.
#include "rbm_training.hpp"

#include <chrono>

#include "common.hpp"
#include "deeprg/analysis/rbm_flow.hpp"
#include "deeprg/core/error.hpp"

namespace deeprg::cli {

void add_rbm_training_flags(CLI::App& cmd, RbmTrainingFlags& f) {
  rbm::TrainOptions& train = f.train;
  cmd.add_option("--hidden", f.hidden, "Hidden units")->capture_default_str();
  cmd.add_option("--visible-units", f.visible_units, "bernoulli ({0,1}) or spin (±1)")
      ->capture_default_str();
  cmd.add_option("--hidden-units", f.hidden_units, "bernoulli ({0,1}) or spin (±1)")
      ->capture_default_str();
  cmd.add_option("--epochs", train.epochs, "Training epochs")->capture_default_str();
  cmd.add_option("--batch-size", train.batch_size, "Mini-batch size")->capture_default_str();
  cmd.add_option("--lr", train.learning_rate, "Learning rate")->capture_default_str();
  cmd.add_option("--cd-k", train.k, "Gibbs steps per update (CD-k)")->capture_default_str();
  cmd.add_flag("--persistent", train.persistent, "PCD-k instead of CD-k");
  cmd.add_option("--l1", train.l1, "L1 penalty on W")->capture_default_str();
  cmd.add_option("--l2", train.l2, "L2 weight decay on W")->capture_default_str();
}

void check_rbm_training_flags(const RbmTrainingFlags& f) {
  if (f.hidden < 1) throw ConfigError("--hidden", "need at least 1 hidden unit");
  rbm::parse_units(f.visible_units, "--visible-units");
  rbm::parse_units(f.hidden_units, "--hidden-units");
}

rbm::Rbm train_rbm_on_samples(const CLI::App& cmd, std::span<const io::SpinSamples> sets,
                              RbmTrainingFlags& f, std::uint64_t seed, int threads,
                              double* seconds) {
  rbm::TrainOptions& o = f.train;
  const rbm::Units visible = rbm::parse_units(f.visible_units, "--visible-units");
  const rbm::Units hidden = rbm::parse_units(f.hidden_units, "--hidden-units");
  o.seed = seed;
  o.threads = threads;
  const MatrixF data = analysis::visible_rows(sets, visible);
  with_flag_names(cmd, {{"k", "--cd-k"}, {"learning_rate", "--lr"}},
                  [&] { rbm::validate(o, data.rows, f.hidden); });
  ProgressBar bar("train");
  o.on_epoch = [&](const rbm::EpochMetrics& m) { bar.update(m.epoch, o.epochs); };
  const auto t0 = std::chrono::steady_clock::now();
  rbm::Rbm model = with_flag_names(cmd, {{"k", "--cd-k"}, {"learning_rate", "--lr"}}, [&] {
    return rbm::train_rbm(data, f.hidden, visible, hidden, o);
  });
  bar.finish();
  o.on_epoch = {};
  if (seconds)
    *seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return model;
}

nlohmann::json training_json(const RbmTrainingFlags& f, const rbm::Rbm& model) {
  return {{"trained", true},
          {"hidden", f.hidden},
          {"visible_units", f.visible_units},
          {"hidden_units", f.hidden_units},
          {"training", model.meta.value("training", nlohmann::json())}};
}

}  // namespace deeprg::cli
