#pragma once
/// Atomic file output: write everything to a temporary file beside the target, then rename it
/// over the target. A failed or interrupted run never leaves a partial file under the final name.
#include <filesystem>
#include <fstream>
#include <string_view>

#include "deeprg/io/input_file.hpp"  // read_file, the reading counterpart

namespace deeprg::io {

/// Removes the temporary files that writers killed before they could clean up left in
/// `directory`: regular files named NAME.tmp.<pid>.<n> (this writer's pattern) whose process
/// <pid> no longer exists. Errors are ignored. (A writer on another machine sharing the
/// directory is not visible here: its temporary file could be removed, and its commit fail.)
void remove_stale_temp_files(const std::filesystem::path& directory);

/// RAII writer. The temporary file NAME.tmp.<pid>.<n> is removed by the destructor unless
/// `commit()` succeeded; the first write into a directory in a process also removes those left
/// there by killed writers (remove_stale_temp_files).
class AtomicFile {
 public:
  /// Opens a temporary file in the target's directory. Throws IoError naming `path`.
  explicit AtomicFile(std::filesystem::path path);
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;
  ~AtomicFile();

  std::ostream& stream() { return out_; }
  void write(std::string_view bytes);
  /// Flushes, closes and renames onto the target. Throws IoError on any failure.
  void commit();
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
  std::filesystem::path temp_;
  std::ofstream out_;
  bool committed_ = false;
};

/// Writes `bytes` to `path` atomically.
void write_file_atomic(const std::filesystem::path& path, std::string_view bytes);

}  // namespace deeprg::io
