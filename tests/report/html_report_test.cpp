// Self-contained HTML reports: base64 against RFC 4648, escaping, shapes and file errors, images
// that decode back to the PNG bytes, no external references, atomic writes, and a real render in
// headless Chromium (tests/report/check_report.py).
#include "deeprg/report/html_report.hpp"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "deeprg/core/error.hpp"
#include "deeprg/io/atomic_file.hpp"
#include "deeprg/report/line_plot.hpp"

namespace {

namespace fs = std::filesystem;
using deeprg::report::base64;
using deeprg::report::Code;
using deeprg::report::Figure;
using deeprg::report::HtmlReport;
using deeprg::report::Paragraph;
using deeprg::report::Section;
using deeprg::report::Table;
using deeprg::report::write_html_report;

const std::string kPngSignature("\x89PNG\r\n\x1a\n", 8);

// An independent decoder (table-free, by alphabet position) so that the round trip checks the
// encoder rather than itself.
std::string decode_base64(const std::string& text) {
  const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  unsigned buffer = 0;
  int bits = 0;
  for (const char c : text) {
    if (c == '=') break;
    const auto k = alphabet.find(c);
    if (k == std::string::npos) ADD_FAILURE() << "not base64: " << c;
    buffer = (buffer << 6) | static_cast<unsigned>(k);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((buffer >> bits) & 0xFF);
    }
  }
  return out;
}

std::size_t count(const std::string& haystack, const std::string& needle) {
  std::size_t n = 0;
  for (auto at = haystack.find(needle); at != std::string::npos; at = haystack.find(needle, at + 1))
    ++n;
  return n;
}

// The values of every `name="..."` attribute in `html`, in order. Plain string search: std::regex
// recurses per character and would overflow the stack on a long base64 payload.
std::vector<std::string> attributes(const std::string& html, const std::string& name) {
  std::vector<std::string> out;
  const std::string key = " " + name + "=\"";
  for (auto at = html.find(key); at != std::string::npos; at = html.find(key, at + 1)) {
    const auto begin = at + key.size(), end = html.find('"', begin);
    if (end == std::string::npos) break;
    out.push_back(html.substr(begin, end - begin));
  }
  return out;
}

// The payloads of every data:image/png;base64 URI in `html`, in order.
std::vector<std::string> embedded_images(const std::string& html) {
  const std::string prefix = "data:image/png;base64,";
  std::vector<std::string> out;
  for (const auto& src : attributes(html, "src")) {
    EXPECT_EQ(src.rfind(prefix, 0), 0u) << src.substr(0, 60);
    out.push_back(src.substr(prefix.size()));
  }
  return out;
}

class HtmlReportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("deeprg_html_report_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override {
    if (!HasFailure()) fs::remove_all(dir_);
  }

  // A small real PNG, drawn by the line-plot module.
  fs::path plot(const std::string& name, int width = 480, int height = 320) const {
    deeprg::report::LinePlot p;
    p.title = "Figure " + name;
    p.x_label = "RG level";
    p.y_label = "|m|";
    p.x_tick = 1;
    p.width = width;
    p.height = height;
    deeprg::report::Series s;
    s.label = "T = 2.269";
    s.x = {0, 1, 2, 3};
    s.y = {0.61, 0.60, 0.58, 0.55};
    s.y_error = {0.01, 0.01, 0.02, 0.02};
    p.series.push_back(s);
    const fs::path png = dir_ / (name + ".png");
    deeprg::report::write_line_plot(png, p);
    return png;
  }

  HtmlReport sample(const std::vector<fs::path>& pngs) const {
    HtmlReport r;
    r.title = "deeprg report: Ising 40×40 at K = 0.408";
    r.subtitle = "deeprg 0.1.0 · seed 1 · test";
    Section intro{"Summary",
                  {Paragraph{"Wolff samples of the periodic Ising model, next to the exact "
                             "values (Kaufman's finite torus).\nA second line."},
                   Table{"Observables",
                         {"observable", "measured", "exact"},
                         {{"energy per spin", "−1.4127 ± 0.0008", "−1.41277"},
                          {"|m|", "0.1503 ± 0.0021", "—"},
                          {"Binder U₄", "0.412 ± 0.009", "—"},
                          {"specific heat", "1.06 ± 0.03", "1.0632"}}}}};
    Section figures{"Figures", {}};
    for (std::size_t k = 0; k < pngs.size(); ++k)
      figures.blocks.push_back(Figure{pngs[k], "Flow of |m|, figure " + std::to_string(k + 1)});
    Section config{"Configuration",
                   {Code{"[sample]\nL = 40\nK = 0.408\nalgorithm = \"wolff\"\nsamples = 20000\n"}}};
    r.sections = {intro, figures, config};
    return r;
  }

  fs::path dir_;
};

