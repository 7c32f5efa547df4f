// End-to-end tests of `deeprg vrg` and `deeprg vrg-fit`.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "run_cli.hpp"

namespace {

using deeprg::testing::CliResult;
using deeprg::testing::run_cli;

class VrgCli : public deeprg::testing::CliTest {};

TEST_F(VrgCli, FitThenEvaluateReportsTheIdentityAndKl) {
  const CliResult fit = run_cli(
      "vrg-fit --model ising1d --L 4 --K 0.5 --hidden 1,4 --iterations 400 "
      "--no-cd --json --out " +
          path("fits"),
      false);
  ASSERT_EQ(fit.code, 0) << fit.output;
  const CliResult r = run_cli(
      "vrg --rbm " + path("fits/rbm_h4.npz") + " --model ising1d --L 4 --K 0.5 --json", false);
  ASSERT_EQ(r.code, 0) << r.output;
  const auto j = nlohmann::json::parse(r.output);
  for (const char* key : {"log_z", "log_z_rbm", "delta_f", "kl", "max_abs_h_rg_minus_h_rbm",
                          "log_tr_h_exp_t_min", "log_tr_h_exp_t_max", "h_rbm"})
    EXPECT_TRUE(j.contains(key)) << key;
  EXPECT_EQ(j["h_rbm"].size(), 16u);  // 2^4 hidden states
  // Eq. 18 makes H^RG and H^RBM the same function: only rounding separates them.
  EXPECT_LT(j["max_abs_h_rg_minus_h_rbm"].get<double>(), 1e-9);
  EXPECT_NEAR(j["delta_f"].get<double>(), j["log_z"].get<double>() - j["log_z_rbm"].get<double>(),
              1e-12);
  EXPECT_GE(j["kl"].get<double>(), -1e-12);
}

TEST_F(VrgCli, BadInputNamesTheProblem) {
  CliResult r = run_cli("vrg-fit --model ising2d --L 6 --K 0.4 --hidden 2");
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_NE(r.output.find("--L"), std::string::npos) << r.output;
  r = run_cli("vrg-fit --model ising1d --L 4 --K 0.4 --hidden 2,zero");
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_NE(r.output.find("--hidden"), std::string::npos) << r.output;
  // The exact fit's learning rate and the CD fit's are two flags, named apart.
  r = run_cli("vrg-fit --model ising1d --L 4 --K 0.4 --hidden 2 --cd-lr nan");
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_NE(r.output.find("--cd-lr:"), std::string::npos) << r.output;
  r = run_cli("vrg-fit --model ising1d --L 4 --K 0.4 --hidden 2 --lr -1");
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_NE(r.output.find("--lr:"), std::string::npos) << r.output;
  r = run_cli("vrg --rbm " + path("missing.npz") + " --model ising1d --L 4 --K 0.4");
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_NE(r.output.find("missing.npz"), std::string::npos) << r.output;
}

}  // namespace
