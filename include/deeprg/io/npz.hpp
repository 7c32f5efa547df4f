#pragma once
/// NumPy .npz archives: ZIP files holding one .npy member per array, as written by numpy.savez
/// (stored) and numpy.savez_compressed (deflate). Reading handles the ZIP64 extensions that
/// Python's zipfile emits (numpy forces a ZIP64 local header on every member); writing produces
/// plain stored ZIP, which numpy.load and every unzip tool read.
#include <filesystem>
#include <map>
#include <string>
#include <string_view>

#include "deeprg/io/npy.hpp"

namespace deeprg::io {

/// The arrays of an archive by name. The key is the member name without its ".npy" suffix, the
/// name numpy.load exposes ("W" for member "W.npy", "layer_1/W" for "layer_1/W.npy").
using NpzArchive = std::map<std::string, NpyArray>;

/// Parses the bytes of a .npz archive via its central directory, checking every member's
/// CRC-32. `name` (usually the file) appears in every error. Throws IoError when the bytes are
/// not a ZIP archive or are truncated, for a CRC mismatch, an encrypted member, a compression
/// method other than stored or deflate, duplicate members, or a member that is not a valid .npy
/// file (named "NAME:member.npy").
NpzArchive parse_npz(std::string_view bytes, const std::string& name);

/// Reads a .npz file. Throws IoError naming the file (and the member, where one is at fault).
NpzArchive read_npz(const std::filesystem::path& path);

/// Serialises an archive like numpy.savez: one stored (uncompressed) member "KEY.npy" per
/// array, in key order, with a fixed timestamp so that equal archives give equal bytes.
/// Throws IoError for an empty key or when the archive would need ZIP64 (a member or the whole
/// archive of 4 GiB or more, or more than 65535 members).
std::string format_npz(const NpzArchive& archive);

/// Writes a .npz file atomically (temporary file + rename). Throws IoError naming the file.
void write_npz(const std::filesystem::path& path, const NpzArchive& archive);

}  // namespace deeprg::io
