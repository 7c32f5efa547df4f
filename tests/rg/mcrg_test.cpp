#include "deeprg/rg/mcrg.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <complex>
#include <vector>

#include "deeprg/core/error.hpp"
#include "deeprg/core/rng.hpp"
#include "deeprg/mc/sampler.hpp"

namespace deeprg::rg {
namespace {

using C = std::complex<double>;

MatrixD matrix(std::size_t n, std::initializer_list<double> values) {
  MatrixD m(n, values.size() / n);
  std::copy(values.begin(), values.end(), m.data.begin());
  return m;
}

MatrixD multiply(const MatrixD& a, const MatrixD& b) {
  MatrixD c(a.rows, b.cols);
  for (std::size_t i = 0; i < a.rows; ++i)
    for (std::size_t j = 0; j < b.cols; ++j)
      for (std::size_t k = 0; k < a.cols; ++k) c(i, j) += a(i, k) * b(k, j);
  return c;
}

MatrixD identity(std::size_t n) {
  MatrixD m(n, n);
  for (std::size_t i = 0; i < n; ++i) m(i, i) = 1;
  return m;
}

MatrixD random_matrix(std::size_t rows, std::size_t cols, std::uint64_t seed) {
  Rng rng(seed);
  MatrixD m(rows, cols);
  for (double& x : m.data) x = 2 * rng.uniform() - 1;
  return m;
}

// Every expected eigenvalue is matched by a distinct computed one within tol.
void expect_spectrum(const std::vector<C>& got, std::vector<C> expected, double tol) {
  ASSERT_EQ(got.size(), expected.size());
  for (const C& g : got) {
    auto best = std::min_element(expected.begin(), expected.end(), [&](const C& a, const C& b) {
      return std::abs(a - g) < std::abs(b - g);
    });
    EXPECT_LE(std::abs(*best - g), tol) << "eigenvalue " << g << " unexpected";
    expected.erase(best);
  }
}

TEST(McrgLinalg, EigenvaluesOfDiagonalTriangularAndRotation) {
  expect_spectrum(eigenvalues(matrix(3, {3, 0, 0, 0, -1, 0, 0, 0, 2})), {3, -1, 2}, 1e-14);
  const auto tri = eigenvalues(matrix(4, {1, 5, -3, 2, 0, 4, 7, 1, 0, 0, -2, 9, 0, 0, 0, 0.5}));
  expect_spectrum(tri, {1, 4, -2, 0.5}, 1e-12);
  // Sorted by decreasing real part.
  EXPECT_EQ(tri.front(), C(4, 0));
  EXPECT_EQ(tri.back(), C(-2, 0));
  const auto rot = eigenvalues(matrix(2, {0, -1, 1, 0}));
  expect_spectrum(rot, {C(0, 1), C(0, -1)}, 1e-15);
  EXPECT_TRUE(std::isnan(largest_real(rot)));
  expect_spectrum(eigenvalues(matrix(1, {-7.5})), {-7.5}, 0);
  EXPECT_TRUE(eigenvalues(MatrixD(0, 0)).empty());
  expect_spectrum(eigenvalues(MatrixD(5, 5)), {0, 0, 0, 0, 0}, 0);
}

TEST(McrgLinalg, EigenvaluesOfCompanionMatrix) {
  // p(x) = (x − 1)(x − 2)(x − 3)(x + 0.5)(x − 5)(x² + 1): the companion matrix has exactly
  // these roots, real and complex, and is far from normal.
  std::vector<double> p{1};  // coefficients, highest power first
  auto times = [&p](std::vector<double> q) {
    std::vector<double> r(p.size() + q.size() - 1, 0.0);
    for (std::size_t i = 0; i < p.size(); ++i)
      for (std::size_t j = 0; j < q.size(); ++j) r[i + j] += p[i] * q[j];
    p = r;
  };
  for (double root : {1.0, 2.0, 3.0, -0.5, 5.0}) times({1, -root});
  times({1, 0, 1});
  const std::size_t n = p.size() - 1;
  MatrixD m(n, n);
  for (std::size_t j = 0; j < n; ++j) m(0, j) = -p[j + 1];
  for (std::size_t i = 1; i < n; ++i) m(i, i - 1) = 1;
  const auto values = eigenvalues(m);
  expect_spectrum(values, {1, 2, 3, -0.5, 5, C(0, 1), C(0, -1)}, 1e-9);
  EXPECT_NEAR(largest_real(values), 5.0, 1e-9);
}

TEST(McrgLinalg, EigenvaluesSurviveSimilarityBadScalingAndDefectiveBlocks) {
  // Q·D·Q⁻¹ with D = diag(2.5, −1.2, 0.3, 0.3) ⊕ [[0.7, −1.1], [1.1, 0.7]] (0.7 ± 1.1i).
  const std::size_t n = 6;
  MatrixD d(n, n);
  d(0, 0) = 2.5, d(1, 1) = -1.2, d(2, 2) = 0.3, d(3, 3) = 0.3;
  d(4, 4) = 0.7, d(4, 5) = -1.1, d(5, 4) = 1.1, d(5, 5) = 0.7;
  const MatrixD q = random_matrix(n, n, 5);
  const MatrixD a = multiply(multiply(q, d), solve(q, identity(n)));
  expect_spectrum(eigenvalues(a), {2.5, -1.2, 0.3, 0.3, C(0.7, 1.1), C(0.7, -1.1)}, 1e-9);
  // A diagonal similarity with entries spanning 10^±6 leaves the spectrum alone; balancing
  // keeps the accuracy.
  MatrixD s = a;
  const double scale[] = {1e-6, 1e3, 1, 1e6, 1e-3, 10};
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < n; ++j) s(i, j) = a(i, j) * scale[i] / scale[j];
  expect_spectrum(eigenvalues(s), {2.5, -1.2, 0.3, 0.3, C(0.7, 1.1), C(0.7, -1.1)}, 1e-8);
  // A 3×3 Jordan block: perturbations of size ε move eigenvalues by ε^{1/3}.
  const auto jordan = eigenvalues(matrix(3, {2, 1, 0, 0, 2, 1, 0, 0, 2}));
  for (const C& v : jordan) EXPECT_LT(std::abs(v - 2.0), 1e-4);
}

TEST(McrgLinalg, EigenvalueAndSolveErrors) {
  EXPECT_THROW(eigenvalues(MatrixD(2, 3)), ShapeError);
  EXPECT_THROW(eigenvalues(matrix(2, {1, NAN, 0, 1})), Error);
  EXPECT_THROW(solve(MatrixD(2, 2), MatrixD(3, 1)), ShapeError);
  EXPECT_THROW(solve(matrix(2, {1, 2, 2, 4}), identity(2)), Error);  // singular
}

TEST(McrgLinalg, RgMatrixRecoversTFromBAndA) {
  // B symmetric positive definite (a covariance), T arbitrary, A = B·T: T = B⁻¹A.
  const std::size_t n = 5;
  const MatrixD g = random_matrix(n, n, 7);
  MatrixD b = multiply(g, [&] {
    MatrixD t(n, n);
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t j = 0; j < n; ++j) t(i, j) = g(j, i);
    return t;
  }());
  for (std::size_t i = 0; i < n; ++i) b(i, i) += 0.1;
  const MatrixD t = random_matrix(n, n, 8);
  const MatrixD got = rg_matrix(multiply(b, t), b);
  for (std::size_t i = 0; i < n * n; ++i) EXPECT_NEAR(got.data[i], t.data[i], 1e-11);
}

