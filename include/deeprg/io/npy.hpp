#pragma once
/// NumPy .npy files (format versions 1.0, 2.0 and 3.0), read and written byte-compatibly with
/// numpy.save / numpy.load. Only little-endian numeric dtypes and C order are supported.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "deeprg/io/input_file.hpp"

namespace deeprg::io {

/// An array as stored in a .npy file: dtype descriptor, shape and raw C-order bytes.
struct NpyArray {
  std::string descr;               ///< numpy dtype string, e.g. "|i1", "<f4", "<f8"
  std::vector<std::size_t> shape;  ///< empty for a scalar
  std::string data;                ///< raw little-endian bytes, C order

  /// Number of elements (product of shape). Exact for every array `read_npy` returns, whose
  /// size the reader has checked; callers building shapes themselves keep them in range.
  std::size_t size() const;
};

/// Size in bytes of one element of a supported descr ("|i1", "|u1", "|b1", "<i4", "<i8", "<f4",
/// "<f8", "<u4", "<u8"); 0 when the descr is not supported.
std::size_t descr_item_size(std::string_view descr);

/// The descr numpy uses for a C++ element type.
template <class T>
constexpr std::string_view npy_descr();
template <>
constexpr std::string_view npy_descr<std::int8_t>() {
  return "|i1";
}
template <>
constexpr std::string_view npy_descr<std::uint8_t>() {
  return "|u1";
}
template <>
constexpr std::string_view npy_descr<std::int32_t>() {
  return "<i4";
}
template <>
constexpr std::string_view npy_descr<std::int64_t>() {
  return "<i8";
}
template <>
constexpr std::string_view npy_descr<float>() {
  return "<f4";
}
template <>
constexpr std::string_view npy_descr<double>() {
  return "<f8";
}

/// The longest header accepted, in bytes. numpy's own reader stops at 10000 by default; a
/// larger length field is corruption, and reading it first would cost its size in memory.
inline constexpr std::size_t kNpyMaxHeaderLength = std::size_t{1} << 20;

/// What the header of a .npy file declares, read before any of its data.
struct NpyHeader {
  NpyArray array;                 ///< descr and shape; data left empty
  std::uint64_t data_offset = 0;  ///< where the data section starts
  std::uint64_t data_bytes = 0;   ///< what the shape and dtype need: item size × elements
};

/// Parses the magic string and header at the start of `prefix`, the first bytes of a .npy file
/// (what follows the header may be missing). The data size is computed without wrapping (as
/// numpy, it must fit a signed 64-bit size). Throws IoError naming `name` for a bad magic
/// string, a header longer than kNpyMaxHeaderLength or than `prefix`, a malformed header, an
/// unsupported dtype or order, or a size that cannot be.
NpyHeader parse_npy_header(std::string_view prefix, const std::string& name);

/// Reads the header of a .npy input as parse_npy_header does, reading none of its data, and
/// checks that the input holds exactly the data bytes the shape needs (the message of an
/// IoError states both sizes), so that callers may allocate them.
NpyHeader read_npy_header(const InputFile& in);

/// Reads a .npy input: its header (read_npy_header), then its data.
NpyArray read_npy(const InputFile& in);

/// Parses the bytes of a .npy file (read_npy on a buffer). `name` (a file or archive member)
/// appears in every error.
NpyArray parse_npy(std::string_view bytes, const std::string& name);

/// Serialises an array in .npy format 1.0 (2.0 when the header needs it).
std::string format_npy(const NpyArray& array);

/// Reads a .npy file (read_npy on the file). Throws IoError naming the file, refusing anything
/// but a regular file before opening it.
NpyArray read_npy(const std::filesystem::path& path);

/// Writes a .npy file atomically (temporary file + rename).
void write_npy(const std::filesystem::path& path, const NpyArray& array);

/// Builds an NpyArray from typed values; values.size() must equal the product of shape.
template <class T>
NpyArray make_npy(std::span<const T> values, std::vector<std::size_t> shape) {
  NpyArray a{std::string(npy_descr<T>()), std::move(shape), {}};
  a.data.assign(reinterpret_cast<const char*>(values.data()), values.size_bytes());
  return a;
}

}  // namespace deeprg::io
