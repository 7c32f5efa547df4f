#include "deeprg/rbm/model_file.hpp"

#include <cmath>
#include <cstring>
#include <limits>
#include <set>

#include "deeprg/core/error.hpp"
#include "deeprg/io/atomic_file.hpp"

namespace deeprg::rbm {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr std::string_view kLayerPrefix = "layer_";

[[noreturn]] void fail(const std::string& name, const std::string& key, const std::string& what) {
  throw IoError(name + ": '" + key + "' " + what);
}

std::string shape_string(const std::vector<std::size_t>& shape) {
  std::string s = "(";
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (i) s += ", ";
    s += std::to_string(shape[i]);
  }
  return s + (shape.size() == 1 ? ",)" : ")");
}

const io::NpyArray& require(const io::NpzArchive& archive, const std::string& name,
                            const std::string& key) {
  const auto it = archive.find(key);
  if (it == archive.end())
    fail(name, key, "is missing (an RBM needs W, visible_bias and hidden_bias)");
  return it->second;
}

void require_ndim(const io::NpyArray& a, std::size_t ndim, const std::string& name,
                  const std::string& key) {
  if (a.shape.size() != ndim)
    fail(name, key, "must be " + std::to_string(ndim) + "-D, has shape " + shape_string(a.shape));
}

/// The values of a float32 or float64 array stored as `Real` (float32 → float64 exactly;
/// float64 → float32 rounded), rejecting anything a model cannot contain: NaN, Inf, and a
/// float64 value beyond float32's range, which would silently become Inf.
template <class Real>
std::vector<Real> to_reals(const io::NpyArray& a, const std::string& name, const std::string& key) {
  const std::size_t n = a.size();
  std::vector<Real> out(n);
  if (a.descr == "<f4") {
    std::vector<float> narrow(n);
    std::memcpy(narrow.data(), a.data.data(), n * sizeof(float));
    std::copy(narrow.begin(), narrow.end(), out.begin());
  } else if (a.descr == "<f8") {
    std::vector<double> wide(n);
    std::memcpy(wide.data(), a.data.data(), n * sizeof(double));
    for (std::size_t i = 0; i < n; ++i) {
      if (std::isfinite(wide[i]) && std::abs(wide[i]) > std::numeric_limits<Real>::max())
        fail(name, key,
             "value " + std::to_string(wide[i]) + " at index " + std::to_string(i) +
                 " overflows float32");
      out[i] = static_cast<Real>(wide[i]);
    }
  } else {
    fail(name, key, "has dtype '" + a.descr + "'; parameters must be float32 or float64");
  }
  for (std::size_t i = 0; i < n; ++i)
    if (!std::isfinite(out[i]))
      fail(name, key, "contains NaN or Inf (first at flat index " + std::to_string(i) + ")");
  return out;
}

/// Decodes a uint8 array holding UTF-8 JSON text into a JSON object.
json json_from_bytes(const io::NpyArray& a, const std::string& name, const std::string& key) {
  if (a.descr != "|u1" && a.descr != "|i1")
    fail(name, key, "must be a uint8 array of UTF-8 JSON, has dtype '" + a.descr + "'");
  require_ndim(a, 1, name, key);
  json j = json::parse(a.data, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) fail(name, key, "is not valid JSON");
  if (!j.is_object())
    fail(name, key, "must hold a JSON object, holds " + std::string(j.type_name()));
  return j;
}

Units units_from_meta(const json& meta, const char* unit_key, const std::string& name,
                      const std::string& key) {
  const auto it = meta.find(unit_key);
  if (it == meta.end() || it->is_null()) return Units::bernoulli;
  const std::string full = key + "." + unit_key;
  if (!it->is_string()) fail(name, full, "must be a string ('bernoulli' or 'spin')");
  try {
    return parse_units(it->get<std::string>(), full);
  } catch (const ConfigError&) {
    fail(name, full,
         "names an unknown unit type '" + it->get<std::string>() +
             "' (expected 'bernoulli' or 'spin')");
  }
}

io::NpyArray bytes_array(const std::string& text) {
  return io::NpyArray{"|u1", {text.size()}, text};
}

std::string dump_json(const json& j, int indent) {
  try {
    return j.dump(indent);
  } catch (const json::exception& e) {
    // Strings that are not valid UTF-8 cannot be written as JSON.
    throw ConfigError("meta", std::string("cannot be written as JSON: ") + e.what());
  }
}

