#include "deeprg/report/image_plot.hpp"

#include <plplot/plplot.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <limits>
#include <string>
#include <vector>

#include "deeprg/core/error.hpp"
#include "plplot_session.hpp"

namespace deeprg::report {

namespace {

using detail::escape;
using detail::glyphs;
using detail::Rgb;

// cmap0: 0 background, 1 text and frames, 2 secondary text, 3 light lines (weights, leaders),
// 4 and 5 the fills of visible and hidden layers, 6 box borders.
constexpr int kText = 1, kMuted = 2, kLight = 3, kFillVisible = 4, kFillHidden = 5, kBorder = 6;
constexpr std::array<Rgb, 7> kPalette{{{255, 255, 255},
                                       {0, 0, 0},
                                       {85, 85, 85},
                                       {175, 175, 175},
                                       {214, 230, 244},
                                       {253, 224, 196},
                                       {40, 40, 40}}};

// ColorBrewer's RdBu (9 classes) with a pure white midpoint, blue for −, red for +: readable
// in print and for the common forms of colour blindness.
constexpr std::array<Rgb, 9> kDiverging{{{33, 102, 172},
                                         {67, 147, 195},
                                         {146, 197, 222},
                                         {209, 229, 240},
                                         {255, 255, 255},
                                         {253, 219, 199},
                                         {244, 165, 130},
                                         {214, 96, 77},
                                         {178, 24, 43}}};

// cairo's image surfaces stop at 32767 pixels a side; well below that a figure is unusable.
constexpr double kMaxFigurePixels = 20000;

// Average advance of a character of the default sans font, in units of its cap height (the
// height plschr sets): used to fit text into the space it is given.
constexpr double kAdvance = 0.78;

// Width in pixels of `text` drawn with cap height `cap`.
double text_width(const std::string& text, double cap) {
  return kAdvance * cap * static_cast<double>(glyphs(text));
}

// The largest cap height ≤ `cap` (and ≥ `floor`) at which `text` fits into `width` pixels.
double fit(const std::string& text, double cap, double width, double floor = 8) {
  const double w = text_width(text, cap);
  if (w <= width || w <= 0) return cap;
  return std::max(floor, cap * width / w);
}

// Drawing in page pixels: x to the right and y downwards from the top-left corner, with text
// sizes as cap heights in pixels. Valid between plinit and plend.
class Page {
 public:
  Page(double width, double height) : width_(width), height_(height) {
    pladv(0);
    PLFLT x0, x1, y0, y1;
    plgspa(&x0, &x1, &y0, &y1);
    pixels_per_mm_ = width / (x1 - x0);
    whole();
  }

  // Makes the whole page the viewport with pixel world coordinates (y up, as PLplot wants).
  void whole() const {
    plvpor(0, 1, 0, 1);
    plwind(0, width_, 0, height_);
  }

  // Makes the rectangle [x, x + w] × [y, y + h] (y from the top) the viewport, with world
  // coordinates [wx0, wx1] × [wy0, wy1].
  void viewport(double x, double y, double w, double h, double wx0, double wx1, double wy0,
                double wy1) const {
    plvpor(x / width_, (x + w) / width_, 1 - (y + h) / height_, 1 - y / height_);
    plwind(wx0, wx1, wy0, wy1);
  }

  void text_size(double cap) const { plschr(cap / pixels_per_mm_, 1.0); }

  // `text` centred vertically on y; just 0 left, 0.5 centre, 1 right of x. Needs whole().
  void text(double x, double y, double just, double cap, const std::string& text) const {
    text_size(cap);
    plptex(x, height_ - y, 1, 0, just, escape(text).c_str());
  }

  // `text` rotated to read upwards, centred on (x, y). Needs whole().
  void text_up(double x, double y, double cap, const std::string& text) const {
    text_size(cap);
    plptex(x, height_ - y, 0, 1, 0.5, escape(text).c_str());
  }

  void line(double x0, double y0, double x1, double y1) const {
    pljoin(x0, height_ - y0, x1, height_ - y1);
  }

