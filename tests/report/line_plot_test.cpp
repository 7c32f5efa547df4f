// PNG line plots: a valid image of the requested size, written atomically, errors as exceptions.
#include "deeprg/report/line_plot.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <string>
#include <thread>

#include "deeprg/core/error.hpp"
#include "deeprg/io/atomic_file.hpp"

namespace {

namespace fs = std::filesystem;
using deeprg::report::LinePlot;
using deeprg::report::Series;

class LinePlotTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("deeprg_line_plot_" +
            std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

std::uint32_t big_endian(const std::string& bytes, std::size_t at) {
  std::uint32_t v = 0;
  for (std::size_t i = 0; i < 4; ++i) v = (v << 8) | static_cast<unsigned char>(bytes[at + i]);
  return v;
}

// PNG signature, then the IHDR chunk: length 13, "IHDR", width, height (big-endian).
void expect_png(const fs::path& path, std::uint32_t width, std::uint32_t height) {
  const std::string bytes = deeprg::io::read_file(path);
  ASSERT_GT(bytes.size(), 1000u) << path;
  EXPECT_EQ(bytes.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
  EXPECT_EQ(bytes.substr(12, 4), "IHDR");
  EXPECT_EQ(big_endian(bytes, 16), width);
  EXPECT_EQ(big_endian(bytes, 20), height);
}

// Built step by step: GCC 12 warns (-Wrestrict, a false positive) on "p" + to_string(i) + ".png".
std::string png_name(int i) {
  std::string name = "p";
  name += std::to_string(i);
  name += ".png";
  return name;
}

LinePlot flow_like_plot() {
  LinePlot plot;
  plot.title = "Block-spin RG flow (majority rule, b = 2)";
  plot.x_label = "RG level";
  plot.y_label = "Binder cumulant U₄ = 1 − ⟨m⁴⟩ / 3⟨m²⟩²";
  plot.x_tick = 1;
  const double values[3][4] = {
      {0.659, 0.666, 0.6667, 0.6667}, {0.61, 0.60, 0.58, 0.55}, {0.12, 0.05, 0.04, 0.04}};
  const char* labels[3] = {"T = 1.8", "T = 2.26919", "T = 3.5"};
  for (int t = 0; t < 3; ++t) {
    Series s;
    s.label = labels[t];
    for (int k = 0; k < 4; ++k) {
      s.x.push_back(k);
      s.y.push_back(values[t][k]);
      s.y_error.push_back(0.01 * (k + 1));
    }
    plot.series.push_back(s);
  }
  return plot;
}

TEST_F(LinePlotTest, WritesAPngOfTheRequestedSize) {
  const fs::path png = dir_ / "flow.png";
  deeprg::report::write_line_plot(png, flow_like_plot());
  expect_png(png, 800, 600);
  // Only the PNG: the temporary file was renamed, not left behind.
  EXPECT_EQ(std::distance(fs::directory_iterator(dir_), fs::directory_iterator()), 1);
  // Overwrite with another size.
  LinePlot small = flow_like_plot();
  small.width = 400;
  small.height = 300;
  deeprg::report::write_line_plot(png, small);
  expect_png(png, 400, 300);
}

TEST_F(LinePlotTest, LogAxesNaNsAndEmptyPlots) {
  LinePlot plot;
  plot.title = "log-log # of things";
  plot.x_label = "L";
  plot.y_label = "ξ";
  plot.log_x = plot.log_y = true;
  Series s;
  s.label = "power law";
  for (int i = 0; i < 8; ++i) {
    s.x.push_back(std::pow(2.0, i));
    s.y.push_back(i == 3 ? std::nan("") : std::pow(2.0, 0.75 * i));
    s.y_error.push_back(i == 0 ? 2.0 : 0.1 * s.y.back());  // the first bar reaches below 0
  }
  s.x.push_back(-1);  // not drawable on a log axis
  s.y.push_back(1);
  s.y_error.push_back(0.1);
  plot.series.push_back(s);
  plot.series.push_back(Series{"", {1, 100}, {1, 1}, {}});  // unlabelled: no legend entry
  deeprg::report::write_line_plot(dir_ / "log.png", plot);
  expect_png(dir_ / "log.png", 800, 600);
  deeprg::report::write_line_plot(dir_ / "empty.png", LinePlot{});
  expect_png(dir_ / "empty.png", 800, 600);
}

TEST_F(LinePlotTest, ConcurrentCallsAreSerialised) {
  std::vector<std::thread> threads;
  for (int i = 0; i < 3; ++i)
    threads.emplace_back(
        [this, i] { deeprg::report::write_line_plot(dir_ / png_name(i), flow_like_plot()); });
  for (auto& t : threads) t.join();
  for (int i = 0; i < 3; ++i) expect_png(dir_ / png_name(i), 800, 600);
}

TEST_F(LinePlotTest, ErrorsAreExceptionsNamingTheFile) {
  const fs::path missing = dir_ / "no" / "such" / "dir" / "plot.png";
  try {
    deeprg::report::write_line_plot(missing, flow_like_plot());
    FAIL();
  } catch (const deeprg::IoError& e) {
    EXPECT_NE(std::string(e.what()).find("plot.png"), std::string::npos) << e.what();
  }
  LinePlot bad = flow_like_plot();
  bad.series[1].y.pop_back();
  try {
    deeprg::report::write_line_plot(dir_ / "bad.png", bad);
    FAIL();
  } catch (const deeprg::ShapeError& e) {
    EXPECT_NE(std::string(e.what()).find("T = 2.26919"), std::string::npos) << e.what();
  }
  LinePlot tiny = flow_like_plot();
  tiny.width = 10;
  EXPECT_THROW(deeprg::report::write_line_plot(dir_ / "tiny.png", tiny), deeprg::ConfigError);
  EXPECT_THROW(deeprg::report::write_line_plot(dir_, flow_like_plot()), deeprg::IoError);
  EXPECT_FALSE(fs::exists(dir_ / "bad.png"));
  EXPECT_FALSE(fs::exists(dir_ / "tiny.png"));
  // Nothing but the directory itself is left.
  EXPECT_EQ(std::distance(fs::directory_iterator(dir_), fs::directory_iterator()), 0);
}

}  // namespace