/// The description of a DBN shared by dbn.json and the single-archive "meta".
template <class Real>
json dbn_document(const std::vector<BasicRbm<Real>>& layers, const json& dbn_meta) {
  json sizes = json::array(), units = json::array();
  if (!layers.empty()) {
    sizes.push_back(layers[0].n_visible());
    units.push_back(to_string(layers[0].visible));
  }
  for (const BasicRbm<Real>& layer : layers) {
    sizes.push_back(layer.n_hidden());
    units.push_back(to_string(layer.hidden));
  }
  json meta = dbn_meta.is_null() ? json::object() : dbn_meta;
  if (!meta.is_object()) throw ConfigError("meta", "a DBN's meta must be a JSON object");
  return json{{"format", "deeprg-dbn"},
              {"version", 1},
              {"layers", layers.size()},
              {"sizes", sizes},
              {"units", units},
              {"dtype", dtype_name<Real>()},
              {"meta", meta}};
}

/// Refuses to write a DBN that load_dbn would reject.
template <class Real>
void check_writable(const BasicDbn<Real>& dbn) {
  if (dbn.layers.empty()) throw ConfigError("layers", "a DBN needs at least one layer");
  dbn.validate();
}

/// Refuses a description written in another format, or in a later version of this one.
void check_format(const json& doc, const std::string& name) {
  const auto format = doc.find("format");
  if (format == doc.end() || *format != "deeprg-dbn")
    fail(name, "format",
         (format == doc.end() ? std::string("is missing") : "is " + format->dump()) +
             "; a deeprg DBN says \"deeprg-dbn\"");
  const auto version = doc.find("version");
  if (version == doc.end() || !version->is_number_integer() || *version != 1)
    fail(name, "version",
         (version == doc.end() ? std::string("is missing") : "is " + version->dump()) +
             "; this deeprg reads version 1");
}

/// Checks a dbn.json document against the layers loaded and takes its meta. `name` is the
/// document's file (or the archive). "dtype" (absent in older files) is checked against the
/// dtype the layers are stored in, `stored`.
template <class Real>
void apply_document(const json& doc, BasicDbn<Real>& dbn, const std::string& name,
                    const char* stored) {
  check_format(doc, name);
  json expected = dbn_document(dbn.layers, json::object());
  expected["dtype"] = stored;
  if (doc.contains("layers") && doc["layers"] != expected["layers"])
    fail(name, "layers",
         "says " + doc["layers"].dump() + " but " + expected["layers"].dump() +
             " layers are stored");
  for (const char* key : {"sizes", "units", "dtype"})
    if (doc.contains(key) && doc[key] != expected[key])
      fail(name, key,
           doc[key].dump() + " disagrees with the layers stored, " + expected[key].dump());
  if (doc.contains("meta") && !doc["meta"].is_null()) {
    if (!doc["meta"].is_object()) fail(name, "meta", "must be a JSON object");
    dbn.meta = doc["meta"];
  }
}

template <class Real>
void validate_dbn(const BasicDbn<Real>& dbn, const std::string& name) {
  try {
    dbn.validate();
  } catch (const IoError&) {
    throw;
  } catch (const Error& e) {
    throw IoError(name + ": " + e.what());
  }
}

fs::path layer_path(const fs::path& dir, std::size_t k) {
  return dir / (std::string(kLayerPrefix) + std::to_string(k) + ".npz");
}

/// True when any parameter array of the RBM under `prefix` is stored as float64.
bool stores_float64(const io::NpzArchive& archive, const std::string& prefix) {
  for (const char* key : {"W", "visible_bias", "hidden_bias"})
    if (const auto it = archive.find(prefix + key);
        it != archive.end() && it->second.descr == "<f8")
      return true;
  return false;
}

/// The dtype a DBN's files store: float64 when any layer stores a float64 array.
const char* stored_dtype(bool any_float64) { return any_float64 ? "float64" : "float32"; }

template <class Real>
BasicRbm<Real> read_rbm(const io::NpzArchive& archive, const std::string& name,
                        const std::string& prefix, bool& any_float64) {
  const std::string w_key = prefix + "W", a_key = prefix + "visible_bias",
                    b_key = prefix + "hidden_bias", meta_key = prefix + "meta";
  const io::NpyArray& w = require(archive, name, w_key);
  const io::NpyArray& a = require(archive, name, a_key);
  const io::NpyArray& b = require(archive, name, b_key);
  require_ndim(w, 2, name, w_key);
  require_ndim(a, 1, name, a_key);
  require_ndim(b, 1, name, b_key);
  const std::size_t nv = w.shape[0], nh = w.shape[1];
  if (a.shape[0] != nv)
    fail(name, a_key,
         "has length " + std::to_string(a.shape[0]) + " but W has shape " + shape_string(w.shape) +
             " (n_visible, n_hidden)");
  if (b.shape[0] != nh)
    fail(name, b_key,
         "has length " + std::to_string(b.shape[0]) + " but W has shape " + shape_string(w.shape) +
             " (n_visible, n_hidden)");

  json meta = json::object();
  if (const auto it = archive.find(meta_key); it != archive.end())
    meta = json_from_bytes(it->second, name, meta_key);
  BasicRbm<Real> rbm(0, 0, units_from_meta(meta, "visible", name, meta_key),
                     units_from_meta(meta, "hidden", name, meta_key));
  // The unit types live in the struct; keeping them in meta too would let them go stale.
  meta.erase("visible");
  meta.erase("hidden");
  rbm.meta = std::move(meta);
  rbm.W.rows = nv;
  rbm.W.cols = nh;
  rbm.W.data = to_reals<Real>(w, name, w_key);
  rbm.visible_bias = to_reals<Real>(a, name, a_key);
  rbm.hidden_bias = to_reals<Real>(b, name, b_key);
  try {
    rbm.validate();  // belt and braces: everything it checks was checked above
  } catch (const Error& e) {
    throw IoError(name + ": " + e.what());
  }
  any_float64 = any_float64 || stores_float64(archive, prefix);
  return rbm;
}

