// Model files: an archive that parses is read as an RBM and as a DBN, which either succeed or
// throw deeprg's errors (IoError naming the file, ShapeError, ConfigError).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "deeprg/core/error.hpp"
#include "deeprg/io/npz.hpp"
#include "deeprg/rbm/model_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace io = deeprg::io;
  io::NpzArchive archive;
  try {
    archive = io::parse_npz(std::string_view(reinterpret_cast<const char*>(data), size), "m.npz");
  } catch (const deeprg::IoError&) {
    return 0;
  }
  try {
    deeprg::rbm::rbm_from_npz(archive, "m.npz");
  } catch (const deeprg::Error&) {
  }
  try {
    deeprg::rbm::dbn_from_npz(archive, "m.npz");
  } catch (const deeprg::Error&) {
  }
  return 0;
}
