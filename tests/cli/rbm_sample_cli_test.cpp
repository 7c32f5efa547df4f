// End-to-end tests of `deeprg rbm-sample`.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "run_cli.hpp"

namespace {

using deeprg::testing::CliResult;
using deeprg::testing::run_cli;

class RbmSampleCli : public deeprg::testing::CliTest {};

constexpr const char* kSmall =
    "rbm-sample --L 4 --T 3 --samples 300 --hidden 8 --epochs 3 --chains 4 --sweeps 400 "
    "--thermalization 50 --blocks 4 --wolff-samples 400 --seed 5 --threads 2";

TEST_F(RbmSampleCli, TrainsSamplesAndComparesWithWolffAndExact) {
  const CliResult r = run_cli(std::string(kSmall) + " --json --save-rbm " + path("rbm.npz"), false);
  ASSERT_EQ(r.code, 0) << r.output;
  const auto j = nlohmann::json::parse(r.output);
  EXPECT_EQ(j["L"], 4);
  EXPECT_EQ(j["rbm"]["hidden"], 8);
  EXPECT_EQ(j["chain"]["chains"], 4);
  EXPECT_EQ(j["chain"]["observables"]["samples"], 1600);
  EXPECT_TRUE(j["chain"]["tau_int_energy"].is_number());
  EXPECT_GT(j["chain"]["tau_int_energy"].get<double>(), 0);
  EXPECT_TRUE(j["chain"]["T_energy"].is_number());
  const auto& rows = j["comparison"]["rows"];
  ASSERT_EQ(rows.size(), 6u);
  EXPECT_EQ(rows[0]["name"], "energy_per_spin");
  EXPECT_TRUE(rows[0]["exact"].is_number());
  EXPECT_TRUE(rows[3]["exact"].is_number());  // specific heat
  EXPECT_TRUE(rows[1]["exact"].is_null());    // no exact |m|
  EXPECT_TRUE(rows[0]["sigma_wolff"].is_number());
  // Wolff at T = 3 on 4 x 4 agrees with Kaufman's energy within 4 of its error bars.
  EXPECT_LT(std::abs(rows[0]["wolff"].get<double>() - rows[0]["exact"].get<double>()),
            4 * rows[0]["wolff_error"].get<double>());
  EXPECT_TRUE(std::filesystem::exists(path("rbm.npz")));

  // The saved RBM, loaded back, gives the same chains (same seed) bit for bit.
  const CliResult again =
      run_cli("rbm-sample --rbm " + path("rbm.npz") +
                  " --T 3 --chains 4 --sweeps 400 --thermalization 50 --blocks 4 --wolff-samples 0 "
                  "--seed 5 --threads 1 --json",
              false);
  ASSERT_EQ(again.code, 0) << again.output;
  const auto k = nlohmann::json::parse(again.output);
  EXPECT_EQ(k["chain"], j["chain"]);
  EXPECT_EQ(k["L"], 4);  // from the model

  // Text output: the table and tau_int.
  const CliResult text = run_cli("rbm-sample --rbm " + path("rbm.npz") +
                                     " --K 0.333 --chains 2 --sweeps 200 --wolff-samples 200",
                                 false);
  ASSERT_EQ(text.code, 0) << text.output;
  EXPECT_NE(text.output.find("specific_heat"), std::string::npos) << text.output;
  EXPECT_NE(text.output.find("tau_int (sweeps)"), std::string::npos) << text.output;
  EXPECT_NE(text.output.find("energy thermometer"), std::string::npos) << text.output;
}

TEST_F(RbmSampleCli, BadInputNamesTheFlag) {
  CliResult r = run_cli("rbm-sample --L 4 --T -1");
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_NE(r.output.find("--T"), std::string::npos) << r.output;
  r = run_cli("rbm-sample --L 4 --chains 0");
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_NE(r.output.find("--chains"), std::string::npos) << r.output;
  r = run_cli("rbm-sample --L 4 --sweeps 0");
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_NE(r.output.find("--sweeps"), std::string::npos) << r.output;
  r = run_cli("rbm-sample --L 4 --hidden-units nope");
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_NE(r.output.find("--hidden-units"), std::string::npos) << r.output;
  r = run_cli("rbm-sample --T 2 --K 0.5");
  EXPECT_NE(r.code, 0) << r.output;
}

TEST_F(RbmSampleCli, ModelOfTheWrongSizeIsRefused) {
  ASSERT_EQ(run_cli("rbm-sample --L 4 --samples 100 --hidden 4 --epochs 1 --chains 2 --sweeps 20 "
                    "--blocks 2 --wolff-samples 0 --save-rbm " +
                    path("rbm.npz"))
                .code,
            0);
  const CliResult r = run_cli("rbm-sample --rbm " + path("rbm.npz") + " --L 5");
  EXPECT_NE(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("--rbm"), std::string::npos) << r.output;
}

}  // namespace
