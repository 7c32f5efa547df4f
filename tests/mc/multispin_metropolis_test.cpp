#include "deeprg/mc/multispin_metropolis.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <ostream>
#include <utility>
#include <vector>

#include "../core/xoshiro_reference.hpp"
#include "deeprg/core/error.hpp"
#include "deeprg/core/rng.hpp"
#include "deeprg/ising/exact.hpp"
#include "deeprg/ising/model.hpp"

namespace deeprg::mc {
namespace {

using Spins = std::vector<std::int8_t>;

ising::Model square_model(int lx, int ly, double T, double J = 1.0) {
  ising::Model m;
  m.lattice = ising::Lattice::square(lx, ly);
  m.J = J;
  m.T = T;
  return m;
}

Spins random_spins(std::size_t n, std::uint64_t seed) {
  Rng rng(seed);
  Spins s(n);
  for (auto& v : s) v = (rng() & 1) ? 1 : -1;
  return s;
}

Spins get_spins(const MultispinMetropolis& chain) {
  Spins s(chain.model().lattice.sites());
  chain.get(s);
  return s;
}

// Lattice shapes (lx, ly) covering every lane width W and words-per-row m regime: W = 1 with
// m odd, W = 2..32 with m = 1, W = 64 with m = 1, 2, 8, 9, 16, and extents of 2 (doubled
// bonds).
const std::vector<std::pair<int, int>> kShapes = {
    {2, 2},   {4, 2},   {2, 4},   {4, 4},  {6, 6},    {10, 4},   {16, 6},   {64, 64},
    {128, 4}, {256, 4}, {130, 4}, {64, 2}, {1024, 4}, {1152, 2}, {2048, 2}, {12, 8}};

// Aligned (J > 0) or anti-aligned (J < 0) neighbour count of site (x, y), scalar reference.
int scalar_count(const Spins& s, int lx, int ly, int x, int y, bool anti) {
  const auto at = [&](int xx, int yy) {
    return s[static_cast<std::size_t>((yy + ly) % ly) * lx + (xx + lx) % lx];
  };
  const int me = at(x, y);
  int a = 0;
  for (const int nb : {at(x - 1, y), at(x + 1, y), at(x, y - 1), at(x, y + 1)})
    a += anti ? (nb != me) : (nb == me);
  return a;
}

// One zero-temperature checkerboard sweep (flip iff count ≤ 2), scalar reference.
void scalar_zero_temperature_sweep(Spins& s, int lx, int ly, bool anti) {
  for (int c = 0; c < 2; ++c) {
    Spins next = s;
    for (int y = 0; y < ly; ++y)
      for (int x = 0; x < lx; ++x)
        if (((x + y) & 1) == c && scalar_count(s, lx, ly, x, y, anti) <= 2)
          next[static_cast<std::size_t>(y) * lx + x] = static_cast<std::int8_t>(-s[y * lx + x]);
    s = std::move(next);
  }
}

// Upper tail of the chi-square distribution with k degrees of freedom (Wilson–Hilferty:
// (X/k)^{1/3} is close to normal with mean 1 − 2/(9k) and variance 2/(9k); accurate to a few
// per cent in the tail for k ≳ 30, ample for a 1e-4 threshold).
double chi_square_pvalue(double x, double k) {
  const double v = 2.0 / (9.0 * k);
  const double z = (std::cbrt(x / k) - (1.0 - v)) / std::sqrt(v);
  return 0.5 * std::erfc(z / std::sqrt(2.0));
}

// Lag-1 autocorrelation of a series.
double lag1(const std::vector<double>& x) {
  const double mean = std::accumulate(x.begin(), x.end(), 0.0) / static_cast<double>(x.size());
  double c0 = 0, c1 = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    c0 += (x[i] - mean) * (x[i] - mean);
    if (i + 1 < x.size()) c1 += (x[i] - mean) * (x[i + 1] - mean);
  }
  return c0 > 0 ? c1 / c0 : 0.0;
}

// Mean and binned standard error (bins contiguous, equal length).
std::pair<double, double> binned_mean(const std::vector<double>& x, int bins) {
  const std::size_t len = x.size() / static_cast<std::size_t>(bins);
  std::vector<double> means(static_cast<std::size_t>(bins));
  for (int b = 0; b < bins; ++b) {
    double sum = 0;
    for (std::size_t i = 0; i < len; ++i) sum += x[static_cast<std::size_t>(b) * len + i];
    means[static_cast<std::size_t>(b)] = sum / static_cast<double>(len);
  }
  const double mean = std::accumulate(means.begin(), means.end(), 0.0) / bins;
  double var = 0;
  for (const double m : means) var += (m - mean) * (m - mean);
  var /= bins - 1;
  return {mean, std::sqrt(var / bins)};
}

// States (bit i set ⇔ s_i = +1) that checkerboard Metropolis can reach, with positive
// probability, from `start` after any number of sweeps (J > 0, 0 < p4 < p3 < 1). A colour-0
// site with ΔE < 0 must flip, one with ΔE > 0 may flip, one with ΔE = 0 must flip (`always`)
// or may flip (`half`); then colour 1 likewise. Depth-first search over (state, half-sweep).
std::vector<char> reachable_states(int lx, int ly, std::size_t start, ZeroEnergyFlip zero) {
  const int n = lx * ly;
  const std::size_t states = std::size_t{1} << n;
  std::vector<std::vector<int>> nbs(static_cast<std::size_t>(n));
  for (int y = 0; y < ly; ++y)
    for (int x = 0; x < lx; ++x)
      nbs[y * lx + x] = {y * lx + (x + 1) % lx, y * lx + (x + lx - 1) % lx, ((y + 1) % ly) * lx + x,
                         ((y + ly - 1) % ly) * lx + x};
  std::vector<char> seen[2] = {std::vector<char>(states, 0), std::vector<char>(states, 0)};
  std::vector<std::pair<std::size_t, int>> stack = {{start, 0}};
  seen[0][start] = 1;
  while (!stack.empty()) {
    const auto [idx, phase] = stack.back();
    stack.pop_back();
    std::size_t forced = 0, free = 0;
    for (int y = 0; y < ly; ++y)
      for (int x = 0; x < lx; ++x) {
        const int i = y * lx + x;
        if (((x + y) & 1) != phase) continue;
        int a = 0;
        for (const int j : nbs[i]) a += ((idx >> i) & 1) == ((idx >> j) & 1);
        const int forced_max = zero == ZeroEnergyFlip::always ? 2 : 1;
        (a <= forced_max ? forced : free) |= std::size_t{1} << i;
      }
    for (std::size_t sub = free;; sub = (sub - 1) & free) {
      const std::size_t next = idx ^ forced ^ sub;
      if (!seen[1 - phase][next]) {
        seen[1 - phase][next] = 1;
        stack.emplace_back(next, 1 - phase);
      }
      if (sub == 0) break;
    }
  }
  return seen[0];
}

// ------------------------------------------------------------------------------ construction

TEST(MultispinMetropolis, SupportsEvenSquareLatticesOnly) {
  EXPECT_TRUE(MultispinMetropolis::supports(ising::Lattice::square(2, 2)));
  EXPECT_TRUE(MultispinMetropolis::supports(ising::Lattice::square(4, 2)));
  EXPECT_TRUE(MultispinMetropolis::supports(ising::Lattice::square(130, 6)));
  EXPECT_TRUE(MultispinMetropolis::supports(ising::Lattice::square(2048, 2048)));
  EXPECT_FALSE(MultispinMetropolis::supports(ising::Lattice::square(5, 4)));
  EXPECT_FALSE(MultispinMetropolis::supports(ising::Lattice::square(4, 5)));
  EXPECT_FALSE(MultispinMetropolis::supports(ising::Lattice::chain(8)));
}

TEST(MultispinMetropolis, RejectsUnsupportedModels) {
  const auto key_of = [](const ising::Model& m) -> std::string {
    try {
      MultispinMetropolis chain(m, 1, 0);
    } catch (const ConfigError& e) {
      return e.key();
    }
    return "";
  };
  auto m = square_model(8, 8, 2.0);
  m.h = 0.1;
  EXPECT_EQ(key_of(m), "h");
  EXPECT_EQ(key_of(square_model(7, 8, 2.0)), "L");
  EXPECT_EQ(key_of(square_model(8, 7, 2.0)), "Ly");
  ising::Model chain_model;
  chain_model.lattice = ising::Lattice::chain(8);
  EXPECT_EQ(key_of(chain_model), "model");
  EXPECT_EQ(key_of(square_model(8, 8, -1.0)), "T");
}

TEST(MultispinMetropolis, LaneWidthIsLargestPowerOfTwoDividingHalfRow) {
  const auto width = [](int lx) { return MultispinMetropolis(square_model(lx, 2, 2.0), 1, 0); };
  EXPECT_EQ(width(2).lane_width(), 1);
  EXPECT_EQ(width(4).lane_width(), 2);
  EXPECT_EQ(width(64).lane_width(), 32);
  EXPECT_EQ(width(64).words_per_row(), 1);
  EXPECT_EQ(width(130).lane_width(), 1);
  EXPECT_EQ(width(130).words_per_row(), 65);
  EXPECT_EQ(width(2048).lane_width(), 64);
  EXPECT_EQ(width(2048).words_per_row(), 16);
}

// ------------------------------------------------------------------------------ get / set

TEST(MultispinMetropolis, ColdStartAndGetSetRoundTrip) {
  for (const auto& [lx, ly] : kShapes) {
    SCOPED_TRACE(std::to_string(lx) + "x" + std::to_string(ly));
    const auto model = square_model(lx, ly, 2.0);
    MultispinMetropolis chain(model, 3, 1);
    const auto n = model.lattice.sites();
    EXPECT_EQ(get_spins(chain), Spins(n, 1));
    EXPECT_EQ(chain.magnetization(), static_cast<std::int64_t>(n));
    EXPECT_EQ(chain.bond_sum(), static_cast<std::int64_t>(model.lattice.bonds()));

    for (std::uint64_t seed = 0; seed < 3; ++seed) {
      const Spins s = random_spins(n, 100 * lx + ly + seed);
      chain.set(s);
      EXPECT_EQ(get_spins(chain), s);
      EXPECT_EQ(chain.bond_sum(), ising::bond_sum(model.lattice, s));
      EXPECT_EQ(chain.magnetization(), ising::magnetization(s));
      EXPECT_DOUBLE_EQ(chain.energy(), ising::energy(model, s));
    }
    Spins single(n, 1);  // one down spin at every position of a small lattice
    if (n <= 64) {
      for (std::size_t i = 0; i < n; ++i) {
        single.assign(n, 1);
        single[i] = -1;
        chain.set(single);
        EXPECT_EQ(get_spins(chain), single);
      }
    }
  }
}

TEST(MultispinMetropolis, SetAndGetValidateInput) {
  MultispinMetropolis chain(square_model(4, 4, 2.0), 1, 0);
  Spins wrong(15, 1);
  EXPECT_THROW(chain.set(wrong), ShapeError);
  EXPECT_THROW(chain.get(wrong), ShapeError);
  Spins bad(16, 1);
  bad[5] = 0;
  EXPECT_THROW(chain.set(bad), ConfigError);
  bad[5] = 2;
  EXPECT_THROW(chain.set(bad), ConfigError);
}

// ------------------------------------------------------------------------------ neighbours

// At T → 0 (p3 = p4 = 0 exactly) with ZeroEnergyFlip::always a sweep is deterministic:
// colour-0 sites with at most two aligned neighbours flip, then colour-1 sites given the new
// colour 0. This pins the packed neighbour topology and the bit-sliced count for a ≤ 2 vs
// a ≥ 3 on every shape.
TEST(MultispinMetropolis, ZeroTemperatureSweepMatchesScalarCount) {
  for (const double J : {1.0, -1.0}) {
    for (const auto& [lx, ly] : kShapes) {
      SCOPED_TRACE(std::to_string(lx) + "x" + std::to_string(ly) + " J=" + std::to_string(J));
      const auto model = square_model(lx, ly, 1e-3, J);
      MultispinMetropolis chain(model, 5, 0, ZeroEnergyFlip::always);
      Spins s = random_spins(model.lattice.sites(), 7 * lx + ly);
      chain.set(s);
      for (int sweep = 0; sweep < 3; ++sweep) {
        chain.sweep();
        scalar_zero_temperature_sweep(s, lx, ly, J < 0);
        ASSERT_EQ(get_spins(chain), s);
      }
    }
  }
}

// The same with ZeroEnergyFlip::half: a ≤ 1 must flip, a ≥ 3 must not, a = 2 is a coin. The
// colour-0 outcome is read off the final state, which fixes the state colour 1 saw.
TEST(MultispinMetropolis, ZeroTemperatureHalfSweepForcedMoves) {
  for (const double J : {1.0, -1.0}) {
    for (const auto& [lx, ly] : kShapes) {
      SCOPED_TRACE(std::to_string(lx) + "x" + std::to_string(ly) + " J=" + std::to_string(J));
      const auto model = square_model(lx, ly, 1e-3, J);
      MultispinMetropolis chain(model, 5, 0);
      const Spins s0 = random_spins(model.lattice.sites(), 7 * lx + ly);
      chain.set(s0);
      chain.sweep();
      const Spins s2 = get_spins(chain);
      Spins s1 = s0;  // after the colour-0 half-sweep
      for (int y = 0; y < ly; ++y)
        for (int x = 0; x < lx; ++x)
          if (((x + y) & 1) == 0) s1[y * lx + x] = s2[y * lx + x];
      for (int c = 0; c < 2; ++c) {
        const Spins& before = c == 0 ? s0 : s1;
        const Spins& after = c == 0 ? s1 : s2;
        for (int y = 0; y < ly; ++y)
          for (int x = 0; x < lx; ++x) {
            if (((x + y) & 1) != c) continue;
            const int a = scalar_count(before, lx, ly, x, y, J < 0);
            const bool flipped = after[y * lx + x] != before[y * lx + x];
            if (a <= 1) {
              ASSERT_TRUE(flipped) << x << "," << y << " a=" << a;
            }
            if (a >= 3) {
              ASSERT_FALSE(flipped) << x << "," << y << " a=" << a;
            }
          }
      }
    }
  }
}

// The a = 2 / 3 / 4 split: after one sweep from a fixed configuration, colour-0 sites (updated
// first, from the initial colour 1) flip with frequency 1 (a ≤ 1), 1 or 1/2 (a = 2, per
// ZeroEnergyFlip), p3 or p4 according to their scalar aligned-neighbour count.
TEST(MultispinMetropolis, FlipFrequencyByNeighbourCount) {
  const double K = 0.44;
  for (const auto zero : {ZeroEnergyFlip::half, ZeroEnergyFlip::always}) {
    const double p2 = zero == ZeroEnergyFlip::half ? 0.5 : 1.0;
    const double p[5] = {1, 1, p2, std::exp(-4 * K), std::exp(-8 * K)};
    for (const auto& [lx, ly] : std::vector<std::pair<int, int>>{{64, 64}, {256, 16}, {10, 4}}) {
      SCOPED_TRACE(std::to_string(lx) + "x" + std::to_string(ly) +
                   (zero == ZeroEnergyFlip::half ? " half" : " always"));
      const auto model = square_model(lx, ly, 1 / K);
      MultispinMetropolis chain(model, 11, 2, zero);
      const Spins s0 = random_spins(model.lattice.sites(), 99);
      std::vector<int> klass(s0.size(), -1);
      for (int y = 0; y < ly; ++y)
        for (int x = 0; x < lx; ++x)
          if (((x + y) & 1) == 0) klass[y * lx + x] = scalar_count(s0, lx, ly, x, y, false);
      double trials[5] = {}, flips[5] = {};
      const int reps = static_cast<int>(2000000 / s0.size()) + 1;
      for (int r = 0; r < reps; ++r) {
        chain.set(s0);
        chain.sweep();
        const Spins s = get_spins(chain);
        for (std::size_t i = 0; i < s.size(); ++i) {
          if (klass[i] < 0) continue;
          trials[klass[i]] += 1;
          flips[klass[i]] += s[i] != s0[i];
        }
      }
      EXPECT_GT(trials[2], 1000);
      EXPECT_GT(trials[3], 1000);
      EXPECT_GT(trials[4], 1000);
      for (int a = 0; a < 5; ++a) {
        if (trials[a] == 0) continue;
        const double f = flips[a] / trials[a];
        if (p[a] == 1) {
          EXPECT_EQ(f, 1.0) << "a = " << a;
        } else {
          const double sigma = std::sqrt(p[a] * (1 - p[a]) / trials[a]);
          EXPECT_NEAR(f, p[a], 4 * sigma) << "a = " << a;
        }
      }
    }
  }
}

// ------------------------------------------------------------------------------ exact Bernoulli

TEST(MultispinBernoulli, LaneFrequencyMatchesP) {
  const std::size_t words = 16384;  // 2^20 lane draws per p
  for (const double p : {std::exp(-4 * 0.44), std::exp(-8 * 0.44), 0.5, 1e-3, 0.75, 1e-9}) {
    SCOPED_TRACE(p);
    std::vector<std::uint64_t> w(words);
    detail::bernoulli_words(p, 2024, 0, w);
    const double n = 64.0 * static_cast<double>(words);
    double ones = 0, pairs = 0;
    std::vector<double> per_bit(64, 0);
    for (const auto x : w) {
      ones += std::popcount(x);
      pairs += std::popcount(x & (x >> 1) & 0x5555555555555555ULL);
      for (int b = 0; b < 64; ++b) per_bit[b] += (x >> b) & 1;
    }
    const double sigma = std::sqrt(p * (1 - p) / n);
    EXPECT_NEAR(ones / n, p, 4 * sigma + 1e-15);
    // Adjacent lanes are independent: P(both) = p².
    const double p2 = p * p, npairs = n / 2;
    EXPECT_NEAR(pairs / npairs, p2, 4 * std::sqrt(p2 * (1 - p2) / npairs) + 1e-15);
    // Every lane (bit position) has the same p: Σ z² over 64 lanes is χ²(64).
    if (p * static_cast<double>(words) > 20) {
      double chi2 = 0;
      for (const double c : per_bit) {
        const double e = p * static_cast<double>(words);
        chi2 += (c - e) * (c - e) / (e * (1 - p));
      }
      EXPECT_GT(chi_square_pvalue(chi2, 64), 1e-4) << "chi2 = " << chi2;
    }
  }
}

TEST(MultispinBernoulli, EndpointsAreExactAndStreamsAreReproducible) {
  std::vector<std::uint64_t> w(1000);
  detail::bernoulli_words(0.0, 1, 0, w);
  for (const auto x : w) ASSERT_EQ(x, 0u);
  detail::bernoulli_words(1.0, 1, 0, w);
  for (const auto x : w) ASSERT_EQ(x, ~std::uint64_t{0});
  std::vector<std::uint64_t> a(1000), b(1000), c(1000);
  detail::bernoulli_words(0.3, 9, 1, a);
  detail::bernoulli_words(0.3, 9, 1, b);
  detail::bernoulli_words(0.3, 9, 2, c);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  EXPECT_THROW(detail::bernoulli_words(1.5, 1, 0, w), ConfigError);
}

// The vector generator: lane 0 is xoshiro256++ started from four outputs of Rng(seed, stream),
// every lane is a different stream, and (seed, stream) pairs give different words.
TEST(MultispinRng, LaneZeroIsXoshiro256PlusPlusSeededFromRng) {
  const std::size_t lanes = MultispinMetropolis::kLanes, steps = 1000;
  std::vector<std::uint64_t> w(lanes * steps);
  detail::random_words(12, 34, w);
  Rng seeder(12, 34);
  std::uint64_t s[4];
  for (auto& x : s) x = seeder();
  for (std::size_t k = 0; k < steps; ++k)
    ASSERT_EQ(w[k * lanes], testing::xoshiro_next(s)) << "step " << k;
  for (std::size_t a = 0; a < lanes; ++a)
    for (std::size_t b = a + 1; b < lanes; ++b) EXPECT_NE(w[a], w[b]);
  std::vector<std::uint64_t> other(w.size());
  detail::random_words(12, 35, other);
  EXPECT_NE(w, other);
}

// ------------------------------------------------------------------------------ dynamics

TEST(MultispinMetropolis, TrajectoryDependsOnlyOnSeedAndStream) {
  const auto model = square_model(64, 32, ising::kCriticalTemperature);
  MultispinMetropolis a(model, 77, 5), b(model, 77, 5), c(model, 77, 6);
  a.sweeps(20);
  b.sweeps(10);
  b.sweeps(10);
  c.sweeps(20);
  EXPECT_EQ(get_spins(a), get_spins(b));
  EXPECT_NE(get_spins(a), get_spins(c));
}

// J < 0 on a bipartite torus is the J > 0 model under the staggered gauge s → (−1)^{x+y} s;
// with the same random bits the two chains stay gauge images of each other exactly.
TEST(MultispinMetropolis, AntiferromagnetIsGaugeImageOfFerromagnet) {
  for (const auto& [lx, ly] : std::vector<std::pair<int, int>>{{16, 6}, {128, 4}, {4, 2}}) {
    for (const auto zero : {ZeroEnergyFlip::half, ZeroEnergyFlip::always}) {
      const auto fm = square_model(lx, ly, 2.3, 1.0), afm = square_model(lx, ly, 2.3, -1.0);
      MultispinMetropolis a(fm, 8, 1, zero), b(afm, 8, 1, zero);
      const auto gauge = [&](Spins s) {
        for (int y = 0; y < ly; ++y)
          for (int x = 0; x < lx; ++x)
            if ((x + y) & 1) s[y * lx + x] = static_cast<std::int8_t>(-s[y * lx + x]);
        return s;
      };
      const Spins s = random_spins(fm.lattice.sites(), 5);
      a.set(s);
      b.set(gauge(s));
      a.sweeps(25);
      b.sweeps(25);
      EXPECT_EQ(gauge(get_spins(a)), get_spins(b));
      EXPECT_EQ(a.bond_sum(), -b.bond_sum());
    }
  }
}

// J = 0: every move has ΔE = 0. With ZeroEnergyFlip::always every spin flips every sweep;
// with half each spin flips with probability 1/2 per half-sweep, independently.
TEST(MultispinMetropolis, ZeroCouplingMoves) {
  const auto model = square_model(16, 6, 1.0, 0.0);
  const Spins s = random_spins(model.lattice.sites(), 3);
  MultispinMetropolis always(model, 1, 0, ZeroEnergyFlip::always);
  always.set(s);
  always.sweep();
  Spins flipped = s;
  for (auto& v : flipped) v = static_cast<std::int8_t>(-v);
  EXPECT_EQ(get_spins(always), flipped);

  MultispinMetropolis half(model, 1, 0);
  half.set(s);
  Spins prev = s;
  double flips = 0, pairs = 0, trials = 0;
  for (int k = 0; k < 2000; ++k) {
    half.sweep();
    const Spins now = get_spins(half);
    for (std::size_t i = 0; i < now.size(); ++i) {
      flips += now[i] != prev[i];
      pairs += now[i] != prev[i] && now[(i + 1) % now.size()] != prev[(i + 1) % now.size()];
    }
    trials += static_cast<double>(now.size());
    prev = now;
  }
  EXPECT_NEAR(flips / trials, 0.5, 4 * std::sqrt(0.25 / trials));
  EXPECT_NEAR(pairs / trials, 0.25, 4 * std::sqrt(0.25 * 0.75 / trials));
}

// ------------------------------------------------------------------------------ distribution

struct ChiSquareCase {
  int lx, ly;
  double K;
  int spacing;  // sweeps between samples (several exponential autocorrelation times)
  int samples;
  ZeroEnergyFlip zero;
  friend void PrintTo(const ChiSquareCase& c, std::ostream* os) {
    *os << c.lx << "x" << c.ly << " K=" << c.K << " spacing=" << c.spacing
        << " samples=" << c.samples << (c.zero == ZeroEnergyFlip::half ? " half" : " always");
  }
};

// Samples the full state space of a tiny torus and compares state counts with the exact
// Boltzmann weights exp(−H/T)/Z (brute force with ising::energy). States with an expected
// count below 5 are pooled, in order of increasing probability, into cells of expected
// count ≥ 5. No symmetry is folded: the global flip is part of what is tested.
//
// With ZeroEnergyFlip::half the chain is ergodic and every state is compared. With always it
// is not: a site with ΔE ≤ 0 flips with probability 1, and in a state where every spin has
// exactly two aligned neighbours (zero local field everywhere, e.g. the stripes ±(−1)^x) a
// half-sweep flips the whole colour, which maps every count a to 4 − a = 2 again: these states
// cycle deterministically and are never entered from elsewhere. They carry a visible share of Z
// on 4x2 (4 states) and 4x4 (36). Exact Boltzmann restricted to a closed class is stationary,
// so the test then compares with exp(−H/T) renormalised over the states reachable from the
// cold start (computed exactly by reachable_states) and checks that the excluded states are
// exactly the zero-field ones.
//
// Spacing: on these tori the slowest mode is the sign of the magnetisation. Measured with
// this kernel (half; one sweep apart): ρ_M(1) ≈ 0.75 (4x2, K = 0.3), 0.94 (4x2, K = 0.44),
// 0.81 (4x4, K = 0.3), 0.97 (4x4, K = 0.44), i.e. exponential times ≈ 3.5, 15, 4.8 and 34
// sweeps (always: 2.7, 12, 3.2, 26); every other observable decorrelates within 1–2 sweeps.
// The spacings below are ≳ 3 such times, and the test checks that the lag-1 autocorrelation
// of M, E and of the sign-odd product s₀s₁s_L between recorded samples is small.
class MultispinChiSquare : public ::testing::TestWithParam<ChiSquareCase> {};

TEST_P(MultispinChiSquare, StateFrequenciesMatchBoltzmann) {
  const auto& tc = GetParam();
  const auto model = square_model(tc.lx, tc.ly, 1 / tc.K);
  const int n = static_cast<int>(model.lattice.sites());
  const std::size_t states = std::size_t{1} << n;

  std::vector<double> prob(states);
  Spins s(static_cast<std::size_t>(n));
  double e0 = 0;
  for (std::size_t idx = 0; idx < states; ++idx) {
    for (int i = 0; i < n; ++i) s[i] = ((idx >> i) & 1) ? 1 : -1;
    prob[idx] = ising::energy(model, s);
    if (idx == 0) e0 = prob[idx];  // all down: a ground state
  }
  for (auto& w : prob) w = std::exp(-(w - e0) / model.T);
  const auto reachable = reachable_states(tc.lx, tc.ly, states - 1, tc.zero);  // from all +1
  std::vector<std::size_t> excluded;
  for (std::size_t idx = 0; idx < states; ++idx)
    if (!reachable[idx]) {
      excluded.push_back(idx);
      prob[idx] = 0;
    }
  // The excluded states are exactly the zero-field states: every spin has two aligned
  // neighbours (4 stripe states on 4x2; 36 states on 4x4).
  std::vector<std::size_t> zero_field;
  for (std::size_t idx = 0; idx < states; ++idx) {
    for (int i = 0; i < n; ++i) s[i] = ((idx >> i) & 1) ? 1 : -1;
    bool all_two = true;
    for (int y = 0; y < tc.ly && all_two; ++y)
      for (int x = 0; x < tc.lx && all_two; ++x)
        all_two = scalar_count(s, tc.lx, tc.ly, x, y, false) == 2;
    if (all_two) zero_field.push_back(idx);
  }
  if (tc.zero == ZeroEnergyFlip::half)
    EXPECT_TRUE(excluded.empty());
  else
    EXPECT_EQ(excluded, zero_field);
  RecordProperty("excluded_states", std::to_string(excluded.size()));
  const double z = std::accumulate(prob.begin(), prob.end(), 0.0);
  for (auto& w : prob) w /= z;

  MultispinMetropolis chain(model, 2024, static_cast<std::uint64_t>(tc.lx * 100 + tc.ly), tc.zero);
  chain.sweeps(1000);
  std::vector<double> counts(states, 0);
  std::vector<double> m_series, e_series, odd_series;
  for (int k = 0; k < tc.samples; ++k) {
    chain.sweeps(tc.spacing);
    chain.get(s);
    std::size_t idx = 0;
    for (int i = 0; i < n; ++i) idx |= static_cast<std::size_t>(s[i] > 0) << i;
    counts[idx] += 1;
    m_series.push_back(static_cast<double>(chain.magnetization()));
    e_series.push_back(static_cast<double>(chain.bond_sum()));
    odd_series.push_back(s[0] * s[1] * s[tc.lx]);
  }
  EXPECT_LT(std::abs(lag1(m_series)), 0.1);
  EXPECT_LT(std::abs(lag1(e_series)), 0.1);
  EXPECT_LT(std::abs(lag1(odd_series)), 0.1);

  // Cells: states with expected count ≥ 5 alone; the rest pooled by increasing probability.
  const double total = tc.samples;
  std::vector<std::size_t> order(states);
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](auto a, auto b) { return prob[a] < prob[b]; });
  std::vector<std::pair<double, double>> cells;  // (observed, expected)
  double obs = 0, expd = 0;
  for (const auto idx : order) {
    obs += counts[idx];
    expd += prob[idx] * total;
    if (expd >= 5) {
      cells.emplace_back(obs, expd);
      obs = expd = 0;
    }
  }
  if (expd > 0) {
    cells.back().first += obs;
    cells.back().second += expd;
  }
  double chi2 = 0;
  for (const auto& [o, e] : cells) chi2 += (o - e) * (o - e) / e;
  const double dof = static_cast<double>(cells.size()) - 1;
  const double pvalue = chi_square_pvalue(chi2, dof);
  EXPECT_GT(pvalue, 1e-4) << "chi2 = " << chi2 << " dof = " << dof;
  RecordProperty("chi2", std::to_string(chi2));
  RecordProperty("dof", std::to_string(dof));
}

