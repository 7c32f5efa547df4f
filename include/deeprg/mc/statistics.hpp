#pragma once
/// Error bars for Monte Carlo averages: binning and the delete-one-block jackknife.
///
/// Samples are split into B contiguous blocks; block b holds samples [⌊b·n/B⌋, ⌊(b+1)·n/B⌋), so
/// block sizes differ by at most one. Contiguous blocks longer than the autocorrelation time make
/// the block averages nearly independent, which is what both methods assume (Flyvbjerg &
/// Petersen 1989; Efron 1982; Berg, "Markov Chain Monte Carlo Simulations", 2004, ch. 2.7).
///
/// Every function reports the plain full-sample estimate as `value` (unless asked for the
/// bias-corrected one) and the jackknife standard error as `error`. With fewer than two blocks
/// (n = 1) the error is NaN: a single number carries no information about its own spread.
#include <cstddef>
#include <functional>
#include <limits>
#include <span>
#include <string>
#include <vector>

namespace deeprg::mc {

/// A value with its one-standard-deviation error bar. NaN marks "undefined".
struct Estimate {
  double value = std::numeric_limits<double>::quiet_NaN();
  double error = std::numeric_limits<double>::quiet_NaN();
};

/// x with six significant digits ("%.6g"): a number in a message, label or table cell.
std::string format_number(double x);

/// "value ± error" with the error's two significant digits deciding the precision
/// (e.g. "-1.15130 ± 0.00045"); just the value ("%.6g") when the error is not positive and finite.
std::string format_estimate(double value, double error);

/// First sample index of block `b` when n samples are split into `blocks` contiguous blocks:
/// ⌊b·n/blocks⌋ (so block_begin(n, blocks, blocks) = n).
std::size_t block_begin(std::size_t n, int blocks, int b) noexcept;

/// Per-block sums of k per-sample series, the sufficient statistic for any estimator that is a
/// function of the means of those series (ratios of means, variances, Binder cumulants,
/// second-moment correlation lengths, ...). Building it costs O(n·k) once; every jackknife
/// replicate then costs O(k) instead of O(n·k).
class BlockedSeries {
 public:
  /// `rows` holds n samples × `series` values, row-major: rows[i·series + j] is series j at
  /// sample i. The number of blocks is min(blocks, n). Throws ShapeError when series = 0, rows is
  /// empty or its size is not a multiple of `series`; ConfigError("blocks") when blocks < 1.
  BlockedSeries(std::span<const double> rows, std::size_t series, int blocks);

  std::size_t series() const noexcept { return series_; }
  std::size_t samples() const noexcept { return samples_; }
  /// Number of blocks actually used, min(requested, n).
  int blocks() const noexcept { return static_cast<int>(counts_.size()); }
  /// Samples in block b.
  std::size_t count(int b) const { return counts_.at(static_cast<std::size_t>(b)); }

  /// Full-sample means x̄_j = (1/n) Σ_i x_ij.
  std::vector<double> means() const;
  /// Means with block b deleted: (S_j − S_bj)/(n − n_b). Requires blocks() ≥ 2.
  std::vector<double> means_without(int b) const;

 private:
  std::size_t series_ = 0;
  std::size_t samples_ = 0;
  std::vector<double> sums_;         // blocks × series, row-major
  std::vector<double> totals_;       // series
  std::vector<std::size_t> counts_;  // blocks
};

/// An estimator written as a function of the vector of series means, e.g. for the specific
/// heat from the series (e, e²): [](auto m) { return N * (m[1] - m[0] * m[0]) / (T * T); }.
using MeansEstimator = std::function<double(std::span<const double> means)>;

/// An estimator evaluated on all samples except the half-open range [excluded_begin,
/// excluded_end); an empty range (begin = end) means the full sample.
using RangeEstimator = std::function<double(std::size_t excluded_begin, std::size_t excluded_end)>;

/// Delete-one-block jackknife of θ = f(x̄) (Efron 1982; Berg 2004, eq. 2.137):
///   θ_(b) = f(x̄ without block b),  θ̄ = (1/B) Σ_b θ_(b),
///   error = sqrt((B − 1)/B · Σ_b (θ_(b) − θ̄)²),
///   value = f(x̄)  or, with bias_corrected, B·f(x̄) − (B − 1)·θ̄.
/// Any NaN replicate makes the error NaN; B < 2 gives error NaN.
Estimate jackknife(const BlockedSeries& blocks, const MeansEstimator& estimator,
                   bool bias_corrected = false);

/// Same jackknife for an arbitrary estimator that recomputes from the raw samples: it is called
/// once with the empty range (the full sample) and once per block with that block's range
/// [block_begin(n, B, b), block_begin(n, B, b + 1)), B = min(blocks, n). Throws ShapeError when
/// n_samples = 0 and ConfigError("blocks") when blocks < 1. Costs B + 1 estimator calls; prefer
/// the BlockedSeries overload when the estimator is a function of means.
Estimate jackknife(std::size_t n_samples, int blocks, const RangeEstimator& estimator,
                   bool bias_corrected = false);

/// Sample mean with its binning error: the jackknife of the mean over min(bins, n) blocks, which
/// for equal blocks equals the classic binning formula sqrt(Σ_b (x̄_b − x̄)² / (B(B − 1)))
/// (Flyvbjerg & Petersen 1989). Throws ShapeError for an empty span, ConfigError("bins") when
/// bins < 1.
Estimate binned_mean(std::span<const double> x, int bins);

}  // namespace deeprg::mc
