// Spin files: the streaming readers (header first, values checked chunk by chunk) and the
// readers of a parsed array must accept the same inputs and return the same spins.
#include <cstdlib>

#include "deeprg/io/spin_file.hpp"
#include "fuzz_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace io = deeprg::io;
  using deeprg::fuzz::attempt;
  const std::string_view bytes = deeprg::fuzz::bytes_of(data, size);
  const auto streamed = attempt([&] { return io::read_spins(io::InputFile(bytes, "fuzz.npy")); });
  const auto parsed =
      attempt([&] { return io::spins_from_npy(io::parse_npy(bytes, "fuzz.npy"), "fuzz.npy"); });
  if (streamed.has_value() != parsed.has_value()) std::abort();
  if (streamed && (streamed->count != parsed->count || streamed->spins != parsed->spins ||
                   streamed->lattice.sites() != parsed->lattice.sites() ||
                   streamed->count * streamed->lattice.sites() != streamed->spins.size()))
    std::abort();

  const auto rows = attempt([&] { return io::read_spin_rows(io::InputFile(bytes, "fuzz.npy")); });
  const auto parsed_rows =
      attempt([&] { return io::spin_rows_from_npy(io::parse_npy(bytes, "fuzz.npy"), "fuzz.npy"); });
  if (rows.has_value() != parsed_rows.has_value()) std::abort();
  if (rows && (rows->count != parsed_rows->count || rows->spins != parsed_rows->spins ||
               rows->count * rows->spins_per_sample != rows->spins.size()))
    std::abort();
  return 0;
}
