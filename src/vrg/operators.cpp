// Exact evaluation of Mehta & Schwab's variational-RG quantities (Eqs. 18–22) for an RBM with
// spin visible units on a small Ising chain or torus.
#include "deeprg/vrg/operators.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "deeprg/core/error.hpp"
#include "deeprg/core/parallel.hpp"
#include "deeprg/rbm/unit_functions.hpp"

namespace deeprg::vrg {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
/// Visible states are walked in Gray-code blocks of at most 2^10, refreshed at each block start.
constexpr int kVisibleBlockBits = 10;
/// At most 2^8 blocks of hidden states (the parallel items of the h-side pass).
constexpr int kHiddenItemBits = 8;

/// Streaming log-sum-exp of values x with an optional x-weighted sum of d:
/// ln Σ e^x = m + ln s and Σ e^x d = e^m t.
struct LogSum {
  double m = -kInf, s = 0, t = 0;
  void add(double x, double d = 0) {
    if (x > m) {
      const double r = std::exp(m - x);  // 0 when m = −inf
      s = s * r + 1;
      t = t * r + d;
      m = x;
    } else {
      const double e = std::exp(x - m);
      s += e;
      t += e * d;
    }
  }
  void merge(const LogSum& o) {
    if (o.s == 0) return;
    if (o.m > m) {
      const double r = std::exp(m - o.m);
      s = s * r + o.s;
      t = t * r + o.t;
      m = o.m;
    } else {
      const double r = std::exp(o.m - m);
      s += o.s * r;
      t += o.t * r;
    }
  }
  double log() const { return m + std::log(s); }
  double mean() const { return t / s; }
};

/// The problem in double: lattice neighbours (with multiplicity, so doubled bonds count twice)
/// and the RBM parameters.
struct Problem {
  std::size_t nv = 0, nh = 0;
  double K = 0, B = 0;
  std::vector<std::vector<std::size_t>> neighbours;
  std::vector<double> W;  ///< nv × nh
  std::vector<double> a, b;
  rbm::Units hidden = rbm::Units::bernoulli;
  double h_low = 0, h_step = 1;
};

/// The visible configuration of one Gray-code walk with −H(v) = K·bond + B·mag kept exact
/// (integers) and one linear form vᵀc kept incrementally.
struct VisibleWalk {
  const Problem& p;
  std::vector<int> s;
  std::int64_t bond = 0, mag = 0;
  explicit VisibleWalk(const Problem& problem) : p(problem), s(problem.nv) {}

