// Sidecar JSON (FILE.npy.json): any text either parses or throws IoError.
#include "deeprg/io/spin_file.hpp"
#include "fuzz_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto meta = deeprg::fuzz::attempt([&] {
    return deeprg::io::parse_sidecar(deeprg::fuzz::bytes_of(data, size), "fuzz.npy.json");
  });
  if (meta) (void)meta->dump(2);  // what write_sidecar does with it
  return 0;
}
