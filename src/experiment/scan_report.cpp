// What a scan shows: its table as text, the figures and the page (scan.hpp).
#include <algorithm>
#include <cmath>
#include <map>
#include <optional>

#include "deeprg/core/error.hpp"
#include "deeprg/experiment/scan.hpp"
#include "deeprg/ising/model.hpp"
#include "deeprg/mc/statistics.hpp"
#include "deeprg/report/html_report.hpp"
#include "deeprg/report/line_plot.hpp"
#include "deeprg/version.hpp"
#include "scan_point.hpp"
#include "text.hpp"

namespace deeprg::experiment {

namespace {

namespace fs = std::filesystem;
using detail::estimate;
using detail::general;
using detail::number;
using detail::observable;
using detail::xi_over_l;

// The exponents of the 2D Ising critical point (Onsager 1944; Yang 1952).
constexpr double kExactYt = 1.0, kExactYh = 15.0 / 8.0;

std::vector<const nlohmann::json*> finished(const nlohmann::json& document) {
  std::vector<const nlohmann::json*> out;
  for (const auto& p : document.at("points"))
    if (p.value("status", "") == "ok") out.push_back(&p);
  return out;
}

// The point's deepest MCRG level: the one nearest the fixed point; null when there is none.
const nlohmann::json& deepest_mcrg(const nlohmann::json& point) {
  static const nlohmann::json none;
  const auto& m = point.at("mcrg");
  return m.is_array() && !m.empty() ? m.back() : none;
}

std::string cell(const mc::Estimate& e) {
  return std::isfinite(e.value) ? mc::format_estimate(e.value, e.error) : "–";
}

std::vector<std::vector<std::string>> point_rows(const nlohmann::json& document) {
  std::vector<std::vector<std::string>> rows{
      {"L", "T", "E/N", "E/N exact", "|m|", "χ", "C", "C exact", "U4", "ξ/L", "y_t", "y_h"}};
  for (const auto& p : document.at("points")) {
    if (p.value("status", "") != "ok") {
      rows.push_back(
          {p.at("name").get<std::string>(), "failed", "", "", "", "", "", "", "", "", "", ""});
      continue;
    }
    const auto& o = p.at("observables");
    const auto& exact = p.at("exact");
    const auto& y = deepest_mcrg(p);
    const auto exact_value = [&](const char* key) {
      return exact.is_object() ? general(number(exact, key), 6) : "–";
    };
    rows.push_back({std::to_string(p.at("L").get<int>()),
                    mc::format_number(p.at("T").get<double>()), estimate(o, "energy_per_spin"),
                    exact_value("energy_per_spin"), estimate(o, "abs_magnetization"),
                    estimate(o, "susceptibility"), estimate(o, "specific_heat"),
                    exact_value("specific_heat_per_spin"), estimate(o, "binder_cumulant"),
                    cell(xi_over_l(p)), y.is_null() ? "–" : estimate(y, "y_t"),
                    y.is_null() ? "–" : estimate(y, "y_h")});
  }
  return rows;
}

// Points by lattice size, each size's in increasing T.
std::map<int, std::vector<const nlohmann::json*>> by_size(const nlohmann::json& document) {
  std::map<int, std::vector<const nlohmann::json*>> out;
  for (const nlohmann::json* p : finished(document)) out[p->at("L").get<int>()].push_back(p);
  for (auto& [L, points] : out)
    std::sort(points.begin(), points.end(), [](const auto* a, const auto* b) {
      return a->at("T").template get<double>() < b->at("T").template get<double>();
    });
  return out;
}

struct Quantity {
  const char* file;
  const char* axis;
  mc::Estimate (*get)(const nlohmann::json& point);
  const char* exact_key;  ///< finite-lattice exact value in the point's "exact", or null
};

const Quantity kQuantities[] = {
    {"energy", "energy per spin E/N",
     [](const nlohmann::json& p) { return observable(p, "energy_per_spin"); }, "energy_per_spin"},
    {"abs_magnetization", "magnetization ⟨|m|⟩",
     [](const nlohmann::json& p) { return observable(p, "abs_magnetization"); }, nullptr},
    {"susceptibility", "susceptibility χ = N(⟨m²⟩ − ⟨|m|⟩²)/T",
     [](const nlohmann::json& p) { return observable(p, "susceptibility"); }, nullptr},
    {"specific_heat", "specific heat C per spin",
     [](const nlohmann::json& p) { return observable(p, "specific_heat"); },
     "specific_heat_per_spin"},
    {"binder_cumulant", "Binder cumulant U₄ = 1 − ⟨m⁴⟩/3⟨m²⟩²",
     [](const nlohmann::json& p) { return observable(p, "binder_cumulant"); }, nullptr},
    {"correlation_length_over_L", "second-moment correlation length ξ / L", xi_over_l, nullptr},
};

report::Figure observable_figure(const fs::path& figures, const nlohmann::json& document,
                                 const Quantity& q) {
  report::LinePlot plot;
  plot.title = std::string(q.axis) + " against T";
  plot.x_label = "temperature T (J = 1; T_c = 2.269)";
  plot.y_label = q.axis;
  for (const auto& [L, points] : by_size(document)) {
    report::Series s{"L = " + std::to_string(L), {}, {}, {}};
    report::Series exact{"exact, L = " + std::to_string(L), {}, {}, {}};
    for (const nlohmann::json* p : points) {
      const mc::Estimate e = q.get(*p);
      s.x.push_back(p->at("T").get<double>());
      s.y.push_back(e.value);
      s.y_error.push_back(e.error);
      if (q.exact_key && p->at("exact").is_object()) {
        exact.x.push_back(p->at("T").get<double>());
        exact.y.push_back(number(p->at("exact"), q.exact_key));
      }
    }
    plot.series.push_back(std::move(s));
    if (!exact.x.empty()) plot.series.push_back(std::move(exact));
  }
  const fs::path png = figures / (std::string(q.file) + ".png");
  report::write_line_plot(png, plot);
  return {png, std::string(q.axis) + " against the temperature, one line per lattice size, " +
                   "with jackknife error bars" +
                   (q.exact_key ? "; the exact values of the finite lattice (Kaufman 1949) beside "
                                  "them"
                                : "") +
                   "."};
}

// The nearest-neighbour correlation along the block-spin flow, one line per temperature, at the
// largest lattice that has a flow.
std::optional<report::Figure> flow_figure(const fs::path& figures, const nlohmann::json& document,
                                          int b) {
  const auto sizes = by_size(document);
  for (auto it = sizes.rbegin(); it != sizes.rend(); ++it) {
    report::LinePlot plot;
    plot.title = "Block-spin flow at L = " + std::to_string(it->first) +
                 " (majority rule, b = " + std::to_string(b) + ")";
    plot.x_label = "RG level n (lattice side L/bⁿ)";
    plot.y_label = "nearest-neighbour correlation ⟨s_i s_j⟩";
    plot.x_tick = 1;
    for (const nlohmann::json* p : it->second) {
      if (!p->at("flow").is_array()) continue;
      report::Series s{"T = " + mc::format_number(p->at("T").get<double>()), {}, {}, {}};
      for (const auto& level : p->at("flow")) {
        s.x.push_back(level.at("level").get<double>());
        s.y.push_back(number(level, "nn_correlation"));
        s.y_error.push_back(number(level, "nn_correlation_error"));
      }
      plot.series.push_back(std::move(s));
    }
    if (plot.series.empty()) continue;
    const fs::path png = figures / "flow.png";
    report::write_line_plot(png, plot);
    return report::Figure{
        png,
        "The RG flow over temperatures: the nearest-neighbour correlation of the block spins "
        "at every coarse-graining level of L = " +
            std::to_string(it->first) +
            ". Below T_c it runs to the ordered fixed point (1), above T_c to the disordered "
            "one (0); near T_c it stays roughly put."};
  }
  return std::nullopt;
}

// y_t or y_h of the deepest MCRG level: against L, one line per temperature, when the scan has
// several sizes; else against T.
std::optional<report::Figure> mcrg_figure(const fs::path& figures, const nlohmann::json& document,
                                          const char* key, double exact) {
  const auto sizes = by_size(document);
  report::LinePlot plot;
  plot.y_label = std::string(key) + " at the deepest MCRG level";
  const bool against_l = sizes.size() > 1;
  std::map<double, report::Series> lines;  // by T when against L
  for (const auto& [L, points] : sizes)
    for (const nlohmann::json* p : points) {
      const auto& y = deepest_mcrg(*p);
      if (y.is_null()) continue;
      const double T = p->at("T").get<double>();
      report::Series& s = lines[against_l ? T : L];
      s.label = against_l ? "T = " + mc::format_number(T) : "L = " + std::to_string(L);
      s.x.push_back(against_l ? L : T);
      s.y.push_back(number(y, key));
      s.y_error.push_back(number(y, (std::string(key) + "_error").c_str()));
    }
  if (lines.empty()) return std::nullopt;
  double lo = INFINITY, hi = -INFINITY;
  for (auto& [k, s] : lines) {
    lo = std::min(lo, *std::min_element(s.x.begin(), s.x.end()));
    hi = std::max(hi, *std::max_element(s.x.begin(), s.x.end()));
    plot.series.push_back(std::move(s));
  }
  plot.series.push_back({"exact at T_c", {lo, hi}, {exact, exact}, {}});
  plot.title = std::string("MCRG exponent ") + key + (against_l ? " against L" : " against T");
  plot.x_label = against_l ? "lattice side L" : "temperature T (J = 1; T_c = 2.269)";
  const fs::path png = figures / ("mcrg_" + std::string(key) + ".png");
  report::write_line_plot(png, plot);
  return report::Figure{
      png, std::string("The MCRG exponent ") + key +
               " (Swendsen 1979; majority rule) from the deepest coarse-graining step of each "
               "point, with jackknife error bars" +
               (against_l ? ", against the lattice side, one line per temperature" : "") +
               ". At T_c it tends to the exact " + general(exact, 4) +
               " as the step moves deeper; away from T_c it has no meaning as an exponent."};
}

// The crossings against 1/L of the pair's smaller size, one line per quantity, beside the exact
// T_c: how the finite-size estimates approach it.
// How the page and the text name a crossing's quantity.
std::string crossing_label(const nlohmann::json& crossing) {
  return crossing.at("quantity") == "binder_cumulant" ? "U4" : "ξ/L";
}

std::optional<report::Figure> crossing_figure(const fs::path& figures,
                                              const nlohmann::json& document) {
  std::map<std::string, report::Series> lines;
  double lo = INFINITY, hi = -INFINITY;
  for (const auto& c : document.value("crossings", nlohmann::json::array())) {
    report::Series& s = lines[crossing_label(c)];
    s.label = crossing_label(c);
    const double x = 1.0 / c.at("L")[0].get<double>();
    s.x.push_back(x);
    s.y.push_back(number(c, "T"));
    s.y_error.push_back(number(c, "T_error"));
    lo = std::min(lo, x);
    hi = std::max(hi, x);
  }
  if (lines.empty()) return std::nullopt;
  report::LinePlot plot;
  plot.title = "Crossings of consecutive sizes' curves";
  plot.x_label = "1/L of the smaller size";
  plot.y_label = "crossing temperature";
  for (auto& [name, s] : lines) plot.series.push_back(std::move(s));
  plot.series.push_back(
      {"exact T_c", {lo, hi}, {ising::kCriticalTemperature, ising::kCriticalTemperature}, {}});
  const fs::path png = figures / "crossings.png";
  report::write_line_plot(png, plot);
  return report::Figure{
      png,
      "Where the curves of U4 and of ξ/L for consecutive sizes cross, with propagated errors, "
      "against the inverse of the smaller size: finite-size estimates of T_c that approach "
      "the exact value as 1/L → 0."};
}

std::vector<std::vector<std::string>> crossing_rows(const nlohmann::json& document) {
  std::vector<std::vector<std::string>> rows{
      {"quantity", "sizes", "T crossing", "between", "(T − T_c)/error"}};
  for (const auto& c : document.value("crossings", nlohmann::json::array())) {
    const auto L = c.at("L");
    const auto between = c.at("between");
    const double T = number(c, "T"), error = number(c, "T_error");
    rows.push_back({crossing_label(c),
                    std::to_string(L[0].get<int>()) + "/" + std::to_string(L[1].get<int>()),
                    cell({T, error}),
                    general(between[0].get<double>()) + "–" + general(between[1].get<double>()),
                    general((T - ising::kCriticalTemperature) / error, 3)});
  }
  return rows;
}

}  // namespace

std::string scan_table(const nlohmann::json& document) {
  return detail::text_table(point_rows(document));
}

std::string crossing_table(const nlohmann::json& document) {
  const auto rows = crossing_rows(document);
  return rows.size() > 1 ? detail::text_table(rows) : "";
}

void write_scan_report(const fs::path& directory, const nlohmann::json& document,
                       const nlohmann::json& execution) {
  const fs::path figures = directory / "scan-figures";
  std::error_code ec;
  fs::create_directories(figures, ec);
  if (ec) throw IoError(figures.string() + ": cannot create (" + ec.message() + ")");
  const auto& settings = document.at("settings");
  const int b = settings.at("b").get<int>();

  std::vector<report::Block> observables;
  auto rows = point_rows(document);
  const std::vector<std::string> header = rows.front();
  rows.erase(rows.begin());
  observables.push_back(report::Table{
      "Every point: observables with jackknife errors beside the exact values of the finite "
      "lattice, and the MCRG exponents of the deepest step",
      header, rows});
  if (!finished(document).empty())
    for (const Quantity& q : kQuantities)
      observables.push_back(observable_figure(figures, document, q));

  std::vector<report::Block> rg;
  if (const auto f = flow_figure(figures, document, b)) rg.push_back(*f);
  if (const auto f = mcrg_figure(figures, document, "y_t", kExactYt)) rg.push_back(*f);
  if (const auto f = mcrg_figure(figures, document, "y_h", kExactYh)) rg.push_back(*f);
  if (auto crossings = crossing_rows(document); crossings.size() > 1) {
    const std::vector<std::string> header = crossings.front();
    crossings.erase(crossings.begin());
    rg.push_back(report::Table{
        "Where the curves of U4 and of ξ/L for consecutive sizes cross (linear interpolation "
        "between the two temperatures named; error propagated from the four points): "
        "finite-size estimates of T_c = " +
            general(ising::kCriticalTemperature, 7) +
            ", which they approach as L grows (corrections to scaling). Near T_c, noise can "
            "make the curves cross more than once.",
        header, crossings});
    if (const auto f = crossing_figure(figures, document)) rg.push_back(*f);
  }

  report::Table points{"Points: each a directory beside this page",
                       {"point", "seed", "status", "rank", "seconds", "error"},
                       {}};
  for (const auto& m : execution.at("members"))
    points.rows.push_back(
        {m.at("name").get<std::string>(), std::to_string(m.at("seed").get<std::uint64_t>()),
         m.at("status").get<std::string>(), std::to_string(m.at("rank").get<int>()),
         general(m.at("seconds").get<double>(), 3), m.value("error", "")});
  const std::size_t total = document.at("points").size(), done = finished(document).size();

  report::HtmlReport page;
  page.title = "deeprg scan: the 2D Ising model over sizes and temperatures";
  page.subtitle = "deeprg " + std::string(kVersion) + " · seed " +
                  std::to_string(settings.at("seed").get<std::uint64_t>()) + " · " +
                  std::to_string(total) + " points";
  page.sections.push_back(
      {"Points",
       {report::Paragraph{
            std::to_string(done) + " of " + std::to_string(total) + " points finished; " +
            std::to_string(settings.at("samples").get<std::size_t>()) +
            " samples per point; this execution ran on " +
            std::to_string(execution.value("ranks", 1)) + " rank(s) in " +
            general(execution.value("seconds", 0.0), 3) +
            " s. Each point's samples, sampler record and numbers are in its directory."},
        points}});
  page.sections.push_back({"Observables", observables});
  if (!rg.empty()) page.sections.push_back({"Renormalization group", rg});
  page.sections.push_back({"Settings", {report::Code{settings.dump(2)}}});
  report::write_html_report(directory / "scan.html", page);
}

}  // namespace deeprg::experiment
