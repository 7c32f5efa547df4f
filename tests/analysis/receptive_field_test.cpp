// Receptive fields: shapes of hand-built fields (one site, uniform blocks, wrapped blocks,
// uniform fields) against distances counted by hand, the product r(l) = r(l−1)·W(l) against a
// hand multiplication, layer summaries of a DBN built from exact block spins, and errors.
#include "deeprg/analysis/receptive_field.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <numbers>
#include <vector>

#include "deeprg/core/error.hpp"
#include "deeprg/core/rng.hpp"

namespace deeprg::analysis {
namespace {

using ising::Lattice;

constexpr double kTol = 1e-9;

/// A field on `lattice` that is `value` on the sites of an bx × by rectangle whose top-left
/// corner is (x0, y0), wrapping around the periodic boundary.
std::vector<double> rectangle(const Lattice& lattice, int x0, int y0, int bx, int by,
                              double value = 1.0) {
  std::vector<double> f(lattice.sites(), 0.0);
  for (int dy = 0; dy < by; ++dy)
    for (int dx = 0; dx < bx; ++dx) {
      const int x = (x0 + dx) % lattice.lx, y = (y0 + dy) % lattice.ly;
      f[static_cast<std::size_t>(y) * lattice.lx + x] = value;
    }
  return f;
}

void set_column(MatrixD& m, std::size_t j, const std::vector<double>& f) {
  for (std::size_t i = 0; i < f.size(); ++i) m(i, j) = f[i];
}

TEST(ReceptiveFieldShape, OneSite) {
  const Lattice lat = Lattice::square(40, 40);
  std::vector<double> f(lat.sites(), 0.0);
  f[3 * 40 + 7] = -2.5;  // (x, y) = (7, 3)
  for (int window : {1, 3, 40}) {
    const FieldShape s = field_shape(f, lat, 0.8, window);
    EXPECT_FALSE(s.dead);
    EXPECT_NEAR(s.centre_x, 7.0, kTol);
    EXPECT_NEAR(s.centre_y, 3.0, kTol);
    EXPECT_NEAR(s.radius, 0.0, kTol);
    EXPECT_NEAR(s.participation, 1.0, 1e-12);
    EXPECT_NEAR(s.locality, 1.0, 1e-12);
  }
}

TEST(ReceptiveFieldShape, Uniform2x2Block) {
  const Lattice lat = Lattice::square(40, 40);
  const auto f = rectangle(lat, 10, 20, 2, 2, 0.3);
  // All four sites lie √2/2 from the centre (10.5, 20.5): any fraction needs all of them.
  for (double fraction : {0.1, 0.25, 0.8, 1.0}) {
    const FieldShape s = field_shape(f, lat, fraction, 2);
    EXPECT_NEAR(s.centre_x, 10.5, kTol);
    EXPECT_NEAR(s.centre_y, 20.5, kTol);
    EXPECT_NEAR(s.radius, std::sqrt(2.0) / 2.0, kTol) << fraction;
    EXPECT_NEAR(s.participation, 4.0, 1e-12);
    EXPECT_NEAR(s.locality, 1.0, 1e-12);
  }
  // A 1×1 window holds one of the four sites, a 3×3 window all of them.
  EXPECT_NEAR(field_shape(f, lat, 0.8, 1).locality, 0.25, 1e-12);
  EXPECT_NEAR(field_shape(f, lat, 0.8, 3).locality, 1.0, 1e-12);
}

TEST(ReceptiveFieldShape, Uniform4x4Block) {
  const Lattice lat = Lattice::square(40, 40);
  const auto f = rectangle(lat, 0, 0, 4, 4);
  // From the centre (1.5, 1.5): 4 sites at √0.5, 8 at √2.5, 4 at √4.5 (cumulative 4, 12, 16).
  const FieldShape s = field_shape(f, lat, 0.8, 4);  // 0.8·16 = 12.8 > 12
  EXPECT_NEAR(s.centre_x, 1.5, kTol);
  EXPECT_NEAR(s.centre_y, 1.5, kTol);
  EXPECT_NEAR(s.radius, std::sqrt(4.5), kTol);
  EXPECT_NEAR(s.participation, 16.0, 1e-12);
  EXPECT_NEAR(s.locality, 1.0, 1e-12);
  EXPECT_NEAR(field_shape(f, lat, 0.75, 4).radius, std::sqrt(2.5), kTol);  // exactly 12 sites
  EXPECT_NEAR(field_shape(f, lat, 0.76, 4).radius, std::sqrt(4.5), kTol);
  EXPECT_NEAR(field_shape(f, lat, 0.25, 4).radius, std::sqrt(0.5), kTol);  // exactly 4 sites
  EXPECT_NEAR(field_shape(f, lat, 0.26, 4).radius, std::sqrt(2.5), kTol);
  EXPECT_NEAR(field_shape(f, lat, 0.8, 2).locality, 4.0 / 16.0, 1e-12);  // the central 2×2
  EXPECT_NEAR(field_shape(f, lat, 0.8, 3).locality, 9.0 / 16.0, 1e-12);
}

TEST(ReceptiveFieldShape, WrappedBlockMatchesUnwrapped) {
  const Lattice lat = Lattice::square(40, 40);
  // 2×2 block on the sites x, y ∈ {39, 0}: its centre is the corner (39.5, 39.5), not L/2.
  const FieldShape w2 = field_shape(rectangle(lat, 39, 39, 2, 2), lat, 0.8, 2);
  EXPECT_NEAR(w2.centre_x, 39.5, kTol);
  EXPECT_NEAR(w2.centre_y, 39.5, kTol);
  EXPECT_NEAR(w2.radius, std::sqrt(0.5), kTol);
  EXPECT_NEAR(w2.locality, 1.0, 1e-12);
  // 4×4 block on x ∈ {38, 39, 0, 1}, y ∈ {20..23}.
  const FieldShape w4 = field_shape(rectangle(lat, 38, 20, 4, 4), lat, 0.8, 4);
  const FieldShape u4 = field_shape(rectangle(lat, 0, 0, 4, 4), lat, 0.8, 4);
  EXPECT_NEAR(w4.centre_x, 39.5, kTol);
  EXPECT_NEAR(w4.centre_y, 21.5, kTol);
  EXPECT_NEAR(w4.radius, u4.radius, kTol);
  EXPECT_NEAR(w4.participation, u4.participation, 1e-12);
  EXPECT_NEAR(w4.locality, 1.0, 1e-12);
  // A block whose centre lands exactly on the seam x = 0 (x ∈ {39, 0, 1}).
  const FieldShape w3 = field_shape(rectangle(lat, 39, 5, 3, 1), lat, 1.0, 3);
  EXPECT_NEAR(std::min(w3.centre_x, 40.0 - w3.centre_x), 0.0, kTol);
  EXPECT_NEAR(w3.centre_y, 5.0, kTol);
  EXPECT_NEAR(w3.radius, 1.0, kTol);
  EXPECT_NEAR(w3.locality, 1.0, 1e-12);
}

TEST(ReceptiveFieldShape, UniformField) {
  const Lattice lat = Lattice::square(40, 40);
  const std::vector<double> f(lat.sites(), -0.7);
  const FieldShape s = field_shape(f, lat, 1.0, 5);
  EXPECT_FALSE(s.dead);
  EXPECT_NEAR(s.participation, 1600.0, 1e-9);
  EXPECT_NEAR(s.locality, 25.0 / 1600.0, 1e-12);
  // Every site is needed; the farthest minimum-image offset on a 40-torus is (20, 20).
  EXPECT_NEAR(s.radius, std::sqrt(800.0), kTol);
  EXPECT_GE(s.centre_x, 0.0);
  EXPECT_LT(s.centre_x, 40.0);
  EXPECT_NEAR(field_shape(f, lat, 0.5, 40).locality, 1.0, 1e-12);
}

TEST(ReceptiveFieldShape, SignDoesNotMatter) {
  const Lattice lat = Lattice::square(12, 10);
  std::vector<double> f(lat.sites());
  for (std::size_t i = 0; i < f.size(); ++i)
    f[i] = std::exp(-0.3 * static_cast<double>((i * 7) % 13)) * ((i % 3 == 0) ? -1.0 : 1.0);
  std::vector<double> a(f.size());
  for (std::size_t i = 0; i < f.size(); ++i) a[i] = std::abs(f[i]);
  const FieldShape sf = field_shape(f, lat, 0.6, 4), sa = field_shape(a, lat, 0.6, 4);
  EXPECT_EQ(sf.centre_x, sa.centre_x);
  EXPECT_EQ(sf.centre_y, sa.centre_y);
  EXPECT_EQ(sf.radius, sa.radius);
  EXPECT_EQ(sf.participation, sa.participation);
  EXPECT_EQ(sf.locality, sa.locality);
}

TEST(ReceptiveFieldShape, UnequalWeightsTwoSites) {
  // Field 3 at x = 5 and −1 at x = 6 (row y = 2): powers 9 and 1, participation 10²/(81 + 1);
  // the circular mean sits at δ = (L/2π)·atan2(sin θ, 9 + cos θ) past x = 5, θ = 2π/L, just
  // under the linear mean 0.1. 90% of the power is at distance δ, the rest at 1 − δ.
  const Lattice lat = Lattice::square(40, 40);
  std::vector<double> f(lat.sites(), 0.0);
  f[2 * 40 + 5] = 3.0;
  f[2 * 40 + 6] = -1.0;
  const double theta = 2.0 * std::numbers::pi / 40.0;
  const double delta = std::atan2(std::sin(theta), 9.0 + std::cos(theta)) / theta;
  EXPECT_GT(delta, 0.09);
  EXPECT_LT(delta, 0.1);
  const FieldShape s = field_shape(f, lat, 0.85, 1);
  EXPECT_NEAR(s.centre_x, 5.0 + delta, 1e-12);
  EXPECT_NEAR(s.centre_y, 2.0, kTol);
  EXPECT_NEAR(s.participation, 100.0 / 82.0, 1e-12);
  EXPECT_NEAR(s.radius, delta, 1e-12);
  EXPECT_NEAR(s.locality, 0.9, 1e-12);  // the 1×1 window sits on x = 5
  EXPECT_NEAR(field_shape(f, lat, 0.95, 1).radius, 1.0 - delta, 1e-12);
  EXPECT_NEAR(field_shape(f, lat, 0.95, 2).locality, 1.0, 1e-12);
}

TEST(ReceptiveFieldShape, Chain) {
  const Lattice lat = Lattice::chain(16);
  const auto f = rectangle(lat, 2, 0, 4, 1);         // x = 2..5
  const FieldShape s = field_shape(f, lat, 1.0, 4);  // windows on a chain are segments
  EXPECT_NEAR(s.centre_x, 3.5, kTol);
  EXPECT_EQ(s.centre_y, 0.0);
  EXPECT_NEAR(s.radius, 1.5, kTol);
  EXPECT_NEAR(field_shape(f, lat, 0.5, 4).radius, 0.5, kTol);
  EXPECT_NEAR(s.participation, 4.0, 1e-12);
  EXPECT_NEAR(s.locality, 1.0, 1e-12);
  EXPECT_NEAR(field_shape(f, lat, 1.0, 2).locality, 0.5, 1e-12);
  EXPECT_NO_THROW(field_shape(f, lat, 1.0, 16));
  EXPECT_THROW(field_shape(f, lat, 1.0, 17), ConfigError);
}

TEST(ReceptiveFieldShape, DeadField) {
  const Lattice lat = Lattice::square(8, 8);
  const FieldShape s = field_shape(std::vector<double>(64, 0.0), lat, 0.8, 2);
  EXPECT_TRUE(s.dead);
  EXPECT_EQ(s.radius, 0.0);
  EXPECT_EQ(s.participation, 0.0);
  EXPECT_EQ(s.locality, 0.0);
}

TEST(ReceptiveFieldShape, Errors) {
  const Lattice lat = Lattice::square(40, 20);
  const std::vector<double> f(lat.sites(), 1.0);
  EXPECT_THROW(field_shape(std::vector<double>(799, 1.0), lat, 0.8, 2), ShapeError);
  for (const double bad :
       {std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::infinity(), 1e200}) {
    std::vector<double> g = f;
    g[17] = bad;
    EXPECT_THROW(field_shape(g, lat, 0.8, 2), ShapeError) << bad;
    EXPECT_THROW(layer_fields({MatrixD(lat.sites(), 1, bad)}, lat, 0.8), ShapeError) << bad;
  }
  for (double bad : {0.0, -0.1, 1.0001, std::numeric_limits<double>::quiet_NaN()}) {
    try {
      field_shape(f, lat, bad, 2);
      ADD_FAILURE() << "fraction " << bad << " accepted";
    } catch (const ConfigError& e) {
      EXPECT_EQ(e.key(), "analysis.rf_fraction");
    }
  }
  for (int bad : {0, -1, 21, 40}) {
    try {
      field_shape(f, lat, 0.8, bad);
      ADD_FAILURE() << "window " << bad << " accepted";
    } catch (const ConfigError& e) {
      EXPECT_EQ(e.key(), "window");
    }
  }
  EXPECT_NO_THROW(field_shape(f, lat, 1.0, 20));
}

TEST(ReceptiveFieldBlockReference, HandValues) {
  const Lattice lat = Lattice::square(40, 40);
  const FieldShape b1 = block_reference(lat, 1, 0.8);
  EXPECT_NEAR(b1.radius, 0.0, kTol);
  EXPECT_NEAR(b1.participation, 1.0, 1e-12);
  const FieldShape b2 = block_reference(lat, 2, 0.8);
  EXPECT_NEAR(b2.radius, std::sqrt(0.5), kTol);
  EXPECT_NEAR(b2.participation, 4.0, 1e-12);
  EXPECT_NEAR(b2.locality, 1.0, 1e-12);
  EXPECT_NEAR(block_reference(lat, 4, 0.8).radius, std::sqrt(4.5), kTol);
  EXPECT_NEAR(block_reference(lat, 4, 0.8).participation, 16.0, 1e-12);
  // 8×8 from its centre: offsets ±0.5, ±1.5, ±2.5, ±3.5 per axis; 0.8·64 = 51.2 sites.
  // Distances² with multiplicity: 0.5 (4), 2.5 (8), 4.5 (4), 6.5 (8), 8.5 (8), 12.5 (8 + 4),
  // 14.5 (8), 18.5 (8), 24.5 (4); cumulative 4, 12, 16, 24, 32, 44, 52 ≥ 51.2 → √14.5.
  EXPECT_NEAR(block_reference(lat, 8, 0.8).radius, std::sqrt(14.5), kTol);
  EXPECT_THROW(block_reference(lat, 0, 0.8), ConfigError);
  EXPECT_THROW(block_reference(lat, 41, 0.8), ConfigError);
  EXPECT_THROW(block_reference(lat, 2, 0.0), ConfigError);
}

TEST(ReceptiveFields, ProductOfWeights) {
  rbm::Dbn dbn;
  rbm::Rbm l1(3, 2), l2(2, 2), l3(2, 1);
  l1.W.data = {1.0f, 2.0f, 0.0f, -1.0f, 3.0f, 0.5f};
  l2.W.data = {2.0f, 0.0f, 1.0f, -1.0f};
  l3.W.data = {1.0f, -2.0f};
  dbn.layers = {l1, l2, l3};
  const auto r = receptive_fields(dbn);
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[0].rows, 3u);
  EXPECT_EQ(r[0].cols, 2u);
  EXPECT_EQ(r[0].data, (std::vector<double>{1, 2, 0, -1, 3, 0.5}));
  // [[1,2],[0,-1],[3,0.5]]·[[2,0],[1,-1]] = [[4,-2],[-1,1],[6.5,-0.5]]
  EXPECT_EQ(r[1].rows, 3u);
  EXPECT_EQ(r[1].cols, 2u);
  EXPECT_EQ(r[1].data, (std::vector<double>{4, -2, -1, 1, 6.5, -0.5}));
  // ·[[1],[-2]] = [[8],[-3],[7.5]]
  EXPECT_EQ(r[2].rows, 3u);
  EXPECT_EQ(r[2].cols, 1u);
  EXPECT_EQ(r[2].data, (std::vector<double>{8, -3, 7.5}));