// ------------------------------------------------------------------ interactions

std::vector<std::int8_t> random_spins(std::size_t n, std::uint64_t seed) {
  Rng rng(seed);
  std::vector<std::int8_t> s(n);
  for (auto& x : s) x = rng.bernoulli(0.5) ? 1 : -1;
  return s;
}

TEST(McrgInteractions, HandValuesOnUniformAndCheckerboardStates) {
  const auto all =
      parse_couplings({"nn", "nnn", "3nn", "4nn", "5nn", "plaq", "m", "3spin", "3line"}, 2);
  const ising::Lattice lat = ising::Lattice::square(6, 4);
  const double n = 24;
  const std::vector<std::int8_t> up(24, 1);
  // Number of shapes per site: 2 bonds per axis pair, 4 for √5, 1 plaquette, 4 triangles.
  const std::vector<double> up_expected{2 * n, 2 * n, 2 * n, 4 * n, 2 * n, n, n, 4 * n, 2 * n};
  EXPECT_EQ(interaction_sums(lat, up, all), up_expected);
  std::vector<std::int8_t> checker(24);
  for (int y = 0; y < 4; ++y)
    for (int x = 0; x < 6; ++x) checker[y * 6 + x] = (x + y) % 2 == 0 ? 1 : -1;
  // s_x s_{x+d} = (−1)^{dx+dy}; odd products cancel between the two sublattices.
  const std::vector<double> checker_expected{-2 * n, 2 * n, 2 * n, -4 * n, 2 * n, n, 0, 0, 0};
  EXPECT_EQ(interaction_sums(lat, checker, all), checker_expected);
  const auto chain = parse_couplings({"nn", "nnn", "3nn", "4spin", "m", "3spin"}, 1);
  std::vector<std::int8_t> alternating(8);
  for (int x = 0; x < 8; ++x) alternating[x] = x % 2 == 0 ? 1 : -1;
  const std::vector<double> chain_expected{-8, 8, -8, 8, 0, 0};
  EXPECT_EQ(interaction_sums(ising::Lattice::chain(8), alternating, chain), chain_expected);
}

