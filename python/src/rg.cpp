// deeprg.rg: block spins, learned maps (a local block RBM, a DBN), the observables' flow across
// scales, Swendsen's MCRG, and the exact decimation of the chain.
#include <cmath>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "common.hpp"
#include "deeprg/analysis/layer_map.hpp"
#include "deeprg/rbm/dbn.hpp"
#include "deeprg/rbm/rbm.hpp"
#include "deeprg/rg/block_spin.hpp"
#include "deeprg/rg/decimation_1d.hpp"
#include "deeprg/rg/flow.hpp"
#include "deeprg/rg/learned_map.hpp"
#include "deeprg/rg/mcrg.hpp"
#include "deeprg/rg/mutual_information.hpp"
#include "deeprg/rg/renormalized_couplings.hpp"

namespace deeprg::python {

namespace {

rg::BlockSpinOptions block_options(int b, const std::string& rule, const std::string& ties,
                                   std::uint64_t seed, int threads) {
  rg::BlockSpinOptions o;
  o.rule = rg::parse_block_rule(rule);
  o.b = b;
  o.ties = rg::parse_ties(ties);
  o.seed = seed;
  if (threads < 0) throw ConfigError("threads", "must be 0 (all cores) or positive");
  o.threads = threads;
  return o;
}

/// A Python callable (spins, level) → spins as the library's coarse-graining map. It is called
/// with the GIL held, on a copy of the samples (the callable may keep what it is given); what it
/// raises propagates unchanged. The callable is shared, not copied, so that copies of the map
/// made without the GIL never touch Python reference counts.
rg::CoarseGraining python_map(const py::object& f, InterruptCheck& interrupt) {
  if (!PyCallable_Check(f.ptr()))
    throw py::type_error(
        "map: expected None, a deeprg.rbm.Rbm, a list of Rbm or a callable "
        "(spins, level) -> spins, got " +
        std::string(py::str(f.get_type().attr("__name__"))));
  auto callable = std::make_shared<py::object>(f);
  return [callable, &interrupt](const io::SpinSamples& s, int level) {
    interrupt.check();
    py::gil_scoped_acquire gil;
    io::SpinSamples copy = s;
    py::object out = (*callable)(spins_array(std::move(copy)), level);
    return to_samples(out, "map output at level " + std::to_string(level));
  };
}

// ------------------------------------------------------------------ learned maps

/// A learned map as Python gave it: one Rbm (a local block map) or a DBN's layers.
struct LearnedMap {
  bool local = false;
  rbm::Dbn dbn;             ///< local: the map is dbn.layers[0]
  bool full_field = false;  ///< a DBN read from its units' whole field (analysis::dbn_map)
};

/// full_field=True belongs to DBN maps only.
void check_full_field(const std::optional<LearnedMap>& learned, bool full_field) {
  if (!full_field) return;
  if (!learned || learned->local)
    throw ConfigError("full_field",
                      "reads a DBN map's units from their whole field: give map= a list of Rbm "
                      "(a local map's biases are set when it is trained)");
}

/// An Rbm, or an Rbm64 rounded to float32 (the maps compute in float32 as training made them).
std::optional<rbm::Rbm> rbm_of(py::handle h) {
  if (py::isinstance<rbm::Rbm>(h)) return h.cast<rbm::Rbm>();
  if (py::isinstance<rbm::Rbm64>(h)) return rbm::rbm_cast<float>(h.cast<const rbm::Rbm64&>());
  return std::nullopt;
}

std::string type_name(py::handle h) { return py::str(h.get_type().attr("__name__")); }

/// The layers of a DBN given as a list or tuple of Rbm; TypeError naming `key` otherwise.
rbm::Dbn dbn_of_list(py::handle layers, const std::string& key) {
  if (!py::isinstance<py::list>(layers) && !py::isinstance<py::tuple>(layers))
    throw py::type_error(key + ": expected a list of deeprg.rbm.Rbm layers (layer 1 first), got " +
                         type_name(layers));
  rbm::Dbn dbn;
  std::size_t l = 0;
  for (py::handle layer : layers) {
    ++l;
    auto r = rbm_of(layer);
    if (!r)
      throw py::type_error(key + ": layer " + std::to_string(l) +
                           " is not a deeprg.rbm.Rbm but a " + type_name(layer));
    dbn.layers.push_back(std::move(*r));
  }
  if (dbn.layers.empty()) throw ConfigError(key, "a DBN needs at least one layer");
  return dbn;
}

/// `map` as a learned map (needs the GIL): an Rbm is a local map, a list or tuple a DBN; nullopt
/// for anything else (None, a callable).
std::optional<LearnedMap> learned_map_of(py::handle map) {
  if (auto r = rbm_of(map)) {
    LearnedMap m;
    m.local = true;
    m.dbn.layers.push_back(std::move(*r));
    return m;
  }
  if (py::isinstance<py::list>(map) || py::isinstance<py::tuple>(map)) {
    LearnedMap m;
    m.dbn = dbn_of_list(map, "map");
    return m;
  }
  return std::nullopt;
}

/// Runs `body`, turning what the library says about a DBN that cannot be placed on the lattice
/// (ShapeError, or a ConfigError with another key) into ConfigError(key), as `deeprg mcrg --map`
/// does.
template <class F>
auto blaming(const std::string& key, F&& body) -> decltype(body()) {
  try {
    return body();
  } catch (const ConfigError& e) {
    if (e.key() == key) throw;
    throw ConfigError(key, std::string(e.what()));
  } catch (const ShapeError& e) {
    throw ConfigError(key, e.what());
  }
}

/// The DBN's layers placed on `lattice` (runs the assignment problem: call without the GIL).
std::vector<analysis::LayerSites> placement(const rbm::Dbn& dbn, const ising::Lattice& lattice,
                                            const std::string& key) {
  return blaming(key, [&] {
    dbn.validate();
    return analysis::mapped_layers(dbn, lattice);
  });
}

/// The learned map for samples on `lattice` (level 0). A local map is checked against the
/// lattice's dimension here, so that a wrong RBM fails before any work. Call without the GIL.
rg::CoarseGraining make_map(LearnedMap m, const ising::Lattice& lattice, rg::Readout readout,
                            std::uint64_t seed, int threads) {
  if (m.local) {
    rg::block_side(m.dbn.layers.front(), lattice.dim);
    return rg::block_rbm_map(std::move(m.dbn.layers.front()), readout, seed, threads);
  }
  return blaming("map", [&] {
    m.dbn.validate();
    const bool symmetric = !m.full_field;
    return analysis::dbn_map(std::move(m.dbn), lattice, readout, seed, threads, symmetric);
  });
}

/// The data lattice (level 0) of a DBN whose level-`level` samples are on `at`: every step
/// divides both sides by the same b, so it is `at` times B with B^dim = layer 1's visible units
/// / at's sites. Throws ShapeError naming the spins otherwise (dbn_map then checks the level).
ising::Lattice data_lattice(const rbm::Dbn& dbn, const ising::Lattice& at, int level) {
  if (level <= 0) return at;
  const double ratio = double(dbn.layers.front().n_visible()) / double(at.sites());
  const int scale = static_cast<int>(std::lround(at.dim == 1 ? ratio : std::sqrt(ratio)));
  const ising::Lattice data = at.dim == 1 ? ising::Lattice::chain(at.lx * scale)
                                          : ising::Lattice::square(at.lx * scale, at.ly * scale);
  if (scale < 2 || data.sites() != dbn.layers.front().n_visible())
    throw ShapeError("spins: a " + std::to_string(at.ly) + "x" + std::to_string(at.lx) +
                     " lattice is no coarse level of a lattice with the " +
                     std::to_string(dbn.layers.front().n_visible()) +
                     " sites of the DBN's visible layer");
  return data;
}

/// A library map that stops on Ctrl-C between levels.
rg::CoarseGraining interruptible(rg::CoarseGraining map, InterruptCheck& interrupt) {
  return [map = std::move(map), &interrupt](const io::SpinSamples& s, int level) {
    interrupt.check();
    return map(s, level);
  };
}

/// Runs `body(map)` with block spins (map None), a Python callable, or a learned map (an Rbm or
/// a list of Rbm, built in C++ for `samples`' lattice) as the map, without the GIL. `readout`
/// belongs to learned maps only.
template <class F>
auto with_map(const py::object& map, const std::optional<std::string>& readout, bool full_field,
              const io::SpinSamples& samples, const rg::BlockSpinOptions& block, F&& body) {
  InterruptCheck interrupt;
  rg::CoarseGraining cg;
  std::optional<LearnedMap> learned = learned_map_of(map);
  check_full_field(learned, full_field);
  if (learned) learned->full_field = full_field;
  std::optional<rg::Readout> how;
  if (learned) {
    how = rg::parse_readout(readout.value_or("sign"), "readout");
    // As `deeprg mcrg --map`: the map brings its own block, so a block rule is a mistake.
    const rg::BlockSpinOptions plain;
    for (const auto& [given, key] :
         {std::pair{block.b != plain.b, "b"}, std::pair{block.rule != plain.rule, "rule"},
          std::pair{block.ties != plain.ties, "ties"}})
      if (given)
        throw ConfigError(key, std::string("a learned map replaces the block rule: drop ") + key);
  } else {
    if (readout)
      throw ConfigError(
          "readout", "reads the coarse spin of a learned map: give map= an Rbm or a list of Rbm");
    if (!map.is_none()) cg = python_map(map, interrupt);
  }
  py::gil_scoped_release release;
  if (learned)
    cg = interruptible(
        make_map(std::move(*learned), samples.lattice, *how, block.seed, block.threads), interrupt);
  return body(cg.operator bool() ? &cg : nullptr, block);
}

const char* const kMapDoc =
    "map: None (block spins from b, rule, ties, seed), or, leaving b, rule and ties alone:\n"
    "  - a deeprg.rbm.Rbm: a local map (learn_map), the same b x b filter on every block;\n"
    "  - a list of Rbm: a DBN, layer l's hidden units the spins of level l (map_placement);\n"
    "  - a Python callable map(spins, level) -> spins (an int8 +-1 array of n samples on a\n"
    "    smaller lattice; b, rule and ties are ignored).\n"
    "  Learned maps run in C++ (apply_map, level after level, with `seed` and `threads`);\n"
    "  readout: 'sign' (default) or 'sample', their coarse spin (apply_map); only with them;\n"
    "  full_field: a DBN's units read from their whole field, biases included, instead of its\n"
    "  part that flips with the spins (default, for data without a field).";

py::dict mcrg_dict(const rg::McrgLevel& level) {
  py::dict d = to_python(rg::to_json(level)).cast<py::dict>();
  d["even_matrix"] = matrix_array(MatrixD(level.even_matrix));
  d["odd_matrix"] = matrix_array(MatrixD(level.odd_matrix));
  return d;
}

py::list level_list(const std::vector<rg::LevelObservables>& levels) {
  py::list out;
  for (const auto& l : levels) out.append(to_python(rg::to_json(l)));
  return out;
}

/// The Rbm (float32) or Rbm64 (float64) overload of fit_hidden_coupling; `doc` goes with the
/// first.
template <class Real>
void bind_fit_hidden_coupling(py::module_& m, const char* doc) {
  m.def(
      "fit_hidden_coupling",
      [](const rbm::BasicRbm<Real>& model) {
        const rg::HiddenCouplingFit f = rg::fit_hidden_coupling(model);
        py::dict d;
        d["coupling"] = f.coupling;
        d["constant"] = f.constant;
        d["residual"] = f.residual;
        d["states"] = f.states;
        return d;
      },
      py::arg("rbm"), doc);
}

}  // namespace

void bind_rg(py::module_& root) {
  py::module_ m = root.def_submodule(
      "rg",
      "Real-space renormalization group: Kadanoff block spins, observables across scales, "
      "Swendsen's Monte Carlo RG, and the exact decimation of the Ising chain.");

  m.def(
      "block_spin",
      [](py::handle spins, int b, const std::string& rule, const std::string& ties, int levels,
         std::uint64_t seed, int threads, bool all_levels) -> py::object {
        io::SpinSamples samples = to_samples(spins, "spins");
        const rg::BlockSpinOptions o = block_options(b, rule, ties, seed, threads);
        std::vector<io::SpinSamples> out;
        {
          py::gil_scoped_release release;
          out = rg::block_spin_levels(samples, o, levels);
        }
        if (!all_levels) return spins_array(std::move(out.back()));
        py::list list;
        for (auto& s : out) list.append(spins_array(std::move(s)));
        return list;
      },
      py::arg("spins"), py::kw_only(), py::arg("b") = 2, py::arg("rule") = "majority",
      py::arg("ties") = "random", py::arg("levels") = 1, py::arg("seed") = 1,
      py::arg("threads") = 0, py::arg("all_levels") = false,
      "Kadanoff block spins: `levels` successive coarse-grainings of a spin array by b,\n"
      "(n, Ly, Lx) -> (n, Ly/b^levels, Lx/b^levels) (or (n, L) -> (n, L/b^levels)).\n\n"
      "  rule: 'majority' s'_I = sign(sum of the b x b block), or 'decimation' (the block's\n"
      "        top-left spin)\n"
      "  ties: for majority with even b, 'random' (a random sign from the seed, one stream per\n"
      "        sample and level, so the result does not depend on threads) or 'top_left'\n"
      "  all_levels: return the list of levels 0 ... levels (the input first) instead of the\n"
      "        deepest one");

  m.def(
      "max_block_levels",
      [](py::handle spins, int b) {
        auto values = spin_values(spins, "spins");
        return rg::max_block_levels(lattice_of(values.request(), "spins"), b);
      },
      py::arg("spins"), py::kw_only(), py::arg("b") = 2,
      "How many successive coarse-grainings by b the samples' lattice allows (every side stays\n"
      "divisible by b and the coarsest side is >= 2).");

  m.def(
      "flow",
      [](py::handle spins, int b, const std::string& rule, const std::string& ties, int levels,
         std::uint64_t seed, const py::object& map, std::optional<std::string> readout,
         bool full_field, int blocks, int threads) {
        io::SpinSamples samples = to_samples(spins, "spins");
        const rg::BlockSpinOptions o = block_options(b, rule, ties, seed, threads);
        const auto out =
            with_map(map, readout, full_field, samples, o,
                     [&](const rg::CoarseGraining* cg, const auto& block) {
                       return renaming_keys({{"blocks", "blocks"}}, [&] {
                         return cg ? rg::flow(samples, *cg, levels, blocks, block.threads)
                                   : rg::flow(samples, block, levels, blocks);
                       });
                     });
        return level_list(out);
      },
      py::arg("spins"), py::kw_only(), py::arg("b") = 2, py::arg("rule") = "majority",
      py::arg("ties") = "random", py::arg("levels") = 1, py::arg("seed") = 1,
      py::arg("map") = py::none(), py::arg("readout") = py::none(), py::arg("full_field") = false,
      py::arg("blocks") = 50, py::arg("threads") = 0,
      (std::string(
           "Observables at every coarse-graining level 0 ... levels, each in units of that "
           "level's\n"
           "lattice, with jackknife errors over `blocks` blocks. A list of dicts, one per level, "
           "as\n"
           "`deeprg flow --json`: 'level', 'L', 'Ly', 'samples', 'abs_magnetization' <|m|>,\n"
           "'nn_correlation' <s_i s_j> per nearest-neighbour bond, 'binder_cumulant'\n"
           "1 - <m^4>/(3<m^2>^2), 'correlation_length' (second moment, lattice spacings of the "
           "level)\n"
           "and 'correlation_length_over_L', each with '<key>_error' (None when undefined).\n\n"
           "The coarse-graining:\n") +
       kMapDoc)
          .c_str());

  m.def(
      "mcrg",
      [](py::handle spins, int b, const std::string& rule, const std::string& ties, int levels,
         std::uint64_t seed, const py::object& map, std::optional<std::string> readout,
         bool full_field, std::optional<std::vector<std::string>> couplings, int jackknife_blocks,
         int threads) {
        io::SpinSamples samples = to_samples(spins, "spins");
        const rg::BlockSpinOptions o = block_options(b, rule, ties, seed, threads);
        rg::McrgOptions mo;
        if (couplings) mo.couplings = *couplings;
        mo.levels = levels;
        mo.jackknife_blocks = jackknife_blocks;
        mo.threads = threads;
        const auto out =
            with_map(map, readout, full_field, samples, o,
                     [&](const rg::CoarseGraining* cg, const auto& block) {
                       return renaming_keys({{"--blocks", "jackknife_blocks"}}, [&] {
                         return cg ? rg::mcrg(samples, *cg, mo) : rg::mcrg(samples, block, mo);
                       });
                     });
        py::list list;
        for (const auto& l : out) list.append(mcrg_dict(l));
        return list;
      },
      py::arg("spins"), py::kw_only(), py::arg("b") = 2, py::arg("rule") = "majority",
      py::arg("ties") = "random", py::arg("levels") = 1, py::arg("seed") = 1,
      py::arg("map") = py::none(), py::arg("readout") = py::none(), py::arg("full_field") = false,
      py::arg("couplings") = py::none(), py::arg("jackknife_blocks") = 20, py::arg("threads") = 0,
      (std::string(
           "Swendsen's Monte Carlo RG: the linearised RG map T = B^-1 A between successive "
           "levels,\n"
           "A_ab = <S_a^(n+1) S_b^(n)> - <S_a^(n+1)><S_b^(n)>, B_ab = <S_a^(n+1) S_b^(n+1)> - "
           "...,\n"
           "over interaction sums S_a (couplings, e.g. 'nn', 'nnn', '3nn', 'plaq', 'm', '3spin'; "
           "None "
           "=\n"
           "the default set), and the exponents y = ln(lambda)/ln(b) of its leading eigenvalues:\n"
           "y_t from the even sector (2D Ising: 1), y_h from the odd one (15/8), with "
           "delete-one-block\n"
           "jackknife errors. A list of dicts, one per step level-1 -> level, as `deeprg mcrg "
           "--json`\n"
           "('y_t', 'y_t_error', 'y_h', ..., 'even_eigenvalues', ...), plus 'even_matrix' and\n"
           "'odd_matrix' (T of each sector, float64 arrays). b is read off the lattices, so a map\n"
           "brings its own. A DBN maps as many levels as it has layers placed (map_placement): "
           "pass\n"
           "levels=len(map_placement(layers, spins.shape[1:])) to judge it all the way up.\n\n") +
       kMapDoc)
          .c_str());

  // ---------------------------------------------------------------- renormalized couplings
  m.def(
      "renormalized_couplings",
      [](py::handle spins, int b, const std::string& rule, const std::string& ties, int levels,
         std::uint64_t seed, const py::object& map, std::optional<std::string> readout,
         bool full_field, std::optional<std::vector<std::string>> couplings, int jackknife_blocks,
         int threads, const py::object& weights) {
        io::SpinSamples samples = to_samples(spins, "spins");
        const rg::BlockSpinOptions o = block_options(b, rule, ties, seed, threads);
        rg::CouplingFitOptions fo;
        if (couplings) fo.couplings = *couplings;
        fo.jackknife_blocks = jackknife_blocks;
        fo.threads = threads;
        py::list list;
        if (!weights.is_none()) {
          if (levels != 0 || !map.is_none())
            throw ConfigError("weights", "weighted samples are fitted as given: levels=0, no map");
          const std::vector<double> w = double_vector(weights, "weights");
          rg::CouplingFit fit;
          {
            py::gil_scoped_release release;
            fit = rg::fit_couplings(samples, w, fo);
          }
          list.append(to_python(rg::to_json(fit)));
          return list;
        }
        const auto out = with_map(
            map, readout, full_field, samples, o,
            [&](const rg::CoarseGraining* cg, const auto& block) {
              return renaming_keys({{"blocks", "jackknife_blocks"}}, [&] {
                const rg::CoarseGraining blocks = [&block](const io::SpinSamples& s, int k) {
                  return rg::block_spin(s, block, k);
                };
                if (!cg && levels > 0) rg::check_block_levels(samples.lattice, block.b, levels);
                return rg::coupling_flow(samples, cg ? *cg : blocks, levels, fo);
              });
            });
        for (const auto& fit : out) list.append(to_python(rg::to_json(fit)));
        return list;
      },
      py::arg("spins"), py::kw_only(), py::arg("b") = 2, py::arg("rule") = "majority",
      py::arg("ties") = "random", py::arg("levels") = 0, py::arg("seed") = 1,
      py::arg("map") = py::none(), py::arg("readout") = py::none(), py::arg("full_field") = false,
      py::arg("couplings") = py::none(), py::arg("jackknife_blocks") = 20, py::arg("threads") = 0,
      py::arg("weights") = py::none(),
      (std::string(
           "Renormalized couplings by maximum pseudo-likelihood: the K_a of\n"
           "-beta H(s) = sum_a K_a S_a(s) (couplings as in mcrg; None = the default set) that "
           "best\n"
           "predict each spin from its neighbours, p(s_i | rest) = exp(s_i f_i) / 2cosh f_i, for\n"
           "the spins and for each of `levels` coarse-grainings of them (the RG flow in coupling\n"
           "space), with delete-one-block jackknife errors. A list of dicts, level 0 first, as\n"
           "`deeprg couplings --json`: 'level', 'L', 'samples', 'couplings' {name: K},\n"
           "'errors' {name: error}, 'distinct_fields', 'pseudo_log_likelihood' (per spin), and\n"
           "'note' where the flow stops because the samples no longer determine the couplings\n"
           "(perfect order: K infinite). weights: one weight >= 0 per sample (e.g. exact\n"
           "probabilities of every state of a small torus) for the weighted maximum, without\n"
           "errors, at level 0 only.\n\n") +
       kMapDoc)
          .c_str());
  m.def(
      "expand_in_spin_products",
      [](py::handle values) {
        std::vector<double> v = double_vector(values, "values");
        std::vector<double> out;
        {
          py::gil_scoped_release release;
          out = rg::expand_in_spin_products(std::move(v));
        }
        const auto n = static_cast<py::ssize_t>(out.size());
        return owning_array(std::move(out), {n});
      },
      py::arg("values"),
      "The coefficients J_A of f(s) = sum_A J_A prod_{i in A} s_i for f given at all 2^N\n"
      "configurations (index x: bit i set <=> s_i = -1); J_A at index = bit mask of A. The\n"
      "fast Walsh-Hadamard transform divided by 2^N; N <= 24.");
  m.def(
      "exact_couplings",
      [](py::handle values, std::vector<int> shape,
         std::optional<std::vector<std::string>> couplings) {
        if (shape.size() != 2) throw ConfigError("shape", "give the lattice as (Ly, Lx)");
        const ising::Lattice lattice = ising::Lattice::square(shape[1], shape[0]);
        const std::vector<double> v = double_vector(values, "values");
        const auto names = couplings ? *couplings : rg::default_couplings(2);
        return to_python(rg::to_json(rg::exact_couplings(lattice, v, names)));
      },
      py::arg("values"), py::arg("shape"), py::kw_only(), py::arg("couplings") = py::none(),
      "The couplings of f(s) (e.g. ln P(s), or -H^RBM of rbm_hidden_log_weights) given at\n"
      "every configuration of the (Ly, Lx) torus (indexing as expand_in_spin_products, site\n"
      "y*Lx + x): {'couplings': {name: K}, 'spread': {name: max - min over its terms},\n"
      "'constant', 'largest_outside' (largest coefficient of a product outside the basis),\n"
      "'largest_outside_spins', 'L', 'Ly'}.");
  m.def(
      "rbm_hidden_log_weights",
      [](const py::object& model, std::vector<int> shape, int threads) {
        if (shape.size() != 2) throw ConfigError("shape", "give the hidden lattice as (Ly, Lx)");
        const ising::Lattice lattice = ising::Lattice::square(shape[1], shape[0]);
        std::vector<double> out;
        if (py::isinstance<rbm::Rbm64>(model)) {
          const auto& r = model.cast<const rbm::Rbm64&>();
          py::gil_scoped_release release;
          out = rg::rbm_hidden_log_weights(r, lattice, threads);
        } else {
          const auto& r = model.cast<const rbm::Rbm&>();
          py::gil_scoped_release release;
          out = rg::rbm_hidden_log_weights(r, lattice, threads);
        }
        const auto n = static_cast<py::ssize_t>(out.size());
        return owning_array(std::move(out), {n});
      },
      py::arg("rbm"), py::arg("shape"), py::kw_only(), py::arg("threads") = 0,
      "-H^RBM(h) = ln sum_v exp(-E(v, h)) (Mehta & Schwab Eq. 22) at every hidden\n"
      "configuration, the hidden units row-major on a (Ly, Lx) torus (at most 24 units):\n"
      "pass it to exact_couplings(values, shape) to read the RBM's renormalized couplings.");

  // ---------------------------------------------------------------- mutual information (RSMI)
  m.def(
      "mutual_information",
      [](const py::object& spins, std::optional<double> K, std::optional<int> L,
         std::optional<int> Ly, int b, int buffer, int stride, const py::object& map,
         std::optional<std::string> readout, const py::object& tables, bool optimum, bool odd_only,
         int top, int jackknife_blocks, int threads) {
        if (!K) throw ConfigError("K", "give the reduced coupling K = J/T of the samples");
        std::vector<rg::BlockVariable> variables{rg::majority_variable(b, rg::Ties::random),
                                                 rg::majority_variable(b, rg::Ties::top_left),
                                                 rg::decimation_variable(b)};
        if (!map.is_none()) {
          const std::optional<rbm::Rbm> local = rbm_of(map);
          if (!local)
            throw ConfigError("map",
                              "a local map is an Rbm (learn_map); a DBN is no block variable");
          variables.push_back(
              rg::learned_variable(*local, rg::parse_readout(readout.value_or("sign"))));
        } else if (readout) {
          throw ConfigError("readout", "reads the coarse spin of a learned map: give map=");
        }
        if (!tables.is_none())
          for (const auto& [name, table] : tables.cast<py::dict>()) {
            rg::BlockVariable v{b, double_vector(table, "tables"), name.cast<std::string>()};
            renaming_keys({{"table", "tables"}}, [&] { v.validate(); });
            variables.push_back(std::move(v));
          }
        rg::EnvironmentConditionals conditionals;
        if (spins.is_none()) {
          if (!L) throw ConfigError("L", "give spins, or the side L of a torus to enumerate");
          const ising::Lattice lattice = ising::Lattice::square(*L, Ly.value_or(*L));
          py::gil_scoped_release release;
          conditionals = rg::exact_conditionals(lattice, *K, {b, buffer, 0, 0}, threads);
        } else {
          if (L) throw ConfigError("L", "enumerates a torus; drop it when giving spins");
          const io::SpinSamples samples = to_samples(spins, "spins");
          rg::SampledMiOptions o;
          o.b = b;
          o.buffer = buffer;
          o.stride = stride;
          o.threads = threads;
          py::gil_scoped_release release;
          conditionals = rg::sampled_conditionals(samples, *K, o);
        }
        py::dict out;
        out["conditionals"] = to_python(rg::to_json(conditionals));
        py::list list;
        for (const auto& v : variables)
          list.append(to_python(rg::to_json(renaming_keys({{"blocks", "jackknife_blocks"}}, [&] {
            return rg::mutual_information(conditionals, v, jackknife_blocks);
          }))));
        out["variables"] = list;
        if (optimum) {
          rg::RsmiOptions o;
          o.odd_only = odd_only;
          o.blocks = jackknife_blocks;
          o.top = top;
          o.threads = threads;
          rg::RsmiOptimum best;
          {
            py::gil_scoped_release release;
            best = rg::rsmi_optimum(conditionals, o);
          }
          out["optimum"] = to_python(rg::to_json(best));
        }
        return out;
      },
      py::arg("spins") = py::none(), py::kw_only(), py::arg("K") = py::none(),
      py::arg("L") = py::none(), py::arg("Ly") = py::none(), py::arg("b") = 2,
      py::arg("buffer") = 1, py::arg("stride") = 0, py::arg("map") = py::none(),
      py::arg("readout") = py::none(), py::arg("tables") = py::none(), py::arg("optimum") = false,
      py::arg("odd_only") = false, py::arg("top") = 10, py::arg("jackknife_blocks") = 20,
      py::arg("threads") = 0,
      "Real-space mutual information I(H : E) between the coarse spin H of a b x b block and\n"
      "the environment E beyond a buffer of width `buffer` (the RSMI criterion of Koch-Janusz &\n"
      "Ringel), for majority rule (random and top-left ties), decimation, a local learned map\n"
      "(map=Rbm from learn_map, readout 'sign' or 'sample') and any tables={name: q} with\n"
      "q[V] = p(H = +1 | V) over the 2^(b*b) block states (bit k of V: site (k % b, k // b) up).\n"
      "From equilibrium spins at coupling K (p(V | E) exact per block, every block on a grid\n"
      "of stride b, jackknife errors), or exactly with spins=None and L (Ly) for a torus of at\n"
      "most 30 sites. optimum=True searches every deterministic variable of a 2x2 block\n"
      "(odd_only: the spin-flip-symmetric ones) for the largest I; by convexity no stochastic\n"
      "one does better. A dict as `deeprg mi --json`: 'conditionals', 'variables' (one dict\n"
      "each: 'name', 'I_bits', 'I_bits_error', 'I_nats', ..., 'mean_up'), 'optimum'.");

  // ---------------------------------------------------------------- learned maps
  m.def(
      "learn_map",
      [](py::handle spins, int b, std::size_t max_blocks, bool keep_biases, int epochs,
         std::size_t batch_size, double learning_rate, int cd_k, std::uint64_t seed, int threads) {
        io::SpinSamples samples = to_samples(spins, "spins");
        if (b < 2)
          throw ConfigError("b", "block side must be at least 2, got " + std::to_string(b));
        if (threads < 0) throw ConfigError("threads", "must be 0 (all cores) or positive");
        rg::BlockRbmOptions o;
        o.b = b;
        o.max_rows = max_blocks;
        o.spin_flip_symmetric = !keep_biases;
        rbm::TrainOptions& t = o.train;
        t.epochs = epochs;
        t.batch_size = batch_size;
        t.learning_rate = learning_rate;
        t.k = cd_k;
        t.seed = seed;
        t.threads = threads;
        t.precision = "fp32";  // as `deeprg learn-map`: a b^d -> 1 product gains nothing from bf16
        InterruptCheck interrupt;
        t.on_epoch = [&interrupt](const rbm::EpochMetrics&) { interrupt.check(); };
        return renaming_keys({{"max_rows", "max_blocks"}}, [&] {
          py::gil_scoped_release release;
          return rg::train_block_rbm(samples, o);
        });
      },
      py::arg("spins"), py::kw_only(), py::arg("b") = 2, py::arg("max_blocks") = rg::kMaxBlockRows,
      py::arg("keep_biases") = false, py::arg("epochs") = 20, py::arg("batch_size") = 100,
      py::arg("learning_rate") = 0.05, py::arg("cd_k") = 1, py::arg("seed") = 1,
      py::arg("threads") = 0,
      "A learned local coarse-graining map, as `deeprg learn-map` (same defaults and result):\n"
      "one RBM with b^d spin visible units (a b x b block; b consecutive spins in 1D) and one\n"
      "spin hidden unit, the coarse spin, its filter shared over the lattice with stride b -\n"
      "Koch-Janusz & Ringel's local setting. Every block of the samples is a training row (at\n"
      "most max_blocks: every block of evenly spaced samples), trained by CD-k in float32\n"
      "(epochs, batch_size, learning_rate, cd_k, seed, threads as deeprg.rbm.train; momentum,\n"
      "l2 and init_std at train's defaults). The filter is oriented so that sum(w) >= 0: the\n"
      "coarse spin follows its block. Spin-flip symmetric data (h = 0) have zero biases at the\n"
      "likelihood maximum, and trained ones are noise that splits tied blocks one way and\n"
      "spoils y_t, so they are set to 0; keep_biases=True keeps them (data in a field).\n\n"
      "Returns a deeprg.rbm.Rbm (W of shape (b^d, 1), block row-major; meta holds 'b', 'dim',\n"
      "'blocks_used', 'samples_used'). Use it as apply_map(spins, m), mcrg(spins, map=m) or\n"
      "flow(spins, map=m); majority_agreement(spins, apply_map(spins, m)) says how close it is\n"
      "to majority rule. spins: int8 +-1, (n, L) or (n, Ly, Lx) with sides divisible by b.\n"
      "Releases the GIL; Ctrl-C stops after the current epoch.");

  m.def(
      "apply_map",
      [](py::handle spins, const py::object& map, const std::string& readout, bool full_field,
         std::uint64_t seed, int level, int threads) {
        io::SpinSamples samples = to_samples(spins, "spins");
        std::optional<LearnedMap> learned = learned_map_of(map);
        if (!learned)
          throw py::type_error(
              "map: expected a deeprg.rbm.Rbm (a local map) or a list of Rbm (a DBN's layers), "
              "got " +
              type_name(map));
        check_full_field(learned, full_field);
        learned->full_field = full_field;
        const rg::Readout how = rg::parse_readout(readout, "readout");
        if (threads < 0) throw ConfigError("threads", "must be 0 (all cores) or positive");
        if (level < 0)
          throw ConfigError("level", "must be at least 0, got " + std::to_string(level));
        io::SpinSamples out;
        {
          py::gil_scoped_release release;
          if (learned->local) {
            out = rg::apply_block_rbm(samples, learned->dbn.layers.front(), how, seed, level,
                                      threads);
          } else {
            const std::size_t depth = learned->dbn.layers.size();
            if (std::size_t(level) >= depth)
              throw ConfigError(
                  "level", "the DBN has " + std::to_string(depth) + " layer(s), so levels 0 ... " +
                               std::to_string(depth - 1) + "; got " + std::to_string(level));
            const ising::Lattice data = data_lattice(learned->dbn, samples.lattice, level);
            const rg::CoarseGraining cg = make_map(std::move(*learned), data, how, seed, threads);
            out = renaming_keys({{"levels", "level"}}, [&] { return cg(samples, level); });
          }
        }
        return spins_array(std::move(out));
      },
      py::arg("spins"), py::arg("map"), py::kw_only(), py::arg("readout") = "sign",
      py::arg("full_field") = false, py::arg("seed") = 1, py::arg("level") = 0,
      py::arg("threads") = 0,
      "One coarse-graining step with a learned map: spins (n, Ly, Lx) -> (n, Ly/b, Lx/b) int8.\n"
      "  map: a deeprg.rbm.Rbm, a local map (learn_map): spin units, one hidden unit, b^d visible\n"
      "       units; block I's coarse spin comes from its field x_I = c + w.v_I;\n"
      "       or a list of Rbm, a DBN: level `level` runs layer level+1, whose hidden units sit\n"
      "       on the sites of the coarse lattice that map_placement reports (placed by their\n"
      "       receptive fields, anti-aligned units flipped); `spins` are then that level's\n"
      "       lattice (the data lattice for level 0), and the data lattice is inferred from\n"
      "       layer 1's visible units. Fields are read spin-flip symmetrically (the part of\n"
      "       the bias that does not flip with the inputs left out), as `deeprg mcrg --map`.\n"
      "  readout: 'sign' (the more probable coarse spin, sign(x); x = 0 a random sign) or\n"
      "       'sample' (a draw of the RBM's p(h | v), e.g. sigma(2x) for spin units)\n"
      "  seed, level: random choices of sample i come from the stream (seed, level, i), so\n"
      "       the result does not depend on threads (0 = all cores); for a local map the level\n"
      "       only picks the streams, so apply level k to level-k spins as mcrg does.\n"
      "Releases the GIL.");

  m.def(
      "majority_agreement",
      [](py::handle fine, py::handle coarse) {
        const io::SpinSamples f = to_samples(fine, "fine");
        const io::SpinSamples c = to_samples(coarse, "coarse");
        py::gil_scoped_release release;
        return rg::majority_agreement(f, c);
      },
      py::arg("fine"), py::arg("coarse"),
      "How much a coarse-graining is majority rule: the fraction of untied blocks of `fine`\n"
      "(sum of the block != 0) whose spin in `coarse` is the block's majority, sign(sum). b is\n"
      "fine side / coarse side; both arrays hold the same samples. 1.0 for majority rule itself;\n"
      "about 0.5 for a map unrelated to its blocks; nan when every block is tied.");

  m.def(
      "map_placement",
      [](py::handle layers, py::handle shape) {
        rbm::Dbn dbn = dbn_of_list(layers, "layers");
        if (!py::isinstance<py::sequence>(shape) || py::isinstance<py::str>(shape))
          throw py::type_error("shape: expected the lattice's shape, (L,) or (Ly, Lx), got " +
                               type_name(shape));
        const auto sides = shape.cast<std::vector<int>>();
        if (sides.size() != 1 && sides.size() != 2)
          throw ConfigError("shape",
                            "expected (L,) for a chain or (Ly, Lx) for a square lattice, "
                            "got " +
                                std::to_string(sides.size()) + " sides");
        for (const int side : sides)
          if (side < 2)
            throw ConfigError("shape",
                              "every side must be at least 2, got " + std::to_string(side));
        const ising::Lattice lattice = sides.size() == 1
                                           ? ising::Lattice::chain(sides[0])
                                           : ising::Lattice::square(sides[1], sides[0]);
        std::vector<analysis::LayerSites> sites;
        {
          py::gil_scoped_release release;
          sites = placement(dbn, lattice, "layers");
        }
        py::list out;
        for (auto& s : sites) {
          py::dict d = to_python(analysis::to_json(s)).cast<py::dict>();
          std::vector<py::ssize_t> grid{s.coarse.ly, s.coarse.lx};
          if (s.coarse.dim == 1) grid = {s.coarse.lx};
          if (s.coarse.dim == 2) d["Ly"] = s.coarse.ly;
          std::vector<std::int64_t> units(s.unit_of_site.begin(), s.unit_of_site.end());
          d["unit_of_site"] = owning_array(std::move(units), grid);
          d["orientation"] = owning_array(std::move(s.orientation), grid);
          out.append(d);
        }
        return out;
      },
      py::arg("layers"), py::arg("shape"),
      "Where a DBN's hidden units sit when it is read as a coarse-graining map of a lattice of\n"
      "the given shape ((L,) or (Ly, Lx), the data's spins.shape[1:]). Level l's lattice is level\n"
      "l-1's divided by the smallest b >= 2 that leaves at most n_l sites; each unit of layer l\n"
      "goes to one coarse site, by the centre of its receptive field (the assignment that\n"
      "minimises the summed squared distance, solved exactly); a unit whose field sums to < 0\n"
      "is flipped. One dict per layer the map iterates through (up to the first that leaves\n"
      "units over), as `deeprg mcrg --map --json`: 'layer' (1-based), 'b', 'L' (coarse side;\n"
      "'Ly' too on a square lattice), 'left_over' (units with no site), 'flipped',\n"
      "'mean_distance' and 'max_distance' (centre to site, in previous-level spacings: 0 for\n"
      "units that are exactly block spins), plus the arrays 'unit_of_site' (int64, the unit on\n"
      "each coarse site) and 'orientation' (int8 +-1), of the coarse lattice's shape. Raises\n"
      "ConfigError('layers') when the DBN cannot be placed on the lattice.");

  m.def(
      "couplings",
      [](int dim) {
        py::list out;
        for (const auto& c : rg::available_couplings(dim)) {
          py::dict d;
          d["name"] = c.name;
          d["description"] = c.description;
          d["spins"] = c.spins;
          d["odd"] = c.odd();
          d["reach"] = c.reach;
          out.append(d);
        }
        return out;
      },
      py::arg("dim") = 2,
      "The MCRG interactions deeprg knows for a chain (dim 1) or square lattice (dim 2):\n"
      "dicts with 'name', 'description', 'spins' per term, 'odd' (odd under s -> -s), 'reach'.");
  m.def("default_couplings", &rg::default_couplings, py::arg("dim") = 2,
        "Names of the couplings mcrg() uses by default.");

  // ---------------------------------------------------------------- 1D decimation
  m.def("decimated_coupling", &rg::decimated_coupling, py::arg("J"),
        "J' = 1/2 ln cosh 2J (tanh J' = tanh^2 J): the coupling of the chain after summing out\n"
        "every other spin (J in units of T).");
  m.def("decimation_constant", &rg::decimation_constant, py::arg("J"),
        "c = ln 2 + J'(J): the free-energy constant per decimated spin.");
  m.def(
      "decimation_flow",
      [](double J, int steps, int sites, const std::string& layout, double tie) {
        rg::DecimationRbmOptions o;
        o.sites = sites;
        o.layout = rg::parse_decimation_layout(layout);
        o.tie = tie;
        std::vector<rg::DecimationStep> flow;
        {
          py::gil_scoped_release release;
          flow = rg::decimation_flow(J, steps, o);
        }
        py::list out;
        for (const auto& s : flow) {
          py::dict d;
          d["step"] = s.step;
          d["J"] = s.J;
          d["J_next_formula"] = s.J_next_formula;
          d["J_rbm"] = s.J_rbm;
          d["J_next_rbm"] = s.J_next_rbm;
          d["rbm_residual"] = s.rbm_residual;
          d["free_energy_constant"] = s.free_energy_constant;
          d["correlation_length"] = s.correlation_length;
          out.append(d);
        }
        return out;
      },
      py::arg("J"), py::arg("steps"), py::kw_only(), py::arg("sites") = 8,
      py::arg("layout") = "ring", py::arg("tie") = 10.0,
      "`steps` exact decimation steps of the chain from J_0 = J (in units of T): the formula\n"
      "J_{k+1} = 1/2 ln cosh 2J_k next to the same flow read off an RBM whose hidden units are "
      "the\n"
      "kept spins (Mehta & Schwab's mapping): each step builds decimation_rbm(J_rbm_k) on a ring\n"
      "of `sites` spins and fits H^RBM(h) = E0 - J' sum_j h_j h_j+1 over all hidden states.\n"
      "One dict per step: 'J', 'J_next_formula', 'J_rbm', 'J_next_rbm', 'rbm_residual'\n"
      "(max deviation of H^RBM from the nearest-neighbour form), 'free_energy_constant',\n"
      "'correlation_length' = -1/ln tanh J.");
  m.def(
      "decimation_rbm",
      [](double J, int sites, const std::string& layout, double tie) {
        rg::DecimationRbmOptions o;
        o.sites = sites;
        o.layout = rg::parse_decimation_layout(layout);
        o.tie = tie;
        return rg::decimation_rbm(J, o);
      },
      py::arg("J"), py::kw_only(), py::arg("sites") = 8, py::arg("layout") = "ring",
      py::arg("tie") = 10.0,
      "The RBM of one decimation step of the ring of `sites` spins with coupling J: hidden\n"
      "units are the kept spins; layout 'ring' (visible = the decimated spins, E(v,h) = H(s)\n"
      "exactly) or 'tied' (visible = all spins, each kept one tied to its hidden copy with\n"
      "weight `tie`). A deeprg.rbm.Rbm64 with spin units: float64, holding J (and the tie)\n"
      "exactly, so that J' read off it agrees with decimated_coupling(J) to double precision.");
  bind_fit_hidden_coupling<float>(
      m,
      "Least-squares fit of the hidden-layer Hamiltonian H^RBM(h) = -ln sum_v e^-E(v,h) to\n"
      "E0 - J' sum_j h_j h_j+1 over all 2^M hidden states (spin hidden units, M <= 20):\n"
      "{'coupling': J', 'constant': E0, 'residual': max deviation, 'states': 2^M}. In double\n"
      "from the parameters of the Rbm or Rbm64 as stored.");
  bind_fit_hidden_coupling<double>(m, nullptr);
}

}  // namespace deeprg::python
