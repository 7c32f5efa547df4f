// Exact enumeration of RBMs: ln Z and the exact log-likelihood gradient, by summing the smaller
// layer state by state and the other one in closed form.
#include <cblas.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "deeprg/core/error.hpp"
#include "deeprg/core/log_sum_exp.hpp"
#include "deeprg/core/parallel.hpp"
#include "deeprg/rbm/estimators.hpp"
#include "deeprg/rbm/unit_functions.hpp"
#include "double_fields.hpp"

namespace deeprg::rbm {

namespace {

double low_value(Units u) { return u == Units::spin ? -1.0 : 0.0; }
double step_value(Units u) { return u == Units::spin ? 2.0 : 1.0; }

/// The RBM seen from the layer that is enumerated (E, the smaller one; hidden on a tie) and
/// the layer summed in closed form (O): ln Z = ln Σ_s e^{c_Eᵀs + Σ_o φ_O((c_O + Mᵀs)_o)}.
struct Oriented {
  std::size_t ne = 0, no = 0;
  Units ue = Units::bernoulli, uo = Units::bernoulli;
  bool hidden_enumerated = true;
  std::vector<double> M;  ///< ne × no, row e = couplings of enumerated unit e
  std::vector<double> ce, co;
};

}  // namespace

template <class Real>
void check_exact_units(const BasicRbm<Real>& rbm, std::size_t limit) {
  limit = std::min(limit, kMaxExactUnits);
  const std::size_t nv = rbm.n_visible(), nh = rbm.n_hidden();
  if (std::min(nv, nh) <= limit) return;
  throw ConfigError("log-z", "exact ln Z enumerates the smaller layer, at most " +
                                 std::to_string(limit) + " units; this RBM has " +
                                 std::to_string(nv) + " visible and " + std::to_string(nh) +
                                 " hidden units (use AIS)");
}

namespace {

template <class Real>
Oriented orient(const BasicRbm<Real>& rbm) {
  rbm.validate();
  Oriented o;
  const std::size_t nv = rbm.n_visible(), nh = rbm.n_hidden();
  o.hidden_enumerated = nh <= nv;
  o.ne = std::min(nv, nh);
  o.no = std::max(nv, nh);
  check_exact_units(rbm);
  o.M.resize(o.ne * o.no);
  if (o.hidden_enumerated) {
    o.ue = rbm.hidden;
    o.uo = rbm.visible;
    for (std::size_t i = 0; i < nv; ++i)
      for (std::size_t j = 0; j < nh; ++j) o.M[j * nv + i] = rbm.W(i, j);
    o.ce.assign(rbm.hidden_bias.begin(), rbm.hidden_bias.end());
    o.co.assign(rbm.visible_bias.begin(), rbm.visible_bias.end());
  } else {
    o.ue = rbm.visible;
    o.uo = rbm.hidden;
    o.M.assign(rbm.W.data.begin(), rbm.W.data.end());
    o.ce.assign(rbm.visible_bias.begin(), rbm.visible_bias.end());
    o.co.assign(rbm.hidden_bias.begin(), rbm.hidden_bias.end());
  }
  return o;
}

// Blocks of 2^12 states: small enough that the multiplicative updates below drift by at most a
// few thousand roundings before being recomputed, large enough that the O(ne·no) set-up of a
// block is negligible. Fixed, so the result does not depend on the thread count.
constexpr int kBlockBits = 12;
// The other layer is processed in groups of 16 doubles (two AVX-512 vectors).
constexpr std::size_t kLanes = 16;
// Largest |κ f| for which e^{κ f} is kept as a number (e^±600 is far from overflow/subnormals).
constexpr double kExpLimit = 600;
// Largest ln of a product of factors (1 + e^{κ f}) taken before one logarithm (e^709 overflows).
constexpr double kChunkBudget = 600;

struct Chunk {
  std::size_t begin = 0, end = 0;  ///< lane groups
  bool per_lane_logs = false;      ///< one group whose full product could overflow
};

/// Precomputed tables for the Gray-code walk over the enumerated layer.
struct Plan {
  const Oriented* o = nullptr;
  int block_bits = 0;
  double lo = 0, d = 1;  ///< enumerated alphabet {lo, lo + d}
  // Multiplicative path: g_o = e^{κ f_o}, Σ_o φ_O(f_o) = −[O spin] Σ_o f_o + Σ_o ln(1 + g_o),
  // since ln 2cosh f = ln(1 + e^{2f}) − f. A flip multiplies g by a tabulated factor, and within
  // a sub-block of 2^sub_bits states the weights relative to the sub-block's first state,
  //   e^{L − L_ref} Π_o (1 + g_o) / (1 + g_o,ref),
  // stay within e^{±kExpLimit}, so they are summed as plain numbers: a state costs a few
  // multiplies per unit and no transcendental function at all.
  bool multiplicative = false;
  double kappa = 1;
  int sub_bits = 0;
  std::size_t padded = 0;         ///< no rounded up to kLanes
  std::vector<double> up;         ///< ne × padded: e^{κ d M_eo} (1 on padding)
  std::vector<double> down;       ///< its inverse
  std::vector<double> dlin;       ///< per e: change of the linear part L when unit e goes up
  std::vector<double> exp_dlin;   ///< e^{dlin}
  std::vector<double> exp_mdlin;  ///< e^{−dlin}
  std::vector<Chunk> chunks;      ///< for ln Π_o (1 + g_o) at the start of each sub-block
};

Plan make_plan(const Oriented& o) {
  Plan p;
  p.o = &o;
  p.block_bits = static_cast<int>(std::min<std::size_t>(o.ne, kBlockBits));
  p.lo = low_value(o.ue);
  p.d = step_value(o.ue);
  const bool spin_o = o.uo == Units::spin;
  p.kappa = spin_o ? 2.0 : 1.0;
  // Range of κ f_o over all states of the enumerated layer.
  std::vector<double> f_max(o.no);
  double extreme = 0;
  for (std::size_t k = 0; k < o.no; ++k) {
    double hi = o.co[k], lo = o.co[k];
    for (std::size_t e = 0; e < o.ne; ++e) {
      const double a = p.lo * o.M[e * o.no + k], b = (p.lo + p.d) * o.M[e * o.no + k];
      hi += std::max(a, b);
      lo += std::min(a, b);
    }
    f_max[k] = p.kappa * hi;
    extreme = std::max({extreme, std::abs(p.kappa * hi), std::abs(p.kappa * lo)});
  }
  p.multiplicative = extreme <= kExpLimit;
  if (!p.multiplicative) return p;

  p.padded = (o.no + kLanes - 1) / kLanes * kLanes;
  p.up.assign(o.ne * p.padded, 1.0);
  p.down.assign(o.ne * p.padded, 1.0);
  p.dlin.resize(o.ne);
  p.exp_dlin.resize(o.ne);
  p.exp_mdlin.resize(o.ne);
  // variation[e]: bound on how much ln of a weight moves when unit e flips.
  std::vector<double> variation(o.ne);
  for (std::size_t e = 0; e < o.ne; ++e) {
    double row_sum = 0, row_abs = 0;
    for (std::size_t k = 0; k < o.no; ++k) {
      const double m = o.M[e * o.no + k];
      p.up[e * p.padded + k] = std::exp(p.kappa * p.d * m);
      p.down[e * p.padded + k] = std::exp(-p.kappa * p.d * m);
      row_sum += m;
      row_abs += std::abs(m);
    }
    p.dlin[e] = p.d * (o.ce[e] - (spin_o ? row_sum : 0.0));
    p.exp_dlin[e] = std::exp(p.dlin[e]);
    p.exp_mdlin[e] = std::exp(-p.dlin[e]);
    // |Δ ln(1 + g)| ≤ |Δ κ f|, and L and the product are bounded separately.
    variation[e] = std::abs(p.dlin[e]) + p.kappa * p.d * row_abs;
  }
  // The largest sub-block whose relative weights stay within e^±kExpLimit.
  double total = 0;
  while (p.sub_bits < p.block_bits) {
    total += variation[static_cast<std::size_t>(p.sub_bits)];
    if (total > kExpLimit) break;
    ++p.sub_bits;
  }
  // Greedy chunks of lane groups whose product (1 + g) stays below e^kChunkBudget.
  const std::size_t groups = p.padded / kLanes;
  Chunk current;
  double budget = 0;
  for (std::size_t g = 0; g < groups; ++g) {
    double bound = 0;
    for (std::size_t k = g * kLanes; k < std::min(o.no, (g + 1) * kLanes); ++k)
      bound += softplus(f_max[k]);
    if (bound > kChunkBudget) {
      if (current.end > current.begin) p.chunks.push_back(current);
      p.chunks.push_back({g, g + 1, true});
      current = {g + 1, g + 1, false};
      budget = 0;
      continue;
    }
    if (budget + bound > kChunkBudget) {
      p.chunks.push_back(current);
      current = {g, g, false};
      budget = 0;
    }
    current.end = g + 1;
    budget += bound;
  }
  if (current.end > current.begin) p.chunks.push_back(current);
  return p;
}

/// Π over 16 lanes by a fixed tree (vectorises; no overflow in the cases it is used for).
double lane_product(std::array<double, kLanes>& acc) {
  for (std::size_t l = 0; l < 8; ++l) acc[l] *= acc[l + 8];
  for (std::size_t l = 0; l < 4; ++l) acc[l] *= acc[l + 4];
  for (std::size_t l = 0; l < 2; ++l) acc[l] *= acc[l + 2];
  return acc[0] * acc[1];
}

/// Σ_o ln(1 + g_o), one logarithm per chunk (per lane in chunks that could overflow).
double log_product(const Plan& p, const double* g) {
  double v = 0;
  for (const Chunk& c : p.chunks) {
    std::array<double, kLanes> acc;
    acc.fill(1.0);
    for (std::size_t grp = c.begin; grp < c.end; ++grp) {
      const double* q = g + grp * kLanes;
      for (std::size_t l = 0; l < kLanes; ++l) acc[l] *= 1.0 + q[l];
    }
    if (c.per_lane_logs) {
      for (std::size_t l = 0; l < kLanes; ++l) v += std::log(acc[l]);
    } else {
      v += std::log(lane_product(acc));
    }
  }
  return v;
}

/// Running log-sum-exp: m + ln s.
struct LogSum {
  double m = -std::numeric_limits<double>::infinity();
  double s = 0;
  void add(double x) {
    if (x > m) {
      s = s * std::exp(m - x) + 1;
      m = x;
    } else {
      s += std::exp(x - m);
    }
  }
  double value() const { return s > 0 ? m + std::log(s) : m; }
};

/// ln Σ over the 2^block_bits states of block `block` (its high bits), walked in Gray order.
double block_log_sum(const Plan& p, std::uint64_t block) {
  const Oriented& o = *p.o;
  const int bb = p.block_bits;
  // The starting state: low bits zero, high bits from the block index.
  std::vector<double> s(o.ne, p.lo);
  for (std::size_t e = static_cast<std::size_t>(bb); e < o.ne; ++e)
    if ((block >> (e - static_cast<std::size_t>(bb))) & 1) s[e] = p.lo + p.d;
  std::vector<double> f(o.co);
  double linear = 0;
  for (std::size_t e = 0; e < o.ne; ++e) {
    linear += o.ce[e] * s[e];
    if (s[e] == 0) continue;
    const double* row = o.M.data() + e * o.no;
    for (std::size_t k = 0; k < o.no; ++k) f[k] += s[e] * row[k];
  }
  std::uint64_t bits = 0;  // low bits currently at the high value
  const std::uint64_t count = std::uint64_t{1} << bb;
  LogSum sum;

  if (!p.multiplicative) {
    // Direct path for extreme fields: stable φ per unit.
    const double dm = p.d;
    auto value = [&] {
      double v = linear;
      for (std::size_t k = 0; k < o.no; ++k) v += log_unit_sum(o.uo, f[k]);
      return v;
    };
    sum.add(value());
    for (std::uint64_t i = 1; i < count; ++i) {
      const int e = std::countr_zero(i);
      const double sign = (bits >> e) & 1 ? -dm : dm;
      bits ^= std::uint64_t{1} << e;
      const double* row = o.M.data() + static_cast<std::size_t>(e) * o.no;
      for (std::size_t k = 0; k < o.no; ++k) f[k] += sign * row[k];
      linear += sign * o.ce[static_cast<std::size_t>(e)];
      sum.add(value());
    }
    return sum.value();
  }

  std::vector<double> g(p.padded, 0.0), inv(p.padded, 1.0);  // padding: factors 1 + 0
  for (std::size_t k = 0; k < o.no; ++k) g[k] = std::exp(p.kappa * f[k]);
  if (o.uo == Units::spin)
    for (std::size_t k = 0; k < o.no; ++k) linear -= f[k];
  double* gp = g.data();
  double* ip = inv.data();
  const std::size_t padded = p.padded, groups = padded / kLanes;
  const std::uint64_t sub_mask = (std::uint64_t{1} << p.sub_bits) - 1;
  double log_ref = 0, rel_linear = 1, rel_sum = 0;
  for (std::uint64_t i = 0; i < count; ++i) {
    if (i > 0) {
      const auto e = static_cast<std::size_t>(std::countr_zero(i));
      const bool going_down = (bits >> e) & 1;
      bits ^= std::uint64_t{1} << e;
      const double* t = (going_down ? p.down.data() : p.up.data()) + e * padded;
      for (std::size_t k = 0; k < padded; ++k) gp[k] *= t[k];
      linear += going_down ? -p.dlin[e] : p.dlin[e];
      rel_linear *= going_down ? p.exp_mdlin[e] : p.exp_dlin[e];
    }
    if ((i & sub_mask) == 0) {  // a new sub-block: new reference state
      if (i > 0) sum.add(log_ref + std::log(rel_sum));
      log_ref = linear + log_product(p, gp);
      for (std::size_t k = 0; k < padded; ++k) ip[k] = 1.0 / (1.0 + gp[k]);
      rel_linear = 1;
      rel_sum = 0;
    }
    std::array<double, kLanes> acc;
    acc.fill(1.0);
    for (std::size_t grp = 0; grp < groups; ++grp) {
      const double* q = gp + grp * kLanes;
      const double* r = ip + grp * kLanes;
      for (std::size_t l = 0; l < kLanes; ++l) acc[l] *= (1.0 + q[l]) * r[l];
    }
    rel_sum += rel_linear * lane_product(acc);
  }
  sum.add(log_ref + std::log(rel_sum));
  return sum.value();
}

}  // namespace

template <class Real>
double exact_log_z(const BasicRbm<Real>& rbm, int threads) {
  const Oriented o = orient(rbm);
  const Plan plan = make_plan(o);
  const std::uint64_t blocks = std::uint64_t{1}
                               << (o.ne - static_cast<std::size_t>(plan.block_bits));
  std::vector<double> partial(blocks);
  parallel_for(blocks, threads, [&](std::size_t b) { partial[b] = block_log_sum(plan, b); });
  // Combined in block order: the same floating-point operations for any thread count.
  return log_sum_exp(partial);
}

template <class Real>
Gradient exact_log_likelihood_gradient(const BasicRbm<Real>& rbm, const MatrixF& data,
                                       int threads) {
  const Oriented o = orient(rbm);
  const std::size_t nv = rbm.n_visible(), nh = rbm.n_hidden();
  if (data.cols != nv)
    throw ShapeError("data have " + std::to_string(data.cols) + " visible units, the RBM " +
                     std::to_string(nv));
  if (data.rows == 0) throw ShapeError("the log-likelihood gradient needs at least one data row");
  const double log_z = exact_log_z(rbm, threads);

  // ---- model averages: Σ_s p(s) s, Σ_s p(s) E[o | s], Σ_s p(s) s E[o | s]ᵀ.
  const std::size_t ne = o.ne, no = o.no;
  const int item_bits = ne > 8 ? static_cast<int>(ne) - 8 : 0;  // at most 256 fixed items
  const std::uint64_t items = std::uint64_t{1} << (ne - static_cast<std::size_t>(item_bits));
  const std::uint64_t per_item = std::uint64_t{1} << item_bits;
  const std::size_t batch = static_cast<std::size_t>(std::min<std::uint64_t>(per_item, 1024));
  const std::size_t acc_size = ne + no + ne * no;
  std::vector<double> acc(items * acc_size, 0.0);
  const double lo = low_value(o.ue), d = step_value(o.ue);

  parallel_for(items, threads, [&](std::size_t item) {
    double* a_s = acc.data() + item * acc_size;
    double* a_m = a_s + ne;
    double* a_sm = a_m + no;
    std::vector<double> S(batch * ne), F(batch * no), p(batch);
    for (std::uint64_t first = 0; first < per_item; first += batch) {
      const std::uint64_t base = item * per_item + first;
      for (std::size_t r = 0; r < batch; ++r)
        for (std::size_t e = 0; e < ne; ++e) S[r * ne + e] = lo + d * double(((base + r) >> e) & 1);
      for (std::size_t r = 0; r < batch; ++r)
        std::copy(o.co.begin(), o.co.end(), F.begin() + r * no);
      if (ne > 0 && no > 0)
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, int(batch), int(no), int(ne), 1.0,
                    S.data(), int(ne), o.M.data(), int(no), 1.0, F.data(), int(no));
      for (std::size_t r = 0; r < batch; ++r) {
        double lw = 0;
        for (std::size_t e = 0; e < ne; ++e) lw += o.ce[e] * S[r * ne + e];
        for (std::size_t k = 0; k < no; ++k) {
          double& fk = F[r * no + k];
          lw += log_unit_sum(o.uo, fk);
          fk = unit_mean(o.uo, fk);  // F now holds E[o | s]
        }
        p[r] = std::exp(lw - log_z);
        for (std::size_t e = 0; e < ne; ++e) {
          a_s[e] += p[r] * S[r * ne + e];
          S[r * ne + e] *= p[r];
        }
        for (std::size_t k = 0; k < no; ++k) a_m[k] += p[r] * F[r * no + k];
      }
      if (ne > 0 && no > 0)
        cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, int(ne), int(no), int(batch), 1.0,
                    S.data(), int(ne), F.data(), int(no), 1.0, a_sm, int(no));
    }
  });
  std::vector<double> model(acc_size, 0.0);
  for (std::uint64_t item = 0; item < items; ++item)
    for (std::size_t k = 0; k < acc_size; ++k) model[k] += acc[item * acc_size + k];
  const double* m_s = model.data();
  const double* m_o = m_s + ne;
  const double* m_so = m_o + no;

  // ---- data averages, in double, in chunks of rows.
  Gradient grad;
  grad.W = MatrixD(nv, nh);
  grad.visible_bias.assign(nv, 0.0);
  grad.hidden_bias.assign(nh, 0.0);
  const DoubleFields fields(rbm);
  constexpr std::size_t kRows = 1024;
  std::vector<double> V, X;
  for (std::size_t r0 = 0; r0 < data.rows; r0 += kRows) {
    const std::size_t rows = std::min(kRows, data.rows - r0);
    fields.hidden(data, r0, rows, V, X);
    for (auto& x : X) x = unit_mean(rbm.hidden, x);
    for (std::size_t r = 0; r < rows; ++r) {
      for (std::size_t i = 0; i < nv; ++i) grad.visible_bias[i] += V[r * nv + i];
      for (std::size_t j = 0; j < nh; ++j) grad.hidden_bias[j] += X[r * nh + j];
    }
    if (nv > 0 && nh > 0)
      cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, int(nv), int(nh), int(rows), 1.0,
                  V.data(), int(nv), X.data(), int(nh), 1.0, grad.W.data.data(), int(nh));
  }
  const double inv_n = 1.0 / double(data.rows);
  for (auto& x : grad.W.data) x *= inv_n;
  for (auto& x : grad.visible_bias) x *= inv_n;
  for (auto& x : grad.hidden_bias) x *= inv_n;

  // ---- data − model, mapped back from (enumerated, other) to (visible, hidden).
  for (std::size_t i = 0; i < nv; ++i)
    for (std::size_t j = 0; j < nh; ++j)
      grad.W(i, j) -= o.hidden_enumerated ? m_so[j * no + i] : m_so[i * no + j];
  for (std::size_t i = 0; i < nv; ++i)
    grad.visible_bias[i] -= o.hidden_enumerated ? m_o[i] : m_s[i];
  for (std::size_t j = 0; j < nh; ++j) grad.hidden_bias[j] -= o.hidden_enumerated ? m_s[j] : m_o[j];
  return grad;
}

template void check_exact_units(const Rbm&, std::size_t);
template void check_exact_units(const Rbm64&, std::size_t);
template double exact_log_z(const Rbm&, int);
template double exact_log_z(const Rbm64&, int);
template Gradient exact_log_likelihood_gradient(const Rbm&, const MatrixF&, int);
template Gradient exact_log_likelihood_gradient(const Rbm64&, const MatrixF&, int);

}  // namespace deeprg::rbm