  void rectangle(double x, double y, double w, double h, int fill, int border) const {
    std::array<PLFLT, 5> xs{x, x + w, x + w, x, x};
    std::array<PLFLT, 5> ys{height_ - y, height_ - y, height_ - y - h, height_ - y - h,
                            height_ - y};
    plcol0(fill);
    plfill(4, xs.data(), ys.data());
    plcol0(border);
    plline(5, xs.data(), ys.data());
  }

 private:
  double width_, height_;
  double pixels_per_mm_ = 1;
};

// ---------------------------------------------------------------- image grids

// The largest finite |v|; 0 when there is none.
double max_abs(const std::vector<double>& values) {
  double m = 0;
  for (const double v : values)
    if (std::isfinite(v)) m = std::max(m, std::abs(v));
  return m;
}

// A labelled value on a colour bar.
struct Tick {
  double value;
  std::string label;
};

// About five round values (1, 2 or 5 × 10^k apart) inside [low, high].
std::vector<Tick> nice_ticks(double low, double high) {
  const double raw = (high - low) / 4;
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  const double f = raw / magnitude;
  const double step = (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) * magnitude;
  const int decimals = std::max(0, -static_cast<int>(std::floor(std::log10(step) + 1e-9)));
  const bool general = std::max(std::abs(low), std::abs(high)) >= 1e5 || step < 1e-4;
  std::vector<Tick> ticks;
  for (double i = std::ceil(low / step - 1e-9); i * step <= high + 1e-9 * step; ++i) {
    double v = i * step;
    if (std::abs(v) < 1e-9 * step) v = 0;
    std::array<char, 64> buffer{};
    if (general)
      std::snprintf(buffer.data(), buffer.size(), "%.3g", v);
    else
      std::snprintf(buffer.data(), buffer.size(), "%.*f", decimals, v);
    std::string label = buffer.data();
    if (!label.empty() && label[0] == '-') label = "−" + label.substr(1);  // a real minus sign
    ticks.push_back({v, label});
  }
  return ticks;
}

// Every position and size of a grid figure, in pixels from the top-left corner.
struct GridLayout {
  std::size_t columns = 1, rows = 1;  // of panels
  double panel = 0;                   // panel side
  double gap_x = 0, gap_y = 0;        // between panels
  double title_band = 0;              // above each panel, for its title
  double panel_title = 0;             // cap height of panel titles
  double left = 0;                    // x of the first column
  double top = 0;                     // y of the first title band
  double label_width = 0, label_cap = 0;
  double figure_title_cap = 0, figure_title_y = 0;
  double global_max_abs = 0;  // over all panels
  bool bar = false;
  double bar_low = 0, bar_high = 1;
  std::vector<Tick> ticks;
  double bar_x = 0, bar_top = 0, bar_width = 0, bar_height = 0, bar_cap = 0, bar_label_x = 0;
  double width = 0, height = 0;