template <class Real>
BasicDbn<Real> read_dbn_archive(const io::NpzArchive& archive, const std::string& name,
                                bool& any_float64) {
  // Layer numbers present, from keys "layer_K/...".
  std::set<std::size_t> numbers;
  for (const auto& [key, array] : archive) {
    if (!key.starts_with(kLayerPrefix)) continue;
    const std::size_t slash = key.find('/');
    if (slash == std::string::npos) continue;
    const std::string digits = key.substr(kLayerPrefix.size(), slash - kLayerPrefix.size());
    if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos) continue;
    if (digits.size() > 6 || digits[0] == '0')
      fail(name, key, "has a malformed layer number (layers are layer_1, layer_2, ...)");
    numbers.insert(std::stoul(digits));
  }
  BasicDbn<Real> dbn;
  if (archive.contains("W")) {
    if (!numbers.empty())
      fail(name, "W", "is ambiguous: the archive holds both a plain RBM and layer_K/ keys");
    dbn.layers.push_back(read_rbm<Real>(archive, name, "", any_float64));
    return dbn;
  }
  if (numbers.empty())
    fail(name, "W", "is missing, and there is no 'layer_1/W': neither an RBM nor a DBN archive");
  // Loading 1..max reports a gap as the missing "layer_K/W".
  for (std::size_t k = 1; k <= *numbers.rbegin(); ++k)
    dbn.layers.push_back(read_rbm<Real>(
        archive, name, std::string(kLayerPrefix) + std::to_string(k) + "/", any_float64));
  if (const auto it = archive.find("meta"); it != archive.end())
    apply_document(json_from_bytes(it->second, name, "meta"), dbn, name, stored_dtype(any_float64));
  validate_dbn(dbn, name);
  return dbn;
}

template <class Real>
BasicDbn<Real> read_dbn(const fs::path& path, bool& any_float64) {
  std::error_code ec;
  if (!fs::is_directory(path, ec))
    return read_dbn_archive<Real>(io::read_npz(path), path.string(), any_float64);
  const fs::path doc_path = path / "dbn.json";
  const std::string doc_name = doc_path.string();
  if (!fs::exists(doc_path, ec))
    throw IoError(path.string() + ": not a DBN directory (dbn.json is missing)");
  const json doc = json::parse(io::read_file(doc_path), nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) throw IoError(doc_name + ": not valid JSON");
  if (!doc.is_object()) throw IoError(doc_name + ": must hold a JSON object");
  check_format(doc, doc_name);  // before any layer is read
  const auto layers = doc.find("layers");
  if (layers == doc.end() || !layers->is_number_unsigned() || layers->get<std::size_t>() == 0)
    fail(doc_name, "layers", "must be a positive integer (the number of layer_K.npz files)");
  BasicDbn<Real> dbn;
  for (std::size_t k = 1; k <= layers->get<std::size_t>(); ++k) {
    const fs::path file = layer_path(path, k);
    dbn.layers.push_back(read_rbm<Real>(io::read_npz(file), file.string(), "", any_float64));
  }
  apply_document(doc, dbn, doc_name, stored_dtype(any_float64));
  validate_dbn(dbn, path.string());
  return dbn;
}

/// The DBN in the dtype its files store.
StoredDbn as_stored(Dbn64 dbn, bool any_float64) {
  if (any_float64) return dbn;
  return dbn_cast<float>(dbn);  // exact: every value came from a float32 array
}

}  // namespace

template <class Real>
BasicRbm<Real> rbm_from_npz(const io::NpzArchive& archive, const std::string& name,
                            const std::string& prefix) {
  bool any_float64 = false;
  return read_rbm<Real>(archive, name, prefix, any_float64);
}

