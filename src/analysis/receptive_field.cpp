#include "deeprg/analysis/receptive_field.hpp"

#include <cblas.h>

#include <algorithm>
#include <cmath>
#include <complex>
#include <numbers>
#include <numeric>
#include <string>

#include "deeprg/core/blas.hpp"
#include "deeprg/core/error.hpp"
#include "deeprg/core/parallel.hpp"

namespace deeprg::analysis {

namespace {

// A site's weight in a field's shape: its power f² (see the header for why not |f|).
double power(double f) { return f * f; }

int as_int(std::size_t n) { return static_cast<int>(n); }

// Largest admissible window / block side: a chain (or any lattice one site high) is a row, so
// its windows are segments along x.
int max_side(const ising::Lattice& lattice) {
  return lattice.ly <= 1 ? lattice.lx : std::min(lattice.lx, lattice.ly);
}

void check_lattice(const ising::Lattice& lattice) {
  if (lattice.lx < 1 || lattice.ly < 1)
    throw ShapeError("receptive field: lattice " + std::to_string(lattice.ly) + "×" +
                     std::to_string(lattice.lx) + " has no sites");
}

void check_fraction(double fraction) {
  if (!(fraction > 0.0 && fraction <= 1.0))
    throw ConfigError("analysis.rf_fraction",
                      "must lie in (0, 1], got " + std::to_string(fraction));
}

// Circular mean of one axis: (L/2π)·arg Σ w_x e^{2πi x/L}, in [0, L). A resultant that vanishes
// (a field spread evenly along the axis) has no preferred angle; 0 is then as good as any.
double circular_centre(const std::vector<double>& weight_per_coordinate, double total) {
  const auto l = weight_per_coordinate.size();
  if (l <= 1) return 0.0;
  std::complex<double> z{0.0, 0.0};
  const double step = 2.0 * std::numbers::pi / static_cast<double>(l);
  for (std::size_t x = 0; x < l; ++x)
    z += weight_per_coordinate[x] * std::polar(1.0, step * static_cast<double>(x));
  if (std::abs(z) <= 1e-12 * total) return 0.0;
  double c = std::arg(z) / step;  // in (−L/2, L/2]
  // Symmetric fields (one site, a uniform block) have their centre on a site or half-way
  // between sites; remove the rounding noise of the trigonometry so that their radii come out
  // exact and equal fields tie exactly (units_to_show breaks ties by index).
  const double half = std::round(2.0 * c) / 2.0;
  if (std::abs(c - half) < 1e-9) c = half == 0.0 ? 0.0 : half;  // no −0
  const auto ld = static_cast<double>(l);
  if (c < 0) c += ld;
  if (c >= ld) c -= ld;
  return c;
}

// Minimum-image offset of coordinate x from centre c on a ring of length l.
double min_image(double x, double c, int l) {
  const double d = x - c;
  return d - static_cast<double>(l) * std::round(d / static_cast<double>(l));
}

// First coordinate of a window of `side` sites whose middle is as close as possible to c: for
// an odd side it is centred on the site nearest c, for an even side on the nearest half-integer
// (so a 2×2 window fits a 2×2 block exactly).
int window_start(double c, int side) {
  return static_cast<int>(std::floor(c - (side - 1) / 2.0 + 0.5));
}

int wrap(int x, int l) { return ((x % l) + l) % l; }

// The p-quantile of a non-empty sorted vector, linear between order statistics (numpy's
// default): the median for p = 1/2 is the mean of the middle two for an even count.
double quantile(const std::vector<double>& sorted, double p) {
  const double h = p * static_cast<double>(sorted.size() - 1);
  const auto below = static_cast<std::size_t>(std::floor(h));
  const std::size_t above = std::min(below + 1, sorted.size() - 1);
  return sorted[below] + (h - static_cast<double>(below)) * (sorted[above] - sorted[below]);
}

}  // namespace

std::vector<MatrixD> receptive_fields(const rbm::Dbn& dbn) {
  std::vector<MatrixD> out;
  out.reserve(dbn.layers.size());
  for (std::size_t l = 0; l < dbn.layers.size(); ++l) {
    const MatrixF& w = dbn.layers[l].W;
    if (w.data.size() != w.rows * w.cols)
      throw ShapeError("receptive field: W of layer " + std::to_string(l + 1) + " holds " +
                       std::to_string(w.data.size()) + " values for shape " +
                       std::to_string(w.rows) + "×" + std::to_string(w.cols));
    if (l > 0 && w.rows != out.back().cols)
      throw ShapeError("receptive field: layer " + std::to_string(l) + " has " +
                       std::to_string(out.back().cols) + " hidden units but layer " +
                       std::to_string(l + 1) + " has " + std::to_string(w.rows) + " visible units");
    MatrixD wd(w.rows, w.cols);
    std::copy(w.data.begin(), w.data.end(), wd.data.begin());
    if (l == 0) {
      out.push_back(std::move(wd));
      continue;
    }
    const MatrixD& prev = out.back();
    MatrixD r(prev.rows, w.cols);
    // One thread, so that the bits do not depend on OpenBLAS's thread count.
    const SingleThreadedBlas blas;
    if (prev.rows > 0 && w.cols > 0 && w.rows > 0)
      cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, as_int(prev.rows), as_int(w.cols),
                  as_int(w.rows), 1.0, prev.data.data(), as_int(prev.cols), wd.data.data(),
                  as_int(wd.cols), 0.0, r.data.data(), as_int(r.cols));
    out.push_back(std::move(r));
  }
  return out;
}

