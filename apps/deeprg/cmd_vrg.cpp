// deeprg vrg: Mehta & Schwab's variational-RG quantities (Eqs. 18–22) for an RBM, exactly.
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>
#include <variant>

#include "commands.hpp"
#include "common.hpp"
#include "deeprg/core/error.hpp"
#include "deeprg/rbm/model_file.hpp"
#include "deeprg/vrg/operators.hpp"

namespace deeprg::cli {

namespace {

struct VrgFlags {
  ModelFlags model;
  std::string rbm;
  bool json = false;
  int threads = 0;
};

void run_vrg(const VrgFlags& f) {
  if (f.threads < 0) throw ConfigError("--threads", "must be 0 (all cores) or positive");
  const ising::Model model = f.model.resolve();
  // In the precision the file stores: a float64 RBM gives results exact to double precision.
  const rbm::StoredRbm machine = rbm::load_rbm_as_stored(f.rbm);
  vrg::VrgReport report;
  try {
    report =
        std::visit([&](const auto& r) { return vrg::evaluate_vrg(model, r, f.threads); }, machine);
  } catch (const ConfigError& e) {
    // The lattice size is the flags' fault (exit 2); the unit type is the file's (exit 1).
    if (e.key() == "L") throw ConfigError("--L", std::string(e.what()).substr(e.key().size() + 2));
    throw IoError(f.rbm + ": " + e.what());
  } catch (const ShapeError& e) {
    throw ShapeError(f.rbm + ": " + e.what() + " (check --L/--Ly)");
  }
  nlohmann::json out = ising::to_json(model);
  out["rbm"] = f.rbm;
  out["dtype"] = std::visit([](const auto& r) { return rbm::dtype_name(r); }, machine);
  out.update(vrg::to_json(report));
  if (f.json) {
    std::cout << out.dump(2) << "\n";
    return;
  }
  std::printf("%s  L=%d%s  J=%g  h=%g  T=%.10g  (K=%.10g)   RBM %s: %zu visible, %zu hidden, %s\n",
              model.name().c_str(), model.lattice.lx,
              model.lattice.dim == 2 ? (" Ly=" + std::to_string(model.lattice.ly)).c_str() : "",
              model.J, model.h, model.T, model.K(), f.rbm.c_str(), report.n_visible,
              report.n_hidden, out["dtype"].get<std::string>().c_str());
  auto row = [](const char* name, double value, const char* note) {
    std::printf("  %-34s %22.15g   %s\n", name, value, note);
  };
  row("ln Z", report.log_z, "ln Tr_v e^{-H(v)}");
  row("ln Z_lambda", report.log_z_rbm, "ln Tr_h e^{-H^RBM(h)} (Eq. 22)");
  row("Delta F = ln Z - ln Z_lambda", report.delta_f, "0 does not imply an exact RG step");
  row("KL(P || p_lambda)", report.kl, "0 iff p_lambda = P");
  row("max_h |H^RG - H^RBM|", report.max_abs_h_rg_minus_h_rbm,
      "Eq. 18 makes these identical: rounding only");
  row("min_v ln Tr_h e^{T(v,h)}", report.log_tr_h_exp_t_min, "exact RG step: both 0");
  row("max_v ln Tr_h e^{T(v,h)}", report.log_tr_h_exp_t_max, "");
  if (!report.h_rbm.empty() && report.h_rbm.size() <= 16) {
    std::printf("  H^RBM(h), bit j of the index = hidden unit j on:\n");
    for (std::size_t m = 0; m < report.h_rbm.size(); ++m)
      std::printf("    %4zu %22.15g\n", m, report.h_rbm[m]);
  } else if (!report.h_rbm.empty()) {
    std::printf("  H^RBM(h) for %zu hidden states: use --json\n", report.h_rbm.size());
  }
}

}  // namespace

void add_vrg_command(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "vrg",
      "Exact variational-RG quantities of an RBM (Mehta & Schwab Eqs. 18-22)\n"
      "For an RBM with spin visible units, one per lattice site, enumerates all states and\n"
      "reports ln Z, ln Z_lambda, Delta F = ln Z - ln Z_lambda, KL(P || p_lambda), the\n"
      "exactness condition ln Tr_h e^{T(v,h)} (min/max over v; an exact RG step has both 0) and\n"
      "max_h |H^RG - H^RBM|, which Eq. 18 makes zero for every RBM (a numerical check of the\n"
      "paper's identity, not evidence of RG). Delta F = 0 alone does not imply exactness; KL = 0\n"
      "means p_lambda = P. H is the dimensionless beta*H. At most 2^26 joint states. A float64\n"
      "RBM file is used as float64: its results are exact to double precision.\n"
      "Example: deeprg vrg --rbm m.npz --model ising1d --L 8 --K 0.5 --json");
  auto f = std::make_shared<VrgFlags>();
  f->model.add_to(*cmd);
  cmd->add_option("--rbm", f->rbm, "RBM .npz with spin visible units")->required();
  cmd->add_option("--threads", f->threads, "Threads (0 = all cores)")->capture_default_str();
  cmd->add_flag("--json", f->json, "Print JSON instead of a table");
  cmd->callback([f] { run_vrg(*f); });
}

}  // namespace deeprg::cli
