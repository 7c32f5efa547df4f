// deeprg.rbm: restricted Boltzmann machines and deep belief networks — the model, training,
// honest estimators (exact ln Z, AIS) and deeprg's .npz model files.
#include <cstring>
#include <string>
#include <type_traits>
#include <variant>

#include "common.hpp"
#include "deeprg/analysis/rbm_flow.hpp"
#include "deeprg/analysis/rbm_sampler.hpp"
#include "deeprg/core/blas.hpp"
#include "deeprg/mc/reference_curve.hpp"
#include "deeprg/rbm/dbn_ops.hpp"
#include "deeprg/rbm/estimators.hpp"
#include "deeprg/rbm/model_file.hpp"
#include "deeprg/rbm/rbm.hpp"
#include "deeprg/rbm/train.hpp"

namespace deeprg::python {

namespace {

using rbm::Rbm;
using rbm::Rbm64;
using rbm::Units;

Units units(const std::string& name, const std::string& key) { return rbm::parse_units(name, key); }

/// A writable numpy view of storage owned by `owner` (an Rbm or Rbm64 held by Python), in the
/// storage's dtype.
template <class Real>
py::array_t<Real> view(std::vector<Real>& v, std::vector<py::ssize_t> shape, py::handle owner) {
  return py::array_t<Real>(shape, v.data(), owner);
}

/// Copies an array (any real dtype, cast to `Real`) into storage of exactly `shape`.
template <class Real>
void assign(std::vector<Real>& dst, py::handle src, const std::vector<py::ssize_t>& shape,
            const std::string& name) {
  auto a = py::array_t<Real, py::array::c_style | py::array::forcecast>::ensure(src);
  if (!a) throw py::type_error(name + ": expected a real-valued array");
  const bool fits = a.ndim() == static_cast<py::ssize_t>(shape.size()) &&
                    std::equal(shape.begin(), shape.end(), a.shape());
  if (!fits) {
    std::string want = "(";
    for (std::size_t i = 0; i < shape.size(); ++i) {
      if (i) want += ", ";
      want += std::to_string(shape[i]);
    }
    throw ShapeError(name + ": expected shape " + want + (shape.size() == 1 ? ",)" : ")"));
  }
  std::memcpy(dst.data(), a.data(), dst.size() * sizeof(Real));
}

/// Rbm(...) / Rbm64(...): the arrays cast to `Real` (float32 rounds, float64 keeps every bit).
template <class Real>
rbm::BasicRbm<Real> make_rbm(py::handle W, py::handle visible_bias, py::handle hidden_bias,
                             const std::string& visible, const std::string& hidden,
                             py::handle meta) {
  auto w = py::array_t<Real, py::array::c_style | py::array::forcecast>::ensure(W);
  if (!w || w.ndim() != 2) throw ShapeError("W: expected a 2-D array (n_visible, n_hidden)");
  rbm::BasicRbm<Real> r(static_cast<std::size_t>(w.shape(0)), static_cast<std::size_t>(w.shape(1)),
                        units(visible, "visible"), units(hidden, "hidden"));
  std::memcpy(r.W.data.data(), w.data(), r.W.data.size() * sizeof(Real));
  if (!visible_bias.is_none()) assign(r.visible_bias, visible_bias, {w.shape(0)}, "visible_bias");
  if (!hidden_bias.is_none()) assign(r.hidden_bias, hidden_bias, {w.shape(1)}, "hidden_bias");
  if (!meta.is_none()) {
    r.meta = to_json(meta);
    if (!r.meta.is_object()) throw py::type_error("meta: expected a dict");
  }
  r.validate();
  return r;
}

/// Data for an RBM's visible layer: float rows in its alphabet, or integer spins (n, ...).
/// Data are float32 for either dtype of the model (values in {0, 1} or +-1 are exact).
template <class Real>
MatrixF visible_data(const rbm::BasicRbm<Real>& r, py::handle v, const std::string& name) {
  MatrixF m = to_matrix(v, name, r.visible == Units::spin);
  if (m.cols != r.n_visible())
    throw ShapeError(name + ": " + std::to_string(m.cols) + " columns, the model has " +
                     std::to_string(r.n_visible()) + " visible units");
  return m;
}

/// The float32 model that the conditionals, sampling and reconstruction run on: the Rbm itself,
/// or a rounded copy of an Rbm64 (ConfigError("parameters") when a value overflows float32).
const Rbm& float32_model(const Rbm& r) { return r; }
Rbm float32_model(const Rbm64& r) { return rbm::rbm_cast<float>(r); }

py::array_t<double> double_array(std::vector<double>&& x) {
  const auto n = static_cast<py::ssize_t>(x.size());
  return owning_array(std::move(x), {n});
}

template <class Real>
rbm::BasicDbn<Real> dbn_of(const std::vector<rbm::BasicRbm<Real>>& layers) {
  rbm::BasicDbn<Real> d;
  d.layers = layers;
  d.validate();
  return d;
}

py::dict log_z_dict(const rbm::LogZEstimate& z) {
  py::dict d;
  d["log_z"] = z.log_z;
  d["error"] = z.error;
  d["method"] = z.method;
  d["effective_chains"] = z.effective_chains;
  if (z.has_reverse) {
    d["reverse_log_z"] = z.reverse_log_z;
    d["reverse_error"] = z.reverse_error;
  }
  return d;
}

rbm::AisOptions ais_options(int chains, int intermediate, std::uint64_t seed, int threads,
                            py::handle base_visible_bias, bool reverse) {
  rbm::AisOptions o;
  o.chains = chains;
  o.intermediate = intermediate;
  o.seed = seed;
  if (threads < 0) throw ConfigError("threads", "must be 0 (all cores) or positive");
  o.threads = threads;
  if (!base_visible_bias.is_none()) {
    const auto b = double_vector(base_visible_bias, "base_visible_bias");
    o.base_visible_bias.assign(b.begin(), b.end());
  }
  o.reverse = reverse;
  return o;
}

/// The training options of `deeprg train`, keyword by keyword (same defaults).
struct TrainArgs {
  int epochs;
  std::size_t batch_size;
  int cd_k;
  bool persistent;
  double learning_rate;
  std::optional<double> final_learning_rate;
  std::string learning_rate_schedule;
  double momentum, final_momentum;
  int momentum_switch;
  double l1, l2, sparsity_target, sparsity_cost, init_std;
  std::uint64_t seed;
  int threads;
  std::string precision;
  std::optional<std::string> checkpoint;
  int checkpoint_every;
  bool resume;
};

rbm::TrainOptions train_options(const TrainArgs& a) {
  rbm::TrainOptions o;
  o.epochs = a.epochs;
  o.batch_size = a.batch_size;
  o.k = a.cd_k;
  o.persistent = a.persistent;
  o.learning_rate = a.learning_rate;
  if (a.final_learning_rate) o.final_learning_rate = *a.final_learning_rate;
  o.schedule = rbm::parse_learning_rate_schedule(a.learning_rate_schedule);
  o.momentum = a.momentum;
  o.final_momentum = a.final_momentum;
  o.momentum_switch_epoch = a.momentum_switch;
  o.l1 = a.l1;
  o.l2 = a.l2;
  o.sparsity_target = a.sparsity_target;
  o.sparsity_cost = a.sparsity_cost;
  o.init_std = a.init_std;
  o.seed = a.seed;
  o.threads = a.threads;
  o.precision = a.precision;
  if (a.checkpoint) o.checkpoint = *a.checkpoint;
  o.checkpoint_every = a.checkpoint_every;
  o.resume = a.resume;
  return o;
}

py::dict epoch_dict(const rbm::EpochMetrics& m) {
  py::dict d;
  d["layer"] = m.layer + 1;
  d["epoch"] = m.epoch;
  d["reconstruction_error"] = m.reconstruction_error;
  d["pseudo_log_likelihood"] = m.pseudo_log_likelihood;
  d["log_likelihood"] = m.log_likelihood ? py::object(py::float_(*m.log_likelihood)) : py::none();
  d["learning_rate"] = m.learning_rate;
  d["momentum"] = m.momentum;
  d["seconds"] = m.seconds;
  return d;
}

/// Installs the per-epoch callback: Ctrl-C is checked after every epoch, and a Python callable
/// (when given) receives the epoch's metrics as a dict; what it raises stops training.
void install_on_epoch(rbm::TrainOptions& o, InterruptCheck& interrupt, const py::object& on_epoch) {
  if (!on_epoch.is_none() && !PyCallable_Check(on_epoch.ptr()))
    throw py::type_error("on_epoch: expected a callable taking a dict, or None");
  auto callable = on_epoch.is_none() ? nullptr : std::make_shared<py::object>(on_epoch);
  o.on_epoch = [&interrupt, callable](const rbm::EpochMetrics& m) {
    interrupt.check();
    if (callable) {
      py::gil_scoped_acquire gil;
      (*callable)(epoch_dict(m));
    }
  };
}

/// Training keys the library names otherwise than the Python keywords (the rest, such as k →
/// cd_k, are renamed for every call in common.cpp).
#define DEEPRG_TRAIN_KEYS \
  { "units", "visible" }

#define DEEPRG_TRAIN_ARGS                                                                     \
  py::arg("visible") = "bernoulli", py::arg("hidden") = "bernoulli", py::arg("epochs") = 100, \
  py::arg("batch_size") = 100, py::arg("cd_k") = 1, py::arg("persistent") = false,            \
  py::arg("learning_rate") = 0.01, py::arg("final_learning_rate") = py::none(),               \
  py::arg("learning_rate_schedule") = "constant", py::arg("momentum") = 0.5,                  \
  py::arg("final_momentum") = 0.9, py::arg("momentum_switch") = 5, py::arg("l1") = 0.0,       \
  py::arg("l2") = 1e-4, py::arg("sparsity_target") = 0.0, py::arg("sparsity_cost") = 0.0,     \
  py::arg("init_std") = 0.01, py::arg("seed") = 1, py::arg("threads") = 0,                    \
  py::arg("precision") = "auto", py::arg("checkpoint") = py::none(),                          \
  py::arg("checkpoint_every") = 1, py::arg("resume") = false, py::arg("on_epoch") = py::none()

const char* const kTrainDoc =
    "Training: mini-batch contrastive divergence CD-k (or persistent CD, PCD-k) with momentum,\n"
    "Hinton's practical guide. Per mini-batch of m rows V0:\n"
    "  g_W = (V0' P0 - V1' P1)/m, g_a = <V0 - V1>, g_b = <P0 - P1>  (P = E[h | V])\n"
    "  D <- mu D + eps (g - l2 W);  W <- W + D;  w <- sign(w) max(|w| - eps l1, 0)\n"
    "Keywords (the defaults are `deeprg train`'s; the model is bit-identical to the CLI's for\n"
    "the same settings and seed, for any number of threads):\n"
    "  visible, hidden: 'bernoulli' ({0,1}) or 'spin' (+-1) units\n"
    "  epochs, batch_size, cd_k (Gibbs steps per update), persistent (PCD)\n"
    "  learning_rate eps_0; learning_rate_schedule 'constant' | 'linear' | 'exponential' to\n"
    "      final_learning_rate over the epochs\n"
    "  momentum mu for the first momentum_switch epochs, then final_momentum\n"
    "  l1 (soft threshold), l2 (weight decay) on W; sparsity_target, sparsity_cost\n"
    "  init_std: W ~ N(0, init_std^2); visible biases from the data marginals; hidden 0\n"
    "  seed, threads (0 = all cores; never changes the result)\n"
    "  precision: 'fp32', 'bf16' (product operands rounded to bfloat16, fp32 sums; twice as\n"
    "      fast where the CPU has AVX-512 BF16) or 'auto' (bf16 where native and the data\n"
    "      are states of the visible units, else fp32)\n"
    "  checkpoint (path.npz), checkpoint_every, resume: a killed run resumes bit-identically\n"
    "  on_epoch: callable receiving a dict per epoch (layer, epoch, reconstruction_error,\n"
    "      pseudo_log_likelihood per spin, log_likelihood when exact, learning_rate, momentum,\n"
    "      seconds); an exception it raises stops training\n"
    "data: integer spins +-1 of shape (n, ...) (mapped to {0,1} for bernoulli visible units,\n"
    "as `deeprg train` reads a spin file), or a float array (n, n_visible) of values in the\n"
    "visible alphabet (probabilities allowed). Releases the GIL; Ctrl-C raises\n"
    "KeyboardInterrupt after the current epoch.";

/// The Rbm (float32) or Rbm64 (float64) overloads of the estimators. The docstrings go with the
/// float32 overloads, the first of each name, and say what holds for both.
template <class Real>
void bind_estimators(py::module_& m) {
  using R = rbm::BasicRbm<Real>;
  const auto doc = [](const char* text) { return std::is_same_v<Real, float> ? text : nullptr; };
  m.def(
      "exact_log_z",
      [](const R& r, int threads) {
        py::gil_scoped_release release;
        return rbm::exact_log_z(r, threads);
      },
      py::arg("rbm"), py::kw_only(), py::arg("threads") = 0,
      doc("ln Z = ln sum_{v,h} exp(-E(v,h)) exactly for an Rbm or Rbm64, enumerating the smaller\n"
          "layer (at most 30 units) and summing the other in closed form; double precision from\n"
          "the parameters as stored (an Rbm64's ln Z is exact to double precision), bit-identical\n"
          "for any threads."));
  m.def(
      "ais_log_z",
      [](const R& r, int chains, int intermediate, std::uint64_t seed, int threads,
         py::handle base_visible_bias, bool reverse) {
        const rbm::AisOptions o =
            ais_options(chains, intermediate, seed, threads, base_visible_bias, reverse);
        rbm::LogZEstimate z;
        {
          py::gil_scoped_release release;
          z = rbm::ais_log_z(r, o);
        }
        return log_z_dict(z);
      },
      py::arg("rbm"), py::kw_only(), py::arg("chains") = 256, py::arg("intermediate") = 20000,
      py::arg("seed") = 1, py::arg("threads") = 0, py::arg("base_visible_bias") = py::none(),
      py::arg("reverse") = false,
      doc("Annealed importance sampling (Neal 2001; Salakhutdinov & Murray 2008) of an Rbm or\n"
          "Rbm64 from the independent-visible base model through `intermediate` inverse\n"
          "temperatures, `chains` runs: {'log_z', 'error' (delta-method standard error),\n"
          "'method': 'ais', 'effective_chains' (sum w)^2/sum w^2, and with reverse=True\n"
          "'reverse_log_z', 'reverse_error'}. A stochastic lower bound on ln Z; trust the error\n"
          "bar when effective_chains is close to chains. Activations in the model's dtype,\n"
          "weights in double."));
  m.def(
      "log_z",
      [](const R& r, const std::string& method, int chains, int intermediate, std::uint64_t seed,
         int threads, std::size_t exact_limit) {
        const rbm::AisOptions o =
            ais_options(chains, intermediate, seed, threads, py::none(), false);
        rbm::LogZEstimate z;
        {
          py::gil_scoped_release release;
          z = rbm::estimate_log_z(r, method, o, exact_limit);
        }
        return log_z_dict(z);
      },
      py::arg("rbm"), py::arg("method") = "auto", py::kw_only(), py::arg("chains") = 256,
      py::arg("intermediate") = 20000, py::arg("seed") = 1, py::arg("threads") = 0,
      py::arg("exact_limit") = 24,
      doc("ln Z of an Rbm or Rbm64 by method 'exact' (enumeration; the smaller layer <=\n"
          "exact_limit units), 'ais', or 'auto' (exact when possible): {'log_z', 'error' (0 when\n"
          "exact), 'method', ...}."));
  m.def(
      "log_likelihood",
      [](const R& r, py::handle v, double log_z) {
        const MatrixF x = visible_data(r, v, "v");
        std::vector<double> ll;
        {
          py::gil_scoped_release release;
          const SingleThreadedBlas blas;
          ll = rbm::log_likelihood(r, x, log_z);
        }
        return double_array(std::move(ll));
      },
      py::arg("rbm"), py::arg("v"), py::arg("log_z"),
      doc("ln p(v) = -F(v) - ln Z of each row (float64), nats; F in double from the parameters of\n"
          "the Rbm or Rbm64 as stored."));
  m.def(
      "pseudo_log_likelihood",
      [](const R& r, py::handle v, std::uint64_t seed, int threads) {
        const MatrixF x = visible_data(r, v, "v");
        py::gil_scoped_release release;
        return rbm::pseudo_log_likelihood(r, x, seed, threads);
      },
      py::arg("rbm"), py::arg("v"), py::kw_only(), py::arg("seed") = 1, py::arg("threads") = 1,
      doc("Mean pseudo-log-likelihood per visible unit, (1/n_v) sum_i ln p(v_i | v_-i), averaged\n"
          "over rows (nats per spin): every unit of every row when rows x n_v <= 2^20, else one\n"
          "unit per row drawn from the stream (seed, row) (unbiased; scikit-learn reports n_v\n"
          "times this). In double from the parameters of the Rbm or Rbm64 as stored."));
  m.def(
      "reconstruction_error",
      [](const R& r, py::handle v, int threads) {
        const MatrixF x = visible_data(r, v, "v");
        const auto& f = float32_model(r);
        py::gil_scoped_release release;
        return rbm::reconstruction_error(f, x, threads);
      },
      py::arg("rbm"), py::arg("v"), py::kw_only(), py::arg("threads") = 1,
      doc("Mean squared error per visible unit between v and its mean-field reconstruction\n"
          "E[v | h = E[h | v]]: a training diagnostic with float32 products (an Rbm64 is rounded\n"
          "to a float32 copy first)."));
  m.def(
      "exact_log_likelihood_gradient",
      [](const R& r, py::handle v, int threads) {
        const MatrixF x = visible_data(r, v, "v");
        rbm::Gradient g;
        {
          py::gil_scoped_release release;
          g = rbm::exact_log_likelihood_gradient(r, x, threads);
        }
        py::dict d;
        const auto nv = static_cast<py::ssize_t>(g.visible_bias.size());
        const auto nh = static_cast<py::ssize_t>(g.hidden_bias.size());
        d["W"] = matrix_array(std::move(g.W));
        d["visible_bias"] = owning_array(std::move(g.visible_bias), {nv});
        d["hidden_bias"] = owning_array(std::move(g.hidden_bias), {nh});
        return d;
      },
      py::arg("rbm"), py::arg("v"), py::kw_only(), py::arg("threads") = 0,
      doc("Exact gradient of the mean log-likelihood of the rows of v: <v h'>_data - <v h'>_model\n"
          "etc., model averages by enumeration of the smaller layer, in double from the\n"
          "parameters of the Rbm or Rbm64 as stored. Dict of float64 arrays."));
}

/// Rbm (float32) or Rbm64 (float64) overloads of save and save_dbn; docstrings as for
/// bind_estimators.
template <class Real>
void bind_model_files(py::module_& m, const char* save_doc, const char* save_dbn_doc) {
  m.def(
      "save",
      [](const std::string& path, const rbm::BasicRbm<Real>& r) {
        py::gil_scoped_release release;
        rbm::save_rbm(path, r);
      },
      py::arg("path"), py::arg("rbm"), save_doc);
  m.def(
      "save_dbn",
      [](const std::string& path, const std::vector<rbm::BasicRbm<Real>>& layers, py::handle meta) {
        rbm::BasicDbn<Real> d = dbn_of(layers);
        if (!meta.is_none()) d.meta = to_json(meta);
        py::gil_scoped_release release;
        rbm::save_dbn(path, d);
      },
      py::arg("path"), py::arg("layers"), py::kw_only(), py::arg("meta") = py::none(),
      save_dbn_doc);
}

/// deeprg.rbm.Rbm (float32) or deeprg.rbm.Rbm64 (float64): one binding for both dtypes.
template <class Real>
void bind_rbm_class(py::module_& m, const char* name, const char* doc) {
  using R = rbm::BasicRbm<Real>;
  const std::string dtype = rbm::dtype_name<Real>();
  const std::string cls = name;
  // Real == float: the model itself; double: a rounded copy, said in the docstring.
  const std::string float32_note =
      std::is_same_v<Real, float> ? "" : "\nComputed on a float32 copy (astype('float32')).";
  py::class_<R>(m, name, doc)
      .def(py::init(&make_rbm<Real>), py::arg("W"), py::arg("visible_bias") = py::none(),
           py::arg("hidden_bias") = py::none(), py::kw_only(), py::arg("visible") = "bernoulli",
           py::arg("hidden") = "bernoulli", py::arg("meta") = py::none())
      .def_static(
          "zeros",
          [](std::size_t n_visible, std::size_t n_hidden, const std::string& visible,
             const std::string& hidden) {
            return R(n_visible, n_hidden, units(visible, "visible"), units(hidden, "hidden"));
          },
          py::arg("n_visible"), py::arg("n_hidden"), py::kw_only(),
          py::arg("visible") = "bernoulli", py::arg("hidden") = "bernoulli",
          "An RBM with zero weights and biases.")
      .def_property_readonly(
          "dtype", [](const R&) { return rbm::dtype_name<Real>(); },
          ("'" + dtype + "': the dtype of the parameters (and of W, visible_bias, hidden_bias).")
              .c_str())
      .def(
          "astype",
          [](const R& r, py::handle to) -> py::object {
            std::string want;
            try {
              want = py::str(
                  py::dtype::from_args(py::reinterpret_borrow<py::object>(to)).attr("name"));
            } catch (const py::error_already_set&) {
              want = py::str(to);
            }
            if (want == rbm::dtype_name<float>()) return py::cast(rbm::rbm_cast<float>(r));
            if (want == rbm::dtype_name<double>()) return py::cast(rbm::rbm_cast<double>(r));
            throw ConfigError("dtype",
                              "expected 'float32' (Rbm) or 'float64' (Rbm64), got '" + want + "'");
          },
          py::arg("dtype"),
          "The same RBM stored as dtype, a new object: 'float32' (or np.float32) gives an Rbm,\n"
          "'float64' an Rbm64. float32 -> float64 is exact; float64 -> float32 rounds each value\n"
          "to nearest and raises ConfigError('parameters') when one overflows float32.")
      .def_property(
          "W",
          [](py::object self) {
            R& r = self.cast<R&>();
            return view(r.W.data,
                        {static_cast<py::ssize_t>(r.W.rows), static_cast<py::ssize_t>(r.W.cols)},
                        self);
          },
          [](R& r, py::handle a) {
            assign(r.W.data, a,
                   {static_cast<py::ssize_t>(r.W.rows), static_cast<py::ssize_t>(r.W.cols)}, "W");
          },
          ("Weights, " + dtype + " (n_visible, n_hidden), a view of the model's storage.").c_str())
      .def_property(
          "visible_bias",
          [](py::object self) {
            R& r = self.cast<R&>();
            return view(r.visible_bias, {static_cast<py::ssize_t>(r.visible_bias.size())}, self);
          },
          [](R& r, py::handle a) {
            assign(r.visible_bias, a, {static_cast<py::ssize_t>(r.visible_bias.size())},
                   "visible_bias");
          },
          ("Visible biases a, " + dtype + " (n_visible,).").c_str())
      .def_property(
          "hidden_bias",
          [](py::object self) {
            R& r = self.cast<R&>();
            return view(r.hidden_bias, {static_cast<py::ssize_t>(r.hidden_bias.size())}, self);
          },
          [](R& r, py::handle a) {
            assign(r.hidden_bias, a, {static_cast<py::ssize_t>(r.hidden_bias.size())},
                   "hidden_bias");
          },
          ("Hidden biases b, " + dtype + " (n_hidden,).").c_str())
      .def_property(
          "visible", [](const R& r) { return rbm::to_string(r.visible); },
          [](R& r, const std::string& u) { r.visible = units(u, "visible"); },
          "'bernoulli' or 'spin'.")
      .def_property(
          "hidden", [](const R& r) { return rbm::to_string(r.hidden); },
          [](R& r, const std::string& u) { r.hidden = units(u, "hidden"); },
          "'bernoulli' or 'spin'.")
      .def_property_readonly("n_visible", &R::n_visible)
      .def_property_readonly("n_hidden", &R::n_hidden)
      .def_property(
          "meta", [](const R& r) { return to_python(r.meta); },
          [](R& r, py::handle meta) {
            nlohmann::json j = to_json(meta);
            if (!j.is_object()) throw py::type_error("meta: expected a dict");
            r.meta = std::move(j);
          },
          "Provenance (training configuration, ...) as a dict; a copy.")
      .def("validate", &R::validate,
           "Raises ShapeError when sizes disagree, ConfigError on NaN or Inf.")
      .def(
          "free_energy",
          [](const R& r, py::handle v) {
            const MatrixF x = visible_data(r, v, "v");
            std::vector<double> f;
            {
              py::gil_scoped_release release;
              const SingleThreadedBlas blas;
              f = rbm::free_energy(r, x);
            }
            return double_array(std::move(f));
          },
          py::arg("v"),
          ("F(v) of each row (float64): p(v) = exp(-F(v))/Z, in double from the " + dtype +
           " parameters.")
              .c_str())
      .def(
          "hidden_mean",
          [](const R& r, py::handle v) {
            const MatrixF x = visible_data(r, v, "v");
            const auto& f = float32_model(r);
            MatrixF h;
            {
              py::gil_scoped_release release;
              const SingleThreadedBlas blas;
              rbm::hidden_activation(f, x, h);
              rbm::mean_from_activation(f.hidden, h);
            }
            return matrix_array(std::move(h));
          },
          py::arg("v"),
          ("E[h | v] of each row: sigmoid(b + W'v) (bernoulli) or tanh(b + W'v) (spin), float32." +
           float32_note)
              .c_str())
      .def(
          "visible_mean",
          [](const R& r, py::handle h) {
            const MatrixF x = float_matrix(h, "h", r.n_hidden());
            const auto& f = float32_model(r);
            MatrixF v;
            {
              py::gil_scoped_release release;
              const SingleThreadedBlas blas;
              rbm::visible_activation(f, x, v);
              rbm::mean_from_activation(f.visible, v);
            }
            return matrix_array(std::move(v));
          },
          py::arg("h"),
          ("E[v | h] of each row: sigmoid(a + W h) or tanh(a + W h), float32." + float32_note)
              .c_str())
      .def(
          "sample_hidden",
          [](const R& r, py::handle v, std::uint64_t seed) {
            const MatrixF x = visible_data(r, v, "v");
            const auto& f = float32_model(r);
            MatrixF h;
            {
              py::gil_scoped_release release;
              const SingleThreadedBlas blas;
              rbm::hidden_activation(f, x, h);
              std::vector<Rng> rngs;
              rngs.reserve(h.rows);
              for (std::size_t i = 0; i < h.rows; ++i) rngs.emplace_back(seed, i);
              rbm::sample_from_activation(f.hidden, h, rngs);
            }
            return matrix_array(std::move(h));
          },
          py::arg("v"), py::kw_only(), py::arg("seed") = 1,
          ("A draw h ~ p(h | v) per row (row i from the stream (seed, i)), float32 in the hidden\n"
           "alphabet." +
           float32_note)
              .c_str())
      .def(
          "sample_visible",
          [](const R& r, py::handle h, std::uint64_t seed) {
            const MatrixF x = float_matrix(h, "h", r.n_hidden());
            const auto& f = float32_model(r);
            MatrixF v;
            {
              py::gil_scoped_release release;
              const SingleThreadedBlas blas;
              rbm::visible_activation(f, x, v);
              std::vector<Rng> rngs;
              rngs.reserve(v.rows);
              for (std::size_t i = 0; i < v.rows; ++i) rngs.emplace_back(seed, i);
              rbm::sample_from_activation(f.visible, v, rngs);
            }
            return matrix_array(std::move(v));
          },
          py::arg("h"), py::kw_only(), py::arg("seed") = 1,
          ("A draw v ~ p(v | h) per row (row i from the stream (seed, i)), float32." + float32_note)
              .c_str())
      .def(
          "convert_units",
          [](const R& r, const std::string& visible, const std::string& hidden) {
            return rbm::convert_units(r, units(visible, "visible"), units(hidden, "hidden"));
          },
          py::kw_only(), py::arg("visible"), py::arg("hidden"),
          ("The same distribution over (v, h) with other unit types (s = 2u - 1), an " + cls +
           " (the dtype is kept); meta records the constant c with ln Z_new = ln Z_old + c.")
              .c_str())
      .def(
          "copy", [](const R& r) { return R(r); }, "A deep copy.")
      .def("__copy__", [](const R& r) { return R(r); })
      .def("__deepcopy__", [](const R& r, py::handle) { return R(r); })
      .def(py::pickle(
          [](py::object self) {
            const R& r = self.cast<const R&>();
            return py::make_tuple(
                self.attr("W").attr("copy")(), self.attr("visible_bias").attr("copy")(),
                self.attr("hidden_bias").attr("copy")(), rbm::to_string(r.visible),
                rbm::to_string(r.hidden), r.meta.dump());
          },
          [cls](py::tuple t) {
            if (t.size() != 6) throw py::value_error("invalid " + cls + " state");
            R r = make_rbm<Real>(t[0], t[1], t[2], t[3].cast<std::string>(),
                                 t[4].cast<std::string>(), py::none());
            r.meta = nlohmann::json::parse(t[5].cast<std::string>());
            return r;
          }))
      .def("__repr__", [cls](const R& r) {
        return "<deeprg.rbm." + cls + " " + std::to_string(r.n_visible()) + " (" +
               rbm::to_string(r.visible) + ") -> " + std::to_string(r.n_hidden()) + " (" +
               rbm::to_string(r.hidden) + ")>";
      });
}

}  // namespace

void bind_rbm(py::module_& root) {
  py::module_ m = root.def_submodule(
      "rbm",
      "Restricted Boltzmann machines E(v, h) = -v'W h - a'v - b'h with {0,1} (bernoulli) or +-1 "
      "(spin) units, deep belief networks (lists of RBMs, layer 1 sees the data), training, "
      "exact and AIS estimates of ln Z, likelihoods, and deeprg's .npz model files.");

  bind_rbm_class<float>(
      m, "Rbm",
      "An RBM stored in float32, as training makes it: E(v, h) = -v'W h - a'v - b'h,\n"
      "p(v, h) = exp(-E)/Z.\n\n"
      "Rbm(W, visible_bias=None, hidden_bias=None, *, visible='bernoulli',\n"
      "    hidden='bernoulli', meta=None) copies W (n_visible x n_hidden) and the\n"
      "biases (zero when None) into float32 storage (float64 arrays round to nearest). The\n"
      "attributes W, visible_bias (a) and hidden_bias (b) are numpy views of that storage (no\n"
      "copies: writing into them changes the model); assigning an array copies it in.\n"
      "Free energy F(v) = -a'v - sum_j phi(b_j + (W'v)_j), phi = softplus for\n"
      "bernoulli and ln 2cosh for spin hidden units. For parameters given in double precision\n"
      "use Rbm64: exact quantities computed from an Rbm see the parameters rounded to float32.");
  bind_rbm_class<double>(
      m, "Rbm64",
      "An RBM stored in float64: the same model and interface as Rbm, for exact work on\n"
      "parameters given in double precision.\n\n"
      "Rbm64(W, visible_bias=None, hidden_bias=None, *, visible='bernoulli',\n"
      "      hidden='bernoulli', meta=None) copies W and the biases into float64 storage\n"
      "(float32 arrays widen exactly); W, visible_bias and hidden_bias are float64 views of it.\n"
      "Every exact quantity - free_energy, exact_log_z, log_z, ais_log_z, log_likelihood,\n"
      "pseudo_log_likelihood, exact_log_likelihood_gradient, deeprg.vrg.evaluate,\n"
      "deeprg.rg.fit_hidden_coupling - is computed in double from the float64 parameters, so\n"
      "the results are exact to double precision (data rows v are read as float32, exact for\n"
      "{0, 1} and +-1 states); save() writes float64 arrays and load()\n"
      "returns an Rbm64 for them. hidden_mean, visible_mean, sample_hidden, sample_visible and\n"
      "reconstruction_error run on a float32 copy (astype('float32')); training and the DBN\n"
      "passes take Rbm only. deeprg.rg.decimation_rbm and deeprg.vrg.fit_hidden_sweep return\n"
      "Rbm64.");

  // ---------------------------------------------------------------- files
  m.def(
      "load",
      [](const std::string& path) {
        py::gil_scoped_release release;
        return rbm::load_rbm_as_stored(path);
      },
      py::arg("path"),
      "Reads an RBM .npz file (W, visible_bias, hidden_bias, meta: uint8 UTF-8 JSON with the\n"
      "unit types) in the dtype it stores: an Rbm64 when any parameter array is float64, else\n"
      "an Rbm. Raises OSError naming the file and the member at fault.");
  bind_model_files<float>(
      m,
      "Writes an RBM .npz file atomically in the model's dtype (float32 for an Rbm, float64\n"
      "for an Rbm64; numpy reads it: np.load(path)['W']).",
      "Writes a DBN directory (layer_1.npz ... layer_N.npz, dbn.json), each file atomically, in\n"
      "the layers' dtype: a list of Rbm (float32) or of Rbm64 (float64), which dbn.json records\n"
      "as \"dtype\".");
  bind_model_files<double>(m, nullptr, nullptr);
  m.def(
      "load_dbn",
      [](const std::string& path) {
        rbm::StoredDbn d;
        {
          py::gil_scoped_release release;
          d = rbm::load_dbn_as_stored(path);
        }
        return std::visit([](auto& dbn) { return py::cast(std::move(dbn.layers)); }, d);
      },
      py::arg("path"),
      "Reads a DBN (a directory of layer_K.npz + dbn.json, or one archive with layer_K/ keys)\n"
      "as a list of layers, layer 1 first, in the dtype the files store: Rbm64 layers when any\n"
      "layer stores a float64 array, else Rbm.");

  // ---------------------------------------------------------------- training
  m.def(
      "train",
      [](py::handle data, std::size_t n_hidden, const std::string& visible,
         const std::string& hidden, int epochs, std::size_t batch_size, int cd_k, bool persistent,
         double learning_rate, std::optional<double> final_learning_rate,
         const std::string& learning_rate_schedule, double momentum, double final_momentum,
         int momentum_switch, double l1, double l2, double sparsity_target, double sparsity_cost,
         double init_std, std::uint64_t seed, int threads, const std::string& precision,
         std::optional<std::string> checkpoint, int checkpoint_every, bool resume,
         const py::object& on_epoch) {
        return renaming_keys({DEEPRG_TRAIN_KEYS, {"--hidden", "n_hidden"}}, [&] {
          const Units vu = units(visible, "visible"), hu = units(hidden, "hidden");
          const MatrixF x = to_matrix(data, "data", vu == Units::spin);
          rbm::TrainOptions o = train_options({epochs,
                                               batch_size,
                                               cd_k,
                                               persistent,
                                               learning_rate,
                                               final_learning_rate,
                                               learning_rate_schedule,
                                               momentum,
                                               final_momentum,
                                               momentum_switch,
                                               l1,
                                               l2,
                                               sparsity_target,
                                               sparsity_cost,
                                               init_std,
                                               seed,
                                               threads,
                                               precision,
                                               checkpoint,
                                               checkpoint_every,
                                               resume});
          InterruptCheck interrupt;
          install_on_epoch(o, interrupt, on_epoch);
          py::gil_scoped_release release;
          return rbm::train_rbm(x, n_hidden, vu, hu, o);
        });
      },
      py::arg("data"), py::arg("n_hidden"), py::kw_only(), DEEPRG_TRAIN_ARGS,
      (std::string("Trains an RBM with n_hidden hidden units on data; returns an Rbm.\n\n") +
       kTrainDoc)
          .c_str());

  m.def(
      "train_dbn",
      [](py::handle data, std::vector<std::size_t> hidden_sizes, const std::string& visible,
         const std::string& hidden, int epochs, std::size_t batch_size, int cd_k, bool persistent,
         double learning_rate, std::optional<double> final_learning_rate,
         const std::string& learning_rate_schedule, double momentum, double final_momentum,
         int momentum_switch, double l1, double l2, double sparsity_target, double sparsity_cost,
         double init_std, std::uint64_t seed, int threads, const std::string& precision,
         std::optional<std::string> checkpoint, int checkpoint_every, bool resume,
         const py::object& on_epoch, const std::string& propagate) {
        return renaming_keys({DEEPRG_TRAIN_KEYS, {"--hidden", "hidden_sizes"}}, [&] {
          const Units vu = units(visible, "visible"), hu = units(hidden, "hidden");
          const MatrixF x = to_matrix(data, "data", vu == Units::spin);
          rbm::DbnTrainOptions o;
          o.rbm = train_options({epochs,
                                 batch_size,
                                 cd_k,
                                 persistent,
                                 learning_rate,
                                 final_learning_rate,
                                 learning_rate_schedule,
                                 momentum,
                                 final_momentum,
                                 momentum_switch,
                                 l1,
                                 l2,
                                 sparsity_target,
                                 sparsity_cost,
                                 init_std,
                                 seed,
                                 threads,
                                 precision,
                                 checkpoint,
                                 checkpoint_every,
                                 resume});
          o.propagate = rbm::parse_propagation(propagate, "propagate");
          InterruptCheck interrupt;
          install_on_epoch(o.rbm, interrupt, on_epoch);
          rbm::Dbn d;
          {
            py::gil_scoped_release release;
            d = rbm::train_dbn(x, hidden_sizes, vu, hu, o);
          }
          return d.layers;
        });
      },
      py::arg("data"), py::arg("hidden_sizes"), py::kw_only(), DEEPRG_TRAIN_ARGS,
      py::arg("propagate") = "mean-field",
      (std::string(
           "Trains a deep belief network greedily, one RBM per entry of hidden_sizes (e.g.\n"
           "[400, 100, 25]); returns the list of Rbm, layer 1 first. Layer l+1 trains on layer\n"
           "l's hidden means (propagate='mean-field') or one sampled hidden state per row\n"
           "('samples'); layer l > 0 uses seed splitmix64(seed ^ l), as `deeprg train`.\n\n") +
       kTrainDoc)
          .c_str());

  m.def(
      "_continue_training",
      [](py::handle data, py::dict state, int epochs, std::size_t batch_size, int cd_k,
         bool persistent, double learning_rate, double momentum, double final_momentum,
         int momentum_switch, double l1, double l2, double init_std, std::uint64_t seed,
         int threads, const std::string& precision, const py::object& on_epoch) {
        return renaming_keys({DEEPRG_TRAIN_KEYS}, [&]() -> py::dict {
          rbm::TrainOptions o = train_options({epochs,
                                               batch_size,
                                               cd_k,
                                               persistent,
                                               learning_rate,
                                               std::nullopt,
                                               "constant",
                                               momentum,
                                               final_momentum,
                                               momentum_switch,
                                               l1,
                                               l2,
                                               0.0,
                                               0.0,
                                               init_std,
                                               seed,
                                               threads,
                                               precision,
                                               std::nullopt,
                                               1,
                                               false});
          InterruptCheck interrupt;
          install_on_epoch(o, interrupt, on_epoch);
          rbm::TrainState s;
          if (state.contains("rbm")) {
            s.rbm = state["rbm"].cast<Rbm>();
            const auto nv = static_cast<py::ssize_t>(s.rbm.n_visible());
            const auto nh = static_cast<py::ssize_t>(s.rbm.n_hidden());
            s.velocity_W = MatrixF(s.rbm.n_visible(), s.rbm.n_hidden());
            s.velocity_a.resize(s.rbm.n_visible());
            s.velocity_b.resize(s.rbm.n_hidden());
            assign(s.velocity_W.data, state["velocity_W"], {nv, nh}, "velocity_W");
            assign(s.velocity_a, state["velocity_a"], {nv}, "velocity_a");
            assign(s.velocity_b, state["velocity_b"], {nh}, "velocity_b");
            if (!state["chains"].is_none())
              s.chains = float_matrix(state["chains"], "chains", s.rbm.n_hidden());
            else
              s.chains = MatrixF(0, s.rbm.n_hidden());
            s.epoch = state["epoch"].cast<int>();
            const MatrixF x = to_matrix(data, "data", s.rbm.visible == Units::spin);
            py::gil_scoped_release release;
            rbm::continue_training(x, s, o);
          } else {
            const Units vu = units(state["visible"].cast<std::string>(), "visible");
            const Units hu = units(state["hidden"].cast<std::string>(), "hidden");
            const MatrixF x = to_matrix(data, "data", vu == Units::spin);
            py::gil_scoped_release release;
            s = rbm::initial_train_state(x, state["n_hidden"].cast<std::size_t>(), vu, hu, o);
            rbm::continue_training(x, s, o);
          }
          py::dict out;
          const auto rows = static_cast<py::ssize_t>(s.chains.rows);
          out["velocity_W"] = matrix_array(std::move(s.velocity_W));
          out["velocity_a"] =
              owning_array(std::move(s.velocity_a), {static_cast<py::ssize_t>(s.rbm.n_visible())});
          out["velocity_b"] =
              owning_array(std::move(s.velocity_b), {static_cast<py::ssize_t>(s.rbm.n_hidden())});
          out["chains"] =
              rows == 0 ? py::object(py::none()) : py::object(matrix_array(std::move(s.chains)));
          out["epoch"] = s.epoch;
          out["rbm"] = std::move(s.rbm);
          return out;
        });
      },
      py::arg("data"), py::arg("state"), py::kw_only(), py::arg("epochs"), py::arg("batch_size"),
      py::arg("cd_k"), py::arg("persistent"), py::arg("learning_rate"), py::arg("momentum"),
      py::arg("final_momentum"), py::arg("momentum_switch"), py::arg("l1"), py::arg("l2"),
      py::arg("init_std"), py::arg("seed"), py::arg("threads"), py::arg("precision") = "auto",
      py::arg("on_epoch") = py::none(),
      "Online training for deeprg.RBM.partial_fit: trains epochs state['epoch'] + 1 ... epochs\n"
      "from a state dict (rbm, velocity_W, velocity_a, velocity_b, chains, epoch; or, to start,\n"
      "n_hidden, visible, hidden) and returns the new state dict.");

  // ---------------------------------------------------------------- estimators
  bind_estimators<float>(m);
  bind_estimators<double>(m);

  // ---------------------------------------------------------------- DBN passes
  m.def(
      "up_pass",
      [](const std::vector<Rbm>& layers, py::handle v, std::optional<std::size_t> to_layer,
         const std::string& propagation, std::uint64_t seed) {
        const rbm::Dbn d = dbn_of(layers);
        const MatrixF x = visible_data(d.layers.front(), v, "v");
        const auto mode = rbm::parse_propagation(propagation, "propagation");
        MatrixF out;
        {
          py::gil_scoped_release release;
          const SingleThreadedBlas blas;
          out = rbm::up_pass(d, x, to_layer.value_or(d.layers.size()), mode, seed);
        }
        return matrix_array(std::move(out));
      },
      py::arg("layers"), py::arg("v"), py::arg("to_layer") = py::none(), py::kw_only(),
      py::arg("propagation") = "mean-field", py::arg("seed") = 1,
      "Up pass of a DBN (list of Rbm; float32 only: convert Rbm64 layers with\n"
      "astype('float32')) from the data to layer to_layer (default: the top):\n"
      "h_l = E[h | h_(l-1)] ('mean-field') or a sample ('samples'), float32.");
  m.def(
      "down_pass",
      [](const std::vector<Rbm>& layers, py::handle h, std::size_t from_layer, std::size_t to_layer,
         const std::string& propagation, std::uint64_t seed) {
        const rbm::Dbn d = dbn_of(layers);
        const std::size_t width =
            from_layer == 0 ? d.layers.front().n_visible()
                            : d.layers.at(std::min(from_layer, d.layers.size()) - 1).n_hidden();
        const MatrixF x = float_matrix(h, "h", width);
        const auto mode = rbm::parse_propagation(propagation, "propagation");
        MatrixF out;
        {
          py::gil_scoped_release release;
          const SingleThreadedBlas blas;
          out = rbm::down_pass(d, x, from_layer, to_layer, mode, seed);
        }
        return matrix_array(std::move(out));
      },
      py::arg("layers"), py::arg("h"), py::arg("from_layer"), py::arg("to_layer") = 0,
      py::kw_only(), py::arg("propagation") = "mean-field", py::arg("seed") = 1,
      "Down pass from layer from_layer to to_layer through each RBM's visible conditional.");
  m.def(
      "reconstruct",
      [](const std::vector<Rbm>& layers, py::handle v, std::size_t from_layer) {
        const rbm::Dbn d = dbn_of(layers);
        const MatrixF x = visible_data(d.layers.front(), v, "v");
        MatrixF out;
        {
          py::gil_scoped_release release;
          const SingleThreadedBlas blas;
          out = rbm::reconstruct(d, x, from_layer);
        }
        return matrix_array(std::move(out));
      },
      py::arg("layers"), py::arg("v"), py::arg("from_layer"),
      "Mean-field reconstruction through layer from_layer: up with conditional means, then\n"
      "down to the data layer.");
  m.def(
      "flow",
      [](const Rbm& model, py::handle spins, int steps, const std::string& step, std::uint64_t seed,
         int blocks, double J, int threads, const mc::ReferenceCurve* reference) {
        const io::SpinSamples start = to_samples(spins, "spins");
        analysis::RbmFlowOptions o;
        o.steps = steps;
        o.step = analysis::parse_flow_step(step);
        o.seed = seed;
        o.blocks = blocks;
        o.J = J;
        o.threads = threads;
        analysis::RbmFlow out;
        {
          py::gil_scoped_release release;
          out = analysis::rbm_flow(model, start, o, reference);
        }
        return to_python(analysis::to_json(out));
      },
      py::arg("rbm"), py::arg("spins"), py::kw_only(), py::arg("steps") = 20,
      py::arg("step") = "sampled", py::arg("seed") = 1, py::arg("blocks") = 20, py::arg("J") = 1.0,
      py::arg("threads") = 0, py::arg("reference") = py::none(),
      "Iso et al.'s RBM flow: v -> h -> v `steps` times from the configurations `spins`\n"
      "(the visible layer is their lattice), 'sampled' (draw h, then v) or 'mean-field' (h its\n"
      "mean, v the more probable state). A list of dicts, one per step k = 0 ... steps, as\n"
      "`deeprg rbm-flow --json`: 'energy_per_spin', 'abs_magnetization', 'binder_cumulant'\n"
      "with jackknife errors and 'T', the temperature at which the exact finite-lattice\n"
      "energy equals the mean (the energy thermometer), with its error. With a\n"
      "deeprg.mc.ReferenceCurve of the same lattice, also 'T_abs_magnetization' and\n"
      "'T_binder', read off it. The same bits for any `threads`.");
  m.def(
      "gibbs_chains",
      [](const Rbm& model, std::vector<int> shape, double T, int chains,
         std::int64_t thermalization, std::int64_t sweeps, std::int64_t record_every,
         std::uint64_t seed, int blocks, double J, int threads) {
        if (shape.size() != 2) throw ConfigError("shape", "give the visible lattice as (Ly, Lx)");
        analysis::RbmChainOptions o;
        o.T = T;
        o.chains = chains;
        o.thermalization = thermalization;
        o.sweeps = sweeps;
        o.record_every = record_every;
        o.seed = seed;
        o.blocks = blocks;
        o.J = J;
        o.threads = threads;
        const ising::Lattice lattice = ising::Lattice::square(shape[1], shape[0]);
        analysis::RbmChainResult out;
        {
          py::gil_scoped_release release;
          out = analysis::rbm_chains(model, lattice, o);
        }
        return to_python(analysis::to_json(out));
      },
      py::arg("rbm"), py::arg("shape"), py::kw_only(), py::arg("T"), py::arg("chains") = 16,
      py::arg("thermalization") = 1000, py::arg("sweeps") = 10000, py::arg("record_every") = 1,
      py::arg("seed") = 1, py::arg("blocks") = 10, py::arg("J") = 1.0, py::arg("threads") = 0,
      "The RBM as a sampler: `chains` block-Gibbs chains (one sweep = v -> h -> v) of the\n"
      "model on the (Ly, Lx) visible lattice, measured like Monte Carlo at temperature T:\n"
      "energy, |m|, susceptibility, specific heat, Binder cumulant and correlation length with\n"
      "jackknife errors, the integrated autocorrelation times of E and |m| in sweeps, and the\n"
      "energy thermometer. A dict as `deeprg rbm-sample --json`'s 'chain' entry.");
  m.def(
      "spins_to_visible",
      [](py::handle spins, const std::string& visible) {
        return matrix_array(to_matrix(spins, "spins", units(visible, "visible") == Units::spin));
      },
      py::arg("spins"), py::arg("visible") = "bernoulli",
      "Spins +-1 of shape (n, ...) as rows of visible units, float32 (n, N): (s + 1)/2 for\n"
      "bernoulli units, s for spin units.");
}

#undef DEEPRG_TRAIN_ARGS
#undef DEEPRG_TRAIN_KEYS

}  // namespace deeprg::python
