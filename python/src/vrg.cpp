// deeprg.vrg: Mehta & Schwab's variational RG quantities, exactly, and RBMs fitted to exact
// Ising distributions.
#include <cmath>
#include <string>

#include "common.hpp"
#include "deeprg/vrg/fit.hpp"
#include "deeprg/vrg/operators.hpp"

namespace deeprg::python {

namespace {

/// The Rbm (float32) or Rbm64 (float64) overload of evaluate; `doc` goes with the first.
template <class Real>
void bind_evaluate(py::module_& m, const char* doc) {
  m.def(
      "evaluate",
      [](const rbm::BasicRbm<Real>& model, int L, const std::string& lattice, std::optional<int> Ly,
         std::optional<double> T, std::optional<double> K, double J, double h, int threads) {
        const ising::Model ising = make_model(lattice, L, Ly, T, K, J, h);
        vrg::VrgReport r;
        {
          py::gil_scoped_release release;
          r = vrg::evaluate_vrg(ising, model, threads);
        }
        py::dict d = to_python(vrg::to_json(r)).cast<py::dict>();
        if (!r.h_rbm.empty()) {
          const auto n = static_cast<py::ssize_t>(r.h_rbm.size());
          d["h_rbm"] = owning_array(std::move(r.h_rbm), {n});
        }
        return d;
      },
      py::arg("rbm"), py::kw_only(), py::arg("L"), py::arg("model") = "ising1d",
      py::arg("Ly") = py::none(), py::arg("T") = py::none(), py::arg("K") = py::none(),
      py::arg("J") = 1.0, py::arg("h") = 0.0, py::arg("threads") = 0, doc);
}

}  // namespace

void bind_vrg(py::module_& root) {
  py::module_ m = root.def_submodule(
      "vrg",
      "Mehta & Schwab's mapping between variational RG and RBMs (arXiv:1410.3831), evaluated "
      "exactly by enumeration for a small Ising system.");

  bind_evaluate<float>(
      m,
      "The quantities of Eqs. 18-22 for an RBM with spin visible units (one per site) and the\n"
      "Ising model H(v) = -K sum_<ij> v_i v_j - B sum_i v_i (K = J/T, B = h/T), by enumeration\n"
      "(n_visible + n_hidden <= 26), in nats, in double from the parameters of the Rbm or Rbm64\n"
      "as stored (an Rbm64's are exact to double precision):\n"
      "  log_z      ln Z = ln Tr_v e^-H(v)\n"
      "  log_z_rbm  ln Z_lambda = ln Tr_h e^-H^RBM(h)\n"
      "  delta_f    ln Z - ln Z_lambda\n"
      "  kl         KL(P || p_lambda) >= 0\n"
      "  max_abs_h_rg_minus_h_rbm  max_h |H^RG(h) - H^RBM(h)| (zero up to rounding for every\n"
      "             RBM: the paper's identity, not evidence of an RG step)\n"
      "  log_tr_h_exp_t_min/max    range of ln Tr_h e^T(v,h) over v, T = -E + H; the step is\n"
      "             exact iff both are 0 (KL = 0 and delta_f = 0 together)\n"
      "  h_rbm      H^RBM(h) for all 2^n_hidden states (n_hidden <= 16), float64 array\n"
      "The same dict as `deeprg vrg --json`.");
  bind_evaluate<double>(m, nullptr);

  m.def(
      "fit_hidden_sweep",
      [](int L, std::vector<std::size_t> hidden, const std::string& lattice, std::optional<int> Ly,
         std::optional<double> T, std::optional<double> K, double J, double h, int iterations,
         double learning_rate, double init_std, std::uint64_t seed, const std::string& hidden_units,
         bool compare_cd, int cd_samples, int cd_epochs, double cd_learning_rate) {
        const ising::Model ising = make_model(lattice, L, Ly, T, K, J, h);
        vrg::FitOptions o;
        o.iterations = iterations;
        o.learning_rate = learning_rate;
        o.init_std = init_std;
        o.seed = seed;
        o.hidden = rbm::parse_units(hidden_units, "hidden_units");
        o.compare_cd = compare_cd;
        o.cd_samples = cd_samples;
        o.cd_epochs = cd_epochs;
        o.cd_learning_rate = cd_learning_rate;
        std::vector<vrg::FitResult> results;
        {
          py::gil_scoped_release release;
          results = renaming_keys({{"--hidden", "hidden"},
                                   {"--iterations", "iterations"},
                                   {"--lr", "learning_rate"},
                                   {"--L", "L"},
                                   {"--cd-samples", "cd_samples"},
                                   {"--cd-epochs", "cd_epochs"}},
                                  [&] { return vrg::fit_hidden_sweep(ising, hidden, o); });
        }
        py::list out;
        for (auto& r : results) {
          py::dict d;
          d["n_hidden"] = r.n_hidden;
          d["kl_exact_gradient"] = r.kl_exact_gradient;
          d["kl_cd"] = r.kl_cd;
          d["log_tr_h_exp_t_min"] = r.log_tr_h_exp_t_min;
          d["log_tr_h_exp_t_max"] = r.log_tr_h_exp_t_max;
          d["log_z_rbm"] = r.log_z_rbm;
          d["log_z"] = r.log_z;
          d["rbm"] = std::move(r.rbm);
          out.append(d);
        }
        return out;
      },
      py::arg("L"), py::arg("hidden"), py::kw_only(), py::arg("model") = "ising1d",
      py::arg("Ly") = py::none(), py::arg("T") = py::none(), py::arg("K") = py::none(),
      py::arg("J") = 1.0, py::arg("h") = 0.0, py::arg("iterations") = 2000,
      py::arg("learning_rate") = 0.05, py::arg("init_std") = 0.1, py::arg("seed") = 1,
      py::arg("hidden_units") = "spin", py::arg("compare_cd") = true, py::arg("cd_samples") = 5000,
      py::arg("cd_epochs") = 200, py::arg("cd_learning_rate") = 0.05,
      "Fits, for each size in `hidden`, an RBM to the exact Boltzmann distribution of a small\n"
      "Ising system (N <= 16 spins) by the exact gradient of KL(P || p_lambda) (Adam,\n"
      "`iterations` full-batch steps at `learning_rate`, cosine decay over the second half),\n"
      "and, with compare_cd, one trained by CD-1 on cd_samples exact draws. One dict per size:\n"
      "'n_hidden', 'kl_exact_gradient', 'kl_cd' (NaN without compare_cd), 'log_tr_h_exp_t_min',\n"
      "'log_tr_h_exp_t_max', 'log_z_rbm', 'log_z', and 'rbm' (the exact-gradient fit, an Rbm64:\n"
      "float64 as the optimiser held it).");
}

}  // namespace deeprg::python
