// deeprg evaluate: ln Z (exact or AIS) and, with data, likelihoods of an RBM.
#include <cmath>
#include <cstdio>
#include <iostream>
#include <numeric>
#include <variant>

#include "commands.hpp"
#include "common.hpp"
#include "deeprg/core/error.hpp"
#include "deeprg/rbm/dbn_ops.hpp"
#include "deeprg/rbm/estimators.hpp"
#include "deeprg/rbm/model_file.hpp"
#include "deeprg/version.hpp"

namespace deeprg::cli {

namespace {

struct EvaluateFlags {
  std::string model;
  std::size_t layer = 1;
  std::string data;
  std::string log_z = "auto";
  rbm::AisOptions ais;
  bool json = false;
};

// Loads the model, estimates ln Z and scores the data the flags name, and prints the result.
void evaluate(const EvaluateFlags* f);
template <class Real>
void evaluate_model(const EvaluateFlags& flags, const rbm::BasicDbn<Real>& dbn);

/// `dbn` rounded to float32 for the passes and diagnostics that run in float32; the same
/// object when it already is.
const rbm::Dbn& as_float32(const rbm::Dbn& dbn, rbm::Dbn&) { return dbn; }
const rbm::Dbn& as_float32(const rbm::Dbn64& dbn, rbm::Dbn& storage) {
  storage = rbm::dbn_cast<float>(dbn);
  return storage;
}

}  // namespace

void add_evaluate_command(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "evaluate",
      "ln Z (exact or AIS) and likelihoods of an RBM\n"
      "Estimates ln Z of an RBM — exactly by enumerating the smaller layer (--log-z exact: at\n"
      "most 30 units; auto enumerates up to 24, about a second, and uses AIS beyond), or by\n"
      "annealed importance sampling with an error bar — and, with\n"
      "--data, the mean log-likelihood, the pseudo-log-likelihood per spin and the\n"
      "reconstruction error. For a DBN (directory or archive), --layer picks the RBM; data are\n"
      "propagated up to it by sampling each lower layer's hidden units. A float64 model is used\n"
      "as float64 (ln Z and likelihoods exact to double precision); the propagation and the\n"
      "reconstruction error use float32 products.\n"
      "Example: deeprg evaluate --rbm model.npz --data samples.npy --json");
  auto f = std::make_shared<EvaluateFlags>();
  cmd->add_option("--rbm", f->model, "Model: an RBM .npz, or a DBN directory/archive")->required();
  cmd->add_option("--layer", f->layer, "Layer of a DBN (1 = sees the data)")
      ->transform(whole_number())
      ->capture_default_str();
  cmd->add_option("--data", f->data, "Spin file to score");
  cmd->add_option("--log-z", f->log_z, "exact | ais | auto")->capture_default_str();
  cmd->add_option("--ais-chains", f->ais.chains, "AIS: annealing runs")->capture_default_str();
  cmd->add_option("--ais-steps", f->ais.intermediate, "AIS: intermediate temperatures")
      ->capture_default_str();
  cmd->add_option("--seed", f->ais.seed, "Random seed (AIS, pseudo-likelihood)")
      ->transform(whole_number())
      ->capture_default_str();
  cmd->add_option("--threads", f->ais.threads, "Threads (0 = all cores)")->capture_default_str();
  cmd->add_flag("--json", f->json, "Print JSON");
  cmd->callback([f, cmd] {
    with_flag_names(*cmd, {{"ais-intermediate", "--ais-steps"}}, [&] { evaluate(f.get()); });
  });
}

