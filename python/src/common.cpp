#include "common.hpp"

#include <Python.h>

#include <cmath>
#include <limits>

namespace deeprg::python {

namespace {

/// The Python spelling of a library key: parameters keep their names (a flag's "--batch-size"
/// becomes "batch_size"), except those whose Python keyword is another word.
std::string python_key(const std::string& key) {
  static const std::pair<const char*, const char*> kRenamed[] = {
      {"--lr", "learning_rate"},
      {"--final-lr", "final_learning_rate"},
      {"--lr-schedule", "learning_rate_schedule"},
      {"--momentum-switch", "momentum_switch"},
      {"--hidden", "n_hidden"},
      {"--pcd", "cd_k"},
      {"k", "cd_k"},
      {"momentum_switch_epoch", "momentum_switch"},
      {"schedule", "learning_rate_schedule"},
      {"log-z", "method"},
      {"ais-chains", "chains"},
      {"ais-intermediate", "intermediate"},
      {"ais-base", "base_visible_bias"},
  };
  for (const auto& [from, to] : kRenamed)
    if (key == from) return to;
  std::string out = key.rfind("--", 0) == 0 ? key.substr(2) : key;
  for (char& c : out)
    if (c == '-') c = '_';
  return out;
}

}  // namespace

void register_errors(py::module_& m) {
  // The exception types live as long as the interpreter: leaked on purpose (pybind11's idiom).
  static py::handle config_error = PyErr_NewExceptionWithDoc(
      "deeprg.ConfigError", "A bad argument or option; `key` names the keyword at fault.",
      PyExc_ValueError, nullptr);
  static py::handle shape_error = PyErr_NewExceptionWithDoc(
      "deeprg.ShapeError",
      "Arrays whose shapes do not fit together (data vs model, lattice vs "
      "block size, ...).",
      PyExc_ValueError, nullptr);
  m.attr("ConfigError") = config_error;
  m.attr("ShapeError") = shape_error;
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const Interrupted&) {
      // PyErr_CheckSignals left the KeyboardInterrupt (or whatever a signal handler raised).
      if (!PyErr_Occurred()) PyErr_SetNone(PyExc_KeyboardInterrupt);
    } catch (const ConfigError& e) {
      const std::string key = python_key(e.key());
      const std::string what = e.what();
      const std::string message = key + what.substr(e.key().size());
      py::object exc = py::reinterpret_borrow<py::object>(config_error)(message);
      exc.attr("key") = key;
      PyErr_SetObject(config_error.ptr(), exc.ptr());
    } catch (const ShapeError& e) {
      PyErr_SetString(shape_error.ptr(), e.what());
    } catch (const IoError& e) {
      PyErr_SetString(PyExc_OSError, e.what());
    } catch (const Error& e) {
      PyErr_SetString(PyExc_RuntimeError, e.what());
    } catch (const nlohmann::json::exception& e) {
      PyErr_SetString(PyExc_ValueError, e.what());
    }
  });
}

void InterruptCheck::check() {
  if (hit_.load(std::memory_order_relaxed)) throw Interrupted{};
  if (std::this_thread::get_id() != main_) return;
  const auto now = std::chrono::steady_clock::now();
  if (now - last_ < std::chrono::milliseconds(20)) return;
  last_ = now;
  py::gil_scoped_acquire gil;
  if (PyErr_CheckSignals() != 0) {
    hit_.store(true, std::memory_order_relaxed);
    throw Interrupted{};
  }
}

py::object to_python(const nlohmann::json& j) {
  switch (j.type()) {
    case nlohmann::json::value_t::null:
      return py::none();
    case nlohmann::json::value_t::boolean:
      return py::bool_(j.get<bool>());
    case nlohmann::json::value_t::number_integer:
      return py::int_(j.get<std::int64_t>());
    case nlohmann::json::value_t::number_unsigned:
      return py::int_(j.get<std::uint64_t>());
    case nlohmann::json::value_t::number_float:
      return py::float_(j.get<double>());
    case nlohmann::json::value_t::string:
      return py::str(j.get<std::string>());
    case nlohmann::json::value_t::array: {
      py::list out;
      for (const auto& x : j) out.append(to_python(x));
      return out;
    }
    case nlohmann::json::value_t::object: {
      py::dict out;
      for (const auto& [k, v] : j.items()) out[py::str(k)] = to_python(v);
      return out;
    }
    default:
      return py::none();
  }
}

