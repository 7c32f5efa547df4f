// deeprg measure: observables with error bars from a spin file, next to exact values.
#include <cmath>
#include <cstdio>
#include <iostream>

#include "commands.hpp"
#include "common.hpp"
#include "deeprg/core/error.hpp"
#include "deeprg/ising/exact.hpp"
#include "deeprg/mc/observables.hpp"
#include "deeprg/version.hpp"

namespace deeprg::cli {

namespace {

struct MeasureFlags {
  std::string file;
  std::optional<double> T, J, h;
  int threads = 0;
  bool json = false;
};

/// A model parameter from the flag if given, else from the sidecar, else the default (or an
/// error naming the flag when there is no default). `from_sidecar` records where it came from.
double parameter(const std::optional<double>& flag, const nlohmann::json& sidecar, const char* key,
                 std::optional<double> fallback, const std::string& file, bool& from_sidecar) {
  from_sidecar = false;
  if (flag) return *flag;
  if (sidecar.is_object() && sidecar.contains(key)) {
    const nlohmann::json& value = sidecar[key];
    if (!value.is_number())
      throw IoError(io::sidecar_path(file).string() + ": " + key + " is " + value.dump() +
                    ", not a number (pass --" + key + " to override it)");
    from_sidecar = true;
    return value.get<double>();
  }
  if (fallback) return *fallback;
  throw ConfigError(std::string("--") + key,
                    file + " has no sidecar recording " + key + "; pass --" + key);
}

/// The model of the samples in `file`: T, J and h from the flags or the sidecar. A bad value
/// is blamed on where it came from: the flag, or the sidecar (as a bad file, naming it).
ising::Model resolve_model(const MeasureFlags& f, const io::SpinSamples& samples,
                           const nlohmann::json& sidecar) {
  ising::Model model;
  model.lattice = samples.lattice;
  bool t_sidecar = false, j_sidecar = false, h_sidecar = false;
  model.T = parameter(f.T, sidecar, "T", std::nullopt, f.file, t_sidecar);
  model.J = parameter(f.J, sidecar, "J", 1.0, f.file, j_sidecar);
  model.h = parameter(f.h, sidecar, "h", 0.0, f.file, h_sidecar);
  const auto blame = [&](const std::string& key, const std::string& message) {
    const bool sidecar_value =
        (key == "T" && t_sidecar) || (key == "J" && j_sidecar) || (key == "h" && h_sidecar);
    if (!sidecar_value) throw ConfigError("--" + key, message);
    throw IoError(io::sidecar_path(f.file).string() + ": " + key + " " + message + " (pass --" +
                  key + " to override it)");
  };
  if (!(model.T > 0) || !std::isfinite(model.T)) blame("T", "must be positive and finite");
  try {
    model.validate();
  } catch (const ConfigError& e) {
    blame(e.key(), std::string(e.what()).substr(e.key().size() + 2));
  }
  return model;
}

}  // namespace

void print_measurement_table(const nlohmann::json& m, const nlohmann::json& exact) {
  std::printf("  %-22s %26s %18s %18s\n", "observable", "measured", "exact (finite L)",
              "exact (L = inf)");
  struct Row {
    const char* label;
    const char* key;
    const char* finite_key;
    const char* infinite_key;
  };
  const Row rows[] = {
      {"energy per spin", "energy_per_spin", "energy_per_spin", "energy_per_spin"},
      {"|m|", "abs_magnetization", nullptr, "spontaneous_magnetization"},
      {"susceptibility", "susceptibility", nullptr, nullptr},
      {"specific heat", "specific_heat", "specific_heat_per_spin", "specific_heat_per_spin"},
      {"Binder cumulant", "binder_cumulant", nullptr, nullptr},
      {"corr. length (2nd mom.)", "correlation_length", nullptr, "correlation_length"},
  };
  auto cell = [](const nlohmann::json& j, const char* key) -> std::string {
    if (!key || !j.is_object() || !j.contains(key)) return "-";
    if (j[key].is_null()) return "inf";
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.6f", j[key].get<double>());
    return buf;
  };
  const nlohmann::json inf = exact.is_object() && exact.contains("infinite_lattice")
                                 ? exact["infinite_lattice"]
                                 : nlohmann::json();
  for (const Row& r : rows) {
    const auto& v = m[r.key];
    const auto& e = m[std::string(r.key) + "_error"];
    const std::string measured =
        v.is_null() ? "undefined"
                    : format_estimate(v.get<double>(), e.is_null() ? NAN : e.get<double>());
    std::printf("  %-22s %26s %18s %18s\n", r.label, measured.c_str(),
                cell(exact, r.finite_key).c_str(), cell(inf, r.infinite_key).c_str());
  }
  if (inf.is_object() && inf.contains("correlation_length"))
    std::printf(
        "  (the exact correlation length is the exponential one of the infinite lattice; the\n"
        "   measured one is the second-moment estimate on the finite lattice)\n");
}

void add_measure_command(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "measure",
      "Observables of a spin file with error bars, next to exact values\n"
      "Measures a spin file: energy per spin, |m|, susceptibility N(<m^2> - <|m|>^2)/T, specific\n"
      "heat N(<e^2> - <e>^2)/T^2, Binder cumulant 1 - <m^4>/(3<m^2>^2) and the second-moment\n"
      "correlation length, each with a jackknife error bar (50 blocks), next to the exact values\n"
      "when they are known. T, J and h come from the sidecar FILE.npy.json unless given.\n"
      "Example: deeprg measure samples.npy --json");
  auto f = std::make_shared<MeasureFlags>();
  cmd->add_option("file", f->file, "Spin file (.npy, int8 ±1)")->required();
  cmd->add_option("--T", f->T, "Temperature (default: from the sidecar)");
  cmd->add_option("--J", f->J, "Coupling (default: from the sidecar, else 1)");
  cmd->add_option("--h", f->h, "Field (default: from the sidecar, else 0)");
  cmd->add_option("--threads", f->threads, "Threads (0 = all cores)")->capture_default_str();
  cmd->add_flag("--json", f->json, "Print JSON");
  cmd->callback([f] {
    const io::SpinSamples samples = io::read_spins(f->file);
    const nlohmann::json sidecar = io::read_sidecar(f->file);
    const ising::Model model = resolve_model(*f, samples, sidecar);
    if (f->threads < 0) throw ConfigError("--threads", "must be 0 (all cores) or positive");
    nlohmann::json out = ising::to_json(model);
    out["file"] = f->file;
    out["deeprg_version"] = kVersion;
    out.update(mc::to_json(mc::measure(model, samples.spins, samples.count, 50, f->threads)));
    nlohmann::json exact;
    try {
      exact = ising::exact_json(model);
      out["exact"] = exact;
    } catch (const Error&) {
      // No exact reference for this model (e.g. antiferromagnet in a field): measure anyway.
    }
    if (f->json) {
      std::cout << out.dump(2) << "\n";
      return;
    }
    std::printf("%s: %zu samples of %s L=%d T=%.6g J=%g h=%g\n", f->file.c_str(), samples.count,
                model.name().c_str(), model.lattice.lx, model.T, model.J, model.h);
    print_measurement_table(out, exact);
  });
}

}  // namespace deeprg::cli