namespace {

void evaluate(const EvaluateFlags* f) {
  if (f->ais.chains < 1) throw ConfigError("--ais-chains", "must be at least 1");
  if (f->ais.intermediate < 1) throw ConfigError("--ais-steps", "must be at least 1");
  if (f->ais.threads < 0) throw ConfigError("--threads", "must be 0 (all cores) or positive");
  std::visit([f](const auto& dbn) { evaluate_model(*f, dbn); }, rbm::load_dbn_as_stored(f->model));
}

template <class Real>
void evaluate_model(const EvaluateFlags& flags, const rbm::BasicDbn<Real>& dbn) {
  const EvaluateFlags* f = &flags;
  if (f->layer < 1 || f->layer > dbn.layers.size())
    throw ConfigError("--layer",
                      f->model + " has " + std::to_string(dbn.layers.size()) + " layer(s)");
  const rbm::BasicRbm<Real>& model = dbn.layers[f->layer - 1];
  if (f->log_z != "exact" && f->log_z != "ais" && f->log_z != "auto")
    throw ConfigError("--log-z", "must be exact, ais or auto, got '" + f->log_z + "'");
  // Exact when asked for, up to its one limit; "auto" enumerates only when that is quick.
  const std::size_t exact_limit = f->log_z == "exact" ? rbm::kMaxExactUnits : rbm::kAutoExactUnits;
  if (f->log_z == "exact") rbm::check_exact_units(model, exact_limit);  // before AIS's bar
  nlohmann::json out{{"model", f->model},
                     {"layer", f->layer},
                     {"n_visible", model.n_visible()},
                     {"n_hidden", model.n_hidden()},
                     {"visible", rbm::to_string(model.visible)},
                     {"hidden", rbm::to_string(model.hidden)},
                     {"dtype", rbm::dtype_name(model)},
                     {"deeprg_version", kVersion}};
  ProgressBar bar("log Z");
  const rbm::LogZEstimate z = rbm::estimate_log_z(model, f->log_z, f->ais, exact_limit);
  bar.finish();
  out["log_z"] = z.log_z;
  out["log_z_error"] = z.error;
  out["log_z_method"] = z.method;
  if (z.has_reverse) out["log_z_reverse_ais"] = z.reverse_log_z;
  if (!f->data.empty()) {
    MatrixF v =
        read_visible_data(f->data, dbn.layers.front().n_visible(), dbn.layers.front().visible);
    // An upper layer models the lower layer's hidden states, so the data are propagated up by
    // sampling: mean-field values are not configurations of its visible units.
    rbm::Dbn storage;
    const rbm::Dbn& float32 = as_float32(dbn, storage);
    if (f->layer > 1)
      v = rbm::up_pass(float32, v, f->layer - 1, rbm::Propagation::samples, f->ais.seed);
    const auto ll = rbm::log_likelihood(model, v, z.log_z);
    out["samples"] = v.rows;
    out["mean_log_likelihood"] =
        std::accumulate(ll.begin(), ll.end(), 0.0) / static_cast<double>(ll.size());
    out["mean_log_likelihood_error"] = z.error;  // ln Z's error shifts every ln p(v) alike
    out["pseudo_log_likelihood"] =
        rbm::pseudo_log_likelihood(model, v, f->ais.seed, f->ais.threads);
    out["reconstruction_error"] =
        rbm::reconstruction_error(float32.layers[f->layer - 1], v, f->ais.threads);
  }
  if (f->json) {
    std::cout << out.dump(2) << "\n";
    return;
  }
  std::printf("%s: RBM %zu (%s) -> %zu (%s), %s\n", f->model.c_str(), model.n_visible(),
              rbm::to_string(model.visible).c_str(), model.n_hidden(),
              rbm::to_string(model.hidden).c_str(), rbm::dtype_name(model));
  std::printf("  ln Z                     %s  (%s)\n", format_estimate(z.log_z, z.error).c_str(),
              z.method.c_str());
  if (z.has_reverse) std::printf("  ln Z (reverse AIS)       %.6f\n", z.reverse_log_z);
  if (out.contains("samples")) {
    std::printf("  samples                  %zu\n", out["samples"].get<std::size_t>());
    std::printf("  mean log-likelihood      %s\n",
                format_estimate(out["mean_log_likelihood"], z.error).c_str());
    std::printf("  pseudo-log-lik. per spin %.6f\n", out["pseudo_log_likelihood"].get<double>());
    std::printf("  reconstruction error     %.6f\n", out["reconstruction_error"].get<double>());
  }
}

}  // namespace

}  // namespace deeprg::cli
