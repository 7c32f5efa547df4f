// End-to-end tests of `deeprg mi`.
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <string>

#include "deeprg/io/spin_file.hpp"
#include "deeprg/mc/sampler.hpp"
#include "deeprg/rg/mutual_information.hpp"
#include "run_cli.hpp"

namespace {

using deeprg::testing::CliResult;
using deeprg::testing::run_cli;

class MiCli : public deeprg::testing::CliTest {
 protected:
  void SetUp() override {
    CliTest::SetUp();
    // 8×8 at K_c with its sidecar (which records K).
    model_.lattice = deeprg::ising::Lattice::square(8, 8);
    model_.T = deeprg::ising::kCriticalTemperature;
    deeprg::mc::SamplerOptions options;
    options.samples = 400;
    options.seed = 3;
    deeprg::mc::SamplerReport report;
    samples_ = deeprg::mc::sample(model_, options, &report);
    deeprg::io::write_spins(path("data.npy"), samples_,
                            deeprg::mc::sidecar_json(model_, options, report));
    deeprg::io::write_spins(path("bare.npy"), samples_);
  }
  deeprg::ising::Model model_;
  deeprg::io::SpinSamples samples_;
};

TEST_F(MiCli, ExactJsonIsTheLibrarysExactValue) {
  const CliResult r =
      run_cli("mi --exact --L 5 --Ly 4 --K 0.4407 --buffer 1 --optimum --top 3 --json", false);
  ASSERT_EQ(r.code, 0) << r.output;
  const auto j = nlohmann::json::parse(r.output);
  EXPECT_EQ(j["conditionals"]["method"], "exact");
  ASSERT_EQ(j["variables"].size(), 3u);
  const auto c =
      deeprg::rg::exact_conditionals(deeprg::ising::Lattice::square(5, 4), 0.4407, {2, 1, 0, 0});
  const auto majority = deeprg::rg::mutual_information(c, deeprg::rg::majority_variable(2));
  EXPECT_EQ(j["variables"][0]["name"], "majority");
  EXPECT_NEAR(j["variables"][0]["I_bits"].get<double>(), majority.bits.value, 1e-14);
  EXPECT_EQ(j["variables"][0]["I_bits_error"].get<double>(), 0.0);
  EXPECT_EQ(j["variables"][2]["name"], "decimation");
  EXPECT_EQ(j["optimum"]["searched"], 32768);
  EXPECT_EQ(j["optimum"]["top"].size(), 3u);
  for (const auto& v : j["variables"])
    EXPECT_LE(v["I_bits"].get<double>(), j["optimum"]["I_bits"].get<double>() + 1e-15);
}

TEST_F(MiCli, SpinFileTakesKFromItsSidecarAndPrintsATable) {
  const CliResult r = run_cli("mi " + path("data.npy") + " --json --blocks 10", false);
  ASSERT_EQ(r.code, 0) << r.output;
  const auto j = nlohmann::json::parse(r.output);
  EXPECT_EQ(j["K_source"], "the sidecar");
  EXPECT_NEAR(j["K"].get<double>(), model_.K(), 1e-15);
  EXPECT_EQ(j["conditionals"]["samples"], 400);
  EXPECT_EQ(j["conditionals"]["positions"], 16);
  // The same numbers as the library on the same samples.
  const auto c = deeprg::rg::sampled_conditionals(samples_, model_.K(), {.b = 2, .buffer = 1});
  const auto majority = deeprg::rg::mutual_information(c, deeprg::rg::majority_variable(2), 10);
  EXPECT_EQ(j["variables"][0]["I_bits"].get<double>(), majority.bits.value);
  EXPECT_EQ(j["variables"][0]["I_bits_error"].get<double>(), majority.bits.error);
  EXPECT_GT(majority.bits.error, 0.0);

  const CliResult table =
      run_cli("mi " + path("bare.npy") + " --K 0.4406868 --optimum --odd-only --threads 1");
  ASSERT_EQ(table.code, 0) << table.output;
  for (const char* text : {"majority", "decimation", "rsmi optimum (odd of 128)", "±",
                           "biased upward", "I(H:E) [bits]"})
    EXPECT_NE(table.output.find(text), std::string::npos) << text << "\n" << table.output;
}

TEST_F(MiCli, LearnedMapIsEvaluatedToo) {
  CliResult r = run_cli(
      "learn-map " + path("data.npy") + " --b 2 --epochs 2 --seed 2 --out " + path("map.npz"),
      false);
  ASSERT_EQ(r.code, 0) << r.output;
  r = run_cli("mi " + path("data.npy") + " --map " + path("map.npz") + " --json", false);
  ASSERT_EQ(r.code, 0) << r.output;
  const auto j = nlohmann::json::parse(r.output);
  ASSERT_EQ(j["variables"].size(), 4u);
  EXPECT_EQ(j["variables"][3]["name"], "learned_sign");
  EXPECT_EQ(j["map"]["readout"], "sign");
  // At T_c the learned 2×2 map is majority rule with some tie rule: I between the two.
  EXPECT_GT(j["variables"][3]["I_bits"].get<double>(), 0.0);
}

TEST_F(MiCli, ErrorsNameTheProblem) {
  struct Case {
    std::string args, needle;
    int code;
  };
  for (const Case& c : {
           Case{"mi " + path("bare.npy"), "--K", 2},  // no sidecar, no --K
           Case{"mi", "spin file", 2},
           Case{"mi --exact --K 0.4", "--L", 2},
           Case{"mi --exact --L 6 --K 0.4", "30", 2},
           Case{"mi " + path("data.npy") + " --L 5", "--exact", 2},
           Case{"mi " + path("data.npy") + " --b 1", "--b", 2},
           Case{"mi " + path("data.npy") + " --buffer -1", "--buffer", 2},
           Case{"mi " + path("data.npy") + " --buffer 3", "wraps", 1},
           Case{"mi " + path("data.npy") + " --b 3 --optimum", "--optimum", 2},
           Case{"mi " + path("data.npy") + " --K nan", "--K", 2},
           Case{"mi " + path("data.npy") + " --K 0.4 --T 2", "--K", 2},
           Case{"mi " + path("data.npy") + " --odd-only", "--optimum", 2},
           Case{"mi " + path("data.npy") + " --blocks 0", "--blocks", 2},
           Case{"mi " + path("data.npy") + " --map " + path("missing.npz"), "missing.npz", 1},
       }) {
    const CliResult e = run_cli(c.args);
    EXPECT_EQ(e.code, c.code) << c.args << "\n" << e.output;
    EXPECT_NE(e.output.find(c.needle), std::string::npos) << c.args << "\n" << e.output;
  }
}

TEST_F(MiCli, HelpTeaches) {
  const CliResult r = run_cli("mi --help");
  ASSERT_EQ(r.code, 0) << r.output;
  for (const char* text : {"Koch-Janusz", "h(pbar)", "--buffer", "--exact", "jackknife"})
    EXPECT_NE(r.output.find(text), std::string::npos) << text;
}

}  // namespace
