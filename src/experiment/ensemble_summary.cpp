#include "deeprg/experiment/ensemble_summary.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>
#include <tuple>

#include "deeprg/core/error.hpp"
#include "deeprg/io/atomic_file.hpp"
#include "deeprg/mc/statistics.hpp"
#include "deeprg/report/html_report.hpp"
#include "deeprg/report/line_plot.hpp"
#include "deeprg/version.hpp"
#include "text.hpp"

namespace deeprg::experiment {

namespace {

namespace fs = std::filesystem;
using detail::general;
using detail::number;

// Top-level keys of analysis.json that describe a run rather than measure it, or time it.
const std::set<std::string> kNotMeasured = {"config",         "seed", "preset",
                                            "deeprg_version", "blas", "stage_seconds"};

// Headline quantities, as JSON pointers with '*' for any index.
const std::vector<std::string> kHeadline = {"/layers/*/receptive_field_radius_median",
                                            "/layers/*/median_radius_over_block",
                                            "/layers/*/block_overlap/best_per_block",
                                            "/receptive_field_growth/*/median_radius_ratio",
                                            "/receptive_field_growth/*/block_radius_ratio",
                                            "/mcrg/network/*/y_t",
                                            "/mcrg/majority/*/y_t",
                                            "/mcrg/network/*/y_h",
                                            "/mcrg/majority/*/y_h",
                                            "/claims/*/holds"};

struct Values {
  std::vector<double> numbers;
  std::size_t trues = 0, booleans = 0;
};

// A wall time, wherever it is recorded ("seconds", "stage_seconds"): it measures the machine.
bool is_timing(const std::string& key) {
  const std::string suffix = "_seconds";
  return key == "seconds" || (key.size() > suffix.size() &&
                              key.compare(key.size() - suffix.size(), suffix.size(), suffix) == 0);
}

// A key as a JSON pointer's reference token (RFC 6901): '~' as "~0", '/' as "~1".
std::string escaped(const std::string& key) {
  std::string out;
  for (const char c : key) out += c == '~' ? "~0" : c == '/' ? "~1" : std::string(1, c);
  return out;
}

void collect(const nlohmann::json& j, const std::string& pointer,
             std::map<std::string, Values>& out) {
  if (j.is_object()) {
    for (const auto& [key, value] : j.items())
      if ((!pointer.empty() || !kNotMeasured.count(key)) && !is_timing(key))
        collect(value, pointer + "/" + escaped(key), out);
  } else if (j.is_array()) {
    for (std::size_t i = 0; i < j.size(); ++i)
      collect(j[i], pointer + "/" + std::to_string(i), out);
  } else if (j.is_boolean()) {
    auto& v = out[pointer];
    ++v.booleans;
    v.trues += j.get<bool>() ? 1 : 0;
  } else if (j.is_number()) {
    out[pointer].numbers.push_back(j.get<double>());
  } else if (j.is_null()) {
    out[pointer];  // undefined here: counted as missing
  }
}

// The pointer with every index replaced by '*'.
std::string pattern(const std::string& pointer) {
  std::string out;
  std::size_t i = 0;
  while (i < pointer.size()) {
    const std::size_t next = pointer.find('/', i + 1);
    const std::string part = pointer.substr(i + 1, next == std::string::npos ? next : next - i - 1);
    const bool index = !part.empty() && part.find_first_not_of("0123456789") == std::string::npos;
    out += "/" + (index ? std::string("*") : part);
    if (next == std::string::npos) break;
    i = next;
  }
  return out;
}

// One row of a statistics table: quantity, n, mean ± stderr, std, min, max.
std::vector<std::string> statistic_row(const std::string& label, const nlohmann::json& s) {
  const auto n = s.value("n", 0);
  if (s.contains("true"))
    return {label,
            std::to_string(n),
            std::to_string(s["true"].get<int>()) + " of " + std::to_string(n) + " hold",
            "",
            "",
            ""};
  if (n == 0)
    return {label, "0", "undefined in all " + std::to_string(s.value("missing", 0)), "", "", ""};
  return {label,
          std::to_string(n),
          mc::format_estimate(number(s, "mean"), number(s, "stderr")),
          general(number(s, "std"), 4),
          general(number(s, "min"), 4),
          general(number(s, "max"), 4)};
}

const std::vector<std::string> kStatisticHeader = {"quantity", "n",   "mean ± standard error",
                                                   "std",      "min", "max"};

// A label for a headline pointer: claims by their id.
std::string label(const std::string& pointer, const nlohmann::json& document) {
  if (pattern(pointer) == "/claims/*/holds") {
    const std::size_t k = std::stoul(pointer.substr(8));
    const auto& claims = document.value("claims", nlohmann::json::array());
    if (k < claims.size()) return "claim '" + claims[k].value("id", "") + "' holds";
  }
  return pointer.substr(1);
}

// The headline rows of one set of statistics (the whole ensemble's, or one sweep value's).
std::vector<std::vector<std::string>> headline_rows(const nlohmann::json& statistics,
                                                    const nlohmann::json& document) {
  std::vector<std::vector<std::string>> rows;
  for (const std::string& wanted : kHeadline)
    for (const auto& [pointer, s] : statistics.items())
      if (pattern(pointer) == wanted) rows.push_back(statistic_row(label(pointer, document), s));
  return rows;
}

// (title, statistics, members that succeeded) of each set the ensemble summarises: the whole
// ensemble, or each value of a sweep.
std::vector<std::tuple<std::string, nlohmann::json, int>> statistic_sets(
    const nlohmann::json& document) {
  std::vector<std::tuple<std::string, nlohmann::json, int>> sets;
  if (document.contains("groups"))
    for (const auto& g : document["groups"])
      sets.emplace_back(g.at("value").get<std::string>(), g.at("statistics"),
                        g.value("succeeded", 0));
  else
    sets.emplace_back("", document.at("statistics"), document.value("succeeded", 0));
  return sets;
}

std::string text_table(std::vector<std::vector<std::string>> rows) {
  rows.insert(rows.begin(), kStatisticHeader);
  return detail::text_table(rows);
}

}  // namespace

nlohmann::json ensemble_statistics(const std::vector<nlohmann::json>& analyses) {
  std::map<std::string, Values> values;
  for (const auto& a : analyses) collect(a, "", values);
  nlohmann::json out = nlohmann::json::object();
  const std::size_t members = analyses.size();
  for (const auto& [pointer, v] : values) {
    if (v.booleans > 0 && v.numbers.empty()) {
      out[pointer] = {{"n", v.booleans}, {"true", v.trues}, {"missing", members - v.booleans}};
      continue;
    }
    const std::size_t n = v.numbers.size();
    nlohmann::json s{{"n", n}, {"missing", members - n}};
    if (n > 0) {
      double sum = 0, lo = v.numbers[0], hi = v.numbers[0];
      for (const double x : v.numbers) {
        sum += x;
        lo = std::min(lo, x);
        hi = std::max(hi, x);
      }
      const double mean = sum / static_cast<double>(n);
      double squares = 0;
      for (const double x : v.numbers) squares += (x - mean) * (x - mean);
      const double sd = n > 1 ? std::sqrt(squares / static_cast<double>(n - 1)) : 0.0;
      s["mean"] = mean;
      s["std"] = sd;
      s["stderr"] = sd / std::sqrt(static_cast<double>(n));
      s["min"] = lo;
      s["max"] = hi;
    }
    out[pointer] = s;
  }
  return out;
}

nlohmann::json sweep_json(const Sweep& sweep) {
  if (sweep.key.empty()) return nullptr;
  return {{"key", sweep.key}, {"values", sweep.values}};
}

nlohmann::json recorded_config(const EnsembleOptions& options) {
  nlohmann::json config = to_json(options.base);
  // Each member has its own seed (and value of a swept key), and the thread count never
  // changes a result.
  config["run"].erase("seed");
  config["run"].erase("threads");
  const std::string& key = options.sweep.key;
  if (const auto dot = key.find('.'); dot != std::string::npos) {
    const std::string section = key.substr(0, dot);
    if (config.contains(section)) config[section].erase(key.substr(dot + 1));
  }
  return config;
}

nlohmann::json ensemble_document(const EnsembleOptions& options,
                                 const std::vector<MemberOutcome>& members) {
  const nlohmann::json config = recorded_config(options);
  nlohmann::json seeds = nlohmann::json::array(), list = nlohmann::json::array(),
                 failed = nlohmann::json::array();
  std::vector<nlohmann::json> analyses;
  nlohmann::json claims = nlohmann::json::array();
  for (const MemberOutcome& m : members) {
    seeds.push_back(m.seed);
    nlohmann::json entry{{"name", m.name}, {"seed", m.seed}};
    if (m.status == MemberOutcome::Status::failed) {
      entry["status"] = "failed";
      entry["error"] = m.error;
      failed.push_back(entry);
    } else {
      entry["status"] = "ok";
      analyses.push_back(m.analysis);
      if (claims.empty() && m.analysis.contains("claims"))
        for (const auto& c : m.analysis["claims"])
          claims.push_back({{"id", c.value("id", "")}, {"claim", c.value("claim", "")}});
    }
    list.push_back(entry);
  }
  nlohmann::json statistics = ensemble_statistics(analyses);
  for (std::size_t k = 0; k < claims.size(); ++k) {
    const std::string pointer = "/claims/" + std::to_string(k) + "/holds";
    if (statistics.contains(pointer)) {
      claims[k]["holds_in"] = statistics[pointer].value("true", 0);
      claims[k]["decided_in"] = statistics[pointer].value("n", 0);
    }
  }
  nlohmann::json document{{"deeprg_version", kVersion},
                          {"command", "deeprg run --seeds"},
                          {"preset", options.preset},
                          {"config", config},
                          {"seeds", seeds},
                          {"members", list},
                          {"succeeded", analyses.size()},
                          {"failed", failed},
                          {"claims", claims}};
  if (options.sweep.key.empty()) {
    document["statistics"] = statistics;
    return document;
  }
  // A sweep: the seeds' statistics per value; over all values they would mix what the sweep
  // varies. (The seeds are each value's: the list above repeats them per value.)
  document["command"] = "deeprg run --seeds --sweep";
  document["sweep"] = sweep_json(options.sweep);
  nlohmann::json groups = nlohmann::json::array();
  for (const std::string& value : options.sweep.values) {
    const std::string group = options.sweep.key + "=" + value;
    std::vector<nlohmann::json> own;
    for (const MemberOutcome& m : members)
      if (m.group == group && m.status != MemberOutcome::Status::failed) own.push_back(m.analysis);
    groups.push_back(
        {{"value", group}, {"succeeded", own.size()}, {"statistics", ensemble_statistics(own)}});
  }
  document["groups"] = groups;
  return document;
}

nlohmann::json execution_document(const std::vector<MemberOutcome>& members, int ranks,
                                  double seconds) {
  nlohmann::json list = nlohmann::json::array();
  std::size_t ran = 0;
  for (const MemberOutcome& m : members) {
    nlohmann::json entry{{"name", m.name},
                         {"seed", m.seed},
                         {"rank", m.rank},
                         {"status", to_string(m.status)},
                         {"seconds", m.seconds}};
    if (!m.error.empty()) entry["error"] = m.error;
    list.push_back(entry);
    ran += m.status == MemberOutcome::Status::ran ? 1 : 0;
  }
  return {{"deeprg_version", kVersion},
          {"ranks", ranks},
          {"seconds", seconds},
          {"members_run", ran},
          {"members_per_hour", ran > 0 && seconds > 0
                                   ? nlohmann::json(3600.0 * static_cast<double>(ran) / seconds)
                                   : nlohmann::json(nullptr)},
          {"members", list}};
}

std::string headline_table(const nlohmann::json& document) {
  std::string out;
  for (const auto& [title, statistics, succeeded] : statistic_sets(document)) {
    if (!title.empty()) out += "\n" + title + " (" + std::to_string(succeeded) + " members):\n";
    out += text_table(headline_rows(statistics, document));
  }
  return out;
}

void write_ensemble_outputs(const fs::path& directory, const nlohmann::json& document,
                            const nlohmann::json& execution,
                            const std::vector<MemberOutcome>& members) {
  const fs::path figures = directory / "ensemble-figures";
  std::error_code ec;
  fs::create_directories(figures, ec);
  if (ec) throw IoError(figures.string() + ": cannot create (" + ec.message() + ")");
  const auto sets = statistic_sets(document);
  const bool sweep = document.contains("groups");
  auto stat = [](const nlohmann::json& stats, const std::string& pointer, const char* what) {
    return stats.contains(pointer) ? number(stats[pointer], what) : std::nan("");
  };
  std::size_t layers = 0;
  for (const auto& [title, stats, succeeded] : sets)
    while (stats.contains("/layers/" + std::to_string(layers) + "/receptive_field_radius_median"))
      ++layers;

  std::vector<report::Block> figure_blocks;
  if (layers > 0) {
    // Per set (the ensemble, or each sweep value): the mean over seeds with their std as bars;
    // for a single set also the smallest and largest seed.
    report::LinePlot spread;
    spread.title = sweep ? "Receptive-field radius per layer, per " +
                               document["sweep"].value("key", std::string()) + " (mean ± std)"
                         : "Receptive-field radius per layer over " +
                               std::to_string(document.value("succeeded", 0)) + " seeds";
    spread.x_label = "layer";
    spread.y_label = "median 80% radius (sites)";
    spread.x_tick = 1;
    report::Series block{"2^l × 2^l block", {}, {}, {}};
    for (const auto& [title, stats, succeeded] : sets) {
      report::Series mean{sweep ? title : "mean over seeds ± std", {}, {}, {}},
          lo{"min over seeds", {}, {}, {}}, hi{"max over seeds", {}, {}, {}};
      for (std::size_t l = 0; l < layers; ++l) {
        const std::string p = "/layers/" + std::to_string(l) + "/";
        const double x = static_cast<double>(l + 1);
        for (auto* series : {&mean, &lo, &hi}) series->x.push_back(x);
        mean.y.push_back(stat(stats, p + "receptive_field_radius_median", "mean"));
        mean.y_error.push_back(stat(stats, p + "receptive_field_radius_median", "std"));
        lo.y.push_back(stat(stats, p + "receptive_field_radius_median", "min"));
        hi.y.push_back(stat(stats, p + "receptive_field_radius_median", "max"));
        if (block.y.size() < layers) {
          block.x.push_back(x);
          block.y.push_back(stat(stats, p + "block_radius", "mean"));
        }
      }
      spread.series.push_back(std::move(mean));
      if (!sweep) spread.series.insert(spread.series.end(), {lo, hi});
    }
    spread.series.push_back(block);
    const fs::path spread_png = figures / "receptive_field_radius.png";
    report::write_line_plot(spread_png, spread);
    figure_blocks.push_back(report::Figure{
        spread_png,
        sweep ? "Median receptive-field radius (the radius holding 80% of Σ r²) per layer: for "
                "each value of the sweep, its mean over the seeds with their standard deviation "
                "as bars, and the radius of the 2^l × 2^l block of the layer's scale."
              : "Median receptive-field radius (the radius holding 80% of Σ r²) per layer: its "
                "mean over the seeds with their standard deviation as bars, the smallest and "
                "largest seed, and the radius of the 2^l × 2^l block of the layer's scale."});

    report::LinePlot each;
    each.title = "Receptive-field radius per layer, each member";
    each.x_label = "layer";
    each.y_label = "median 80% radius (sites)";
    each.x_tick = 1;
    const bool legend = members.size() <= 10;
    for (const MemberOutcome& m : members) {
      if (m.status == MemberOutcome::Status::failed || !m.analysis.contains("layers")) continue;
      report::Series s{legend ? m.name : std::string(), {}, {}, {}};
      for (std::size_t l = 0; l < m.analysis["layers"].size(); ++l) {
        s.x.push_back(static_cast<double>(l + 1));
        s.y.push_back(number(m.analysis["layers"][l], "receptive_field_radius_median"));
      }
      each.series.push_back(std::move(s));
    }
    const fs::path each_png = figures / "receptive_field_radius_seeds.png";
    report::write_line_plot(each_png, each);
    figure_blocks.push_back(
        report::Figure{each_png, "Median receptive-field radius per layer, one line per member."});

    // The growth of the median radius between layers over the members, sorted: the members'
    // empirical quantiles, one line per pair of layers (and sweep value), against the blocks'.
    report::LinePlot growth;
    growth.title = "Growth of the receptive field between layers, over the members";
    growth.x_label = "fraction of the members (sorted by growth)";
    growth.y_label = "median radius of layer l+1 / of layer l";
    std::map<std::pair<std::string, std::size_t>, std::vector<double>> ratios;
    std::map<std::size_t, double> block_ratio;
    for (const MemberOutcome& m : members) {
      if (m.status == MemberOutcome::Status::failed ||
          !m.analysis.contains("receptive_field_growth"))
        continue;
      const auto& g = m.analysis["receptive_field_growth"];
      for (std::size_t t = 0; t < g.size(); ++t) {
        const double r = number(g[t], "median_radius_ratio");
        if (std::isfinite(r)) ratios[{m.group, t}].push_back(r);
        block_ratio[t] = number(g[t], "block_radius_ratio");
      }
    }
    for (auto& [key, values] : ratios) {
      const auto& [group, t] = key;
      std::sort(values.begin(), values.end());
      report::Series s{(group.empty() ? "" : group + ", ") + "layer " + std::to_string(t + 1) +
                           " → " + std::to_string(t + 2),
                       {},
                       values,
                       {}};
      for (std::size_t i = 0; i < values.size(); ++i)
        s.x.push_back((static_cast<double>(i) + 0.5) / static_cast<double>(values.size()));
      growth.series.push_back(std::move(s));
    }
    for (const auto& [t, b] : block_ratio)
      growth.series.push_back(
          {"blocks, layer " + std::to_string(t + 1) + " → " + std::to_string(t + 2),
           {0.0, 1.0},
           {b, b},
           {}});
    if (!ratios.empty()) {
      const fs::path growth_png = figures / "receptive_field_growth.png";
      report::write_line_plot(growth_png, growth);
      figure_blocks.push_back(report::Figure{
          growth_png,
          "The distribution of the receptive field's growth between layers: each member's ratio "
          "of median radii, sorted (the members' empirical quantiles), one line per pair of "
          "layers, beside the growth of the 2^l × 2^l blocks."});
    }
  }

  report::HtmlReport page;
  page.title = sweep ? "deeprg ensemble: Mehta & Schwab's experiment over " +
                           document["sweep"].value("key", std::string()) + " and seeds"
                     : "deeprg ensemble: Mehta & Schwab's experiment over seeds";
  page.subtitle = "deeprg " + std::string(kVersion) + " · preset " + document.value("preset", "") +
                  " · " + std::to_string(document.at("members").size()) + " members";
  report::Table member_table{"Members: each an ordinary run directory beside this page",
                             {"member", "seed", "status", "rank", "seconds", "error"},
                             {}};
  for (const auto& m : execution.at("members"))
    member_table.rows.push_back(
        {m.at("name").get<std::string>(), std::to_string(m.at("seed").get<std::uint64_t>()),
         m.at("status").get<std::string>(), std::to_string(m.at("rank").get<int>()),
         general(m.at("seconds").get<double>(), 3), m.value("error", "")});
  const std::size_t failed = document.at("failed").size();
  page.sections.push_back(
      {"Members",
       {report::Paragraph{std::to_string(document.value("succeeded", 0)) + " of " +
                          std::to_string(document.at("members").size()) + " members finished" +
                          (failed ? ", " + std::to_string(failed) + " failed" : std::string()) +
                          "; this execution ran on " + std::to_string(execution.value("ranks", 1)) +
                          " rank(s) in " + general(execution.value("seconds", 0.0), 3) + " s."},
        member_table}});
  report::Section summary{"Summary", {}};
  report::Section every{"Every number", {}};
  for (const auto& [title, stats, succeeded] : sets) {
    const std::string over =
        title.empty() ? "the members" : title + " (" + std::to_string(succeeded) + " members)";
    summary.blocks.push_back(
        report::Table{"Headline numbers over " + over + " (standard error = std / √n)",
                      kStatisticHeader, headline_rows(stats, document)});
    report::Table table{"Every number of analysis.json over " + over, kStatisticHeader, {}};
    for (const auto& [pointer, s] : stats.items())
      table.rows.push_back(statistic_row(pointer.substr(1), s));
    every.blocks.push_back(std::move(table));
  }
  page.sections.push_back(std::move(summary));
  if (!figure_blocks.empty()) page.sections.push_back({"Figures", figure_blocks});
  page.sections.push_back(std::move(every));
  page.sections.push_back({"Configuration", {report::Code{document.at("config").dump(2)}}});
  report::write_html_report(directory / "ensemble.html", page);

  io::write_file_atomic(directory / "ensemble-run.json", execution.dump(2) + "\n");
  // Last: its presence means the ensemble's outputs are all there.
  io::write_file_atomic(directory / "ensemble.json", document.dump(2) + "\n");
}

}  // namespace deeprg::experiment
