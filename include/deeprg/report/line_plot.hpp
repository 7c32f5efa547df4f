#pragma once
/// Line plots as PNG files (PLplot, cairo driver): lines with markers, optional vertical error
/// bars, a legend, labelled axes, optional log axes. Meant for small report figures such as an
/// RG flow (an observable against the coarse-graining level, one line per temperature).
#include <filesystem>
#include <string>
#include <vector>

namespace deeprg::report {

/// One line of a plot. Points whose x or y is not finite (or not positive on a log axis) are
/// skipped and break the line there; an error that is not finite draws no bar.
struct Series {
  std::string label;            ///< legend entry; an empty label leaves the series out of it
  std::vector<double> x, y;     ///< same length
  std::vector<double> y_error;  ///< empty, or one-standard-deviation bars y ± y_error
};

/// A whole figure. Text may hold UTF-8 (ξ, ⟨s_i s_j⟩, U₄); '#' is printed literally.
struct LinePlot {
  std::string title, x_label, y_label;
  std::vector<Series> series;
  bool log_x = false, log_y = false;  ///< base-10 logarithmic axes
  double x_tick = 0;                  ///< major tick spacing on x; 0 = automatic
  int width = 800, height = 600;      ///< pixels, each in [100, 10000]
};

/// Draws `plot` into `png` atomically: PLplot writes a temporary file beside the target (so a
/// failed run leaves no partial PNG under the final name), which is then renamed over it. Series
/// k gets colour k and marker k of a ten-entry cycle. Calls are serialised by a process-wide
/// mutex because PLplot keeps global state. Throws ShapeError naming the series when x, y and
/// y_error differ in length, ConfigError("width"/"height") for sizes out of range, and IoError
/// naming the file when it cannot be written. Series of more than 60 points are drawn as lines
/// without markers; the legend sits in a box under the axes, in as many columns as fit.
void write_line_plot(const std::filesystem::path& png, const LinePlot& plot);

}  // namespace deeprg::report