INSTANTIATE_TEST_SUITE_P(
    Multispin, MultispinChiSquare,
    ::testing::Values(ChiSquareCase{4, 2, 0.3, 12, 300000, ZeroEnergyFlip::half},
                      ChiSquareCase{4, 2, 0.44, 48, 150000, ZeroEnergyFlip::half},
                      ChiSquareCase{4, 4, 0.3, 16, 300000, ZeroEnergyFlip::half},
                      ChiSquareCase{4, 4, 0.44, 100, 100000, ZeroEnergyFlip::half},
                      ChiSquareCase{4, 2, 0.3, 10, 200000, ZeroEnergyFlip::always},
                      ChiSquareCase{4, 4, 0.3, 12, 200000, ZeroEnergyFlip::always}),
    [](const auto& param_info) {
      const auto& c = param_info.param;
      return std::to_string(c.lx) + "x" + std::to_string(c.ly) + "_K" +
             std::to_string(static_cast<int>(c.K * 100)) +
             (c.zero == ZeroEnergyFlip::half ? "_half" : "_always");
    });

// ------------------------------------------------------------------------------ energy

struct EnergyCase {
  int l;
  double T;
  int sweeps;
  friend void PrintTo(const EnergyCase& c, std::ostream* os) {
    *os << c.l << "x" << c.l << " T=" << c.T << " sweeps=" << c.sweeps;
  }
};

