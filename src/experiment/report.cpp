// experiment::run, stages 4–5: figures (PNG) and the self-contained report.html.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <map>
#include <string>

#include "deeprg/core/parallel.hpp"
#include "deeprg/experiment/claims.hpp"
#include "deeprg/io/atomic_file.hpp"
#include "deeprg/ising/model.hpp"
#include "deeprg/mc/observables.hpp"
#include "deeprg/report/html_report.hpp"
#include "deeprg/report/image_plot.hpp"
#include "deeprg/report/line_plot.hpp"
#include "deeprg/rg/block_spin.hpp"
#include "deeprg/version.hpp"
#include "stages.hpp"
#include "text.hpp"

namespace deeprg::experiment::detail {

namespace {

namespace fs = std::filesystem;

// Line plots are wider than PLplot's 4:3 default: the legend sits beside the axes.
constexpr int kPlotWidth = 1000;

// The letter of the paper's panel showing layer l's receptive fields (Fig. 4 C, D), or none.
std::string field_figure_name(std::size_t layer) {
  if (layer == 2) return "C_layer2_fields.png";
  if (layer == 3) return "D_layer3_fields.png";
  return "layer" + std::to_string(layer) + "_fields.png";
}

report::ImagePanel lattice_panel(std::string title, int L, std::vector<double> values) {
  return {std::move(title), static_cast<std::size_t>(L), static_cast<std::size_t>(L),
          std::move(values)};
}

// Columns of r(l) for the selected units as L × L panels.
report::ImageGrid field_grid(const ExperimentResult& run, std::size_t layer,
                             const std::string& title) {
  const MatrixD& r = run.analysis.fields[layer - 1];
  const analysis::LayerFields& shapes = run.analysis.layer_fields[layer - 1];
  report::ImageGrid grid;
  grid.title = title;
  grid.colours = report::ColourMap::diverging;
  grid.per_panel_scale = true;
  grid.colour_bar = "value / max |value|";
  const auto units = analysis::units_to_show(shapes, run.config.units_shown);
  grid.columns = std::min<std::size_t>(8, std::max<std::size_t>(1, units.size()));
  for (const std::size_t j : units) {
    std::vector<double> values(r.rows);
    for (std::size_t i = 0; i < r.rows; ++i) values[i] = r(i, j);
    const auto& s = shapes.shapes[j];
    grid.panels.push_back(lattice_panel(
        "unit " + std::to_string(j) + (s.dead ? " (dead)" : ", R = " + fixed(s.radius, 1)),
        run.config.L, std::move(values)));
  }
  return grid;
}

report::Series series(std::string label, std::vector<double> x, std::vector<double> y,
                      std::vector<double> error = {}) {
  return {std::move(label), std::move(x), std::move(y), std::move(error)};
}

// One observable of the data (level 0), the majority-rule blocks and the reconstructions
// against the layer.
report::LinePlot flow_plot(const ExperimentResult& run, const std::string& key,
                           const std::string& title, const std::string& y_label) {
  const nlohmann::json& a = run.analysis.document;
  std::vector<double> layers, majority, majority_err, recon, recon_err, majority_layers;
  for (const auto& layer : a["layers"]) {
    const double l = layer["layer"].get<double>();
    layers.push_back(l);
    recon.push_back(number(layer["reconstruction"], key.c_str()));
    recon_err.push_back(number(layer["reconstruction"], (key + "_error").c_str()));
    if (layer.contains("majority_rule")) {
      majority_layers.push_back(l);
      majority.push_back(number(layer["majority_rule"], key.c_str()));
      majority_err.push_back(number(layer["majority_rule"], (key + "_error").c_str()));
    }
  }
  const nlohmann::json& d = a["data_subset"];
  majority_layers.insert(majority_layers.begin(), 0.0);
  majority.insert(majority.begin(), number(d, key.c_str()));
  majority_err.insert(majority_err.begin(), number(d, (key + "_error").c_str()));
  report::LinePlot plot;
  plot.width = kPlotWidth;
  plot.title = title;
  plot.x_label = "layer l (block level, b = 2^l)";
  plot.y_label = y_label;
  plot.x_tick = 1;
  plot.series.push_back(
      series("majority-rule blocks (level 0 = data)", majority_layers, majority, majority_err));
  plot.series.push_back(series("reconstruction through layer l", layers, recon, recon_err));
  return plot;
}

// K_nnn against K_nn along the flow of each map: the RG flow in the coupling plane.
report::LinePlot coupling_flow_plot(const nlohmann::json& c) {
  report::LinePlot plot;
  plot.width = kPlotWidth;
  plot.title = "Renormalized couplings along the flow (level 0 = data)";
  plot.x_label = "K_nn (nearest neighbours)";
  plot.y_label = "K_nnn (next-nearest neighbours)";
  for (const char* map : {"majority", "network"}) {
    std::vector<double> x, y, e;
    for (const auto& level : c[map]) {
      x.push_back(number(level["couplings"], "nn"));
      y.push_back(number(level["couplings"], "nnn"));
      e.push_back(number(level["errors"], "nnn"));
    }
    plot.series.push_back(
        series(std::string(map) == "majority" ? "majority rule (b = 2)" : "the network's layers", x,
               y, e));
  }
  return plot;
}

// Layers whose middle half of radii spans more than a factor of 2 hold several kinds of unit
// (one-site fields, blobs, a few distant sites): their median sits on whichever kind is the
// larger share, so a growth ratio through them moves from run to run. Says so, or nothing.
std::string spread_note(const std::vector<analysis::LayerFields>& layers) {
  std::string spread;
  for (const auto& f : layers)
    if (f.radius_q75 > 2 * f.radius_q25 && f.dead_units < f.units)
      spread += (spread.empty() ? "" : ", ") + std::string("layer ") + std::to_string(f.layer) +
                " (quartiles " + fixed(f.radius_q25, 2) + " and " + fixed(f.radius_q75, 2) + ")";
  if (spread.empty()) return "";
  return " The radii spread widely in " + spread +
         ": such a layer mixes kinds of unit (see the distribution below), and a growth ratio "
         "through its median changes from seed to seed.";
}

// The paper's four claims next to this run's numbers, and what they say: the report's summary.
report::Table claims_table(const nlohmann::json& analysis) {
  report::Table t{"The paper's claims, measured in this run (details in the sections below)",
                  {"claim (Mehta & Schwab, Fig. 4)", "measured", "reading"},
                  {}};
  for (const Claim& c : claims(analysis)) t.rows.push_back({c.claim, c.measured, c.reading});
  return t;
}

}  // namespace

void figures_stage(const ExperimentResult& run, const RunDirectory& dir) {
  const auto& c = run.config;
  const fs::path figures = dir.figures();
  fs::create_directories(figures);
  const std::size_t n_layers = run.dbn.layers.size();
  const int L = c.L;

  // A: the architecture, with the block-spin scale each layer is compared with.
  std::vector<report::LayerBox> boxes{
      {"visible " + std::to_string(L) + "×" + std::to_string(L), run.samples.lattice.sites()}};
  std::vector<std::string> notes{std::to_string(L) + "×" + std::to_string(L) + " Ising spins"};
  // The levels the analysis compares with majority-rule blocks.
  const int levels = rg::max_block_levels(run.samples.lattice, 2);
  for (std::size_t l = 1; l <= n_layers; ++l) {
    boxes.push_back({"hidden " + std::to_string(l), run.dbn.layers[l - 1].n_hidden()});
    const int b = static_cast<int>(l) <= levels ? 1 << l : 0;
    notes.push_back(b > 0 ? "cf. " + std::to_string(b) + "×" + std::to_string(b) + " blocks (" +
                                std::to_string(L / b) + "×" + std::to_string(L / b) + ")"
                          : "");
  }
  report::write_architecture(figures / "A_architecture.png",
                             "Fig. 4A: deep belief network (stacked RBMs)", boxes, notes);

  // B: first-layer weights; C, D, …: effective receptive fields of deeper layers.
  report::write_image_grid(
      figures / "B_layer1_weights.png",
      field_grid(run, 1, "Fig. 4B: first-layer weights W(1) of hidden units, on the lattice"));
  for (std::size_t l = 2; l <= n_layers; ++l)
    report::write_image_grid(
        figures / field_figure_name(l),
        field_grid(run, l,
                   "Receptive fields r(" + std::to_string(l) + ") = r(" + std::to_string(l - 1) +
                       ")·W(" + std::to_string(l) + ") of layer " + std::to_string(l)));

  // E: samples and their reconstructions through each layer.
  report::ImageGrid e;
  e.title = "Fig. 4E: data samples and their reconstructions through each layer";
  e.colours = report::ColourMap::grey;
  const bool spin = run.dbn.layers.front().visible == rbm::Units::spin;
  e.low = spin ? -1 : 0;
  e.high = 1;
  e.colour_bar = spin ? "⟨s⟩" : "P(s = +1)";
  e.columns = n_layers + 1;
  const std::size_t shown =
      run.analysis.reconstructions.empty() ? 0 : run.analysis.reconstructions[0].size();
  for (std::size_t k = 0; k < shown; ++k) {
    e.row_labels.push_back("sample " + std::to_string(k + 1));
    for (std::size_t l = 0; l <= n_layers; ++l) {
      const auto& r = run.analysis.reconstructions[l][k];
      e.panels.push_back(lattice_panel(l == 0 ? "data" : "from layer " + std::to_string(l), L,
                                       std::vector<double>(r.begin(), r.end())));
    }
  }
  if (shown > 0) report::write_image_grid(figures / "E_reconstructions.png", e);

  // Training curves: reconstruction error per epoch, one line per layer.
  report::LinePlot training;
  training.width = kPlotWidth;
  training.title = "Training: reconstruction error per epoch";
  training.x_label = "epoch";
  training.y_label = "mean squared error";
  for (std::size_t l = 1; l <= n_layers; ++l) {
    std::vector<double> x, y;
    for (const auto& m : run.metrics)
      if (m["layer"].get<std::size_t>() == l) {
        x.push_back(m["epoch"].get<double>());
        y.push_back(number(m, "reconstruction_error"));
      }
    training.series.push_back(series("layer " + std::to_string(l), x, y));
  }
  report::write_line_plot(figures / "training.png", training);

  // The data against the exact solution: the distribution of the energy per spin.
  {
    const std::size_t n = run.samples.count;
    const std::size_t n_sites = run.samples.lattice.sites();
    std::vector<double> e_values(n);
    for (std::size_t i = 0; i < n; ++i)
      e_values[i] = mc::energy_per_spin(run.model, run.samples.sample(i));
    const auto [lo_it, hi_it] = std::minmax_element(e_values.begin(), e_values.end());
    // On the periodic square lattice e = H/N moves in steps of 4J/N (unsatisfied bonds come in
    // pairs): bins hold a whole number of levels each, centred between levels, so the
    // histogram does not alias into a comb.
    const double level = 4.0 * run.model.J / static_cast<double>(n_sites);
    const double levels_per_bin = std::max(1.0, std::ceil((*hi_it - *lo_it) / level / 40.0));
    const double width = levels_per_bin * level;
    const double lo = *lo_it - 0.5 * level;
    const int bins = std::max(1, static_cast<int>(std::ceil((*hi_it - lo) / width + 1e-9)));
    std::vector<double> x(bins), density(bins, 0.0);
    for (int b = 0; b < bins; ++b) x[b] = lo + (b + 0.5) * width;
    for (const double v : e_values)
      density[std::min(bins - 1, static_cast<int>((v - lo) / width))] +=
          1.0 / (static_cast<double>(n) * width);
    const double peak = *std::max_element(density.begin(), density.end());
    report::LinePlot plot;
    plot.width = kPlotWidth;
    plot.title = "Data: energy per spin of the samples against the exact values";
    plot.x_label = "energy per spin e = H/N";
    plot.y_label = "probability density";
    plot.series.push_back(series("samples (histogram)", x, density));
    const nlohmann::json& exact = run.analysis.document["data"]["exact"];
    const double kaufman = number(exact, "energy_per_spin");
    const double mean = number(run.analysis.document["data"], "energy_per_spin");
    plot.series.push_back(series("sample mean", {mean, mean}, {0, peak}));
    plot.series.push_back(
        series("exact ⟨e⟩, " + std::to_string(L) + "×" + std::to_string(L) + " torus (Kaufman)",
               {kaufman, kaufman}, {0, peak}));
    if (exact.contains("infinite_lattice")) {
      const double onsager = number(exact["infinite_lattice"], "energy_per_spin");
      plot.series.push_back(
          series("exact ⟨e⟩, infinite lattice (Onsager)", {onsager, onsager}, {0, peak}));
    }
    report::write_line_plot(figures / "data_energy.png", plot);
  }

  // RG diagnostics: receptive-field radius, block overlap, observables along the flow.
  {
    report::LinePlot plot;
    plot.width = kPlotWidth;
    plot.title = "Receptive-field radius per layer";
    plot.x_label = "layer l";
    plot.y_label = "radius holding " + fixed(100 * c.rf_fraction, 0) + "% of Σ r² (spacings)";
    plot.x_tick = 1;
    std::vector<double> x, radius, radius_err, median, block;
    for (const auto& f : run.analysis.layer_fields) {
      x.push_back(static_cast<double>(f.layer));
      radius.push_back(f.radius_mean);
      radius_err.push_back(f.radius_error);
      median.push_back(f.radius_median);
      block.push_back(f.block_radius);
    }
    plot.series.push_back(series("learned fields, mean ± s.e.", x, radius, radius_err));
    plot.series.push_back(series("learned fields, median", x, median));
    plot.series.push_back(series("uniform 2^l × 2^l block (majority rule)", x, block));
    report::write_line_plot(figures / "receptive_field_radius.png", plot);
  }
  {
    // The distribution behind the mean and median: a layer can hold several kinds of unit
    // (one-site, blob, two distant sites), and then its median jumps between them from run to
    // run. Bins of half an octave; a radius below 2^-1 (0 for a one-site field) counts in the
    // first.
    report::LinePlot plot;
    plot.width = kPlotWidth;
    plot.title = "Receptive-field radii per layer: distribution over units";
    plot.x_label = "radius holding " + fixed(100 * c.rf_fraction, 0) + "% of Σ r² (spacings)";
    plot.y_label = "fraction of the layer's live units";
    plot.log_x = true;
    constexpr int kBins = 13;  // 2^-1 … 2^5.5
    double peak = 0;
    for (const auto& f : run.analysis.layer_fields) {
      std::vector<double> x(kBins), share(kBins, 0.0);
      const auto live = static_cast<double>(f.units - f.dead_units);
      for (int k = 0; k < kBins; ++k) x[k] = std::exp2(-1.0 + 0.5 * k + 0.25);
      for (const auto& shape : f.shapes)
        if (!shape.dead) {
          const double octaves = std::log2(std::max(shape.radius, 0.5)) + 1.0;
          share[std::clamp(static_cast<int>(2 * octaves), 0, kBins - 1)] += 1.0 / live;
        }
      peak = std::max(peak, *std::max_element(share.begin(), share.end()));
      plot.series.push_back(
          series("layer " + std::to_string(f.layer) + " (" + std::to_string(f.units) + " units)", x,
                 share));
    }
    for (const auto& f : run.analysis.layer_fields)
      plot.series.push_back(
          series(std::to_string(f.block) + "×" + std::to_string(f.block) + " block radius",
                 {f.block_radius, f.block_radius}, {0, peak}));
    report::write_line_plot(figures / "receptive_field_radius_distribution.png", plot);
  }
  {
    report::LinePlot plot;
    plot.width = kPlotWidth;
    plot.title = "Overlap of hidden units with majority-rule block spins";
    plot.x_label = "layer l (blocks of 2^l × 2^l)";
    plot.y_label = "|correlation|";
    plot.x_tick = 1;
    std::vector<double> x, best, unit, neighbour;
    for (const auto& layer : run.analysis.document["layers"])
      if (layer.contains("block_overlap")) {
        x.push_back(layer["layer"].get<double>());
        best.push_back(number(layer["block_overlap"], "best_per_block"));
        unit.push_back(number(layer["block_overlap"], "best_per_unit"));
        neighbour.push_back(number(layer["block_overlap"], "neighbour_blocks"));
      }
    plot.series.push_back(series("best unit per block", x, best));
    plot.series.push_back(series("best block per unit", x, unit));
    plot.series.push_back(series("neighbouring blocks (baseline)", x, neighbour));
    report::write_line_plot(figures / "block_overlap.png", plot);
  }
  if (const nlohmann::json& a = run.analysis.document;
      a.contains("mcrg") && a["mcrg"].contains("couplings"))
    report::write_line_plot(figures / "coupling_flow.png",
                            coupling_flow_plot(a["mcrg"]["couplings"]));
  report::write_line_plot(figures / "flow_nn_correlation.png",
                          flow_plot(run, "nn_correlation", "Nearest-neighbour correlation",
                                    "⟨s_i s_j⟩ (nearest neighbours)"));
  report::write_line_plot(figures / "flow_correlation_length.png",
                          flow_plot(run, "correlation_length", "Second-moment correlation length",
                                    "ξ in spacings of the input lattice"));
}

/// Swendsen MCRG with the network as the coarse-graining map against majority rule on the same
/// samples: a table of y_t and y_h per level, and what placing the units on lattices cost.
void add_mcrg(report::Section& s, const nlohmann::json& m) {
  using report::Paragraph;
  using report::Table;
  if (!m.contains("majority")) {
    s.blocks.push_back(Paragraph{"MCRG: " + m.value("error", std::string("not run")) + "."});
    return;
  }
  const auto& majority = m["majority"];
  const nlohmann::json none = nlohmann::json::array();
  const auto& network = m.contains("network") ? m["network"] : none;
  Table t{
      "Is the network doing RG? Swendsen's MCRG exponents with each layer as the "
      "coarse-graining map (units placed on coarse lattices by their receptive-field "
      "centres, sign readout) against majority rule (b = 2) on the same " +
          std::to_string(m["samples"].get<std::size_t>()) +
          " samples; jackknife errors. At K = 0.408 the data are off critical, so these "
          "eigenvalues describe the flow there, not the critical exponents (1 and 15/8): "
          "compare the two maps with each other.",
      {"level", "lattice", "majority y_t", "network y_t", "majority y_h", "network y_h"},
      {}};
  const std::size_t rows = std::max(majority.size(), network.size());
  for (std::size_t k = 0; k < rows; ++k) {
    const nlohmann::json& ref = k < majority.size() ? majority[k] : network[k];
    auto cell = [&](const nlohmann::json& levels, const char* key) {
      return k < levels.size() ? estimate(levels[k], key) : std::string("–");
    };
    t.rows.push_back(
        {std::to_string(ref["level"].get<int>()),
         std::to_string(ref["L_from"].get<int>()) + " → " + std::to_string(ref["L"].get<int>()),
         cell(majority, "y_t"), cell(network, "y_t"), cell(majority, "y_h"), cell(network, "y_h")});
  }
  s.blocks.push_back(t);
  std::string placement;
  if (m.contains("placement"))
    for (const auto& p : m["placement"])
      placement += "layer " + std::to_string(p["layer"].get<int>()) + ": " +
                   std::to_string(p["L"].get<int>()) + "×" + std::to_string(p["L"].get<int>()) +
                   " sites, mean centre–site distance " + fixed(number(p, "mean_distance"), 2) +
                   " (max " + fixed(number(p, "max_distance"), 2) + "), " +
                   std::to_string(p["flipped"].get<int>()) + " anti-aligned and " +
                   std::to_string(p["left_over"].get<int>()) + " left-over units; ";
  if (m.contains("network_error"))
    placement = "the network could not be placed on coarse lattices: " +
                m["network_error"].get<std::string>() + "; ";
  if (m.contains("network_majority_agreement")) {
    placement +=
        "each level's coarse spins agree with the majority of their block (untied "
        "blocks) in";
    for (const auto& x : m["network_majority_agreement"])
      placement += " " + (x.is_number() ? fixed(x.get<double>(), 3) : std::string("–"));
    placement += " of the cases (majority rule: 1; an unrelated spin: 0.5); ";
  }
  if (!placement.empty()) {
    placement.replace(placement.size() - 2, 2, ".");
    s.blocks.push_back(Paragraph{"Placement of the units: " + placement});
  }
}

/// What a block's coarse spin knows about its environment (RSMI), per coarse variable.
void add_mutual_information(report::Section& s, const nlohmann::json& m) {
  using report::Paragraph;
  if (m.contains("error")) {
    s.blocks.push_back(Paragraph{"Mutual information: " + m["error"].get<std::string>() + "."});
    return;
  }
  report::Table t{
      "Real-space mutual information I(H : E) between a 2×2 block's coarse spin H and the "
      "spins beyond a buffer of width 1 (the RSMI criterion of Koch-Janusz & Ringel), in "
      "bits, over every block of " +
          std::to_string(m["conditionals"]["samples"].get<std::size_t>()) +
          " samples (p(V | E) exact per block, jackknife errors). The network's entry is the "
          "block-local part of its first layer, E[h | block], as its map reads the units out. "
          "A coarse variable that keeps what the block tells its surroundings scores high.",
      {"coarse variable", "I(H : E), bits", "⟨p(H = +1 | E)⟩"},
      {}};
  const std::map<std::string, std::string> names = {
      {"majority", "majority rule (random ties)"},
      {"decimation", "decimation (top-left spin)"},
      {"threshold", "best overall: H = +1 iff ≥ 3 of 4 up"},
      {"network", "the network's first layer, block-local part"},
      {"rsmi_optimum", "best spin-flip-symmetric variable (searched)"}};
  auto row = [&](const nlohmann::json& v) {
    const std::string name = v["name"].get<std::string>();
    t.rows.push_back({names.count(name) ? names.at(name) : name, estimate(v, "I_bits"),
                      fixed(number(v, "mean_up"), 3)});
  };
  for (const auto& v : m["variables"]) row(v);
  if (m.contains("best_symmetric")) row(m["best_symmetric"]);
  s.blocks.push_back(t);
}

/// The renormalized couplings of both maps, level by level, and their flow as a figure.
void add_couplings(report::Section& s, const nlohmann::json& c, const std::filesystem::path& png) {
  using report::Table;
  Table t{
      "Renormalized couplings −βH = Σ K_a S_a of the data and of each coarse level, by "
      "maximum pseudo-likelihood (jackknife errors), majority rule against the network's "
      "layers on the same samples. A map that does RG carries the couplings along the same "
      "path; a coarse-graining that loses the block's information lowers K_nn at once.",
      {"level", "lattice"},
      {}};
  const auto names = c["couplings"].get<std::vector<std::string>>();
  for (const auto& n : names) {
    t.header.push_back("majority K_" + n);
    t.header.push_back("network K_" + n);
  }
  auto cell = [](const nlohmann::json& levels, std::size_t k, const std::string& name) {
    if (k >= levels.size()) return std::string("–");
    const double v = number(levels[k]["couplings"], name.c_str());
    const double e = number(levels[k]["errors"], name.c_str());
    return std::isfinite(v) ? mc::format_estimate(v, e) : std::string("–");
  };
  const auto& majority = c["majority"];
  const auto& network = c["network"];
  for (std::size_t k = 0; k < std::max(majority.size(), network.size()); ++k) {
    const auto& ref = k < majority.size() ? majority[k] : network[k];
    std::vector<std::string> row{
        std::to_string(ref["level"].get<int>()),
        std::to_string(ref["L"].get<int>()) + "×" + std::to_string(ref["L"].get<int>())};
    for (const auto& n : names) {
      row.push_back(cell(majority, k, n));
      row.push_back(cell(network, k, n));
    }
    t.rows.push_back(std::move(row));
  }
  s.blocks.push_back(t);
  s.blocks.push_back(report::Figure{
      png, "The flow in the (K_nn, K_nnn) plane: each point a level, level 0 the data."});
}

void report_stage(const ExperimentResult& run, const RunDirectory& dir) {
  using report::Code;
  using report::Figure;
  using report::Paragraph;
  using report::Table;
  const auto& c = run.config;
  const nlohmann::json& a = run.analysis.document;
  const fs::path figures = dir.figures();
  const std::size_t n_layers = run.dbn.layers.size();

  std::string sizes = std::to_string(run.samples.lattice.sites());
  for (const std::size_t n : c.hidden) sizes += "-" + std::to_string(n);
  char date[32];
  const std::time_t now = std::time(nullptr);
  std::strftime(date, sizeof date, "%Y-%m-%d %H:%M", std::localtime(&now));

  report::HtmlReport html;
  html.title = "Deep learning and the renormalization group: Mehta & Schwab's experiment";
  html.subtitle = std::string("deeprg ") + kVersion + " · preset " + run.preset + " · seed " +
                  std::to_string(c.seed) + " · " + date;

  // 1. Overview.
  {
    report::Section s{"Overview", {}};
    s.blocks.push_back(Paragraph{
        "Mehta & Schwab (2014, arXiv:1410.3831) showed that one step of variational RG maps "
        "exactly onto a restricted Boltzmann machine, and trained stacked RBMs on 2D Ising "
        "configurations near criticality. They reported that the network learns local block "
        "spins: receptive fields that grow with depth, like Kadanoff's 2×2 blocks, and "
        "reconstructions that keep the large-scale structure. This page repeats that "
        "experiment and measures the claims."});
    s.blocks.push_back(Paragraph{
        "This run: " + std::to_string(c.samples) + " samples of the " + std::to_string(c.L) + "×" +
        std::to_string(c.L) + " periodic Ising model at K = J/T = " + fixed(c.K, 4) +
        " (T = " + fixed(1 / c.K, 4) + ", T_c = 2.2692), drawn with the " + c.algorithm +
        " algorithm; a " + sizes + " deep belief network trained greedily with " +
        (c.persistent ? "PCD-" : "CD-") + std::to_string(c.cd_k) + ", " + std::to_string(c.epochs) +
        " epochs per layer, batch " + std::to_string(c.batch_size) + ", learning rate " +
        general(c.learning_rate) + ", momentum " + general(c.momentum) + " → " +
        general(c.final_momentum) + ", L1 " + general(c.l1) + "."});
    s.blocks.push_back(claims_table(a));
    html.sections.push_back(std::move(s));
  }

  // 2. The data.
  {
    report::Section s{"The data against the exact solution", {}};
    const nlohmann::json& d = a["data"];
    const nlohmann::json& exact = d["exact"];
    const nlohmann::json inf =
        exact.contains("infinite_lattice") ? exact["infinite_lattice"] : nlohmann::json::object();
    Table t{
        "Observables of the samples (jackknife errors) and the exact values",
        {"observable", "samples", "exact, this torus (Kaufman)", "exact, infinite (Onsager/Yang)"},
        {}};
    t.rows.push_back({"energy per spin", estimate(d, "energy_per_spin"),
                      fixed(number(exact, "energy_per_spin"), 6),
                      fixed(number(inf, "energy_per_spin"), 6)});
    t.rows.push_back({"specific heat per spin", estimate(d, "specific_heat"),
                      fixed(number(exact, "specific_heat_per_spin"), 5),
                      fixed(number(inf, "specific_heat_per_spin"), 5)});
    t.rows.push_back({"|m|", estimate(d, "abs_magnetization"), "–",
                      fixed(number(inf, "spontaneous_magnetization"), 4)});
    t.rows.push_back({"correlation length ξ (second moment)", estimate(d, "correlation_length"),
                      "–", fixed(number(inf, "correlation_length"), 3) + " (exponential)"});
    t.rows.push_back({"Binder cumulant U4", estimate(d, "binder_cumulant"), "–", "–"});
    s.blocks.push_back(t);
    s.blocks.push_back(Figure{figures / "data_energy.png",
                              "Distribution of the energy per spin over the samples, with the "
                              "exact mean of the finite torus and of the infinite lattice."});
    html.sections.push_back(std::move(s));
  }

  // 3. Training.
  {
    report::Section s{"Training", {}};
    s.blocks.push_back(Figure{figures / "training.png",
                              "Mean squared reconstruction error of each layer's RBM per epoch "
                              "(on up to 1,000 training rows)."});
    Table t{"Final epoch of each layer",
            {"layer", "RBM", "reconstruction error", "seconds per epoch"},
            {}};
    for (std::size_t l = 1; l <= n_layers; ++l) {
      const nlohmann::json* last = nullptr;
      for (const auto& m : run.metrics)
        if (m["layer"].get<std::size_t>() == l) last = &m;
      const auto& layer = run.dbn.layers[l - 1];
      t.rows.push_back(
          {std::to_string(l),
           std::to_string(layer.n_visible()) + " → " + std::to_string(layer.n_hidden()),
           last ? fixed(number(*last, "reconstruction_error"), 5) : "–",
           last ? fixed(number(*last, "seconds"), 3) : "–"});
    }
    s.blocks.push_back(t);
    html.sections.push_back(std::move(s));
  }

  // 4. The paper's figure.
  {
    report::Section s{"The paper's Fig. 4, reproduced", {}};
    s.blocks.push_back(Figure{figures / "A_architecture.png",
                              "A: the network. Each hidden layer is compared with majority-rule "
                              "block spins of the scale on the right."});
    s.blocks.push_back(Figure{
        figures / "B_layer1_weights.png",
        "B: first-layer weights of " + std::to_string(std::min(c.units_shown, c.hidden[0])) +
            " hidden units drawn on the lattice (red positive, blue negative, each unit scaled "
            "to its own largest |w|); units are ordered from the most local field to the least. "
            "The paper shows local patches: a unit looks at a small region of spins."});
    for (std::size_t l = 2; l <= n_layers; ++l)
      s.blocks.push_back(Figure{
          figures / field_figure_name(l),
          std::string(l == 2   ? "C"
                      : l == 3 ? "D"
                               : "") +
              (l <= 3 ? ": " : "") + "effective receptive fields of layer " + std::to_string(l) +
              ", r(" + std::to_string(l) + ") = W(1)···W(" + std::to_string(l) +
              "), the linear image of a unit on the input lattice. The paper shows them "
              "growing with depth, like block spins of growing size."});
    s.blocks.push_back(
        Figure{figures / "E_reconstructions.png",
               "E: samples (left) and their mean-field reconstructions through layer 1, 2, … "
               "(up to that layer and back down). The paper reports that reconstructions from deep "
               "layers keep the large-scale structure and lose the fine detail, as coarse-graining "
               "does."});
    html.sections.push_back(std::move(s));
  }

  // 5. RG diagnostics.
  {
    report::Section s{"Quantitative RG diagnostics", {}};
    Table radius{"Receptive fields: radius holding " + fixed(100 * c.rf_fraction, 0) +
                     "% of Σ r² around each unit's centre (mean ± s.e. over live units), against "
                     "a uniform block of the same scale",
                 {"layer", "units (dead)", "radius (mean)", "median [quartiles]", "median growth",
                  "2^l block radius", "block growth", "participation (sites)", "locality"},
                 {}};
    for (const auto& layer : a["layers"]) {
      radius.rows.push_back(
          {std::to_string(layer["layer"].get<int>()),
           std::to_string(layer["units"].get<int>()) + " (" +
               std::to_string(layer["dead_units"].get<int>()) + ")",
           mc::format_estimate(number(layer, "receptive_field_radius"),
                               number(layer, "receptive_field_radius_error")),
           fixed(number(layer, "receptive_field_radius_median"), 2) + " [" +
               fixed(layer["receptive_field_radius_quartiles"][0].get<double>(), 2) + ", " +
               fixed(layer["receptive_field_radius_quartiles"][1].get<double>(), 2) + "]",
           layer.contains("radius_growth") ? fixed(number(layer, "radius_growth"), 2) + "×" : "–",
           fixed(number(layer, "block_radius"), 2),
           layer.contains("block_radius_growth")
               ? fixed(number(layer, "block_radius_growth"), 2) + "×"
               : "–",
           fixed(number(layer, "participation"), 1), fixed(number(layer, "locality"), 3)});
    }
    s.blocks.push_back(radius);
    // The claim, in numbers.
    std::string verdict;
    for (const auto& g : a["receptive_field_growth"]) {
      verdict += "layer " + std::to_string(g["from_layer"].get<int>()) + " → " +
                 std::to_string(g["to_layer"].get<int>()) + ": " +
                 fixed(number(g, "median_radius_ratio"), 2) + "× (block spins " +
                 fixed(number(g, "block_radius_ratio"), 2) + "×); ";
    }
    if (!verdict.empty()) {
      verdict.replace(verdict.size() - 2, 2, ". ");
      verdict += "Median radius against the block of the layer's own scale:";
      for (const auto& f : run.analysis.layer_fields)
        verdict += std::string(f.layer > 1 ? "," : "") + " layer " + std::to_string(f.layer) + " " +
                   fixed(f.radius_median / f.block_radius, 2) + "×";
      verdict += ". ";
      const double first_radius = run.analysis.layer_fields.front().radius_median;
      const double uniform = number(a, "uniform_field_radius");
      s.blocks.push_back(Paragraph{
          "Growth of the median radius with depth, learned against 2×2 block spins: " + verdict +
          (run.analysis.layer_fields.front().dead_units == run.analysis.layer_fields.front().units
               ? "Every first-layer unit is dead (all weights zero): lower train.l1."
           : first_radius > 0.5 * uniform
               ? "The first layer's fields already spread over much of the lattice (median "
                 "radius " +
                     fixed(first_radius, 1) + "; a uniform field gives " + fixed(uniform, 1) +
                     "), so the measured fields are not local block spins; growth ratios near 1 "
                     "then say the fields are saturated, not that the claim holds."
               : "Fields are local at the first layer (median radius " + fixed(first_radius, 1) +
                     " spacings); compare the growth ratios above with the block spins'.") +
          spread_note(run.analysis.layer_fields)});
    }
    s.blocks.push_back(Figure{figures / "receptive_field_radius.png",
                              "Mean and median receptive-field radius per layer against the "
                              "radius of a uniform 2^l × 2^l block measured the same way."});
    s.blocks.push_back(Figure{
        figures / "receptive_field_radius_distribution.png",
        "How the radii spread over each layer's units (half-octave bins), with the radius of the "
        "block of each layer's scale. Several peaks in one layer are kinds of unit: one-site "
        "fields, local blobs, and fields on a few distant sites; where two peaks hold similar "
        "shares the median can sit on either, and the growth ratios move with it."});

    Table overlap{
        "Overlap of hidden units (mean-field states) with majority-rule block spins of "
        "the same scale: |Pearson correlation| over " +
            std::to_string(a["analysis_samples"].get<std::size_t>()) + " samples",
        {"layer", "blocks", "best unit per block", "best block per unit",
         "neighbouring blocks (baseline)", "one-to-one share"},
        {}};
    for (const auto& layer : a["layers"])
      if (layer.contains("block_overlap")) {
        const auto& o = layer["block_overlap"];
        overlap.rows.push_back(
            {std::to_string(layer["layer"].get<int>()), std::to_string(o["blocks"].get<int>()),
             fixed(number(o, "best_per_block"), 3), fixed(number(o, "best_per_unit"), 3),
             fixed(number(o, "neighbour_blocks"), 3), fixed(number(o, "matched_fraction"), 3)});
      }
    s.blocks.push_back(overlap);
    s.blocks.push_back(Figure{figures / "block_overlap.png",
                              "A unit that is a block spin correlates with it near 1; the "
                              "baseline is how much neighbouring block spins correlate with each "
                              "other at this temperature."});

    if (a.contains("mcrg")) add_mcrg(s, a["mcrg"]);
    if (a.contains("mcrg") && a["mcrg"].contains("couplings"))
      add_couplings(s, a["mcrg"]["couplings"], figures / "coupling_flow.png");
    if (a.contains("mutual_information")) add_mutual_information(s, a["mutual_information"]);

    Table flow{
        "Observables along the flow: the data, majority-rule block spins of level l, and "
        "one draw of spins from each layer's reconstruction (ξ in input spacings)",
        {"", "⟨s_i s_j⟩ nn", "|m|", "ξ"},
        {}};
    const auto& d = a["data_subset"];
    flow.rows.push_back({"data", estimate(d, "nn_correlation"), estimate(d, "abs_magnetization"),
                         estimate(d, "correlation_length")});
    for (const auto& layer : a["layers"]) {
      const std::string l = std::to_string(layer["layer"].get<int>());
      if (layer.contains("majority_rule")) {
        const auto& m = layer["majority_rule"];
        flow.rows.push_back({"majority rule, level " + l, estimate(m, "nn_correlation"),
                             estimate(m, "abs_magnetization"), estimate(m, "correlation_length")});
      }
      const auto& r = layer["reconstruction"];
      flow.rows.push_back({"reconstruction, layer " + l, estimate(r, "nn_correlation"),
                           estimate(r, "abs_magnetization"), estimate(r, "correlation_length")});
    }
    s.blocks.push_back(flow);
    s.blocks.push_back(Figure{figures / "flow_nn_correlation.png",
                              "Nearest-neighbour correlation of majority-rule blocks and of "
                              "reconstructions, layer by layer."});
    s.blocks.push_back(Figure{figures / "flow_correlation_length.png",
                              "Second-moment correlation length, in spacings of the input "
                              "lattice."});
    html.sections.push_back(std::move(s));
  }

  // 6. The run itself.
  {
    report::Section s{"Run", {}};
    Table t{"Wall time of each stage, on " +
                std::to_string(c.threads > 0 ? c.threads : default_thread_count()) +
                " threads; BLAS: " + a["blas"]["config"].get<std::string>() + " (kernel " +
                a["blas"]["core"].get<std::string>() + ")",
            {"stage", "seconds", ""},
            {}};
    for (const StageTime& st : run.times)
      t.rows.push_back(
          {st.stage, fixed(st.seconds, 1), st.reused ? "reused from an earlier run" : ""});
    s.blocks.push_back(t);
    s.blocks.push_back(
        Paragraph{"Outputs beside this page: config.json (resolved configuration, "
                  "seed, version and the source of every default), samples.npy, "
                  "model/, metrics.jsonl, analysis.json and figures/. The "
                  "configuration below, saved as a .toml file, reruns this "
                  "experiment with `deeprg run --config FILE`."});
    s.blocks.push_back(Code{to_toml(c)});
    html.sections.push_back(std::move(s));
  }
  report::write_html_report(dir.report(), html);
}

}  // namespace deeprg::experiment::detail
