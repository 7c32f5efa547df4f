#include "deeprg/io/atomic_file.hpp"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <set>
#include <string>
#include <string_view>

#include "deeprg/core/error.hpp"

namespace deeprg::io {

namespace {
std::filesystem::path temp_name(const std::filesystem::path& path) {
  static std::atomic<unsigned> counter{0};
  std::filesystem::path temp = path;
  temp += ".tmp." + std::to_string(::getpid()) + "." + std::to_string(counter++);
  return temp;
}

bool all_digits(std::string_view s) {
  return !s.empty() && s.find_first_not_of("0123456789") == std::string_view::npos;
}

// The pid in a temporary name of ours, NAME.tmp.<pid>.<n>; 0 when `name` is not one.
pid_t temp_owner(std::string_view name) {
  const auto last_dot = name.rfind('.');
  if (last_dot == std::string_view::npos || !all_digits(name.substr(last_dot + 1))) return 0;
  const auto pid_dot = name.rfind('.', last_dot - 1);
  if (pid_dot == std::string_view::npos) return 0;
  const std::string_view pid = name.substr(pid_dot + 1, last_dot - pid_dot - 1);
  const std::string_view stem = name.substr(0, pid_dot);
  if (!all_digits(pid) || pid.size() > 9 || pid[0] == '0' || !stem.ends_with(".tmp") ||
      stem.size() == 4)
    return 0;
  return static_cast<pid_t>(std::stol(std::string(pid)));
}

}  // namespace

void remove_stale_temp_files(const std::filesystem::path& directory) {
  std::error_code ec;
  for (std::filesystem::directory_iterator it(directory, ec), end; !ec && it != end;
       it.increment(ec)) {
    const pid_t owner = temp_owner(it->path().filename().native());
    if (owner == 0 || owner == ::getpid()) continue;
    // Only a writer that is gone: kill(pid, 0) fails with ESRCH when no such process exists.
    if (::kill(owner, 0) == 0 || errno != ESRCH) continue;
    std::error_code file_ec;
    if (it->is_regular_file(file_ec)) std::filesystem::remove(it->path(), file_ec);
  }
}

namespace {

// Each directory is swept once per process, on the first write into it.
void sweep_once(const std::filesystem::path& directory) {
  static std::mutex mutex;
  static std::set<std::filesystem::path> swept;
  std::error_code ec;
  const std::filesystem::path key = std::filesystem::weakly_canonical(directory, ec);
  {
    const std::lock_guard lock(mutex);
    if (!swept.insert(ec ? directory : key).second) return;
  }
  remove_stale_temp_files(directory);
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
  // The rename would replace a device or a pipe (/dev/null, a link to one) with a plain file.
  const auto status = std::filesystem::status(path_, ec);
  if (std::filesystem::exists(status) && !std::filesystem::is_regular_file(status))
    throw IoError(path_.string() + ": is not a regular file (a device or a pipe); name a file");
  sweep_once(parent);
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
