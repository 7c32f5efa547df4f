// .npy parser: any bytes either parse or throw IoError; what parses writes back to the same
// array, and the header-only reader agrees with the full one.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "deeprg/core/error.hpp"
#include "deeprg/io/npy.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  deeprg::io::NpyArray array;
  try {
    array = deeprg::io::parse_npy(bytes, "fuzz.npy");
  } catch (const deeprg::IoError&) {
    return 0;
  }
  const deeprg::io::NpyHeader header =
      deeprg::io::read_npy_header(deeprg::io::InputFile(bytes, "fuzz.npy"));
  if (header.data_bytes != array.data.size() || header.array.shape != array.shape ||
      array.size() * deeprg::io::descr_item_size(array.descr) != array.data.size())
    std::abort();
  const deeprg::io::NpyArray again =
      deeprg::io::parse_npy(deeprg::io::format_npy(array), "round trip");
  if (again.descr != array.descr || again.shape != array.shape || again.data != array.data)
    std::abort();
  return 0;
}
