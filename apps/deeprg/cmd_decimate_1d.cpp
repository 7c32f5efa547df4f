// deeprg decimate-1d: the exact RG flow of the 1D Ising chain, by formula and read off an RBM.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>

#include "commands.hpp"
#include "common.hpp"
#include "deeprg/core/error.hpp"
#include "deeprg/rg/decimation_1d.hpp"

namespace deeprg::cli {

namespace {

struct DecimateFlags {
  double J = 0;
  int steps = 6;
  int sites = 8;
  std::string layout = "ring";
  double tie = 10.0;
  bool json = false;
};

/// Validates the flags with their own names, before the library (which names "J", "steps").
void check_flags(const DecimateFlags& f) {
  if (!std::isfinite(f.J) || !(f.J > 0))
    throw ConfigError(
        "--J", "the reduced coupling must be finite and > 0 (got " + std::to_string(f.J) + ")");
  if (f.steps < 1 || f.steps > rg::kMaxDecimationSteps)
    throw ConfigError("--steps", "must be between 1 and " +
                                     std::to_string(rg::kMaxDecimationSteps) + " (got " +
                                     std::to_string(f.steps) + ")");
  if (f.sites < 4 || f.sites % 2 != 0 || f.sites > 2 * static_cast<int>(rg::kMaxFitHiddenUnits))
    throw ConfigError("--sites", "the RBM's ring needs an even number of spins between 4 and " +
                                     std::to_string(2 * rg::kMaxFitHiddenUnits));
  const auto layout = rg::parse_decimation_layout(f.layout, "--layout");
  if (layout == rg::DecimationLayout::tied && !(std::isfinite(f.tie) && f.tie > 0))
    throw ConfigError("--tie", "the tie coupling must be finite and > 0");
}

nlohmann::json decimate_json(const DecimateFlags& f, const rg::DecimationRbmOptions& options) {
  const auto flow = rg::decimation_flow(f.J, f.steps, options);
  nlohmann::json out;
  out["J"] = f.J;
  out["steps"] = f.steps;
  nlohmann::json js = nlohmann::json::array(), rbm_js = nlohmann::json::array(),
                 consts = nlohmann::json::array(), xi = nlohmann::json::array(),
                 residuals = nlohmann::json::array();
  js.push_back(flow.front().J);
  rbm_js.push_back(flow.front().J_rbm);
  xi.push_back(number_or_null(flow.front().correlation_length));
  double max_difference = 0, max_residual = 0;
  for (const auto& s : flow) {
    js.push_back(s.J_next_formula);
    rbm_js.push_back(s.J_next_rbm);
    xi.push_back(number_or_null(rg::correlation_length(s.J_next_formula)));
    consts.push_back(s.free_energy_constant);
    residuals.push_back(s.rbm_residual);
    max_difference = std::max(max_difference, std::abs(s.J_next_rbm - s.J_next_formula));
    max_residual = std::max(max_residual, s.rbm_residual);
  }
  out["flow"] = js;
  out["rbm_flow"] = rbm_js;
  out["rbm_flow_max_difference"] = max_difference;
  out["rbm_residuals"] = residuals;
  out["correlation_length"] = xi;
  out["free_energy_constants"] = consts;
  const bool tied = options.layout == rg::DecimationLayout::tied;
  out["rbm"] = {{"layout", rg::to_string(options.layout)},
                {"sites", options.sites},
                {"visible", tied ? options.sites : options.sites / 2},
                {"hidden", options.sites / 2},
                {"tie", tied ? nlohmann::json(options.tie) : nlohmann::json(nullptr)},
                {"weights", "float64"},
                {"max_residual", max_residual}};

  const auto inf = rg::infinite_chain_check(f.J, f.steps);
  out["free_energy_check"] = {{"sum_of_constants", inf.sum_of_constants},
                              {"coarse_log_z_per_spin", inf.coarse_log_z_per_spin},
                              {"exact_log_z_per_spin", inf.exact_log_z_per_spin},
                              {"difference", inf.difference}};
  const auto ring = rg::decimated_ring_log_z(f.J, 1 << f.steps, f.steps);
  out["finite_ring_check"] = {{"sites", ring.sites},
                              {"coarse_sites", ring.coarse_sites},
                              {"sum_of_constants", ring.sum_of_constants},
                              {"coarse_log_z", ring.coarse_log_z},
                              {"exact_log_z", ring.exact_log_z},
                              {"difference", ring.difference}};
  out["fixed_points"] = nlohmann::json::array(
      {{{"J", 0}, {"tanh_J", 0}, {"stability", "stable"}, {"eigenvalue", 0}},
       {{"J", "inf"}, {"tanh_J", 1}, {"stability", "unstable"}, {"eigenvalue", 2}}});
  return out;
}

void print_table(const nlohmann::json& out) {
  const auto& r = out["rbm"];
  std::printf("1D Ising decimation (b = 2)  J = %.10g  steps = %d\n", out["J"].get<double>(),
              out["steps"].get<int>());
  std::printf("RBM: %s layout, ring of %d spins (%d visible, %d hidden), float64 weights\n",
              r["layout"].get<std::string>().c_str(), r["sites"].get<int>(),
              r["visible"].get<int>(), r["hidden"].get<int>());
  std::printf("  %3s %22s %22s %10s %12s %12s %14s %10s\n", "k", "J_k (tanh J'=tanh^2 J)",
              "J_k (read off RBM)", "|diff|", "tanh J_k", "xi_k", "c_k per bond", "NN resid");
  const auto& flow = out["flow"];
  const std::size_t steps = out["steps"].get<std::size_t>();
  for (std::size_t k = 0; k < flow.size(); ++k) {
    const double j = flow[k].get<double>(), jr = out["rbm_flow"][k].get<double>();
    const auto& xi = out["correlation_length"][k];
    char xi_text[32] = "inf";
    if (!xi.is_null()) std::snprintf(xi_text, sizeof xi_text, "%.6g", xi.get<double>());
    char c_text[32] = "-", res_text[32] = "-";
    if (k < steps) {
      std::snprintf(c_text, sizeof c_text, "%.10g", out["free_energy_constants"][k].get<double>());
      std::snprintf(res_text, sizeof res_text, "%.1e", out["rbm_residuals"][k].get<double>());
    }
    std::printf("  %3zu %22.15g %22.15g %10.2e %12.6g %12s %14s %10s\n", k, j, jr, std::abs(jr - j),
                std::tanh(j), xi_text, c_text, res_text);
  }
  const auto& fe = out["free_energy_check"];
  std::printf("Free energy per spin, infinite chain:\n");
  std::printf("  %-36s %.15g\n", "sum_k c_k / 2^(k+1)", fe["sum_of_constants"].get<double>());
  std::printf("  %-36s %.15g\n", "+ coarse chain ln(2 cosh J_s) / 2^s",
              fe["coarse_log_z_per_spin"].get<double>());
  std::printf("  %-36s %.15g   (difference %.2e)\n", "exact ln(2 cosh J)",
              fe["exact_log_z_per_spin"].get<double>(), fe["difference"].get<double>());
  const auto& ring = out["finite_ring_check"];
  std::printf(
      "Ring of %d spins: sum (N/2^(k+1)) c_k + ln Z_%d(J_s) = %.15g, transfer matrix "
      "%.15g (difference %.2e)\n",
      ring["sites"].get<int>(), ring["coarse_sites"].get<int>(),
      ring["sum_of_constants"].get<double>() + ring["coarse_log_z"].get<double>(),
      ring["exact_log_z"].get<double>(), ring["difference"].get<double>());
  std::printf(
      "Fixed points: J* = 0 stable (t = tanh J -> t^2, eigenvalue 0); J* = inf unstable "
      "(1 - t -> ~2(1 - t), eigenvalue 2)\n");
}

}  // namespace

void add_decimate_1d_command(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "decimate-1d",
      "Exact RG flow of the 1D Ising chain by decimation, as a formula and as an RBM\n"
      "Summing out every other spin of H = -J sum s_i s_{i+1} (temperature 1) gives\n"
      "tanh J' = tanh^2 J, i.e. J' = (1/2) ln cosh 2J, plus ln 2 + J' per coarse bond. The same\n"
      "flow is read off an RBM whose hidden units are the kept spins: its hidden-layer\n"
      "Hamiltonian -ln Tr_v e^{-E(v,h)} is enumerated on a small ring and fitted by a\n"
      "nearest-neighbour ring (the residual certifies the form). The RBM holds J in float64,\n"
      "so its flow matches the formula to double precision (~1e-15 relative).\n"
      "JSON: flow and rbm_flow (J_0 = J first), free_energy_constants (per step, per coarse\n"
      "bond), free_energy_check (infinite chain), finite_ring_check (ring of 2^steps spins vs the\n"
      "transfer matrix), fixed_points (J is 0 or the string \"inf\"; JSON has no infinity),\n"
      "correlation_length (null where infinite).\n"
      "Example: deeprg decimate-1d --J 0.408 --steps 6");
  auto flags = std::make_shared<DecimateFlags>();
  cmd->add_option("--J", flags->J, "Reduced nearest-neighbour coupling J/T (> 0)")->required();
  cmd->add_option("--steps", flags->steps, "Number of decimation steps (1 to 30)")
      ->capture_default_str();
  cmd->add_option("--sites", flags->sites, "Spins of the ring the RBM is built on (even, 4-40)")
      ->capture_default_str();
  cmd->add_option("--layout", flags->layout,
                  "RBM layout: ring (visible = decimated spins; the RBM is the chain) or tied "
                  "(visible = all spins, kept ones tied to their hidden copy by --tie)")
      ->capture_default_str();
  cmd->add_option("--tie", flags->tie, "Tie coupling of the tied layout (> 0)")
      ->capture_default_str();
  cmd->add_flag("--json", flags->json, "Print JSON instead of a table");
  cmd->callback([flags] {
    check_flags(*flags);
    rg::DecimationRbmOptions options;
    options.sites = flags->sites;
    options.layout = rg::parse_decimation_layout(flags->layout, "--layout");
    options.tie = flags->tie;
    const nlohmann::json out = decimate_json(*flags, options);
    if (flags->json) {
      std::cout << out.dump(2) << "\n";
      return;
    }
    print_table(out);
  });
}

}  // namespace deeprg::cli
