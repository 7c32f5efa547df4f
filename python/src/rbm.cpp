// deeprg.rbm: restricted Boltzmann machines and deep belief networks — the model, training,
// honest estimators (exact ln Z, AIS) and deeprg's .npz model files.
#include <cstring>
#include <string>

#include "common.hpp"
#include "deeprg/core/blas.hpp"
#include "deeprg/rbm/dbn_ops.hpp"
#include "deeprg/rbm/estimators.hpp"
#include "deeprg/rbm/model_file.hpp"
#include "deeprg/rbm/rbm.hpp"
#include "deeprg/rbm/train.hpp"

namespace deeprg::python {

namespace {

using rbm::Rbm;
using rbm::Units;

Units units(const std::string& name, const std::string& key) { return rbm::parse_units(name, key); }

/// A writable numpy view of float storage owned by `owner` (an Rbm held by Python).
py::array_t<float> view(std::vector<float>& v, std::vector<py::ssize_t> shape, py::handle owner) {
  return py::array_t<float>(shape, v.data(), owner);
}

/// Copies an array into float storage of exactly `shape`.
void assign(std::vector<float>& dst, py::handle src, const std::vector<py::ssize_t>& shape,
            const std::string& name) {
  auto a = py::array_t<float, py::array::c_style | py::array::forcecast>::ensure(src);
  if (!a) throw py::type_error(name + ": expected a real-valued array");
  const bool fits = a.ndim() == static_cast<py::ssize_t>(shape.size()) &&
                    std::equal(shape.begin(), shape.end(), a.shape());
  if (!fits) {
    std::string want = "(";
    for (std::size_t i = 0; i < shape.size(); ++i)
      want += (i ? ", " : "") + std::to_string(shape[i]);
    throw ShapeError(name + ": expected shape " + want + (shape.size() == 1 ? ",)" : ")"));
  }
  std::memcpy(dst.data(), a.data(), dst.size() * sizeof(float));
}

Rbm make_rbm(py::handle W, py::handle visible_bias, py::handle hidden_bias,
             const std::string& visible, const std::string& hidden, py::handle meta) {
  auto w = py::array_t<float, py::array::c_style | py::array::forcecast>::ensure(W);
  if (!w || w.ndim() != 2) throw ShapeError("W: expected a 2-D array (n_visible, n_hidden)");
  Rbm r(static_cast<std::size_t>(w.shape(0)), static_cast<std::size_t>(w.shape(1)),
        units(visible, "visible"), units(hidden, "hidden"));
  std::memcpy(r.W.data.data(), w.data(), r.W.data.size() * sizeof(float));
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
MatrixF visible_data(const Rbm& r, py::handle v, const std::string& name) {
  MatrixF m = to_matrix(v, name, r.visible == Units::spin);
  if (m.cols != r.n_visible())
    throw ShapeError(name + ": " + std::to_string(m.cols) + " columns, the model has " +
                     std::to_string(r.n_visible()) + " visible units");
  return m;
}

py::array_t<double> double_array(std::vector<double>&& x) {
  const auto n = static_cast<py::ssize_t>(x.size());
  return owning_array(std::move(x), {n});
}

rbm::Dbn dbn_of(const std::vector<Rbm>& layers) {
  rbm::Dbn d;
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

}  // namespace

void bind_rbm(py::module_& root) {
  py::module_ m = root.def_submodule(
      "rbm",
      "Restricted Boltzmann machines E(v, h) = -v'W h - a'v - b'h with {0,1} (bernoulli) or +-1 "
      "(spin) units, deep belief networks (lists of RBMs, layer 1 sees the data), training, "
      "exact and AIS estimates of ln Z, likelihoods, and deeprg's .npz model files.");

  py::class_<Rbm>(m, "Rbm",
                  "An RBM: E(v, h) = -v'W h - a'v - b'h, p(v, h) = exp(-E)/Z.\n\n"
                  "Rbm(W, visible_bias=None, hidden_bias=None, *, visible='bernoulli',\n"
                  "    hidden='bernoulli', meta=None) copies W (n_visible x n_hidden) and the\n"
                  "biases (zero when None) into float32 storage. The attributes W, visible_bias\n"
                  "(a) and hidden_bias (b) are numpy views of that storage (no copies: writing\n"
                  "into them changes the model); assigning an array copies it in.\n"
                  "Free energy F(v) = -a'v - sum_j phi(b_j + (W'v)_j), phi = softplus for\n"
                  "bernoulli and ln 2cosh for spin hidden units.")
      .def(py::init(&make_rbm), py::arg("W"), py::arg("visible_bias") = py::none(),
           py::arg("hidden_bias") = py::none(), py::kw_only(), py::arg("visible") = "bernoulli",
           py::arg("hidden") = "bernoulli", py::arg("meta") = py::none())
      .def_static(
          "zeros",
          [](std::size_t n_visible, std::size_t n_hidden, const std::string& visible,
             const std::string& hidden) {
            return Rbm(n_visible, n_hidden, units(visible, "visible"), units(hidden, "hidden"));
          },
          py::arg("n_visible"), py::arg("n_hidden"), py::kw_only(),
          py::arg("visible") = "bernoulli", py::arg("hidden") = "bernoulli",
          "An RBM with zero weights and biases.")
      .def_property(
          "W",
          [](py::object self) {
            Rbm& r = self.cast<Rbm&>();
            return view(r.W.data,
                        {static_cast<py::ssize_t>(r.W.rows), static_cast<py::ssize_t>(r.W.cols)},
                        self);
          },
          [](Rbm& r, py::handle a) {
            assign(r.W.data, a,
                   {static_cast<py::ssize_t>(r.W.rows), static_cast<py::ssize_t>(r.W.cols)}, "W");
          },
          "Weights, float32 (n_visible, n_hidden), a view of the model's storage.")
      .def_property(
          "visible_bias",
          [](py::object self) {
            Rbm& r = self.cast<Rbm&>();
            return view(r.visible_bias, {static_cast<py::ssize_t>(r.visible_bias.size())}, self);
          },
          [](Rbm& r, py::handle a) {
            assign(r.visible_bias, a, {static_cast<py::ssize_t>(r.visible_bias.size())},
                   "visible_bias");
          },
          "Visible biases a, float32 (n_visible,).")
      .def_property(
          "hidden_bias",
          [](py::object self) {
            Rbm& r = self.cast<Rbm&>();
            return view(r.hidden_bias, {static_cast<py::ssize_t>(r.hidden_bias.size())}, self);
          },
          [](Rbm& r, py::handle a) {
            assign(r.hidden_bias, a, {static_cast<py::ssize_t>(r.hidden_bias.size())},
                   "hidden_bias");
          },
          "Hidden biases b, float32 (n_hidden,).")
      .def_property(
          "visible", [](const Rbm& r) { return rbm::to_string(r.visible); },
          [](Rbm& r, const std::string& u) { r.visible = units(u, "visible"); },
          "'bernoulli' or 'spin'.")
      .def_property(
          "hidden", [](const Rbm& r) { return rbm::to_string(r.hidden); },
          [](Rbm& r, const std::string& u) { r.hidden = units(u, "hidden"); },
          "'bernoulli' or 'spin'.")
      .def_property_readonly("n_visible", &Rbm::n_visible)
      .def_property_readonly("n_hidden", &Rbm::n_hidden)
      .def_property(
          "meta", [](const Rbm& r) { return to_python(r.meta); },
          [](Rbm& r, py::handle meta) {
            nlohmann::json j = to_json(meta);
            if (!j.is_object()) throw py::type_error("meta: expected a dict");
            r.meta = std::move(j);
          },
          "Provenance (training configuration, ...) as a dict; a copy.")
      .def("validate", &Rbm::validate,
           "Raises ShapeError when sizes disagree, ConfigError on NaN or Inf.")
      .def(
          "free_energy",
          [](const Rbm& r, py::handle v) {
            const MatrixF x = visible_data(r, v, "v");
            std::vector<double> f;
            {
              py::gil_scoped_release release;
              const SingleThreadedBlas blas;
              f = rbm::free_energy(r, x);
            }
            return double_array(std::move(f));
          },
          py::arg("v"), "F(v) of each row (float64): p(v) = exp(-F(v))/Z.")
      .def(
          "hidden_mean",
          [](const Rbm& r, py::handle v) {
            const MatrixF x = visible_data(r, v, "v");
            MatrixF h;
            {
              py::gil_scoped_release release;
              const SingleThreadedBlas blas;
              rbm::hidden_activation(r, x, h);
              rbm::mean_from_activation(r.hidden, h);
            }
            return matrix_array(std::move(h));
          },
          py::arg("v"),
          "E[h | v] of each row: sigmoid(b + W'v) (bernoulli) or tanh(b + W'v) (spin), float32.")
      .def(
          "visible_mean",
          [](const Rbm& r, py::handle h) {
            const MatrixF x = float_matrix(h, "h", r.n_hidden());
            MatrixF v;
            {
              py::gil_scoped_release release;
              const SingleThreadedBlas blas;
              rbm::visible_activation(r, x, v);
              rbm::mean_from_activation(r.visible, v);
            }
            return matrix_array(std::move(v));
          },
          py::arg("h"), "E[v | h] of each row: sigmoid(a + W h) or tanh(a + W h), float32.")
      .def(
          "sample_hidden",
          [](const Rbm& r, py::handle v, std::uint64_t seed) {
            const MatrixF x = visible_data(r, v, "v");
            MatrixF h;
            {
              py::gil_scoped_release release;
              const SingleThreadedBlas blas;
              rbm::hidden_activation(r, x, h);
              std::vector<Rng> rngs;
              rngs.reserve(h.rows);
              for (std::size_t i = 0; i < h.rows; ++i) rngs.emplace_back(seed, i);
              rbm::sample_from_activation(r.hidden, h, rngs);
            }
            return matrix_array(std::move(h));
          },
          py::arg("v"), py::kw_only(), py::arg("seed") = 1,
          "A draw h ~ p(h | v) per row (row i from the stream (seed, i)), float32 in the hidden\n"
          "alphabet.")
      .def(
          "sample_visible",
          [](const Rbm& r, py::handle h, std::uint64_t seed) {
            const MatrixF x = float_matrix(h, "h", r.n_hidden());
            MatrixF v;
            {
              py::gil_scoped_release release;
              const SingleThreadedBlas blas;
              rbm::visible_activation(r, x, v);
              std::vector<Rng> rngs;
              rngs.reserve(v.rows);
              for (std::size_t i = 0; i < v.rows; ++i) rngs.emplace_back(seed, i);
              rbm::sample_from_activation(r.visible, v, rngs);
            }
            return matrix_array(std::move(v));
          },
          py::arg("h"), py::kw_only(), py::arg("seed") = 1,
          "A draw v ~ p(v | h) per row (row i from the stream (seed, i)), float32.")
      .def(
          "convert_units",
          [](const Rbm& r, const std::string& visible, const std::string& hidden) {
            return rbm::convert_units(r, units(visible, "visible"), units(hidden, "hidden"));
          },
          py::kw_only(), py::arg("visible"), py::arg("hidden"),
          "The same distribution over (v, h) with other unit types (s = 2u - 1); meta records\n"
          "the constant c with ln Z_new = ln Z_old + c.")
      .def(
          "copy", [](const Rbm& r) { return Rbm(r); }, "A deep copy.")
      .def("__copy__", [](const Rbm& r) { return Rbm(r); })
      .def("__deepcopy__", [](const Rbm& r, py::handle) { return Rbm(r); })
      .def(py::pickle(
          [](py::object self) {
            const Rbm& r = self.cast<const Rbm&>();
            return py::make_tuple(
                self.attr("W").attr("copy")(), self.attr("visible_bias").attr("copy")(),
                self.attr("hidden_bias").attr("copy")(), rbm::to_string(r.visible),
                rbm::to_string(r.hidden), r.meta.dump());
          },
          [](py::tuple t) {
            if (t.size() != 6) throw py::value_error("invalid Rbm state");
            Rbm r = make_rbm(t[0], t[1], t[2], t[3].cast<std::string>(), t[4].cast<std::string>(),
                             py::none());
            r.meta = nlohmann::json::parse(t[5].cast<std::string>());
            return r;
          }))
      .def("__repr__", [](const Rbm& r) {
        return "<deeprg.rbm.Rbm " + std::to_string(r.n_visible()) + " (" +
               rbm::to_string(r.visible) + ") -> " + std::to_string(r.n_hidden()) + " (" +
               rbm::to_string(r.hidden) + ")>";
      });

  // ---------------------------------------------------------------- files
  m.def(
      "load",
      [](const std::string& path) {
        py::gil_scoped_release release;
        return rbm::load_rbm(path);
      },
      py::arg("path"),
      "Reads an RBM .npz file (W, visible_bias, hidden_bias, meta: uint8 UTF-8 JSON with the\n"
      "unit types). Raises OSError naming the file and the member at fault.");
  m.def(
      "save",
      [](const std::string& path, const Rbm& r) {
        py::gil_scoped_release release;
        rbm::save_rbm(path, r);
      },
      py::arg("path"), py::arg("rbm"),
      "Writes an RBM .npz file atomically (numpy reads it: np.load(path)['W']).");
  m.def(
      "load_dbn",
      [](const std::string& path) {
        rbm::Dbn d;
        {
          py::gil_scoped_release release;
          d = rbm::load_dbn(path);
        }
        return d.layers;
      },
      py::arg("path"),
      "Reads a DBN (a directory of layer_K.npz + dbn.json, or one archive with layer_K/ keys)\n"
      "as a list of Rbm, layer 1 first.");
  m.def(
      "save_dbn",
      [](const std::string& path, const std::vector<Rbm>& layers, py::handle meta) {
        rbm::Dbn d = dbn_of(layers);
        if (!meta.is_none()) d.meta = to_json(meta);
        py::gil_scoped_release release;
        rbm::save_dbn(path, d);
      },
      py::arg("path"), py::arg("layers"), py::kw_only(), py::arg("meta") = py::none(),
      "Writes a DBN directory (layer_1.npz ... layer_N.npz, dbn.json), each file atomically.");

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
  m.def(
      "exact_log_z",
      [](const Rbm& r, int threads) {
        py::gil_scoped_release release;
        return rbm::exact_log_z(r, threads);
      },
      py::arg("rbm"), py::kw_only(), py::arg("threads") = 0,
      "ln Z = ln sum_{v,h} exp(-E(v,h)) exactly, enumerating the smaller layer (at most 30\n"
      "units) and summing the other in closed form; double precision, bit-identical for any\n"
      "threads.");
  m.def(
      "ais_log_z",
      [](const Rbm& r, int chains, int intermediate, std::uint64_t seed, int threads,
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
      "Annealed importance sampling (Neal 2001; Salakhutdinov & Murray 2008) from the\n"
      "independent-visible base model through `intermediate` inverse temperatures, `chains`\n"
      "runs: {'log_z', 'error' (delta-method standard error), 'method': 'ais',\n"
      "'effective_chains' (sum w)^2/sum w^2, and with reverse=True 'reverse_log_z',\n"
      "'reverse_error'}. A stochastic lower bound on ln Z; trust the error bar when\n"
      "effective_chains is close to chains.");
  m.def(
      "log_z",
      [](const Rbm& r, const std::string& method, int chains, int intermediate, std::uint64_t seed,
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
      "ln Z by method 'exact' (enumeration; the smaller layer <= exact_limit units), 'ais', or\n"
      "'auto' (exact when possible): {'log_z', 'error' (0 when exact), 'method', ...}.");
  m.def(
      "log_likelihood",
      [](const Rbm& r, py::handle v, double log_z) {
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
      "ln p(v) = -F(v) - ln Z of each row (float64), nats.");
  m.def(
      "pseudo_log_likelihood",
      [](const Rbm& r, py::handle v, std::uint64_t seed, int threads) {
        const MatrixF x = visible_data(r, v, "v");
        py::gil_scoped_release release;
        return rbm::pseudo_log_likelihood(r, x, seed, threads);
      },
      py::arg("rbm"), py::arg("v"), py::kw_only(), py::arg("seed") = 1, py::arg("threads") = 1,
      "Mean pseudo-log-likelihood per visible unit, (1/n_v) sum_i ln p(v_i | v_-i), averaged\n"
      "over rows (nats per spin): every unit of every row when rows x n_v <= 2^20, else one\n"
      "unit per row drawn from the stream (seed, row) (unbiased; scikit-learn reports n_v\n"
      "times this).");
  m.def(
      "reconstruction_error",
      [](const Rbm& r, py::handle v, int threads) {
        const MatrixF x = visible_data(r, v, "v");
        py::gil_scoped_release release;
        return rbm::reconstruction_error(r, x, threads);
      },
      py::arg("rbm"), py::arg("v"), py::kw_only(), py::arg("threads") = 1,
      "Mean squared error per visible unit between v and its mean-field reconstruction\n"
      "E[v | h = E[h | v]].");
  m.def(
      "exact_log_likelihood_gradient",
      [](const Rbm& r, py::handle v, int threads) {
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
      "Exact gradient of the mean log-likelihood of the rows of v: <v h'>_data - <v h'>_model\n"
      "etc., model averages by enumeration of the smaller layer. Dict of float64 arrays.");

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
      "Up pass of a DBN (list of Rbm) from the data to layer to_layer (default: the top):\n"
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
