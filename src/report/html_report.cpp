#include "deeprg/report/html_report.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "deeprg/core/error.hpp"
#include "deeprg/io/atomic_file.hpp"

namespace deeprg::report {

namespace {

constexpr std::string_view kPngSignature{"\x89PNG\r\n\x1a\n", 8};

// One stylesheet for screen and print. System fonts only: the page must load nothing.
constexpr std::string_view kStyle = R"css(
:root { color-scheme: light; --fg: #1f2328; --muted: #59636e; --rule: #d1d9e0;
        --zebra: #f6f8fa; --head: #eef1f4; --accent: #0b5cad; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0 auto; max-width: 1100px; padding: 2rem 1.5rem 4rem; color: var(--fg);
       background: #fff; font: 16px/1.55 system-ui, -apple-system, "Segoe UI", "DejaVu Sans",
       "Liberation Sans", Helvetica, Arial, sans-serif; }
header { border-bottom: 2px solid var(--rule); margin-bottom: 1.5rem; padding-bottom: .75rem; }
h1 { font-size: 2rem; line-height: 1.2; margin: 0 0 .35rem; }
.subtitle { color: var(--muted); margin: 0; }
h2 { font-size: 1.45rem; margin: 2.4rem 0 .8rem; padding-bottom: .25rem;
     border-bottom: 1px solid var(--rule); }
p { margin: .7rem 0; white-space: pre-line; overflow-wrap: break-word; }
a { color: var(--accent); text-decoration: none; }
a:hover { text-decoration: underline; }
nav.toc { background: var(--zebra); border: 1px solid var(--rule); border-radius: 6px;
          padding: .8rem 1.2rem; margin: 0 0 1.5rem; }
nav.toc h2 { font-size: 1.05rem; margin: 0 0 .3rem; border: 0; padding: 0; }
nav.toc ol { margin: 0; padding-left: 1.6rem; columns: 2 18rem; }
nav.toc li { margin: .1rem 0; break-inside: avoid; }
.table-wrap { overflow-x: auto; margin: 1.2rem 0; }
table { border-collapse: collapse; margin: 0 auto; font-size: .95rem;
        font-variant-numeric: tabular-nums; }
caption { caption-side: top; text-align: left; font-weight: 600; padding: 0 0 .4rem; }
th, td { border: 1px solid var(--rule); padding: .35rem .7rem; text-align: left;
         vertical-align: top; }
thead th { background: var(--head); font-weight: 600; }
tbody tr:nth-child(even) { background: var(--zebra); }
td.num { text-align: right; white-space: nowrap; }
figure { margin: 1.8rem auto; text-align: center; }
figure img { display: block; margin: 0 auto; max-width: 100%; height: auto;
             border: 1px solid var(--rule); }
figcaption { color: var(--muted); font-size: .95rem; margin-top: .5rem; }
.label { font-weight: 600; color: var(--fg); }
pre { background: var(--zebra); border: 1px solid var(--rule); border-radius: 6px;
      padding: .8rem 1rem; overflow-x: auto; font-size: .88rem; line-height: 1.45; }
code { font-family: ui-monospace, "DejaVu Sans Mono", "Liberation Mono", Menlo, Consolas,
       monospace; }
@media (max-width: 600px) { body { padding: 1rem .8rem 2rem; } h1 { font-size: 1.6rem; } }
@media print {
  body { max-width: none; padding: 0; font-size: 11pt; }
  a { color: inherit; }
  nav.toc { background: none; }
  h2 { break-after: avoid; page-break-after: avoid; }
  figure, table, pre, tr { break-inside: avoid; page-break-inside: avoid; }
  .table-wrap, pre { overflow: visible; }
  pre { white-space: pre-wrap; }
  tbody tr:nth-child(even), thead th { -webkit-print-color-adjust: exact;
                                       print-color-adjust: exact; }
}
)css";

// Text for element content and for double-quoted attribute values.
std::string escape(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  for (const char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// A cell that reads as a number ("0.408", "-1.2e-3", "2.269 ± 0.004", "(12)") is right-aligned
// so that digits line up; "NaN" or "inf" are left as text.
bool looks_numeric(std::string_view cell) {
  // A lone dash stands for a missing number and lines up with the numbers around it.
  if (cell == "-" || cell == "\xE2\x80\x94" || cell == "\xE2\x80\x93") return true;  // - — –
  bool digit = false;
  for (std::size_t i = 0; i < cell.size();) {
    const char c = cell[i];
    if (c >= '0' && c <= '9') {
      digit = true;
      ++i;
    } else if (std::string_view(".eE+-() ").find(c) != std::string_view::npos) {
      ++i;
    } else if (cell.substr(i, 2) == "\xC2\xB1") {  // ±
      i += 2;
    } else if (cell.substr(i, 3) == "\xE2\x88\x92") {  // − (minus sign)
      i += 3;
    } else {
      return false;
    }
  }
  return digit;
}

std::uint32_t big_endian32(std::string_view bytes, std::size_t at) {
  std::uint32_t v = 0;
  for (std::size_t i = 0; i < 4; ++i) v = (v << 8) | static_cast<unsigned char>(bytes[at + i]);
  return v;
}

class Writer {
 public:
  explicit Writer(const HtmlReport& report) : report_(report) {}

  std::string render() {
    const std::string title = report_.title.empty() ? "deeprg report" : report_.title;
    out_ += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
    out_ += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
    // The browser itself refuses anything but inline styles and data: images.
    out_ +=
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
        "img-src data:; style-src 'unsafe-inline'\">\n";
    out_ += "<meta name=\"generator\" content=\"deeprg\">\n";
    out_ += "<title>" + escape(title) + "</title>\n<style>";
    out_ += kStyle;
    out_ += "</style>\n</head>\n<body>\n<header>\n<h1>" + escape(title) + "</h1>\n";
    if (!report_.subtitle.empty())
      out_ += "<p class=\"subtitle\">" + escape(report_.subtitle) + "</p>\n";
    out_ += "</header>\n";
    if (!report_.sections.empty()) {
      out_ += "<nav class=\"toc\" aria-label=\"Contents\">\n<h2>Contents</h2>\n<ol>\n";
      for (std::size_t s = 0; s < report_.sections.size(); ++s)
        out_ += "<li><a href=\"#" + section_id(s) + "\">" + escape(report_.sections[s].title) +
                "</a></li>\n";
      out_ += "</ol>\n</nav>\n";
    }
    out_ += "<main>\n";
    for (std::size_t s = 0; s < report_.sections.size(); ++s) {
      const Section& section = report_.sections[s];
      out_ += "<section id=\"" + section_id(s) + "\">\n<h2>" + escape(section.title) + "</h2>\n";
      for (const Block& block : section.blocks)
        std::visit([this](const auto& b) { emit(b); }, block);
      out_ += "</section>\n";
    }
    out_ += "</main>\n</body>\n</html>\n";
    return std::move(out_);
  }

 private:
  // Ids by position: unique whatever the titles are, and safe in a URL fragment.
  static std::string section_id(std::size_t s) { return "section-" + std::to_string(s + 1); }

  void emit(const Paragraph& p) { out_ += "<p>" + escape(p.text) + "</p>\n"; }

  void emit(const Code& c) { out_ += "<pre><code>" + escape(c.text) + "</code></pre>\n"; }

  void emit(const Table& t) {
    for (std::size_t r = 0; r < t.rows.size(); ++r)
      if (t.rows[r].size() != t.header.size())
        throw ShapeError("table \"" + t.caption + "\": row " + std::to_string(r + 1) + " has " +
                         std::to_string(t.rows[r].size()) + " cells, the header has " +
                         std::to_string(t.header.size()));
    ++tables_;
    out_ += "<div class=\"table-wrap\">\n<table>\n";
    out_ += "<caption><span class=\"label\">Table " + std::to_string(tables_) + ".</span>";
    if (!t.caption.empty()) (out_ += ' ') += escape(t.caption);
    out_ += "</caption>\n";
    if (!t.header.empty()) {
      out_ += "<thead><tr>";
      for (const auto& h : t.header) out_ += "<th scope=\"col\">" + escape(h) + "</th>";
      out_ += "</tr></thead>\n";
    }
    out_ += "<tbody>\n";
    for (const auto& row : t.rows) {
      out_ += "<tr>";
      for (const auto& cell : row)
        out_ += (looks_numeric(cell) ? "<td class=\"num\">" : "<td>") + escape(cell) + "</td>";
      out_ += "</tr>\n";
    }
    out_ += "</tbody>\n</table>\n</div>\n";
  }

  void emit(const Figure& f) {
    const std::string bytes = io::read_file(f.png);  // IoError naming the file
    if (bytes.size() < kPngSignature.size() ||
        std::string_view(bytes).substr(0, kPngSignature.size()) != kPngSignature)
      throw IoError(f.png.string() + ": not a PNG file (no PNG signature)");
    // The IHDR chunk must come first: length 13, "IHDR", width, height.
    if (bytes.size() < 33 || std::string_view(bytes).substr(12, 4) != "IHDR")
      throw IoError(f.png.string() + ": truncated or malformed PNG (no IHDR chunk)");
    const std::uint32_t width = big_endian32(bytes, 16), height = big_endian32(bytes, 20);
    if (width == 0 || height == 0)
      throw IoError(f.png.string() + ": malformed PNG (zero width or height)");
    ++figures_;
    out_ += "<figure>\n<img src=\"data:image/png;base64,";
    out_ += base64(bytes);
    out_ += "\" width=\"" + std::to_string(width) + "\" height=\"" + std::to_string(height) +
            "\" alt=\"" + escape(f.caption) + "\">\n";
    out_ += "<figcaption><span class=\"label\">Figure " + std::to_string(figures_) + ".</span>";
    if (!f.caption.empty()) (out_ += ' ') += escape(f.caption);
    out_ += "</figcaption>\n</figure>\n";
  }

  const HtmlReport& report_;
  std::string out_;
  int tables_ = 0, figures_ = 0;
};

}  // namespace

std::string base64(const std::string& bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  const auto byte = [&](std::size_t i) {
    return static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i]));
  };
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const std::uint32_t v = (byte(i) << 16) | (byte(i + 1) << 8) | byte(i + 2);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  if (const std::size_t rest = bytes.size() - i; rest > 0) {
    const std::uint32_t v = (byte(i) << 16) | (rest == 2 ? byte(i + 1) << 8 : 0u);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += rest == 2 ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

void write_html_report(const std::filesystem::path& html, const HtmlReport& report) {
  // The whole page is built (and every input validated) before the target is touched, then
  // written through a temporary file and renamed: a failure leaves any existing report intact.
  const std::string page = Writer(report).render();
  io::write_file_atomic(html, page);
}

}  // namespace deeprg::report
