// End-to-end tests of `deeprg couplings`.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "deeprg/io/spin_file.hpp"
#include "deeprg/mc/sampler.hpp"
#include "deeprg/rbm/model_file.hpp"
#include "run_cli.hpp"

namespace {

using deeprg::testing::CliResult;
using deeprg::testing::run_cli;

class CouplingsCli : public deeprg::testing::CliTest {
 protected:
  void SetUp() override {
    CliTest::SetUp();
    deeprg::ising::Model model;
    model.lattice = deeprg::ising::Lattice::square(16, 16);
    model.T = deeprg::ising::kCriticalTemperature;
    deeprg::mc::SamplerOptions options;
    options.samples = 1000;
    options.seed = 8;
    deeprg::io::write_spins(path("data.npy"), deeprg::mc::sample(model, options));
  }
};

TEST_F(CouplingsCli, JsonFlowStartsAtTheSamplesCoupling) {
  const CliResult r = run_cli(
      "couplings " + path("data.npy") + " --levels 2 --couplings nn,nnn,plaq --json", false);
  ASSERT_EQ(r.code, 0) << r.output;
  const auto j = nlohmann::json::parse(r.output);
  EXPECT_EQ(j["rule"], "majority");
  EXPECT_EQ(j["couplings"], nlohmann::json::array({"nn", "nnn", "plaq"}));
  const auto& levels = j["files"][0]["levels"];
  ASSERT_EQ(levels.size(), 3u);
  EXPECT_EQ(levels[2]["L"], 4);
  const double k = levels[0]["couplings"]["nn"], err = levels[0]["errors"]["nn"];
  EXPECT_GT(err, 0);
  EXPECT_NEAR(k, 1 / deeprg::ising::kCriticalTemperature, 4 * err);
  for (const auto& level : levels)
    for (const char* name : {"nn", "nnn", "plaq"})
      EXPECT_TRUE(level["couplings"][name].is_number()) << name;
}

// --with-majority adds majority rule's flow of the same samples: the same numbers as a run of
// majority rule alone; the learned map's own level 0 is the same fit.
TEST_F(CouplingsCli, WithMajorityIsTheMajorityRun) {
  CliResult r =
      run_cli("learn-map " + path("data.npy") + " --b 2 --epochs 2 --out " + path("map.npz"));
  ASSERT_EQ(r.code, 0) << r.output;
  const std::string common = " --levels 2 --couplings nn,nnn --blocks 10 --json";
  r = run_cli(
      "couplings " + path("data.npy") + " --map " + path("map.npz") + " --with-majority" + common,
      false);
  ASSERT_EQ(r.code, 0) << r.output;
  const CliResult m = run_cli("couplings " + path("data.npy") + common, false);
  ASSERT_EQ(m.code, 0) << m.output;
  const auto j = nlohmann::json::parse(r.output), k = nlohmann::json::parse(m.output);
  EXPECT_EQ(j["rule"], "learned_map");
  EXPECT_EQ(j["files"][0]["majority"], k["files"][0]["levels"]);
  EXPECT_EQ(j["files"][0]["levels"][0], k["files"][0]["levels"][0]);
  EXPECT_EQ(j["files"][0]["majority_agreement"].size(), 2u);
}

TEST_F(CouplingsCli, TableAndPlot) {
  const CliResult r =
      run_cli("couplings " + path("data.npy") + " --levels 1 --plot " + path("flow.png"));
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("K_nnn"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("16x16"), std::string::npos) << r.output;
  EXPECT_GT(std::filesystem::file_size(path("flow.png")), 1000u);
}

// The bond RBM of the library test, written to a file: its hidden Hamiltonian is a pure
// nearest-neighbour one with K = ½ ln cosh 2w.
TEST_F(CouplingsCli, ExactHiddenHamiltonianOfAnRbmFile) {
  const double w = 0.4;
  deeprg::rbm::Rbm64 model(32, 16, deeprg::rbm::Units::spin, deeprg::rbm::Units::spin);
  std::size_t bond = 0;
  for (int y = 0; y < 4; ++y)
    for (int x = 0; x < 4; ++x)
      for (int j : {y * 4 + (x + 1) % 4, ((y + 1) % 4) * 4 + x}) {
        model.W(bond, static_cast<std::size_t>(y * 4 + x)) = w;
        model.W(bond++, static_cast<std::size_t>(j)) = w;
      }
  deeprg::rbm::save_rbm(path("bonds.npz"), model);
  const CliResult r =
      run_cli("couplings --rbm " + path("bonds.npz") + " --hidden-L 4 --json", false);
  ASSERT_EQ(r.code, 0) << r.output;
  const auto j = nlohmann::json::parse(r.output);
  EXPECT_NEAR(j["exact"]["couplings"]["nn"].get<double>(), 0.5 * std::log(std::cosh(2 * w)), 1e-12);
  EXPECT_NEAR(j["exact"]["couplings"]["plaq"].get<double>(), 0, 1e-12);
  const CliResult wrong = run_cli("couplings --rbm " + path("bonds.npz") + " --hidden-L 3");
  EXPECT_NE(wrong.code, 0);
  EXPECT_NE(wrong.output.find("hidden"), std::string::npos) << wrong.output;
}

// A layer of 2×2 block units (8×8 → 4×4), each unit also weakly tied to the block on its
// right, so that H^RBM has nearest-neighbour terms; shuffled and with some units anti-aligned.
// --place must undo both: the same couplings as the same layer written in site order.
TEST_F(CouplingsCli, PlaceFindsTheHiddenLattice) {
  const std::size_t perm[16] = {5, 2, 11, 0, 15, 7, 9, 1, 3, 14, 6, 12, 8, 10, 4, 13};
  auto layer = [&](bool shuffle) {
    deeprg::rbm::Rbm64 m(64, 16, deeprg::rbm::Units::spin, deeprg::rbm::Units::spin);
    for (int cy = 0; cy < 4; ++cy)
      for (int cx = 0; cx < 4; ++cx) {
        const std::size_t site = std::size_t(cy * 4 + cx);
        const std::size_t unit = shuffle ? perm[site] : site;
        const double sign = shuffle && site % 3 == 0 ? -1 : 1;
        for (int dy = 0; dy < 2; ++dy)
          for (int dx = 0; dx < 3; ++dx) {
            const int x = (2 * cx + dx) % 8, y = 2 * cy + dy;
            m.W(std::size_t(y * 8 + x), unit) = sign * (dx < 2 ? 0.8 : 0.2);
          }
      }
    return m;
  };
  deeprg::rbm::save_rbm(path("ordered.npz"), layer(false));
  deeprg::rbm::save_rbm(path("shuffled.npz"), layer(true));
  const CliResult a =
      run_cli("couplings --rbm " + path("ordered.npz") + " --hidden-L 4 --json", false);
  const CliResult b = run_cli("couplings --rbm " + path("shuffled.npz") + " --place --json", false);
  ASSERT_EQ(a.code, 0) << a.output;
  ASSERT_EQ(b.code, 0) << b.output;
  const auto ja = nlohmann::json::parse(a.output), jb = nlohmann::json::parse(b.output);
  EXPECT_GT(ja["exact"]["couplings"]["nn"].get<double>(), 0.01);
  for (const char* name : {"nn", "nnn", "plaq", "3nn"})
    EXPECT_NEAR(jb["exact"]["couplings"][name].get<double>(),
                ja["exact"]["couplings"][name].get<double>(), 1e-12)
        << name;
  EXPECT_EQ(jb["placement"]["L"], 4);
  EXPECT_EQ(jb["placement"]["flipped"], 6);
  const CliResult both =
      run_cli("couplings --rbm " + path("shuffled.npz") + " --place --hidden-L 4");
  EXPECT_NE(both.code, 0);
  EXPECT_NE(both.output.find("--hidden-L"), std::string::npos) << both.output;
}

TEST_F(CouplingsCli, BadFlagsAreNamed) {
  struct Case {
    std::string args, flag;
  };
  const std::string data = path("data.npy");
  for (const Case& c :
       {Case{"couplings", "files"},
        Case{"couplings " + data + " --with-majority", "--with-majority"},
        Case{"couplings " + data + " --couplings nn,bogus", "--couplings"},
        Case{"couplings " + data + " --plot " + path("p.png") + " --plot-x zz", "--plot-x"},
        Case{"couplings " + data + " --blocks 1", "--blocks"},
        Case{"couplings " + data + " --levels 9", "--levels"},
        Case{"couplings " + data + " --rbm " + data, "--rbm"}}) {
    const CliResult r = run_cli(c.args);
    EXPECT_NE(r.code, 0) << c.args;
    EXPECT_NE(r.output.find(c.flag), std::string::npos) << c.args << "\n" << r.output;
  }
}

}  // namespace
