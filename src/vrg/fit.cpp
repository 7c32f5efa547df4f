#include "deeprg/vrg/fit.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>

#include "deeprg/core/error.hpp"
#include "deeprg/core/log_sum_exp.hpp"
#include "deeprg/core/rng.hpp"
#include "deeprg/ising/exact.hpp"
#include "deeprg/ising/model.hpp"
#include "deeprg/rbm/train.hpp"
#include "deeprg/rbm/unit_functions.hpp"

namespace deeprg::vrg {
namespace {

void check_shapes(const IsingTarget& target, const RbmParams& params) {
  if (params.n_visible() != target.n_spins || params.a.size() != params.n_visible() ||
      params.b.size() != params.n_hidden() ||
      target.minus_h.size() != (std::size_t{1} << target.n_spins) ||
      target.p.size() != target.minus_h.size())
    throw ShapeError("vrg fit: RBM with " + std::to_string(params.n_visible()) +
                     " visible units does not fit a target of " + std::to_string(target.n_spins) +
                     " spins");
}

/// v_i = ±1 from bit i of the state index.
inline double spin_of(std::size_t state, std::size_t i) { return (state >> i) & 1U ? 1.0 : -1.0; }

/// −F_λ(v) for every state, and (when `mu` is not null) μ_j(v) row-major (state × n_hidden).
std::vector<double> minus_free_energies(const RbmParams& params, std::vector<double>* mu) {
  const std::size_t n = params.n_visible(), nh = params.n_hidden();
  const std::size_t states = std::size_t{1} << n;
  std::vector<double> out(states);
  if (mu) mu->assign(states * nh, 0.0);
  std::vector<double> x(nh);
  for (std::size_t s = 0; s < states; ++s) {
    double value = 0;
    for (std::size_t j = 0; j < nh; ++j) x[j] = params.b[j];
    for (std::size_t i = 0; i < n; ++i) {
      const double v = spin_of(s, i);
      value += params.a[i] * v;
      const double* w = &params.W.data[i * nh];
      for (std::size_t j = 0; j < nh; ++j) x[j] += w[j] * v;
    }
    for (std::size_t j = 0; j < nh; ++j) {
      value += rbm::log_unit_sum(params.hidden, x[j]);
      if (mu) (*mu)[s * nh + j] = rbm::unit_mean(params.hidden, x[j]);
    }
    out[s] = value;
  }
  return out;
}

double kl_of(const IsingTarget& target, const std::vector<double>& minus_f, double log_z_rbm) {
  double kl = 0;
  for (std::size_t s = 0; s < minus_f.size(); ++s) {
    if (target.p[s] <= 0) continue;
    const double log_p = target.minus_h[s] - target.log_z;
    const double log_q = minus_f[s] - log_z_rbm;
    kl += target.p[s] * (log_p - log_q);
  }
  return std::max(kl, 0.0);
}

double normal(Rng& rng) {
  const double u1 = 1.0 - rng.uniform();  // (0, 1]
  const double u2 = rng.uniform();
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2 * std::numbers::pi * u2);
}

}  // namespace

template <class Real>
RbmParams params_from_rbm(const rbm::BasicRbm<Real>& model) {
  model.validate();
  if (model.visible != rbm::Units::spin)
    throw ConfigError("units", "the vrg fit needs spin (±1) visible units");
  RbmParams p;
  p.hidden = model.hidden;
  p.W = MatrixD(model.W.rows, model.W.cols);
  for (std::size_t k = 0; k < model.W.size(); ++k) p.W.data[k] = model.W.data[k];
  p.a.assign(model.visible_bias.begin(), model.visible_bias.end());
  p.b.assign(model.hidden_bias.begin(), model.hidden_bias.end());
  return p;
}

rbm::Rbm64 rbm_from_params(const RbmParams& params) {
  rbm::Rbm64 out(0, 0, rbm::Units::spin, params.hidden);
  out.W = params.W;
  out.visible_bias = params.a;
  out.hidden_bias = params.b;
  return out;
}

IsingTarget ising_target(const ising::Model& model) {
  model.validate();
  model.lattice.validate();
  const std::size_t n = model.lattice.sites();
  if (n > kMaxFitSpins)
    throw ConfigError("L", "the exact RBM fit enumerates all states: at most " +
                               std::to_string(kMaxFitSpins) + " spins, got " + std::to_string(n));
  IsingTarget t;
  t.n_spins = n;
  const std::size_t states = std::size_t{1} << n;
  t.minus_h.resize(states);
  std::vector<std::int8_t> spins(n);
  for (std::size_t s = 0; s < states; ++s) {
    for (std::size_t i = 0; i < n; ++i) spins[i] = (s >> i) & 1U ? 1 : -1;
    t.minus_h[s] = -model.beta() * ising::energy(model, spins);
  }
  t.log_z = log_sum_exp(t.minus_h);
  t.p = ising::boltzmann_probabilities(model);
  return t;
}

