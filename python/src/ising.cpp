// deeprg.ising: exact references for the Ising model and equilibrium sampling.
#include <cmath>
#include <string>

#include "common.hpp"
#include "deeprg/core/blas.hpp"
#include "deeprg/ising/exact.hpp"
#include "deeprg/mc/sampler.hpp"

namespace deeprg::python {

namespace {

py::dict thermo_dict(const ising::Thermodynamics& t) {
  py::dict d;
  d["log_z"] = t.log_z;
  d["energy_per_spin"] = t.energy_per_spin;
  d["specific_heat_per_spin"] = t.specific_heat_per_spin;
  d["magnetization_per_spin"] = t.magnetization_per_spin;
  return d;
}

py::dict infinite_dict(const ising::InfiniteLattice& t, bool chain) {
  py::dict d;
  d["log_z_per_spin"] = t.log_z_per_spin;
  d["energy_per_spin"] = t.energy_per_spin;
  d["specific_heat_per_spin"] = t.specific_heat_per_spin;
  d[chain ? "magnetization_per_spin" : "spontaneous_magnetization"] = t.spontaneous_magnetization;
  d["correlation_length"] = t.correlation_length;
  return d;
}

/// The model keywords every function here takes, in one place.
#define DEEPRG_MODEL_ARGS                                                              \
  py::arg("model") = "ising2d", py::arg("Ly") = py::none(), py::arg("T") = py::none(), \
  py::arg("K") = py::none(), py::arg("J") = 1.0, py::arg("h") = 0.0

using OptInt = std::optional<int>;
using OptDouble = std::optional<double>;

}  // namespace

void bind_ising(py::module_& root) {
  py::module_ m = root.def_submodule(
      "ising",
      "The Ising model H(s) = -J sum_<ij> s_i s_j - h sum_i s_i on a periodic chain or square "
      "lattice (k_B = 1): exact references and equilibrium samples.");
  m.attr("T_c") = ising::kCriticalTemperature;
  m.attr("K_c") = ising::kCriticalCoupling;

  m.def(
      "kaufman",
      [](int L, const std::string& model, OptInt Ly, OptDouble T, OptDouble K, double J, double h) {
        const auto mod = make_model(model, L, Ly, T, K, J, h);
        return thermo_dict(ising::kaufman(mod));
      },
      py::arg("L"), py::kw_only(), DEEPRG_MODEL_ARGS,
      (std::string("Exact thermodynamics of the L x Ly torus at h = 0 (Kaufman 1949, as Beale "
                   "1996).\n\n") +
       "Returns {'log_z': ln Z, 'energy_per_spin': <H>/N, 'specific_heat_per_spin':\n"
       "(<H^2> - <H>^2)/(N T^2), 'magnetization_per_spin': <sum s>/N}, exact to rounding\n"
       "(derivatives of ln Z are taken by forward-mode differentiation, not differences).\n"
       "Needs model='ising2d', h = 0 and J > 0.\n\n" +
       kModelKeywordsDoc)
          .c_str());

  m.def(
      "transfer_matrix",
      [](int L, const std::string& model, OptInt Ly, OptDouble T, OptDouble K, double J, double h) {
        const auto mod = make_model(model, L, Ly, T, K, J, h);
        return thermo_dict(ising::transfer_matrix(mod));
      },
      py::arg("L"), py::kw_only(), py::arg("model") = "ising1d", py::arg("Ly") = py::none(),
      py::arg("T") = py::none(), py::arg("K") = py::none(), py::arg("J") = 1.0, py::arg("h") = 0.0,
      (std::string("Exact thermodynamics of the periodic chain of L spins in a field h, from the\n"
                   "transfer matrix: Z = l+^L + l-^L, l+- = e^K cosh B +- sqrt(e^2K sinh^2 B + "
                   "e^-2K), B = h/T.\n\n"
                   "Returns the same dict as kaufman(). Any sign of J and h.\n\n") +
       kModelKeywordsDoc)
          .c_str());

  m.def(
      "enumerate",
      [](int L, const std::string& model, OptInt Ly, OptDouble T, OptDouble K, double J, double h) {
        const auto mod = make_model(model, L, Ly, T, K, J, h);
        ising::Thermodynamics t;
        {
          py::gil_scoped_release release;
          t = ising::enumerate(mod);
        }
        return thermo_dict(t);
      },
      py::arg("L"), py::kw_only(), DEEPRG_MODEL_ARGS,
      (std::string("Exact thermodynamics by summing all 2^N states (N <= 30; 2^25 take about a\n"
                   "second), any J and h. Returns the same dict as kaufman().\n\n") +
       kModelKeywordsDoc)
          .c_str());
  m.def(
      "density_of_states",
      [](int L, const std::string& model, OptInt Ly) {
        const auto mod = make_model(model, L, Ly, 1.0, std::nullopt, 1.0, 0.0);
        ising::DensityOfStates dos;
        {
          py::gil_scoped_release release;
          dos = ising::density_of_states(mod.lattice);
        }
        const auto n = static_cast<py::ssize_t>(mod.lattice.sites());
        const auto bonds = static_cast<py::ssize_t>(mod.lattice.bonds());
        py::dict out;
        out["counts"] = owning_array(std::move(dos.counts), {2 * bonds + 1, 2 * n + 1});
        out["bond_sum"] = py::module_::import("numpy").attr("arange")(-bonds, bonds + 1);
        out["magnetization"] = py::module_::import("numpy").attr("arange")(-n, n + 1);
        return out;
      },
      py::arg("L"), py::kw_only(), py::arg("model") = "ising2d", py::arg("Ly") = py::none(),
      "Density of states g(b, M): how many of the 2^N configurations have bond sum\n"
      "b = sum_<ij> s_i s_j and magnetization M = sum_i s_i, so that Z = sum g(b, M) e^(K b + B "
      "M).\n"
      "Returns {'counts': uint64 array (2 bonds + 1, 2 N + 1) indexed [b + bonds, M + N],\n"
      "'bond_sum': the b of each row, 'magnetization': the M of each column}. N <= 30.");

  m.def(
      "boltzmann_probabilities",
      [](int L, const std::string& model, OptInt Ly, OptDouble T, OptDouble K, double J, double h) {
        const auto mod = make_model(model, L, Ly, T, K, J, h);
        std::vector<double> p;
        {
          py::gil_scoped_release release;
          p = ising::boltzmann_probabilities(mod);
        }
        const auto size = static_cast<py::ssize_t>(p.size());
        return owning_array(std::move(p), {size});
      },
      py::arg("L"), py::kw_only(), DEEPRG_MODEL_ARGS,
      (std::string("P(s) = exp(-H(s)/T)/Z for all 2^N states (N <= 24), index bit i set <=> "
                   "s_i = +1\n(site i row-major).\n\n") +
       kModelKeywordsDoc)
          .c_str());

  m.def(
      "onsager",
      [](OptDouble T, OptDouble K, double J) {
        const auto mod = make_model("ising2d", 2, std::nullopt, T, K, J, 0.0);
        return infinite_dict(ising::onsager(mod), false);
      },
      py::kw_only(), py::arg("T") = py::none(), py::arg("K") = py::none(), py::arg("J") = 1.0,
      "The square lattice in the thermodynamic limit at h = 0 (Onsager 1944, Yang 1952):\n"
      "{'log_z_per_spin', 'energy_per_spin', 'specific_heat_per_spin' (inf at T_c),\n"
      "'spontaneous_magnetization' (Yang's |m|, 0 at and above T_c), 'correlation_length'\n"
      "(exponential, in lattice spacings; inf at T_c)}. Give T or K = J/T; J > 0.");

  m.def(
      "infinite_chain",
      [](OptDouble T, OptDouble K, double J, double h) {
        const auto mod = make_model("ising1d", 2, std::nullopt, T, K, J, h);
        return infinite_dict(ising::infinite_chain(mod), true);
      },
      py::kw_only(), py::arg("T") = py::none(), py::arg("K") = py::none(), py::arg("J") = 1.0,
      py::arg("h") = 0.0,
      "The chain in the thermodynamic limit, any J and h: {'log_z_per_spin' = ln l+,\n"
      "'energy_per_spin', 'specific_heat_per_spin', 'magnetization_per_spin',\n"
      "'correlation_length' = 1/ln(l+/|l-|)}.");

  m.def(
      "exact",
      [](int L, const std::string& model, OptInt Ly, OptDouble T, OptDouble K, double J, double h) {
        const auto mod = make_model(model, L, Ly, T, K, J, h);
        nlohmann::json j;
        {
          py::gil_scoped_release release;
          j = ising::exact_json(mod);
        }
        return to_python(j);
      },
      py::arg("L"), py::kw_only(), DEEPRG_MODEL_ARGS,
      (std::string(
           "Every exact reference for the model, as `deeprg exact --json` prints it: the model,\n"
           "then log_z, energy_per_spin, specific_heat_per_spin, magnetization_per_spin of the\n"
           "finite lattice with 'method' ('kaufman' in 2D at h = 0, 'transfer_matrix' in 1D,\n"
           "'enumeration' for small lattices otherwise, None when none applies), 'enumeration'\n"
           "(a cross-check up to 25 spins) and 'infinite_lattice' (Onsager/Yang in 2D at h = 0,\n"
           "the infinite chain in 1D). Values that diverge are None.\n\n") +
       kModelKeywordsDoc)
          .c_str());

  m.def(
      "energy",
      [](py::handle spins, double J, double h) {
        auto values = spin_values(spins, "spins");
        const py::buffer_info info = values.request();
        ising::Model mod;
        mod.lattice = lattice_of(info, "spins");
        mod.J = J;
        mod.h = h;
        const auto n = static_cast<std::size_t>(info.shape[0]);
        const std::size_t sites = mod.lattice.sites();
        std::vector<double> e(n);
        {
          py::gil_scoped_release release;
          for (std::size_t i = 0; i < n; ++i)
            e[i] = ising::energy(mod, std::span(values.data() + i * sites, sites));
        }
        return owning_array(std::move(e), {static_cast<py::ssize_t>(n)});
      },
      py::arg("spins"), py::kw_only(), py::arg("J") = 1.0, py::arg("h") = 0.0,
      "H(s) = -J sum_<ij> s_i s_j - h sum_i s_i of each sample of a spin array (n, L) or\n"
      "(n, Ly, Lx) on the periodic lattice (total, not per spin). float64 array of length n.");

  m.def(
      "sample",
      [](int L, const std::string& model, OptInt Ly, OptDouble T, OptDouble K, double J, double h,
         const std::string& algorithm, std::size_t samples, OptInt thermalization, OptInt spacing,
         std::uint64_t seed, int threads, int chains, bool global_flip, double pilot_budget_updates,
         bool return_report) -> py::object {
        const auto mod = make_model(model, L, Ly, T, K, J, h);
        mc::SamplerOptions options;
        options.algorithm = mc::resolve_algorithm(algorithm, mod);
        if (samples < 1) throw ConfigError("samples", "must be at least 1");
        options.samples = samples;
        if (thermalization) options.thermalization = *thermalization;
        if (spacing) options.spacing = *spacing;
        options.seed = seed;
        if (threads < 0) throw ConfigError("threads", "must be 0 (all cores) or positive");
        options.threads = threads;
        if (chains < 1) throw ConfigError("chains", "must be at least 1");
        options.chains = chains;
        options.global_flip = global_flip;
        options.pilot_budget_updates = pilot_budget_updates;
        InterruptCheck interrupt;
        options.progress = [&interrupt](double, double) { interrupt.check(); };
        mc::SamplerReport report;
        io::SpinSamples out;
        {
          py::gil_scoped_release release;
          out = mc::sample(mod, options, &report);
        }
        options.progress = nullptr;
        py::array_t<std::int8_t> spins = spins_array(std::move(out));
        if (!return_report) return spins;
        return py::make_tuple(spins, to_python(mc::sidecar_json(mod, options, report)));
      },
      py::arg("L"), py::kw_only(), DEEPRG_MODEL_ARGS, py::arg("algorithm") = "auto",
      py::arg("samples") = 1000, py::arg("thermalization") = py::none(),
      py::arg("spacing") = py::none(), py::arg("seed") = 1, py::arg("threads") = 0,
      py::arg("chains") = 16, py::arg("global_flip") = true, py::arg("pilot_budget_updates") = 4e9,
      py::arg("return_report") = false,
      (std::string(
           "Equilibrium samples of the Ising model: an int8 array of +-1, shape (samples, Ly, L)\n"
           "(or (samples, L) for a chain), bit-identical to `deeprg sample` with the same\n"
           "settings and seed, for any number of threads.\n\n"
           "  algorithm: 'metropolis' (checkerboard; bit-packed multi-spin coding in 2D at h = "
           "0),\n"
           "             'heatbath', 'wolff', 'swendsen-wang', or 'auto' (Wolff at h = 0 and\n"
           "             J > 0, else Metropolis)\n"
           "  samples: number of configurations\n"
           "  thermalization, spacing: sweeps before the first sample and between samples;\n"
           "             None (automatic): a pilot chain measures the integrated\n"
           "             autocorrelation time tau_int, thermalises max(default, 20 tau_int)\n"
           "             sweeps and stores a sample every ceil(2 tau_int) sweeps\n"
           "  seed: every random stream derives from it; threads: 0 = all cores (never changes\n"
           "             the result); chains: independent chains, each started cold (all +1)\n"
           "  global_flip: at h = 0 flip each stored sample with probability 1/2 (exact Z2\n"
           "             symmetry that local updates cannot cross below T_c)\n"
           "  return_report: also return the sidecar dict (tau_int, spacing, seconds, ...),\n"
           "             as `deeprg sample` writes it beside samples.npy\n\n"
           "Releases the GIL while it runs; Ctrl-C raises KeyboardInterrupt.\n\n") +
       kModelKeywordsDoc)
          .c_str());
}

#undef DEEPRG_MODEL_ARGS

}  // namespace deeprg::python
