// Mutual information I(H : E) of a block's coarse variable with its environment: the exact
// conditionals against an independent brute force over all states of a small torus, known
// values, the transfer against a brute force over the region, the Monte Carlo estimator against
// the exact value, the RSMI optimum against an exhaustive search written here, thread
// independence and refusals.
#include "deeprg/rg/mutual_information.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>

#include "../test_support.hpp"
#include "deeprg/core/error.hpp"
#include "deeprg/core/rng.hpp"
#include "deeprg/mc/sampler.hpp"

namespace deeprg::rg {
namespace {

// ---------------------------------------------------------------------------------------------
// Independent brute force: the joint p(V, E) over all 2^N states of a torus, with V, B and E
// defined by a direct Chebyshev distance, the energy by bit operations on the whole state, and
// I from the joint distribution: I = Σ_{h,E} p(h,E) ln[p(h,E) / (p(h) p(E))].

struct Joint {
  std::size_t e_states = 0;
  std::vector<long double> p;  // e_states × 16·…: p(V, E), V fastest
  std::size_t v_states = 0;
};

Joint brute_joint(int lx, int ly, double K, int b, int w, int x0 = 0, int y0 = 0) {
  const int n = lx * ly;
  auto torus = [](int d, int l) {
    d = ((d % l) + l) % l;
    return std::min(d, l - d);
  };
  std::vector<int> v_bit(n, -1), e_bit(n, -1);
  int ne = 0;
  for (int y = 0; y < ly; ++y)
    for (int x = 0; x < lx; ++x) {
      const int s = y * lx + x;
      int dist = 1 << 20;
      for (int k = 0; k < b * b; ++k) {
        const int bx = x0 + k % b, by = y0 + k / b;
        if (((bx % lx) + lx) % lx == x && ((by % ly) + ly) % ly == y) v_bit[s] = k;
        dist = std::min(dist, std::max(torus(x - bx, lx), torus(y - by, ly)));
      }
      if (dist > w) e_bit[s] = ne++;
    }
  // The state as an n-bit word, bit s = site s up. Unsatisfied bonds by shifts: the down
  // neighbour of s is s + lx (mod n), the right one s + 1 within the row.
  const std::uint64_t all = (std::uint64_t{1} << n) - 1;
  std::uint64_t last_col = 0;
  for (int y = 0; y < ly; ++y) last_col |= std::uint64_t{1} << (y * lx + lx - 1);
  auto unsatisfied = [&](std::uint64_t s) {
    const std::uint64_t down = ((s >> lx) | (s << (n - lx))) & all;
    const std::uint64_t right = ((s >> 1) & ~last_col) | ((s << (lx - 1)) & last_col);
    return std::popcount(s ^ down) + std::popcount((s ^ right) & all);
  };
  // Gathers by byte tables.
  const int bytes = (n + 7) / 8;
  std::vector<std::array<std::uint32_t, 256>> v_table(bytes), e_table(bytes);
  for (int t = 0; t < bytes; ++t)
    for (int byte = 0; byte < 256; ++byte) {
      std::uint32_t vi = 0, ei = 0;
      for (int j = 0; j < 8; ++j) {
        const int s = 8 * t + j;
        if (s >= n || !(byte >> j & 1)) continue;
        if (v_bit[s] >= 0) vi |= 1u << v_bit[s];
        if (e_bit[s] >= 0) ei |= 1u << e_bit[s];
      }
      v_table[t][byte] = vi;
      e_table[t][byte] = ei;
    }
  Joint j;
  j.v_states = std::size_t{1} << (b * b);
  j.e_states = std::size_t{1} << ne;
  j.p.assign(j.v_states * j.e_states, 0.0L);
  const int bonds = 2 * n;
  std::vector<long double> boltzmann(bonds + 1);
  for (int u = 0; u <= bonds; ++u) boltzmann[u] = std::exp(static_cast<long double>(-2 * K * u));
  long double z = 0;
  for (std::uint64_t s = 0; s <= all; ++s) {
    std::uint32_t vi = 0, ei = 0;
    for (int t = 0; t < bytes; ++t) {
      vi |= v_table[t][s >> (8 * t) & 0xff];
      ei |= e_table[t][s >> (8 * t) & 0xff];
    }
    const long double weight = boltzmann[unsatisfied(s)];
    j.p[ei * j.v_states + vi] += weight;
    z += weight;
  }
  for (auto& x : j.p) x /= z;
  return j;
}

double brute_information(const Joint& j, const std::vector<double>& q) {
  std::vector<long double> p_he(2 * j.e_states, 0.0L);
  long double p_up = 0;
  for (std::size_t e = 0; e < j.e_states; ++e)
    for (std::size_t v = 0; v < j.v_states; ++v) {
      p_he[2 * e] += j.p[e * j.v_states + v] * q[v];
      p_he[2 * e + 1] += j.p[e * j.v_states + v] * (1 - q[v]);
    }
  for (std::size_t e = 0; e < j.e_states; ++e) p_up += p_he[2 * e];
  const long double p_h[2] = {p_up, 1 - p_up};
  long double info = 0;
  for (std::size_t e = 0; e < j.e_states; ++e) {
    const long double p_e = p_he[2 * e] + p_he[2 * e + 1];
    for (int h = 0; h < 2; ++h)
      if (p_he[2 * e + h] > 0) info += p_he[2 * e + h] * std::log(p_he[2 * e + h] / (p_h[h] * p_e));
  }
  return static_cast<double>(info);
}

std::vector<BlockVariable> some_variables(std::uint64_t seed) {
  std::vector<BlockVariable> out{majority_variable(2), majority_variable(2, Ties::top_left),
                                 decimation_variable(2), function_variable(2, 0x6996)};
  Rng rng(seed);
  BlockVariable random{2, std::vector<double>(16), "random"};
  for (double& q : random.up_probability) q = rng.uniform();
  out.push_back(random);
  return out;
}

io::SpinSamples wolff_samples(int l, double K, std::size_t count, std::uint64_t seed) {
  return testing::equilibrium_samples(l, K, count, seed);
}

// ---------------------------------------------------------------------------------------------

TEST(MutualInformation, ExactMatchesBruteForceOverAllStates) {
  struct Case {
    int l, ly, w;
    double K;
  };
  // 5×5 at K_c with a buffer (E = 9 sites), 5×4 without (E = 16 sites) and with, off K_c.
  for (const Case& t :
       {Case{5, 5, 1, 0.4407}, Case{5, 4, 0, 0.2}, Case{5, 4, 0, 0.7}, Case{5, 4, 1, 0.7}}) {
    const Joint joint = brute_joint(t.l, t.ly, t.K, 2, t.w);
    const auto c = exact_conditionals(ising::Lattice::square(t.l, t.ly), t.K, {2, t.w, 0, 0});
    for (const BlockVariable& v : some_variables(7)) {
      const MutualInformation info = mutual_information(c, v);
      EXPECT_NEAR(info.nats.value, brute_information(joint, v.up_probability), 1e-12)
          << v.name << " " << t.l << "x" << t.ly << " K=" << t.K << " w=" << t.w;
      EXPECT_EQ(info.nats.error, 0.0);
      EXPECT_NEAR(info.bits.value, info.nats.value / std::log(2.0), 1e-15);
    }
  }
}

TEST(MutualInformation, ExactMatchesBruteForceOnOtherShapesAndDoubledBonds) {
  struct Case {
    int lx, ly, b, w, x0, y0;
  };
  // 6×4 with the block off the origin; 5×2 and 2×5, where a side of 2 doubles the bonds.
  for (const Case& t : {Case{6, 4, 2, 1, 3, 1}, Case{5, 2, 2, 0, 1, 0}, Case{2, 5, 2, 0, 0, 3},
                        Case{4, 5, 3, 0, 1, 2}}) {
    const double K = 0.35;
    const Joint joint = brute_joint(t.lx, t.ly, K, t.b, t.w, t.x0, t.y0);
    const auto c =
        exact_conditionals(ising::Lattice::square(t.lx, t.ly), K, {t.b, t.w, t.x0, t.y0});
    std::vector<BlockVariable> variables{majority_variable(t.b), decimation_variable(t.b)};
    for (const BlockVariable& v : variables)
      EXPECT_NEAR(mutual_information(c, v).nats.value, brute_information(joint, v.up_probability),
                  1e-12)
          << v.name << " " << t.lx << "x" << t.ly;
  }
}

TEST(MutualInformation, KnownValues) {
  const auto lattice = ising::Lattice::square(5, 5);
  // The block and a buffer of 2 cover the 5×5 torus: no environment, nothing to know.
  const auto covered = exact_conditionals(lattice, 0.44, {2, 2, 0, 0});
  EXPECT_EQ(covered.ring_sites, 0u);
  for (const BlockVariable& v : some_variables(3))
    EXPECT_NEAR(mutual_information(covered, v).nats.value, 0.0, 1e-15) << v.name;
  // K = 0: independent spins.
  const auto free = exact_conditionals(lattice, 0.0, {2, 1, 0, 0});
  for (const BlockVariable& v : some_variables(4))
    EXPECT_NEAR(mutual_information(free, v).nats.value, 0.0, 1e-14) << v.name;
  const auto c = exact_conditionals(lattice, 0.44, {2, 0, 0, 0});
  // A variable that ignores V.
  EXPECT_NEAR(mutual_information(c, BlockVariable{2, std::vector<double>(16, 0.3), "c"}).nats.value,
              0.0, 1e-15);
  // Bounds, relabelling and the odd variables' p̄ = 1/2.
  for (const BlockVariable& v : some_variables(5)) {
    const MutualInformation info = mutual_information(c, v);
    EXPECT_GT(info.nats.value, 0.0) << v.name;
    EXPECT_LE(info.nats.value, info.entropy + 1e-15) << v.name;
    EXPECT_LE(info.entropy, std::log(2.0) + 1e-15);
    EXPECT_NEAR(mutual_information(c, flipped(v)).nats.value, info.nats.value, 1e-14) << v.name;
  }
  EXPECT_NEAR(mutual_information(c, majority_variable(2)).mean_up, 0.5, 1e-14);
  EXPECT_NEAR(mutual_information(c, decimation_variable(2)).mean_up, 0.5, 1e-14);
  // A wider buffer hides the block from its environment: I decreases with w.
  const auto wide = exact_conditionals(lattice, 0.44, {2, 1, 0, 0});
  EXPECT_LT(mutual_information(wide, majority_variable(2)).nats.value,
            mutual_information(c, majority_variable(2)).nats.value);
}

TEST(MutualInformation, TablesOfTheNamedVariables) {
  const BlockVariable m = majority_variable(2);
  EXPECT_EQ(m.up_probability[0b1110], 1.0);
  EXPECT_EQ(m.up_probability[0b0001], 0.0);
  EXPECT_EQ(m.up_probability[0b0011], 0.5);
  const BlockVariable t = majority_variable(2, Ties::top_left);
  EXPECT_EQ(t.up_probability[0b0101], 1.0);  // tied, top-left up
  EXPECT_EQ(t.up_probability[0b1010], 0.0);  // tied, top-left down
  EXPECT_EQ(majority_variable(3).up_probability[0b000011111], 1.0);
  EXPECT_EQ(decimation_variable(2).up_probability[0b1001], 1.0);
  EXPECT_EQ(decimation_variable(2).up_probability[0b1000], 0.0);
  EXPECT_EQ(up_states(0xe880), (std::vector<int>{7, 11, 13, 14, 15}));

  // A local map of equal weights is majority rule (ties at x = 0 → 1/2) under the sign readout.
  rbm::Rbm map(4, 1, rbm::Units::spin, rbm::Units::spin);
  for (std::size_t k = 0; k < 4; ++k) map.W(k, 0) = 0.5f;
  EXPECT_EQ(learned_variable(map, Readout::sign).up_probability, m.up_probability);
  const BlockVariable sample = learned_variable(map, Readout::sample);
  EXPECT_NEAR(sample.up_probability[15], 1.0 / (1.0 + std::exp(-4.0)), 1e-7);
  EXPECT_NEAR(sample.up_probability[3], 0.5, 1e-15);
}

// p(V | E) by brute force over the (b + 2w)² region given a configuration.
std::vector<double> brute_conditional(const ising::Lattice& lattice,
                                      const std::vector<std::int8_t>& spins, double K, int b, int w,
                                      int x0, int y0) {
  const int r = b + 2 * w, lx = lattice.lx, ly = lattice.ly;
  auto at = [&](int x, int y) {
    return static_cast<std::size_t>(((y % ly) + ly) % ly * lx + ((x % lx) + lx) % lx);
  };
  std::vector<int> region;
  for (int y = 0; y < r; ++y)
    for (int x = 0; x < r; ++x) region.push_back(static_cast<int>(at(x0 - w + x, y0 - w + y)));
  std::vector<double> p(std::size_t{1} << (b * b), 0.0);
  std::vector<std::int8_t> s = spins;
  for (std::uint64_t state = 0; state < (std::uint64_t{1} << (r * r)); ++state) {
    for (int i = 0; i < r * r; ++i) s[region[i]] = (state >> i & 1) ? 1 : -1;
    // Every bond with at least one end in R, each once (the site's right and down bonds, and
    // the left/up bonds into R from outside).
    double e = 0;
    for (int y = -1; y <= r; ++y)
      for (int x = -1; x <= r; ++x) {
        const bool inside = x >= 0 && x < r && y >= 0 && y < r;
        const std::size_t here = at(x0 - w + x, y0 - w + y);
        const bool right_in = x + 1 >= 0 && x + 1 < r && y >= 0 && y < r;
        const bool down_in = x >= 0 && x < r && y + 1 >= 0 && y + 1 < r;
        if (inside || right_in) e += s[here] * s[at(x0 - w + x + 1, y0 - w + y)];
        if (inside || down_in) e += s[here] * s[at(x0 - w + x, y0 - w + y + 1)];
      }
    std::size_t v = 0;
    for (int k = 0; k < b * b; ++k)
      if (s[at(x0 + k % b, y0 + k / b)] > 0) v |= std::size_t{1} << k;
    p[v] += std::exp(K * e);
  }
  double z = 0;
  for (double x : p) z += x;
  for (double& x : p) x /= z;
  return p;
}

TEST(MutualInformation, TransferMatchesBruteForceOverTheRegion) {
  struct Case {
    int lx, ly, b, w, x0, y0;
    double K;
  };
  for (const Case& t :
       {Case{7, 6, 2, 1, 5, 4, 0.44}, Case{5, 5, 2, 1, 0, 0, 0.9}, Case{7, 8, 3, 0, 2, 6, 0.3},
        Case{6, 5, 4, 0, 4, 1, 0.44}, Case{6, 7, 2, 1, 1, 2, -0.5}}) {
    const auto lattice = ising::Lattice::square(t.lx, t.ly);
    Rng rng(11);
    std::vector<std::int8_t> spins(lattice.sites());
    for (auto& s : spins) s = rng.uniform() < 0.6 ? 1 : -1;
    const auto got = block_conditional(lattice, spins, t.K, t.b, t.w, t.x0, t.y0);
    const auto want = brute_conditional(lattice, spins, t.K, t.b, t.w, t.x0, t.y0);
    ASSERT_EQ(got.size(), want.size());
    for (std::size_t v = 0; v < got.size(); ++v)
      EXPECT_NEAR(got[v], want[v], 1e-13) << "b=" << t.b << " w=" << t.w << " V=" << v;
  }
}

TEST(MutualInformation, MonteCarloAgreesWithExactWithinErrors) {
  const double K = ising::kCriticalCoupling;
  const io::SpinSamples samples = wolff_samples(5, K, 20000, 17);
  const auto exact = exact_conditionals(samples.lattice, K, {2, 1, 0, 0});
  const auto sampled = sampled_conditionals(samples, K, {.b = 2, .buffer = 1});
  EXPECT_EQ(sampled.positions, 4u);  // ⌊5/2⌋² block positions
  std::vector<BlockVariable> variables = some_variables(8);
  variables.push_back(function_variable(2, 0xfee0));
  for (const BlockVariable& v : variables) {
    const MutualInformation want = mutual_information(exact, v);
    const MutualInformation got = mutual_information(sampled, v, 20);
    ASSERT_TRUE(std::isfinite(got.nats.error) && got.nats.error > 0) << v.name;
    if (v.name == "majority") {
      EXPECT_LT(got.nats.error, 0.05 * want.nats.value);  // a test with teeth
    }
    EXPECT_LT(std::fabs(got.nats.value - want.nats.value), 4 * got.nats.error)
        << v.name << ": " << got.nats.value << " ± " << got.nats.error << " vs " << want.nats.value;
  }
  // The winner of the sampled search is a function whose exact I is near the exact optimum.
  const RsmiOptimum mc_best = rsmi_optimum(sampled, {.odd_only = true});
  const RsmiOptimum exact_best = rsmi_optimum(exact, {.odd_only = true});
  const double exact_of_mc_best = mutual_information(exact, mc_best.variable).nats.value;
  EXPECT_LT(std::fabs(mc_best.info.nats.value - exact_of_mc_best), 4 * mc_best.info.nats.error);
  EXPECT_LE(exact_of_mc_best, exact_best.info.nats.value + 1e-15);
}

TEST(MutualInformation, OptimumIsTheExhaustiveMaximum) {
  // 5×4 torus, b = 2, w = 1: E is one column of 4 sites, small enough for a search over all
  // 2^16 truth tables through the brute-force joint.
  const double K = 0.4407;
  const Joint joint = brute_joint(5, 4, K, 2, 1);
  double best = -1;
  std::uint64_t best_f = 0;
  for (std::uint64_t f = 0; f < (1u << 16); ++f) {
    std::vector<double> q(16);
    for (int v = 0; v < 16; ++v) q[v] = static_cast<double>(f >> v & 1);
    const double i = brute_information(joint, q);
    if (i > best + 1e-12) {
      best = i;
      best_f = f;
    }
  }
  const auto c = exact_conditionals(ising::Lattice::square(5, 4), K, {2, 1, 0, 0});
  const RsmiOptimum all = rsmi_optimum(c);
  EXPECT_EQ(all.searched, 32768u);
  EXPECT_NEAR(all.info.nats.value, best, 1e-12);
  EXPECT_NEAR(brute_information(joint, all.variable.up_probability), best, 1e-12)
      << "optimum 0x" << std::hex << all.function << ", brute force 0x" << best_f;
  EXPECT_TRUE(all.function >> 15 & 1);
  ASSERT_EQ(all.top.size(), 10u);
  EXPECT_EQ(all.top.front().function, all.function);
  for (std::size_t i = 1; i < all.top.size(); ++i) EXPECT_LE(all.top[i].nats, all.top[i - 1].nats);
  const RsmiOptimum odd = rsmi_optimum(c, {.odd_only = true});
  EXPECT_EQ(odd.searched, 128u);
  EXPECT_LE(odd.info.nats.value, all.info.nats.value + 1e-15);
  for (const BlockVariable& v : some_variables(9))
    EXPECT_LE(mutual_information(c, v).nats.value, odd.info.nats.value + 1e-15) << v.name;
  for (std::uint64_t f : {0x8000ull, 0xfffeull, 0xe880ull})
    EXPECT_LE(mutual_information(c, function_variable(2, f)).nats.value,
              all.info.nats.value + 1e-15);
}

// The block-local part of a map read back from its output: majority rule with top-left ties
// gives its own table exactly; with random ties the tied states sit near 1/2.
TEST(MutualInformation, ConditionalVariableOfAMapIsItsTable) {
  const io::SpinSamples fine = wolff_samples(8, 0.3, 400, 3);
  BlockSpinOptions top_left;
  top_left.ties = Ties::top_left;
  const BlockVariable q = conditional_variable(fine, block_spin(fine, top_left), "m");
  EXPECT_EQ(q.up_probability, majority_variable(2, Ties::top_left).up_probability);
  EXPECT_EQ(q.name, "m");
  const BlockVariable coin = conditional_variable(fine, block_spin(fine, BlockSpinOptions{}), "c");
  const BlockVariable majority = majority_variable(2);
  for (std::size_t v = 0; v < 16; ++v) {
    if (majority.up_probability[v] == 0.5)
      EXPECT_NEAR(coin.up_probability[v], 0.5, 0.15) << v;  // hundreds of ties per state
    else
      EXPECT_EQ(coin.up_probability[v], majority.up_probability[v]) << v;
  }
  EXPECT_THROW(conditional_variable(fine, fine, "x"), ShapeError);
}

TEST(MutualInformation, ResultsDoNotDependOnThreads) {
  const double K = 0.44;
  const io::SpinSamples samples = wolff_samples(8, K, 60, 5);
  const auto one = sampled_conditionals(samples, K, {.b = 2, .buffer = 1, .threads = 1});
  const auto two = sampled_conditionals(samples, K, {.b = 2, .buffer = 1, .threads = 2});
  EXPECT_EQ(one.conditional, two.conditional);
  EXPECT_EQ(one.weight, two.weight);
  EXPECT_EQ(one.row_of, two.row_of);
  const RsmiOptimum a = rsmi_optimum(one, {.threads = 1});
  const RsmiOptimum b = rsmi_optimum(one, {.threads = 2});
  EXPECT_EQ(a.function, b.function);
  EXPECT_EQ(a.info.nats.value, b.info.nats.value);
  EXPECT_EQ(a.info.nats.error, b.info.nats.error);
  const auto e1 = exact_conditionals(ising::Lattice::square(5, 4), K, {2, 0, 0, 0}, 1);
  const auto e2 = exact_conditionals(ising::Lattice::square(5, 4), K, {2, 0, 0, 0}, 2);
  EXPECT_EQ(e1.conditional, e2.conditional);
  EXPECT_EQ(e1.weight, e2.weight);
}

TEST(MutualInformation, JsonCarriesTheNumbers) {
  const auto c = exact_conditionals(ising::Lattice::square(4, 4), 0.44, {2, 0, 0, 0});
  const MutualInformation info = mutual_information(c, majority_variable(2));
  const nlohmann::json j = to_json(info);
  EXPECT_EQ(j["name"], "majority");
  EXPECT_DOUBLE_EQ(j["I_bits"].get<double>(), info.bits.value);
  EXPECT_EQ(j["I_bits_error"].get<double>(), 0.0);
  const nlohmann::json o = to_json(rsmi_optimum(c, {.top = 3}));
  EXPECT_EQ(o["top"].size(), 3u);
  EXPECT_TRUE(o["function"].get<std::string>().starts_with("0x"));
  EXPECT_EQ(to_json(c)["method"], "exact");
}

TEST(MutualInformation, RefusesBadInput) {
  const auto lattice = ising::Lattice::square(5, 5);
  EXPECT_THROW(majority_variable(1), ConfigError);
  EXPECT_THROW(decimation_variable(5), ConfigError);
  EXPECT_THROW(function_variable(3, 1), ConfigError);
  EXPECT_THROW(function_variable(2, 1u << 16), ConfigError);
  EXPECT_THROW(exact_conditionals(lattice, std::nan(""), {2, 1, 0, 0}), ConfigError);
  EXPECT_THROW(exact_conditionals(lattice, 0.4, {2, -1, 0, 0}), ConfigError);
  EXPECT_THROW(exact_conditionals(ising::Lattice::square(6, 6), 0.4, {2, 1, 0, 0}), ConfigError);
  EXPECT_THROW(exact_conditionals(ising::Lattice::chain(8), 0.4, {2, 1, 0, 0}), ConfigError);
  EXPECT_THROW(exact_conditionals(ising::Lattice::square(3, 5), 0.4, {4, 0, 0, 0}),
               ShapeError);  // b > Lx
  // 4×4 block on 6×5: 12 ring sites + 16 block sites, a table of 2^28.
  EXPECT_THROW(exact_conditionals(ising::Lattice::square(6, 5), 0.4, {4, 0, 0, 0}), ShapeError);

  const auto c = exact_conditionals(lattice, 0.4, {2, 1, 0, 0});
  BlockVariable wrong_size{2, std::vector<double>(8, 0.5), "short"};
  EXPECT_THROW(mutual_information(c, wrong_size), ShapeError);
  BlockVariable bad_value{2, std::vector<double>(16, 0.5), "bad"};
  bad_value.up_probability[3] = 1.5;
  EXPECT_THROW(mutual_information(c, bad_value), ConfigError);
  bad_value.up_probability[3] = std::numeric_limits<double>::quiet_NaN();
  EXPECT_THROW(mutual_information(c, bad_value), ConfigError);
  EXPECT_THROW(mutual_information(c, majority_variable(3)), ShapeError);

  io::SpinSamples samples = wolff_samples(6, 0.4, 20, 2);
  EXPECT_THROW(sampled_conditionals(samples, 0.4, {.b = 2, .buffer = 2}), ShapeError);  // 6 ≥ 6
  EXPECT_THROW(sampled_conditionals(samples, std::numeric_limits<double>::infinity(), {}),
               ConfigError);
  EXPECT_THROW(sampled_conditionals(samples, 0.4, {.b = 1}), ConfigError);
  EXPECT_THROW(sampled_conditionals(samples, 0.4, {.b = 2, .buffer = -1}), ConfigError);
  EXPECT_THROW(sampled_conditionals(samples, 0.4, {.stride = -2}), ConfigError);
  io::SpinSamples empty = samples;
  empty.count = 0;
  empty.spins.clear();
  EXPECT_THROW(sampled_conditionals(empty, 0.4, {}), ShapeError);
  io::SpinSamples torn = samples;
  torn.spins.pop_back();
  EXPECT_THROW(sampled_conditionals(torn, 0.4, {}), ShapeError);
  io::SpinSamples chain;
  chain.lattice = ising::Lattice::chain(16);
  chain.count = 1;
  chain.spins.assign(16, 1);
  EXPECT_THROW(sampled_conditionals(chain, 0.4, {}), ShapeError);
  const auto s = sampled_conditionals(samples, 0.4, {.b = 2, .buffer = 1});
  EXPECT_THROW(mutual_information(s, majority_variable(2), 0), ConfigError);
  EXPECT_THROW(rsmi_optimum(s, {.top = -1}), ConfigError);
  const auto b3 = exact_conditionals(lattice, 0.4, {3, 0, 0, 0});
  EXPECT_THROW(rsmi_optimum(b3), ConfigError);
  EXPECT_THROW(mutual_information(EnvironmentConditionals{}, majority_variable(2)), ShapeError);
}

}  // namespace
}  // namespace deeprg::rg
