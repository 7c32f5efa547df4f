// .npy parser: any bytes either parse or throw IoError; what parses writes back to the same
// array, and the header-only reader agrees with the full one.
#include <cstdlib>

#include "deeprg/io/npy.hpp"
#include "fuzz_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace io = deeprg::io;
  const std::string_view bytes = deeprg::fuzz::bytes_of(data, size);
  const auto array = deeprg::fuzz::attempt([&] { return io::parse_npy(bytes, "fuzz.npy"); });
  if (!array) return 0;
  const io::NpyHeader header = io::read_npy_header(io::InputFile(bytes, "fuzz.npy"));
  if (header.data_bytes != array->data.size() || header.array.shape != array->shape ||
      array->size() * io::descr_item_size(array->descr) != array->data.size())
    std::abort();
  const io::NpyArray again = io::parse_npy(io::format_npy(*array), "round trip");
  if (again.descr != array->descr || again.shape != array->shape || again.data != array->data)
    std::abort();
  return 0;
}
