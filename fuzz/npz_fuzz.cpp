// .npz parser (ZIP, ZIP64 and deflate): any bytes either parse or throw IoError; what parses
// writes back (as stored ZIP) to the same arrays.
#include <cstdlib>

#include "deeprg/io/npz.hpp"
#include "fuzz_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace io = deeprg::io;
  const std::string_view bytes = deeprg::fuzz::bytes_of(data, size);
  const auto archive = deeprg::fuzz::attempt([&] { return io::parse_npz(bytes, "fuzz.npz"); });
  if (!archive) return 0;
  // A member named ".npy" has an empty key, which format_npz refuses.
  const auto written = deeprg::fuzz::attempt([&] { return io::format_npz(*archive); });
  if (!written) return 0;
  const io::NpzArchive again = io::parse_npz(*written, "round trip");
  if (again.size() != archive->size()) std::abort();
  for (const auto& [key, array] : *archive) {
    const auto it = again.find(key);
    if (it == again.end() || it->second.descr != array.descr || it->second.shape != array.shape ||
        it->second.data != array.data)
      std::abort();
  }
  return 0;
}
