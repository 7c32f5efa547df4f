// PNG image grids and architecture drawings: the files are read back with libpng and their
// pixels checked (colours, orientation, panel sizes), writes are atomic, errors are exceptions.
#include "deeprg/report/image_plot.hpp"

#include <gtest/gtest.h>
#include <png.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <functional>
#include <limits>
#include <string>
#include <thread>
#include <vector>

#include "deeprg/core/error.hpp"
#include "deeprg/io/atomic_file.hpp"
#include "deeprg/report/line_plot.hpp"

namespace {

namespace fs = std::filesystem;
using deeprg::report::ColourMap;
using deeprg::report::ImageGrid;
using deeprg::report::ImagePanel;
using deeprg::report::LayerBox;
using deeprg::report::write_architecture;
using deeprg::report::write_image_grid;

struct Rgb {
  int r, g, b;
};

// An RGB image read back from a PNG file.
struct Image {
  int width = 0, height = 0;
  std::vector<unsigned char> rgb;
  Rgb at(int x, int y) const {
    const std::size_t i = 3 * (static_cast<std::size_t>(y) * width + x);
    return {rgb[i], rgb[i + 1], rgb[i + 2]};
  }
};

Image read_png(const fs::path& path) {
  png_image png{};
  png.version = PNG_IMAGE_VERSION;
  Image image;
  if (!png_image_begin_read_from_file(&png, path.c_str())) {
    ADD_FAILURE() << path << ": " << png.message;
    return image;
  }
  png.format = PNG_FORMAT_RGB;
  image.rgb.resize(PNG_IMAGE_SIZE(png));
  if (!png_image_finish_read(&png, nullptr, image.rgb.data(), 0, nullptr)) {
    ADD_FAILURE() << path << ": " << png.message;
    return image;
  }
  image.width = static_cast<int>(png.width);
  image.height = static_cast<int>(png.height);
  return image;
}

bool white(Rgb c) { return c.r >= 250 && c.g >= 250 && c.b >= 250; }
bool black(Rgb c) { return c.r <= 5 && c.g <= 5 && c.b <= 5; }
bool reddish(Rgb c) { return c.r > 140 && c.r > c.g + 80 && c.r > c.b + 80; }
bool bluish(Rgb c) { return c.b > 140 && c.b > c.r + 80 && c.b > c.g + 30; }

// Maximal runs [begin, end) of pixels satisfying `pred` along row y or column x.
struct Span {
  int begin, end;
  int length() const { return end - begin; }
};
std::vector<Span> runs(const Image& image, bool horizontal, int line,
                       const std::function<bool(Rgb)>& pred) {
  std::vector<Span> out;
  const int n = horizontal ? image.width : image.height;
  int start = -1;
  for (int i = 0; i <= n; ++i) {
    const bool in = i < n && pred(horizontal ? image.at(i, line) : image.at(line, i));
    if (in && start < 0) start = i;
    if (!in && start >= 0) {
      out.push_back({start, i});
      start = -1;
    }
  }
  return out;
}

int count(const Image& image, const std::function<bool(Rgb)>& pred) {
  int n = 0;
  for (int y = 0; y < image.height; ++y)
    for (int x = 0; x < image.width; ++x) n += pred(image.at(x, y)) ? 1 : 0;
  return n;
}

ImagePanel constant(std::size_t rows, std::size_t cols, double value, std::string title = "") {
  return ImagePanel{std::move(title), rows, cols, std::vector<double>(rows * cols, value)};
}

// A grid of one panel without titles, labels or bar: the panel sits in the middle.
ImageGrid single(ImagePanel panel, ColourMap colours, int pixels = 100) {
  ImageGrid grid;
  grid.panels.push_back(std::move(panel));
  grid.colours = colours;
  grid.panel_pixels = pixels;
  return grid;
}

class ImagePlotTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("deeprg_image_plot_" +
            std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // The centre pixel of a one-panel figure.
  Rgb centre_of(const ImageGrid& grid) {
    const fs::path png = dir_ / "centre.png";
    write_image_grid(png, grid);
    const Image image = read_png(png);
    return image.at(image.width / 2, image.height / 2);
  }

  std::vector<std::string> files() const {
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(dir_))
      names.push_back(entry.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
  }

  fs::path dir_;
};

// Receptive-field-like panels: a Gaussian bump of either sign on a weak background.
ImageGrid blob_grid() {
  ImageGrid grid;
  grid.title = "Receptive fields ξ, 40×40 lattice (±max|W|) #1";
  grid.colour_bar = "W(1)";
  grid.columns = 3;
  for (int k = 0; k < 6; ++k) {
    ImagePanel p{"hidden " + std::to_string(k + 1), 40, 40, {}};
    const double cx = 5 + 6 * k, cy = 35 - 5 * k, sign = k % 2 ? -1 : 1;
    for (int r = 0; r < 40; ++r)
      for (int c = 0; c < 40; ++c)
        p.values.push_back(sign * std::exp(-((r - cy) * (r - cy) + (c - cx) * (c - cx)) / 30.0) -
                           0.05 * sign);
    grid.panels.push_back(std::move(p));
  }
  return grid;
}

// ---------------------------------------------------------------- colours

TEST_F(ImagePlotTest, DivergingMapIsRedForPositiveBlueForNegativeWhiteForZero) {
  const Rgb positive = centre_of(single(constant(8, 8, 2.5), ColourMap::diverging));
  EXPECT_TRUE(reddish(positive)) << positive.r << "," << positive.g << "," << positive.b;
  const Rgb negative = centre_of(single(constant(8, 8, -0.01), ColourMap::diverging));
  EXPECT_TRUE(bluish(negative)) << negative.r << "," << negative.g << "," << negative.b;
  const Rgb zero = centre_of(single(constant(8, 8, 0.0), ColourMap::diverging));
  EXPECT_TRUE(white(zero)) << zero.r << "," << zero.g << "," << zero.b;
  // Non-finite values are drawn as the midpoint.
  const Rgb nan = centre_of(
      single(constant(8, 8, std::numeric_limits<double>::quiet_NaN()), ColourMap::diverging));
  EXPECT_TRUE(white(nan)) << nan.r << "," << nan.g << "," << nan.b;
}

TEST_F(ImagePlotTest, GreyMapRunsFromBlackAtLowToWhiteAtHigh) {
  EXPECT_TRUE(black(centre_of(single(constant(4, 4, -1.0), ColourMap::grey))));
  EXPECT_TRUE(white(centre_of(single(constant(4, 4, 1.0), ColourMap::grey))));
  // Outside [low, high] values are clamped to the ends.
  EXPECT_TRUE(white(centre_of(single(constant(4, 4, 7.0), ColourMap::grey))));
  const Rgb mid = centre_of(single(constant(4, 4, 0.0), ColourMap::grey));
  EXPECT_NEAR(mid.r, 128, 6);
  EXPECT_EQ(mid.r, mid.g);
  EXPECT_EQ(mid.g, mid.b);
  // Probabilities: [0, 1].
  ImageGrid probability = single(constant(4, 4, 0.0), ColourMap::grey);
  probability.low = 0;
  probability.high = 1;
  EXPECT_TRUE(black(centre_of(probability)));
}

TEST_F(ImagePlotTest, PerPanelScaleAgainstOneScaleForTheGrid) {
  ImageGrid grid;
  grid.panel_pixels = 80;
  grid.panels = {constant(5, 5, 1.0), constant(5, 5, 0.25)};
  const fs::path png = dir_ / "scale.png";
  auto centres = [&] {
    write_image_grid(png, grid);
    const Image image = read_png(png);
    const auto panels = runs(image, true, image.height / 2, [](Rgb c) { return c.r > c.b + 20; });
    EXPECT_EQ(panels.size(), 2u);
    std::vector<Rgb> out;
    for (const Span& run : panels)
      out.push_back(image.at((run.begin + run.end) / 2, image.height / 2));
    return out;
  };
  grid.per_panel_scale = true;
  auto own = centres();
  ASSERT_EQ(own.size(), 2u);
  EXPECT_NEAR(own[0].g, own[1].g, 2);  // each panel at its own maximum: the same red
  grid.per_panel_scale = false;
  auto shared = centres();
  ASSERT_EQ(shared.size(), 2u);
  EXPECT_TRUE(reddish(shared[0]));
  EXPECT_GT(shared[1].g, shared[0].g + 60);  // a quarter of the maximum: much paler
}

// ---------------------------------------------------------------- geometry

TEST_F(ImagePlotTest, RowZeroIsDrawnAtTheTopAndColumnZeroAtTheLeft) {
  const int pixels = 100;
  ImagePanel top_row{"", 10, 10, {}};
  for (int r = 0; r < 10; ++r)
    for (int c = 0; c < 10; ++c) top_row.values.push_back(r == 0 ? 1 : -1);
  const fs::path png = dir_ / "top.png";
  write_image_grid(png, single(top_row, ColourMap::grey, pixels));
  Image image = read_png(png);
  // The panel: the one black run through the middle of the figure.
  const auto across = runs(image, true, image.height * 3 / 4, black);
  ASSERT_EQ(across.size(), 1u);
  const int x = (across[0].begin + across[0].end) / 2;
  const auto down = runs(image, false, x, [](Rgb c) { return !white(c); });
  ASSERT_GE(down.size(), 1u);
  const int top = down.front().begin, bottom = down.back().end;
  EXPECT_NEAR(bottom - top, pixels, 2);
  EXPECT_TRUE(white(image.at(x, top + pixels / 20)));         // row 0: +1
  EXPECT_TRUE(black(image.at(x, top + 3 * pixels / 20)));     // row 1: −1
  EXPECT_TRUE(black(image.at(x, bottom - pixels / 20 - 1)));  // last row: −1

  ImagePanel left_column{"", 10, 10, {}};
  for (int r = 0; r < 10; ++r)
    for (int c = 0; c < 10; ++c) left_column.values.push_back(c == 0 ? 1 : -1);
  write_image_grid(png, single(left_column, ColourMap::grey, pixels));
  image = read_png(png);
  const int y = image.height / 2;
  const auto row = runs(image, true, y, black);
  ASSERT_EQ(row.size(), 1u);
  EXPECT_NEAR(row[0].length(), pixels * 9 / 10, 3);             // columns 1 … 9
  EXPECT_TRUE(white(image.at(row[0].begin - pixels / 20, y)));  // column 0
}

TEST_F(ImagePlotTest, PanelsArePanelPixelsWideInTheRequestedColumns) {
  for (const int pixels : {40, 120}) {
    ImageGrid grid;
    grid.panel_pixels = pixels;
    grid.columns = 3;
    for (int k = 0; k < 7; ++k) grid.panels.push_back(constant(6, 6, 1.0));
    const fs::path png = dir_ / "size.png";
    write_image_grid(png, grid);
    const Image image = read_png(png);
    // 3 columns and 3 rows of panels (the last row holds one); a frame of small margins.
    EXPECT_GT(image.width, 3 * pixels);
    EXPECT_LT(image.width, 3 * pixels + 2 * 24 + 2 * std::max(14, pixels / 10) + 8);
    EXPECT_GT(image.height, 3 * pixels);
    EXPECT_LT(image.height, 3 * pixels + 2 * 24 + 2 * std::max(12, pixels / 10) + 8);
    // Down the first column and along each row: runs of red as long as the panel side.
    EXPECT_TRUE(runs(image, false, 0, reddish).empty());  // the left margin is blank
    int x = -1;
    for (int i = 0; i < image.width && x < 0; ++i)
      if (!runs(image, false, i, reddish).empty()) x = i + pixels / 2;
    ASSERT_GE(x, 0);
    const auto vertical = runs(image, false, x, reddish);
    ASSERT_EQ(vertical.size(), 3u) << pixels;
    const auto horizontal = runs(image, true, (vertical[0].begin + vertical[0].end) / 2, reddish);
    ASSERT_EQ(horizontal.size(), 3u) << pixels;
    for (const Span& run : horizontal) EXPECT_NEAR(run.length(), pixels, 3) << pixels;
    for (const Span& run : vertical) EXPECT_NEAR(run.length(), pixels, 3) << pixels;
    // The last row holds one panel.
    const auto last = runs(image, true, (vertical[2].begin + vertical[2].end) / 2, reddish);
    EXPECT_EQ(last.size(), 1u);
  }
}

TEST_F(ImagePlotTest, FewerPanelsThanColumnsNarrowTheFigure) {
  ImageGrid grid;
  grid.panel_pixels = 60;
  grid.columns = 8;
  grid.panels = {constant(3, 3, 1.0), constant(3, 3, 1.0)};
  write_image_grid(dir_ / "two.png", grid);
  const Image image = read_png(dir_ / "two.png");
  EXPECT_LT(image.width, 4 * 60);
}

TEST_F(ImagePlotTest, NonSquareArraysKeepSquareCells) {
  const int pixels = 120;
  const fs::path png = dir_ / "wide.png";
  write_image_grid(png, single(constant(3, 12, 1.0), ColourMap::diverging, pixels));
  const Image image = read_png(png);
  const auto horizontal = runs(image, true, image.height / 2, reddish);
  ASSERT_EQ(horizontal.size(), 1u);
  EXPECT_NEAR(horizontal[0].length(), pixels, 3);
  const auto vertical = runs(image, false, (horizontal[0].begin + horizontal[0].end) / 2, reddish);
  ASSERT_EQ(vertical.size(), 1u);
  EXPECT_NEAR(vertical[0].length(), pixels / 4, 3);
}

TEST_F(ImagePlotTest, TitlesLabelsAndColourBarAddInkAndSpace) {
  ImageGrid plain = blob_grid();
  plain.title.clear();
  plain.colour_bar.clear();
  for (ImagePanel& p : plain.panels) p.title.clear();
  write_image_grid(dir_ / "plain.png", plain);
  const Image a = read_png(dir_ / "plain.png");

  ImageGrid full = blob_grid();
  full.row_labels = {"data", "layer 1"};
  write_image_grid(dir_ / "full.png", full);
  const Image b = read_png(dir_ / "full.png");
  EXPECT_GT(b.width, a.width + 60);    // row labels and the colour bar
  EXPECT_GT(b.height, a.height + 40);  // figure and panel titles
  // Text is black; the plain figure has only the grey-ish anti-aliased frames.
  EXPECT_GT(count(b, black), count(a, black) + 200);
  // The colour bar: the rightmost column holding red and blue, red at the top.
  for (int x = b.width - 1; x > 0; --x) {
    const auto red = runs(b, false, x, reddish), blue = runs(b, false, x, bluish);
    if (red.empty() || blue.empty()) continue;
    EXPECT_GT(x, b.width - 120);
    EXPECT_LT(red.front().begin, blue.front().begin);
    EXPECT_GT(blue.back().end - red.front().begin, b.height / 2);
    return;
  }
  ADD_FAILURE() << "no colour bar";
}

TEST_F(ImagePlotTest, GreyGridWithRowLabelsAndBar) {
  ImageGrid grid;
  grid.title = "Spins and reconstructions, K = 0.408";
  grid.colours = ColourMap::grey;
  grid.columns = 3;
  grid.panel_pixels = 64;
  grid.row_labels = {"data", "layer 1 ± ξ"};
  grid.colour_bar = "⟨s⟩";
  for (int k = 0; k < 6; ++k) {
    ImagePanel p{"sample " + std::to_string(k), 8, 8, {}};
    for (int i = 0; i < 64; ++i) p.values.push_back((i * 7 + k) % 3 - 1.0);
    grid.panels.push_back(std::move(p));
  }
  write_image_grid(dir_ / "grey.png", grid);
  const Image image = read_png(dir_ / "grey.png");
  EXPECT_GT(count(image, black), 6 * 64 * 64 / 4);
  EXPECT_EQ(files(), std::vector<std::string>{"grey.png"});
}

// ---------------------------------------------------------------- errors and atomicity

TEST_F(ImagePlotTest, BadShapesAndLayoutsThrowBeforeAnythingIsWritten) {
  const fs::path png = dir_ / "kept.png";
  deeprg::io::write_file_atomic(png, "old contents");
  auto expect_config = [&](const ImageGrid& grid, const std::string& key) {
    try {
      write_image_grid(png, grid);
      ADD_FAILURE() << "no ConfigError for " << key;
    } catch (const deeprg::ConfigError& e) {
      EXPECT_EQ(e.key(), key);
    }
  };
  auto expect_shape = [&](const ImageGrid& grid, const std::string& names) {
    try {
      write_image_grid(png, grid);
      ADD_FAILURE() << "no ShapeError for " << names;
    } catch (const deeprg::ShapeError& e) {
      EXPECT_NE(std::string(e.what()).find(names), std::string::npos) << e.what();
    }
  };

  ImageGrid grid = blob_grid();
  grid.panels[2].values.pop_back();
  expect_shape(grid, "panel 2 ('hidden 3')");
  grid = blob_grid();
  grid.panels[4].rows = 0;
  grid.panels[4].values.clear();
  expect_shape(grid, "panel 4");
  grid = blob_grid();
  grid.panels[1].cols = 0;
  expect_shape(grid, "panel 1");

  grid = blob_grid();
  grid.columns = 0;
  expect_config(grid, "columns");
  grid = blob_grid();
  grid.panel_pixels = 15;
  expect_config(grid, "panel_pixels");
  grid.panel_pixels = 2001;
  expect_config(grid, "panel_pixels");
  grid = blob_grid();
  grid.columns = 1;
  grid.panel_pixels = 2000;  // six rows of 2000 pixels: too tall
  grid.panels.resize(12, grid.panels[0]);
  expect_config(grid, "panel_pixels");
  grid = blob_grid();  // 6 panels in 3 columns: 2 rows
  grid.row_labels = {"one"};
  expect_config(grid, "row_labels");
  grid.row_labels = {"one", "two", "three"};
  expect_config(grid, "row_labels");
  grid = blob_grid();
  grid.colours = ColourMap::grey;
  grid.low = 1;
  grid.high = 1;
  expect_config(grid, "low");
  grid.high = std::numeric_limits<double>::quiet_NaN();
  expect_config(grid, "low");
  grid = blob_grid();
  grid.panels.clear();
  expect_config(grid, "panels");

  // low ≥ high does not matter for the diverging map.
  grid = blob_grid();
  grid.low = 3;
  grid.high = -3;
  EXPECT_NO_THROW(write_image_grid(dir_ / "diverging.png", grid));
  EXPECT_EQ(deeprg::io::read_file(png), "old contents");
  EXPECT_EQ(files(), (std::vector<std::string>{"diverging.png", "kept.png"}));
}

TEST_F(ImagePlotTest, UnwritableTargetsAreIoErrorsAndLeaveNoFiles) {
  const fs::path missing = dir_ / "no_such_dir" / "grid.png";
  try {
    write_image_grid(missing, blob_grid());
    ADD_FAILURE() << "no IoError";
  } catch (const deeprg::IoError& e) {
    EXPECT_NE(std::string(e.what()).find("grid.png"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(fs::exists(missing.parent_path()));
  EXPECT_THROW(write_image_grid(dir_, blob_grid()), deeprg::IoError);
  EXPECT_THROW(write_image_grid("", blob_grid()), deeprg::IoError);
  EXPECT_TRUE(files().empty());

  // Overwriting replaces the old file in one step, leaving no temporary file beside it.
  const fs::path png = dir_ / "grid.png";
  deeprg::io::write_file_atomic(png, "old");
  write_image_grid(png, blob_grid());
  EXPECT_EQ(read_png(png).width > 0, true);
  EXPECT_EQ(files(), std::vector<std::string>{"grid.png"});
}

TEST_F(ImagePlotTest, ConcurrentFiguresShareThePlplotLock) {
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([this, t] {
      const std::string name = "t" + std::to_string(t);
      if (t % 2 == 0) {
        write_image_grid(dir_ / (name + ".png"), blob_grid());
      } else {
        deeprg::report::LinePlot plot;
        plot.title = "line";
        plot.series.push_back({"s", {0, 1, 2}, {1, 2, 3}, {}});
        deeprg::report::write_line_plot(dir_ / (name + ".png"), plot);
      }
    });
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(files(), (std::vector<std::string>{"t0.png", "t1.png", "t2.png", "t3.png"}));
  for (int t = 0; t < 4; t += 2)
    EXPECT_GT(read_png(dir_ / ("t" + std::to_string(t) + ".png")).width, 0);
}

// ---------------------------------------------------------------- architecture

const std::vector<LayerBox> kDbn{
    {"visible 40×40", 1600}, {"hidden 1", 400}, {"hidden 2", 100}, {"hidden 3", 25}};
const std::vector<std::string> kScales{"40×40 lattice", "2×2 blocks (20×20)", "4×4 blocks (10×10)",
                                       "8×8 blocks (5×5)"};

TEST_F(ImagePlotTest, ArchitectureIsDrawnWithBoxesWeightsAndNotes) {
  const fs::path png = dir_ / "dbn.png";
  write_architecture(png, "Deep belief network 1600-400-100-25", kDbn, kScales);
  const Image image = read_png(png);
  EXPECT_GT(image.width, 700);
  EXPECT_GT(image.height, 4 * 64 + 3 * 64);
  const int ink = count(image, [](Rgb c) { return !white(c); });
  EXPECT_GT(ink, image.width * image.height / 20);  // boxes, lines and text: not blank
  EXPECT_LT(ink, image.width * image.height / 2);
  EXPECT_GT(count(image, black), 500);  // text
  // The visible box (bluish fill) at the bottom, hidden boxes (orange fill) above it.
  auto blue_fill = [](Rgb c) { return c.b > 235 && c.r < 225 && c.r > 200; };
  auto orange_fill = [](Rgb c) { return c.r > 245 && c.b < 205 && c.b > 180; };
  int blue_y = -1, orange_y = -1;
  for (int y = 0; y < image.height; ++y)
    for (int x = 0; x < image.width; x += 2) {
      if (blue_fill(image.at(x, y)) && blue_y < 0) blue_y = y;
      if (orange_fill(image.at(x, y)) && orange_y < 0) orange_y = y;
    }
  ASSERT_GE(blue_y, 0);
  ASSERT_GE(orange_y, 0);
  EXPECT_GT(blue_y, orange_y);
  // Box widths grow with log(units): the visible box is the widest, the top box the narrowest.
  auto widest_run = [&](const std::function<bool(Rgb)>& fill, int y0, int y1) {
    int best = 0;
    for (int y = y0; y < y1; ++y)
      for (const Span& run : runs(image, true, y, fill)) best = std::max(best, run.length());
    return best;
  };
  const int visible = widest_run(blue_fill, blue_y, image.height);
  const int top = widest_run(orange_fill, orange_y, orange_y + 40);
  EXPECT_GT(visible, top + 100);

  // More layers: a taller figure; notes: a wider one.
  write_architecture(dir_ / "two.png", "", {{"visible", 16}, {"hidden", 3}});
  const Image two = read_png(dir_ / "two.png");
  EXPECT_LT(two.height, image.height - 200);
  EXPECT_LT(two.width, image.width);
  EXPECT_EQ(files(), (std::vector<std::string>{"dbn.png", "two.png"}));
}

TEST_F(ImagePlotTest, ArchitectureErrors) {
  const fs::path png = dir_ / "arch.png";
  auto expect_config = [&](const std::vector<LayerBox>& layers,
                           const std::vector<std::string>& notes, const std::string& key) {
    try {
      write_architecture(png, "t", layers, notes);
      ADD_FAILURE() << "no ConfigError for " << key;
    } catch (const deeprg::ConfigError& e) {
      EXPECT_EQ(e.key(), key);
    }
  };
  expect_config({}, {}, "layers");
  expect_config({{"visible", 4}}, {}, "layers");
  expect_config({{"visible", 4}, {"hidden", 0}}, {}, "layers");
  expect_config(kDbn, {"only one"}, "notes");
  EXPECT_THROW(write_architecture(dir_ / "missing" / "arch.png", "t", kDbn), deeprg::IoError);
  EXPECT_THROW(write_architecture(dir_, "t", kDbn), deeprg::IoError);
  EXPECT_TRUE(files().empty());
}

}  // namespace
