// End-to-end tests of `deeprg mcrg`.
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <string>

#include "deeprg/io/atomic_file.hpp"
#include "deeprg/io/spin_file.hpp"
#include "deeprg/mc/sampler.hpp"
#include "run_cli.hpp"

namespace {

using deeprg::testing::CliResult;
using deeprg::testing::run_cli;

class McrgCli : public deeprg::testing::CliTest {
 protected:
  void SetUp() override {
    CliTest::SetUp();
    // 16×16 at T_c: enough for two MCRG levels (16 → 8 → 4) in a fraction of a second.
    deeprg::ising::Model model;
    model.lattice = deeprg::ising::Lattice::square(16, 16);
    model.T = deeprg::ising::kCriticalTemperature;
    deeprg::mc::SamplerOptions options;
    options.samples = 2000;
    options.seed = 4;
    deeprg::io::write_spins(path("data.npy"), deeprg::mc::sample(model, options));
  }
};

TEST_F(McrgCli, JsonListsLevelsDeepestLast) {
  const CliResult r = run_cli("mcrg " + path("data.npy") + " --json", false);
  ASSERT_EQ(r.code, 0) << r.output;
  const auto j = nlohmann::json::parse(r.output);
  ASSERT_EQ(j["levels"].size(), 2u);  // default: as deep as the coarsest side ≥ 4 allows
  EXPECT_EQ(j["levels"][0]["level"], 1);
  EXPECT_EQ(j["levels"][0]["L"], 8);
  EXPECT_EQ(j["levels"][1]["level"], 2);
  EXPECT_EQ(j["levels"][1]["L"], 4);
  EXPECT_EQ(j["samples"], 2000);
  EXPECT_EQ(j["rule"], "majority");
  for (const auto& level : j["levels"])
    for (const char* key : {"y_t", "y_t_error", "y_h", "y_h_error"})
      EXPECT_TRUE(level[key].is_number()) << key;
  // Loose physics: 2000 samples of 16×16 still land near y_t = 1 and y_h = 15/8.
  EXPECT_NEAR(j["levels"][1]["y_t"].get<double>(), 1.0, 0.2);
  EXPECT_NEAR(j["levels"][1]["y_h"].get<double>(), 1.875, 0.03);

  const CliResult one = run_cli(
      "mcrg " + path("data.npy") + " --levels 1 --couplings nn,m --blocks 10 --json", false);
  ASSERT_EQ(one.code, 0) << one.output;
  const auto k = nlohmann::json::parse(one.output);
  ASSERT_EQ(k["levels"].size(), 1u);
  EXPECT_EQ(k["couplings"]["even"], nlohmann::json::array({"nn"}));
  EXPECT_EQ(k["couplings"]["odd"], nlohmann::json::array({"m"}));
}

TEST_F(McrgCli, TablePrintsOneRowPerLevel) {
  const CliResult r = run_cli("mcrg " + path("data.npy") + " --levels 2 --rule decimation");
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("y_t"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("16 -> 8"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("8 -> 4"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("15/8"), std::string::npos) << r.output;
}

TEST_F(McrgCli, LearnedMapIsTrainedAndJudgedOnTheSameSamples) {
  CliResult r = run_cli("learn-map " + path("data.npy") +
                            " --b 2 --epochs 3 --seed 2 --json --out " + path("map.npz"),
                        false);
  ASSERT_EQ(r.code, 0) << r.output;
  const auto learned = nlohmann::json::parse(r.output);
  EXPECT_EQ(learned["b"], 2);
  EXPECT_EQ(learned["weights"].size(), 4u);
  // At T_c the learned block spin is majority rule wherever majority is defined.
  EXPECT_GT(learned["majority_agreement"].get<double>(), 0.99);
  EXPECT_EQ(learned["blocks_used"], 2000 * 64);

  r = run_cli("mcrg " + path("data.npy") + " --map " + path("map.npz") + " --json", false);
  ASSERT_EQ(r.code, 0) << r.output;
  const auto j = nlohmann::json::parse(r.output);
  EXPECT_EQ(j["rule"], "learned_map");
  EXPECT_EQ(j["learned_map"]["readout"], "sign");
  EXPECT_EQ(j["b"], 2);
  ASSERT_EQ(j["levels"].size(), 2u);
  for (const auto& level : j["levels"]) EXPECT_TRUE(level["y_h"].is_number()) << level;
  r = run_cli("mcrg " + path("data.npy") + " --map " + path("map.npz"));
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("learned map"), std::string::npos) << r.output;
  // flow follows the same map: levels 0 … 3 (16 → 8 → 4 → 2).
  r = run_cli("flow " + path("data.npy") + " --map " + path("map.npz") + " --json", false);
  ASSERT_EQ(r.code, 0) << r.output;
  const auto flow = nlohmann::json::parse(r.output);
  EXPECT_EQ(flow["rule"], "learned_map");
  EXPECT_EQ(flow["files"][0]["levels"].size(), 4u);

  // Refusals name the flag: a map with the block rule's flags, a map that is not local.
  const std::pair<std::string, std::string> cases[] = {
      {"mcrg " + path("data.npy") + " --map " + path("map.npz") + " --rule majority", "--map"},
      {"mcrg " + path("data.npy") + " --map " + path("map.npz") + " --readout mean", "--readout"},
      {"learn-map " + path("data.npy") + " --b 3 --out " + path("m3.npz"), "--b"},
      {"learn-map " + path("data.npy") + " --out " + path("data.npy"), "--out"},
  };
  for (const auto& [args, needle] : cases) {
    const CliResult e = run_cli(args);
    EXPECT_EQ(e.code, 2) << args << "\n" << e.output;
    EXPECT_NE(e.output.find(needle), std::string::npos) << args << "\n" << e.output;
  }
  r = run_cli("train --data " + path("data.npy") + " --hidden 3 --epochs 1 --out " +
              path("wide.npz"));
  ASSERT_EQ(r.code, 0) << r.output;
  r = run_cli("mcrg " + path("data.npy") + " --map " + path("wide.npz"));
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_NE(r.output.find("--map"), std::string::npos) << r.output;
}

TEST_F(McrgCli, ATrainedDbnIsJudgedLayerByLayer) {
  // 16×16 → 64 → 16 units: coarse lattices 8×8 and 4×4, two MCRG levels.
  CliResult r = run_cli("train --data " + path("data.npy") +
                        " --hidden 64,16 --epochs 2 --seed 3 --out " + path("dbn"));
  ASSERT_EQ(r.code, 0) << r.output;
  r = run_cli("mcrg " + path("data.npy") + " --map " + path("dbn") + " --json", false);
  ASSERT_EQ(r.code, 0) << r.output;
  const auto j = nlohmann::json::parse(r.output);
  EXPECT_EQ(j["learned_map"]["kind"], "dbn");
  const auto& layers = j["learned_map"]["layers"];
  ASSERT_EQ(layers.size(), 2u);
  EXPECT_EQ(layers[0]["L"], 8);
  EXPECT_EQ(layers[1]["L"], 4);
  EXPECT_EQ(layers[0]["left_over"], 0);
  ASSERT_EQ(j["levels"].size(), 2u);
  EXPECT_EQ(j["levels"][1]["L"], 4);
  EXPECT_EQ(j["learned_map"]["majority_agreement"].size(), 2u);
  EXPECT_EQ(j["learned_map"]["field"], "odd");
  // The whole field, biases included, is another map: the same run, other coarse spins.
  r = run_cli("mcrg " + path("data.npy") + " --map " + path("dbn") + " --full-field --json", false);
  ASSERT_EQ(r.code, 0) << r.output;
  const auto full = nlohmann::json::parse(r.output);
  EXPECT_EQ(full["learned_map"]["field"], "full");
  EXPECT_NE(full["learned_map"]["majority_agreement"], j["learned_map"]["majority_agreement"]);
  r = run_cli("mcrg " + path("data.npy") + " --full-field");
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_NE(r.output.find("--map"), std::string::npos) << r.output;
  // A DBN for another lattice is refused, naming the flag.
  r = run_cli("train --data " + path("data.npy") + " --hidden 3 --epochs 1 --out " +
              path("narrow.npz"));
  ASSERT_EQ(r.code, 0) << r.output;
  r = run_cli("mcrg " + path("data.npy") + " --map " + path("narrow.npz"));
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_NE(r.output.find("--map"), std::string::npos) << r.output;
}

TEST_F(McrgCli, ErrorsNameTheProblem) {
  struct Case {
    std::string args;
    int code;
    std::string needle;
  };
  deeprg::io::write_file_atomic(path("garbage.npy"), "not a spin file");
  const Case cases[] = {
      {"mcrg " + path("data.npy") + " --couplings nn,bogus", 2, "--couplings"},
      {"mcrg " + path("data.npy") + " --levels 3", 2, "--levels"},
      {"mcrg " + path("data.npy") + " --b 3", 1, "divisible"},
      {"mcrg " + path("data.npy") + " --b 1", 2, "--b"},
      {"mcrg " + path("data.npy") + " --rule nope", 2, "--rule"},
      {"mcrg " + path("data.npy") + " --blocks 1", 2, "--blocks"},
      {"mcrg " + path("garbage.npy"), 1, "garbage.npy"},
      {"mcrg " + path("missing.npy"), 1, "missing.npy"},
  };
  for (const Case& c : cases) {
    const CliResult r = run_cli(c.args);
    EXPECT_EQ(r.code, c.code) << c.args << "\n" << r.output;
    EXPECT_NE(r.output.find(c.needle), std::string::npos) << c.args << "\n" << r.output;
  }
}

}  // namespace