  void set(std::uint64_t index) {
    for (std::size_t i = 0; i < p.nv; ++i) s[i] = (index >> i) & 1 ? 1 : -1;
    bond = 0;
    mag = 0;
    for (std::size_t i = 0; i < p.nv; ++i) {
      mag += s[i];
      for (const std::size_t j : p.neighbours[i]) bond += s[i] * s[j];
    }
    bond /= 2;  // every bond was seen from both ends
  }
  /// Flips site i; returns its old value.
  int flip(std::size_t i) {
    const int old = s[i];
    std::int64_t around = 0;
    for (const std::size_t j : p.neighbours[i]) around += s[j];
    bond -= 2 * old * around;
    mag -= 2 * old;
    s[i] = -old;
    return old;
  }
  double minus_h() const { return p.K * double(bond) + p.B * double(mag); }
};

template <class Real>
Problem prepare(const ising::Model& model, const rbm::BasicRbm<Real>& rbm) {
  model.validate();
  model.lattice.validate();
  rbm.validate();
  if (rbm.visible != rbm::Units::spin)
    throw ConfigError("visible",
                      "variational RG needs an RBM with spin (±1) visible units, this one has " +
                          rbm::to_string(rbm.visible) + " units");
  const std::size_t sites = model.lattice.sites();
  if (rbm.n_visible() != sites)
    throw ShapeError("vrg: the RBM has " + std::to_string(rbm.n_visible()) +
                     " visible units but the lattice has " + std::to_string(sites) + " sites");
  if (rbm.n_visible() + rbm.n_hidden() > kMaxJointUnits)
    throw ConfigError("L", "exact enumeration of 2^(n_v + n_h) = 2^" +
                               std::to_string(rbm.n_visible() + rbm.n_hidden()) +
                               " joint states is beyond the limit 2^" +
                               std::to_string(kMaxJointUnits) + "; use a smaller lattice or RBM");
  Problem p;
  p.nv = sites;
  p.nh = rbm.n_hidden();
  p.K = model.K();
  p.B = model.B();
  p.neighbours.resize(sites);
  const auto& lat = model.lattice;
  for (int y = 0; y < lat.ly; ++y)
    for (int x = 0; x < lat.lx; ++x) {
      const std::size_t i = std::size_t(y) * lat.lx + x;
      auto bond = [&](std::size_t j) {
        p.neighbours[i].push_back(j);
        p.neighbours[j].push_back(i);
      };
      bond(std::size_t(y) * lat.lx + (x + 1) % lat.lx);
      if (lat.dim == 2) bond(std::size_t((y + 1) % lat.ly) * lat.lx + x);
    }
  p.W.assign(rbm.W.data.begin(), rbm.W.data.end());
  p.a.assign(rbm.visible_bias.begin(), rbm.visible_bias.end());
  p.b.assign(rbm.hidden_bias.begin(), rbm.hidden_bias.end());
  p.hidden = rbm.hidden;
  p.h_low = rbm.hidden == rbm::Units::spin ? -1.0 : 0.0;
  p.h_step = rbm.hidden == rbm::Units::spin ? 2.0 : 1.0;
  return p;
}

/// Per-block results of the v-side pass.
struct VisibleBlock {
  LogSum z;      ///< ln Tr_v e^{−H}, with weighted sum of d = −g(v) (E_P[−g] for KL)
  LogSum z_rbm;  ///< ln Tr_v e^{−F_λ}
  double g_min = kInf, g_max = -kInf;
};

/// v-side: for every v, −F_λ(v) = aᵀv + Σ_j φ_h(b_j + (Wᵀv)_j) and g(v) = −F_λ(v) + H(v).
VisibleBlock visible_block(const Problem& p, std::uint64_t block, int bits) {
  VisibleBlock out;
  VisibleWalk walk(p);
  std::vector<double> x(p.nh);
  double av = 0;
  const std::uint64_t start = block << bits, count = std::uint64_t{1} << bits;
  for (std::uint64_t t = 0; t < count; ++t) {
    if (t == 0) {
      const std::uint64_t k = start;
      walk.set(k ^ (k >> 1));
      av = 0;
      for (std::size_t i = 0; i < p.nv; ++i) av += p.a[i] * walk.s[i];
      for (std::size_t j = 0; j < p.nh; ++j) {
        x[j] = p.b[j];
        for (std::size_t i = 0; i < p.nv; ++i) x[j] += p.W[i * p.nh + j] * walk.s[i];
      }
    } else {
      const auto i = static_cast<std::size_t>(std::countr_zero(t));
      const double old = walk.flip(i);
      av -= 2 * old * p.a[i];
      for (std::size_t j = 0; j < p.nh; ++j) x[j] -= 2 * old * p.W[i * p.nh + j];
    }
    double minus_f = av;
    for (std::size_t j = 0; j < p.nh; ++j) minus_f += rbm::log_unit_sum(p.hidden, x[j]);
    const double minus_h = walk.minus_h();
    const double g = minus_f - minus_h;
    // KL = Σ_v P(v)[ln P − ln p_λ] = E_P[−H + F_λ] − ln Z + ln Z_λ = E_P[−g] − ΔF.
    out.z.add(minus_h, -g);
    out.z_rbm.add(minus_f);
    out.g_min = std::min(out.g_min, g);
    out.g_max = std::max(out.g_max, g);
  }
  return out;
}

/// Per-item results of the h-side pass.
struct HiddenBlock {
  LogSum z_rbm;  ///< ln Tr_h e^{−H^RBM(h)}
  double max_diff = 0;
};

/// h-side: for every h in the item, H^RBM(h) in closed form (Eq. 22) and H^RG(h) (Eq. 20) by
/// summing e^{T(v,h) − H(v)} over all v with T formed first (Eq. 18).
HiddenBlock hidden_block(const Problem& p, std::uint64_t item, int bits, double* h_rbm) {
  HiddenBlock out;
  std::vector<double> hv(p.nh), y(p.nv);
  double bh = 0;
  VisibleWalk walk(p);
  const int vbits = static_cast<int>(std::min<std::size_t>(p.nv, kVisibleBlockBits));
  const std::uint64_t vblocks = std::uint64_t{1} << (p.nv - vbits);
  const std::uint64_t vcount = std::uint64_t{1} << vbits;
  const std::uint64_t start = item << bits, count = std::uint64_t{1} << bits;
  for (std::uint64_t t = 0; t < count; ++t) {
    const std::uint64_t k = start + t, index = k ^ (k >> 1);
    if (t == 0) {
      for (std::size_t j = 0; j < p.nh; ++j) hv[j] = (index >> j) & 1 ? 1.0 : p.h_low;
      bh = 0;
      for (std::size_t j = 0; j < p.nh; ++j) bh += p.b[j] * hv[j];
      for (std::size_t i = 0; i < p.nv; ++i) {
        y[i] = p.a[i];
        for (std::size_t j = 0; j < p.nh; ++j) y[i] += p.W[i * p.nh + j] * hv[j];
      }
    } else {
      const auto j = static_cast<std::size_t>(std::countr_zero(t));
      const double delta = (index >> j) & 1 ? p.h_step : -p.h_step;
      hv[j] += delta;
      bh += delta * p.b[j];
      for (std::size_t i = 0; i < p.nv; ++i) y[i] += delta * p.W[i * p.nh + j];
    }
    // H^RBM(h) = −bᵀh − Σ_i ln 2cosh(a + W h)_i; the largest −E(v, h) is bᵀh + Σ_i |y_i|.
    double minus_h_rbm = bh, shift = bh;
    for (std::size_t i = 0; i < p.nv; ++i) {
      minus_h_rbm += rbm::log_2cosh(y[i]);
      shift += std::abs(y[i]);
    }
    double sum = 0;
    for (std::uint64_t vb = 0; vb < vblocks; ++vb) {
      double vy = 0;
      for (std::uint64_t u = 0; u < vcount; ++u) {
        if (u == 0) {
          const std::uint64_t kv = vb << vbits;
          walk.set(kv ^ (kv >> 1));
          vy = 0;
          for (std::size_t i = 0; i < p.nv; ++i) vy += y[i] * walk.s[i];
        } else {
          const auto i = static_cast<std::size_t>(std::countr_zero(u));
          vy -= 2 * walk.flip(i) * y[i];
        }
        const double minus_e = vy + bh;
        const double h_v = -walk.minus_h();
        // T formed first and H taken off again, so that the check of Eq. 20 is a real one.
        sum += std::exp((t_lambda(minus_e, h_v) - h_v) - shift);
      }
    }
    const double h_rg = -(shift + std::log(sum));
    out.max_diff = std::max(out.max_diff, std::abs(h_rg + minus_h_rbm));
    out.z_rbm.add(minus_h_rbm);
    if (h_rbm != nullptr) h_rbm[index] = -minus_h_rbm;
  }
  return out;
}

}  // namespace

