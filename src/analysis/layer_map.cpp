// A trained DBN as a coarse-graining map: units placed on coarse lattices by their receptive
// fields, one-to-one by an exact assignment, and read out as oriented coarse spins.
#include "deeprg/analysis/layer_map.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "deeprg/analysis/receptive_field.hpp"
#include "deeprg/core/error.hpp"
#include "deeprg/core/parallel.hpp"
#include "deeprg/core/rng.hpp"

namespace deeprg::analysis {

namespace {

constexpr std::uint64_t kMapTag = 0x646d6170;  // "dmap"
constexpr std::size_t kChunk = 256;            // samples per product

/// Minimum-image distance along one periodic axis of length n.
double periodic(double d, int n) {
  d = std::fmod(std::abs(d), double(n));
  return std::min(d, double(n) - d);
}

/// The smallest b ≥ 2 dividing the lattice into at most `units` blocks with sides ≥ 2.
int rescaling(const ising::Lattice& lattice, std::size_t units, std::size_t layer) {
  for (int b = 2; b <= lattice.lx; ++b) {
    try {
      if (rg::coarse_lattice(lattice, b).sites() <= units) return b;
    } catch (const ShapeError&) {
    }
  }
  throw ShapeError("layer " + std::to_string(layer) + " has " + std::to_string(units) +
                   " units: no coarse lattice of a " + std::to_string(lattice.ly) + "×" +
                   std::to_string(lattice.lx) + " lattice (sides divided by b ≥ 2, at least 2) " +
                   "has that few sites");
}

/// Rows (sites) to columns (units), rows ≤ columns, minimising the summed cost: the Hungarian
/// algorithm with potentials (Kuhn 1955; Munkres 1957), O(rows² · columns). cost is rows ×
/// columns, row-major. Returns the column of each row.
std::vector<std::size_t> assign(const std::vector<double>& cost, std::size_t rows,
                                std::size_t cols) {
  const double inf = std::numeric_limits<double>::infinity();
  // 1-based, with row/column 0 as the free slot.
  std::vector<double> u(rows + 1, 0), v(cols + 1, 0);
  std::vector<std::size_t> row_of(cols + 1, 0), way(cols + 1, 0);
  for (std::size_t i = 1; i <= rows; ++i) {
    row_of[0] = i;
    std::size_t j0 = 0;
    std::vector<double> min_v(cols + 1, inf);
    std::vector<char> used(cols + 1, 0);
    do {
      used[j0] = 1;
      const std::size_t i0 = row_of[j0];
      double delta = inf;
      std::size_t j1 = 0;
      for (std::size_t j = 1; j <= cols; ++j) {
        if (used[j]) continue;
        const double cur = cost[(i0 - 1) * cols + (j - 1)] - u[i0] - v[j];
        if (cur < min_v[j]) {
          min_v[j] = cur;
          way[j] = j0;
        }
        if (min_v[j] < delta) {
          delta = min_v[j];
          j1 = j;
        }
      }
      for (std::size_t j = 0; j <= cols; ++j) {
        if (used[j]) {
          u[row_of[j]] += delta;
          v[j] -= delta;
        } else {
          min_v[j] -= delta;
        }
      }
      j0 = j1;
    } while (row_of[j0] != 0);
    do {
      const std::size_t j1 = way[j0];
      row_of[j0] = row_of[j1];
      j0 = j1;
    } while (j0 != 0);
  }
  std::vector<std::size_t> col_of(rows);
  for (std::size_t j = 1; j <= cols; ++j)
    if (row_of[j] != 0) col_of[row_of[j] - 1] = j - 1;
  return col_of;
}

/// Value of unit type `u` for an oriented spin s = ±1.
float in_alphabet(rbm::Units u, int s) { return u == rbm::Units::spin ? float(s) : s > 0; }

/// layer_sites; with `until_left_over`, stops after the first layer that leaves units over.
std::vector<LayerSites> place(const rbm::Dbn& dbn, const ising::Lattice& lattice,
                              std::size_t layers, bool until_left_over) {
  if (layers < 1 || layers > dbn.layers.size())
    throw ConfigError("layers", "must be between 1 and the DBN's " +
                                    std::to_string(dbn.layers.size()) + " layers, got " +
                                    std::to_string(layers));
  dbn.validate();
  if (dbn.layers[0].n_visible() != lattice.sites())
    throw ShapeError("layer 1 has " + std::to_string(dbn.layers[0].n_visible()) +
                     " visible units but the lattice has " + std::to_string(lattice.sites()) +
                     " sites");
  std::vector<LayerSites> out;
  ising::Lattice current = lattice;
  std::vector<std::size_t> visible_of_site(lattice.sites());
  for (std::size_t s = 0; s < visible_of_site.size(); ++s) visible_of_site[s] = s;
  std::vector<std::int8_t> orientation(lattice.sites(), 1);
  for (std::size_t l = 1; l <= layers; ++l) {
    const rbm::Rbm& layer = dbn.layers[l - 1];
    if (l > 1 && out.back().left_over > 0 && until_left_over) break;
    if (l > 1 && out.back().left_over > 0)
      throw ShapeError("layer " + std::to_string(l - 1) + " left " +
                       std::to_string(out.back().left_over) + " units without a site: layer " +
                       std::to_string(l) + " would see units the coarse lattice does not hold");
    const std::size_t nh = layer.n_hidden();
    LayerSites sites;
    sites.layer = l;
    sites.b = rescaling(current, nh, l);
    sites.coarse = rg::coarse_lattice(current, sites.b);
    const std::size_t n_sites = sites.coarse.sites(), n_fine = current.sites();
    // Each unit's field on the current lattice, its centre and its sign.
    std::vector<double> cx(nh), cy(nh);
    std::vector<char> dead(nh);
    std::vector<std::int8_t> sign(nh);
    std::vector<double> field(n_fine);
    for (std::size_t j = 0; j < nh; ++j) {
      double sum = 0;
      for (std::size_t s = 0; s < n_fine; ++s) {
        field[s] = double(layer.W(visible_of_site[s], j)) * orientation[s];
        sum += field[s];
      }
      const FieldShape shape = field_shape(field, current, 0.8, 1);
      cx[j] = shape.centre_x;
      cy[j] = shape.centre_y;
      dead[j] = shape.dead;
      sign[j] = sum < 0 ? -1 : 1;
    }
    // Cost of putting unit j on site (X, Y): squared distance to the block's centre.
    const double half = (sites.b - 1) / 2.0;
    std::vector<double> cost(n_sites * nh);
    for (std::size_t site = 0; site < n_sites; ++site) {
      const double x = double(site % std::size_t(sites.coarse.lx)) * sites.b + half;
      const double y =
          current.dim == 1 ? 0.0 : double(site / std::size_t(sites.coarse.lx)) * sites.b + half;
      for (std::size_t j = 0; j < nh; ++j) {
        const double dx = periodic(cx[j] - x, current.lx);
        const double dy = current.dim == 1 ? 0.0 : periodic(cy[j] - y, current.ly);
        cost[site * nh + j] = dead[j] ? 0.0 : dx * dx + dy * dy;
      }
    }
    sites.unit_of_site = assign(cost, n_sites, nh);
    sites.orientation.resize(n_sites);
    for (std::size_t site = 0; site < n_sites; ++site) {
      const std::size_t j = sites.unit_of_site[site];
      sites.orientation[site] = sign[j];
      sites.flipped += sign[j] < 0;
      const double d = std::sqrt(cost[site * nh + j]);
      sites.mean_distance += d / double(n_sites);
      sites.max_distance = std::max(sites.max_distance, d);
    }
    sites.left_over = nh - n_sites;
    visible_of_site = sites.unit_of_site;
    orientation = sites.orientation;
    current = sites.coarse;
    out.push_back(std::move(sites));
  }
  return out;
}

}  // namespace

std::vector<LayerSites> layer_sites(const rbm::Dbn& dbn, const ising::Lattice& lattice,
                                    std::size_t layers) {
  return place(dbn, lattice, layers, false);
}

std::vector<LayerSites> mapped_layers(const rbm::Dbn& dbn, const ising::Lattice& lattice) {
  return place(dbn, lattice, dbn.layers.size(), true);
}

nlohmann::json to_json(const LayerSites& s) {
  return {{"layer", s.layer},
          {"b", s.b},
          {"L", s.coarse.lx},
          {"left_over", s.left_over},
          {"flipped", s.flipped},
          {"mean_distance", s.mean_distance},
          {"max_distance", s.max_distance}};
}

rg::CoarseGraining dbn_map(rbm::Dbn dbn, const ising::Lattice& lattice, rg::Readout readout,
                           std::uint64_t seed, int threads, bool spin_flip_symmetric) {
  std::vector<LayerSites> sites = mapped_layers(dbn, lattice);
  return dbn_map(std::move(dbn), std::move(sites), lattice, readout, seed, threads,
                 spin_flip_symmetric);
}

rg::CoarseGraining dbn_map(rbm::Dbn dbn, std::vector<LayerSites> levels,
                           const ising::Lattice& lattice, rg::Readout readout, std::uint64_t seed,
                           int threads, bool spin_flip_symmetric) {
  if (levels.empty() || levels.size() > dbn.layers.size())
    throw ConfigError("sites", "expected the sites of 1 to " + std::to_string(dbn.layers.size()) +
                                   " layers, got " + std::to_string(levels.size()));
  for (const LayerSites& s : levels)
    if (s.unit_of_site.size() != s.coarse.sites() || s.orientation.size() != s.coarse.sites())
      throw ConfigError(
          "sites", "layer " + std::to_string(s.layer) + "'s sites do not fill its coarse lattice");
  // Per layer and unit, the part of the field that does not change when every input spin
  // flips: b_j, plus ½ Σ_i W_ij for bernoulli inputs (v = (s + 1)/2).
  std::vector<std::vector<double>> even(levels.size());
  for (std::size_t l = 0; l < levels.size(); ++l) {
    const rbm::Rbm& layer = dbn.layers[l];
    even[l].assign(layer.n_hidden(), 0.0);
    if (!spin_flip_symmetric) continue;
    for (std::size_t j = 0; j < layer.n_hidden(); ++j) {
      double half_sum = 0;
      if (layer.visible == rbm::Units::bernoulli)
        for (std::size_t i = 0; i < layer.n_visible(); ++i) half_sum += 0.5 * layer.W(i, j);
      even[l][j] = layer.hidden_bias[j] + half_sum;
    }
  }
  return [dbn = std::move(dbn), levels = std::move(levels), even = std::move(even), lattice,
          readout, seed, threads](const io::SpinSamples& samples, int level) {
    if (level < 0 || std::size_t(level) >= levels.size())
      throw ConfigError("levels", "the DBN maps " + std::to_string(levels.size()) +
                                      " level(s), level " + std::to_string(level + 1) +
                                      " was asked for");
    const LayerSites& to = levels[std::size_t(level)];
    const ising::Lattice& from = level == 0 ? lattice : levels[std::size_t(level) - 1].coarse;
    if (samples.lattice.lx != from.lx || samples.lattice.ly != from.ly ||
        samples.spins.size() != samples.count * from.sites())
      throw ShapeError("DBN map level " + std::to_string(level + 1) + " expects samples of a " +
                       std::to_string(from.ly) + "×" + std::to_string(from.lx) + " lattice");
    const rbm::Rbm& layer = dbn.layers[std::size_t(level)];
    const bool spin_hidden = layer.hidden == rbm::Units::spin;
    const std::size_t n_from = from.sites(), n_to = to.coarse.sites();
    io::SpinSamples out;
    out.lattice = to.coarse;
    out.count = samples.count;
    out.spins.resize(samples.count * n_to);
    const std::size_t chunks = (samples.count + kChunk - 1) / kChunk;
    parallel_for(chunks, threads, [&](std::size_t c) {
      const std::size_t first = c * kChunk, rows = std::min(kChunk, samples.count - first);
      MatrixF v(rows, layer.n_visible()), x;
      for (std::size_t r = 0; r < rows; ++r) {
        const std::int8_t* s = samples.spins.data() + (first + r) * n_from;
        for (std::size_t site = 0; site < n_from; ++site) {
          const std::size_t unit = level == 0 ? site : levels[level - 1].unit_of_site[site];
          const int oriented = level == 0 ? s[site] : levels[level - 1].orientation[site] * s[site];
          v(r, unit) = in_alphabet(layer.visible, oriented);
        }
      }
      rbm::hidden_activation(layer, v, x);
      for (std::size_t r = 0; r < rows; ++r) {
        Rng rng(seed, stream_id(kMapTag, static_cast<std::uint64_t>(level), first + r));
        std::int8_t* dst = out.spins.data() + (first + r) * n_to;
        for (std::size_t site = 0; site < n_to; ++site) {
          const std::size_t unit = to.unit_of_site[site];
          const double field = x(r, unit) - even[std::size_t(level)][unit];
          const bool up = rg::read_out(readout, field, spin_hidden ? 2 : 1, rng);
          dst[site] = static_cast<std::int8_t>(to.orientation[site] * (up ? 1 : -1));
        }
      }
    });
    return out;
  };
}

template <class Real>
rbm::BasicRbm<Real> place_hidden_units(const rbm::BasicRbm<Real>& rbm, const LayerSites& sites) {
  rbm.validate();
  const std::size_t n = sites.coarse.sites();
  if (sites.left_over > 0 || rbm.n_hidden() != n || sites.unit_of_site.size() != n ||
      sites.orientation.size() != n)
    throw ConfigError("rbm", "placing hidden units needs one unit per coarse site: " +
                                 std::to_string(rbm.n_hidden()) + " units for " +
                                 std::to_string(n) + " sites");
  rbm::BasicRbm<Real> out = rbm;
  for (std::size_t k = 0; k < n; ++k) {
    const std::size_t j = sites.unit_of_site[k];
    if (j >= rbm.n_hidden()) throw ConfigError("rbm", "the sites name a unit the RBM lacks");
    const bool flip = sites.orientation[k] < 0;
    out.hidden_bias[k] = flip ? -rbm.hidden_bias[j] : rbm.hidden_bias[j];
    for (std::size_t i = 0; i < rbm.n_visible(); ++i)
      out.W(i, k) = flip ? -rbm.W(i, j) : rbm.W(i, j);
  }
  // h → 1 − h moves the column's coupling into the visible biases.
  if (rbm.hidden == rbm::Units::bernoulli)
    for (std::size_t k = 0; k < n; ++k)
      if (sites.orientation[k] < 0)
        for (std::size_t i = 0; i < rbm.n_visible(); ++i)
          out.visible_bias[i] += rbm.W(i, sites.unit_of_site[k]);
  return out;
}

template rbm::Rbm place_hidden_units(const rbm::Rbm&, const LayerSites&);
template rbm::Rbm64 place_hidden_units(const rbm::Rbm64&, const LayerSites&);

}  // namespace deeprg::analysis
