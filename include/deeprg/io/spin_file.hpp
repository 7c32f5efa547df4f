#pragma once
/// Spin sample files: int8 ±1 arrays of shape (n, L) for chains or (n, Ly, Lx) for square
/// lattices, C order, in .npy format, with a JSON sidecar FILE.npy.json that records how they
/// were made (model, temperature, algorithm, τ_int, spacing, seed, version).
#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "deeprg/io/input_file.hpp"
#include "deeprg/io/npy.hpp"
#include "deeprg/ising/model.hpp"

namespace deeprg::io {

/// n configurations of one lattice, row-major, sample after sample.
struct SpinSamples {
  ising::Lattice lattice;
  std::size_t count = 0;
  std::vector<std::int8_t> spins;  ///< count × lattice.sites() values, each ±1

  std::span<const std::int8_t> sample(std::size_t i) const {
    return std::span(spins).subspan(i * lattice.sites(), lattice.sites());
  }
};

/// Interprets an array as spin samples. Throws IoError naming `name` when the dtype is not int8,
/// the shape is not (n, L) or (n, Ly, Lx) with n ≥ 1, or a value is not ±1 (the first offender
/// is named by sample and site).
SpinSamples spins_from_npy(NpyArray array, const std::string& name);
/// Spin data of any shape (n, ...), each sample flattened row-major: what an RBM reads.
struct SpinRows {
  std::size_t count = 0;
  std::size_t spins_per_sample = 0;
  std::vector<std::int8_t> spins;  ///< count × spins_per_sample values, each ±1
};

/// Interprets an int8 array of shape (n, ...) with n ≥ 1 as rows of spins. Throws IoError
/// naming `name` for another dtype or a value other than ±1.
SpinRows spin_rows_from_npy(const NpyArray& array, const std::string& name);
/// Reads a spin file of any shape (n, ...): the header is checked before any data are read, and
/// the values chunk by chunk as they are read, so that a large file that is not one costs
/// neither time nor memory. Throws IoError naming the input as read_npy and
/// spin_rows_from_npy do.
SpinRows read_spin_rows(const InputFile& in);
/// Reads a spin file of any shape (n, ...) (read_spin_rows on the file).
SpinRows read_spin_rows(const std::filesystem::path& path);

/// The .npy array of a set of samples.
NpyArray spins_to_npy(const SpinSamples& samples);

/// Reads and validates a spin file of shape (n, L) or (n, Ly, Lx), checking as read_spin_rows
/// does; throws IoError naming the input as spins_from_npy does.
SpinSamples read_spins(const InputFile& in);
/// Reads and validates a spin file (read_spins on the file).
SpinSamples read_spins(const std::filesystem::path& path);
/// Writes a spin file atomically.
void write_spins(const std::filesystem::path& path, const SpinSamples& samples);

/// FILE.npy → FILE.npy.json
std::filesystem::path sidecar_path(const std::filesystem::path& data_path);
/// Parses the text of a sidecar. Throws IoError naming `name` when it is not valid JSON.
nlohmann::json parse_sidecar(std::string_view text, const std::string& name);
/// The sidecar of a data file, or a null json when there is none. Throws IoError naming the
/// sidecar when it exists but is not a regular file, is larger than any sidecar (16 MiB) or is
/// not valid JSON.
nlohmann::json read_sidecar(const std::filesystem::path& data_path);
/// Writes the sidecar of a data file atomically (pretty-printed).
void write_sidecar(const std::filesystem::path& data_path, const nlohmann::json& meta);
/// Writes a spin file and its sidecar as a pair: both are written in full before either is
/// renamed into place, so a failure leaves no new file (and an earlier pair untouched); should
/// the second rename fail, both names are removed rather than left describing different data.
void write_spins(const std::filesystem::path& path, const SpinSamples& samples,
                 const nlohmann::json& meta);

}  // namespace deeprg::io
