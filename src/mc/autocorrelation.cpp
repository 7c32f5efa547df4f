#include "deeprg/mc/autocorrelation.hpp"

#include <algorithm>
#include <cmath>
#include <complex>
#include <limits>
#include <numbers>

#include "deeprg/core/error.hpp"

namespace deeprg::mc {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
using Complex = std::complex<double>;

// In-place iterative radix-2 Cooley–Tukey FFT, size a power of two. `inverse` uses the +i sign
// and does NOT divide by the size. Twiddles come from a table of exact cos/sin values rather
// than a running product, so rounding error stays O(ε log n).
void fft(std::vector<Complex>& a, bool inverse) {
  const std::size_t n = a.size();
  for (std::size_t i = 1, j = 0; i < n; ++i) {
    std::size_t bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) std::swap(a[i], a[j]);
  }
  std::vector<Complex> w(n / 2);
  const double sign = inverse ? 1.0 : -1.0;
  for (std::size_t k = 0; k < n / 2; ++k) {
    const double angle =
        sign * 2.0 * std::numbers::pi * static_cast<double>(k) / static_cast<double>(n);
    w[k] = {std::cos(angle), std::sin(angle)};
  }
  for (std::size_t len = 2; len <= n; len <<= 1) {
    const std::size_t half = len / 2, stride = n / len;
    for (std::size_t start = 0; start < n; start += len) {
      for (std::size_t k = 0; k < half; ++k) {
        const Complex u = a[start + k];
        const Complex v = a[start + k + half] * w[k * stride];
        a[start + k] = u + v;
        a[start + k + half] = u - v;
      }
    }
  }
}

// Autocovariance Ĉ(t), t = 0 … n − 1, with the 1/(n − t) normalisation; empty when the series
// has a non-finite value.
std::vector<double> autocovariance(std::span<const double> x) {
  const std::size_t n = x.size();
  double mean = 0;
  for (const double v : x) mean += v;
  mean /= static_cast<double>(n);
  if (!std::isfinite(mean)) return {};
  // Zero-padding to ≥ 2n turns the FFT's circular correlation into the linear one.
  std::size_t size = 1;
  while (size < 2 * n) size <<= 1;
  std::vector<Complex> a(size);
  for (std::size_t i = 0; i < n; ++i) a[i] = x[i] - mean;
  fft(a, false);
  for (auto& v : a) v = std::norm(v);
  fft(a, true);
  std::vector<double> c(n);
  for (std::size_t t = 0; t < n; ++t) {
    c[t] = a[t].real() / static_cast<double>(size) / static_cast<double>(n - t);
  }
  return c;
}

}  // namespace

std::vector<double> autocorrelation(std::span<const double> x, std::size_t max_lag) {
  if (x.empty()) return {};
  const std::size_t lags = std::min(max_lag, x.size() - 1) + 1;
  std::vector<double> rho(lags, kNaN);
  if (std::all_of(x.begin(), x.end(), [&](double v) { return v == x[0]; })) return rho;
  const std::vector<double> c = autocovariance(x);
  if (c.empty() || !(c[0] > 0)) return rho;
  for (std::size_t t = 0; t < lags; ++t) rho[t] = c[t] / c[0];
  return rho;
}

AutocorrelationTime integrated_autocorrelation_time(std::span<const double> x, double c,
                                                    double min_samples_per_tau) {
  if (!std::isfinite(c) || c <= 0) throw ConfigError("c", "window factor must be positive");
  const AutocorrelationTime undefined{kNaN, kNaN, 0, false};
  const std::size_t n = x.size();
  if (n < 2) return undefined;
  // A constant series is tested exactly: its rounded mean may differ from the value by an ulp,
  // which would leave a tiny constant residue with ρ̂(t) ≈ 1 instead of Ĉ(0) = 0.
  if (std::all_of(x.begin(), x.end(), [&](double v) { return v == x[0]; })) return undefined;
  const std::vector<double> cov = autocovariance(x);
  if (cov.empty() || !(cov[0] > 0)) return undefined;
  const std::size_t max_window = std::max<std::size_t>(1, n / 2);
  double tau = 0.5;
  std::size_t window = 0;
  bool found = false;
  for (std::size_t w = 1; w <= max_window; ++w) {
    tau += cov[w] / cov[0];
    window = w;
    if (static_cast<double>(w) >= c * tau) {
      found = true;
      break;
    }
  }
  const double nd = static_cast<double>(n);
  const double error =
      std::abs(tau) * std::sqrt(2.0 * (2.0 * static_cast<double>(window) + 1) / nd);
  const bool reliable = found && tau > 0 && nd >= min_samples_per_tau * tau;
  return {tau, error, window, reliable};
}

}  // namespace deeprg::mc
