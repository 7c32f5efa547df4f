#pragma once
// Private to src/report: the PLplot plumbing that every PNG figure shares. PLplot keeps one
// global set of streams, calls exit() on fatal errors and writes the output file itself; this
// wraps all of that into one call that draws a figure atomically or throws.
#include <array>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <span>
#include <string>

namespace deeprg::report::detail {

/// An RGB colour, each channel 0 … 255.
using Rgb = std::array<int, 3>;

/// '#' starts a PLplot escape sequence; "##" prints it literally.
std::string escape(const std::string& text);

/// Printed width of UTF-8 text in characters: continuation bytes take no width.
std::size_t glyphs(const std::string& text);

/// Throws IoError unless `png` names a file that could be created: the path is not empty, its
/// directory exists and the path itself is not a directory.
void check_output_path(const std::filesystem::path& png);

/// Draws one PNG of width × height pixels with the pngcairo driver, atomically: PLplot writes a
/// temporary file beside `png` (so a failed run leaves no partial file under the final name),
/// which is renamed over `png` once PLplot has finished. `palette` becomes cmap0 (entry 0 the
/// background); `draw` runs between plinit and plend, with PLplot's process-wide lock held and
/// PLplot's fatal errors turned into IoError. Validate everything before calling: a PLplot
/// fatal error is a last resort after which PLplot's state is only reset with plend. Throws
/// IoError naming `png` when the file cannot be written.
void render_png(const std::filesystem::path& png, int width, int height,
                std::span<const Rgb> palette, const std::function<void()>& draw);

}  // namespace deeprg::report::detail
