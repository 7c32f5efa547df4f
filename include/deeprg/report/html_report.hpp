#pragma once
/// A self-contained HTML report: one file, no network, every image embedded as a data URI, with
/// plain CSS that reads well on a screen and in print. Text is escaped; nothing in the input is
/// taken as HTML.
#include <filesystem>
#include <string>
#include <variant>
#include <vector>

namespace deeprg::report {

/// A paragraph of text. `*word*` is not interpreted; what is given is shown.
struct Paragraph {
  std::string text;
};

/// A table with a header row; every row has as many cells as the header.
struct Table {
  std::string caption;
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
};

/// A PNG figure, read from `png` and embedded (base64) when the report is written.
struct Figure {
  std::filesystem::path png;
  std::string caption;  ///< shown under the image; also the image's alt text
};

/// A block of preformatted text (e.g. the resolved configuration).
struct Code {
  std::string text;
};

using Block = std::variant<Paragraph, Table, Figure, Code>;

struct Section {
  std::string title;
  std::vector<Block> blocks;
};

struct HtmlReport {
  std::string title;
  std::string subtitle;  ///< under the title, e.g. "deeprg 0.1.0 · seed 1 · 2026-11-24"
  std::vector<Section> sections;
};

/// Writes the report atomically to `html`. Throws IoError naming a figure's PNG when it cannot
/// be read or is not a PNG file, ShapeError naming the table when a row's length differs from
/// its header's, and IoError when the report cannot be written.
void write_html_report(const std::filesystem::path& html, const HtmlReport& report);

/// Base64 (RFC 4648, with padding) of `bytes`.
std::string base64(const std::string& bytes);

}  // namespace deeprg::report