TEST(McrgInteractions, MatchDirectSumsAndLatticeSymmetries) {
  // Direct evaluation with explicit modular indices, against the padded-grid implementation;
  // and invariance under a 90° rotation and a reflection, which holds only if each coupling
  // lists all its symmetry images.
  const auto couplings =
      parse_couplings({"nn", "nnn", "3nn", "4nn", "5nn", "plaq", "m", "3spin", "3line"}, 2);
  for (const auto& [lx, ly] : {std::pair{4, 4}, {8, 6}, {5, 7}}) {
    const ising::Lattice lat = ising::Lattice::square(lx, ly);
    const auto s = random_spins(lat.sites(), 100 + lx);
    auto at = [&](int x, int y) { return s[((y % ly + ly) % ly) * lx + (x % lx + lx) % lx]; };
    const auto got = interaction_sums(lat, s, couplings);
    for (std::size_t a = 0; a < couplings.size(); ++a) {
      double direct = 0;
      for (int y = 0; y < ly; ++y)
        for (int x = 0; x < lx; ++x)
          for (const auto& shape : couplings[a].shapes) {
            int p = 1;
            for (const auto& [dx, dy] : shape) p *= at(x + dx, y + dy);
            direct += p;
          }
      EXPECT_EQ(got[a], direct) << couplings[a].name << " on " << lx << "x" << ly;
    }
    if (lx != ly) continue;
    std::vector<std::int8_t> rotated(s.size()), reflected(s.size());
    for (int y = 0; y < ly; ++y)
      for (int x = 0; x < lx; ++x) {
        rotated[x * lx + (lx - 1 - y)] = s[y * lx + x];
        reflected[y * lx + (lx - 1 - x)] = s[y * lx + x];
      }
    EXPECT_EQ(interaction_sums(lat, rotated, couplings), got);
    EXPECT_EQ(interaction_sums(lat, reflected, couplings), got);
  }
}