FieldShape field_shape(std::span<const double> field, const ising::Lattice& lattice,
                       double fraction, int window) {
  check_lattice(lattice);
  if (field.size() != lattice.sites())
    throw ShapeError("receptive field: field has " + std::to_string(field.size()) +
                     " values but the lattice has " + std::to_string(lattice.sites()) + " sites");
  check_fraction(fraction);
  if (window < 1 || window > max_side(lattice))
    throw ConfigError("window", "must lie in [1, " + std::to_string(max_side(lattice)) + "], got " +
                                    std::to_string(window));

  const int lx = lattice.lx, ly = lattice.ly;
  FieldShape shape;
  double total = 0, total_sq = 0;
  std::vector<double> wx(static_cast<std::size_t>(lx), 0.0), wy(static_cast<std::size_t>(ly), 0.0);
  for (int y = 0; y < ly; ++y)
    for (int x = 0; x < lx; ++x) {
      const double w = power(field[static_cast<std::size_t>(y) * lx + x]);
      total += w;
      total_sq += w * w;
      wx[static_cast<std::size_t>(x)] += w;
      wy[static_cast<std::size_t>(y)] += w;
    }
  // NaN or ±Inf anywhere (or a square that overflows) would make the centre and the radius
  // meaningless, and the sorts below undefined.
  if (!std::isfinite(total_sq))
    throw ShapeError("receptive field: a value is not finite (or too large to square)");
  if (total == 0.0) {
    shape.dead = true;
    return shape;
  }
  shape.centre_x = circular_centre(wx, total);
  shape.centre_y = circular_centre(wy, total);
  shape.participation = total * total / total_sq;

  // Radius: sites in order of distance, the first at which the enclosed weight reaches the
  // target. Sites tied in distance with it lie inside the same ball, so this is the smallest R.
  const std::size_t n = lattice.sites();
  std::vector<double> d2(n);
  for (int y = 0; y < ly; ++y)
    for (int x = 0; x < lx; ++x) {
      const double dx = min_image(x, shape.centre_x, lx), dy = min_image(y, shape.centre_y, ly);
      d2[static_cast<std::size_t>(y) * lx + x] = dx * dx + dy * dy;
    }
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return d2[a] < d2[b] || (d2[a] == d2[b] && a < b);
  });
  // A relative slack so that fraction = k/N of a uniform field is reached at the k-th site
  // despite rounding in the running sum.
  const double target = fraction * total * (1.0 - 1e-12);
  double enclosed = 0;
  for (std::size_t i : order) {
    enclosed += power(field[i]);
    if (enclosed >= target) {
      shape.radius = std::sqrt(d2[i]);
      break;
    }
  }

  const int wx_side = window, wy_side = std::min(window, ly);
  const int x0 = window_start(shape.centre_x, wx_side), y0 = window_start(shape.centre_y, wy_side);
  double inside = 0;
  for (int dy = 0; dy < wy_side; ++dy)
    for (int dx = 0; dx < wx_side; ++dx)
      inside += power(field[static_cast<std::size_t>(wrap(y0 + dy, ly)) * lx + wrap(x0 + dx, lx)]);
  shape.locality = inside / total;
  return shape;
}