template <class Real>
double t_lambda(const ising::Model& model, const rbm::BasicRbm<Real>& rbm,
                std::span<const std::int8_t> v, std::span<const float> h) {
  model.validate();
  if (rbm.visible != rbm::Units::spin)
    throw ConfigError("visible",
                      "T_lambda needs an RBM with spin (±1) visible units, this one has " +
                          rbm::to_string(rbm.visible) + " units");
  if (v.size() != model.lattice.sites())
    throw ShapeError("T_lambda: " + std::to_string(v.size()) + " spins for a lattice of " +
                     std::to_string(model.lattice.sites()) + " sites");
  const std::vector<float> vf(v.begin(), v.end());
  return t_lambda(-rbm::energy(rbm, vf, h), model.beta() * ising::energy(model, v));
}

template <class Real>
VrgReport evaluate_vrg(const ising::Model& model, const rbm::BasicRbm<Real>& rbm, int threads) {
  const Problem p = prepare(model, rbm);
  VrgReport r;
  r.n_visible = p.nv;
  r.n_hidden = p.nh;

  // v-side pass.
  const int vbits = static_cast<int>(std::min<std::size_t>(p.nv, kVisibleBlockBits));
  const std::size_t vblocks = std::size_t{1} << (p.nv - vbits);
  std::vector<VisibleBlock> vparts(vblocks);
  parallel_for(vblocks, threads, [&](std::size_t c) { vparts[c] = visible_block(p, c, vbits); });
  VisibleBlock v;
  for (const auto& part : vparts) {
    v.z.merge(part.z);
    v.z_rbm.merge(part.z_rbm);
    v.g_min = std::min(v.g_min, part.g_min);
    v.g_max = std::max(v.g_max, part.g_max);
  }

  // h-side pass.
  const int item_bits = static_cast<int>(std::min<std::size_t>(p.nh, kHiddenItemBits));
  const int hbits = static_cast<int>(p.nh) - item_bits;
  const std::size_t items = std::size_t{1} << item_bits;
  if (p.nh <= kMaxListedHidden) r.h_rbm.assign(std::size_t{1} << p.nh, 0.0);
  std::vector<HiddenBlock> hparts(items);
  parallel_for(items, threads, [&](std::size_t c) {
    hparts[c] = hidden_block(p, c, hbits, r.h_rbm.empty() ? nullptr : r.h_rbm.data());
  });
  LogSum z_rbm;
  for (const auto& part : hparts) {
    z_rbm.merge(part.z_rbm);
    r.max_abs_h_rg_minus_h_rbm = std::max(r.max_abs_h_rg_minus_h_rbm, part.max_diff);
  }

  r.log_z = v.z.log();
  r.log_z_rbm = z_rbm.log();
  r.delta_f = r.log_z - r.log_z_rbm;
  // KL with ln Z_λ from the same F_λ values that define p_λ (self-normalised).
  r.kl = v.z.mean() - (r.log_z - v.z_rbm.log());
  r.log_tr_h_exp_t_min = v.g_min;
  r.log_tr_h_exp_t_max = v.g_max;
  return r;
}

nlohmann::json to_json(const VrgReport& r) {
  nlohmann::json out = {{"log_z", r.log_z},
                        {"log_z_rbm", r.log_z_rbm},
                        {"delta_f", r.delta_f},
                        {"kl", r.kl},
                        {"max_abs_h_rg_minus_h_rbm", r.max_abs_h_rg_minus_h_rbm},
                        {"log_tr_h_exp_t_min", r.log_tr_h_exp_t_min},
                        {"log_tr_h_exp_t_max", r.log_tr_h_exp_t_max},
                        {"n_visible", r.n_visible},
                        {"n_hidden", r.n_hidden}};
  if (!r.h_rbm.empty()) out["h_rbm"] = r.h_rbm;
  return out;
}

template double t_lambda(const ising::Model&, const rbm::Rbm&, std::span<const std::int8_t>,
                         std::span<const float>);
template double t_lambda(const ising::Model&, const rbm::Rbm64&, std::span<const std::int8_t>,
                         std::span<const float>);
template VrgReport evaluate_vrg(const ising::Model&, const rbm::Rbm&, int);
template VrgReport evaluate_vrg(const ising::Model&, const rbm::Rbm64&, int);

}  // namespace deeprg::vrg
