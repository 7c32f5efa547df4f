// Model files: an archive that parses is read as an RBM and as a DBN, in both precisions, which
// either succeed or throw deeprg's errors (IoError naming the file, ShapeError, ConfigError).
#include "deeprg/io/npz.hpp"
#include "deeprg/rbm/model_file.hpp"
#include "fuzz_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using deeprg::fuzz::attempt;
  const auto archive =
      attempt([&] { return deeprg::io::parse_npz(deeprg::fuzz::bytes_of(data, size), "m.npz"); });
  if (!archive) return 0;
  // Both precisions: float32 (float64 arrays rounded, overflow refused) and float64 (kept).
  attempt<deeprg::Error>([&] { return deeprg::rbm::rbm_from_npz<float>(*archive, "m.npz"); });
  attempt<deeprg::Error>([&] { return deeprg::rbm::rbm_from_npz<double>(*archive, "m.npz"); });
  attempt<deeprg::Error>([&] { return deeprg::rbm::dbn_from_npz<float>(*archive, "m.npz"); });
  attempt<deeprg::Error>([&] { return deeprg::rbm::dbn_from_npz<double>(*archive, "m.npz"); });
  return 0;
}