TEST(McrgInteractions, NamesSectorsAndShapeErrors) {
  EXPECT_NO_THROW(parse_couplings(default_couplings(2), 2));
  EXPECT_NO_THROW(parse_couplings(default_couplings(1), 1));
  for (const auto& c : available_couplings(2))
    EXPECT_EQ(c.odd(), c.name == "m" || c.name == "3spin" || c.name == "3line") << c.name;
  try {
    parse_couplings({"nn", "bogus"}, 2);
    FAIL() << "no throw";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.key(), "couplings");
    EXPECT_NE(std::string(e.what()).find("bogus"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("plaq"), std::string::npos);  // lists the known ones
  }
  EXPECT_THROW(parse_couplings({"plaq"}, 1), ConfigError);
  EXPECT_THROW(parse_couplings({"nn", "nn"}, 2), ConfigError);
  EXPECT_THROW(parse_couplings({}, 2), ConfigError);
  const auto c = parse_couplings({"nn", "3nn"}, 2);
  EXPECT_EQ(min_mcrg_side(c), 4);
  EXPECT_EQ(min_mcrg_side(parse_couplings({"3nn"}, 1)), 6);  // offset 3 ≡ −1 on a ring of 4
  EXPECT_THROW(interaction_sums(ising::Lattice::square(2, 4), std::vector<std::int8_t>(8, 1), c),
               ShapeError);
  EXPECT_THROW(interaction_sums(ising::Lattice::square(4, 4), std::vector<std::int8_t>(15, 1), c),
               ShapeError);
  EXPECT_THROW(interaction_sums(ising::Lattice::chain(16), std::vector<std::int8_t>(16, 1), c),
               ShapeError);
  EXPECT_EQ(max_mcrg_levels(ising::Lattice::square(64, 64), 2, c), 4);
  EXPECT_EQ(max_mcrg_levels(ising::Lattice::square(24, 24), 2, c), 2);  // 24 → 12 → 6 (→ 3)
  EXPECT_EQ(max_mcrg_levels(ising::Lattice::square(27, 27), 3, c), 1);
  EXPECT_THROW(max_mcrg_levels(ising::Lattice::square(8, 8), 1, c), ConfigError);
}

// ------------------------------------------------------------------ the method

// Exact independent samples of the periodic chain at h = 0: the bond variables s_i s_{i+1} are
// i.i.d. with P(+1) = (1 + tanh K)/2, conditioned on an even number of domain walls (rejection).
io::SpinSamples exact_chain_samples(int l, double k, std::size_t count, std::uint64_t seed) {
  io::SpinSamples out;
  out.lattice = ising::Lattice::chain(l);
  out.count = count;
  out.spins.resize(count * l);
  Rng rng(seed);
  const double p_up = 0.5 * (1 + std::tanh(k));
  std::vector<std::int8_t> bond(l);
  for (std::size_t i = 0; i < count; ++i) {
    int walls;
    do {
      walls = 0;
      for (auto& b : bond) {
        b = rng.bernoulli(p_up) ? 1 : -1;
        walls += b < 0;
      }
    } while (walls % 2 != 0);
    std::int8_t s = rng.bernoulli(0.5) ? 1 : -1;
    for (int x = 0; x < l; ++x) {
      out.spins[i * l + x] = s;
      s = static_cast<std::int8_t>(s * bond[x]);
    }
  }
  return out;
}

TEST(Mcrg, OneDimensionalDecimationReproducesTheExactRecursion) {
  // Decimating every other spin of a periodic chain is exact: K' = atanh(tanh² K) and, to first
  // order in h, h' = h·(1 + tanh 2K), with no other couplings generated. So with couplings
  // {nn, m} the MCRG matrix is exactly dK'/dK = tanh 2K and dh'/dh = 1 + tanh 2K.
  const double k0 = 0.6;
  const auto samples = exact_chain_samples(64, k0, 20000, 3);
  McrgOptions options;
  options.couplings = {"nn", "m"};
  options.levels = 2;
  BlockSpinOptions block;
  block.rule = BlockRule::decimation;
  const auto levels = mcrg(samples, block, options);
  ASSERT_EQ(levels.size(), 2u);
  const double k1 = std::atanh(std::pow(std::tanh(k0), 2));
  for (const auto& [lv, k] : {std::pair{0, k0}, {1, k1}}) {
    const McrgLevel& r = levels[lv];
    EXPECT_EQ(r.b, 2);
    EXPECT_EQ(r.l_from, 64 >> lv);
    const double lt = std::tanh(2 * k), lh = 1 + std::tanh(2 * k);
    EXPECT_NEAR(r.lambda_t.value, lt, 4 * r.lambda_t.error) << "level " << r.level;
    EXPECT_NEAR(r.lambda_h.value, lh, 4 * r.lambda_h.error) << "level " << r.level;
    EXPECT_NEAR(r.y_t.value, std::log(lt) / std::log(2.0), 4 * r.y_t.error);
    // The errors are meaningful: at most a few percent, not zero.
    EXPECT_GT(r.lambda_t.error, 0);
    EXPECT_LT(r.lambda_t.error, 0.05 * lt);
  }
}

