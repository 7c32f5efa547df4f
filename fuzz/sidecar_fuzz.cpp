// Sidecar JSON (FILE.npy.json): any text either parses or throws IoError.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "deeprg/core/error.hpp"
#include "deeprg/io/spin_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    const nlohmann::json meta = deeprg::io::parse_sidecar(
        std::string_view(reinterpret_cast<const char*>(data), size), "fuzz.npy.json");
    (void)meta.dump(2);  // what write_sidecar does with it
  } catch (const deeprg::IoError&) {
  }
  return 0;
}
