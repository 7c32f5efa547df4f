#include "deeprg/io/spin_file.hpp"

#include <cstring>

#include "deeprg/core/error.hpp"
#include "deeprg/io/atomic_file.hpp"

namespace deeprg::io {

namespace {

/// Checks dtype, a leading sample axis and ±1 values; returns the spins per sample.
std::size_t check_spin_array(const NpyArray& array, const std::string& name) {
  if (array.descr != "|i1")
    throw IoError(name + ": wrong dtype '" + array.descr +
                  "', spin files hold int8 (|i1) values ±1");
  if (array.shape.empty() || array.shape[0] == 0) throw IoError(name + ": holds no samples");
  const std::size_t per_sample = array.size() / array.shape[0];
  const auto* values = reinterpret_cast<const std::int8_t*>(array.data.data());
  for (std::size_t i = 0; i < array.size(); ++i) {
    if (values[i] != 1 && values[i] != -1)
      throw IoError(name + ": value " + std::to_string(values[i]) + " at sample " +
                    std::to_string(i / per_sample) + ", site " + std::to_string(i % per_sample) +
                    " is not a spin (±1)");
  }
  return per_sample;
}

}  // namespace

SpinSamples spins_from_npy(NpyArray array, const std::string& name) {
  const auto& shape = array.shape;
  if (shape.size() != 2 && shape.size() != 3)
    throw IoError(name + ": spin arrays have shape (n, L) or (n, Ly, Lx), got " +
                  std::to_string(shape.size()) + " dimensions");
  for (std::size_t d = 1; d < shape.size(); ++d)
    if (shape[d] < 2 || shape[d] > (1u << 20))
      throw IoError(name + ": lattice side " + std::to_string(shape[d]) + " out of range");
  check_spin_array(array, name);
  SpinSamples out;
  if (shape.size() == 2) {
    out.lattice = ising::Lattice::chain(static_cast<int>(shape[1]));
  } else {
    out.lattice = ising::Lattice::square(static_cast<int>(shape[2]), static_cast<int>(shape[1]));
  }
  out.count = shape[0];
  out.spins.resize(array.data.size());
  std::memcpy(out.spins.data(), array.data.data(), array.data.size());
  return out;
}

SpinRows spin_rows_from_npy(const NpyArray& array, const std::string& name) {
  SpinRows out;
  out.spins_per_sample = check_spin_array(array, name);
  out.count = array.shape[0];
  out.spins.resize(array.data.size());
  std::memcpy(out.spins.data(), array.data.data(), array.data.size());
  return out;
}

SpinRows read_spin_rows(const std::filesystem::path& path) {
  return spin_rows_from_npy(read_npy(path), path.string());
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
