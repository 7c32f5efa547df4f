// deeprg vrg-fit: exact-gradient RBM fits to a small Ising system, KL against hidden units.
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>

#include "commands.hpp"
#include "common.hpp"
#include "deeprg/core/error.hpp"
#include "deeprg/rbm/model_file.hpp"
#include "deeprg/report/line_plot.hpp"
#include "deeprg/vrg/fit.hpp"

namespace deeprg::cli {
namespace {

struct VrgFitFlags {
  ModelFlags model;
  std::string hidden = "1,2,4,8";
  std::string hidden_units = "spin";
  bool no_cd = false;
  bool json = false;
  std::string plot;
  std::string out;
  vrg::FitOptions options;
};

// Fits the RBMs the flags describe and prints (or writes) the results.
void fit(const VrgFitFlags& flags);

}  // namespace

void add_vrg_fit_command(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "vrg-fit",
      "Fit RBMs to the exact distribution of a small Ising system; KL against hidden units\n"
      "Minimises KL(P||p) over RBMs with spin visible units by the exact gradient (all 2^N\n"
      "states enumerated, Adam), for each hidden-layer size, and compares with CD-1 trained on\n"
      "exact draws from P. Reports KL and the range of ln Tr_h exp T(v,h) = -F(v) + H(v), the\n"
      "Mehta-Schwab exactness condition (spread 0 iff KL = 0; exact RG also needs the value 0).\n"
      "At most 16 spins.\n"
      "Example: deeprg vrg-fit --model ising1d --L 6 --K 0.5 --hidden 1,2,4,8 --plot kl.png");
  auto f = std::make_shared<VrgFitFlags>();
  f->model.model = "ising1d";
  f->model.add_to(*cmd);
  auto& o = f->options;
  cmd->add_option("--hidden", f->hidden, "Hidden layer sizes to sweep, e.g. 1,2,4,8")
      ->capture_default_str();
  cmd->add_option("--hidden-units", f->hidden_units, "spin (±1) or bernoulli ({0,1})")
      ->capture_default_str();
  cmd->add_option("--iterations", o.iterations, "Adam steps of the exact-gradient fit")
      ->capture_default_str();
  cmd->add_option("--lr", o.learning_rate, "Adam step size (cosine decay over the second half)")
      ->capture_default_str();
  cmd->add_option("--init-std", o.init_std, "Standard deviation of the initial weights")
      ->capture_default_str();
  cmd->add_option("--seed", o.seed, "Random seed")
      ->transform(whole_number())
      ->capture_default_str();
  cmd->add_flag("--no-cd", f->no_cd, "Skip the CD-1 comparison");
  cmd->add_option("--cd-samples", o.cd_samples, "Exact draws from P for the CD fit")
      ->capture_default_str();
  cmd->add_option("--cd-epochs", o.cd_epochs, "Epochs of the CD fit")->capture_default_str();
  cmd->add_option("--cd-lr", o.cd_learning_rate, "Learning rate of the CD fit")
      ->capture_default_str();
  cmd->add_flag("--json", f->json, "Print JSON instead of a table");
  cmd->add_option("--plot", f->plot, "PNG plot of KL against the number of hidden units");
  cmd->add_option("--out,-o", f->out, "Directory for the fitted models rbm_h{n}.npz (float64)");
  cmd->callback([f, cmd] {
    with_flag_names(*cmd, {{"learning_rate", "--lr"}, {"cd_learning_rate", "--cd-lr"}},
                    [&] { fit(*f); });
  });
}

namespace {

void fit(const VrgFitFlags& f) {
  const ising::Model model = f.model.resolve();
  if (model.lattice.sites() > vrg::kMaxFitSpins)
    throw ConfigError("--L", "at most " + std::to_string(vrg::kMaxFitSpins) +
                                 " spins can be enumerated, got " +
                                 std::to_string(model.lattice.sites()));
  const std::vector<std::size_t> hidden = parse_sizes("--hidden", f.hidden);
  vrg::FitOptions options = f.options;
  options.hidden = rbm::parse_units(f.hidden_units, "--hidden-units");
  options.compare_cd = !f.no_cd;
  const auto results = vrg::fit_hidden_sweep(model, hidden, options);

  if (!f.out.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(f.out, ec);
    if (ec) throw IoError("cannot create directory " + f.out + ": " + ec.message());
    for (const auto& r : results)
      rbm::save_rbm(std::filesystem::path(f.out) / ("rbm_h" + std::to_string(r.n_hidden) + ".npz"),
                    r.rbm);
  }
  if (!f.plot.empty()) {
    report::LinePlot plot;
    plot.title = "RBM fit to the exact " + model.name() + " distribution";
    plot.x_label = "hidden units";
    plot.y_label = "KL(P||p)";
    plot.log_y = true;
    report::Series exact{"exact gradient", {}, {}, {}};
    report::Series cd{"CD-1", {}, {}, {}};
    for (const auto& r : results) {
      exact.x.push_back(double(r.n_hidden));
      exact.y.push_back(r.kl_exact_gradient);
      cd.x.push_back(double(r.n_hidden));
      cd.y.push_back(r.kl_cd);
    }
    plot.series.push_back(exact);
    if (options.compare_cd) plot.series.push_back(cd);
    report::write_line_plot(f.plot, plot);
  }

  if (f.json) {
    nlohmann::json out = ising::to_json(model);
    out["log_z"] = results.front().log_z;
    out["hidden_units"] = rbm::to_string(options.hidden);
    out["iterations"] = options.iterations;
    out["learning_rate"] = options.learning_rate;
    out["seed"] = options.seed;
    out["fits"] = nlohmann::json::array();
    for (const auto& r : results)
      out["fits"].push_back({{"n_hidden", r.n_hidden},
                             {"kl_exact_gradient", r.kl_exact_gradient},
                             {"kl_cd", number_or_null(r.kl_cd)},
                             {"log_tr_h_exp_t_min", r.log_tr_h_exp_t_min},
                             {"log_tr_h_exp_t_max", r.log_tr_h_exp_t_max},
                             {"log_z_rbm", r.log_z_rbm}});
    std::cout << out.dump(2) << "\n";
    return;
  }
  std::printf("%s  N=%zu  K=%.10g  B=%.10g  ln Z=%.10g  hidden=%s  iterations=%d  seed=%llu\n",
              model.name().c_str(), model.lattice.sites(), model.K(), model.B(),
              results.front().log_z, rbm::to_string(options.hidden).c_str(), options.iterations,
              static_cast<unsigned long long>(options.seed));
  std::printf("  %8s %16s %16s %18s %18s\n", "n_hidden", "KL exact-grad", "KL CD-1",
              "min ln Tr_h e^T", "max ln Tr_h e^T");
  for (const auto& r : results) {
    char cd[32] = "-";
    if (std::isfinite(r.kl_cd)) std::snprintf(cd, sizeof cd, "%.6e", r.kl_cd);
    std::printf("  %8zu %16.6e %16s %18.10g %18.10g\n", r.n_hidden, r.kl_exact_gradient, cd,
                r.log_tr_h_exp_t_min, r.log_tr_h_exp_t_max);
  }
}

}  // namespace

}  // namespace deeprg::cli