template <class Real>
io::NpzArchive rbm_to_npz(const BasicRbm<Real>& rbm, const std::string& prefix) {
  rbm.validate();
  json meta = rbm.meta.is_null() ? json::object() : rbm.meta;
  if (!meta.is_object()) throw ConfigError("meta", "an RBM's meta must be a JSON object");
  meta["visible"] = to_string(rbm.visible);
  meta["hidden"] = to_string(rbm.hidden);
  io::NpzArchive archive;
  archive[prefix + "W"] =
      io::make_npy(std::span<const Real>(rbm.W.data), {rbm.n_visible(), rbm.n_hidden()});
  archive[prefix + "visible_bias"] =
      io::make_npy(std::span<const Real>(rbm.visible_bias), {rbm.n_visible()});
  archive[prefix + "hidden_bias"] =
      io::make_npy(std::span<const Real>(rbm.hidden_bias), {rbm.n_hidden()});
  archive[prefix + "meta"] = bytes_array(dump_json(meta, -1));
  return archive;
}

template <class Real>
BasicRbm<Real> load_rbm(const fs::path& path) {
  return rbm_from_npz<Real>(io::read_npz(path), path.string());
}

StoredRbm load_rbm_as_stored(const fs::path& path) {
  const io::NpzArchive archive = io::read_npz(path);
  if (stores_float64(archive, "")) return rbm_from_npz<double>(archive, path.string());
  return rbm_from_npz<float>(archive, path.string());
}

template <class Real>
void save_rbm(const fs::path& path, const BasicRbm<Real>& rbm) {
  io::write_npz(path, rbm_to_npz(rbm));
}

template <class Real>
BasicDbn<Real> dbn_from_npz(const io::NpzArchive& archive, const std::string& name) {
  bool any_float64 = false;
  return read_dbn_archive<Real>(archive, name, any_float64);
}

template <class Real>
io::NpzArchive dbn_to_npz(const BasicDbn<Real>& dbn) {
  check_writable(dbn);
  io::NpzArchive archive;
  for (std::size_t k = 1; k <= dbn.layers.size(); ++k)
    archive.merge(
        rbm_to_npz(dbn.layers[k - 1], std::string(kLayerPrefix) + std::to_string(k) + "/"));
  archive["meta"] = bytes_array(dump_json(dbn_document(dbn.layers, dbn.meta), -1));
  return archive;
}

template <class Real>
BasicDbn<Real> load_dbn(const fs::path& path) {
  bool any_float64 = false;
  return read_dbn<Real>(path, any_float64);
}

StoredDbn load_dbn_as_stored(const fs::path& path) {
  bool any_float64 = false;
  Dbn64 dbn = read_dbn<double>(path, any_float64);
  return as_stored(std::move(dbn), any_float64);
}

template <class Real>
void save_dbn(const fs::path& dir, const BasicDbn<Real>& dbn) {
  // Serialise everything first so that an invalid model leaves the directory untouched.
  check_writable(dbn);
  std::vector<io::NpzArchive> archives;
  for (const BasicRbm<Real>& layer : dbn.layers) archives.push_back(rbm_to_npz(layer));
  const std::string doc = dump_json(dbn_document(dbn.layers, dbn.meta), 2) + "\n";

  std::error_code ec;
  fs::create_directories(dir, ec);
  if (!fs::is_directory(dir))
    throw IoError(dir.string() + ": cannot create directory" +
                  (ec ? " (" + ec.message() + ")" : std::string()));
  for (std::size_t k = 1; k <= archives.size(); ++k)
    io::write_npz(layer_path(dir, k), archives[k - 1]);
  // dbn.json goes last: it says how many layer files count, so readers never see a count that
  // promises files not yet written.
  io::write_file_atomic(dir / "dbn.json", doc);
  for (std::size_t k = archives.size() + 1; fs::exists(layer_path(dir, k), ec); ++k)
    fs::remove(layer_path(dir, k), ec);
}

#define DEEPRG_MODEL_FILE_INSTANTIATE(Real)                                              \
  template BasicRbm<Real> rbm_from_npz<Real>(const io::NpzArchive&, const std::string&,  \
                                             const std::string&);                        \
  template io::NpzArchive rbm_to_npz(const BasicRbm<Real>&, const std::string&);         \
  template BasicRbm<Real> load_rbm<Real>(const fs::path&);                               \
  template void save_rbm(const fs::path&, const BasicRbm<Real>&);                        \
  template BasicDbn<Real> dbn_from_npz<Real>(const io::NpzArchive&, const std::string&); \
  template io::NpzArchive dbn_to_npz(const BasicDbn<Real>&);                             \
  template BasicDbn<Real> load_dbn<Real>(const fs::path&);                               \
  template void save_dbn(const fs::path&, const BasicDbn<Real>&);
DEEPRG_MODEL_FILE_INSTANTIATE(float)
DEEPRG_MODEL_FILE_INSTANTIATE(double)
#undef DEEPRG_MODEL_FILE_INSTANTIATE

}  // namespace deeprg::rbm
