#pragma once
/// Autocorrelation functions and integrated autocorrelation times of Monte Carlo time series.
///
/// For a stationary series x_0 … x_{n−1} with mean x̄,
///   Ĉ(t) = 1/(n − t) · Σ_{i=0}^{n−1−t} (x_i − x̄)(x_{i+t} − x̄),   ρ̂(t) = Ĉ(t)/Ĉ(0),
///   τ̂_int(W) = 1/2 + Σ_{t=1}^{W} ρ̂(t)
/// (Sokal, "Monte Carlo Methods in Statistical Mechanics: Foundations and New Algorithms",
/// Cargèse lectures 1996/1997, eqs. 3.17–3.21). The variance of the sample mean is then
/// ≈ 2 τ_int · Var(x)/n, i.e. the run holds n/(2τ_int) effectively independent samples.
///
/// Ĉ(t) is computed for all t at once with a radix-2 FFT of the zero-padded, mean-subtracted
/// series (Wiener–Khinchin), O(n log n), so even a series that never meets the window criterion
/// costs no more than one FFT.
#include <cstddef>
#include <span>
#include <vector>

namespace deeprg::mc {

/// Result of integrated_autocorrelation_time.
struct AutocorrelationTime {
  double tau_int;      ///< τ̂_int(W) at the automatic window W
  double tau_error;    ///< Madras–Sokal standard error τ̂·sqrt(2(2W + 1)/n)
  std::size_t window;  ///< W, the summation window (0 when undefined)
  bool reliable;       ///< see integrated_autocorrelation_time
};

/// Normalised autocorrelation function ρ̂(t) for t = 0 … min(max_lag, n − 1) (definition
/// above; ρ̂(0) = 1). Returns all-NaN when the series is constant (Ĉ(0) = 0) or holds a
/// non-finite value; an empty vector when x is empty.
std::vector<double> autocorrelation(std::span<const double> x, std::size_t max_lag);

/// Integrated autocorrelation time with Sokal's automatic window: W is the smallest W ≥ 1 with
/// W ≥ c·τ̂_int(W) (Sokal 1997, §3; c = 6 is adequate when ρ decays roughly exponentially,
/// c ≈ 4–5 for τ ≲ 1 and larger c for slowly decaying tails). The error is the Madras–Sokal
/// asymptotic formula var(τ̂) ≈ 2(2W + 1)/n · τ² (Madras & Sokal, J. Stat. Phys. 50, 109
/// (1988), eq. 2.27).
///
/// The search stops at W = n/2 (beyond that fewer than half the pairs enter Ĉ); if no window is
/// found by then, τ̂_int(n/2) is returned with reliable = false.
///
/// `reliable` is true when a window was found, τ̂_int > 0 and n ≥ min_samples_per_tau · τ̂_int
/// (default 50, the criterion of Goodman & Weare / emcee). At the default threshold the
/// relative error of τ̂ can still be ≈ sqrt(2(2·6 + 1)/50) ≈ 0.7; use tau_error for anything
/// quantitative. A negative τ̂_int (strong anti-correlation) is returned as is, unreliable.
///
/// Undefined cases do not throw: n < 2, a constant series or a non-finite value give
/// tau_int = tau_error = NaN, window 0, reliable = false. Throws ConfigError("c") unless c is
/// finite and > 0.
AutocorrelationTime integrated_autocorrelation_time(std::span<const double> x, double c = 6.0,
                                                    double min_samples_per_tau = 50.0);

}  // namespace deeprg::mc
