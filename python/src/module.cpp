// deeprg._core: the compiled half of the Python package, one submodule per library layer.
#include <pybind11/pybind11.h>

#include "common.hpp"
#include "deeprg/core/blas.hpp"
#include "deeprg/version.hpp"

PYBIND11_MODULE(_core, m) {
  namespace py = pybind11;
  using namespace deeprg::python;
  m.doc() = "deeprg's compiled core (use the deeprg package, not this module)";
  m.attr("__version__") = deeprg::kVersion;
  m.def(
      "blas", [] { return to_python(deeprg::to_json(deeprg::blas_info())); },
      "The BLAS library and kernel in use ({'config', 'core'}): kernels round differently, so a\n"
      "training run is bit-reproducible on the same one.");
  register_errors(m);
  bind_ising(m);
  bind_mc(m);
  bind_rbm(m);  // before rg and vrg, which take and return Rbm objects
  bind_rg(m);
  bind_vrg(m);
  bind_experiment(m);
}
