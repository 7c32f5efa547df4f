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

namespace deeprg::io {

/// An array as stored in a .npy file: dtype descriptor, shape and raw C-order bytes.
struct NpyArray {
  std::string descr;               ///< numpy dtype string, e.g. "|i1", "<f4", "<f8"
  std::vector<std::size_t> shape;  ///< empty for a scalar
  std::string data;                ///< raw little-endian bytes, C order

  std::size_t size() const;  ///< number of elements (product of shape)
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

/// Parses the bytes of a .npy file. `name` (a file or archive member) appears in every error.
/// Throws IoError for a bad magic string, a malformed header, an unsupported dtype or order,
/// or a data section shorter or longer than the shape requires.
NpyArray parse_npy(std::string_view bytes, const std::string& name);

/// Serialises an array in .npy format 1.0 (2.0 when the header needs it).
std::string format_npy(const NpyArray& array);

/// Reads a .npy file. Throws IoError naming the file.
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