// 2D Ising at T_c: 32×32, 8000 Wolff samples (~0.5 s on 2 cores), shared by the tests below.
const io::SpinSamples& critical_samples() {
  static const io::SpinSamples samples = [] {
    ising::Model model;
    model.lattice = ising::Lattice::square(32, 32);
    model.T = ising::kCriticalTemperature;
    mc::SamplerOptions options;
    options.algorithm = mc::Algorithm::wolff;
    options.samples = 8000;
    options.seed = 11;
    return mc::sample(model, options);
  }();
  return samples;
}

TEST(Mcrg, CriticalIsingExponentsAtTheDeepestLevel) {
  McrgOptions options;
  options.levels = 3;  // 32 → 16 → 8 → 4
  const auto levels = mcrg(critical_samples(), BlockSpinOptions{}, options);
  ASSERT_EQ(levels.size(), 3u);
  const McrgLevel& r = levels.back();
  EXPECT_EQ(r.level, 3);
  EXPECT_EQ(r.l_from, 8);
  EXPECT_EQ(r.l_to, 4);
  EXPECT_EQ(r.even_couplings, (std::vector<std::string>{"nn", "nnn", "3nn", "plaq"}));
  EXPECT_EQ(r.odd_couplings, (std::vector<std::string>{"m", "3spin"}));
  // Tolerances, from 24 independent runs of exactly this setup (8000 samples, 20 blocks):
  //   y_t = 0.9966, scatter 0.017 between runs, mean jackknife error 0.017;
  //   y_h = 1.8740, scatter 0.0013, mean jackknife error 0.0015.
  // (At L = 64 with 20,000 samples, 8 seeds, level 8 → 4: y_t = 0.999 ± 0.011 and
  // y_h = 1.8739 ± 0.0012, so the bias of the 8 → 4 step is ≲ 0.01 in y_t and ≈ −0.001 in y_h.)
  // Allowed: 4 of this run's own jackknife errors plus that finite-size/truncation bias.
  EXPECT_NEAR(r.y_t.value, 1.0, 4 * r.y_t.error + 0.01);
  EXPECT_NEAR(r.y_h.value, 1.875, 4 * r.y_h.error + 0.002);
  // The jackknife errors themselves agree with the measured scatter (within a factor 2).
  EXPECT_GT(r.y_t.error, 0.0085);
  EXPECT_LT(r.y_t.error, 0.034);
  EXPECT_GT(r.y_h.error, 0.00065);
  EXPECT_LT(r.y_h.error, 0.0026);
  // λ = b^y, and the full spectrum's leading real eigenvalue is λ.
  EXPECT_NEAR(r.lambda_t.value, std::pow(2.0, r.y_t.value), 1e-12);
  EXPECT_NEAR(largest_real(r.even_eigenvalues), r.lambda_t.value, 1e-12);
  EXPECT_EQ(r.even_eigenvalues.size(), 4u);
  EXPECT_EQ(r.even_matrix.rows, 4u);
  // The irrelevant eigenvalues are smaller than the relevant one (|λ| < b^y_t).
  for (std::size_t i = 1; i < r.even_eigenvalues.size(); ++i)
    EXPECT_LT(std::abs(r.even_eigenvalues[i]), r.lambda_t.value);
}

TEST(Mcrg, ResultDoesNotDependOnThreadsAndMapOverloadAgrees) {
  McrgOptions options;
  options.levels = 2;
  options.couplings = {"nn", "nnn", "m"};
  options.threads = 1;
  const auto one = mcrg(critical_samples(), BlockSpinOptions{}, options);
  options.threads = 2;
  const auto two = mcrg(critical_samples(), BlockSpinOptions{}, options);
  const BlockSpinOptions block;
  const auto mapped = mcrg(
      critical_samples(),
      [&block](const io::SpinSamples& s, int level) { return block_spin(s, block, level); },
      options);
  for (const auto* other : {&two, &mapped}) {
    ASSERT_EQ(other->size(), one.size());
    for (std::size_t i = 0; i < one.size(); ++i) {
      EXPECT_EQ((*other)[i].y_t.value, one[i].y_t.value);
      EXPECT_EQ((*other)[i].y_t.error, one[i].y_t.error);
      EXPECT_EQ((*other)[i].y_h.value, one[i].y_h.value);
      EXPECT_EQ((*other)[i].y_h.error, one[i].y_h.error);
    }
  }
}