nlohmann::json to_json(py::handle h) {
  if (h.is_none()) return nullptr;
  if (py::isinstance<py::bool_>(h)) return h.cast<bool>();
  if (py::isinstance<py::int_>(h)) return h.cast<std::int64_t>();
  if (py::isinstance<py::float_>(h)) return h.cast<double>();
  if (py::isinstance<py::str>(h)) return h.cast<std::string>();
  if (py::isinstance<py::dict>(h)) {
    nlohmann::json out = nlohmann::json::object();
    for (const auto& [k, v] : h.cast<py::dict>()) out[py::str(k).cast<std::string>()] = to_json(v);
    return out;
  }
  if (py::isinstance<py::list>(h) || py::isinstance<py::tuple>(h)) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& v : h) out.push_back(to_json(v));
    return out;
  }
  // numpy scalars and arrays: through their Python equivalents.
  if (py::hasattr(h, "tolist")) return to_json(h.attr("tolist")());
  throw py::type_error("cannot store a " + std::string(py::str(h.get_type().attr("__name__"))) +
                       " in JSON metadata");
}

py::array_t<std::int8_t> spins_array(io::SpinSamples&& samples) {
  const auto n = static_cast<py::ssize_t>(samples.count);
  const ising::Lattice lattice = samples.lattice;
  if (lattice.dim == 1) return owning_array(std::move(samples.spins), {n, lattice.lx});
  return owning_array(std::move(samples.spins), {n, lattice.ly, lattice.lx});
}

ising::Lattice lattice_of(const py::buffer_info& info, const std::string& name) {
  if (info.ndim != 2 && info.ndim != 3)
    throw ShapeError(name + ": spins must have shape (n, L) or (n, Ly, Lx), got " +
                     std::to_string(info.ndim) + " dimension(s)");
  if (info.shape[0] < 1) throw ShapeError(name + ": no samples (shape[0] = 0)");
  ising::Lattice lattice = info.ndim == 2 ? ising::Lattice::chain(static_cast<int>(info.shape[1]))
                                          : ising::Lattice::square(static_cast<int>(info.shape[2]),
                                                                   static_cast<int>(info.shape[1]));
  if (lattice.lx < 2 || (lattice.dim == 2 && lattice.ly < 2))
    throw ShapeError(name + ": every lattice side must be at least 2");
  return lattice;
}

namespace {

/// Position of flat index k of an array of shape (n, ...) as "sample i, site j".
std::string position(std::size_t k, std::size_t per_sample) {
  return "sample " + std::to_string(k / per_sample) + ", site " + std::to_string(k % per_sample);
}

py::array as_array(py::handle data, const std::string& name) {
  if (!py::isinstance<py::array>(data) && !py::isinstance<py::list>(data) &&
      !py::isinstance<py::tuple>(data) && !py::hasattr(data, "__array__"))
    throw py::type_error(name + ": expected a numpy array, got " +
                         std::string(py::str(data.get_type().attr("__name__"))));
  return py::module_::import("numpy").attr("asarray")(data);
}

}  // namespace

py::array_t<std::int8_t, py::array::c_style> spin_values(py::handle spins,
                                                         const std::string& name) {
  py::array arr = as_array(spins, name);
  const char kind = arr.dtype().kind();
  if (kind != 'i' && kind != 'u' && kind != 'f')
    throw py::type_error(name +
                         ": spins must be a numeric array of ±1 (int8 preferred), got dtype " +
                         std::string(py::str(arr.dtype())));
  if (arr.ndim() < 1 || arr.shape(0) < 1) throw ShapeError(name + ": no samples");
  const auto per_sample = static_cast<std::size_t>(arr.size() / arr.shape(0));
  if (arr.dtype().is(py::dtype::of<std::int8_t>())) {
    auto out = py::array_t<std::int8_t, py::array::c_style>::ensure(arr);
    const std::int8_t* p = out.data();
    for (py::ssize_t k = 0; k < out.size(); ++k)
      if (p[k] != 1 && p[k] != -1)
        throw py::value_error(name + ": value " + std::to_string(p[k]) + " at " +
                              position(static_cast<std::size_t>(k), per_sample) +
                              " is not a spin (±1)");
    return out;
  }
  auto values = py::array_t<double, py::array::c_style | py::array::forcecast>::ensure(arr);
  py::array_t<std::int8_t, py::array::c_style> out(
      std::vector<py::ssize_t>(arr.shape(), arr.shape() + arr.ndim()));
  std::int8_t* q = out.mutable_data();
  const double* p = values.data();
  for (py::ssize_t k = 0; k < values.size(); ++k) {
    if (p[k] != 1.0 && p[k] != -1.0)
      throw py::value_error(name + ": value " + std::to_string(p[k]) + " at " +
                            position(static_cast<std::size_t>(k), per_sample) +
                            " is not a spin (±1)");
    q[k] = static_cast<std::int8_t>(p[k]);
  }
  return out;
}

io::SpinSamples to_samples(py::handle spins, const std::string& name) {
  auto values = spin_values(spins, name);
  const py::buffer_info info = values.request();
  io::SpinSamples s;
  s.lattice = lattice_of(info, name);
  s.count = static_cast<std::size_t>(info.shape[0]);
  s.spins.assign(values.data(), values.data() + values.size());
  return s;
}

