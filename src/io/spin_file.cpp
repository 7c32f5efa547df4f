#include "deeprg/io/spin_file.hpp"

#include <algorithm>

#include "deeprg/core/error.hpp"
#include "deeprg/io/atomic_file.hpp"

namespace deeprg::io {

namespace {

/// Bytes of spins checked per read: memory grows only with data already found valid, so a large
/// file of anything but ±1 (a sparse file reads as zeros) is refused after its first chunk.
constexpr std::size_t kSpinChunk = std::size_t{1} << 22;

/// The largest sidecar read: a few hundred bytes of metadata in practice.
constexpr std::uint64_t kMaxSidecarBytes = std::uint64_t{16} << 20;

/// Checks the dtype and a leading sample axis of non-empty samples; returns the spins per
/// sample. Needs only the header (`array.data` may be empty).
std::size_t check_spin_header(const NpyArray& array, const std::string& name) {
  if (array.descr != "|i1")
    throw IoError(name + ": wrong dtype '" + array.descr +
                  "', spin files hold int8 (|i1) values ±1");
  if (array.shape.empty() || array.shape[0] == 0) throw IoError(name + ": holds no samples");
  const std::size_t per_sample = array.size() / array.shape[0];
  if (per_sample == 0) throw IoError(name + ": its samples hold no spins");
  return per_sample;
}

/// Checks that `values`, elements `first`, `first` + 1, ... of the flattened array, are ±1;
/// the first offender is named by sample and site.
void check_spin_values(std::span<const std::int8_t> values, std::size_t first,
                       std::size_t per_sample, const std::string& name) {
  for (std::size_t k = 0; k < values.size(); ++k) {
    if (values[k] != 1 && values[k] != -1) {
      const std::size_t i = first + k;
      throw IoError(name + ": value " + std::to_string(values[k]) + " at sample " +
                    std::to_string(i / per_sample) + ", site " + std::to_string(i % per_sample) +
                    " is not a spin (±1)");
    }
  }
}

/// Checks a whole array (header and values); returns the spins per sample.
std::size_t check_spin_array(const NpyArray& array, const std::string& name) {
  const std::size_t per_sample = check_spin_header(array, name);
  check_spin_values(
      std::span(reinterpret_cast<const std::int8_t*>(array.data.data()), array.data.size()), 0,
      per_sample, name);
  return per_sample;
}

/// The lattice of an (n, L) or (n, Ly, Lx) spin array.
ising::Lattice spin_lattice(const std::vector<std::size_t>& shape, const std::string& name) {
  if (shape.size() != 2 && shape.size() != 3)
    throw IoError(name + ": spin arrays have shape (n, L) or (n, Ly, Lx), got " +
                  std::to_string(shape.size()) + " dimensions");
  for (std::size_t d = 1; d < shape.size(); ++d)
    if (shape[d] < 2 || shape[d] > (1u << 20))
      throw IoError(name + ": lattice side " + std::to_string(shape[d]) + " out of range");
  if (shape.size() == 2) return ising::Lattice::chain(static_cast<int>(shape[1]));
  return ising::Lattice::square(static_cast<int>(shape[2]), static_cast<int>(shape[1]));
}

/// The values of a spin file whose header has been read and checked, read chunk by chunk and
/// checked before the next is read.
std::vector<std::int8_t> read_spin_values(const InputFile& in, const NpyHeader& header,
                                          std::size_t per_sample) {
  const auto total = static_cast<std::size_t>(header.data_bytes);
  std::vector<std::int8_t> spins;
  for (std::size_t done = 0; done < total;) {
    const std::size_t n = std::min(kSpinChunk, total - done);
    // Grow geometrically (amortised copies) but never beyond what the file holds.
    if (spins.size() < done + n) {
      spins.reserve(std::min(total, std::max(done + n, 2 * spins.capacity())));
      resize_for(spins, done + n, in.name());
    }
    const std::span<std::int8_t> chunk(spins.data() + done, n);
    in.read(header.data_offset + done,
            std::span<char>(reinterpret_cast<char*>(chunk.data()), chunk.size()));
    check_spin_values(chunk, done, per_sample, in.name());
    done += n;
  }
  return spins;
}

std::vector<std::int8_t> copy_values(const NpyArray& array) {
  const auto* first = reinterpret_cast<const std::int8_t*>(array.data.data());
  return std::vector<std::int8_t>(first, first + array.data.size());
}

}  // namespace

SpinSamples spins_from_npy(NpyArray array, const std::string& name) {
  SpinSamples out;
  out.lattice = spin_lattice(array.shape, name);
  check_spin_array(array, name);
  out.count = array.shape[0];
  out.spins = copy_values(array);
  return out;
}

SpinRows spin_rows_from_npy(const NpyArray& array, const std::string& name) {
  SpinRows out;
  out.spins_per_sample = check_spin_array(array, name);
  out.count = array.shape[0];
  out.spins = copy_values(array);
  return out;
}

SpinRows read_spin_rows(const InputFile& in) {
  const NpyHeader header = read_npy_header(in);
  SpinRows out;
  out.spins_per_sample = check_spin_header(header.array, in.name());
  out.count = header.array.shape[0];
  out.spins = read_spin_values(in, header, out.spins_per_sample);
  return out;
}

SpinRows read_spin_rows(const std::filesystem::path& path) {
  return read_spin_rows(InputFile(path));
}

NpyArray spins_to_npy(const SpinSamples& samples) {
  std::vector<std::size_t> shape{samples.count};
  if (samples.lattice.dim == 2) shape.push_back(static_cast<std::size_t>(samples.lattice.ly));
  shape.push_back(static_cast<std::size_t>(samples.lattice.lx));
  return make_npy(std::span<const std::int8_t>(samples.spins), std::move(shape));
}

SpinSamples read_spins(const InputFile& in) {
  const NpyHeader header = read_npy_header(in);
  SpinSamples out;
  out.lattice = spin_lattice(header.array.shape, in.name());
  const std::size_t per_sample = check_spin_header(header.array, in.name());
  out.count = header.array.shape[0];
  out.spins = read_spin_values(in, header, per_sample);
  return out;
}

SpinSamples read_spins(const std::filesystem::path& path) { return read_spins(InputFile(path)); }

void write_spins(const std::filesystem::path& path, const SpinSamples& samples) {
  write_npy(path, spins_to_npy(samples));
}

std::filesystem::path sidecar_path(const std::filesystem::path& data_path) {
  std::filesystem::path p = data_path;
  p += ".json";
  return p;
}

nlohmann::json parse_sidecar(std::string_view text, const std::string& name) {
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw IoError(name + ": not valid JSON (" + e.what() + ")");
  }
}

nlohmann::json read_sidecar(const std::filesystem::path& data_path) {
  const auto path = sidecar_path(data_path);
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return nullptr;
  return parse_sidecar(read_file(path, kMaxSidecarBytes), path.string());
}

void write_sidecar(const std::filesystem::path& data_path, const nlohmann::json& meta) {
  write_file_atomic(sidecar_path(data_path), meta.dump(2) + "\n");
}

void write_spins(const std::filesystem::path& path, const SpinSamples& samples,
                 const nlohmann::json& meta) {
  // Both files are complete beside their targets before either is renamed into place, so a
  // failure before the renames changes nothing; the second rename failing removes both names,
  // which no longer describe each other.
  AtomicFile data(path);
  data.write(format_npy(spins_to_npy(samples)));
  AtomicFile sidecar(sidecar_path(path));
  sidecar.write(meta.dump(2) + "\n");
  data.commit();
  try {
    sidecar.commit();
  } catch (...) {
    std::error_code ec;
    std::filesystem::remove(path, ec);
    std::filesystem::remove(sidecar_path(path), ec);
    throw;
  }
}

}  // namespace deeprg::io