class MultispinEnergy : public ::testing::TestWithParam<EnergyCase> {};

// ⟨H⟩/N over a long run against the exact finite-torus value (Kaufman), 4σ with a binned error
// (100 bins, each ≫ the energy autocorrelation time).
TEST_P(MultispinEnergy, MeanEnergyMatchesKaufman) {
  const auto& tc = GetParam();
  const auto model = square_model(tc.l, tc.l, tc.T);
  const double exact = ising::kaufman(model).energy_per_spin;
  MultispinMetropolis chain(model, 31, static_cast<std::uint64_t>(tc.l));
  chain.sweeps(20000);
  std::vector<double> e(static_cast<std::size_t>(tc.sweeps));
  const double n = static_cast<double>(model.lattice.sites());
  for (auto& v : e) {
    chain.sweep();
    v = chain.energy() / n;
  }
  const auto [mean, err] = binned_mean(e, 100);
  EXPECT_NEAR(mean, exact, 4 * err) << "exact " << exact << " mc " << mean << " ± " << err;
  EXPECT_LT(err, 5e-3);
}

INSTANTIATE_TEST_SUITE_P(Multispin, MultispinEnergy,
                         ::testing::Values(EnergyCase{16, 2.269185314213022, 600000},
                                           EnergyCase{16, 2.45, 400000},
                                           EnergyCase{32, 2.269185314213022, 300000},
                                           EnergyCase{32, 2.45, 200000}),
                         [](const auto& param_info) {
                           return "L" + std::to_string(param_info.param.l) + "_T" +
                                  std::to_string(static_cast<int>(param_info.param.T * 1000));
                         });

}  // namespace
}  // namespace deeprg::mc
