#pragma once
/// RBM and DBN model files, readable and writable from numpy.
///
/// An RBM is a .npz archive with
///   W             (n_visible, n_hidden)  float32 or float64 (written as float32)
///   visible_bias  (n_visible,)           float32 or float64
///   hidden_bias   (n_hidden,)            float32 or float64
///   meta          (n,) uint8             UTF-8 JSON object: {"visible": "bernoulli"|"spin",
///                                        "hidden": ..., provenance...}
/// An absent meta, or an absent unit key, means bernoulli. In Python:
///   np.savez(f, W=W, visible_bias=a, hidden_bias=b,
///            meta=np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8))
///   json.loads(np.load(f)["meta"].tobytes())
///
/// A DBN is a directory holding layer_1.npz, layer_2.npz, ... (layer_1 sees the data) and
/// dbn.json ({"layers": N, "sizes": [n_visible, n_hidden_1, ...], "units": [...], "meta": {...}}),
/// or a single archive whose keys carry a "layer_K/" prefix ("layer_1/W", ...), optionally with
/// a top-level "meta" holding the same JSON as dbn.json.
#include <filesystem>
#include <string>

#include "deeprg/io/npz.hpp"
#include "deeprg/rbm/dbn.hpp"
#include "deeprg/rbm/rbm.hpp"

namespace deeprg::rbm {

/// Builds an RBM from the arrays "PREFIX W", "PREFIX visible_bias", "PREFIX hidden_bias" and
/// (optional) "PREFIX meta" of an archive. Throws IoError naming `name` and the key when an
/// array is missing, has the wrong number of dimensions, a shape that disagrees with W, a dtype
/// other than float32/float64, a value that is NaN or Inf (or overflows float32), or when meta
/// is not a uint8 JSON object with valid unit names. Rbm::meta receives the rest of meta.
Rbm rbm_from_npz(const io::NpzArchive& archive, const std::string& name,
                 const std::string& prefix = "");

/// The archive entries of an RBM (keys prefixed with `prefix`), parameters as float32; meta is
/// Rbm::meta with "visible" and "hidden" set from the units. Validates the RBM first
/// (ShapeError, ConfigError); throws ConfigError("meta") when Rbm::meta is not a JSON object.
io::NpzArchive rbm_to_npz(const Rbm& rbm, const std::string& prefix = "");

/// Reads an RBM .npz file; errors as rbm_from_npz, naming the file.
Rbm load_rbm(const std::filesystem::path& path);

/// Writes an RBM .npz file atomically.
void save_rbm(const std::filesystem::path& path, const Rbm& rbm);

/// Builds a DBN from a single archive: keys "layer_K/..." for K = 1..N (no gaps), or, when the
/// archive has a plain "W", one RBM as a 1-layer DBN. A top-level "meta" of a layered archive
/// is the dbn.json document. Validates the stack; throws IoError naming `name`.
Dbn dbn_from_npz(const io::NpzArchive& archive, const std::string& name);

/// The single-archive form of a DBN: "layer_K/..." keys plus "meta" (the dbn.json document).
/// Validates first; throws ConfigError("layers") for a DBN without layers.
io::NpzArchive dbn_to_npz(const Dbn& dbn);

/// Reads a DBN from a directory (dbn.json + layer_K.npz) or from one archive (dbn_from_npz).
/// Throws IoError naming the file at fault, also when layers do not fit together.
Dbn load_dbn(const std::filesystem::path& path);

/// Writes a DBN directory, creating it if needed: layer_1.npz ... layer_N.npz, then dbn.json,
/// each atomically. Stale layer files beyond N from an earlier, deeper DBN are removed.
/// Validates before writing anything; throws ConfigError("layers") for a DBN without layers and
/// IoError naming the directory or file that cannot be written.
void save_dbn(const std::filesystem::path& dir, const Dbn& dbn);

}  // namespace deeprg::rbm
