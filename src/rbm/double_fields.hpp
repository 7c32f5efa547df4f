#pragma once
// The fields x = b + Wᵀv of an RBM in double, for the estimators that must not lose precision
// (free energies, likelihoods, the exact gradient's data term), whatever the RBM's storage.
#include <cblas.h>

#include <algorithm>
#include <cstddef>
#include <vector>

#include "deeprg/rbm/rbm.hpp"

namespace deeprg::rbm {

/// W and b of one RBM widened to double once, then x for any chunk of data rows.
class DoubleFields {
 public:
  template <class Real>
  explicit DoubleFields(const BasicRbm<Real>& rbm)
      : nv_(rbm.n_visible()),
        nh_(rbm.n_hidden()),
        W_(rbm.W.data.begin(), rbm.W.data.end()),
        b_(rbm.hidden_bias.begin(), rbm.hidden_bias.end()) {}

  /// V = rows [r0, r0 + rows) of v widened to double (rows × n_v), x = b + Wᵀv (rows × n_h), by
  /// one dgemm on the calling thread's BLAS.
  void hidden(const MatrixF& v, std::size_t r0, std::size_t rows, std::vector<double>& V,
              std::vector<double>& x) const {
    V.assign(v.data.begin() + static_cast<std::ptrdiff_t>(r0 * nv_),
             v.data.begin() + static_cast<std::ptrdiff_t>((r0 + rows) * nv_));
    x.resize(rows * nh_);
    for (std::size_t r = 0; r < rows; ++r) std::copy(b_.begin(), b_.end(), x.begin() + r * nh_);
    if (rows > 0 && nv_ > 0 && nh_ > 0)
      cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, int(rows), int(nh_), int(nv_), 1.0,
                  V.data(), int(nv_), W_.data(), int(nh_), 1.0, x.data(), int(nh_));
  }

 private:
  std::size_t nv_, nh_;
  std::vector<double> W_, b_;
};

}  // namespace deeprg::rbm
