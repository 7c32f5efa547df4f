#include "deeprg/report/line_plot.hpp"

#include <plplot/plplot.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <string>

#include "deeprg/core/error.hpp"
#include "plplot_session.hpp"

namespace deeprg::report {

namespace {

using detail::escape;
using detail::glyphs;

// cmap0 layout: 0 background, 1 axes and text, 2 grid, 3 … 12 the series colours (Tableau 10,
// chosen to stay distinguishable for the common forms of colour blindness).
constexpr int kBackground = 0, kForeground = 1, kGrid = 2, kFirstSeries = 3;
constexpr std::array<detail::Rgb, 13> kPalette{{{255, 255, 255},
                                                {0, 0, 0},
                                                {225, 225, 225},
                                                {31, 119, 180},
                                                {255, 127, 14},
                                                {44, 160, 44},
                                                {214, 39, 40},
                                                {148, 103, 189},
                                                {140, 86, 75},
                                                {227, 119, 194},
                                                {127, 127, 127},
                                                {188, 189, 34},
                                                {23, 190, 207}}};
constexpr int kSeriesColours = 10;
// Unicode markers, drawn with plstring so that cairo renders them from a system font.
constexpr std::array<const char*, kSeriesColours> kMarkers{"●", "■", "▲", "◆", "▼",
                                                           "○", "□", "△", "◇", "▽"};

// A point as drawn: coordinates after the log transform, or not drawable.
struct Point {
  double x, y, lo, hi;
  bool ok, bar;
};

Point transform(const LinePlot& plot, const Series& s, std::size_t i) {
  Point p{s.x[i], s.y[i], 0, 0, true, false};
  if (!std::isfinite(p.x) || !std::isfinite(p.y)) p.ok = false;
  if (plot.log_x) p.ok = p.ok && p.x > 0;
  if (plot.log_y) p.ok = p.ok && p.y > 0;
  if (!p.ok) return p;
  if (plot.log_x) p.x = std::log10(p.x);
  if (!s.y_error.empty() && std::isfinite(s.y_error[i]) && s.y_error[i] > 0) {
    double lo = s.y[i] - s.y_error[i], hi = s.y[i] + s.y_error[i];
    if (plot.log_y) {
      // A bar reaching below zero is cut at the bottom of the plot.
      lo = lo > 0 ? std::log10(lo) : -std::numeric_limits<double>::infinity();
      hi = std::log10(hi);
    }
    p.lo = lo;
    p.hi = hi;
    p.bar = true;
  }
  if (plot.log_y) p.y = std::log10(p.y);
  return p;
}

// A series with this many points is drawn as a line alone: markers would merge into a band.
bool dense(const Series& s) { return s.x.size() > 60; }

struct Range {
  double lo = std::numeric_limits<double>::infinity();
  double hi = -std::numeric_limits<double>::infinity();
  void add(double v) {
    if (!std::isfinite(v)) return;
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  // Widened by 5% on both sides; a single value or no value still gives a usable window.
  std::pair<double, double> padded() const {
    if (!(lo <= hi)) return {0.0, 1.0};
    if (hi - lo < 1e-12 * std::max(1.0, std::abs(lo))) {
      const double half = std::max(0.5, 0.1 * std::abs(lo));
      return {lo - half, hi + half};
    }
    const double pad = 0.05 * (hi - lo);
    return {lo - pad, hi + pad};
  }
};

void validate(const std::filesystem::path& png, const LinePlot& plot) {
  if (plot.width < 100 || plot.width > 10000)
    throw ConfigError(
        "width", "plot width must be in [100, 10000] pixels, got " + std::to_string(plot.width));
  if (plot.height < 100 || plot.height > 10000)
    throw ConfigError(
        "height", "plot height must be in [100, 10000] pixels, got " + std::to_string(plot.height));
  for (const Series& s : plot.series) {
    if (s.x.size() != s.y.size() || (!s.y_error.empty() && s.y_error.size() != s.y.size()))
      throw ShapeError(png.string() + ": series '" + s.label + "' has " +
                       std::to_string(s.x.size()) + " x, " + std::to_string(s.y.size()) +
                       " y and " + std::to_string(s.y_error.size()) + " error values");
  }
  detail::check_output_path(png);
}

// Everything between plinit and plend. Caller holds the mutex.
void draw(const LinePlot& plot) {
  // Transformed points and the data window.
  std::vector<std::vector<Point>> points(plot.series.size());
  Range rx, ry;
  for (std::size_t k = 0; k < plot.series.size(); ++k) {
    const Series& s = plot.series[k];
    for (std::size_t i = 0; i < s.x.size(); ++i) {
      const Point p = transform(plot, s, i);
      points[k].push_back(p);
      if (!p.ok) continue;
      rx.add(p.x);
      ry.add(p.y);
      if (p.bar) {
        ry.add(p.lo);
        ry.add(p.hi);
      }
    }
  }
  const auto [x0, x1] = rx.padded();
  const auto [y0, y1] = ry.padded();

  // Legend entries, in a box under the x label (a legend beside the axes squeezed them into a
  // narrow strip). Character sizes follow the page height, so a row of text is a fixed share of
  // it and a glyph's share of the width scales with the aspect ratio; constants measured on
  // 1000×600 output.
  std::vector<std::string> labels;
  std::vector<std::size_t> legend_series;
  std::size_t longest = 0;
  for (std::size_t k = 0; k < plot.series.size(); ++k) {
    if (plot.series[k].label.empty()) continue;
    labels.push_back(escape(plot.series[k].label));
    legend_series.push_back(k);
    longest = std::max(longest, glyphs(plot.series[k].label));
  }
  // As many columns as fit across the page, so that short labels share a row.
  const double aspect = static_cast<double>(plot.height) / plot.width / 0.75;
  const double column_width = (0.10 + 0.0145 * static_cast<double>(longest)) * aspect;
  const auto legend_columns = static_cast<PLINT>(
      std::clamp<double>(std::floor(0.95 / column_width), 1.0,
                         static_cast<double>(std::max<std::size_t>(1, labels.size()))));
  const auto legend_rows =
      static_cast<PLINT>((labels.size() + static_cast<std::size_t>(legend_columns) - 1) /
                         static_cast<std::size_t>(legend_columns));
  const double legend_height = labels.empty() ? 0.0 : 0.02 + 0.052 * legend_rows;
  const double left = 0.12, right = 0.96, bottom = 0.15 + legend_height;
  const double title_width = 0.0166 * static_cast<double>(glyphs(plot.title)) * aspect;
  const double title_scale = title_width > 0.94 ? 1.45 * 0.94 / title_width : 1.45;

  pladv(0);
  plschr(0.0, 1.25);
  plvpor(left, right, bottom, 0.91);
  plwind(x0, x1, y0, y1);
  const std::string lx = plot.log_x ? "l" : "", ly = plot.log_y ? "l" : "";
  // Grid first (light grey) so the axes, ticks and data are drawn over it.
  plcol0(kGrid);
  plwidth(1.0);
  plbox(("g" + lx).c_str(), plot.x_tick, 0, ("g" + ly).c_str(), 0.0, 0);
  plcol0(kForeground);
  plwidth(1.5);
  plbox(("bcnst" + lx).c_str(), plot.x_tick, 0, ("bcnstv" + ly).c_str(), 0.0, 0);
  plwidth(1.0);
  pllab(escape(plot.x_label).c_str(), "", "");
  // The y label shrinks to the height of the axes (which a tall legend shortens), at the same
  // distance from them as pllab puts it (5 character heights at the normal size).
  constexpr double kLabelScale = 1.25, kGlyphHeightShare = 0.019;  // page height, at 1.25
  const double y_label_length = kGlyphHeightShare * static_cast<double>(glyphs(plot.y_label));
  const double y_scale = std::min(1.0, 0.95 * (0.91 - bottom) / y_label_length) * kLabelScale;
  plschr(0.0, y_scale);
  plmtex("l", 5.0 * kLabelScale / y_scale, 0.5, 0.5, escape(plot.y_label).c_str());
  // The title is centred on the page, not on the (off-centre) axes.
  plschr(0.0, title_scale);
  plmtex("t", 1.2, (0.5 - left) / (right - left), 0.5, escape(plot.title).c_str());
  plschr(0.0, 1.25);

  for (std::size_t k = 0; k < points.size(); ++k) {
    const int colour = kFirstSeries + static_cast<int>(k % kSeriesColours);
    const char* marker = kMarkers[k % kSeriesColours];
    plcol0(colour);
    // Lines through contiguous runs of drawable points; past ten series colours and markers
    // repeat, so the line style changes instead.
    pllsty(1 + static_cast<PLINT>((k / kSeriesColours) % 8));
    plwidth(2.0);
    std::vector<PLFLT> xs, ys;
    auto flush = [&] {
      if (xs.size() >= 2) plline(static_cast<PLINT>(xs.size()), xs.data(), ys.data());
      xs.clear();
      ys.clear();
    };
    for (const Point& p : points[k]) {
      if (!p.ok) {
        flush();
        continue;
      }
      xs.push_back(p.x);
      ys.push_back(p.y);
    }
    flush();
    // Error bars, clipped to the window so that a bar cut on a log axis stays inside.
    pllsty(1);
    plwidth(1.5);
    for (const Point& p : points[k]) {
      if (!p.ok || !p.bar) continue;
      PLFLT x = p.x, lo = std::max(p.lo, y0), hi = std::min(p.hi, y1);
      plerry(1, &x, &lo, &hi);
    }
    plwidth(1.0);
    if (!dense(plot.series[k]))
      for (const Point& p : points[k]) {
        if (!p.ok) continue;
        PLFLT x = p.x, y = p.y;
        plstring(1, &x, &y, marker);
      }
  }

  if (!labels.empty()) {
    const PLINT n = static_cast<PLINT>(labels.size());
    std::vector<const char*> text, symbols;
    std::vector<PLINT> opts, colours, styles, numbers(labels.size(), 1), zeros(labels.size(), 0);
    std::vector<PLFLT> widths(labels.size(), 2.0), scales(labels.size(), 1.0),
        fzeros(labels.size(), 0.0);
    for (std::size_t e = 0; e < labels.size(); ++e) {
      text.push_back(labels[e].c_str());
      opts.push_back(dense(plot.series[legend_series[e]]) ? PL_LEGEND_LINE
                                                          : PL_LEGEND_LINE | PL_LEGEND_SYMBOL);
      symbols.push_back(kMarkers[legend_series[e] % kSeriesColours]);
      colours.push_back(kFirstSeries + static_cast<int>(legend_series[e] % kSeriesColours));
      styles.push_back(1 + static_cast<PLINT>((legend_series[e] / kSeriesColours) % 8));
    }
    std::vector<PLINT> text_colours(labels.size(), kForeground);
    PLFLT width = 0, height = 0;
    plschr(0.0, 1.1);
    pllegend(&width, &height, PL_LEGEND_BACKGROUND | PL_LEGEND_BOUNDING_BOX | PL_LEGEND_ROW_MAJOR,
             PL_POSITION_SUBPAGE | PL_POSITION_INSIDE | PL_POSITION_BOTTOM, 0.0, 0.015, 0.06,
             kBackground, kForeground, 1, legend_rows, legend_columns, n, opts.data(), 1.0, 1.0,
             2.0, 0.0, text_colours.data(), text.data(), zeros.data(), zeros.data(), fzeros.data(),
             fzeros.data(), colours.data(), styles.data(), widths.data(), colours.data(),
             scales.data(), numbers.data(), symbols.data());
  }
}

}  // namespace

void write_line_plot(const std::filesystem::path& png, const LinePlot& plot) {
  validate(png, plot);
  detail::render_png(png, plot.width, plot.height, kPalette, [&] { draw(plot); });
}

}  // namespace deeprg::report
