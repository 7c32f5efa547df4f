// Small dense linear algebra for MCRG: B⁻¹A and the eigenvalues of a non-symmetric matrix.
// The matrices are at most ~10×10, so clarity and robustness matter more than speed; LAPACK is
// not a dependency of deeprg (only CBLAS is), hence these few routines.
#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "deeprg/core/error.hpp"
#include "deeprg/rg/mcrg.hpp"

namespace deeprg::rg {

namespace {

bool all_finite(const MatrixD& m) {
  return std::all_of(m.data.begin(), m.data.end(), [](double x) { return std::isfinite(x); });
}

// Parlett–Reinsch balancing with powers of 2 (exact in floating point): a diagonal similarity
// that equalises row and column norms, so that the QR iteration's absolute error, which scales
// with ‖H‖, does not swamp small eigenvalues of badly scaled matrices.
void balance(MatrixD& h) {
  const std::size_t n = h.rows;
  constexpr double radix = 2.0, sqrdx = radix * radix;
  bool done = false;
  while (!done) {
    done = true;
    for (std::size_t i = 0; i < n; ++i) {
      double r = 0, c = 0;
      for (std::size_t j = 0; j < n; ++j)
        if (j != i) {
          c += std::abs(h(j, i));
          r += std::abs(h(i, j));
        }
      if (c == 0 || r == 0) continue;
      double g = r / radix, f = 1.0;
      const double s = c + r;
      while (c < g) {
        f *= radix;
        c *= sqrdx;
      }
      g = r * radix;
      while (c > g) {
        f /= radix;
        c /= sqrdx;
      }
      if ((c + r) / f < 0.95 * s) {
        done = false;
        g = 1.0 / f;
        for (std::size_t j = 0; j < n; ++j) h(i, j) *= g;
        for (std::size_t j = 0; j < n; ++j) h(j, i) *= f;
      }
    }
  }
}

// Householder reduction to upper Hessenberg form, H ← Q^T H Q.
void hessenberg(MatrixD& h) {
  const std::size_t n = h.rows;
  std::vector<double> v(n);
  for (std::size_t k = 0; k + 2 < n; ++k) {
    double norm = 0;
    for (std::size_t i = k + 1; i < n; ++i) norm = std::hypot(norm, h(i, k));
    if (norm == 0) continue;
    const double alpha = h(k + 1, k) > 0 ? -norm : norm;
    double vv = 0;
    for (std::size_t i = k + 1; i < n; ++i) {
      v[i] = h(i, k) - (i == k + 1 ? alpha : 0.0);
      vv += v[i] * v[i];
    }
    if (vv == 0) continue;
    const double scale = 2.0 / vv;
    for (std::size_t j = k; j < n; ++j) {  // rows k+1.. from the left
      double s = 0;
      for (std::size_t i = k + 1; i < n; ++i) s += v[i] * h(i, j);
      s *= scale;
      for (std::size_t i = k + 1; i < n; ++i) h(i, j) -= s * v[i];
    }
    for (std::size_t i = 0; i < n; ++i) {  // columns k+1.. from the right
      double s = 0;
      for (std::size_t j = k + 1; j < n; ++j) s += h(i, j) * v[j];
      s *= scale;
      for (std::size_t j = k + 1; j < n; ++j) h(i, j) -= s * v[j];
    }
    h(k + 1, k) = alpha;
    for (std::size_t i = k + 2; i < n; ++i) h(i, k) = 0;
  }
}

// Reflector P = I − 2vvᵀ/(vᵀv) with P·x ∝ e₁, for x of length 2 or 3. Returns false when x = 0.
bool reflector(const double* x, int len, double* v, double& scale) {
  double norm = 0;
  for (int i = 0; i < len; ++i) norm = std::hypot(norm, x[i]);
  if (norm == 0) return false;
  const double alpha = x[0] > 0 ? -norm : norm;
  double vv = 0;
  for (int i = 0; i < len; ++i) {
    v[i] = x[i] - (i == 0 ? alpha : 0.0);
    vv += v[i] * v[i];
  }
  if (vv == 0) return false;
  scale = 2.0 / vv;
  return true;
}

// Applies the reflector to rows r0 … r0+len−1, columns [c0, c1], from the left.
void reflect_rows(MatrixD& h, std::size_t r0, int len, const double* v, double scale,
                  std::size_t c0, std::size_t c1) {
  for (std::size_t j = c0; j <= c1; ++j) {
    double s = 0;
    for (int i = 0; i < len; ++i) s += v[i] * h(r0 + i, j);
    s *= scale;
    for (int i = 0; i < len; ++i) h(r0 + i, j) -= s * v[i];
  }
}

// … and to columns c0 … c0+len−1, rows [r0, r1], from the right.
void reflect_cols(MatrixD& h, std::size_t c0, int len, const double* v, double scale,
                  std::size_t r0, std::size_t r1) {
  for (std::size_t i = r0; i <= r1; ++i) {
    double s = 0;
    for (int j = 0; j < len; ++j) s += h(i, c0 + j) * v[j];
    s *= scale;
    for (int j = 0; j < len; ++j) h(i, c0 + j) -= s * v[j];
  }
}

// One Francis double-shift step on the unreduced Hessenberg window [l, u] (u − l ≥ 2) with
// shifts whose sum is s and product t (Golub & Van Loan, Algorithm 7.5.1). Only eigenvalues are
// wanted, so the transformations are applied inside the window alone: the blocks outside it do
// not change the window's spectrum.
void francis_step(MatrixD& h, std::size_t l, std::size_t u, double s, double t) {
  double x[3];
  double v[3];
  double scale = 0;
  x[0] = h(l, l) * h(l, l) + h(l, l + 1) * h(l + 1, l) - s * h(l, l) + t;
  x[1] = h(l + 1, l) * (h(l, l) + h(l + 1, l + 1) - s);
  x[2] = h(l + 1, l) * h(l + 2, l + 1);
  for (std::size_t k = l; k + 2 <= u; ++k) {
    if (reflector(x, 3, v, scale)) {
      reflect_rows(h, k, 3, v, scale, k > l ? k - 1 : l, u);
      reflect_cols(h, k, 3, v, scale, l, std::min(k + 3, u));
    }
    x[0] = h(k + 1, k);
    x[1] = h(k + 2, k);
    if (k + 3 <= u) x[2] = h(k + 3, k);
  }
  if (reflector(x, 2, v, scale)) {
    reflect_rows(h, u - 1, 2, v, scale, u - 2, u);
    reflect_cols(h, u - 1, 2, v, scale, l, u);
  }
  // The bulge chase leaves rounding-level entries below the subdiagonal; they are zero in exact
  // arithmetic.
  for (std::size_t i = l + 2; i <= u; ++i)
    for (std::size_t j = l; j + 1 < i; ++j) h(i, j) = 0;
}

// Eigenvalues of the 2×2 block [[a, b], [c, d]], written to avoid cancellation.
void eig2(double a, double b, double c, double d, std::vector<std::complex<double>>& out) {
  const double p = 0.5 * (a - d);
  const double w = b * c;
  const double q = p * p + w;
  if (q >= 0) {
    const double z = p + std::copysign(std::sqrt(q), p);
    const double l1 = d + z;
    const double l2 = z != 0 ? d - w / z : d;
    out.emplace_back(l1, 0.0);
    out.emplace_back(l2, 0.0);
  } else {
    const double im = std::sqrt(-q);
    out.emplace_back(d + p, im);
    out.emplace_back(d + p, -im);
  }
}

}  // namespace

MatrixD solve(const MatrixD& b, const MatrixD& a) {
  if (b.rows != b.cols || a.rows != b.rows)
    throw ShapeError("solve: B is " + std::to_string(b.rows) + "×" + std::to_string(b.cols) +
                     ", A is " + std::to_string(a.rows) + "×" + std::to_string(a.cols));
  if (!all_finite(b) || !all_finite(a)) throw Error("solve: non-finite matrix entries");
  const std::size_t n = b.rows, m = a.cols;
  MatrixD lu = b, x = a;
  double bmax = 0;
  for (double e : b.data) bmax = std::max(bmax, std::abs(e));
  const double tiny = 1e-13 * bmax;
  for (std::size_t k = 0; k < n; ++k) {
    std::size_t p = k;
    for (std::size_t i = k + 1; i < n; ++i)
      if (std::abs(lu(i, k)) > std::abs(lu(p, k))) p = i;
    if (!(std::abs(lu(p, k)) > tiny)) throw Error("solve: matrix is singular to working precision");
    if (p != k) {
      for (std::size_t j = 0; j < n; ++j) std::swap(lu(k, j), lu(p, j));
      for (std::size_t j = 0; j < m; ++j) std::swap(x(k, j), x(p, j));
    }
    for (std::size_t i = k + 1; i < n; ++i) {
      const double f = lu(i, k) / lu(k, k);
      if (f == 0) continue;
      for (std::size_t j = k; j < n; ++j) lu(i, j) -= f * lu(k, j);
      for (std::size_t j = 0; j < m; ++j) x(i, j) -= f * x(k, j);
    }
  }
  for (std::size_t k = n; k-- > 0;) {
    for (std::size_t j = 0; j < m; ++j) {
      double s = x(k, j);
      for (std::size_t i = k + 1; i < n; ++i) s -= lu(k, i) * x(i, j);
      x(k, j) = s / lu(k, k);
    }
  }
  return x;
}

MatrixD rg_matrix(const MatrixD& a, const MatrixD& b) { return solve(b, a); }

std::vector<std::complex<double>> eigenvalues(const MatrixD& m) {
  if (m.rows != m.cols)
    throw ShapeError("eigenvalues: matrix is " + std::to_string(m.rows) + "×" +
                     std::to_string(m.cols) + ", not square");
  if (!all_finite(m)) throw Error("eigenvalues: non-finite matrix entries");
  const std::size_t n = m.rows;
  std::vector<std::complex<double>> out;
  out.reserve(n);
  if (n == 0) return out;
  MatrixD h = m;
  balance(h);
  hessenberg(h);
  constexpr double eps = std::numeric_limits<double>::epsilon();
  double norm = 0;
  for (double e : h.data) norm = std::max(norm, std::abs(e));

  std::size_t u = n - 1;
  int iterations = 0;
  const int max_iterations = 30 * static_cast<int>(n);
  bool finished = false;
  while (!finished) {
    // Deflate: find the start l of the unreduced block that ends at u.
    std::size_t l = u;
    while (l > 0) {
      double diag = std::abs(h(l - 1, l - 1)) + std::abs(h(l, l));
      if (diag == 0) diag = norm;
      if (std::abs(h(l, l - 1)) <= eps * diag) {
        h(l, l - 1) = 0;
        break;
      }
      --l;
    }
    if (l == u) {
      out.emplace_back(h(u, u), 0.0);
      iterations = 0;
      if (u == 0) break;
      --u;
      continue;
    }
    if (l + 1 == u) {
      eig2(h(u - 1, u - 1), h(u - 1, u), h(u, u - 1), h(u, u), out);
      iterations = 0;
      if (u < 2) break;
      u -= 2;
      continue;
    }
    if (++iterations > max_iterations) throw Error("eigenvalues: QR iteration did not converge");
    double s, t;
    if (iterations % 10 == 0) {
      // Exceptional shift (EISPACK hqr) to break the rare cycles of the standard one.
      const double ex = std::abs(h(u, u - 1)) + std::abs(h(u - 1, u - 2));
      const double d = h(u, u);
      s = 2 * d + 1.5 * ex;
      t = d * d + 1.5 * d * ex + ex * ex;
    } else {
      // Wilkinson's double shift: the eigenvalues of the trailing 2×2 block.
      s = h(u - 1, u - 1) + h(u, u);
      t = h(u - 1, u - 1) * h(u, u) - h(u - 1, u) * h(u, u - 1);
    }
    francis_step(h, l, u, s, t);
  }
  std::sort(out.begin(), out.end(), [](const auto& x, const auto& y) {
    return x.real() != y.real() ? x.real() > y.real() : x.imag() > y.imag();
  });
  return out;
}

double largest_real(const std::vector<std::complex<double>>& values) {
  double best = std::numeric_limits<double>::quiet_NaN();
  for (const auto& v : values)
    if (v.imag() == 0 && !(v.real() <= best)) best = v.real();
  return best;
}

}  // namespace deeprg::rg
