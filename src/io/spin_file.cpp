#include "deeprg/io/spin_file.hpp"

#include <cstring>

#include "deeprg/core/error.hpp"
#include "deeprg/io/atomic_file.hpp"

namespace deeprg::io {

SpinSamples spins_from_npy(NpyArray array, const std::string& name) {
  if (array.descr != "|i1")
    throw IoError(name + ": wrong dtype '" + array.descr +
                  "', spin files hold int8 (|i1) values ±1");
  const auto& shape = array.shape;
  if (shape.size() != 2 && shape.size() != 3)
    throw IoError(name + ": spin arrays have shape (n, L) or (n, Ly, Lx), got " +
                  std::to_string(shape.size()) + " dimensions");
  if (shape[0] == 0) throw IoError(name + ": holds no samples");
  SpinSamples out;
  if (shape.size() == 2) {
    out.lattice = ising::Lattice::chain(static_cast<int>(shape[1]));
  } else {
    out.lattice = ising::Lattice::square(static_cast<int>(shape[2]), static_cast<int>(shape[1]));
  }
  for (std::size_t d = 1; d < shape.size(); ++d)
    if (shape[d] < 2 || shape[d] > (1u << 20))
      throw IoError(name + ": lattice side " + std::to_string(shape[d]) + " out of range");
  out.count = shape[0];
  out.spins.resize(array.data.size());
  std::memcpy(out.spins.data(), array.data.data(), array.data.size());
  const std::size_t sites = out.lattice.sites();
  for (std::size_t i = 0; i < out.spins.size(); ++i) {
    if (out.spins[i] != 1 && out.spins[i] != -1)
      throw IoError(name + ": value " + std::to_string(out.spins[i]) + " at sample " +
                    std::to_string(i / sites) + ", site " + std::to_string(i % sites) +
                    " is not a spin (±1)");
  }
  return out;
}

NpyArray spins_to_npy(const SpinSamples& samples) {
  std::vector<std::size_t> shape{samples.count};
  if (samples.lattice.dim == 2) shape.push_back(static_cast<std::size_t>(samples.lattice.ly));
  shape.push_back(static_cast<std::size_t>(samples.lattice.lx));
  return make_npy(std::span<const std::int8_t>(samples.spins), std::move(shape));
}

SpinSamples read_spins(const std::filesystem::path& path) {
  return spins_from_npy(read_npy(path), path.string());
}

void write_spins(const std::filesystem::path& path, const SpinSamples& samples) {
  write_npy(path, spins_to_npy(samples));
}

std::filesystem::path sidecar_path(const std::filesystem::path& data_path) {
  std::filesystem::path p = data_path;
  p += ".json";
  return p;
}

nlohmann::json read_sidecar(const std::filesystem::path& data_path) {
  const auto path = sidecar_path(data_path);
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return nullptr;
  try {
    return nlohmann::json::parse(read_file(path));
  } catch (const nlohmann::json::exception& e) {
    throw IoError(path.string() + ": not valid JSON (" + e.what() + ")");
  }
}

void write_sidecar(const std::filesystem::path& data_path, const nlohmann::json& meta) {
  write_file_atomic(sidecar_path(data_path), meta.dump(2) + "\n");
}

}  // namespace deeprg::io
