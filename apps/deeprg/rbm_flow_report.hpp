#pragma once
// The figures and the HTML page of `deeprg rbm-flow`.
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "deeprg/analysis/rbm_flow.hpp"
#include "deeprg/mc/reference_curve.hpp"
#include "deeprg/report/line_plot.hpp"

namespace deeprg::cli {

/// Everything a figure or the page shows of one rbm-flow run.
struct RbmFlowResults {
  int L = 0;
  std::size_t n_hidden = 0;
  analysis::FlowStep step = analysis::FlowStep::sampled;
  int steps = 0;
  std::vector<double> starts;            ///< T0 of each flow
  std::vector<analysis::RbmFlow> flows;  ///< one per start
  std::vector<std::pair<analysis::Thermometer, analysis::FixedPoint>> fixed_points;
  const mc::ReferenceCurve* reference = nullptr;  ///< null without reference curves
  double specific_heat_peak_T = 0;                ///< the exact C peak at this L
};

/// How a thermometer is named in tables and legends: "energy (exact)", "|m| (MC reference)"...
std::string thermometer_label(analysis::Thermometer thermometer);

/// T_k against k by the energy thermometer, one line per start, with T_c and the C peak.
report::LinePlot flow_plot(const RbmFlowResults& r);

/// The last step's T against T0 by each thermometer, with T_c and the C peak.
report::LinePlot thermometer_plot(const RbmFlowResults& r);

/// The distribution of the energy per spin over start `i`'s configurations after steps 0, 1,
/// 10 and the last (those that exist), one line each, on the lattice's energy levels (spacing
/// 4/N). Needs the flow's energies (RbmFlowOptions::keep_energies).
report::LinePlot energy_distribution_plot(const RbmFlowResults& r, std::size_t i);

/// The reference curves ⟨|m|⟩(T) and U4(T) with their errors.
report::LinePlot reference_plot(const mc::ReferenceCurve& curve);

/// Writes the page: the flow, T* by each thermometer against T_c and the C peak, the energy
/// distributions of the coldest, the most critical and the hottest start, the reference curves,
/// a table per start, and the settings from `json` (the run's --json output, without its bulky
/// per-step and curve entries). Figures are drawn into a temporary folder beside the page,
/// embedded, and removed; the page is written atomically.
void write_rbm_flow_report(const std::filesystem::path& html, const RbmFlowResults& r,
                           const nlohmann::json& json);

}  // namespace deeprg::cli