// ---------------------------------------------------------------- base64

TEST(Base64, Rfc4648TestVectors) {  // RFC 4648 §10: every padding case
  EXPECT_EQ(base64(""), "");
  EXPECT_EQ(base64("f"), "Zg==");
  EXPECT_EQ(base64("fo"), "Zm8=");
  EXPECT_EQ(base64("foo"), "Zm9v");
  EXPECT_EQ(base64("foob"), "Zm9vYg==");
  EXPECT_EQ(base64("fooba"), "Zm9vYmE=");
  EXPECT_EQ(base64("foobar"), "Zm9vYmFy");
}

TEST(Base64, BinaryBytes) {
  EXPECT_EQ(base64(std::string("\0", 1)), "AA==");
  EXPECT_EQ(base64(std::string("\0\0\0", 3)), "AAAA");
  EXPECT_EQ(base64("\xff\xff\xff"), "////");
  EXPECT_EQ(base64("\xfb\xff"), "+/8=");
  EXPECT_EQ(base64(kPngSignature), "iVBORw0KGgo=");
  // Every byte value, high bit included, survives the round trip.
  std::string all;
  for (int b = 0; b < 256; ++b) all += static_cast<char>(b);
  for (const std::size_t n : {0, 1, 2, 3, 4, 5, 127, 128, 129, 254, 255, 256}) {
    const std::string part = all.substr(256 - n);
    const std::string encoded = base64(part);
    EXPECT_EQ(encoded.size(), (part.size() + 2) / 3 * 4);
    EXPECT_EQ(decode_base64(encoded), part) << n;
  }
}

// ---------------------------------------------------------------- page content