MatrixF float_matrix(py::handle data, const std::string& name, std::size_t cols) {
  py::array arr = as_array(data, name);
  const char kind = arr.dtype().kind();
  if (kind != 'i' && kind != 'u' && kind != 'f' && kind != 'b')
    throw py::type_error(name + ": expected a real-valued array, got dtype " +
                         std::string(py::str(arr.dtype())));
  if (arr.ndim() != 2)
    throw ShapeError(name + ": expected a 2-D array (rows = samples), got " +
                     std::to_string(arr.ndim()) + " dimension(s)");
  if (cols != 0 && static_cast<std::size_t>(arr.shape(1)) != cols)
    throw ShapeError(name + ": expected " + std::to_string(cols) + " columns, got " +
                     std::to_string(arr.shape(1)));
  auto values = py::array_t<float, py::array::c_style | py::array::forcecast>::ensure(arr);
  MatrixF m;
  m.rows = static_cast<std::size_t>(arr.shape(0));
  m.cols = static_cast<std::size_t>(arr.shape(1));
  m.data.assign(values.data(), values.data() + values.size());
  return m;
}

MatrixF to_matrix(py::handle data, const std::string& name, bool visible_spin) {
  py::array arr = as_array(data, name);
  const char kind = arr.dtype().kind();
  if (kind == 'i' || kind == 'u') {
    // Integer data are spins (n, ...): mapped to the visible alphabet as the CLI does.
    auto values = spin_values(arr, name);
    if (values.ndim() < 2) throw ShapeError(name + ": spins need shape (n, ...)");
    const auto n = static_cast<std::size_t>(values.shape(0));
    const auto per = static_cast<std::size_t>(values.size()) / n;
    MatrixF m(n, per);
    const std::int8_t* p = values.data();
    for (std::size_t k = 0; k < m.data.size(); ++k)
      m.data[k] = visible_spin ? static_cast<float>(p[k]) : (p[k] > 0 ? 1.0f : 0.0f);
    return m;
  }
  return float_matrix(arr, name);
}

std::vector<double> double_vector(py::handle data, const std::string& name) {
  py::array arr = as_array(data, name);
  if (arr.ndim() != 1)
    throw ShapeError(name + ": expected a 1-D array, got " + std::to_string(arr.ndim()) +
                     " dimension(s)");
  auto values = py::array_t<double, py::array::c_style | py::array::forcecast>::ensure(arr);
  return {values.data(), values.data() + values.size()};
}

ising::Model make_model(const std::string& model, int L, std::optional<int> Ly,
                        std::optional<double> T, std::optional<double> K, double J, double h) {
  ising::Model m;
  if (model != "ising2d" && model != "ising1d")
    throw ConfigError("model", "must be 'ising2d' or 'ising1d', got '" + model + "'");
  if (L < 2) throw ConfigError("L", "must be at least 2, got " + std::to_string(L));
  if (Ly && *Ly < 2) throw ConfigError("Ly", "must be at least 2, got " + std::to_string(*Ly));
  if (model == "ising1d") {
    if (Ly) throw ConfigError("Ly", "a chain has no rows; leave Ly out for ising1d");
    m.lattice = ising::Lattice::chain(L);
  } else {
    m.lattice = ising::Lattice::square(L, Ly.value_or(L));
  }
  if (!std::isfinite(J) || J == 0) throw ConfigError("J", "must be finite and non-zero");
  m.J = J;
  if (!std::isfinite(h)) throw ConfigError("h", "must be finite");
  m.h = h;
  if (T && K) throw ConfigError("T", "give either T or K = J/T, not both");
  if (T) {
    if (!(*T > 0) || !std::isfinite(*T)) throw ConfigError("T", "must be positive and finite");
    m.T = *T;
  } else if (K) {
    if (!(*K > 0) || !std::isfinite(*K)) throw ConfigError("K", "must be positive and finite");
    m.T = J / *K;
  } else {
    throw ConfigError("T", "give the temperature T or the coupling K = J/T");
  }
  m.validate();
  return m;
}

nlohmann::json number_or_null(double x) {
  if (!std::isfinite(x)) return nullptr;
  return x;
}

const char* const kModelKeywordsDoc =
    "The Ising model H(s) = -J sum_<ij> s_i s_j - h sum_i s_i on a periodic lattice (k_B = 1):\n"
    "  model: 'ising2d' (square lattice, L x Ly) or 'ising1d' (chain of L spins)\n"
    "  L, Ly: side(s); Ly defaults to L\n"
    "  T or K: the temperature T (energies in the units of J and h, k_B = 1) or the reduced\n"
    "          coupling K = J/T; give exactly one\n"
    "  J: nearest-neighbour coupling (ferromagnetic when > 0), h: external field\n";

}  // namespace deeprg::python