FitQuality evaluate_fit(const IsingTarget& target, const RbmParams& params) {
  check_shapes(target, params);
  const std::vector<double> minus_f = minus_free_energies(params, nullptr);
  FitQuality q;
  q.log_z_rbm = log_sum_exp(minus_f);
  q.kl = kl_of(target, minus_f, q.log_z_rbm);
  q.log_tr_h_exp_t_min = std::numeric_limits<double>::infinity();
  q.log_tr_h_exp_t_max = -std::numeric_limits<double>::infinity();
  for (std::size_t s = 0; s < minus_f.size(); ++s) {
    // ln Tr_h e^{−E(v,h) + H(v)} = −F_λ(v) + H(v) = −F_λ(v) − (−H(v)).
    const double value = minus_f[s] - target.minus_h[s];
    q.log_tr_h_exp_t_min = std::min(q.log_tr_h_exp_t_min, value);
    q.log_tr_h_exp_t_max = std::max(q.log_tr_h_exp_t_max, value);
  }
  return q;
}

KlGradient kl_gradient(const IsingTarget& target, const RbmParams& params, double* kl) {
  check_shapes(target, params);
  const std::size_t n = params.n_visible(), nh = params.n_hidden();
  std::vector<double> mu;
  const std::vector<double> minus_f = minus_free_energies(params, &mu);
  const double log_z_rbm = log_sum_exp(minus_f);
  if (kl) *kl = kl_of(target, minus_f, log_z_rbm);
  KlGradient g{MatrixD(n, nh), std::vector<double>(n, 0.0), std::vector<double>(nh, 0.0)};
  for (std::size_t s = 0; s < minus_f.size(); ++s) {
    // ∂KL/∂θ = −Σ_v (P(v) − p_λ(v)) ∂_θ(−F_λ(v)).
    const double w = std::exp(minus_f[s] - log_z_rbm) - target.p[s];
    const double* m = &mu[s * nh];
    for (std::size_t j = 0; j < nh; ++j) g.b[j] += w * m[j];
    for (std::size_t i = 0; i < n; ++i) {
      const double wv = w * spin_of(s, i);
      g.a[i] += wv;
      double* gw = &g.W.data[i * nh];
      for (std::size_t j = 0; j < nh; ++j) gw[j] += wv * m[j];
    }
  }
  return g;
}

RbmParams fit_exact_gradient(const IsingTarget& target, std::size_t n_hidden,
                             const FitOptions& options) {
  if (n_hidden == 0) throw ConfigError("hidden", "hidden layer sizes must be positive");
  if (options.iterations < 0) throw ConfigError("iterations", "must be ≥ 0");
  if (!(std::isfinite(options.learning_rate) && options.learning_rate > 0))
    throw ConfigError("learning_rate", "the learning rate must be finite and > 0");
  if (!(std::isfinite(options.init_std) && options.init_std >= 0))
    throw ConfigError("init_std", "must be finite and ≥ 0");
  const std::size_t n = target.n_spins;
  RbmParams p;
  p.hidden = options.hidden;
  p.W = MatrixD(n, n_hidden);
  p.a.assign(n, 0.0);
  p.b.assign(n_hidden, 0.0);
  Rng rng(options.seed, n_hidden);
  for (double& w : p.W.data) w = options.init_std * normal(rng);

  // Adam over the flattened parameters [W, a, b].
  const std::size_t size = p.W.size() + n + n_hidden;
  std::vector<double> m1(size, 0.0), m2(size, 0.0);
  constexpr double beta1 = 0.9, beta2 = 0.999, eps = 1e-8;
  const int iters = options.iterations;
  for (int t = 1; t <= iters; ++t) {
    const KlGradient g = kl_gradient(target, p);
    // Constant for the first half, then a half cosine down to lr/100.
    double lr = options.learning_rate;
    const int half = iters / 2;
    if (t > half && iters > half) {
      const double u = double(t - half) / double(iters - half);
      lr = options.learning_rate * (0.01 + 0.99 * 0.5 * (1 + std::cos(std::numbers::pi * u)));
    }
    const double c1 = 1 - std::pow(beta1, t), c2 = 1 - std::pow(beta2, t);
    std::size_t k = 0;
    auto step = [&](double& theta, double grad) {
      m1[k] = beta1 * m1[k] + (1 - beta1) * grad;
      m2[k] = beta2 * m2[k] + (1 - beta2) * grad * grad;
      theta -= lr * (m1[k] / c1) / (std::sqrt(m2[k] / c2) + eps);
      ++k;
    };
    for (std::size_t q = 0; q < p.W.size(); ++q) step(p.W.data[q], g.W.data[q]);
    for (std::size_t i = 0; i < n; ++i) step(p.a[i], g.a[i]);
    for (std::size_t j = 0; j < n_hidden; ++j) step(p.b[j], g.b[j]);
  }
  return p;
}

