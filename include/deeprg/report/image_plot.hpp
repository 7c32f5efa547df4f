#pragma once
/// Image figures as PNG files through PLplot (cairo driver): grids of labelled 2D arrays
/// (weights, receptive fields, spin configurations and reconstructions) and a drawing of a
/// network's architecture. The line-plot counterpart is line_plot.hpp; both share PLplot's
/// process-wide lock.
#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

namespace deeprg::report {

/// How values map to colours.
///   diverging: blue (−) – white (0) – red (+), symmetric around 0, for weights and fields;
///   grey:      black (low) – white (high) over [low, high], for spins (−1 … 1) and
///              probabilities (0 … 1).
enum class ColourMap { diverging, grey };

/// One panel: a rows × cols array, row-major, row 0 drawn at the top and column 0 at the left
/// (like the lattice). Cells are square: the longer side of the array spans panel_pixels.
struct ImagePanel {
  std::string title;  ///< above the panel; may be empty
  std::size_t rows = 0, cols = 0;
  std::vector<double> values;  ///< rows × cols; non-finite values are drawn as the map's midpoint
};

struct ImageGrid {
  std::string title;  ///< figure title at the top; may be empty
  std::vector<ImagePanel> panels;
  std::size_t columns = 4;  ///< panels per row, ≥ 1 (fewer with fewer panels); rows follow
  /// Optional label of each row of panels, written to the left of the row (e.g. "data",
  /// "layer 1"); empty, or one per row.
  std::vector<std::string> row_labels;
  ColourMap colours = ColourMap::diverging;
  /// diverging: each panel scaled to its own max |v| (true) or all to the grid's max |v|;
  /// grey: ignored.
  bool per_panel_scale = true;
  double low = -1, high = 1;  ///< grey: the value range
  std::string colour_bar;     ///< label of a colour bar at the right (empty: no bar). With
                              ///< per-panel scaling the bar is labelled −max … +max.
  int panel_pixels = 160;     ///< side of each panel in pixels, [16, 2000]
};

/// Draws the grid into `png` atomically (a temporary file beside it, renamed over it; a failed
/// call leaves an existing `png` untouched). The figure is as large as the panels, gaps, titles,
/// labels and bar need. Everything is validated before PLplot starts: throws ShapeError naming
/// the panel when its values do not have rows × cols elements or a dimension is 0,
/// ConfigError("columns"/"panel_pixels"/"row_labels"/"low"/"panels") for bad layout values
/// (panel_pixels also when the figure would exceed 20000 pixels a side), low ≥ high with the
/// grey map, or no panels, and IoError naming the file when it cannot be written.
void write_image_grid(const std::filesystem::path& png, const ImageGrid& grid);

/// One layer of units in an architecture drawing.
struct LayerBox {
  std::string label;  ///< e.g. "visible 40×40" or "hidden 3"
  std::size_t units = 0;
};

/// A feed-forward stack drawn bottom (first) to top (last): each layer a box whose width grows
/// with log(units), labelled with its name and unit count, joined to the next by the RBM's
/// weights ("W(1)", "W(2)", …), with a note on the right naming the block-spin scale each layer
/// is compared with. `notes` is empty or one per layer. Written atomically like
/// write_image_grid. Throws ConfigError("layers") for fewer than two layers or a layer without
/// units, ConfigError("notes") when notes are neither empty nor one per layer, and IoError when
/// the file cannot be written.
void write_architecture(const std::filesystem::path& png, const std::string& title,
                        const std::vector<LayerBox>& layers,
                        const std::vector<std::string>& notes = {});

}  // namespace deeprg::report
