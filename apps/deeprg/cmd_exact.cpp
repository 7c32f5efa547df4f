// deeprg exact: exact finite- and infinite-lattice references.
#include <cmath>
#include <cstdio>
#include <iostream>
#include <limits>

#include "commands.hpp"
#include "common.hpp"
#include "deeprg/core/error.hpp"
#include "deeprg/ising/exact.hpp"
#include "deeprg/version.hpp"

namespace deeprg::cli {

namespace {

void print_row(const char* name, const nlohmann::json& a, const nlohmann::json& b,
               const nlohmann::json& c) {
  auto cell = [](const nlohmann::json& v) -> std::string {
    if (v.is_null()) return "-";
    if (v.is_number()) {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%.12g", v.get<double>());
      return buf;
    }
    return v.dump();
  };
  std::printf("  %-26s %20s %20s %20s\n", name, cell(a).c_str(), cell(b).c_str(), cell(c).c_str());
}

}  // namespace

void add_exact_command(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "exact",
      "Exact thermodynamics of the periodic Ising model (finite and infinite lattice)\n"
      "Finite lattice: Kaufman's solution of the L x Ly torus (2D, h = 0) or the transfer matrix\n"
      "(1D, any h); brute-force enumeration as a cross-check up to 25 spins. Infinite lattice:\n"
      "Onsager's energy and specific heat, Yang's spontaneous magnetisation and the exact\n"
      "correlation length (2D), or the infinite chain (1D).\n"
      "Example: deeprg exact --L 40 --K 0.408");
  auto flags = std::make_shared<ModelFlags>();
  auto json = std::make_shared<bool>(false);
  flags->add_to(*cmd);
  cmd->add_flag("--json", *json, "Print JSON instead of a table");
  cmd->callback([flags, json] {
    const ising::Model model = flags->resolve();
    const nlohmann::json out = ising::exact_json(model);
    if (*json) {
      std::cout << out.dump(2) << "\n";
      return;
    }
    std::printf("%s  L=%d%s  J=%g  h=%g  T=%.10g  (K=%.10g)\n", model.name().c_str(),
                model.lattice.lx,
                model.lattice.dim == 2 ? (" Ly=" + std::to_string(model.lattice.ly)).c_str() : "",
                model.J, model.h, model.T, model.K());
    const nlohmann::json none;
    const auto& enumeration = out.contains("enumeration") ? out["enumeration"] : none;
    const auto& inf = out.contains("infinite_lattice") ? out["infinite_lattice"] : none;
    auto get = [](const nlohmann::json& j, const char* key) -> nlohmann::json {
      return j.is_object() && j.contains(key) ? j[key] : nlohmann::json();
    };
    std::string finite_name = out["method"].is_null()
                                  ? "finite (none)"
                                  : "finite (" + out["method"].get<std::string>() + ")";
    std::printf("  %-26s %20s %20s %20s\n", "", finite_name.c_str(), "enumeration",
                "infinite lattice");
    print_row("log Z", get(out, "log_z"), get(enumeration, "log_z"), nlohmann::json());
    print_row("log Z per spin",
              out.contains("log_z")
                  ? nlohmann::json(out["log_z"].get<double>() / double(model.lattice.sites()))
                  : nlohmann::json(),
              enumeration.is_null() ? nlohmann::json()
                                    : nlohmann::json(enumeration["log_z"].get<double>() /
                                                     double(model.lattice.sites())),
              get(inf, "log_z_per_spin"));
    print_row("energy per spin", get(out, "energy_per_spin"), get(enumeration, "energy_per_spin"),
              get(inf, "energy_per_spin"));
    print_row("specific heat per spin", get(out, "specific_heat_per_spin"),
              get(enumeration, "specific_heat_per_spin"), get(inf, "specific_heat_per_spin"));
    print_row("magnetization per spin", get(out, "magnetization_per_spin"),
              get(enumeration, "magnetization_per_spin"), get(inf, "magnetization_per_spin"));
    if (model.lattice.dim == 2) {
      print_row("spontaneous |m| (Yang)", nlohmann::json(), nlohmann::json(),
                get(inf, "spontaneous_magnetization"));
    }
    const auto xi = get(inf, "correlation_length");
    print_row("correlation length", nlohmann::json(), nlohmann::json(),
              xi.is_null() && inf.is_object() ? nlohmann::json("diverges") : xi);
  });
}

}  // namespace deeprg::cli
