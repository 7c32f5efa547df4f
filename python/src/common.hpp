#pragma once
// Pieces every binding file shares: numpy ⇄ library conversions, JSON → Python, the Ising
// model from keywords, error keys in Python's words, and Ctrl-C inside long calls.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "deeprg/core/error.hpp"
#include "deeprg/core/matrix.hpp"
#include "deeprg/io/spin_file.hpp"
#include "deeprg/ising/model.hpp"

namespace deeprg::python {

namespace py = pybind11;

/// Every binding file contributes one submodule.
void bind_ising(py::module_& m);
void bind_mc(py::module_& m);
void bind_rg(py::module_& m);
void bind_rbm(py::module_& m);
void bind_vrg(py::module_& m);
void bind_experiment(py::module_& m);

// ------------------------------------------------------------------ errors

/// Registers deeprg.ConfigError (a ValueError with `.key`), deeprg.ShapeError (a ValueError)
/// and the translation of every library exception: IoError → OSError, Error → RuntimeError.
void register_errors(py::module_& m);

/// Thrown from a progress callback when Ctrl-C arrived, or when the callback raised; the
/// pending exception (KeyboardInterrupt, or the callback's) is raised when it reaches Python. Not a
/// std::exception, so that no library `catch` takes it.
struct Interrupted {};

/// Runs `body`, renaming the key of a ConfigError it throws from the library's (often a CLI
/// flag such as "--lr") to the Python keyword the caller used ("learning_rate").
template <class F>
auto renaming_keys(std::initializer_list<std::pair<const char*, const char*>> keys, F&& body)
    -> decltype(body()) {
  try {
    return body();
  } catch (const ConfigError& e) {
    for (const auto& [from, to] : keys) {
      if (e.key() == from) {
        const std::string what = e.what();
        throw ConfigError(to, what.substr(e.key().size() + 2));
      }
    }
    throw;
  }
}

/// Polls for Ctrl-C from inside a long call that runs without the GIL. check() may be called
/// from any thread and as often as one likes: it looks at Python's signal state (which only the
/// main thread can) at most every 20 ms, and once a signal is seen every later check, on every
/// thread, throws Interrupted so that parallel work winds down quickly.
class InterruptCheck {
 public:
  InterruptCheck() : main_(std::this_thread::get_id()) {}
  void check();
  bool interrupted() const noexcept { return hit_.load(std::memory_order_relaxed); }

 private:
  std::thread::id main_;
  std::atomic<bool> hit_{false};
  std::chrono::steady_clock::time_point last_{};
};

// ------------------------------------------------------------------ JSON

/// nlohmann::json → Python (dict, list, float, int, str, bool, None).
py::object to_python(const nlohmann::json& j);
/// Python (dict, list, tuple, numbers, str, bool, None, numpy scalars) → nlohmann::json. Throws
/// TypeError for anything else.
nlohmann::json to_json(py::handle h);

// ------------------------------------------------------------------ arrays

/// An array that owns `values` (moved, never copied), with the given shape, C order.
template <class T>
py::array_t<T> owning_array(std::vector<T>&& values, std::vector<py::ssize_t> shape) {
  auto* owned = new std::vector<T>(std::move(values));
  py::capsule free(owned, [](void* p) { delete static_cast<std::vector<T>*>(p); });
  return py::array_t<T>(shape, owned->data(), free);
}

/// A matrix as a (rows, cols) array, moving its storage.
template <class T>
py::array_t<T> matrix_array(Matrix<T>&& m) {
  const auto rows = static_cast<py::ssize_t>(m.rows), cols = static_cast<py::ssize_t>(m.cols);
  return owning_array(std::move(m.data), {rows, cols});
}

/// Spin samples as an int8 array (n, L) or (n, Ly, Lx), moving their storage.
py::array_t<std::int8_t> spins_array(io::SpinSamples&& samples);

/// The lattice of a spin array's shape: (n, L) is a chain, (n, Ly, Lx) a square lattice.
/// Throws ShapeError (naming `name`) for another number of dimensions or no samples.
ising::Lattice lattice_of(const py::buffer_info& info, const std::string& name);

/// A spin array (any integer or floating dtype, values ±1; int8 is read without conversion) as
/// int8 C-order values, validated. Throws TypeError for another dtype, ValueError naming the first
/// value that is not ±1 by sample and site.
py::array_t<std::int8_t, py::array::c_style> spin_values(py::handle spins, const std::string& name);

/// A spin array as SpinSamples (one copy into the library's container).
io::SpinSamples to_samples(py::handle spins, const std::string& name);

/// Rows of data as a float32 matrix (one copy): a 2-D array of floats, or spins of any shape
/// (n, ...) with integer dtype mapped to the visible alphabet of `bernoulli`/`spin` units
/// ((s + 1)/2 or s). `visible_spin` says which.
MatrixF to_matrix(py::handle data, const std::string& name, bool visible_spin);

/// A float array (any real dtype) as a float32 matrix with `cols` columns (0: any), one copy.
MatrixF float_matrix(py::handle data, const std::string& name, std::size_t cols = 0);

/// A 1-D array of doubles.
std::vector<double> double_vector(py::handle data, const std::string& name);

// ------------------------------------------------------------------ the Ising model

/// The model from keywords, as `deeprg exact/sample` build it from flags: model "ising2d" or
/// "ising1d", side L (rows Ly, default L), exactly one of T and K = J/T, coupling J ≠ 0, field h.
/// ConfigErrors name the keyword.
ising::Model make_model(const std::string& model, int L, std::optional<int> Ly,
                        std::optional<double> T, std::optional<double> K, double J, double h);

/// A non-finite number as null (JSON has no NaN), as the command-line tool writes it.
nlohmann::json number_or_null(double x);

/// Docstring fragment for the model keywords.
extern const char* const kModelKeywordsDoc;

}  // namespace deeprg::python
