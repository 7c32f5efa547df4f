// Annealed importance sampling for ln Z of an RBM (Neal 2001; Salakhutdinov & Murray 2008),
// forward and, optionally, reverse.
#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <numbers>
#include <string>
#include <vector>

#include "deeprg/core/error.hpp"
#include "deeprg/core/log_sum_exp.hpp"
#include "deeprg/core/parallel.hpp"
#include "deeprg/core/rng.hpp"
#include "deeprg/io/memory.hpp"
#include "deeprg/rbm/estimators.hpp"
#include "deeprg/rbm/unit_functions.hpp"

namespace deeprg::rbm {

namespace {

// Units are handled in groups of 16 (one AVX-512 vector of floats, two of doubles); arrays are
// padded with zeros.
constexpr std::size_t kLanes = 16;
std::size_t padded(std::size_t n) { return (n + kLanes - 1) / kLanes * kLanes; }

/// The RBM B and the base model A, laid out for the Gibbs kernels, in the RBM's precision.
template <class Real>
struct AisModel {
  std::size_t nv = 0, nh = 0, nvp = 0, nhp = 0;  ///< sizes and padded sizes
  Units uv = Units::bernoulli, uh = Units::bernoulli;
  Real lo_v = 0, lo_h = 0;
  std::vector<Real> W;                     ///< nv × nhp
  std::vector<Real> WT;                    ///< nh × nvp
  std::vector<Real> a, a_base, b, zero_v;  ///< padded
  std::vector<double> da;                  ///< a − a_base, padded
};

/// One annealing run's state and scratch space (padded; padding units stay 0).
template <class Real>
struct Chain {
  std::vector<Real> v, x, h, y;
  std::vector<float> u;         ///< uniforms
  std::vector<double> p, t, d;  ///< per hidden unit: P(high), κ(β_old − β_new) x, increment
  explicit Chain(const AisModel<Real>& m)
      : v(m.nvp),
        x(m.nhp),
        h(m.nhp),
        y(m.nvp),
        u(std::max(m.nvp, m.nhp)),
        p(m.nhp),
        t(m.nhp),
        d(m.nhp) {}
};

/// out = bias + Σ_k s_k M_k· for a row-major M with ld (a multiple of kLanes) columns. Four
/// partial sums per group of lanes keep the multiply-adds independent and out of memory.
template <class Real>
void affine(const Real* bias, const Real* s, std::size_t n_in, const Real* M, std::size_t ld,
            Real* out) {
  for (std::size_t c = 0; c < ld; c += kLanes) {
    Real acc0[kLanes] = {}, acc1[kLanes] = {}, acc2[kLanes] = {}, acc3[kLanes] = {};
    std::size_t k = 0;
    for (; k + 4 <= n_in; k += 4) {
      const Real s0 = s[k], s1 = s[k + 1], s2 = s[k + 2], s3 = s[k + 3];
      const Real* r0 = M + k * ld + c;
      const Real* r1 = r0 + ld;
      const Real* r2 = r1 + ld;
      const Real* r3 = r2 + ld;
      for (std::size_t l = 0; l < kLanes; ++l) {
        acc0[l] += s0 * r0[l];
        acc1[l] += s1 * r1[l];
        acc2[l] += s2 * r2[l];
        acc3[l] += s3 * r3[l];
      }
    }
    for (; k < n_in; ++k) {
      const Real sk = s[k];
      const Real* row = M + k * ld + c;
      for (std::size_t l = 0; l < kLanes; ++l) acc0[l] += sk * row[l];
    }
    for (std::size_t l = 0; l < kLanes; ++l)
      out[c + l] = bias[c + l] + ((acc0[l] + acc1[l]) + (acc2[l] + acc3[l]));
  }
}

// Vectorisable exponentials (no libm calls, so that the compiler turns the loops below into
// AVX-512 code): Cody–Waite reduction x = n ln 2 + r, |r| ≤ ln2/2, a Taylor polynomial for e^r,
// and 2^n added to the exponent bits.

/// e^x in double, relative error < 1e-15 for x ∈ [−700, 700] (clamped outside).
inline double exp_d(double x) {
  x = x < -700.0 ? -700.0 : (x > 700.0 ? 700.0 : x);
  constexpr double kShift = 0x1.8p52;  // adding it rounds to an integer
  const double n = (x * std::numbers::log2e + kShift) - kShift;
  const double r = (x - n * 0x1.62e42fefa39efp-1) - n * 0x1.abc9e3b39803fp-56;
  double q = 1.0 / 479001600;  // 1/12!
  for (const double c : {1.0 / 39916800, 1.0 / 3628800, 1.0 / 362880, 1.0 / 40320, 1.0 / 5040,
                         1.0 / 720, 1.0 / 120, 1.0 / 24, 1.0 / 6, 0.5, 1.0, 1.0})
    q = q * r + c;
  return std::bit_cast<double>(std::bit_cast<std::int64_t>(q) +
                               (static_cast<std::int64_t>(n) << 52));
}

/// e^x in float, relative error < 1e-7 for x ∈ [−87, 87] (clamped outside).
inline float exp_f(float x) {
  x = x < -87.0f ? -87.0f : (x > 87.0f ? 87.0f : x);
  constexpr float kShift = 0x1.8p23f;
  const float n = (x * 1.44269504f + kShift) - kShift;
  const float r = (x - n * 0.693145752f) - n * 1.42860677e-6f;
  float q = 1.0f / 40320;
  for (const float c : {1.0f / 5040, 1.0f / 720, 1.0f / 120, 1.0f / 24, 1.0f / 6, 0.5f, 1.0f, 1.0f})
    q = q * r + c;
  return std::bit_cast<float>(std::bit_cast<std::int32_t>(q) +
                              (static_cast<std::int32_t>(n) << 23));
}

// Increments φ(κa) − φ(κb) with |κ(b − a)| at most this use the series below (all the steps of
// a realistic schedule); larger ones the direct, stable difference.
constexpr double kSeriesLimit = 0.05;

/// −log1p(p · expm1(t)) for |t| ≤ kSeriesLimit, p ∈ [0, 1]: softplus(a) − softplus(b) with
/// p = σ(a), t = b − a, evaluated without cancellation (relative error ~1e-16). Taylor series
/// of expm1 to t^11 (remainder < 1e-22) and log1p(y) = 2 atanh(y / (2 + y)) to s^13.
inline double softplus_step(double p, double t) {
  double e = 1.0 / 39916800;
  for (const double c : {1.0 / 3628800, 1.0 / 362880, 1.0 / 40320, 1.0 / 5040, 1.0 / 720, 1.0 / 120,
                         1.0 / 24, 1.0 / 6, 0.5, 1.0})
    e = e * t + c;
  const double y = p * (e * t);
  const double s = y / (2 + y), s2 = s * s;
  double l = 1.0 / 13;
  for (const double c : {1.0 / 11, 1.0 / 9, 1.0 / 7, 1.0 / 5, 1.0 / 3, 1.0}) l = l * s2 + c;
  return -2 * s * l;
}

/// n (even) uniform draws in [0, 1) with 24 random bits each (the resolution of a float
/// probability), two from each 64-bit output.
void draw_uniforms(Rng& rng, float* u, std::size_t n) {
  for (std::size_t i = 0; i < n; i += 2) {
    const std::uint64_t r = rng();
    u[i] = static_cast<float>(r >> 40) * 0x1.0p-24f;
    u[i + 1] = static_cast<float>((r >> 8) & 0xffffff) * 0x1.0p-24f;
  }
}

/// e^x in the model's precision (the visible probabilities).
inline float exp_of(float x) { return exp_f(x); }
inline double exp_of(double x) { return exp_d(x); }

/// unit_i = 1 with probability p_i, else lo, for i < n; fresh uniforms from rng.
template <class P, class Real>
void sample_units(const P* p, Real* unit, std::size_t n, Real lo, float* u, Rng& rng) {
  draw_uniforms(rng, u, n + (n & 1));
  for (std::size_t i = 0; i < n; ++i) unit[i] = u[i] < p[i] ? Real(1) : lo;
}

template <class Real>
void sample_base(const AisModel<Real>& m, Chain<Real>& c, Rng& rng) {
  const double kappa = m.uv == Units::spin ? 2 : 1;
  for (std::size_t i = 0; i < m.nv; ++i) c.y[i] = Real(1 / (1 + std::exp(-kappa * m.a_base[i])));
  sample_units(c.y.data(), c.v.data(), m.nv, m.lo_v, c.u.data(), rng);
}

/// Returns ln p*_new(v) − ln p*_old(v) for the chain's current v and then, if `gibbs`, makes one
/// Gibbs step v → h → v of the intermediate RBM at beta_new (which leaves p_new invariant).
/// With a = β_new x_j, b = β_old x_j and κ = 2 for spin hidden units, 1 for bernoulli,
///   φ_h(a) − φ_h(b) = softplus(κa) − softplus(κb) − [spin] (a − b),
/// and P(h_j high) = σ(κa) serves both the increment and the sample.
template <class Real>
double anneal_step(const AisModel<Real>& m, Chain<Real>& c, double beta_new, double beta_old,
                   bool gibbs, Rng& rng) {
  const std::size_t nv = m.nv, nh = m.nh;
  Real* x = c.x.data();
  const Real* v = c.v.data();
  // x = b + Wᵀv, unscaled: both temperatures use it.
  affine(m.b.data(), v, nv, m.W.data(), m.nhp, x);
  // (a − a_A)ᵀv with eight partial sums: one running sum would be a chain of dependent adds.
  double part[8] = {};
  for (std::size_t i = 0; i < m.nvp; i += 8)
    for (std::size_t l = 0; l < 8; ++l) part[l] += m.da[i + l] * v[i + l];
  const double lin =
      ((part[0] + part[1]) + (part[2] + part[3])) + ((part[4] + part[5]) + (part[6] + part[7]));
  const double dbeta = beta_new - beta_old;
  double lw = dbeta * lin;

  const bool spin_h = m.uh == Units::spin;
  const double kappa = spin_h ? 2.0 : 1.0;
  double* p = c.p.data();
  double* t = c.t.data();
  double* d = c.d.data();
  for (std::size_t j = 0; j < nh; ++j) {
    p[j] = 1 / (1 + exp_d(-kappa * beta_new * x[j]));
    t[j] = -kappa * dbeta * x[j];
  }
  double largest = 0;  // a separate loop: a max reduction would keep the one above scalar
  for (std::size_t j = 0; j < nh; ++j) largest = std::max(largest, std::abs(t[j]));
  if (largest <= kSeriesLimit) {
    for (std::size_t j = 0; j < nh; ++j) d[j] = softplus_step(p[j], t[j]);
    double x_sum = 0;
    for (std::size_t j = 0; j < nh; ++j) {
      lw += d[j];
      x_sum += x[j];
    }
    if (spin_h) lw -= dbeta * x_sum;
  } else {
    for (std::size_t j = 0; j < nh; ++j)
      lw += log_unit_sum(m.uh, beta_new * x[j]) - log_unit_sum(m.uh, beta_old * x[j]);
  }
  if (!gibbs) return lw;

  Real* h = c.h.data();
  sample_units(p, h, nh, m.lo_h, c.u.data(), rng);
  // Visible activation at β: (1−β) a_A + β (a + W h), then P(v_i high) = σ(κ_v y_i).
  Real* y = c.y.data();
  affine(m.zero_v.data(), h, nh, m.WT.data(), m.nvp, y);
  const auto beta = static_cast<Real>(beta_new);
  const Real kv = m.uv == Units::spin ? 2 : 1;
  const Real* a = m.a.data();
  const Real* a_base = m.a_base.data();
  for (std::size_t i = 0; i < nv; ++i) {
    const Real z = (1 - beta) * a_base[i] + beta * (a[i] + y[i]);
    y[i] = 1 / (1 + exp_of(-kv * z));
  }
  sample_units(y, c.v.data(), nv, m.lo_v, c.u.data(), rng);
  return lw;
}

struct WeightSummary {
  double log_mean = 0;  ///< ln mean_c w_c
  double error = 0;     ///< delta-method standard error of log_mean
  double ess = 0;       ///< (Σ w)² / Σ w²
};

/// Mean, delta-method error and effective sample size of importance weights given as logs:
///   ln mean_c w_c = ln Σ_c w_c − ln n,   error = sd(w) / (√n mean w),   ESS = (Σ w)² / Σ w².
/// The moments are taken of r_c = w_c / mean w = e^{ln w_c − ln mean w} ≤ n, so that nothing
/// overflows whatever the scale of the weights.
WeightSummary summarize(const std::vector<double>& log_w) {
  const auto n = static_cast<double>(log_w.size());
  const double log_mean = log_sum_exp(log_w) - std::log(n);
  double sum = 0, sum2 = 0;
  for (const double lw : log_w) {
    const double r = std::exp(lw - log_mean);
    sum += r;
    sum2 += r * r;
  }
  const double mean = sum / n;  // 1 up to rounding; kept so that error and ESS are exact ratios
  double var = 0;
  for (const double lw : log_w) {
    const double r = std::exp(lw - log_mean) - mean;
    var += r * r;
  }
  var = log_w.size() > 1 ? var / (n - 1) : 0.0;
  return {log_mean, std::sqrt(var / n) / mean, sum * sum / sum2};
}

}  // namespace

std::vector<double> ais_betas(int intermediate) {
  if (intermediate < 0)
    throw ConfigError("ais-intermediate", "number of intermediate temperatures must be ≥ 0, got " +
                                              std::to_string(intermediate));
  const int K = intermediate;
  std::vector<double> betas;
  betas.reserve(static_cast<std::size_t>(K) + 2);
  betas.push_back(0.0);
  if (K < 3) {
    for (int k = 1; k <= K; ++k) betas.push_back(double(k) / (K + 1));
  } else {
    // Salakhutdinov & Murray's 500 : 4000 : 10000 split of [0, .5], [.5, .9], [.9, 1].
    const int n1 = std::max(1, static_cast<int>(std::lround(K * 500.0 / 14500.0)));
    const int n2 = std::max(1, static_cast<int>(std::lround(K * 4000.0 / 14500.0)));
    const int n3 = K - n1 - n2;
    for (int i = 1; i <= n1; ++i) betas.push_back(0.5 * i / n1);
    for (int i = 1; i <= n2; ++i) betas.push_back(0.5 + 0.4 * i / n2);
    for (int i = 1; i <= n3; ++i) betas.push_back(0.9 + 0.1 * i / (n3 + 1));
  }
  betas.push_back(1.0);
  return betas;
}

template <class Real>
LogZEstimate ais_log_z(const BasicRbm<Real>& rbm, const AisOptions& options) {
  rbm.validate();
  if (options.chains < 1)
    throw ConfigError("ais-chains",
                      "need at least one chain, got " + std::to_string(options.chains));
  // What the requested sizes allocate, before anything is: the schedule (K + 2 doubles), the
  // chains' log-weights (one or two doubles each) and the model's two padded copies.
  if (options.intermediate > 0)
    io::require_memory(
        "ais-intermediate",
        io::Bytes::product({static_cast<std::uint64_t>(options.intermediate) + 2, sizeof(double)}),
        std::to_string(options.intermediate) + " intermediate temperatures");
  io::require_memory(
      "ais-chains",
      io::Bytes::product(
          {static_cast<std::uint64_t>(options.chains), sizeof(double), options.reverse ? 2u : 1u}) +
          io::Bytes::product({2, rbm.n_visible() + kLanes, rbm.n_hidden() + kLanes, sizeof(Real)}),
      std::to_string(options.chains) + " annealing chains");
  const std::vector<double> betas = ais_betas(options.intermediate);
  AisModel<Real> m;
  m.nv = rbm.n_visible();
  m.nh = rbm.n_hidden();
  m.uv = rbm.visible;
  m.uh = rbm.hidden;
  m.lo_v = rbm.visible == Units::spin ? -1 : 0;
  m.lo_h = rbm.hidden == Units::spin ? -1 : 0;
  m.nvp = padded(m.nv);
  m.nhp = padded(m.nh);
  m.W.assign(m.nv * m.nhp, 0);
  m.WT.assign(m.nh * m.nvp, 0);
  for (std::size_t i = 0; i < m.nv; ++i)
    for (std::size_t j = 0; j < m.nh; ++j) {
      m.W[i * m.nhp + j] = rbm.W(i, j);
      m.WT[j * m.nvp + i] = rbm.W(i, j);
    }
  m.a.assign(m.nvp, 0);
  m.a_base.assign(m.nvp, 0);
  m.b.assign(m.nhp, 0);
  m.zero_v.assign(m.nvp, 0);
  std::copy(rbm.visible_bias.begin(), rbm.visible_bias.end(), m.a.begin());
  std::copy(rbm.hidden_bias.begin(), rbm.hidden_bias.end(), m.b.begin());
  if (options.base_visible_bias.empty()) {
    std::copy(rbm.visible_bias.begin(), rbm.visible_bias.end(), m.a_base.begin());
  } else {
    const std::vector<double>& base = options.base_visible_bias;
    if (base.size() != m.nv)
      throw ShapeError("AIS base visible biases have " + std::to_string(base.size()) +
                       " entries, the RBM " + std::to_string(m.nv) + " visible units");
    for (std::size_t i = 0; i < m.nv; ++i) {
      m.a_base[i] = static_cast<Real>(base[i]);
      if (!std::isfinite(m.a_base[i]))
        throw ConfigError("ais-base", "base visible biases contain NaN or Inf, or overflow " +
                                          std::string(dtype_name<Real>()));
    }
  }
  m.da.assign(m.nvp, 0.0);
  for (std::size_t i = 0; i < m.nv; ++i) m.da[i] = double(m.a[i]) - double(m.a_base[i]);
  double log_z_base = double(m.nh) * std::numbers::ln2;
  for (std::size_t i = 0; i < m.nv; ++i) log_z_base += log_unit_sum(m.uv, m.a_base[i]);

  const std::size_t chains = static_cast<std::size_t>(options.chains);
  const std::size_t last = betas.size() - 1;  // K + 1
  std::vector<double> log_w(chains), log_w_reverse(options.reverse ? chains : 0);
  parallel_for(chains, options.threads, [&](std::size_t c) {
    Rng rng(options.seed, c);
    Chain<Real> chain(m);
    sample_base(m, chain, rng);
    double lw = 0;
    for (std::size_t k = 1; k <= last; ++k)
      lw += anneal_step(m, chain, betas[k], betas[k - 1], k < last, rng);
    log_w[c] = lw;
    if (!options.reverse) return;
    // One Gibbs step at β = 1 (the forward run's last move was at β_K), then anneal back.
    anneal_step(m, chain, 1.0, 1.0, true, rng);
    double lr = 0;
    for (std::size_t k = last; k >= 1; --k)
      lr += anneal_step(m, chain, betas[k - 1], betas[k], k > 1, rng);
    log_w_reverse[c] = lr;
  });

  LogZEstimate est;
  est.method = "ais";
  const WeightSummary fwd = summarize(log_w);
  est.log_z = log_z_base + fwd.log_mean;
  est.error = fwd.error;
  est.effective_chains = fwd.ess;
  if (options.reverse) {
    // Reverse weights estimate Z_A / Z_B.
    const WeightSummary rev = summarize(log_w_reverse);
    est.reverse_log_z = log_z_base - rev.log_mean;
    est.reverse_error = rev.error;
    est.has_reverse = true;
  }
  return est;
}

template LogZEstimate ais_log_z(const Rbm&, const AisOptions&);
template LogZEstimate ais_log_z(const Rbm64&, const AisOptions&);

}  // namespace deeprg::rbm
