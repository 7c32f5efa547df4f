// Likelihood-type scores of an RBM on data: exact log-likelihood given ln Z, pseudo-likelihood,
// reconstruction error; and the choice between exact and AIS estimates of ln Z.
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "deeprg/core/blas.hpp"
#include "deeprg/core/error.hpp"
#include "deeprg/core/parallel.hpp"
#include "deeprg/core/rng.hpp"
#include "deeprg/rbm/estimators.hpp"
#include "deeprg/rbm/unit_functions.hpp"
#include "double_fields.hpp"

namespace deeprg::rbm {

namespace {

template <class Real>
void check_data(const BasicRbm<Real>& rbm, const MatrixF& v, bool need_rows) {
  rbm.validate();
  if (v.cols != rbm.n_visible())
    throw ShapeError("data have " + std::to_string(v.cols) + " visible units, the RBM " +
                     std::to_string(rbm.n_visible()));
  if (need_rows && v.rows == 0) throw ShapeError("no data rows");
}

// Rows per dgemm: bounds the double buffers whatever the data size, and is the unit of work
// that threads share.
constexpr std::size_t kRowChunk = 128;

/// Σ over chunks of rows of chunk_sum(r0, rows), the chunks spread over `threads` threads and
/// their sums added in chunk order, so the bits do not depend on the thread count.
template <class ChunkSum>
double sum_over_chunks(std::size_t n_rows, int threads, ChunkSum chunk_sum) {
  const std::size_t chunks = (n_rows + kRowChunk - 1) / kRowChunk;
  std::vector<double> partial(chunks);
  // BLAS inside the chunks runs on the calling thread; the chunks are the parallelism.
  const SingleThreadedBlas blas;
  parallel_for(chunks, threads, [&](std::size_t c) {
    const std::size_t r0 = c * kRowChunk;
    partial[c] = chunk_sum(r0, std::min(kRowChunk, n_rows - r0));
  });
  double total = 0;
  for (const double p : partial) total += p;
  return total;
}

}  // namespace

template <class Real>
LogZEstimate estimate_log_z(const BasicRbm<Real>& rbm, const std::string& method,
                            const AisOptions& ais, std::size_t exact_limit) {
  const std::size_t smaller = std::min(rbm.n_visible(), rbm.n_hidden());
  const std::size_t limit = std::min(exact_limit, kMaxExactUnits);
  bool exact = false;
  if (method == "exact") {
    check_exact_units(rbm, limit);
    exact = true;
  } else if (method == "auto") {
    exact = smaller <= limit;
  } else if (method != "ais") {
    throw ConfigError("log-z", "method must be 'exact', 'ais' or 'auto', got '" + method + "'");
  }
  if (!exact) return ais_log_z(rbm, ais);
  LogZEstimate est;
  est.log_z = exact_log_z(rbm, ais.threads);
  est.method = "exact";
  return est;
}

template <class Real>
std::vector<double> free_energy(const BasicRbm<Real>& rbm, const MatrixF& v) {
  check_data(rbm, v, false);
  const std::size_t nv = rbm.n_visible(), nh = rbm.n_hidden();
  const DoubleFields fields(rbm);
  std::vector<double> out(v.rows), V, x;
  for (std::size_t r0 = 0; r0 < v.rows; r0 += kRowChunk) {
    const std::size_t rows = std::min(kRowChunk, v.rows - r0);
    fields.hidden(v, r0, rows, V, x);
    for (std::size_t r = 0; r < rows; ++r) {
      double minus_f = 0;
      for (std::size_t i = 0; i < nv; ++i) minus_f += double(rbm.visible_bias[i]) * V[r * nv + i];
      minus_f += sum_log_unit(rbm.hidden, x.data() + r * nh, nh);
      out[r0 + r] = -minus_f;
    }
  }
  return out;
}

template <class Real>
std::vector<double> log_likelihood(const BasicRbm<Real>& rbm, const MatrixF& v, double log_z) {
  std::vector<double> out = free_energy(rbm, v);
  for (double& value : out) value = -value - log_z;
  return out;
}

template <class Real>
double pseudo_log_likelihood(const BasicRbm<Real>& rbm, const MatrixF& v, std::uint64_t seed,
                             int threads) {
  check_data(rbm, v, true);
  const std::size_t nv = rbm.n_visible(), nh = rbm.n_hidden();
  if (nv == 0) throw ShapeError("pseudo-likelihood of an RBM without visible units");
  const double lo = rbm.visible == Units::spin ? -1.0 : 0.0;
  for (const float value : v.data)
    if (value != lo && value != 1.0f)
      throw ConfigError("data", "pseudo-likelihood needs " + to_string(rbm.visible) +
                                    " data, found the value " + std::to_string(value));
  const bool every_unit = v.rows * nv <= kPseudoLikelihoodExhaustive;
  const DoubleFields fields(rbm);
  const double total = sum_over_chunks(v.rows, threads, [&](std::size_t r0, std::size_t rows) {
    std::vector<double> V, x, shifted(nh);
    fields.hidden(v, r0, rows, V, x);
    double sum = 0;
    for (std::size_t r = 0; r < rows; ++r) {
      const double* xr = x.data() + r * nh;
      const double base = sum_log_unit(rbm.hidden, xr, nh);  // Σ_j φ(x_j)
      // ln p(v_i | v_−i) = −softplus(F(v) − F(v')), v' = v with unit i at its other value.
      auto log_conditional = [&](std::size_t i) {
        const double vi = V[r * nv + i];
        const double delta = (vi == lo ? 1.0 : lo) - vi;  // v'_i − v_i
        const Real* wi = rbm.W.data.data() + i * nh;
        for (std::size_t j = 0; j < nh; ++j) shifted[j] = xr[j] + delta * wi[j];
        const double flipped = sum_log_unit(rbm.hidden, shifted.data(), nh);  // Σ_j φ(x_j + δ W_ij)
        const double dF = double(rbm.visible_bias[i]) * delta - (base - flipped);
        return -softplus(dF);
      };
      if (every_unit) {
        double row_sum = 0;
        for (std::size_t i = 0; i < nv; ++i) row_sum += log_conditional(i);
        sum += row_sum / double(nv);
      } else {
        Rng rng(seed, r0 + r);
        sum += log_conditional(static_cast<std::size_t>(rng.below(nv)));
      }
    }
    return sum;
  });
  return total / double(v.rows);
}

double reconstruction_error(const Rbm& rbm, const MatrixF& v, int threads) {
  check_data(rbm, v, true);
  const std::size_t nv = rbm.n_visible();
  const double total = sum_over_chunks(v.rows, threads, [&](std::size_t r0, std::size_t rows) {
    MatrixF batch(rows, nv), h, y;
    std::copy(v.data.begin() + static_cast<std::ptrdiff_t>(r0 * nv),
              v.data.begin() + static_cast<std::ptrdiff_t>((r0 + rows) * nv), batch.data.begin());
    hidden_activation(rbm, batch, h);
    mean_from_activation(rbm.hidden, h);
    visible_activation(rbm, h, y);
    mean_from_activation(rbm.visible, y);
    double sum = 0;
    for (std::size_t k = 0; k < batch.data.size(); ++k) {
      const double diff = double(batch.data[k]) - double(y.data[k]);
      sum += diff * diff;
    }
    return sum;
  });
  return nv == 0 ? 0.0 : total / (double(v.rows) * double(nv));
}

template LogZEstimate estimate_log_z(const Rbm&, const std::string&, const AisOptions&,
                                     std::size_t);
template LogZEstimate estimate_log_z(const Rbm64&, const std::string&, const AisOptions&,
                                     std::size_t);
template std::vector<double> free_energy(const Rbm&, const MatrixF&);
template std::vector<double> free_energy(const Rbm64&, const MatrixF&);
template std::vector<double> log_likelihood(const Rbm&, const MatrixF&, double);
template std::vector<double> log_likelihood(const Rbm64&, const MatrixF&, double);
template double pseudo_log_likelihood(const Rbm&, const MatrixF&, std::uint64_t, int);
template double pseudo_log_likelihood(const Rbm64&, const MatrixF&, std::uint64_t, int);

}  // namespace deeprg::rbm
