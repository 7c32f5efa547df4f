#include "plplot_session.hpp"

#include <plplot/plplot.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <mutex>
#include <vector>

#include "deeprg/core/error.hpp"

namespace deeprg::report::detail {

namespace {

// PLplot keeps one global set of streams: every use in the process goes through this lock.
std::mutex plplot_mutex;

// PLplot's exit handler: PLplot calls it on a fatal error and then calls exit(). Throwing
// instead keeps the process alive so the caller sees an IoError; PLplot's state is not cleaned
// up on that path, so it is a last resort: callers check everything they can beforehand.
int throw_on_plplot_exit(PLCHAR_VECTOR message) {
  throw IoError(std::string("PLplot: ") + (message ? message : "fatal error"));
}

// Whether PLplot can load the pngcairo driver. Without it plinit would fall back to asking for
// a device on stdin, so this is checked first. Caller holds the mutex.
bool pngcairo_available() {
  constexpr int kMaxDevices = 128;
  std::array<PLCHAR_VECTOR, kMaxDevices> menu{}, names{};
  PLCHAR_VECTOR* menu_ptr = menu.data();
  PLCHAR_VECTOR* names_ptr = names.data();
  int count = kMaxDevices;
  plgFileDevs(&menu_ptr, &names_ptr, &count);
  for (int i = 0; i < count && i < kMaxDevices; ++i)
    if (names[static_cast<std::size_t>(i)] &&
        std::string(names[static_cast<std::size_t>(i)]) == "pngcairo")
      return true;
  return false;
}

std::filesystem::path temp_name(const std::filesystem::path& png) {
  static std::atomic<unsigned> counter{0};
  std::filesystem::path temp = png;
  temp += ".tmp." + std::to_string(::getpid()) + "." + std::to_string(counter++);
  return temp;
}

}  // namespace

std::string escape(const std::string& text) {
  std::string out;
  for (const char c : text) {
    out += c;
    if (c == '#') out += '#';
  }
  return out;
}

std::size_t glyphs(const std::string& text) {
  return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

void check_output_path(const std::filesystem::path& png) {
  if (png.empty()) throw IoError("plot output path is empty");
  const auto parent = png.has_parent_path() ? png.parent_path() : std::filesystem::path(".");
  std::error_code ec;
  if (!std::filesystem::is_directory(parent, ec))
    throw IoError(png.string() + ": directory " + parent.string() + " does not exist");
  if (std::filesystem::is_directory(png, ec)) throw IoError(png.string() + ": is a directory");
}

void render_png(const std::filesystem::path& png, int width, int height,
                std::span<const Rgb> palette, const std::function<void()>& draw) {
  const std::filesystem::path temp = temp_name(png);
  // PLplot would exit() on a file it cannot open; open it here first to turn that into an
  // IoError. PLplot then truncates and writes the same file.
  {
    std::ofstream probe(temp, std::ios::binary | std::ios::trunc);
    if (!probe) throw IoError(png.string() + ": cannot write in " + temp.parent_path().string());
  }
  struct RemoveTemp {
    const std::filesystem::path& path;
    bool keep = false;
    ~RemoveTemp() {
      std::error_code ec;
      if (!keep) std::filesystem::remove(path, ec);
    }
  } cleanup{temp};

  {
    std::lock_guard lock(plplot_mutex);
    plsexit(throw_on_plplot_exit);
    try {
      if (!pngcairo_available())
        throw IoError(
            "PLplot's pngcairo driver is not available (install plplot-driver-cairo, or check "
            "PLPLOT_DRV_DIR)");
      plsdev("pngcairo");
      plsfnam(temp.c_str());
      plspage(0, 0, width, height, 0, 0);
      std::vector<PLINT> r, g, b;
      for (const Rgb& c : palette) {
        r.push_back(c[0]);
        g.push_back(c[1]);
        b.push_back(c[2]);
      }
      plscmap0n(static_cast<PLINT>(palette.size()));
      plscmap0(r.data(), g.data(), b.data(), static_cast<PLINT>(palette.size()));
      plinit();
      draw();
      plend();
    } catch (...) {
      // Reset PLplot as its own plexit would (plend works from any state), so the next plot in
      // this process starts clean; a second fatal error inside plend is ignored.
      try {
        plend();
      } catch (const IoError&) {
      }
      plsexit(nullptr);
      try {
        throw;
      } catch (const IoError& e) {
        throw IoError(png.string() + ": " + e.what());
      }
    }
    plsexit(nullptr);
  }

  std::error_code ec;
  const auto size = std::filesystem::file_size(temp, ec);
  if (ec || size < 8) throw IoError(png.string() + ": PLplot wrote no image");
  std::filesystem::rename(temp, png, ec);
  if (ec) throw IoError(png.string() + ": cannot rename temporary file (" + ec.message() + ")");
  cleanup.keep = true;
}

}  // namespace deeprg::report::detail
