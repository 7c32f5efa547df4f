#include "deeprg/rg/flow.hpp"

#include <cmath>
#include <string>

#include "deeprg/core/error.hpp"
#include "deeprg/core/json.hpp"
#include "deeprg/mc/observables.hpp"

namespace deeprg::rg {

mc::Estimate LevelObservables::correlation_length_over_l() const {
  const double l = static_cast<double>(lx);
  return {correlation_length.value / l, correlation_length.error / l};
}

LevelObservables measure_level(const io::SpinSamples& samples, int level, int blocks, int threads) {
  // At J = 1, h = 0 the energy per spin is −(bond sum)/N, so ⟨s_i s_j⟩ per bond is the exact
  // linear image −e·N/N_b of it and inherits its jackknife error; T only scales χ and C,
  // which the flow does not report.
  ising::Model model;
  model.lattice = samples.lattice;
  const mc::Observables obs = mc::measure(model, samples.spins, samples.count, blocks, threads);
  const double scale =
      static_cast<double>(samples.lattice.sites()) / static_cast<double>(samples.lattice.bonds());
  LevelObservables out;
  out.level = level;
  out.lx = samples.lattice.lx;
  out.ly = samples.lattice.ly;
  out.samples = samples.count;
  out.abs_magnetization = obs.abs_magnetization;
  out.nn_correlation = {-obs.energy_per_spin.value * scale, obs.energy_per_spin.error * scale};
  out.binder_cumulant = obs.binder_cumulant;
  out.correlation_length = obs.correlation_length;
  return out;
}

std::vector<LevelObservables> flow(const io::SpinSamples& samples, const BlockSpinOptions& options,
                                   int levels, int blocks) {
  check_block_levels(samples.lattice, options.b, levels);  // before measuring anything
  return flow(
      samples, [&options](const io::SpinSamples& s, int k) { return block_spin(s, options, k); },
      levels, blocks, options.threads);
}

std::vector<LevelObservables> flow(const io::SpinSamples& samples, const CoarseGraining& map,
                                   int levels, int blocks, int threads) {
  if (levels < 0) throw ConfigError("levels", "must be at least 0, got " + std::to_string(levels));
  std::vector<LevelObservables> out;
  out.reserve(static_cast<std::size_t>(levels) + 1);
  out.push_back(measure_level(samples, 0, blocks, threads));
  io::SpinSamples current;
  for (int k = 0; k < levels; ++k) {
    current = map(k == 0 ? samples : current, k);
    out.push_back(measure_level(current, k + 1, blocks, threads));
  }
  return out;
}

nlohmann::json to_json(const LevelObservables& level) {
  nlohmann::json j{{"level", level.level}, {"L", level.lx}};
  if (level.ly > 1) j["Ly"] = level.ly;
  j["samples"] = level.samples;
  auto put = [&j](const char* key, const mc::Estimate& e) {
    put_estimate(j, key, e.value, e.error);
  };
  put("abs_magnetization", level.abs_magnetization);
  put("nn_correlation", level.nn_correlation);
  put("binder_cumulant", level.binder_cumulant);
  put("correlation_length", level.correlation_length);
  put("correlation_length_over_L", level.correlation_length_over_l());
  return j;
}

nlohmann::json to_json(const std::vector<LevelObservables>& levels) {
  nlohmann::json j = nlohmann::json::array();
  for (const auto& level : levels) j.push_back(to_json(level));
  return j;
}

}  // namespace deeprg::rg
