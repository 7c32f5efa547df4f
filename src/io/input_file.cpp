#include "deeprg/io/input_file.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace deeprg::io {

namespace {

/// What a file that is not a regular file is, for the message that refuses it.
std::string kind_of(mode_t mode) {
  if (S_ISDIR(mode)) return "is a directory";
  if (S_ISFIFO(mode)) return "is a FIFO (named pipe), not a regular file";
  if (S_ISCHR(mode)) return "is a character device, not a regular file";
  if (S_ISBLK(mode)) return "is a block device, not a regular file";
  if (S_ISSOCK(mode)) return "is a socket, not a regular file";
  return "is not a regular file";
}

[[noreturn]] void fail_errno(const std::string& name, const std::string& what, int error) {
  throw IoError(name + ": " + what + " (" + std::strerror(error) + ")");
}

}  // namespace

InputFile::InputFile(const std::filesystem::path& path) : name_(path.string()) {
  // stat() first: opening a FIFO for reading blocks until a writer appears, and a device such as
  // /dev/zero has no end, so neither may be opened at all.
  struct stat st {};
  if (::stat(name_.c_str(), &st) != 0) {
    if (errno == ENOENT || errno == ENOTDIR) throw IoError(name_ + ": no such file");
    fail_errno(name_, "cannot open", errno);
  }
  if (!S_ISREG(st.st_mode)) throw IoError(name_ + ": " + kind_of(st.st_mode));
  // O_NONBLOCK: should the path be swapped for a FIFO between stat() and open(), the open
  // returns at once and fstat() below refuses it.
  fd_ = ::open(name_.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd_ < 0) fail_errno(name_, "cannot open", errno);
  if (::fstat(fd_, &st) != 0) {
    const int error = errno;
    ::close(fd_);
    fail_errno(name_, "cannot stat", error);
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd_);
    throw IoError(name_ + ": " + kind_of(st.st_mode));
  }
  size_ = static_cast<std::uint64_t>(st.st_size);
}

InputFile::InputFile(std::string_view bytes, std::string name)
    : name_(std::move(name)), size_(bytes.size()), memory_(bytes) {}

InputFile::InputFile(InputFile&& other) noexcept
    : name_(std::move(other.name_)),
      fd_(std::exchange(other.fd_, -1)),
      size_(other.size_),
      memory_(other.memory_),
      mapping_(std::exchange(other.mapping_, nullptr)),
      owned_(std::move(other.owned_)) {
  if (!owned_.empty()) memory_ = owned_;  // a moved string may have moved its bytes
}

InputFile::~InputFile() {
  if (mapping_ != nullptr) ::munmap(mapping_, static_cast<std::size_t>(size_));
  if (fd_ >= 0) ::close(fd_);
}

void InputFile::check_range(std::uint64_t offset, std::uint64_t count) const {
  if (offset > size_ || count > size_ - offset)
    throw IoError(name_ + ": truncated (needs " + std::to_string(count) + " bytes at offset " +
                  std::to_string(offset) + ", holds " + std::to_string(size_) + ")");
}

void InputFile::read(std::uint64_t offset, std::span<char> out) const {
  check_range(offset, out.size());
  if (out.empty()) return;
  if (fd_ < 0 || mapping_ != nullptr) {  // a buffer, or a file already in memory
    std::memcpy(out.data(), memory_.data() + offset, out.size());
    return;
  }
  std::size_t done = 0;
  while (done < out.size()) {
    const ssize_t n =
        ::pread(fd_, out.data() + done, out.size() - done, static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail_errno(name_, "read failed", errno);
    if (n == 0) throw IoError(name_ + ": file shrank while being read");
    done += static_cast<std::size_t>(n);
  }
}

std::string InputFile::read(std::uint64_t offset, std::size_t count) const {
  check_range(offset, count);  // before allocating
  std::string out;
  resize_for(out, count, name_);
  read(offset, std::span<char>(out));
  return out;
}

std::string_view InputFile::view() {
  if (fd_ < 0 || mapping_ != nullptr || size_ == 0) return memory_;
  void* map = ::mmap(nullptr, static_cast<std::size_t>(size_), PROT_READ, MAP_PRIVATE, fd_, 0);
  if (map == MAP_FAILED) {
    // Some file systems cannot map files; their bytes are read instead, a size known to be real.
    owned_ = read(0, static_cast<std::size_t>(size_));
    memory_ = owned_;
    ::close(std::exchange(fd_, -1));
    return memory_;
  }
  mapping_ = map;
  memory_ = std::string_view(static_cast<const char*>(map), static_cast<std::size_t>(size_));
  return memory_;
}

std::string read_file(const std::filesystem::path& path, std::uint64_t max_bytes) {
  const InputFile in(path);
  if (in.size() > max_bytes)
    throw IoError(in.name() + ": " + std::to_string(in.size()) + " bytes, more than the " +
                  std::to_string(max_bytes) + " this file may hold");
  return in.read(0, static_cast<std::size_t>(in.size()));
}

}  // namespace deeprg::io
