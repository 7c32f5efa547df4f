#include "deeprg/analysis/block_overlap.hpp"

#include <cblas.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "deeprg/core/blas.hpp"
#include "deeprg/core/error.hpp"
#include "deeprg/core/parallel.hpp"

namespace deeprg::analysis {

namespace {

int as_int(std::size_t n) { return static_cast<int>(n); }

// Units per work item. Fixed, so that each entry of C is computed by the same BLAS call for any
// thread count and the result does not depend on it.
constexpr std::size_t kUnitTile = 16;

// Centres each column of an n × m row-major array and scales it to unit norm, so that the dot
// product of two such columns is their Pearson correlation. A constant column (tested on the
// raw values: the computed variance of a constant is not always exactly 0) becomes all zeros,
// so its correlations are 0, not NaN. Row by row, in a fixed order: the result is exact to
// reproduce. Returns which columns vary.
template <class T>
std::vector<char> standardise(const T* raw, std::size_t n, std::size_t m, double* z) {
  std::vector<double> sum(m, 0.0), ss(m, 0.0);
  std::vector<char> varies(m, 0);
  for (std::size_t k = 0; k < n; ++k)
    for (std::size_t c = 0; c < m; ++c) {
      sum[c] += static_cast<double>(raw[k * m + c]);
      varies[c] |= static_cast<char>(raw[k * m + c] != raw[c]);
    }
  for (std::size_t c = 0; c < m; ++c) sum[c] /= static_cast<double>(n);  // now the mean
  for (std::size_t k = 0; k < n; ++k)
    for (std::size_t c = 0; c < m; ++c) {
      const double d = static_cast<double>(raw[k * m + c]) - sum[c];
      z[k * m + c] = d;
      ss[c] += d * d;
    }
  for (std::size_t c = 0; c < m; ++c) ss[c] = varies[c] ? 1.0 / std::sqrt(ss[c]) : 0.0;
  for (std::size_t k = 0; k < n; ++k)
    for (std::size_t c = 0; c < m; ++c) z[k * m + c] *= ss[c];
  return varies;
}

}  // namespace

BlockOverlap block_overlap(const MatrixF& hidden, const io::SpinSamples& blocks, int threads) {
  const std::size_t n = hidden.rows, m = hidden.cols, nb = blocks.lattice.sites();
  if (hidden.data.size() != n * m)
    throw ShapeError("block overlap: hidden states hold " + std::to_string(hidden.data.size()) +
                     " values for shape " + std::to_string(n) + "×" + std::to_string(m));
  if (blocks.count != n)
    throw ShapeError("block overlap: " + std::to_string(n) + " rows of hidden states but " +
                     std::to_string(blocks.count) + " block-spin samples");
  if (n < 2)
    throw ShapeError("block overlap: correlations need at least 2 samples, got " +
                     std::to_string(n));
  if (blocks.spins.size() != n * nb)
    throw ShapeError("block overlap: block spins hold " + std::to_string(blocks.spins.size()) +
                     " values, expected " + std::to_string(n) + " samples × " + std::to_string(nb) +
                     " sites");
  if (m == 0 || nb == 0) throw ShapeError("block overlap: no hidden units or no block spins");

  // Standardised columns, n × m and n × nb, row-major as the inputs.
  std::vector<double> zh(n * m), zs(n * nb);
  const std::vector<char> live = standardise(hidden.data.data(), n, m, zh.data());
  standardise(blocks.spins.data(), n, nb, zs.data());

  // C = Zhᵀ Zs (m × nb), one fixed tile of units per work item.
  std::vector<double> c(m * nb);
  const std::size_t tiles = (m + kUnitTile - 1) / kUnitTile;
  const SingleThreadedBlas blas;  // the tiles are the parallelism, and fix the bits
  parallel_for(tiles, threads, [&](std::size_t t) {
    const std::size_t j0 = t * kUnitTile, j1 = std::min(m, j0 + kUnitTile);
    cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, as_int(j1 - j0), as_int(nb), as_int(n),
                1.0, zh.data() + j0, as_int(m), zs.data(), as_int(nb), 0.0, c.data() + j0 * nb,
                as_int(nb));
    // Rounding can push |C| a hair past 1.
    for (std::size_t k = j0 * nb; k < j1 * nb; ++k) c[k] = std::clamp(c[k], -1.0, 1.0);
  });

  BlockOverlap out;
  out.best_unit.assign(nb, 0);
  out.best_corr.assign(nb, 0.0);
  double sum_block = 0;
  for (std::size_t i = 0; i < nb; ++i) {
    std::size_t best = 0;
    for (std::size_t j = 1; j < m; ++j)
      if (std::abs(c[j * nb + i]) > std::abs(c[best * nb + i])) best = j;
    out.best_unit[i] = best;
    out.best_corr[i] = c[best * nb + i];
    sum_block += std::abs(c[best * nb + i]);
  }
  out.best_per_block = sum_block / static_cast<double>(nb);

  double sum_unit = 0;
  std::size_t live_units = 0;
  for (std::size_t j = 0; j < m; ++j) {
    if (!live[j]) continue;
    double best = 0;
    for (std::size_t i = 0; i < nb; ++i) best = std::max(best, std::abs(c[j * nb + i]));
    sum_unit += best;
    ++live_units;
  }
  out.best_per_unit = live_units > 0 ? sum_unit / static_cast<double>(live_units) : 0.0;

  std::vector<std::size_t> claims(m, 0);
  for (std::size_t b : out.best_unit) ++claims[b];
  std::size_t unique = 0;
  for (std::size_t b : out.best_unit) unique += claims[b] == 1 ? 1 : 0;
  out.matched_fraction = static_cast<double>(unique) / static_cast<double>(nb);

  // Nearest-neighbour pairs of the periodic block lattice: right and down of every site, each
  // unordered pair once (a side of 2 would otherwise count its pairs twice, a side of 1 pair a
  // site with itself).
  const int lx = blocks.lattice.lx, ly = blocks.lattice.ly;
  std::vector<std::pair<std::size_t, std::size_t>> pairs;
  for (int y = 0; y < ly; ++y)
    for (int x = 0; x < lx; ++x) {
      const auto site = static_cast<std::size_t>(y) * lx + x;
      if (lx > 2 || (lx == 2 && x == 0))
        pairs.emplace_back(site, static_cast<std::size_t>(y) * lx + (x + 1) % lx);
      if (ly > 2 || (ly == 2 && y == 0))
        pairs.emplace_back(site, static_cast<std::size_t>((y + 1) % ly) * lx + x);
    }
  // Sample by sample, so that each row of Zs is read once and in order.
  std::vector<double> pair_corr(pairs.size(), 0.0);
  for (std::size_t k = 0; k < n; ++k) {
    const double* row = zs.data() + k * nb;
    for (std::size_t p = 0; p < pairs.size(); ++p)
      pair_corr[p] += row[pairs[p].first] * row[pairs[p].second];
  }
  for (double& v : pair_corr) v = std::min(std::abs(v), 1.0);
  double sum_pairs = 0;
  for (double v : pair_corr) sum_pairs += v;
  out.neighbour_blocks = pairs.empty() ? 0.0 : sum_pairs / static_cast<double>(pairs.size());
  return out;
}

}  // namespace deeprg::analysis
