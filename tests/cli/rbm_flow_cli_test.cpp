// End-to-end tests of `deeprg rbm-flow`.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "run_cli.hpp"

namespace {

using deeprg::testing::CliResult;
using deeprg::testing::run_cli;

class RbmFlowCli : public deeprg::testing::CliTest {};

constexpr const char* kSmall =
    "rbm-flow --L 4 --temperatures 1.5,3 --samples 200 --hidden 8 --epochs 3 --steps 3 "
    "--blocks 10 --seed 5 --threads 2";

TEST_F(RbmFlowCli, TrainsFlowsAndReportsTheFixedPoint) {
  const CliResult r = run_cli(
      std::string(kSmall) + " --json --plot " + path("flow.png") + " --save-rbm " + path("rbm.npz"),
      false);
  ASSERT_EQ(r.code, 0) << r.output;
  const auto j = nlohmann::json::parse(r.output);
  EXPECT_EQ(j["L"], 4);
  EXPECT_EQ(j["step"], "sampled");
  ASSERT_EQ(j["starts"].size(), 2u);
  for (const auto& s : j["starts"]) {
    ASSERT_EQ(s["flow"].size(), 4u);  // k = 0 … 3
    for (const auto& p : s["flow"]) {
      EXPECT_LE(p["energy_per_spin"].get<double>(), 0.1);
      EXPECT_GT(p["energy_per_spin_error"].get<double>(), 0);
    }
  }
  // The start at T = 3 reads about 3 before the first step (200 samples of 16 spins).
  const auto& hot = j["starts"][1]["flow"][0];
  EXPECT_LT(std::abs(hot["T"].get<double>() - 3.0), 4 * hot["T_error"].get<double>());
  EXPECT_TRUE(j["fixed_point"]["T"].is_number());
  EXPECT_NEAR(j["T_c"].get<double>(), 2.269185, 1e-6);
  EXPECT_GT(j["specific_heat_peak"]["T"].get<double>(), 2.269);
  EXPECT_TRUE(std::filesystem::file_size(path("flow.png")) > 1000);
  EXPECT_TRUE(std::filesystem::exists(path("rbm.npz")));

  // The saved RBM, loaded back, flows the same samples (same seed, same grid) to the same bits.
  const CliResult again = run_cli(std::string(kSmall) + " --json --rbm " + path("rbm.npz"), false);
  ASSERT_EQ(again.code, 0) << again.output;
  EXPECT_EQ(nlohmann::json::parse(again.output)["starts"], j["starts"]);

  // Text output: a table of T_k and the fixed point.
  const CliResult text = run_cli(std::string(kSmall) + " --step mean-field", false);
  ASSERT_EQ(text.code, 0) << text.output;
  EXPECT_NE(text.output.find("T* (mean of T_3"), std::string::npos) << text.output;
  EXPECT_NE(text.output.find("mean-field"), std::string::npos) << text.output;
}

TEST_F(RbmFlowCli, BadInputNamesTheFlag) {
  CliResult r = run_cli("rbm-flow --L 4 --temperatures 1,-2");
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_NE(r.output.find("--temperatures"), std::string::npos) << r.output;
  r = run_cli("rbm-flow --L 4 --temperatures 1,abc");
  EXPECT_EQ(r.code, 2) << r.output;
  r = run_cli("rbm-flow --L 4 --step gibbs");
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_NE(r.output.find("--step"), std::string::npos) << r.output;
  r = run_cli("rbm-flow --L 4 --temperatures 2 --samples 50 --steps -1 --hidden 4 --epochs 1");
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_NE(r.output.find("--steps"), std::string::npos) << r.output;
}

}  // namespace