TEST(Mcrg, AMapThatIgnoresTheConfigurationGivesNonsense) {
  // Random coarse spins carry no information about the fine ones: A ≈ 0 up to noise, so the
  // "exponents" are far from 1 and 15/8 (or undefined). This is what gives the tests above
  // their power.
  const CoarseGraining random_map = [](const io::SpinSamples& s, int level) {
    io::SpinSamples out;
    out.lattice = ising::Lattice::square(s.lattice.lx / 2, s.lattice.ly / 2);
    out.count = s.count;
    out.spins = random_spins(out.count * out.lattice.sites(), 1000 + level);
    return out;
  };
  McrgOptions options;
  options.levels = 2;
  const auto levels = mcrg(critical_samples(), random_map, options);
  for (const McrgLevel& r : levels) {
    EXPECT_FALSE(std::abs(r.y_t.value - 1.0) < 0.5) << r.y_t.value;
    EXPECT_FALSE(std::abs(r.y_h.value - 1.875) < 0.5) << r.y_h.value;
  }
}

TEST(Mcrg, RejectsBadOptionsAndMaps) {
  const auto& s = critical_samples();
  McrgOptions options;
  options.levels = 4;  // 32 → 2: too small for distance-2 couplings
  try {
    mcrg(s, BlockSpinOptions{}, options);
    FAIL() << "no throw";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.key(), "levels");
    EXPECT_NE(std::string(e.what()).find("at most 3"), std::string::npos) << e.what();
  }
  options.levels = 0;
  EXPECT_THROW(mcrg(s, BlockSpinOptions{}, options), ConfigError);
  options.levels = 1;
  BlockSpinOptions b3;
  b3.b = 3;
  EXPECT_THROW(mcrg(s, b3, options), ShapeError);  // 32 is not divisible by 3
  options.jackknife_blocks = 1;
  EXPECT_THROW(mcrg(s, BlockSpinOptions{}, options), ConfigError);
  options.jackknife_blocks = 20;
  options.couplings = {"nn", "plaquette"};
  EXPECT_THROW(mcrg(s, BlockSpinOptions{}, options), ConfigError);
  options.couplings = {};
  const CoarseGraining drops_samples = [](const io::SpinSamples& in, int level) {
    io::SpinSamples out = block_spin(in, BlockSpinOptions{}, level);
    out.count -= 1;
    out.spins.resize(out.count * out.lattice.sites());
    return out;
  };
  EXPECT_THROW(mcrg(s, drops_samples, options), ShapeError);
  const CoarseGraining identity_map = [](const io::SpinSamples& in, int) { return in; };
  EXPECT_THROW(mcrg(s, identity_map, options), ShapeError);  // b = 1
}

TEST(Mcrg, JsonCarriesExponentsAndSpectra) {
  McrgOptions options;
  options.levels = 1;
  options.couplings = {"nn", "nnn", "m"};
  const auto levels = mcrg(critical_samples(), BlockSpinOptions{}, options);
  const nlohmann::json j = to_json(levels);
  ASSERT_TRUE(j.is_array());
  ASSERT_EQ(j.size(), 1u);
  EXPECT_EQ(j[0]["level"], 1);
  EXPECT_EQ(j[0]["L"], 16);
  EXPECT_EQ(j[0]["L_from"], 32);
  for (const char* key : {"y_t", "y_t_error", "y_h", "y_h_error", "lambda_t", "lambda_h"})
    EXPECT_TRUE(j[0][key].is_number()) << key;
  EXPECT_EQ(j[0]["even_eigenvalues"].size(), 2u);
  EXPECT_EQ(j[0]["odd_eigenvalues"].size(), 1u);
  EXPECT_EQ(j[0]["odd_couplings"], nlohmann::json::array({"m"}));
}

}  // namespace
}  // namespace deeprg::rg