FieldShape block_reference(const ising::Lattice& lattice, int b, double fraction) {
  check_lattice(lattice);
  if (b < 1 || b > max_side(lattice))
    throw ConfigError("block", "block side must lie in [1, " + std::to_string(max_side(lattice)) +
                                   "], got " + std::to_string(b));
  std::vector<double> field(lattice.sites(), 0.0);
  const int by = std::min(b, lattice.ly);
  for (int y = 0; y < by; ++y)
    for (int x = 0; x < b; ++x) field[static_cast<std::size_t>(y) * lattice.lx + x] = 1.0;
  return field_shape(field, lattice, fraction, b);
}

std::vector<LayerFields> layer_fields(const std::vector<MatrixD>& fields,
                                      const ising::Lattice& lattice, double fraction, int threads) {
  check_lattice(lattice);
  check_fraction(fraction);
  for (std::size_t l = 0; l < fields.size(); ++l)
    if (fields[l].rows != lattice.sites() ||
        fields[l].data.size() != fields[l].rows * fields[l].cols)
      throw ShapeError("receptive field: fields of layer " + std::to_string(l + 1) + " have " +
                       std::to_string(fields[l].rows) + " rows but the lattice has " +
                       std::to_string(lattice.sites()) + " sites");

  std::vector<LayerFields> out;
  out.reserve(fields.size());
  const std::size_t n = lattice.sites();
  for (std::size_t l = 0; l < fields.size(); ++l) {
    const MatrixD& r = fields[l];
    LayerFields lf;
    lf.layer = l + 1;
    lf.units = r.cols;
    // 2^layer, capped before it can overflow.
    lf.block = l + 1 >= 30 ? max_side(lattice) : std::min(1 << (l + 1), max_side(lattice));
    const FieldShape ref = block_reference(lattice, lf.block, fraction);
    lf.block_radius = ref.radius;
    lf.block_participation = ref.participation;

    lf.shapes.resize(r.cols);
    // Each unit is independent, so the split over threads cannot change the result.
    parallel_for(r.cols, threads, [&](std::size_t j) {
      std::vector<double> column(n);
      for (std::size_t i = 0; i < n; ++i) column[i] = r(i, j);
      lf.shapes[j] = field_shape(column, lattice, fraction, lf.block);
    });

    std::vector<double> radii;
    double participation = 0, locality = 0;
    for (const FieldShape& s : lf.shapes) {
      if (s.dead) {
        ++lf.dead_units;
        continue;
      }
      radii.push_back(s.radius);
      participation += s.participation;
      locality += s.locality;
    }
    if (!radii.empty()) {
      const auto live = static_cast<double>(radii.size());
      lf.radius_mean = std::accumulate(radii.begin(), radii.end(), 0.0) / live;
      lf.participation_mean = participation / live;
      lf.locality_mean = locality / live;
      std::sort(radii.begin(), radii.end());
      lf.radius_q25 = quantile(radii, 0.25);
      lf.radius_median = quantile(radii, 0.5);
      lf.radius_q75 = quantile(radii, 0.75);
      if (radii.size() > 1) {
        double ss = 0;
        for (double x : radii) ss += (x - lf.radius_mean) * (x - lf.radius_mean);
        lf.radius_error = std::sqrt(ss / (live - 1) / live);
      }
    }
    out.push_back(std::move(lf));
  }
  return out;
}

std::vector<std::size_t> units_to_show(const LayerFields& layer, std::size_t count) {
  const std::size_t units = layer.shapes.size();
  std::vector<std::size_t> order(units);
  std::iota(order.begin(), order.end(), std::size_t{0});
  // Live units by radius then index; dead units last, by index.
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    const FieldShape &sa = layer.shapes[a], &sb = layer.shapes[b];
    if (sa.dead != sb.dead) return !sa.dead;
    if (sa.dead) return a < b;
    return sa.radius < sb.radius || (sa.radius == sb.radius && a < b);
  });
  // Fewer than the live units: evenly spaced ranks, first and last included, so the figure
  // shows the whole spread from the most local field to the least (not a flattering few).
  const auto live = static_cast<std::size_t>(std::count_if(
      layer.shapes.begin(), layer.shapes.end(), [](const FieldShape& s) { return !s.dead; }));
  if (count >= live) {
    order.resize(std::min(count, units));
    return order;
  }
  std::vector<std::size_t> chosen;
  for (std::size_t k = 0; k < count; ++k)
    chosen.push_back(order[count == 1 ? 0 : (k * (live - 1) + (count - 1) / 2) / (count - 1)]);
  return chosen;
}

}  // namespace deeprg::analysis
