#include "deeprg/io/atomic_file.hpp"

#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <string>

#include "deeprg/core/error.hpp"

namespace deeprg::io {

namespace {
std::filesystem::path temp_name(const std::filesystem::path& path) {
  static std::atomic<unsigned> counter{0};
  std::filesystem::path temp = path;
  temp += ".tmp." + std::to_string(::getpid()) + "." + std::to_string(counter++);
  return temp;
}
}  // namespace

AtomicFile::AtomicFile(std::filesystem::path path)
    : path_(std::move(path)), temp_(temp_name(path_)) {
  if (path_.empty()) throw IoError("output path is empty");
  const auto parent = path_.has_parent_path() ? path_.parent_path() : std::filesystem::path(".");
  std::error_code ec;
  if (!std::filesystem::is_directory(parent, ec))
    throw IoError(path_.string() + ": directory " + parent.string() + " does not exist");
  if (std::filesystem::is_directory(path_, ec)) throw IoError(path_.string() + ": is a directory");
  out_.open(temp_, std::ios::binary | std::ios::trunc);
  if (!out_) throw IoError(path_.string() + ": cannot write (" + std::strerror(errno) + ")");
}

AtomicFile::~AtomicFile() {
  if (!committed_) {
    out_.close();
    std::error_code ec;
    std::filesystem::remove(temp_, ec);
  }
}

void AtomicFile::write(std::string_view bytes) {
  out_.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

void AtomicFile::commit() {
  out_.flush();
  if (!out_) throw IoError(path_.string() + ": write failed");
  out_.close();
  if (out_.fail()) throw IoError(path_.string() + ": close failed");
  std::error_code ec;
  std::filesystem::rename(temp_, path_, ec);
  if (ec) throw IoError(path_.string() + ": cannot rename temporary file (" + ec.message() + ")");
  committed_ = true;
}

void write_file_atomic(const std::filesystem::path& path, std::string_view bytes) {
  AtomicFile file(path);
  file.write(bytes);
  file.commit();
}

}  // namespace deeprg::io