  EXPECT_TRUE(receptive_fields(rbm::Dbn{}).empty());
  dbn.layers[1] = rbm::Rbm(3, 2);  // layer 1 has 2 hidden units
  EXPECT_THROW(receptive_fields(dbn), ShapeError);
}

/// A 64 → 17 → 4 DBN on an 8×8 lattice: layer-1 units 0..15 are the 2×2 blocks (weight ±0.5),
/// unit 16 is dead; layer-2 unit J sums the four layer-1 blocks of 4×4 block J.
rbm::Dbn block_dbn() {
  const Lattice lat = Lattice::square(8, 8);
  rbm::Rbm l1(64, 17), l2(17, 4);
  for (int y = 0; y < 8; ++y)
    for (int x = 0; x < 8; ++x) {
      const int unit = (y / 2) * 4 + x / 2;
      l1.W(static_cast<std::size_t>(y * lat.lx + x), static_cast<std::size_t>(unit)) =
          unit % 3 == 0 ? -0.5f : 0.5f;
    }
  for (int unit = 0; unit < 16; ++unit) {
    const int bx = unit % 4, by = unit / 4;
    const int parent = (by / 2) * 2 + bx / 2;
    // Undo the sign so the 4×4 field is uniform.
    l2.W(static_cast<std::size_t>(unit), static_cast<std::size_t>(parent)) =
        unit % 3 == 0 ? -1.0f : 1.0f;
  }
  rbm::Dbn dbn;
  dbn.layers = {l1, l2};
  return dbn;
}

TEST(ReceptiveFieldLayers, ExactBlocksMatchBlockReference) {
  const Lattice lat = Lattice::square(8, 8);
  const auto fields = receptive_fields(block_dbn());
  const auto layers = layer_fields(fields, lat, 0.8);
  ASSERT_EQ(layers.size(), 2u);

  const LayerFields& a = layers[0];
  EXPECT_EQ(a.layer, 1u);
  EXPECT_EQ(a.units, 17u);
  EXPECT_EQ(a.dead_units, 1u);
  EXPECT_TRUE(a.shapes[16].dead);
  EXPECT_EQ(a.block, 2);
  EXPECT_NEAR(a.block_radius, std::sqrt(0.5), kTol);
  EXPECT_NEAR(a.block_participation, 4.0, 1e-12);
  EXPECT_NEAR(a.radius_mean, a.block_radius, kTol);
  EXPECT_NEAR(a.radius_median, a.block_radius, kTol);
  EXPECT_NEAR(a.radius_error, 0.0, kTol);
  EXPECT_NEAR(a.participation_mean, 4.0, 1e-12);
  EXPECT_NEAR(a.locality_mean, 1.0, 1e-12);
  ASSERT_EQ(a.shapes.size(), 17u);
  EXPECT_NEAR(a.shapes[5].centre_x, 2.5, kTol);  // unit 5: block (1, 1), sites 2..3
  EXPECT_NEAR(a.shapes[5].centre_y, 2.5, kTol);

  const LayerFields& b = layers[1];
  EXPECT_EQ(b.layer, 2u);
  EXPECT_EQ(b.units, 4u);
  EXPECT_EQ(b.dead_units, 0u);
  EXPECT_EQ(b.block, 4);
  EXPECT_NEAR(b.block_radius, std::sqrt(4.5), kTol);
  EXPECT_NEAR(b.block_participation, 16.0, 1e-12);
  EXPECT_NEAR(b.radius_mean, b.block_radius, kTol);
  EXPECT_NEAR(b.participation_mean, 16.0, 1e-9);
  EXPECT_NEAR(b.locality_mean, 1.0, 1e-12);
  EXPECT_NEAR(b.shapes[3].centre_x, 5.5, kTol);
  EXPECT_NEAR(b.shapes[3].centre_y, 5.5, kTol);
}

TEST(ReceptiveFieldLayers, QuartilesInterpolateBetweenOrderStatistics) {
  const Lattice lat = Lattice::square(16, 16);
  MatrixD r(lat.sites(), 4, 0.0);
  set_column(r, 0, rectangle(lat, 3, 3, 4, 4));  // √4.5
  set_column(r, 1, rectangle(lat, 9, 1, 1, 1));  // 0
  set_column(r, 2, rectangle(lat, 6, 6, 2, 2));  // √0.5
  set_column(r, 3, rectangle(lat, 1, 9, 2, 2));  // √0.5
  const LayerFields l = layer_fields({r}, lat, 0.8).at(0);
  // Sorted 0, √0.5, √0.5, √4.5 at positions h = 3p: 0.75, 1.5 and 2.25.
  EXPECT_NEAR(l.radius_q25, 0.75 * std::sqrt(0.5), kTol);
  EXPECT_NEAR(l.radius_median, std::sqrt(0.5), kTol);
  EXPECT_NEAR(l.radius_q75, std::sqrt(0.5) + 0.25 * (std::sqrt(4.5) - std::sqrt(0.5)), kTol);
}

TEST(ReceptiveFieldLayers, StatisticsExcludeDeadUnits) {
  const Lattice lat = Lattice::square(16, 16);
  MatrixD r(lat.sites(), 6, 0.0);
  set_column(r, 0, rectangle(lat, 3, 3, 4, 4));  // √4.5
  /* column 1 stays dead */
  set_column(r, 2, rectangle(lat, 9, 1, 1, 1));    // 0
  set_column(r, 3, rectangle(lat, 15, 15, 2, 2));  // √0.5, wrapped
  set_column(r, 4, rectangle(lat, 0, 8, 1, 1));    // 0, ties with unit 2
  set_column(r, 5, rectangle(lat, 6, 6, 2, 2));    // √0.5
  const auto layers = layer_fields({r}, lat, 0.8);
  ASSERT_EQ(layers.size(), 1u);
  const LayerFields& l = layers[0];
  EXPECT_EQ(l.units, 6u);
  EXPECT_EQ(l.dead_units, 1u);
  const std::vector<double> radii = {std::sqrt(4.5), 0.0, std::sqrt(0.5), 0.0, std::sqrt(0.5)};
  double mean = 0;
  for (double x : radii) mean += x / 5.0;
  double ss = 0;
  for (double x : radii) ss += (x - mean) * (x - mean);
  EXPECT_NEAR(l.radius_mean, mean, kTol);
  EXPECT_NEAR(l.radius_error, std::sqrt(ss / 4.0 / 5.0), kTol);
  EXPECT_NEAR(l.radius_median, std::sqrt(0.5), kTol);
  // Sorted radii 0, 0, √0.5, √0.5, √4.5: the quartiles fall on order statistics 1 and 3.
  EXPECT_NEAR(l.radius_q25, 0.0, kTol);
  EXPECT_NEAR(l.radius_q75, std::sqrt(0.5), kTol);
  EXPECT_NEAR(l.participation_mean, (16.0 + 1 + 4 + 1 + 4) / 5.0, 1e-12);
  // Window 2: the 4×4 block keeps 4 of 16 sites, the others lie inside.
  EXPECT_NEAR(l.locality_mean, (0.25 + 1 + 1 + 1 + 1) / 5.0, 1e-12);

  // Most local live units first, ties by index, the dead one last.
  EXPECT_EQ(units_to_show(l, 10), (std::vector<std::size_t>{2, 4, 3, 5, 0, 1}));
  // Three of five live units: ranks 0, 2 and 4 (the most local, the middle, the least).
  EXPECT_EQ(units_to_show(l, 3), (std::vector<std::size_t>{2, 3, 0}));
  EXPECT_EQ(units_to_show(l, 1), (std::vector<std::size_t>{2}));
  EXPECT_EQ(units_to_show(l, 5), (std::vector<std::size_t>{2, 4, 3, 5, 0}));
  EXPECT_TRUE(units_to_show(l, 0).empty());

  // All dead: nothing to average.
  const auto dead = layer_fields({MatrixD(lat.sites(), 2, 0.0)}, lat, 0.8);
  EXPECT_EQ(dead[0].dead_units, 2u);
  EXPECT_EQ(dead[0].radius_mean, 0.0);
  EXPECT_EQ(units_to_show(dead[0], 5), (std::vector<std::size_t>{0, 1}));
}

TEST(ReceptiveFieldLayers, BlockSideDoublesAndIsCapped) {
  const Lattice lat = Lattice::square(8, 8);
  MatrixD r(64, 1, 0.0);
  r(0, 0) = 1.0;
  const auto layers = layer_fields({r, r, r, r}, lat, 0.8);
  ASSERT_EQ(layers.size(), 4u);
  EXPECT_EQ(layers[0].block, 2);
  EXPECT_EQ(layers[1].block, 4);
  EXPECT_EQ(layers[2].block, 8);
  EXPECT_EQ(layers[3].block, 8);
  EXPECT_NEAR(layers[3].block_participation, 64.0, 1e-9);
  for (const auto& l : layers) EXPECT_EQ(l.layer, static_cast<std::size_t>(&l - &layers[0] + 1));
}

TEST(ReceptiveFieldLayers, Errors) {
  const Lattice lat = Lattice::square(8, 8);
  EXPECT_THROW(layer_fields({MatrixD(64, 2), MatrixD(63, 2)}, lat, 0.8), ShapeError);
  EXPECT_THROW(layer_fields({MatrixD(64, 2)}, lat, 1.5), ConfigError);
  EXPECT_TRUE(layer_fields({}, lat, 0.8).empty());
}

TEST(ReceptiveFieldLayers, ThreadCountDoesNotChangeTheShapes) {
  const Lattice lat = Lattice::square(8, 8);
  MatrixD r(64, 40);
  Rng rng(7, 0);
  for (double& x : r.data) x = rng.uniform() - 0.5;
  const auto one = layer_fields({r}, lat, 0.8, 1);
  const auto three = layer_fields({r}, lat, 0.8, 3);
  ASSERT_EQ(one[0].shapes.size(), three[0].shapes.size());
  for (std::size_t j = 0; j < one[0].shapes.size(); ++j) {
    EXPECT_EQ(one[0].shapes[j].radius, three[0].shapes[j].radius) << "unit " << j;
    EXPECT_EQ(one[0].shapes[j].centre_x, three[0].shapes[j].centre_x) << "unit " << j;
  }
  EXPECT_EQ(one[0].radius_mean, three[0].radius_mean);
  EXPECT_EQ(one[0].radius_median, three[0].radius_median);
}

}  // namespace
}  // namespace deeprg::analysis
