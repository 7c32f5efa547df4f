// Statistical and contract tests of the Markov chains in deeprg::mc.
//
// The central check is a chi-square test of the sampled distribution over the complete state
// space of tiny lattices against exact Boltzmann weights computed here by brute force. Every
// such test also checks its own power: the same samples must be rejected, overwhelmingly,
// against the distribution at a coupling K + 0.05.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <memory>
#include <numeric>
#include <string>
#include <vector>

#include "../test_support.hpp"
#include "deeprg/core/error.hpp"
#include "deeprg/ising/exact.hpp"
#include "deeprg/ising/model.hpp"
#include "deeprg/mc/chain.hpp"
#include "deeprg/mc/checkerboard.hpp"
#include "deeprg/mc/swendsen_wang.hpp"
#include "deeprg/mc/wolff.hpp"

namespace deeprg::mc {
namespace {

using ising::Lattice;
using ising::Model;

// ------------------------------------------------------------------ statistics helpers

/// Regularised upper incomplete gamma Q(a, x) = Γ(a, x)/Γ(a): series for x < a + 1, Lentz's
/// continued fraction otherwise (Numerical Recipes §6.2). Accurate to ~1e-14 here.
double gamma_q(double a, double x) {
  if (x <= 0) return 1.0;
  const double log_prefactor = a * std::log(x) - x - std::lgamma(a);
  if (x < a + 1) {
    double term = 1.0 / a, sum = term;
    for (int n = 1; n < 10000; ++n) {
      term *= x / (a + n);
      sum += term;
      if (std::abs(term) < std::abs(sum) * 1e-16) break;
    }
    return 1.0 - sum * std::exp(log_prefactor);
  }
  constexpr double tiny = 1e-300;
  double b = x + 1 - a, c = 1 / tiny, d = 1 / b, f = d;
  for (int i = 1; i < 10000; ++i) {
    const double an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (std::abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (std::abs(c) < tiny) c = tiny;
    d = 1 / d;
    const double delta = d * c;
    f *= delta;
    if (std::abs(delta - 1) < 1e-16) break;
  }
  return std::exp(log_prefactor) * f;
}

/// P(χ²_k ≥ x).
double chi2_survival(double x, int dof) { return gamma_q(0.5 * dof, 0.5 * x); }

TEST(ChainStatistics, Chi2SurvivalMatchesKnownValues) {
  EXPECT_NEAR(chi2_survival(3.841458820694124, 1), 0.05, 1e-10);
  EXPECT_NEAR(chi2_survival(2.0, 2), std::exp(-1.0), 1e-12);
  EXPECT_NEAR(chi2_survival(124.3421134, 100), 0.05, 1e-6);
  EXPECT_NEAR(chi2_survival(18.49266098, 30), 0.95, 1e-6);
}

/// State index of a configuration: bit i set ⇔ s_i = −1.
std::size_t state_index(const std::vector<std::int8_t>& s) {
  std::size_t k = 0;
  for (std::size_t i = 0; i < s.size(); ++i)
    if (s[i] < 0) k |= std::size_t{1} << i;
  return k;
}

std::vector<std::int8_t> state_of(std::size_t k, std::size_t n) {
  std::vector<std::int8_t> s(n);
  for (std::size_t i = 0; i < n; ++i) s[i] = (k >> i) & 1 ? -1 : 1;
  return s;
}

/// Exact Boltzmann probabilities of all 2^N states, by enumeration with ising::energy.
std::vector<double> exact_distribution(const Model& model) {
  const std::size_t n = model.lattice.sites(), states = std::size_t{1} << n;
  std::vector<double> log_w(states);
  for (std::size_t k = 0; k < states; ++k)
    log_w[k] = -model.beta() * ising::energy(model, state_of(k, n));
  const double top = *std::max_element(log_w.begin(), log_w.end());
  std::vector<double> p(states);
  double z = 0;
  for (std::size_t k = 0; k < states; ++k) z += p[k] = std::exp(log_w[k] - top);
  for (double& v : p) v /= z;
  return p;
}

struct Chi2 {
  double statistic = 0;
  int dof = 0;
  double p_value = 1;
};

/// Pearson χ² of `counts` against `probs`. The rarest states are pooled into one bin until its
/// expected count reaches 5, so the χ² approximation holds for every bin.
Chi2 chi_square(const std::vector<long>& counts, const std::vector<double>& probs) {
  const double total = std::accumulate(counts.begin(), counts.end(), 0.0);
  std::vector<std::size_t> order(probs.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](auto a, auto b) { return probs[a] < probs[b]; });
  Chi2 r;
  double pool_expected = 0, pool_observed = 0;
  std::size_t i = 0;
  for (; i < order.size() && pool_expected < 5; ++i) {
    pool_expected += total * probs[order[i]];
    pool_observed += static_cast<double>(counts[order[i]]);
  }
  r.statistic = (pool_observed - pool_expected) * (pool_observed - pool_expected) / pool_expected;
  int bins = 1;
  for (; i < order.size(); ++i, ++bins) {
    const double e = total * probs[order[i]], o = static_cast<double>(counts[order[i]]);
    r.statistic += (o - e) * (o - e) / e;
  }
  r.dof = bins - 1;
  r.p_value = chi2_survival(r.statistic, r.dof);
  return r;
}

/// Lag-1 autocorrelation of a series.
double lag1_autocorrelation(const std::vector<double>& x) {
  const double mean = std::accumulate(x.begin(), x.end(), 0.0) / static_cast<double>(x.size());
  double c0 = 0, c1 = 0;
  for (std::size_t t = 0; t < x.size(); ++t) {
    c0 += (x[t] - mean) * (x[t] - mean);
    if (t + 1 < x.size()) c1 += (x[t] - mean) * (x[t + 1] - mean);
  }
  return c0 > 0 ? c1 / c0 : 0.0;
}

using ChainFactory =
    std::function<std::unique_ptr<MarkovChain>(const Model&, std::uint64_t, std::uint64_t)>;

template <class C>
ChainFactory factory() {
  return [](const Model& m, std::uint64_t seed, std::uint64_t stream) {
    return std::make_unique<C>(m, seed, stream);
  };
}

Model make_model(Lattice lattice, double K, double h) {
  Model m;
  m.lattice = lattice;
  m.J = 1.0;
  m.T = 1.0 / K;
  m.h = h;
  return m;
}

struct ExactCase {
  const char* name;
  Lattice lattice;
  double K;
  double h;
  int spacing;  // sweeps between recorded samples
};

/// Samples 2·10^5 states `spacing` sweeps apart and checks (1) successive samples are nearly
/// independent (lag-1 autocorrelation of E, M and |M| below 0.05), (2) χ² against the exact
/// distribution has p > 1e-4, (3) χ² against the distribution at K + 0.05 has p < 1e-12.
void check_exact_distribution(const ChainFactory& make, const ExactCase& c, std::uint64_t seed) {
  SCOPED_TRACE(c.name);
  constexpr int kSamples = 200'000;
  const Model model = make_model(c.lattice, c.K, c.h);
  const std::size_t n = model.lattice.sites();
  auto chain = make(model, seed, 0);
  for (int t = 0; t < 200; ++t) chain->sweep();  // burn-in from the cold start

  std::vector<long> counts(std::size_t{1} << n, 0);
  std::vector<double> e_series, m_series, abs_m_series;
  e_series.reserve(kSamples);
  m_series.reserve(kSamples);
  abs_m_series.reserve(kSamples);
  std::vector<std::int8_t> s(n);
  for (int k = 0; k < kSamples; ++k) {
    for (int t = 0; t < c.spacing; ++t) chain->sweep();
    chain->get(s);
    ++counts[state_index(s)];
    e_series.push_back(static_cast<double>(ising::bond_sum(model.lattice, s)));
    const auto m = static_cast<double>(ising::magnetization(s));
    m_series.push_back(m);
    abs_m_series.push_back(std::abs(m));
  }
  const double rho_e = lag1_autocorrelation(e_series);
  const double rho_m = lag1_autocorrelation(m_series);
  const double rho_abs_m = lag1_autocorrelation(abs_m_series);

  const Chi2 good = chi_square(counts, exact_distribution(model));
  const Chi2 wrong = chi_square(counts, exact_distribution(make_model(c.lattice, c.K + 0.05, c.h)));
  std::printf(
      "  [%s] spacing %d  rho(E,M,|M|) = %+.4f %+.4f %+.4f  chi2 = %.1f / %d dof "
      "(p = %.3g)  vs K+0.05: chi2 = %.1f (p = %.3g)\n",
      c.name, c.spacing, rho_e, rho_m, rho_abs_m, good.statistic, good.dof, good.p_value,
      wrong.statistic, wrong.p_value);
  EXPECT_LT(std::abs(rho_e), 0.05);
  EXPECT_LT(std::abs(rho_m), 0.05);
  EXPECT_LT(std::abs(rho_abs_m), 0.05);
  EXPECT_GT(good.p_value, 1e-4) << "chi2 " << good.statistic << " with " << good.dof << " dof";
  EXPECT_LT(wrong.p_value, 1e-12) << "the test cannot tell K from K + 0.05";
}

const Lattice kTorus42 = Lattice::square(4, 2);
const Lattice kRing8 = Lattice::chain(8);

// ------------------------------------------------------------------ exact distributions

// With a(ΔE = 0) = 1 these fail outright (the ring conserves |N_even − N_odd| of its domain
// walls; the 4×2 torus has closed σ = 0 cycles): the test is what pins a(0) = 1/2. Spacing 64
// at K = 0.44 on 4×2: the doubled vertical bonds make M reverse only every ~15 sweeps.
TEST(MetropolisExact, MatchesBoltzmannOnTinyLattices) {
  const auto make = factory<CheckerboardMetropolis>();
  check_exact_distribution(make, {"4x2 K=0.3 h=0", kTorus42, 0.3, 0.0, 10}, 11);
  check_exact_distribution(make, {"4x2 K=0.44 h=0", kTorus42, 0.44, 0.0, 64}, 12);
  check_exact_distribution(make, {"4x2 K=0.3 h=0.2", kTorus42, 0.3, 0.2, 6}, 13);
  check_exact_distribution(make, {"ring8 K=0.44 h=0", kRing8, 0.44, 0.0, 6}, 14);
  check_exact_distribution(make, {"ring8 K=0.3 h=0.2", kRing8, 0.3, 0.2, 7}, 15);
}

TEST(HeatBathExact, MatchesBoltzmannOnTinyLattices) {
  const auto make = factory<CheckerboardHeatBath>();
  check_exact_distribution(make, {"4x2 K=0.3 h=0", kTorus42, 0.3, 0.0, 14}, 21);
  check_exact_distribution(make, {"4x2 K=0.44 h=0", kTorus42, 0.44, 0.0, 64}, 22);
  check_exact_distribution(make, {"4x2 K=0.3 h=0.2", kTorus42, 0.3, 0.2, 14}, 23);
  check_exact_distribution(make, {"ring8 K=0.44 h=0", kRing8, 0.44, 0.0, 6}, 24);
  check_exact_distribution(make, {"ring8 K=0.3 h=0.2", kRing8, 0.3, 0.2, 5}, 25);
}

TEST(WolffExact, MatchesBoltzmannOnTinyLattices) {
  const auto make = factory<WolffChain>();
  check_exact_distribution(make, {"4x2 K=0.3", kTorus42, 0.3, 0.0, 4}, 31);
  // Here most clusters are the whole lattice, so M changes sign almost every sweep and its
  // autocorrelation alternates in sign, decaying only as ~0.73^spacing.
  check_exact_distribution(make, {"4x2 K=0.44", kTorus42, 0.44, 0.0, 12}, 32);
  // Cluster moves need no bipartite lattice: an odd ring is fine.
  check_exact_distribution(make, {"ring7 K=0.44", Lattice::chain(7), 0.44, 0.0, 2}, 33);
}

TEST(SwendsenWangExact, MatchesBoltzmannOnTinyLattices) {
  const auto make = factory<SwendsenWangChain>();
  check_exact_distribution(make, {"4x2 K=0.3", kTorus42, 0.3, 0.0, 6}, 41);
  check_exact_distribution(make, {"4x2 K=0.44", kTorus42, 0.44, 0.0, 8}, 42);
  check_exact_distribution(make, {"ring7 K=0.44", Lattice::chain(7), 0.44, 0.0, 4}, 43);
}

// ------------------------------------------------------------------ mean energy

/// ⟨E⟩/N on a 16×16 torus against Kaufman's exact value: 64 bins of `per_bin` sweeps after
/// 2000 sweeps of burn-in; σ from the scatter of the bin means (bins ≫ τ_int).
void check_energy(const std::string& name, const ChainFactory& make, double T, int per_bin) {
  SCOPED_TRACE(name + " T=" + std::to_string(T));
  Model model;
  model.lattice = Lattice::square(16, 16);
  model.T = T;
  const double exact = ising::kaufman(model).energy_per_spin;
  auto chain = make(model, 2024, 1);
  for (int t = 0; t < 2000; ++t) chain->sweep();
  constexpr int kBins = 64;
  std::vector<std::int8_t> s(model.lattice.sites());
  std::vector<double> bins(kBins, 0.0);
  for (double& bin : bins) {
    for (int t = 0; t < per_bin; ++t) {
      chain->sweep();
      chain->get(s);
      bin += ising::energy(model, s) / static_cast<double>(s.size());
    }
    bin /= per_bin;
  }
  const double mean = std::accumulate(bins.begin(), bins.end(), 0.0) / kBins;
  double var = 0;
  for (const double b : bins) var += (b - mean) * (b - mean);
  const double sigma = std::sqrt(var / (kBins - 1) / kBins);
  std::printf("  [%s T=%.6f] E/N = %.5f +- %.5f, exact %.5f (%+.2f sigma)\n", name.c_str(), T, mean,
              sigma, exact, (mean - exact) / sigma);
  EXPECT_NEAR(mean, exact, 4 * sigma);
}

ChainFactory via_make_chain(Algorithm a) {
  return [a](const Model& m, std::uint64_t seed, std::uint64_t stream) {
    return make_chain(a, m, seed, stream);
  };
}

TEST(ChainEnergy, MatchesKaufmanOn16x16Torus) {
  for (const double T : {ising::kCriticalTemperature, 3.0}) {
    check_energy("scalar metropolis", factory<CheckerboardMetropolis>(), T, 2000);
    check_energy("make_chain metropolis", via_make_chain(Algorithm::metropolis), T, 2000);
    check_energy("heatbath", via_make_chain(Algorithm::heatbath), T, 2000);
    check_energy("wolff", via_make_chain(Algorithm::wolff), T, 500);
    check_energy("swendsen-wang", via_make_chain(Algorithm::swendsen_wang), T, 500);
  }
}

// ------------------------------------------------------------------ determinism

TEST(ChainDeterminism, SameStreamSameStateDifferentStreamsDiffer) {
  Model model;
  model.lattice = Lattice::square(16, 16);
  model.T = ising::kCriticalTemperature;
  for (const Algorithm a :
       {Algorithm::metropolis, Algorithm::heatbath, Algorithm::wolff, Algorithm::swendsen_wang}) {
    SCOPED_TRACE(to_string(a));
    auto x = make_chain(a, model, 99, 5), y = make_chain(a, model, 99, 5),
         z = make_chain(a, model, 99, 6);
    for (int t = 0; t < 50; ++t) {
      x->sweep();
      y->sweep();
      z->sweep();
    }
    std::vector<std::int8_t> sx(256), sy(256), sz(256);
    x->get(sx);
    y->get(sy);
    z->get(sz);
    EXPECT_EQ(sx, sy);
    EXPECT_NE(sx, sz);
  }
}

TEST(ChainStart, EveryAlgorithmStartsCold) {
  Model model;
  model.lattice = Lattice::square(8, 8);
  model.T = 2.0;
  for (const Algorithm a :
       {Algorithm::metropolis, Algorithm::heatbath, Algorithm::wolff, Algorithm::swendsen_wang}) {
    auto chain = make_chain(a, model, 1, 0);
    std::vector<std::int8_t> s(64, 0);
    chain->get(s);
    EXPECT_EQ(s, std::vector<std::int8_t>(64, 1)) << to_string(a);
    EXPECT_EQ(chain->model().T, 2.0);
  }
}

// ------------------------------------------------------------------ errors and names

using deeprg::testing::config_error_key;

TEST(ChainErrors, ClusterAlgorithmsRejectAField) {
  Model model;
  model.lattice = Lattice::square(8, 8);
  model.h = 0.1;
  EXPECT_EQ(config_error_key([&] { WolffChain(model, 1, 0); }), "h");
  EXPECT_EQ(config_error_key([&] { SwendsenWangChain(model, 1, 0); }), "h");
  EXPECT_EQ(config_error_key([&] { make_chain(Algorithm::wolff, model, 1, 0); }), "h");
  EXPECT_EQ(config_error_key([&] { make_chain(Algorithm::swendsen_wang, model, 1, 0); }), "h");
  model.h = 0;
  model.J = -1;
  EXPECT_EQ(config_error_key([&] { WolffChain(model, 1, 0); }), "J");
  EXPECT_EQ(config_error_key([&] { SwendsenWangChain(model, 1, 0); }), "J");
}

TEST(ChainErrors, CheckerboardRejectsOddLengths) {
  Model model;
  model.lattice = Lattice::square(5, 4);
  EXPECT_EQ(config_error_key([&] { CheckerboardMetropolis(model, 1, 0); }), "L");
  EXPECT_EQ(config_error_key([&] { CheckerboardHeatBath(model, 1, 0); }), "L");
  model.lattice = Lattice::square(4, 3);
  EXPECT_EQ(config_error_key([&] { CheckerboardMetropolis(model, 1, 0); }), "Ly");
  EXPECT_EQ(config_error_key([&] { make_chain(Algorithm::heatbath, model, 1, 0); }), "Ly");
  model.lattice = Lattice::chain(7);
  EXPECT_EQ(config_error_key([&] { CheckerboardMetropolis(model, 1, 0); }), "L");
  EXPECT_EQ(config_error_key([&] { make_chain(Algorithm::metropolis, model, 1, 0); }), "L");
}

TEST(ChainErrors, SetValidatesSizeAndValues) {
  Model model;
  model.lattice = Lattice::square(4, 4);
  for (const Algorithm a :
       {Algorithm::metropolis, Algorithm::heatbath, Algorithm::wolff, Algorithm::swendsen_wang}) {
    SCOPED_TRACE(to_string(a));
    auto chain = make_chain(a, model, 1, 0);
    std::vector<std::int8_t> s(16, -1);
    s[3] = 0;
    EXPECT_EQ(config_error_key([&] { chain->set(s); }), "spins");
    s[3] = 2;
    EXPECT_EQ(config_error_key([&] { chain->set(s); }), "spins");
    std::vector<std::int8_t> wrong(15, 1);
    EXPECT_THROW(chain->set(wrong), ShapeError);
    EXPECT_THROW(chain->get(wrong), ShapeError);
    s[3] = 1;
    chain->set(s);
    std::vector<std::int8_t> back(16);
    chain->get(back);
    EXPECT_EQ(back, s);
  }
}

TEST(ChainNames, RoundTripAndUnknownName) {
  for (const Algorithm a :
       {Algorithm::metropolis, Algorithm::heatbath, Algorithm::wolff, Algorithm::swendsen_wang})
    EXPECT_EQ(parse_algorithm(to_string(a)), a);
  EXPECT_EQ(to_string(Algorithm::swendsen_wang), "swendsen-wang");
  EXPECT_EQ(config_error_key([] { parse_algorithm("nope"); }), "algorithm");
}

// ------------------------------------------------------------------ Wolff specifics

TEST(WolffSweep, ClusterCountIsFixedDeterministicAndSensible) {
  Model model;
  model.lattice = Lattice::square(40, 40);
  model.T = 1.0 / 0.408;
  WolffChain a(model, 5, 0), b(model, 5, 0);
  EXPECT_EQ(a.clusters_per_sweep(), b.clusters_per_sweep());
  EXPECT_EQ(a.mean_cluster_size(), b.mean_cluster_size());
  EXPECT_GE(a.clusters_per_sweep(), 1);
  // clusters_per_sweep = round(N/⟨C⟩), so clusters_per_sweep · ⟨C⟩ is within ⟨C⟩/2 of N.
  EXPECT_NEAR(a.clusters_per_sweep() * a.mean_cluster_size(), 1600.0,
              0.5 * a.mean_cluster_size() + 1);
  EXPECT_GT(a.mean_cluster_size(), 1.0);
  EXPECT_LT(a.mean_cluster_size(), 1600.0);
  a.set_clusters_per_sweep(3);
  EXPECT_EQ(a.clusters_per_sweep(), 3);
  EXPECT_EQ(config_error_key([&] { a.set_clusters_per_sweep(0); }), "clusters_per_sweep");

  // At T → 0 (p = 1) every cluster is the whole lattice: the queue fills completely.
  model.T = 1e-3;
  WolffChain frozen(model, 5, 0);
  EXPECT_EQ(frozen.mean_cluster_size(), 1600.0);
  EXPECT_EQ(frozen.clusters_per_sweep(), 1);
  frozen.sweep();
  std::vector<std::int8_t> s(1600);
  frozen.get(s);
  EXPECT_EQ(s, std::vector<std::int8_t>(1600, -1));

  // Deep in the ordered phase the cluster is almost the whole lattice: one flip per sweep.
  model.T = 1.0;
  WolffChain cold(model, 5, 0);
  EXPECT_EQ(cold.clusters_per_sweep(), 1);
  // Far above T_c clusters are a site or two.
  model.T = 100.0;
  WolffChain hot(model, 5, 0);
  EXPECT_LT(hot.mean_cluster_size(), 1.2);
  EXPECT_GT(hot.clusters_per_sweep(), 1300);
}

TEST(SwendsenWangSweep, ClusterCountLimits) {
  Model model;
  model.lattice = Lattice::square(16, 16);
  model.T = 1e-3;  // p = 1: one cluster per aligned domain; the cold start is one cluster
  SwendsenWangChain frozen(model, 3, 0);
  frozen.sweep();
  EXPECT_EQ(frozen.last_cluster_count(), 1u);
  model.T = 1e6;  // p ≈ 0: every site its own cluster
  SwendsenWangChain hot(model, 3, 0);
  hot.sweep();
  EXPECT_GE(hot.last_cluster_count(), 250u);
}

}  // namespace
}  // namespace deeprg::mc