TEST_F(HtmlReportTest, IsOneHtml5PageWithTitleContentsAndSections) {
  const fs::path html = dir_ / "report.html";
  write_html_report(html, sample({plot("a")}));
  const std::string page = deeprg::io::read_file(html);
  EXPECT_EQ(page.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_NE(page.find("<meta charset=\"utf-8\">"), std::string::npos);
  EXPECT_NE(page.find("<style>"), std::string::npos);
  EXPECT_NE(page.find("max-width: 1100px"), std::string::npos);
  EXPECT_NE(page.find("@media print"), std::string::npos);
  EXPECT_NE(page.find("<title>deeprg report: Ising 40×40 at K = 0.408</title>"), std::string::npos);
  EXPECT_NE(page.find("deeprg 0.1.0 · seed 1 · test"), std::string::npos);
  // The table of contents links to every section by id.
  for (const char* id : {"section-1", "section-2", "section-3"}) {
    EXPECT_NE(page.find(std::string("href=\"#") + id + "\""), std::string::npos) << id;
    EXPECT_NE(page.find(std::string("id=\"") + id + "\""), std::string::npos) << id;
  }
  EXPECT_NE(page.find(">Summary</a>"), std::string::npos);
  EXPECT_EQ(count(page, "<section"), 3u);
  EXPECT_EQ(count(page, "<table>"), 1u);
  EXPECT_EQ(count(page, "<tr>"), 5u);  // header + 4 rows
  EXPECT_EQ(count(page, "<figure>"), 1u);
  EXPECT_NE(page.find("<figcaption>"), std::string::npos);
  EXPECT_NE(page.find("alt=\"Flow of |m|, figure 1\""), std::string::npos);
  EXPECT_NE(page.find("<pre><code>[sample]\nL = 40\n"), std::string::npos);
  EXPECT_EQ(count(page, "<script"), 0u);
}

TEST_F(HtmlReportTest, EscapesAllText) {
  HtmlReport r;
  r.title = "a < b & \"c\" > 'd'";
  r.subtitle = "<b>not bold</b>";
  r.sections = {
      {"<i>section</i>",
       {Paragraph{"<script>alert(1)</script>"}, Table{"<u>caption</u>", {"<th>"}, {{"<td>&amp;"}}},
        Code{"if (a < b && c > d) return \"x\";"}}}};
  const fs::path html = dir_ / "report.html";
  write_html_report(html, r);
  const std::string page = deeprg::io::read_file(html);
  EXPECT_EQ(page.find("<script"), std::string::npos);
  EXPECT_EQ(page.find("alert(1)</script>"), std::string::npos);
  EXPECT_NE(page.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
  EXPECT_NE(page.find("<title>a &lt; b &amp; &quot;c&quot; &gt; &#39;d&#39;</title>"),
            std::string::npos);
  EXPECT_EQ(page.find("<b>"), std::string::npos);
  EXPECT_EQ(page.find("<i>"), std::string::npos);
  EXPECT_EQ(page.find("<u>"), std::string::npos);
  EXPECT_EQ(page.find("<th>"), std::string::npos);
  EXPECT_NE(page.find("&lt;td&gt;&amp;amp;"), std::string::npos);
  EXPECT_NE(page.find("if (a &lt; b &amp;&amp; c &gt; d) return &quot;x&quot;;"),
            std::string::npos);
}

TEST_F(HtmlReportTest, EscapesFigureCaptionInAltAttribute) {
  HtmlReport r;
  r.title = "t";
  r.sections = {{"s", {Figure{plot("a"), "\" onerror=\"alert(1)"}}}};
  const fs::path html = dir_ / "report.html";
  write_html_report(html, r);
  const std::string page = deeprg::io::read_file(html);
  EXPECT_EQ(page.find("\" onerror="), std::string::npos);
  EXPECT_NE(page.find("alt=\"&quot; onerror=&quot;alert(1)\""), std::string::npos);
}

TEST_F(HtmlReportTest, EmptyReportIsStillAValidPage) {
  const fs::path html = dir_ / "report.html";
  write_html_report(html, HtmlReport{});
  const std::string page = deeprg::io::read_file(html);
  EXPECT_NE(page.find("<title>deeprg report</title>"), std::string::npos);
  EXPECT_EQ(page.find("<nav"), std::string::npos);
  EXPECT_NE(page.find("</html>"), std::string::npos);
}

// ---------------------------------------------------------------- errors

TEST_F(HtmlReportTest, RowLengthMismatchIsAShapeErrorNamingTheTable) {
  HtmlReport r;
  r.title = "t";
  r.sections = {{"s", {Table{"Critical exponents", {"level", "y_t", "y_h"}, {{"1", "0.9"}}}}}};
  const fs::path html = dir_ / "report.html";
  try {
    write_html_report(html, r);
    FAIL() << "no ShapeError";
  } catch (const deeprg::ShapeError& e) {
    EXPECT_NE(std::string(e.what()).find("Critical exponents"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(fs::exists(html));
}

TEST_F(HtmlReportTest, MissingFigureIsAnIoErrorNamingTheFile) {
  HtmlReport r;
  r.title = "t";
  const fs::path missing = dir_ / "no_such_flow.png";
  r.sections = {{"s", {Figure{missing, "flow"}}}};
  try {
    write_html_report(dir_ / "report.html", r);
    FAIL() << "no IoError";
  } catch (const deeprg::IoError& e) {
    EXPECT_NE(std::string(e.what()).find(missing.string()), std::string::npos) << e.what();
  }
  EXPECT_FALSE(fs::exists(dir_ / "report.html"));
}

TEST_F(HtmlReportTest, NonPngFigureIsAnIoErrorNamingTheFile) {
  for (const std::string& bytes :
       {std::string("GIF89a not a png at all"), std::string(), kPngSignature,
        kPngSignature + std::string(40, '\0'), std::string("\x89PNG\r\n", 6)}) {
    const fs::path fake = dir_ / "fake_figure.png";
    deeprg::io::write_file_atomic(fake, bytes);
    HtmlReport r;
    r.title = "t";
    r.sections = {{"s", {Figure{fake, "fake"}}}};
    try {
      write_html_report(dir_ / "report.html", r);
      ADD_FAILURE() << "no IoError for " << bytes.size() << " bytes";
    } catch (const deeprg::IoError& e) {
      EXPECT_NE(std::string(e.what()).find(fake.string()), std::string::npos) << e.what();
    }
  }
  EXPECT_FALSE(fs::exists(dir_ / "report.html"));
}

TEST_F(HtmlReportTest, UnwritableTargetIsAnIoError) {
  EXPECT_THROW(write_html_report(dir_ / "no_such_dir" / "report.html", sample({})),
               deeprg::IoError);
  EXPECT_THROW(write_html_report(dir_, sample({})), deeprg::IoError);  // a directory
}

// ---------------------------------------------------------------- images and isolation

TEST_F(HtmlReportTest, EmbeddedImagesDecodeToTheExactPngBytes) {
  const std::vector<fs::path> pngs{plot("a", 400, 300), plot("b", 640, 360), plot("c", 300, 500)};
  const fs::path html = dir_ / "report.html";
  write_html_report(html, sample(pngs));
  const std::string page = deeprg::io::read_file(html);
  const auto images = embedded_images(page);
  ASSERT_EQ(images.size(), pngs.size());
  for (std::size_t k = 0; k < pngs.size(); ++k) {
    const std::string bytes = deeprg::io::read_file(pngs[k]);
    ASSERT_EQ(bytes.substr(0, 8), kPngSignature);
    EXPECT_EQ(images[k], base64(bytes));
    EXPECT_EQ(decode_base64(images[k]), bytes) << pngs[k];
  }
  // The intrinsic size is declared, so the layout does not jump while images decode.
  EXPECT_NE(page.find("width=\"640\" height=\"360\""), std::string::npos);
  EXPECT_EQ(count(page, "<img "), 3u);
}

TEST_F(HtmlReportTest, ReferencesNothingOutsideThePage) {
  const fs::path html = dir_ / "report.html";
  write_html_report(html, sample({plot("a"), plot("b")}));
  const std::string page = deeprg::io::read_file(html);
  for (const char* scheme : {"http:", "https:", "file:", "ftp:", "@import", "url("})
    EXPECT_EQ(page.find(scheme), std::string::npos) << scheme;
  // Every src is a data URI and every href a fragment.
  const auto srcs = attributes(page, "src"), hrefs = attributes(page, "href");
  EXPECT_EQ(srcs.size(), 2u);
  EXPECT_EQ(hrefs.size(), 3u);  // the contents
  for (const auto& src : srcs)
    EXPECT_EQ(src.rfind("data:image/png;base64,", 0), 0u) << src.substr(0, 60);
  for (const auto& href : hrefs) EXPECT_EQ(href.rfind("#section-", 0), 0u) << href;
  for (const char* attr : {" srcset=", " poster=", " data=", " action=", " background="})
    EXPECT_EQ(page.find(attr), std::string::npos) << attr;
  EXPECT_EQ(count(page, "<link"), 0u);
  EXPECT_EQ(count(page, "<script"), 0u);
}

TEST_F(HtmlReportTest, FailedWriteLeavesAnExistingReportUnchanged) {
  const fs::path html = dir_ / "report.html";
  write_html_report(html, sample({plot("a")}));
  const std::string before = deeprg::io::read_file(html);
  HtmlReport broken = sample({plot("a"), dir_ / "vanished.png"});
  EXPECT_THROW(write_html_report(html, broken), deeprg::IoError);
  broken = sample({});
  std::get<Table>(broken.sections[0].blocks[1]).rows.push_back({"too", "short"});
  EXPECT_THROW(write_html_report(html, broken), deeprg::ShapeError);
  EXPECT_EQ(deeprg::io::read_file(html), before);
  // No temporary file is left beside the target.
  for (const auto& entry : fs::directory_iterator(dir_))
    EXPECT_EQ(entry.path().filename().string().find(".tmp"), std::string::npos) << entry.path();
  // A successful write replaces it whole.
  write_html_report(html, sample({}));
  EXPECT_NE(deeprg::io::read_file(html), before);
  EXPECT_EQ(embedded_images(deeprg::io::read_file(html)).size(), 0u);
}

// ---------------------------------------------------------------- headless Chromium

const char* const kChromium = "/usr/bin/chromium";
const char* const kChromedriver = "/usr/bin/chromedriver";
const char* const kPython = "/usr/bin/python3";

// Empty when the browser check can run; otherwise what is missing.
std::string browser_missing() {
  std::string missing;
  for (const char* tool : {kChromium, kChromedriver, kPython})
    if (::access(tool, X_OK) != 0) missing += std::string(missing.empty() ? "" : ", ") + tool;
  if (missing.empty() && std::system("/usr/bin/python3 -c 'import selenium' >/dev/null 2>&1") != 0)
    missing = "python3-selenium (import selenium)";
  return missing;
}

// In CI (CI set) a missing browser fails the test: the check must really run there.
#define REQUIRE_BROWSER()                                                                    \
  do {                                                                                       \
    if (const std::string why = browser_missing(); !why.empty()) {                           \
      if (std::getenv("CI") != nullptr)                                                      \
        FAIL() << "CI is set but the headless-Chromium check cannot run: missing " << why    \
               << "; scripts/install-deps.sh installs chromium, chromium-driver and "        \
                  "python3-selenium";                                                        \
      GTEST_SKIP() << "headless Chromium unavailable (missing " << why                       \
                   << "); run scripts/install-deps.sh to install chromium, chromium-driver " \
                      "and python3-selenium";                                                \
    }                                                                                        \
  } while (0)

struct CheckRun {
  int status;  // exit status, or -1 when it did not exit normally
  std::string output;
};

CheckRun check_report(const fs::path& html, const std::string& args) {
  const std::string command = std::string(kPython) + " '" + DEEPRG_SOURCE_DIR +
                              "/tests/report/check_report.py' '" + html.string() + "' " + args +
                              " 2>&1";
  CheckRun run{-1, ""};
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return run;
  std::array<char, 4096> buffer{};
  while (const std::size_t n = std::fread(buffer.data(), 1, buffer.size(), pipe))
    run.output.append(buffer.data(), n);
  const int status = ::pclose(pipe);
  if (status != -1 && WIFEXITED(status)) run.status = WEXITSTATUS(status);
  return run;
}

TEST_F(HtmlReportTest, RendersInHeadlessChromiumWithEveryImageDecoded) {
  REQUIRE_BROWSER();
  const std::vector<fs::path> pngs{plot("a", 640, 420), plot("b", 480, 320), plot("c", 800, 300)};
  const fs::path html = dir_ / "report.html";
  const HtmlReport report = sample(pngs);
  write_html_report(html, report);
  const auto start = std::chrono::steady_clock::now();
  const CheckRun run =
      check_report(html, "--images 3 --title '" + report.title + "' --screenshot '" +
                             (dir_ / "screenshot.png").string() + "'");
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(run.status, 0) << run.output;
  EXPECT_NE(run.output.find("OK"), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("3 images decoded"), std::string::npos) << run.output;
  const std::string shot = deeprg::io::read_file(dir_ / "screenshot.png");
  EXPECT_EQ(shot.substr(0, 8), kPngSignature);
  RecordProperty("chromium_seconds", std::to_string(seconds));
  // Asking for more images than there are must fail: the count is really checked.
  const CheckRun more = check_report(html, "--images 4");
  EXPECT_EQ(more.status, 1) << more.output;
  EXPECT_NE(more.output.find("expected at least 4"), std::string::npos) << more.output;
}

TEST_F(HtmlReportTest, HeadlessChromiumCheckCatchesABrokenImage) {
  REQUIRE_BROWSER();
  // A valid PNG signature followed by garbage: the data URI loads but does not decode.
  const fs::path html = dir_ / "broken.html";
  deeprg::io::write_file_atomic(
      html,
      "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>broken</title></head>\n"
      "<body><img src=\"data:image/png;base64," +
          base64(kPngSignature + "this is not an IHDR chunk") +
          "\" alt=\"broken\"></body></html>\n");
  const CheckRun run = check_report(html, "--images 1");
  EXPECT_EQ(run.status, 1) << run.output;
  EXPECT_NE(run.output.find("did not decode"), std::string::npos) << run.output;
}

TEST_F(HtmlReportTest, HeadlessChromiumCheckCatchesAnExternalReference) {
  REQUIRE_BROWSER();
  // A report that is fine except for one stylesheet from outside (port 9 is discard: nothing
  // answers, so the test does not depend on a network).
  const fs::path html = dir_ / "external.html";
  write_html_report(html, sample({plot("a")}));
  std::string page = deeprg::io::read_file(html);
  // Drop the page's own Content-Security-Policy so that Chromium really attempts the request.
  const auto csp = page.find("<meta http-equiv=");
  ASSERT_NE(csp, std::string::npos);
  page.erase(csp, page.find('>', csp) + 1 - csp);
  page.replace(page.find("</head>"), 0,
               "<link rel=\"stylesheet\" href=\"http://127.0.0.1:9/theme.css\">\n");
  deeprg::io::write_file_atomic(html, page);
  const CheckRun run = check_report(html, "--images 1");
  EXPECT_EQ(run.status, 1) << run.output;
  EXPECT_NE(run.output.find("http://127.0.0.1:9/theme.css"), std::string::npos) << run.output;
}

}  // namespace