  double panel_x(std::size_t column) const {
    return left + static_cast<double>(column) * (panel + gap_x);
  }
  double panel_y(std::size_t row) const {
    return top + title_band + static_cast<double>(row) * (title_band + panel + gap_y);
  }
};

GridLayout layout(const ImageGrid& grid) {
  GridLayout l;
  const std::size_t n = grid.panels.size();
  l.columns = std::min(grid.columns, n);
  l.rows = (n + l.columns - 1) / l.columns;
  l.panel = grid.panel_pixels;
  const double margin = 16;
  l.gap_x = std::max(14.0, std::round(0.1 * l.panel));
  l.gap_y = std::max(12.0, std::round(0.08 * l.panel));
  l.panel_title = std::clamp(std::round(0.085 * l.panel), 10.0, 18.0);
  const bool titles = std::any_of(grid.panels.begin(), grid.panels.end(),
                                  [](const ImagePanel& p) { return !p.title.empty(); });
  l.title_band = titles ? std::round(2.1 * l.panel_title) : 0;

  l.label_cap = std::clamp(std::round(0.09 * l.panel), 11.0, 18.0);
  if (!grid.row_labels.empty()) {
    double longest = 0;
    for (const std::string& label : grid.row_labels)
      longest = std::max(longest, text_width(label, l.label_cap));
    // Long labels are shrunk to this width rather than widening the figure without limit.
    l.label_width = std::round(std::min(longest, std::max(2.5 * l.panel, 240.0))) + 14;
  }
  l.left = margin + l.label_width;
  const double block_width =
      static_cast<double>(l.columns) * l.panel + static_cast<double>(l.columns - 1) * l.gap_x;
  const double block_height = static_cast<double>(l.rows) * (l.title_band + l.panel) +
                              static_cast<double>(l.rows - 1) * l.gap_y;

  l.figure_title_cap = grid.title.empty() ? 0 : 20;
  l.top = grid.title.empty() ? margin : margin + std::round(2.4 * l.figure_title_cap);
  l.figure_title_y = margin + 1.1 * l.figure_title_cap;

  double right = l.left + block_width;
  double bottom = l.top + block_height;
  for (const ImagePanel& p : grid.panels)
    l.global_max_abs = std::max(l.global_max_abs, max_abs(p.values));
  l.bar = !grid.colour_bar.empty();
  if (l.bar) {
    if (grid.colours == ColourMap::grey) {
      l.bar_low = grid.low;
      l.bar_high = grid.high;
      l.ticks = nice_ticks(l.bar_low, l.bar_high);
    } else if (grid.per_panel_scale) {
      // Each panel has its own scale: the bar can only say where its extremes are.
      l.bar_low = -1;
      l.bar_high = 1;
      l.ticks = {{-1, "−max"}, {0, "0"}, {1, "+max"}};
    } else {
      const double m = l.global_max_abs > 0 ? l.global_max_abs : 1;
      l.bar_low = -m;
      l.bar_high = m;
      l.ticks = nice_ticks(-m, m);
    }
    l.bar_cap = std::clamp(std::round(0.08 * l.panel), 10.0, 15.0);
    l.bar_width = std::clamp(std::round(0.1 * l.panel), 14.0, 24.0);
    l.bar_x = right + std::max(22.0, std::round(0.14 * l.panel));
    l.bar_top = l.top + l.title_band;
    // A bar needs room for its tick labels even when the panels are small.
    l.bar_height = std::max(block_height - l.title_band, 140.0);
    double labels = 0;
    for (const Tick& t : l.ticks) labels = std::max(labels, text_width(t.label, l.bar_cap));
    l.bar_label_x = l.bar_x + l.bar_width + 9 + labels + 1.4 * l.bar_cap;
    right = l.bar_label_x + 0.8 * l.bar_cap;
    bottom = std::max(bottom, l.bar_top + l.bar_height + 0.6 * l.bar_cap);
  }
  l.width = std::round(right + margin);
  l.height = std::round(bottom + margin);
  return l;
}

// Checks everything PLplot could trip on and returns the layout.
GridLayout validate(const std::filesystem::path& png, const ImageGrid& grid) {
  if (grid.columns < 1) throw ConfigError("columns", "panels per row must be at least 1");
  if (grid.panel_pixels < 16 || grid.panel_pixels > 2000)
    throw ConfigError("panel_pixels", "panel side must be in [16, 2000] pixels, got " +
                                          std::to_string(grid.panel_pixels));
  if (grid.panels.empty()) throw ConfigError("panels", "an image grid needs at least one panel");
  for (std::size_t k = 0; k < grid.panels.size(); ++k) {
    const ImagePanel& p = grid.panels[k];
    const bool overflow = p.cols != 0 && p.rows > std::numeric_limits<std::size_t>::max() / p.cols;
    if (p.rows == 0 || p.cols == 0 || overflow || p.values.size() != p.rows * p.cols)
      throw ShapeError(png.string() + ": panel " + std::to_string(k) +
                       (p.title.empty() ? "" : " ('" + p.title + "')") + " is " +
                       std::to_string(p.rows) + " × " + std::to_string(p.cols) + " with " +
                       std::to_string(p.values.size()) + " values");
  }
  const std::size_t columns = std::min(grid.columns, grid.panels.size());
  const std::size_t rows = (grid.panels.size() + columns - 1) / columns;
  if (!grid.row_labels.empty() && grid.row_labels.size() != rows)
    throw ConfigError("row_labels", "need one label per row of panels (" + std::to_string(rows) +
                                        "), got " + std::to_string(grid.row_labels.size()));
  if (grid.colours == ColourMap::grey &&
      !(std::isfinite(grid.low) && std::isfinite(grid.high) && grid.low < grid.high))
    throw ConfigError("low", "grey scale needs finite low < high, got [" +
                                 std::to_string(grid.low) + ", " + std::to_string(grid.high) + "]");
  const GridLayout l = layout(grid);
  if (l.width > kMaxFigurePixels || l.height > kMaxFigurePixels)
    throw ConfigError("panel_pixels", "the figure would be " + std::to_string(l.width) + " × " +
                                          std::to_string(l.height) + " pixels, more than " +
                                          std::to_string(kMaxFigurePixels) + " a side");
  detail::check_output_path(png);
  return l;
}

void set_colour_map(ColourMap map) {
  std::vector<PLFLT> at, r, g, b;
  if (map == ColourMap::diverging) {
    for (std::size_t i = 0; i < kDiverging.size(); ++i) {
      at.push_back(static_cast<double>(i) / static_cast<double>(kDiverging.size() - 1));
      r.push_back(kDiverging[i][0] / 255.0);
      g.push_back(kDiverging[i][1] / 255.0);
      b.push_back(kDiverging[i][2] / 255.0);
    }
  } else {
    at = {0, 1};
    r = g = b = {0, 1};
  }
  plscmap1n(256);
  plscmap1l(1, static_cast<PLINT>(at.size()), at.data(), r.data(), g.data(), b.data(), nullptr);
}

// Draws a column-major image of nx × ny values in [0, 1] (cmap1 positions), cell (i, j) filling
// [i, i + 1] × [j, j + 1] of the current world window. The identity transform pltr0 pins the
// cells to those coordinates: without a transform PLplot 5.15 spreads the image over
// (nx − 1) × (ny − 1) cells, cutting off the last row and column. Positions are passed inside
// a wider z range because plimagefr leaves out values outside [zmin, zmax].
void draw_image(const std::vector<double>& positions, std::size_t nx, std::size_t ny) {
  std::vector<const PLFLT*> columns(nx);
  for (std::size_t i = 0; i < nx; ++i) columns[i] = positions.data() + i * ny;
  const auto x = static_cast<double>(nx), y = static_cast<double>(ny);
  plimagefr(columns.data(), static_cast<PLINT>(nx), static_cast<PLINT>(ny), 0, x, 0, y, -1, 2, 0, 1,
            pltr0, nullptr);
}

void draw_grid(const ImageGrid& grid, const GridLayout& l) {
  const Page page(l.width, l.height);
  set_colour_map(grid.colours);
  plwidth(1.0);

  if (!grid.title.empty()) {
    plcol0(kText);
    page.text(l.width / 2, l.figure_title_y, 0.5,
              fit(grid.title, l.figure_title_cap, l.width - 32, 10), grid.title);
  }

  const double global = std::max(1e-300, l.global_max_abs);
  std::vector<double> positions;
  for (std::size_t k = 0; k < grid.panels.size(); ++k) {
    const ImagePanel& p = grid.panels[k];
    const std::size_t row = k / l.columns, column = k % l.columns;
    const double x = l.panel_x(column), y = l.panel_y(row);

    // cmap1 positions, column-major with y upwards: row 0 of the array lands at the top.
    double scale = 1, offset = 0;
    if (grid.colours == ColourMap::diverging) {
      const double m = grid.per_panel_scale ? max_abs(p.values) : global;
      scale = m > 0 ? 0.5 / m : 0;
      offset = 0.5;
    } else {
      scale = 1 / (grid.high - grid.low);
      offset = -grid.low * scale;
    }
    positions.assign(p.values.size(), 0.5);
    for (std::size_t r = 0; r < p.rows; ++r)
      for (std::size_t c = 0; c < p.cols; ++c) {
        const double v = p.values[r * p.cols + c];
        positions[c * p.rows + (p.rows - 1 - r)] =
            std::isfinite(v) ? std::clamp(offset + scale * v, 0.0, 1.0) : 0.5;
      }

    // Square cells: the longer side of the array fills the panel, the other is centred.
    const double longest = static_cast<double>(std::max(p.rows, p.cols));
    const double minimum = std::min(l.panel, 6.0);
    const double w = std::max(minimum, std::round(l.panel * static_cast<double>(p.cols) / longest));
    const double h = std::max(minimum, std::round(l.panel * static_cast<double>(p.rows) / longest));
    const auto cols = static_cast<double>(p.cols), rows = static_cast<double>(p.rows);
    page.viewport(x + std::round((l.panel - w) / 2), y + std::round((l.panel - h) / 2), w, h, 0,
                  cols, 0, rows);
    draw_image(positions, p.cols, p.rows);
    plcol0(kText);
    plbox("bc", 0, 0, "bc", 0, 0);

    page.whole();
    if (!p.title.empty())
      page.text(x + l.panel / 2, y - 0.47 * l.title_band, 0.5,
                fit(p.title, l.panel_title, l.panel + 0.8 * l.gap_x), p.title);
    if (column == 0 && !grid.row_labels.empty()) {
      const std::string& label = grid.row_labels[row];
      page.text(l.left - 12, y + l.panel / 2, 1.0, fit(label, l.label_cap, l.label_width - 14),
                label);
    }
  }

  if (l.bar) {
    constexpr std::size_t kSteps = 256;
    positions.resize(kSteps);
    for (std::size_t i = 0; i < kSteps; ++i)
      positions[i] = (static_cast<double>(i) + 0.5) / static_cast<double>(kSteps);
    page.viewport(l.bar_x, l.bar_top, l.bar_width, l.bar_height, 0, 1, 0, kSteps);
    draw_image(positions, 1, kSteps);
    plcol0(kText);
    plbox("bc", 0, 0, "bc", 0, 0);
    page.whole();
    const double right = l.bar_x + l.bar_width;
    for (const Tick& t : l.ticks) {
      const double y =
          l.bar_top + l.bar_height * (1 - (t.value - l.bar_low) / (l.bar_high - l.bar_low));
      page.line(right, y, right + 5, y);
      page.text(right + 9, y, 0, l.bar_cap, t.label);
    }
    page.text_up(l.bar_label_x, l.bar_top + l.bar_height / 2,
                 fit(grid.colour_bar, l.bar_cap * 1.05, l.bar_height), grid.colour_bar);
  }
}

// ---------------------------------------------------------------- architecture drawings

struct ArchitectureLayout {
  double width = 0, height = 0;
  double top = 0;     // y of the top of the highest box
  double centre = 0;  // x of the boxes' centre line
  double box_height = 64, link_height = 100;
  double notes_x = 0;
  std::vector<double> box_widths;
};

ArchitectureLayout layout(const std::string& title, const std::vector<LayerBox>& layers,
                          const std::vector<std::string>& notes) {
  ArchitectureLayout l;
  constexpr double kMinBox = 170, kMaxBox = 480;
  l.width = 720;
  if (!notes.empty()) {
    l.centre = 24 + kMaxBox / 2 + 20;
    l.notes_x = l.centre + kMaxBox / 2 + 110;
    double longest = 0;
    for (const std::string& note : notes) longest = std::max(longest, text_width(note, 16));
    // Notes longer than this are shrunk to fit.
    l.width = std::round(l.notes_x + std::clamp(longest, 200.0, 500.0) + 30);
  } else {
    l.centre = l.width / 2;
  }
  l.top = title.empty() ? 28 : 86;
  std::size_t most = 1;
  for (const LayerBox& layer : layers) most = std::max(most, layer.units);
  for (const LayerBox& layer : layers) {
    // log(1 + units) so that a single unit still gets the smallest box.
    const double f = most > 1 ? std::log1p(static_cast<double>(layer.units)) /
                                    std::log1p(static_cast<double>(most))
                              : 0.0;
    l.box_widths.push_back(std::round(kMinBox + (kMaxBox - kMinBox) * f));
  }
  const auto n = static_cast<double>(layers.size());
  l.height = l.top + n * l.box_height + (n - 1) * l.link_height + 30;
  return l;
}

void draw_architecture(const std::string& title, const std::vector<LayerBox>& layers,
                       const std::vector<std::string>& notes, const ArchitectureLayout& l) {
  const Page page(l.width, l.height);
  const std::size_t n = layers.size();
  // Layer k (0 = visible) from the bottom: the y of its box's top edge.
  auto box_top = [&](std::size_t k) {
    return l.top + static_cast<double>(n - 1 - k) * (l.box_height + l.link_height);
  };

  if (!title.empty()) {
    plcol0(kText);
    page.text(l.width / 2, 38, 0.5, fit(title, 21, l.width - 40, 10), title);
  }

  // Weights first, as a bundle of light lines between the boxes: every unit of one layer is
  // coupled to every unit of the next.
  constexpr int kStrands = 7;
  for (std::size_t k = 0; k + 1 < n; ++k) {
    const double y0 = box_top(k), y1 = box_top(k + 1) + l.box_height;
    const double w0 = 0.8 * l.box_widths[k], w1 = 0.8 * l.box_widths[k + 1];
    plcol0(kLight);
    plwidth(0.8);
    for (int i = 0; i < kStrands; ++i)
      for (int j = 0; j < kStrands; ++j)
        page.line(l.centre - w0 / 2 + w0 * i / (kStrands - 1), y0,
                  l.centre - w1 / 2 + w1 * j / (kStrands - 1), y1);
    plcol0(kText);
    plwidth(1.0);
    const double x = l.centre + std::max(w0, w1) / 2 + 18;
    page.text(x, (y0 + y1) / 2, 0, 17, "W(" + std::to_string(k + 1) + ")");
  }

  for (std::size_t k = 0; k < n; ++k) {
    const double w = l.box_widths[k], y = box_top(k), x = l.centre - w / 2;
    plwidth(1.6);
    page.rectangle(x, y, w, l.box_height, k == 0 ? kFillVisible : kFillHidden, kBorder);
    plwidth(1.0);
    const LayerBox& layer = layers[k];
    const std::string units = std::to_string(layer.units) + (layer.units == 1 ? " unit" : " units");
    plcol0(kText);
    if (layer.label.empty()) {
      page.text(l.centre, y + l.box_height / 2, 0.5, fit(units, 16, w - 16), units);
    } else {
      page.text(l.centre, y + 0.36 * l.box_height, 0.5, fit(layer.label, 17, w - 16), layer.label);
      plcol0(kMuted);
      page.text(l.centre, y + 0.72 * l.box_height, 0.5, fit(units, 13, w - 16), units);
    }
    if (!notes.empty() && !notes[k].empty()) {
      const double mid = y + l.box_height / 2;
      plcol0(kLight);
      pllsty(2);
      page.line(x + w + 10, mid, l.notes_x - 12, mid);
      pllsty(1);
      plcol0(kText);
      page.text(l.notes_x, mid, 0, fit(notes[k], 16, l.width - l.notes_x - 16), notes[k]);
    }
  }
}

}  // namespace

void write_image_grid(const std::filesystem::path& png, const ImageGrid& grid) {
  const GridLayout l = validate(png, grid);
  detail::render_png(png, static_cast<int>(l.width), static_cast<int>(l.height), kPalette,
                     [&] { draw_grid(grid, l); });
}

void write_architecture(const std::filesystem::path& png, const std::string& title,
                        const std::vector<LayerBox>& layers,
                        const std::vector<std::string>& notes) {
  if (layers.size() < 2)
    throw ConfigError("layers", "an architecture needs at least two layers, got " +
                                    std::to_string(layers.size()));
  for (std::size_t k = 0; k < layers.size(); ++k)
    if (layers[k].units == 0)
      throw ConfigError(
          "layers", "layer " + std::to_string(k + 1) + " ('" + layers[k].label + "') has no units");
  if (!notes.empty() && notes.size() != layers.size())
    throw ConfigError("notes", "need one note per layer (" + std::to_string(layers.size()) +
                                   "), got " + std::to_string(notes.size()));
  detail::check_output_path(png);
  const ArchitectureLayout l = layout(title, layers, notes);
  detail::render_png(png, static_cast<int>(l.width), static_cast<int>(l.height), kPalette,
                     [&] { draw_architecture(title, layers, notes, l); });
}

}  // namespace deeprg::report
