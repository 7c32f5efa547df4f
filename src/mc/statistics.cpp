#include "deeprg/mc/statistics.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>

#include "deeprg/core/error.hpp"

namespace deeprg::mc {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

int effective_blocks(std::size_t n, int blocks, const char* key) {
  if (blocks < 1) {
    throw ConfigError(key, "number of blocks must be at least 1, got " + std::to_string(blocks));
  }
  return static_cast<int>(std::min<std::size_t>(n, static_cast<std::size_t>(blocks)));
}

// Jackknife error and value from the full-sample estimate and the B leave-one-block-out
// replicates. Two passes over the replicates (mean, then squared deviations) so that a large
// common offset does not cancel catastrophically.
Estimate combine(double full, const std::vector<double>& replicates, bool bias_corrected) {
  const std::size_t b = replicates.size();
  if (b < 2) return {full, kNaN};
  double mean = 0;
  for (const double r : replicates) mean += r;
  mean /= static_cast<double>(b);
  double ss = 0;
  for (const double r : replicates) ss += (r - mean) * (r - mean);
  const double bd = static_cast<double>(b);
  const double error = std::sqrt((bd - 1) / bd * ss);
  const double value = bias_corrected ? bd * full - (bd - 1) * mean : full;
  return {value, error};
}

}  // namespace

std::size_t block_begin(std::size_t n, int blocks, int b) noexcept {
  // ⌊b·n/B⌋ without overflow for any n that fits in memory (b ≤ B ≤ n).
  const auto bu = static_cast<__uint128_t>(b);
  return static_cast<std::size_t>(bu * n / static_cast<__uint128_t>(blocks));
}

BlockedSeries::BlockedSeries(std::span<const double> rows, std::size_t series, int blocks)
    : series_(series) {
  if (series == 0) throw ShapeError("BlockedSeries: need at least one series");
  if (rows.empty()) throw ShapeError("BlockedSeries: no samples");
  if (rows.size() % series != 0) {
    throw ShapeError("BlockedSeries: " + std::to_string(rows.size()) +
                     " values is not a multiple of " + std::to_string(series) + " series");
  }
  samples_ = rows.size() / series;
  const int nb = effective_blocks(samples_, blocks, "blocks");
  sums_.assign(static_cast<std::size_t>(nb) * series, 0.0);
  totals_.assign(series, 0.0);
  counts_.assign(static_cast<std::size_t>(nb), 0);
  for (int b = 0; b < nb; ++b) {
    const std::size_t begin = block_begin(samples_, nb, b), end = block_begin(samples_, nb, b + 1);
    double* sum = sums_.data() + static_cast<std::size_t>(b) * series;
    // Totals are summed sample by sample, not from the block sums, so the full-sample means
    // (and every reported value) are bit-identical whatever the number of blocks.
    for (std::size_t i = begin; i < end; ++i) {
      const double* row = rows.data() + i * series;
      for (std::size_t j = 0; j < series; ++j) {
        sum[j] += row[j];
        totals_[j] += row[j];
      }
    }
    counts_[static_cast<std::size_t>(b)] = end - begin;
  }
}

std::vector<double> BlockedSeries::means() const {
  std::vector<double> m(series_);
  for (std::size_t j = 0; j < series_; ++j) m[j] = totals_[j] / static_cast<double>(samples_);
  return m;
}

std::vector<double> BlockedSeries::means_without(int b) const {
  if (b < 0 || b >= blocks()) throw ConfigError("block", "block index out of range");
  if (blocks() < 2) throw ShapeError("BlockedSeries::means_without: needs at least two blocks");
  const std::size_t bi = static_cast<std::size_t>(b);
  const double rest = static_cast<double>(samples_ - counts_[bi]);
  const double* sum = sums_.data() + bi * series_;
  std::vector<double> m(series_);
  for (std::size_t j = 0; j < series_; ++j) m[j] = (totals_[j] - sum[j]) / rest;
  return m;
}

Estimate jackknife(const BlockedSeries& blocks, const MeansEstimator& estimator,
                   bool bias_corrected) {
  const double full = estimator(blocks.means());
  if (blocks.blocks() < 2) return {full, kNaN};
  std::vector<double> replicates(static_cast<std::size_t>(blocks.blocks()));
  for (int b = 0; b < blocks.blocks(); ++b) {
    replicates[static_cast<std::size_t>(b)] = estimator(blocks.means_without(b));
  }
  return combine(full, replicates, bias_corrected);
}

Estimate jackknife(std::size_t n_samples, int blocks, const RangeEstimator& estimator,
                   bool bias_corrected) {
  if (n_samples == 0) throw ShapeError("jackknife: no samples");
  const int nb = effective_blocks(n_samples, blocks, "blocks");
  const double full = estimator(0, 0);
  if (nb < 2) return {full, kNaN};
  std::vector<double> replicates(static_cast<std::size_t>(nb));
  for (int b = 0; b < nb; ++b) {
    replicates[static_cast<std::size_t>(b)] =
        estimator(block_begin(n_samples, nb, b), block_begin(n_samples, nb, b + 1));
  }
  return combine(full, replicates, bias_corrected);
}

Estimate binned_mean(std::span<const double> x, int bins) {
  if (x.empty()) throw ShapeError("binned_mean: no samples");
  if (bins < 1) {
    throw ConfigError("bins", "number of bins must be at least 1, got " + std::to_string(bins));
  }
  const BlockedSeries blocked(x, 1, bins);
  return jackknife(blocked, [](std::span<const double> m) { return m[0]; });
}

std::string format_number(double x) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.6g", x);
  return buf;
}

std::string format_estimate(double value, double error) {
  if (!std::isfinite(error) || error <= 0) return format_number(value);
  char buf[96];
  const int digits = std::max(0, 1 - static_cast<int>(std::floor(std::log10(error))));
  std::snprintf(buf, sizeof buf, "%.*f ± %.*f", digits, value, digits, error);
  return buf;
}

}  // namespace deeprg::mc
