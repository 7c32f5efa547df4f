// The figures and the HTML page of `deeprg rbm-flow`.
#include "rbm_flow_report.hpp"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <system_error>

#include "common.hpp"
#include "deeprg/core/error.hpp"
#include "deeprg/ising/thermometer.hpp"
#include "deeprg/report/html_report.hpp"
#include "deeprg/version.hpp"

namespace deeprg::cli {

namespace {

/// Horizontal reference lines at T_c and at the C peak over [x0, x1].
void add_reference_lines(report::LinePlot& plot, const RbmFlowResults& r, double x0, double x1) {
  plot.series.push_back(
      {"T_c", {x0, x1}, {ising::kCriticalTemperature, ising::kCriticalTemperature}, {}});
  plot.series.push_back({"C peak (L = " + std::to_string(r.L) + ")",
                         {x0, x1},
                         {r.specific_heat_peak_T, r.specific_heat_peak_T},
                         {}});
}

/// The start whose T0 is nearest T_c.
std::size_t most_critical_start(const RbmFlowResults& r) {
  std::size_t best = 0;
  for (std::size_t i = 1; i < r.starts.size(); ++i)
    if (std::abs(r.starts[i] - ising::kCriticalTemperature) <
        std::abs(r.starts[best] - ising::kCriticalTemperature))
      best = i;
  return best;
}

/// A folder for the page's figures beside it, removed with everything in it on every way out.
class FigureFolder {
 public:
  explicit FigureFolder(const std::filesystem::path& html)
      : path_(html.string() + ".figures.tmp." + std::to_string(::getpid())) {
    std::error_code ec;
    std::filesystem::create_directories(path_, ec);
    if (ec) throw IoError(path_.string() + ": cannot create the figures' folder: " + ec.message());
  }
  ~FigureFolder() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  FigureFolder(const FigureFolder&) = delete;
  FigureFolder& operator=(const FigureFolder&) = delete;
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

}  // namespace

std::string thermometer_label(analysis::Thermometer thermometer) {
  switch (thermometer) {
    case analysis::Thermometer::abs_magnetization:
      return "|m| (MC reference)";
    case analysis::Thermometer::binder_cumulant:
      return "U4 (MC reference)";
    default:
      return "energy (exact)";
  }
}

report::LinePlot flow_plot(const RbmFlowResults& r) {
  report::LinePlot plot;
  plot.title = "RBM flow (" + analysis::to_string(r.step) + " steps, L = " + std::to_string(r.L) +
               ", " + std::to_string(r.n_hidden) + " hidden)";
  plot.x_label = "step k";
  plot.y_label = "T_k (exact energy thermometer)";
  // Six legend entries at most, spread over the starts; the other lines go unlabelled.
  const std::size_t every = std::max<std::size_t>(1, (r.flows.size() + 5) / 6);
  for (std::size_t i = 0; i < r.flows.size(); ++i) {
    report::Series s;
    if (i % every == 0 || i + 1 == r.flows.size()) s.label = "T0 = " + format_number(r.starts[i]);
    for (const auto& p : r.flows[i].points) {
      s.x.push_back(p.step);
      s.y.push_back(p.temperature.T);
      s.y_error.push_back(p.temperature.error);
    }
    plot.series.push_back(std::move(s));
  }
  add_reference_lines(plot, r, 0.0, static_cast<double>(r.steps));
  return plot;
}

report::LinePlot thermometer_plot(const RbmFlowResults& r) {
  report::LinePlot plot;
  plot.title = "T after " + std::to_string(r.steps) + " " + analysis::to_string(r.step) +
               " steps (L = " + std::to_string(r.L) + ")";
  plot.x_label = "starting temperature T0";
  plot.y_label = "T after the last step";
  for (const auto& [t, fp] : r.fixed_points) {
    report::Series s;
    s.label = thermometer_label(t);
    for (std::size_t i = 0; i < r.flows.size(); ++i) {
      const mc::Estimate T = r.flows[i].points.back().T(t);
      if (!(std::isfinite(T.value) && std::isfinite(T.error))) continue;
      s.x.push_back(r.starts[i]);
      s.y.push_back(T.value);
      s.y_error.push_back(T.error);
    }
    plot.series.push_back(std::move(s));
  }
  add_reference_lines(plot, r, *std::min_element(r.starts.begin(), r.starts.end()),
                      *std::max_element(r.starts.begin(), r.starts.end()));
  return plot;
}

report::LinePlot energy_distribution_plot(const RbmFlowResults& r, std::size_t i) {
  const analysis::RbmFlow& flow = r.flows.at(i);
  const std::size_t points = flow.points.size();
  if (points == 0 || flow.energies.size() % points != 0 || flow.energies.empty())
    throw ShapeError("energy distributions need the flow's energies (keep_energies)");
  const std::size_t n = flow.energies.size() / points;
  const double N = static_cast<double>(r.L) * r.L;
  const double width = 4 / N;  // bond sums of a square torus change in steps of 4
  report::LinePlot plot;
  plot.title = "Energy along the flow from T0 = " + format_number(r.starts[i]);
  plot.x_label = "energy per spin e";
  plot.y_label = "probability density";
  std::vector<std::size_t> shown{0, 1, 10, points - 1};
  shown.erase(
      std::remove_if(shown.begin(), shown.end(), [&](std::size_t k) { return k >= points; }),
      shown.end());
  shown.erase(std::unique(shown.begin(), shown.end()), shown.end());
  for (const std::size_t k : shown) {
    std::map<long, std::size_t> counts;
    for (std::size_t c = 0; c < n; ++c)
      ++counts[std::lround((flow.energies[k * n + c] + 2) / width)];
    report::Series s;
    s.label = "step " + std::to_string(k);
    for (const auto& [level, count] : counts) {
      s.x.push_back(static_cast<double>(level) * width - 2);
      s.y.push_back(static_cast<double>(count) / (static_cast<double>(n) * width));
    }
    plot.series.push_back(std::move(s));
  }
  return plot;
}

report::LinePlot reference_plot(const mc::ReferenceCurve& curve) {
  report::LinePlot plot;
  plot.title = "Monte Carlo reference curves (L = " + std::to_string(curve.lattice.lx) + ", " +
               std::to_string(curve.samples_per_temperature) + " Wolff samples per T)";
  plot.x_label = "temperature T";
  plot.y_label = "<|m|> and U4";
  report::Series m{"<|m|>", {}, {}, {}}, u{"U4", {}, {}, {}};
  for (const mc::ReferencePoint& p : curve.points) {
    m.x.push_back(p.T);
    m.y.push_back(p.abs_magnetization.value);
    m.y_error.push_back(p.abs_magnetization.error);
    u.x.push_back(p.T);
    u.y.push_back(p.binder_cumulant.value);
    u.y_error.push_back(p.binder_cumulant.error);
  }
  plot.series = {m, u};
  return plot;
}

void write_rbm_flow_report(const std::filesystem::path& html, const RbmFlowResults& r,
                           const nlohmann::json& json) {
  const FigureFolder figures(html);
  report::HtmlReport page;
  page.title = "The RBM flow, read with physical thermometers";
  page.subtitle = "deeprg " + std::string(kVersion) + " · seed " +
                  json.value("seed", nlohmann::json(0)).dump() + " · L = " + std::to_string(r.L) +
                  " · " + std::to_string(r.n_hidden) + " hidden units · " +
                  std::to_string(r.steps) + " " + analysis::to_string(r.step) + " steps";

  report::Section flow{"The flow", {}};
  flow.blocks.push_back(report::Paragraph{
      "An RBM trained on equilibrium configurations of the L x L Ising model from a grid of "
      "temperatures is applied repeatedly to configurations drawn at each starting temperature "
      "T0 (v -> h -> v; Iso, Shiba & Yokoo 2018). After every step the temperature of the "
      "ensemble is read with physical thermometers: the exact finite-lattice energy (Kaufman), "
      "and Monte Carlo reference curves of <|m|> and of the Binder cumulant U4 at the same L. "
      "Error bars are jackknife errors over blocks of the independent configurations."});
  write_line_plot(figures / "flow.png", flow_plot(r));
  flow.blocks.push_back(
      report::Figure{figures / "flow.png",
                     "T_k against the step k by the energy thermometer, one line per start."});
  page.sections.push_back(std::move(flow));

  report::Section fixed{"The fixed point by each thermometer", {}};
  report::Table t{
      "T* = the mean over starts of the last step's T (spread: max - min over "
      "starts), against T_c and the exact specific-heat peak at this L.",
      {"thermometer", "T*", "spread", "starts"},
      {}};
  for (const auto& [th, fp] : r.fixed_points)
    t.rows.push_back({thermometer_label(th), format_estimate(fp.T), format_number(fp.spread),
                      std::to_string(fp.starts)});
  t.rows.push_back({"T_c (infinite lattice)", format_number(ising::kCriticalTemperature), "", ""});
  t.rows.push_back({"C peak (exact, L = " + std::to_string(r.L) + ")",
                    format_number(r.specific_heat_peak_T), "", ""});
  fixed.blocks.push_back(t);
  write_line_plot(figures / "thermometers.png", thermometer_plot(r));
  fixed.blocks.push_back(report::Figure{
      figures / "thermometers.png",
      "The last step's T against the start, by each thermometer. Thermometers that disagree "
      "read an ensemble that is not an equilibrium ensemble at any one temperature."});
  page.sections.push_back(std::move(fixed));

  if (!r.flows.empty() && !r.flows.front().energies.empty()) {
    report::Section energies{"Energy distributions along the flow", {}};
    std::vector<std::size_t> chosen{0, most_critical_start(r), r.flows.size() - 1};
    chosen.erase(std::unique(chosen.begin(), chosen.end()), chosen.end());
    for (const std::size_t i : chosen) {
      const std::string name = "energy-" + std::to_string(i) + ".png";
      write_line_plot(figures / name, energy_distribution_plot(r, i));
      energies.blocks.push_back(report::Figure{
          figures / name, "The energy per spin of the configurations started at T0 = " +
                              format_number(r.starts[i]) + ", after steps 0, 1, 10 and the last."});
    }
    page.sections.push_back(std::move(energies));
  }

  if (r.reference != nullptr) {
    report::Section curves{"Reference curves", {}};
    write_line_plot(figures / "reference.png", reference_plot(*r.reference));
    curves.blocks.push_back(report::Figure{
        figures / "reference.png",
        "<|m|> and U4 of Wolff samples at each temperature of the grid (jackknife errors). A "
        "value is read off a curve by a weighted quadratic fit to the 4 grid points on each side "
        "of its first crossing; where the curve is flat the reading's error is large."});
    page.sections.push_back(std::move(curves));
  }

  report::Section per_start{"Per start", {}};
  report::Table starts{
      "T after steps 1, 10 and the last, per start: the energy thermometer, and "
      "the last step by each thermometer.",
      {"T0", "T_1", "T_10", "T_last (energy)"},
      {}};
  for (std::size_t k = 1; k < r.fixed_points.size(); ++k)
    starts.header.push_back("T_last (" + to_string(r.fixed_points[k].first) + ")");
  for (std::size_t i = 0; i < r.flows.size(); ++i) {
    const auto& points = r.flows[i].points;
    const auto at = [&](std::size_t k) {
      return k < points.size() ? format_estimate(points[k].T(analysis::Thermometer::energy))
                               : std::string("–");
    };
    std::vector<std::string> row{format_number(r.starts[i]), at(1), at(10),
                                 format_estimate(points.back().T(analysis::Thermometer::energy))};
    for (std::size_t k = 1; k < r.fixed_points.size(); ++k)
      row.push_back(format_estimate(points.back().T(r.fixed_points[k].first)));
    starts.rows.push_back(std::move(row));
  }
  per_start.blocks.push_back(starts);
  page.sections.push_back(std::move(per_start));

  report::Section settings{"Settings", {}};
  settings.blocks.push_back(report::Paragraph{
      "The run's settings as `deeprg rbm-flow --json` records them (the per-step results and "
      "the reference curve are in that output)."});
  nlohmann::json shown = json;
  for (const char* bulky : {"starts", "reference_curve"}) shown.erase(bulky);
  settings.blocks.push_back(report::Code{shown.dump(2)});
  page.sections.push_back(std::move(settings));
  report::write_html_report(html, page);
}

}  // namespace deeprg::cli
