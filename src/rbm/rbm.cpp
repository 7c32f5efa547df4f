#include "deeprg/rbm/rbm.hpp"
#include "deeprg/rbm/unit_functions.hpp"

#include <cmath>

#include "deeprg/core/error.hpp"
#include "deeprg/core/matmul.hpp"

namespace deeprg::rbm {

namespace {

float sigmoid(float x) { return 1.0f / (1.0f + std::exp(-x)); }

/// Substitutes s = 2u − 1 (to_bernoulli) or u = (s + 1)/2 on the visible side of (W, a, b);
/// returns the constant c with ln Z_new = ln Z_old + c.
template <class Real>
double convert_visible(Matrix<Real>& W, std::vector<Real>& a, std::vector<Real>& b,
                       bool to_bernoulli) {
  const std::size_t nv = W.rows, nh = W.cols;
  double sum_a = 0;
  for (const Real ai : a) sum_a += ai;
  if (to_bernoulli) {
    // sᵀWh + aᵀs = uᵀ(2W)h + (2a)ᵀu − (Wᵀ1)ᵀh − Σa
    for (std::size_t j = 0; j < nh; ++j) {
      double col = 0;
      for (std::size_t i = 0; i < nv; ++i) col += W(i, j);
      b[j] -= static_cast<Real>(col);
    }
    for (auto& w : W.data) w *= 2;
    for (auto& ai : a) ai *= 2;
    return sum_a;
  }
  // uᵀWh + aᵀu = sᵀ(W/2)h + (a/2)ᵀs + (Wᵀ1/2)ᵀh + Σa/2
  for (std::size_t j = 0; j < nh; ++j) {
    double col = 0;
    for (std::size_t i = 0; i < nv; ++i) col += W(i, j);
    b[j] += static_cast<Real>(col / 2);
  }
  for (auto& w : W.data) w /= 2;
  for (auto& ai : a) ai /= 2;
  return -sum_a / 2;
}

template <class Real>
Matrix<Real> transposed(const Matrix<Real>& m) {
  Matrix<Real> t(m.cols, m.rows);
  for (std::size_t i = 0; i < m.rows; ++i)
    for (std::size_t j = 0; j < m.cols; ++j) t(j, i) = m(i, j);
  return t;
}

}  // namespace

std::string to_string(Units units) { return units == Units::spin ? "spin" : "bernoulli"; }

Units parse_units(const std::string& name, const std::string& key) {
  if (name == "bernoulli") return Units::bernoulli;
  if (name == "spin") return Units::spin;
  throw ConfigError(key,
                    "unit type must be 'bernoulli' ({0,1}) or 'spin' (±1), got '" + name + "'");
}

template <class Real>
void BasicRbm<Real>::validate() const {
  if (W.data.size() != W.rows * W.cols) throw ShapeError("RBM: W has inconsistent storage");
  if (visible_bias.size() != W.rows)
    throw ShapeError("RBM: visible_bias has " + std::to_string(visible_bias.size()) +
                     " entries, W has " + std::to_string(W.rows) + " rows");
  if (hidden_bias.size() != W.cols)
    throw ShapeError("RBM: hidden_bias has " + std::to_string(hidden_bias.size()) +
                     " entries, W has " + std::to_string(W.cols) + " columns");
  auto check = [](const std::vector<Real>& values, const char* name) {
    for (const Real x : values)
      if (!std::isfinite(x))
        throw ConfigError("parameters", std::string(name) + " contains NaN or Inf");
  };
  check(W.data, "W");
  check(visible_bias, "visible_bias");
  check(hidden_bias, "hidden_bias");
}

template <class To, class From>
BasicRbm<To> rbm_cast(const BasicRbm<From>& rbm) {
  BasicRbm<To> out(0, 0, rbm.visible, rbm.hidden);
  out.meta = rbm.meta;
  auto convert = [](const std::vector<From>& in, std::vector<To>& values, const char* name) {
    values.resize(in.size());
    for (std::size_t k = 0; k < in.size(); ++k) {
      values[k] = static_cast<To>(in[k]);
      if (std::isfinite(in[k]) && !std::isfinite(values[k]))
        throw ConfigError("parameters", std::string(name) + " value " + std::to_string(in[k]) +
                                            " at index " + std::to_string(k) +
                                            " overflows float32");
    }
  };
  out.W.rows = rbm.W.rows;
  out.W.cols = rbm.W.cols;
  convert(rbm.W.data, out.W.data, "W");
  convert(rbm.visible_bias, out.visible_bias, "visible_bias");
  convert(rbm.hidden_bias, out.hidden_bias, "hidden_bias");
  return out;
}

template <class Real>
double energy(const BasicRbm<Real>& rbm, std::span<const float> v, std::span<const float> h) {
  if (v.size() != rbm.n_visible() || h.size() != rbm.n_hidden())
    throw ShapeError("energy: configuration sizes do not match the RBM");
  double e = 0;
  for (std::size_t i = 0; i < rbm.n_visible(); ++i) {
    double wh = 0;
    for (std::size_t j = 0; j < rbm.n_hidden(); ++j) wh += double(rbm.W(i, j)) * h[j];
    e -= v[i] * (wh + rbm.visible_bias[i]);
  }
  for (std::size_t j = 0; j < rbm.n_hidden(); ++j) e -= double(rbm.hidden_bias[j]) * h[j];
  return e;
}

void hidden_activation(const Rbm& rbm, const MatrixF& v, MatrixF& x) {
  if (v.cols != rbm.n_visible())
    throw ShapeError("data have " + std::to_string(v.cols) + " visible units, the RBM " +
                     std::to_string(rbm.n_visible()));
  x.rows = v.rows;
  x.cols = rbm.n_hidden();
  x.data.resize(x.rows * x.cols);
  for (std::size_t r = 0; r < x.rows; ++r)
    std::copy(rbm.hidden_bias.begin(), rbm.hidden_bias.end(), x.row(r).begin());
  if (v.rows == 0 || x.cols == 0) return;
  const Matmul product(
      {.m = v.rows, .n = x.cols, .k = v.cols, .lda = v.cols, .ldb = x.cols, .ldc = x.cols},
      Precision::fp32, 1.0f, 1.0f);
  product(v.data.data(), rbm.W.data.data(), x.data.data());
}

void visible_activation(const Rbm& rbm, const MatrixF& h, MatrixF& y) {
  if (h.cols != rbm.n_hidden())
    throw ShapeError("hidden batch has " + std::to_string(h.cols) + " units, the RBM " +
                     std::to_string(rbm.n_hidden()));
  y.rows = h.rows;
  y.cols = rbm.n_visible();
  y.data.resize(y.rows * y.cols);
  for (std::size_t r = 0; r < y.rows; ++r)
    std::copy(rbm.visible_bias.begin(), rbm.visible_bias.end(), y.row(r).begin());
  if (h.rows == 0 || y.cols == 0) return;
  const Matmul product({.m = h.rows,
                        .n = y.cols,
                        .k = h.cols,
                        .transpose_b = true,
                        .lda = h.cols,
                        .ldb = h.cols,
                        .ldc = y.cols},
                       Precision::fp32, 1.0f, 1.0f);
  product(h.data.data(), rbm.W.data.data(), y.data.data());
}

void mean_from_activation(Units units, MatrixF& x) {
  if (units == Units::spin) {
    for (auto& value : x.data) value = std::tanh(value);
  } else {
    for (auto& value : x.data) value = sigmoid(value);
  }
}

void sample_from_activation(Units units, MatrixF& x, std::span<Rng> row_rngs) {
  if (row_rngs.size() != x.rows) throw ShapeError("one random stream per batch row is needed");
  const float scale = units == Units::spin ? 2.0f : 1.0f;
  const float low = units == Units::spin ? -1.0f : 0.0f;
  for (std::size_t r = 0; r < x.rows; ++r) {
    Rng& rng = row_rngs[r];
    for (auto& value : x.row(r)) {
      const float p = sigmoid(scale * value);
      // 24 random bits: the resolution of a float in [0, 1).
      const float u = static_cast<float>(rng() >> 40) * 0x1.0p-24f;
      value = u < p ? 1.0f : low;
    }
  }
}

template <class Real>
BasicRbm<Real> convert_units(const BasicRbm<Real>& rbm, Units visible, Units hidden) {
  BasicRbm<Real> out = rbm;
  double c = 0;
  if (rbm.visible != visible)
    c += convert_visible(out.W, out.visible_bias, out.hidden_bias, visible == Units::bernoulli);
  if (rbm.hidden != hidden) {
    // The hidden side is the visible side of the transposed machine.
    Matrix<Real> wt = transposed(out.W);
    c += convert_visible(wt, out.hidden_bias, out.visible_bias, hidden == Units::bernoulli);
    out.W = transposed(wt);
  }
  out.visible = visible;
  out.hidden = hidden;
  if (!out.meta.is_object()) out.meta = nlohmann::json::object();
  const double previous = out.meta.contains("log_z_shift") && out.meta["log_z_shift"].is_number()
                              ? out.meta["log_z_shift"].template get<double>()
                              : 0.0;
  out.meta["log_z_shift"] = previous + c;
  return out;
}

MatrixF spins_to_visible(std::span<const std::int8_t> spins, std::size_t n_samples,
                         std::size_t n_visible, Units units) {
  if (spins.size() != n_samples * n_visible)
    throw ShapeError("spin data hold " + std::to_string(spins.size()) + " values, expected " +
                     std::to_string(n_samples) + " x " + std::to_string(n_visible));
  MatrixF v(n_samples, n_visible);
  for (std::size_t k = 0; k < spins.size(); ++k)
    v.data[k] = units == Units::spin ? float(spins[k]) : (spins[k] > 0 ? 1.0f : 0.0f);
  return v;
}

template struct BasicRbm<float>;
template struct BasicRbm<double>;
template Rbm rbm_cast<float>(const Rbm&);
template Rbm rbm_cast<float>(const Rbm64&);
template Rbm64 rbm_cast<double>(const Rbm&);
template Rbm64 rbm_cast<double>(const Rbm64&);
template double energy(const Rbm&, std::span<const float>, std::span<const float>);
template double energy(const Rbm64&, std::span<const float>, std::span<const float>);
template Rbm convert_units(const Rbm&, Units, Units);
template Rbm64 convert_units(const Rbm64&, Units, Units);

}  // namespace deeprg::rbm
