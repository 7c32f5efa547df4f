// .npz parser (ZIP, ZIP64 and deflate): any bytes either parse or throw IoError; what parses
// writes back (as stored ZIP) to the same arrays.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "deeprg/core/error.hpp"
#include "deeprg/io/npz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  deeprg::io::NpzArchive archive;
  try {
    archive = deeprg::io::parse_npz(bytes, "fuzz.npz");
  } catch (const deeprg::IoError&) {
    return 0;
  }
  std::string written;
  try {
    written = deeprg::io::format_npz(archive);
  } catch (const deeprg::IoError&) {
    return 0;  // a member named ".npy" has an empty key, which is not written
  }
  const deeprg::io::NpzArchive again = deeprg::io::parse_npz(written, "round trip");
  if (again.size() != archive.size()) std::abort();
  for (const auto& [key, array] : archive) {
    const auto it = again.find(key);
    if (it == again.end() || it->second.descr != array.descr || it->second.shape != array.shape ||
        it->second.data != array.data)
      std::abort();
  }
  return 0;
}
