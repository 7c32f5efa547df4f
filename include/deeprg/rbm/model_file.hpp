#pragma once
/// RBM and DBN model files, readable and writable from numpy.
///
/// An RBM is a .npz archive with
///   W             (n_visible, n_hidden)  float32 or float64
///   visible_bias  (n_visible,)           float32 or float64
///   hidden_bias   (n_hidden,)            float32 or float64
///   meta          (n,) uint8             UTF-8 JSON object: {"visible": "bernoulli"|"spin",
///                                        "hidden": ..., provenance...}
/// An absent meta, or an absent unit key, means bernoulli. In Python:
///   np.savez(f, W=W, visible_bias=a, hidden_bias=b,
///            meta=np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8))
///   json.loads(np.load(f)["meta"].tobytes())
///
/// The arrays' dtype is the model's precision: deeprg writes all three in the dtype the model is
/// held in (float32 for trained models, float64 for Rbm64), and reads either into either
/// (float32 → float64 exactly; float64 → float32 rounded to nearest). The *_as_stored readers
/// keep what the file holds: float64 when any parameter array is float64.
///
/// A DBN is a directory holding layer_1.npz, layer_2.npz, ... (layer_1 sees the data) and
/// dbn.json ({"format": "deeprg-dbn", "version": 1, "layers": N, "sizes": [n_visible,
/// n_hidden_1, ...], "units": [...], "dtype": "float32" | "float64", "meta": {...}}; "dtype",
/// when present, must agree with the layers' arrays), or a single archive whose keys carry a
/// "layer_K/" prefix ("layer_1/W", ...), optionally with a top-level "meta" holding the same
/// JSON as dbn.json.
#include <filesystem>
#include <string>
#include <variant>

#include "deeprg/io/npz.hpp"
#include "deeprg/rbm/dbn.hpp"
#include "deeprg/rbm/rbm.hpp"

namespace deeprg::rbm {

/// Builds an RBM stored as `Real` from the arrays "PREFIX W", "PREFIX visible_bias",
/// "PREFIX hidden_bias" and (optional) "PREFIX meta" of an archive. Throws IoError naming `name`
/// and the key when an array is missing, has the wrong number of dimensions, a shape that
/// disagrees with W, a dtype other than float32/float64, a value that is NaN or Inf (or, for
/// float32, overflows it), or when meta is not a uint8 JSON object with valid unit names.
/// Rbm::meta receives the rest of meta.
template <class Real = float>
BasicRbm<Real> rbm_from_npz(const io::NpzArchive& archive, const std::string& name,
                            const std::string& prefix = "");

/// The archive entries of an RBM (keys prefixed with `prefix`), parameters in the RBM's dtype;
/// meta is Rbm::meta with "visible" and "hidden" set from the units. Validates the RBM first
/// (ShapeError, ConfigError); throws ConfigError("meta") when Rbm::meta is not a JSON object.
template <class Real>
io::NpzArchive rbm_to_npz(const BasicRbm<Real>& rbm, const std::string& prefix = "");

/// Reads an RBM .npz file stored as `Real`; errors as rbm_from_npz, naming the file.
template <class Real = float>
BasicRbm<Real> load_rbm(const std::filesystem::path& path);

/// An RBM in the dtype its file stores.
using StoredRbm = std::variant<Rbm, Rbm64>;
/// Reads an RBM .npz file keeping its dtype: Rbm64 when any parameter array is float64.
StoredRbm load_rbm_as_stored(const std::filesystem::path& path);

/// Writes an RBM .npz file atomically, in the RBM's dtype.
template <class Real>
void save_rbm(const std::filesystem::path& path, const BasicRbm<Real>& rbm);

/// Builds a DBN from a single archive: keys "layer_K/..." for K = 1..N (no gaps), or, when the
/// archive has a plain "W", one RBM as a 1-layer DBN. A top-level "meta" of a layered archive
/// is the dbn.json document. Validates the stack; throws IoError naming `name`.
template <class Real = float>
BasicDbn<Real> dbn_from_npz(const io::NpzArchive& archive, const std::string& name);

/// The single-archive form of a DBN: "layer_K/..." keys plus "meta" (the dbn.json document).
/// Validates first; throws ConfigError("layers") for a DBN without layers.
template <class Real>
io::NpzArchive dbn_to_npz(const BasicDbn<Real>& dbn);

/// Reads a DBN from a directory (dbn.json + layer_K.npz) or from one archive (dbn_from_npz).
/// Throws IoError naming the file at fault, also when layers do not fit together.
template <class Real = float>
BasicDbn<Real> load_dbn(const std::filesystem::path& path);

/// A DBN in the dtype its files store.
using StoredDbn = std::variant<Dbn, Dbn64>;
/// Reads a DBN as load_dbn, keeping its dtype: Dbn64 when any layer stores a float64 array.
StoredDbn load_dbn_as_stored(const std::filesystem::path& path);

/// Writes a DBN directory, creating it if needed: layer_1.npz ... layer_N.npz, then dbn.json,
/// each atomically, in the DBN's dtype. Stale layer files beyond N from an earlier, deeper DBN
/// are removed. Validates before writing anything; throws ConfigError("layers") for a DBN
/// without layers and IoError naming the directory or file that cannot be written.
template <class Real>
void save_dbn(const std::filesystem::path& dir, const BasicDbn<Real>& dbn);

}  // namespace deeprg::rbm
