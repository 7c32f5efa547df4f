// deeprg.mc: observables of sampled configurations with error bars, and autocorrelation times.
#include <string>

#include "common.hpp"
#include "deeprg/ising/exact.hpp"
#include "deeprg/mc/autocorrelation.hpp"
#include "deeprg/mc/observables.hpp"
#include "deeprg/mc/reference_curve.hpp"
#include "deeprg/mc/sampler.hpp"
#include "deeprg/mc/statistics.hpp"
#include "deeprg/version.hpp"

namespace deeprg::python {

namespace {

/// The model of a spin array: its lattice, with T (or K), J and h from the keywords.
ising::Model model_of(const py::buffer_info& info, std::optional<double> T, std::optional<double> K,
                      double J, double h) {
  const ising::Lattice lattice = lattice_of(info, "spins");
  ising::Model m =
      make_model(lattice.dim == 1 ? "ising1d" : "ising2d", lattice.lx,
                 lattice.dim == 1 ? std::nullopt : std::optional<int>(lattice.ly), T, K, J, h);
  return m;
}

std::vector<double> series(py::handle x) { return double_vector(x, "x"); }

}  // namespace

void bind_mc(py::module_& root) {
  py::module_ m = root.def_submodule(
      "mc", "Monte Carlo statistics: observables with jackknife error bars, autocorrelation.");

  m.def(
      "measure",
      [](py::handle spins, std::optional<double> T, std::optional<double> K, double J, double h,
         int blocks, int threads) {
        auto values = spin_values(spins, "spins");
        const py::buffer_info info = values.request();
        const ising::Model model = model_of(info, T, K, J, h);
        if (threads < 0) throw ConfigError("threads", "must be 0 (all cores) or positive");
        nlohmann::json out = ising::to_json(model);
        out["deeprg_version"] = kVersion;
        {
          py::gil_scoped_release release;
          // The array's buffer is read in place: no copy of the samples.
          const mc::Observables obs =
              mc::measure(model, std::span<const std::int8_t>(values.data(), values.size()),
                          static_cast<std::size_t>(info.shape[0]), blocks, threads);
          out.update(mc::to_json(obs));
          try {
            out["exact"] = ising::exact_json(model);
          } catch (const Error&) {
            // No exact reference for this model (e.g. an antiferromagnet in a field).
          }
        }
        return to_python(out);
      },
      py::arg("spins"), py::kw_only(), py::arg("T") = py::none(), py::arg("K") = py::none(),
      py::arg("J") = 1.0, py::arg("h") = 0.0, py::arg("blocks") = 50, py::arg("threads") = 0,
      "Observables of equilibrium samples with jackknife error bars, the dict that\n"
      "`deeprg measure --json` prints (without 'file').\n\n"
      "  spins: int8 +-1 array (n, L) or (n, Ly, Lx), read in place\n"
      "  T or K = J/T, J, h: the model the samples come from (energies in units of J, k_B = 1)\n"
      "  blocks: contiguous blocks of the delete-one-block jackknife (they should be longer\n"
      "          than the samples' autocorrelation time)\n\n"
      "Keys, each with '<key>_error' (None when undefined):\n"
      "  energy_per_spin     <H>/N\n"
      "  abs_magnetization   <|m|>, m = sum_i s_i / N\n"
      "  susceptibility      N (<m^2> - <|m|>^2) / T\n"
      "  specific_heat       N (<e^2> - <e>^2) / T^2, e = H/N\n"
      "  binder_cumulant     1 - <m^4> / (3 <m^2>^2)\n"
      "  correlation_length  second-moment xi = sqrt(chi(0)/chi(k_min) - 1) / (2 sin(pi/L)),\n"
      "                      in lattice spacings\n"
      "plus the model (model, L, Ly, J, h, T, K), 'samples' and, where one is known, 'exact'\n"
      "(as deeprg.ising.exact).");

  m.def(
      "sample_series",
      [](py::handle spins, std::optional<double> T, std::optional<double> K, double J, double h,
         int threads) {
        auto values = spin_values(spins, "spins");
        const py::buffer_info info = values.request();
        if (!T && !K) T = J;  // K = 1
        const ising::Model model = model_of(info, T, K, J, h);
        mc::SampleSeries s;
        {
          py::gil_scoped_release release;
          s = mc::sample_series(model, std::span<const std::int8_t>(values.data(), values.size()),
                                static_cast<std::size_t>(info.shape[0]), threads);
        }
        const auto n = static_cast<py::ssize_t>(s.energy_per_spin.size());
        py::dict out;
        out["energy_per_spin"] = owning_array(std::move(s.energy_per_spin), {n});
        out["magnetization"] = owning_array(std::move(s.magnetization), {n});
        return out;
      },
      py::arg("spins"), py::kw_only(), py::arg("T") = py::none(), py::arg("K") = py::none(),
      py::arg("J") = 1.0, py::arg("h") = 0.0, py::arg("threads") = 0,
      "Per-sample time series for autocorrelation analysis: {'energy_per_spin': H/N,\n"
      "'magnetization': sum_i s_i / N (signed)}, float64 arrays in sample order. Without T or\n"
      "K the energy is that of K = 1 (J = 1, T = 1).");

  m.def(
      "autocorrelation",
      [](py::handle x, std::size_t max_lag) {
        const std::vector<double> v = series(x);
        std::vector<double> rho = mc::autocorrelation(v, max_lag);
        const auto n = static_cast<py::ssize_t>(rho.size());
        return owning_array(std::move(rho), {n});
      },
      py::arg("x"), py::arg("max_lag"),
      "Normalised autocorrelation function rho(t) = C(t)/C(0), t = 0 ... min(max_lag, n - 1),\n"
      "C(t) = 1/(n - t) sum_i (x_i - mean)(x_{i+t} - mean), by FFT. All NaN for a constant\n"
      "series.");

  m.def(
      "integrated_autocorrelation_time",
      [](py::handle x, double c, double min_samples_per_tau) {
        const std::vector<double> v = series(x);
        const mc::AutocorrelationTime t = renaming_keys(
            {}, [&] { return mc::integrated_autocorrelation_time(v, c, min_samples_per_tau); });
        py::dict out;
        out["tau_int"] = t.tau_int;
        out["tau_error"] = t.tau_error;
        out["window"] = t.window;
        out["reliable"] = t.reliable;
        return out;
      },
      py::arg("x"), py::kw_only(), py::arg("c") = 6.0, py::arg("min_samples_per_tau") = 50.0,
      "Integrated autocorrelation time tau_int = 1/2 + sum_{t=1}^{W} rho(t) with Sokal's\n"
      "automatic window (the smallest W >= c tau_int(W)), in units of the series' steps, and\n"
      "the Madras-Sokal error tau sqrt(2(2W + 1)/n). Returns {'tau_int', 'tau_error',\n"
      "'window', 'reliable'}; reliable means a window was found and n >= min_samples_per_tau\n"
      "tau_int. The variance of the mean is about 2 tau_int Var(x)/n.");

  m.def(
      "binned_mean",
      [](py::handle x, int bins) {
        const std::vector<double> v = series(x);
        const mc::Estimate e = mc::binned_mean(v, bins);
        py::dict out;
        out["value"] = e.value;
        out["error"] = e.error;
        return out;
      },
      py::arg("x"), py::kw_only(), py::arg("bins") = 50,
      "Mean of a series with its binning (jackknife) error over min(bins, n) contiguous blocks:\n"
      "{'value', 'error'}.");

  py::class_<mc::ReferenceCurve>(
      m, "ReferenceCurve",
      "Monte Carlo curves of <|m|> and the Binder cumulant U4 against T on one lattice (h = 0,\n"
      "J = 1), the thermometers for quantities without an exact form. Make one with\n"
      "reference_curve(); read a temperature off it with read(), or pass it to\n"
      "deeprg.rbm.flow(reference=...).")
      .def_property_readonly(
          "points", [](const mc::ReferenceCurve& c) { return to_python(mc::to_json(c)["points"]); },
          "One dict per temperature: T, abs_magnetization(_error), binder_cumulant(_error).")
      .def("to_dict", [](const mc::ReferenceCurve& c) { return to_python(mc::to_json(c)); })
      .def(
          "read",
          [](const mc::ReferenceCurve& c, const std::string& observable, double value,
             double error) {
            mc::CurveObservable o = mc::CurveObservable::abs_magnetization;
            if (observable == "binder_cumulant")
              o = mc::CurveObservable::binder_cumulant;
            else if (observable != "abs_magnetization")
              throw ConfigError("observable", "'abs_magnetization' or 'binder_cumulant', got '" +
                                                  observable + "'");
            return to_python(mc::to_json(mc::read_temperature(c, o, value, error)));
          },
          py::arg("observable"), py::arg("value"), py::arg("error") = 0.0,
          "The temperature at which the curve of `observable` ('abs_magnetization' or\n"
          "'binder_cumulant') takes `value` +- `error`: {'T', 'T_error', 'T_low', 'T_high'}\n"
          "(None where the curve does not reach). A local quadratic fit around the first\n"
          "crossing; the error adds the value's and the fit's.");

  m.def(
      "reference_curve",
      [](std::vector<int> shape, py::handle temperatures, std::size_t samples, std::uint64_t seed,
         int blocks, int threads) {
        if (shape.size() != 2 || shape[0] < 2 || shape[1] < 2)
          throw ConfigError("shape", "give the lattice as (Ly, Lx), each at least 2");
        if (threads < 0) throw ConfigError("threads", "must be 0 (all cores) or positive");
        const std::vector<double> grid = double_vector(temperatures, "temperatures");
        mc::SamplerOptions o;
        o.samples = samples;
        o.seed = seed;
        o.threads = threads;
        py::gil_scoped_release release;
        return mc::reference_curve(ising::Lattice::square(shape[1], shape[0]), grid, o, blocks);
      },
      py::arg("shape"), py::arg("temperatures"), py::kw_only(), py::arg("samples") = 10000,
      py::arg("seed") = 1, py::arg("blocks") = 20, py::arg("threads") = 0,
      "Wolff samples of the (Ly, Lx) torus at each of the increasing `temperatures`,\n"
      "measured with jackknife errors: a ReferenceCurve. The same curve for any `threads`.");
}

}  // namespace deeprg::python
