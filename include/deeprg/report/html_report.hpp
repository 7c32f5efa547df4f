#pragma once
/// A self-contained HTML report: one file, no network, every image embedded as a data URI, with
/// plain CSS that reads well on a screen and in print. Text is escaped; nothing in the input is
/// taken as HTML. The page carries a Content-Security-Policy that lets the browser load nothing
/// but its inline style and data: images; tests/report/check_report.py verifies a written report
/// in headless Chromium.
#include <filesystem>
#include <string>
#include <variant>
#include <vector>

namespace deeprg::report {

/// A paragraph of text. `*word*` is not interpreted; what is given is shown, line breaks included.
struct Paragraph {
  std::string text;
};

/// A table with a header row; every row has as many cells as the header. Tables are numbered
/// ("Table 1.") in the order they appear; cells that read as numbers are right-aligned.
struct Table {
  std::string caption;
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
};

/// A PNG figure, read from `png` and embedded (base64) when the report is written, numbered
/// ("Figure 1.") in the order figures appear, shown at most as wide as the page.
struct Figure {
  std::filesystem::path png;
  std::string caption;  ///< shown under the image; also the image's alt text
};

/// A block of preformatted text (e.g. the resolved configuration).
struct Code {
  std::string text;
};

using Block = std::variant<Paragraph, Table, Figure, Code>;

/// A titled part of the report, listed in the table of contents and linked by id "section-N"
/// (N counts from 1), whatever its title.
struct Section {
  std::string title;
  std::vector<Block> blocks;
};

/// The whole page: a title (also the document's <title>; "deeprg report" when empty), an optional
/// subtitle, a table of contents when there are sections, then the sections in order.
struct HtmlReport {
  std::string title;
  std::string subtitle;  ///< under the title, e.g. "deeprg 0.1.0 · seed 1 · 2026-11-24"
  std::vector<Section> sections;
};

/// Writes the report atomically to `html`: the whole page is built, and every figure and table
/// checked, before anything is written; it then goes to a temporary file renamed over `html`, so
/// a failure leaves an existing file unchanged. Throws IoError naming a figure's PNG when it
/// cannot be read or is not a PNG file (no PNG signature, or no IHDR chunk after it), ShapeError
/// naming the table (its caption) when a row's length differs from its header's, and IoError
/// naming `html` when the report cannot be written.
void write_html_report(const std::filesystem::path& html, const HtmlReport& report);

/// Base64 (RFC 4648, with padding) of `bytes`.
std::string base64(const std::string& bytes);

}  // namespace deeprg::report
