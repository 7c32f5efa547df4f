// Exact 1D decimation: the formula, its RBM realisation and the free-energy bookkeeping.
#include "deeprg/rg/decimation_1d.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <string>
#include <utility>
#include <vector>

#include "deeprg/core/error.hpp"
#include "deeprg/ising/exact.hpp"
#include "deeprg/ising/model.hpp"
#include "deeprg/rbm/unit_functions.hpp"

namespace deeprg::rg {

namespace {

constexpr double kLn2 = std::numbers::ln2;

void require_finite(double J) {
  if (!std::isfinite(J)) throw ConfigError("J", "the coupling must be finite");
}

void require_positive_coupling(double J) {
  require_finite(J);
  if (!(J > 0)) throw ConfigError("J", "the coupling must be > 0 (got " + std::to_string(J) + ")");
}

void require_steps(int steps) {
  if (steps < 1 || steps > kMaxDecimationSteps)
    throw ConfigError("steps", "must be between 1 and " + std::to_string(kMaxDecimationSteps) +
                                   " (got " + std::to_string(steps) + ")");
}

/// ln cosh y with full relative precision for small |y| (where it is ≈ y²/2) and no overflow.
double log_cosh(double y) {
  const double a = std::abs(y);
  if (a < 1) {
    const double s = std::sinh(a / 2);
    return std::log1p(2 * s * s);  // cosh a − 1 = 2 sinh²(a/2)
  }
  return a - kLn2 + std::log1p(std::exp(-2 * a));
}

}  // namespace

double decimated_coupling(double J) {
  require_finite(J);
  // ½ ln cosh 2J; cosh 2J − 1 = 2 sinh² J keeps J′ ≈ J² exact to the last bit as J → 0.
  return 0.5 * log_cosh(2 * J);
}

double decimation_constant(double J) { return kLn2 + decimated_coupling(J); }

double log_tanh(double J) {
  require_finite(J);
  if (J < 0) throw ConfigError("J", "ln tanh J needs J >= 0");
  if (J == 0) return -std::numeric_limits<double>::infinity();
  // tanh J = (1 − x) / (1 + x), x = e^{−2J}: expm1 keeps 1 − x exact for small J, log1p keeps
  // ln(1 − x) ≈ −x exact for large J (where 1 − x rounds to 1).
  const double x = std::exp(-2 * J);
  const double numerator = J < 0.35 ? std::log(-std::expm1(-2 * J)) : std::log1p(-x);
  return numerator - std::log1p(x);
}

double correlation_length(double J) {
  const double lt = log_tanh(J);
  if (lt == 0) return std::numeric_limits<double>::infinity();  // tanh J = 1 in double
  return -1 / lt;                                               // 0 at J = 0 (lt = −inf)
}

const char* to_string(DecimationLayout layout) {
  return layout == DecimationLayout::ring ? "ring" : "tied";
}

DecimationLayout parse_decimation_layout(const std::string& name, const std::string& key) {
  if (name == "ring") return DecimationLayout::ring;
  if (name == "tied") return DecimationLayout::tied;
  throw ConfigError(key, "unknown layout '" + name + "' (expected ring or tied)");
}

rbm::Rbm64 decimation_rbm(double J, const DecimationRbmOptions& options) {
  require_positive_coupling(J);
  const int n = options.sites;
  if (n < 4 || n % 2 != 0 || n > 2 * static_cast<int>(kMaxFitHiddenUnits))
    throw ConfigError("sites", "the ring must have an even number of spins between 4 and " +
                                   std::to_string(2 * kMaxFitHiddenUnits) + " (got " +
                                   std::to_string(n) + ")");
  const bool tied = options.layout == DecimationLayout::tied;
  if (tied && !(std::isfinite(options.tie) && options.tie > 0))
    throw ConfigError("tie", "the tie coupling must be finite and > 0");

  const std::size_t m = static_cast<std::size_t>(n / 2);
  rbm::Rbm64 out(tied ? 2 * m : m, m, rbm::Units::spin, rbm::Units::spin);
  for (std::size_t j = 0; j < m; ++j) {
    // Decimated spin s_{2j+1} sits between the kept spins s_{2j} (hidden j) and s_{2j+2}
    // (hidden j+1 mod M). `+=` makes M = 2 couple both bonds to the same pair, the doubled
    // bond of a ring of two.
    const std::size_t odd = tied ? 2 * j + 1 : j;
    out.W(odd, j) += J;
    out.W(odd, (j + 1) % m) += J;
    if (tied) out.W(2 * j, j) = options.tie;
  }
  out.meta = {{"construction", "decimation_1d"},
              {"layout", to_string(options.layout)},
              {"sites", n},
              {"J", J}};
  out.meta["tie"] = tied ? nlohmann::json(options.tie) : nlohmann::json(nullptr);
  return out;
}

template <class Real>
double hidden_hamiltonian(const rbm::BasicRbm<Real>& rbm, std::span<const float> h) {
  if (h.size() != rbm.n_hidden())
    throw ShapeError("hidden configuration has " + std::to_string(h.size()) + " units, the RBM " +
                     std::to_string(rbm.n_hidden()));
  double e = 0;
  for (std::size_t j = 0; j < rbm.n_hidden(); ++j) e -= double(rbm.hidden_bias[j]) * h[j];
  for (std::size_t i = 0; i < rbm.n_visible(); ++i) {
    double y = rbm.visible_bias[i];
    for (std::size_t j = 0; j < rbm.n_hidden(); ++j) y += double(rbm.W(i, j)) * h[j];
    e -= rbm::log_unit_sum(rbm.visible, y);
  }
  return e;
}

template <class Real>
HiddenCouplingFit fit_hidden_coupling(const rbm::BasicRbm<Real>& rbm) {
  rbm.validate();
  if (rbm.hidden != rbm::Units::spin)
    throw ConfigError("rbm", "reading a ring coupling needs spin hidden units");
  const std::size_t m = rbm.n_hidden();
  if (m < 2 || m > kMaxFitHiddenUnits)
    throw ConfigError("rbm", "fitting a hidden ring needs 2 to " +
                                 std::to_string(kMaxFitHiddenUnits) + " hidden units (got " +
                                 std::to_string(m) + ")");
  // Sparse rows of W: a decimation RBM has two entries per visible unit.
  std::vector<std::vector<std::pair<std::size_t, double>>> rows(rbm.n_visible());
  for (std::size_t i = 0; i < rbm.n_visible(); ++i)
    for (std::size_t j = 0; j < m; ++j)
      if (rbm.W(i, j) != 0) rows[i].emplace_back(j, double(rbm.W(i, j)));

  // H̃(h) = H^RBM(h) + Σ_i φ_v(a_i): the same function up to an h-independent shift, evaluated
  // as ln cosh y for spin units without bias so that tiny couplings survive (see header).
  double shift = 0;
  for (std::size_t i = 0; i < rbm.n_visible(); ++i)
    shift += rbm::log_unit_sum(rbm.visible, rbm.visible_bias[i]);
  auto excess = [&](std::size_t i, double y) {
    const double a = rbm.visible_bias[i];
    if (rbm.visible == rbm::Units::spin && a == 0) return log_cosh(y);
    return rbm::log_unit_sum(rbm.visible, y) - rbm::log_unit_sum(rbm.visible, a);
  };

  const std::size_t states = std::size_t{1} << m;
  std::vector<double> H(states), S(states);
  std::vector<double> h(m);
  for (std::size_t state = 0; state < states; ++state) {
    for (std::size_t j = 0; j < m; ++j) h[j] = (state >> j) & 1 ? 1.0 : -1.0;
    double e = 0;
    for (std::size_t j = 0; j < m; ++j) e -= double(rbm.hidden_bias[j]) * h[j];
    for (std::size_t i = 0; i < rbm.n_visible(); ++i) {
      double y = rbm.visible_bias[i];
      for (const auto& [j, wij] : rows[i]) y += wij * h[j];
      e -= excess(i, y);
    }
    double s = 0;
    for (std::size_t j = 0; j < m; ++j) s += h[j] * h[(j + 1) % m];
    H[state] = e;
    S[state] = s;
  }
  double mean_h = 0, mean_s = 0;
  for (std::size_t k = 0; k < states; ++k) {
    mean_h += H[k];
    mean_s += S[k];
  }
  mean_h /= double(states);
  mean_s /= double(states);
  double cov = 0, var = 0;
  for (std::size_t k = 0; k < states; ++k) {
    cov += (H[k] - mean_h) * (S[k] - mean_s);
    var += (S[k] - mean_s) * (S[k] - mean_s);
  }
  HiddenCouplingFit fit;
  fit.coupling = -cov / var;  // var > 0: S takes at least two values for M ≥ 2
  const double e0 = mean_h + fit.coupling * mean_s;
  for (std::size_t k = 0; k < states; ++k)
    fit.residual = std::max(fit.residual, std::abs(H[k] - (e0 - fit.coupling * S[k])));
  fit.constant = e0 - shift;
  fit.states = states;
  return fit;
}

std::vector<DecimationStep> decimation_flow(double J, int steps, const DecimationRbmOptions& rbm) {
  require_positive_coupling(J);
  require_steps(steps);
  // Validates the RBM options up front, so that a bad one is reported even if the RBM flow
  // never needs to build a machine.
  (void)decimation_rbm(J, rbm);
  std::vector<DecimationStep> flow;
  flow.reserve(static_cast<std::size_t>(steps));
  double j_formula = J, j_rbm = J;
  for (int k = 0; k < steps; ++k) {
    DecimationStep step;
    step.step = k;
    step.J = j_formula;
    step.J_next_formula = decimated_coupling(j_formula);
    step.free_energy_constant = kLn2 + step.J_next_formula;
    step.correlation_length = correlation_length(j_formula);
    step.J_rbm = j_rbm;
    // A coupling that has underflowed to 0 is the fixed point J* = 0: its decimation is 0,
    // with nothing to build.
    if (j_rbm > 0) {
      const HiddenCouplingFit fit = fit_hidden_coupling(decimation_rbm(j_rbm, rbm));
      step.J_next_rbm = fit.coupling;
      step.rbm_residual = fit.residual;
    }
    j_formula = step.J_next_formula;
    j_rbm = step.J_next_rbm;
    flow.push_back(step);
  }
  return flow;
}

InfiniteChainCheck infinite_chain_check(double J, int steps) {
  require_positive_coupling(J);
  require_steps(steps);
  InfiniteChainCheck out;
  double j = J;
  for (int k = 0; k < steps; ++k) {
    // Level k has N/2^k spins, so its N/2^{k+1} decimated spins weigh 1/2^{k+1} per spin.
    out.sum_of_constants += std::ldexp(decimation_constant(j), -(k + 1));
    j = decimated_coupling(j);
  }
  out.coarse_log_z_per_spin = std::ldexp(rbm::log_2cosh(j), -steps);
  ising::Model model;
  model.lattice = ising::Lattice::chain(2);  // the length is ignored by infinite_chain
  model.J = J;
  out.exact_log_z_per_spin = ising::infinite_chain(model).log_z_per_spin;
  out.difference = out.sum_of_constants + out.coarse_log_z_per_spin - out.exact_log_z_per_spin;
  return out;
}

RingCheck decimated_ring_log_z(double J, int sites, int steps) {
  require_positive_coupling(J);
  require_steps(steps);
  const int block = 1 << steps;
  if (sites < 2 || sites % block != 0)
    throw ConfigError("sites", "a ring decimated " + std::to_string(steps) +
                                   " times needs a positive multiple of " + std::to_string(block) +
                                   " spins (got " + std::to_string(sites) + ")");
  RingCheck out;
  out.sites = sites;
  out.coarse_sites = sites / block;
  double j = J;
  for (int k = 0; k < steps; ++k) {
    out.sum_of_constants += double(sites >> (k + 1)) * decimation_constant(j);
    j = decimated_coupling(j);
  }
  ising::Model model;
  model.J = j;
  if (out.coarse_sites >= 2) {
    model.lattice = ising::Lattice::chain(out.coarse_sites);
    out.coarse_log_z = ising::transfer_matrix(model).log_z;
  } else {
    // One spin bonded to itself: Z₁ = Σ_s e^{J s·s} = 2 e^J = tr T (see the header).
    out.coarse_log_z = kLn2 + j;
  }
  model.J = J;
  model.lattice = ising::Lattice::chain(sites);
  out.exact_log_z = ising::transfer_matrix(model).log_z;
  out.difference = out.sum_of_constants + out.coarse_log_z - out.exact_log_z;
  return out;
}

template double hidden_hamiltonian(const rbm::Rbm&, std::span<const float>);
template double hidden_hamiltonian(const rbm::Rbm64&, std::span<const float>);
template HiddenCouplingFit fit_hidden_coupling(const rbm::Rbm&);
template HiddenCouplingFit fit_hidden_coupling(const rbm::Rbm64&);

}  // namespace deeprg::rg