std::vector<FitResult> fit_hidden_sweep(const ising::Model& model,
                                        const std::vector<std::size_t>& hidden,
                                        const FitOptions& options) {
  if (hidden.empty()) throw ConfigError("hidden", "give at least one hidden layer size");
  for (std::size_t nh : hidden)
    if (nh == 0) throw ConfigError("hidden", "hidden layer sizes must be positive");
  if (options.compare_cd) {
    if (options.cd_samples < 1) throw ConfigError("cd_samples", "must be ≥ 1");
    if (options.cd_epochs < 1) throw ConfigError("cd_epochs", "must be ≥ 1");
    // Checked here: rbm::train_rbm would name it learning_rate, the exact fit's parameter.
    if (!(options.cd_learning_rate >= 0 && std::isfinite(options.cd_learning_rate)))
      throw ConfigError("cd_learning_rate", "must be finite and ≥ 0");
  }
  const IsingTarget target = ising_target(model);
  const std::size_t n = target.n_spins;

  // Exact draws from P for the CD comparison (shared by all sizes).
  MatrixF data;
  if (options.compare_cd) {
    std::vector<double> cdf(target.p.size());
    double acc = 0;
    for (std::size_t s = 0; s < cdf.size(); ++s) cdf[s] = acc += target.p[s];
    Rng rng(options.seed ^ 0xCDULL, 0);
    data = MatrixF(std::size_t(options.cd_samples), n);
    for (std::size_t r = 0; r < data.rows; ++r) {
      const double u = rng.uniform() * acc;
      std::size_t s = std::size_t(std::upper_bound(cdf.begin(), cdf.end(), u) - cdf.begin());
      s = std::min(s, cdf.size() - 1);
      for (std::size_t i = 0; i < n; ++i) data(r, i) = float(spin_of(s, i));
    }
  }

  std::vector<FitResult> results;
  for (std::size_t nh : hidden) {
    FitResult r;
    r.n_hidden = nh;
    r.log_z = target.log_z;
    const RbmParams params = fit_exact_gradient(target, nh, options);
    r.rbm = rbm_from_params(params);
    const FitQuality q = evaluate_fit(target, params);
    r.kl_exact_gradient = q.kl;
    r.log_tr_h_exp_t_min = q.log_tr_h_exp_t_min;
    r.log_tr_h_exp_t_max = q.log_tr_h_exp_t_max;
    r.log_z_rbm = q.log_z_rbm;
    r.rbm.meta["vrg_fit"] = {{"method", "exact_gradient_adam"},
                             {"model", model.name()},
                             {"L", model.lattice.lx},
                             {"Ly", model.lattice.ly},
                             {"K", model.K()},
                             {"B", model.B()},
                             {"iterations", options.iterations},
                             {"learning_rate", options.learning_rate},
                             {"init_std", options.init_std},
                             {"seed", options.seed},
                             {"kl", q.kl},
                             {"log_tr_h_exp_t_min", q.log_tr_h_exp_t_min},
                             {"log_tr_h_exp_t_max", q.log_tr_h_exp_t_max}};
    r.kl_cd = std::numeric_limits<double>::quiet_NaN();
    if (options.compare_cd) {
      rbm::TrainOptions to;
      to.epochs = options.cd_epochs;
      to.batch_size = std::min<std::size_t>(100, data.rows);
      to.k = 1;
      to.learning_rate = options.cd_learning_rate;
      to.seed = options.seed;
      to.threads = 1;
      const rbm::Rbm cd = rbm::train_rbm(data, nh, rbm::Units::spin, options.hidden, to);
      r.kl_cd = evaluate_fit(target, params_from_rbm(cd)).kl;
    }
    results.push_back(std::move(r));
  }
  return results;
}

template RbmParams params_from_rbm(const rbm::Rbm&);
template RbmParams params_from_rbm(const rbm::Rbm64&);

}  // namespace deeprg::vrg
