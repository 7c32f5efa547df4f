// Exact results on float64 models: ln Z, likelihoods, AIS, the VRG quantities and model files
// keep the precision the parameters were given, checked against brute-force loops in long
// double over every joint state (written independently of the library).
#include <gtest/gtest.h>

#include <unistd.h>
#include <algorithm>
#include <cmath>

#include <filesystem>
#include <fstream>
#include <random>
#include <variant>
#include <vector>

#include "brute_force.hpp"
#include "deeprg/core/error.hpp"
#include "deeprg/core/rng.hpp"
#include "deeprg/ising/model.hpp"
#include "deeprg/rbm/estimators.hpp"
#include "deeprg/rbm/model_file.hpp"
#include "deeprg/vrg/operators.hpp"

namespace deeprg::rbm {
namespace {

using testing::log_sum_exp;
using testing::minus_energy;
using testing::unit_value;

constexpr Units kB = Units::bernoulli;
constexpr Units kS = Units::spin;

/// Parameters that are not float32 numbers.
Rbm64 random_rbm64(std::size_t nv, std::size_t nh, Units uv, Units uh, double w_scale,
                   double b_scale, std::uint64_t seed) {
  return testing::random_rbm<double>(nv, nh, uv, uh, w_scale, b_scale, seed);
}

/// −F(v) = ln Σ_h e^{−E(v,h)} for every visible state v (index bit i = unit i high).
std::vector<long double> brute_minus_free_energies(const Rbm64& rbm) {
  std::vector<long double> out(std::size_t{1} << rbm.n_visible());
  std::vector<long double> terms(std::size_t{1} << rbm.n_hidden());
  for (std::uint64_t v = 0; v < out.size(); ++v) {
    for (std::uint64_t h = 0; h < terms.size(); ++h) terms[h] = minus_energy(rbm, v, h);
    out[v] = log_sum_exp(terms);
  }
  return out;
}

/// The relative error the float64 results must meet.
constexpr double kExact = 1e-12;

TEST(Float64Models, ExactLogZMatchesBruteForceToDoublePrecision) {
  // Both orientations of the enumeration (hidden smaller, visible smaller) and both alphabets.
  const struct {
    std::size_t nv, nh;
    Units uv, uh;
  } cases[] = {{12, 7, kB, kB}, {12, 7, kS, kS}, {7, 12, kB, kS}, {9, 9, kS, kB}};
  for (const auto& c : cases) {
    const Rbm64 rbm = random_rbm64(c.nv, c.nh, c.uv, c.uh, 1.0, 0.5, 11);
    const double brute = static_cast<double>(log_sum_exp(brute_minus_free_energies(rbm)));
    const double exact = exact_log_z(rbm, 2);
    EXPECT_NEAR(exact, brute, kExact * std::abs(brute)) << c.nv << "x" << c.nh;
    EXPECT_EQ(exact, exact_log_z(rbm, 1));  // bit-identical for any thread count
    // A float32 copy is a different model: its exact ln Z misses this one's.
    const double rounded = exact_log_z(rbm_cast<float>(rbm));
    EXPECT_GT(std::abs(rounded - brute), 10 * kExact * std::abs(brute)) << c.nv << "x" << c.nh;
    // float32 → float64 is exact, so a float32 model gives the same bits either way.
    const Rbm narrow = rbm_cast<float>(rbm);
    EXPECT_EQ(exact_log_z(rbm_cast<double>(narrow)), exact_log_z(narrow));
  }
}

TEST(Float64Models, LikelihoodsMatchBruteForce) {
  const Rbm64 rbm = random_rbm64(10, 6, kS, kB, 0.8, 0.4, 12);
  const std::vector<long double> minus_f = brute_minus_free_energies(rbm);
  const double log_z = exact_log_z(rbm);
  MatrixF v(minus_f.size(), rbm.n_visible());
  for (std::size_t s = 0; s < v.rows; ++s)
    for (std::size_t i = 0; i < v.cols; ++i) v(s, i) = float(unit_value(kS, (s >> i) & 1));
  const std::vector<double> f = free_energy(rbm, v);
  const std::vector<double> ll = log_likelihood(rbm, v, log_z);
  long double total = 0;
  for (std::size_t s = 0; s < v.rows; ++s) {
    const double expected_f = -static_cast<double>(minus_f[s]);
    EXPECT_NEAR(f[s], expected_f, kExact * std::abs(expected_f));
    const double expected_ll = static_cast<double>(minus_f[s]) - log_z;
    EXPECT_NEAR(ll[s], expected_ll, kExact * std::abs(expected_ll));
    total += std::exp(static_cast<long double>(ll[s]));
  }
  EXPECT_NEAR(static_cast<double>(total), 1.0, 1e-13);  // the likelihoods normalise
}

TEST(Float64Models, AisAgreesWithExactAndIsThreadIndependent) {
  const Rbm64 rbm = random_rbm64(20, 10, kB, kB, 0.3, 0.3, 13);
  AisOptions o;
  o.chains = 64;
  o.intermediate = 2000;
  o.seed = 5;
  o.threads = 2;
  const LogZEstimate a = ais_log_z(rbm, o);
  o.threads = 1;
  const LogZEstimate b = ais_log_z(rbm, o);
  EXPECT_EQ(a.log_z, b.log_z);
  EXPECT_EQ(a.error, b.error);
  const double exact = exact_log_z(rbm);
  ASSERT_GT(a.error, 0);
  EXPECT_LT(std::abs(a.log_z - exact), 4 * a.error) << a.log_z << " vs " << exact;
}

TEST(Float64Models, VrgQuantitiesMatchBruteForce) {
  // A 3×3 torus at K = 0.3, h = 0.1 and an RBM with 9 spin visible and 4 hidden units.
  ising::Model model;
  model.lattice = ising::Lattice::square(3, 3);
  model.J = 1;
  model.h = 0.1;
  model.T = 1 / 0.3;
  for (const Units uh : {kB, kS}) {
    const Rbm64 rbm = random_rbm64(9, 4, kS, uh, 0.4, 0.2, 14);
    const vrg::VrgReport r = vrg::evaluate_vrg(model, rbm, 2);
    // Brute force: −H(v) = K Σ_bonds v_i v_j + B Σ_i v_i with the torus's 18 bonds.
    const long double K = model.K(), B = model.B();
    const std::vector<long double> minus_f = brute_minus_free_energies(rbm);
    std::vector<long double> minus_h(minus_f.size());
    for (std::uint64_t v = 0; v < minus_h.size(); ++v) {
      auto s = [&](int x, int y) { return ((v >> ((y % 3) * 3 + x % 3)) & 1) ? 1.0L : -1.0L; };
      long double e = 0;
      for (int y = 0; y < 3; ++y)
        for (int x = 0; x < 3; ++x) e += K * s(x, y) * (s(x + 1, y) + s(x, y + 1)) + B * s(x, y);
      minus_h[v] = e;
    }
    const long double log_z = log_sum_exp(minus_h), log_z_rbm = log_sum_exp(minus_f);
    long double kl = 0;
    for (std::size_t v = 0; v < minus_h.size(); ++v) {
      const long double log_p = minus_h[v] - log_z, log_q = minus_f[v] - log_z_rbm;
      kl += std::exp(log_p) * (log_p - log_q);
    }
    const double delta_f = static_cast<double>(log_z - log_z_rbm);
    EXPECT_NEAR(r.log_z, static_cast<double>(log_z), kExact * std::abs(r.log_z));
    EXPECT_NEAR(r.log_z_rbm, static_cast<double>(log_z_rbm), kExact * std::abs(r.log_z_rbm));
    EXPECT_NEAR(r.delta_f, delta_f, kExact * std::abs(r.log_z));
    EXPECT_NEAR(r.kl, static_cast<double>(kl), kExact * static_cast<double>(kl) + 1e-15);
    // The float32 copy of the same parameters is a different model.
    const vrg::VrgReport rounded = vrg::evaluate_vrg(model, rbm_cast<float>(rbm), 2);
    EXPECT_GT(std::abs(rounded.delta_f - delta_f), 10 * kExact * std::abs(r.log_z));
  }
}

TEST(Float64Models, CastRoundsAndRefusesOverflow) {
  Rbm64 rbm = random_rbm64(3, 2, kB, kS, 1.0, 1.0, 15);
  const Rbm narrow = rbm_cast<float>(rbm);
  for (std::size_t k = 0; k < rbm.W.size(); ++k)
    EXPECT_EQ(narrow.W.data[k], static_cast<float>(rbm.W.data[k]));
  EXPECT_EQ(narrow.visible, kB);
  EXPECT_EQ(narrow.hidden, kS);
  rbm.hidden_bias[1] = 1e300;
  try {
    rbm_cast<float>(rbm);
    ADD_FAILURE() << "no ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.key(), "parameters");
    EXPECT_NE(std::string(e.what()).find("hidden_bias"), std::string::npos) << e.what();
  }
}

class Float64Files : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("deeprg_float64_files_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
};

TEST_F(Float64Files, KeepTheirDtypeBitForBit) {
  const Rbm64 rbm = random_rbm64(5, 3, kS, kB, 1.0, 1.0, 16);
  const auto path = dir_ / "m.npz";
  save_rbm(path, rbm);
  const io::NpzArchive archive = io::read_npz(path);
  for (const char* key : {"W", "visible_bias", "hidden_bias"})
    EXPECT_EQ(archive.at(key).descr, "<f8") << key;
  const StoredRbm stored = load_rbm_as_stored(path);
  ASSERT_TRUE(std::holds_alternative<Rbm64>(stored));
  const Rbm64& back = std::get<Rbm64>(stored);
  EXPECT_EQ(back.W, rbm.W);
  EXPECT_EQ(back.visible_bias, rbm.visible_bias);
  EXPECT_EQ(back.hidden_bias, rbm.hidden_bias);
  EXPECT_EQ(back.visible, kS);
  // Read as float32 on request (rounded), and float32 files stay float32.
  EXPECT_EQ(load_rbm(path).W, rbm_cast<float>(rbm).W);
  save_rbm(dir_ / "f.npz", rbm_cast<float>(rbm));
  EXPECT_EQ(io::read_npz(dir_ / "f.npz").at("W").descr, "<f4");
  EXPECT_TRUE(std::holds_alternative<Rbm>(load_rbm_as_stored(dir_ / "f.npz")));
  // A file with float32 weights and a float64 bias is float64: nothing is rounded.
  io::NpzArchive mixed = io::read_npz(dir_ / "f.npz");
  mixed["hidden_bias"] = io::make_npy(std::span<const double>(rbm.hidden_bias), {3});
  io::write_npz(dir_ / "mixed.npz", mixed);
  const StoredRbm m = load_rbm_as_stored(dir_ / "mixed.npz");
  ASSERT_TRUE(std::holds_alternative<Rbm64>(m));
  EXPECT_EQ(std::get<Rbm64>(m).hidden_bias, rbm.hidden_bias);
}

TEST_F(Float64Files, DbnDirectoriesRecordTheirDtype) {
  Dbn64 dbn;
  dbn.layers.push_back(random_rbm64(6, 4, kB, kB, 1.0, 1.0, 17));
  dbn.layers.push_back(random_rbm64(4, 2, kB, kB, 1.0, 1.0, 18));
  save_dbn(dir_ / "dbn", dbn);
  std::ifstream in(dir_ / "dbn" / "dbn.json");
  const nlohmann::json doc = nlohmann::json::parse(in);
  EXPECT_EQ(doc["dtype"], "float64");
  const StoredDbn stored = load_dbn_as_stored(dir_ / "dbn");
  ASSERT_TRUE(std::holds_alternative<Dbn64>(stored));
  for (std::size_t l = 0; l < 2; ++l)
    EXPECT_EQ(std::get<Dbn64>(stored).layers[l].W, dbn.layers[l].W);
  // The single-archive form too.
  io::write_npz(dir_ / "dbn.npz", dbn_to_npz(dbn));
  EXPECT_TRUE(std::holds_alternative<Dbn64>(load_dbn_as_stored(dir_ / "dbn.npz")));
  // A document that disagrees with the arrays is refused, naming the key.
  nlohmann::json wrong = doc;
  wrong["dtype"] = "float32";
  std::ofstream(dir_ / "dbn" / "dbn.json") << wrong.dump();
  try {
    load_dbn(dir_ / "dbn");
    ADD_FAILURE() << "no IoError";
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find("'dtype'"), std::string::npos) << e.what();
  }
  // Older documents without "dtype" still load.
  wrong.erase("dtype");
  std::ofstream(dir_ / "dbn" / "dbn.json") << wrong.dump();
  EXPECT_NO_THROW(load_dbn(dir_ / "dbn"));
}

}  // namespace
}  // namespace deeprg::rbm
