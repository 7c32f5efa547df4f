// deeprg.rg: block spins, the observables' flow across scales, Swendsen's MCRG, and the exact
// decimation of the chain.
#include <memory>
#include <string>

#include "common.hpp"
#include "deeprg/rbm/rbm.hpp"
#include "deeprg/rg/block_spin.hpp"
#include "deeprg/rg/decimation_1d.hpp"
#include "deeprg/rg/flow.hpp"
#include "deeprg/rg/mcrg.hpp"

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
    throw py::type_error("map: expected a callable (spins, level) -> spins, got " +
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

/// Runs `body(map)` with either block spins or a Python callable as the map, without the GIL.
template <class F>
auto with_map(const py::object& map, const rg::BlockSpinOptions& block, F&& body) {
  InterruptCheck interrupt;
  rg::CoarseGraining cg;
  if (!map.is_none()) cg = python_map(map, interrupt);
  py::gil_scoped_release release;
  return body(cg.operator bool() ? &cg : nullptr, block);
}

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
         std::uint64_t seed, const py::object& map, int blocks, int threads) {
        io::SpinSamples samples = to_samples(spins, "spins");
        const rg::BlockSpinOptions o = block_options(b, rule, ties, seed, threads);
        const auto out = with_map(map, o, [&](const rg::CoarseGraining* cg, const auto& block) {
          return renaming_keys({{"blocks", "blocks"}}, [&] {
            return cg ? rg::flow(samples, *cg, levels, blocks, block.threads)
                      : rg::flow(samples, block, levels, blocks);
          });
        });
        return level_list(out);
      },
      py::arg("spins"), py::kw_only(), py::arg("b") = 2, py::arg("rule") = "majority",
      py::arg("ties") = "random", py::arg("levels") = 1, py::arg("seed") = 1,
      py::arg("map") = py::none(), py::arg("blocks") = 50, py::arg("threads") = 0,
      "Observables at every coarse-graining level 0 ... levels, each in units of that level's\n"
      "lattice, with jackknife errors over `blocks` blocks. A list of dicts, one per level, as\n"
      "`deeprg flow --json`: 'level', 'L', 'Ly', 'samples', 'abs_magnetization' <|m|>,\n"
      "'nn_correlation' <s_i s_j> per nearest-neighbour bond, 'binder_cumulant'\n"
      "1 - <m^4>/(3<m^2>^2), 'correlation_length' (second moment, lattice spacings of the level)\n"
      "and 'correlation_length_over_L', each with '<key>_error' (None when undefined).\n\n"
      "The coarse-graining is block spins (b, rule, ties, seed as block_spin) or, when `map` is\n"
      "given, any Python callable map(spins, level) -> spins (an int8 +-1 array of n samples on\n"
      "a smaller lattice), e.g. a learned one.");

  m.def(
      "mcrg",
      [](py::handle spins, int b, const std::string& rule, const std::string& ties, int levels,
         std::uint64_t seed, const py::object& map,
         std::optional<std::vector<std::string>> couplings, int jackknife_blocks, int threads) {
        io::SpinSamples samples = to_samples(spins, "spins");
        const rg::BlockSpinOptions o = block_options(b, rule, ties, seed, threads);
        rg::McrgOptions mo;
        if (couplings) mo.couplings = *couplings;
        mo.levels = levels;
        mo.jackknife_blocks = jackknife_blocks;
        mo.threads = threads;
        const auto out = with_map(map, o, [&](const rg::CoarseGraining* cg, const auto& block) {
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
      py::arg("map") = py::none(), py::arg("couplings") = py::none(),
      py::arg("jackknife_blocks") = 20, py::arg("threads") = 0,
      "Swendsen's Monte Carlo RG: the linearised RG map T = B^-1 A between successive levels,\n"
      "A_ab = <S_a^(n+1) S_b^(n)> - <S_a^(n+1)><S_b^(n)>, B_ab = <S_a^(n+1) S_b^(n+1)> - ...,\n"
      "over interaction sums S_a (couplings, e.g. 'nn', 'nnn', '3nn', 'plaq', 'm', '3spin'; None "
      "=\n"
      "the default set), and the exponents y = ln(lambda)/ln(b) of its leading eigenvalues:\n"
      "y_t from the even sector (2D Ising: 1), y_h from the odd one (15/8), with delete-one-block\n"
      "jackknife errors. A list of dicts, one per step level-1 -> level, as `deeprg mcrg --json`\n"
      "('y_t', 'y_t_error', 'y_h', ..., 'even_eigenvalues', ...), plus 'even_matrix' and\n"
      "'odd_matrix' (T of each sector, float64 arrays). The map is block spins or a Python\n"
      "callable, as for flow().");

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
