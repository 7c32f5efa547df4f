#pragma once
/// Checked input: the bytes a parser reads, from a regular file or from memory, with a size known
/// before anything is read. Parsers check magic strings, headers and declared sizes against
/// `size()` first and allocate only what a consistent file needs, so that hostile input (a FIFO
/// without a writer, /dev/zero, a sparse file of many gigabytes, a size field that lies) costs
/// neither memory nor time.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <new>
#include <span>
#include <string>
#include <string_view>

#include "deeprg/core/error.hpp"

namespace deeprg::io {

/// A read-only source of bytes with a fixed size: a regular file or a buffer in memory. Every
/// error it throws names it. Move-only; closes (and unmaps) the file when destroyed.
class InputFile {
 public:
  /// Opens a regular file. Refuses, with an IoError naming the file, a missing file, a directory
  /// and anything that is not a regular file (FIFO, device, socket) before opening it for
  /// reading: a FIFO without a writer would block and /dev/zero never ends.
  explicit InputFile(const std::filesystem::path& path);
  /// Bytes in memory, reported as `name`. They are not copied and must outlive this object.
  InputFile(std::string_view bytes, std::string name);
  InputFile(InputFile&& other) noexcept;
  InputFile& operator=(InputFile&&) = delete;
  InputFile(const InputFile&) = delete;
  InputFile& operator=(const InputFile&) = delete;
  ~InputFile();

  /// The file's path (or the name given to the buffer), as errors quote it.
  const std::string& name() const { return name_; }
  /// The size in bytes when opened.
  std::uint64_t size() const { return size_; }

  /// Reads bytes [offset, offset + out.size()). Throws IoError naming the file when they lie
  /// beyond its end (a file that shrank while being read) or the read fails.
  void read(std::uint64_t offset, std::span<char> out) const;
  /// Reads `count` bytes at `offset` into a new string (see `read` and `resize_for`).
  std::string read(std::uint64_t offset, std::size_t count) const;

  /// All bytes at once: the buffer, or the file mapped read-only into memory, so that only the
  /// pages a parser touches are read (read whole where the file system cannot map it). Valid while
  /// this object lives. A file truncated by another process while mapped is outside what this
  /// protects against (its pages would fault).
  std::string_view view();

 private:
  /// Throws IoError unless [offset, offset + count) lies within the input.
  void check_range(std::uint64_t offset, std::uint64_t count) const;

  std::string name_;
  int fd_ = -1;
  std::uint64_t size_ = 0;
  std::string_view memory_;  ///< the buffer, or the mapping once made
  void* mapping_ = nullptr;
  std::string owned_;  ///< the file's bytes where it cannot be mapped
};

/// Resizes `buffer` to `count` elements, reporting a failed allocation as an IoError that names
/// `name` and the memory it needs (in place of a bare std::bad_alloc). Callers check `count`
/// against the input's real size first; this catches what the machine cannot hold.
template <class Buffer>
void resize_for(Buffer& buffer, std::size_t count, const std::string& name) {
  try {
    buffer.resize(count);
  } catch (const std::bad_alloc&) {
    throw IoError(name + ": needs " + std::to_string(count * sizeof(buffer[0])) +
                  " bytes of memory, more than can be allocated");
  } catch (const std::length_error&) {
    throw IoError(name + ": needs " + std::to_string(count) + " elements, more than fit in memory");
  }
}

/// The most bytes `read_file` reads unless told otherwise: far above any JSON, TOML or PNG file
/// deeprg reads whole, far below what would exhaust memory.
inline constexpr std::uint64_t kReadFileLimit = std::uint64_t{1} << 30;

/// Reads a whole regular file of at most `max_bytes` bytes. Throws IoError naming the file when
/// it cannot be read, is not a regular file (see InputFile) or is larger than `max_bytes`.
std::string read_file(const std::filesystem::path& path, std::uint64_t max_bytes = kReadFileLimit);

}  // namespace deeprg::io
