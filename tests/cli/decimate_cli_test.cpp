// End-to-end tests of `deeprg decimate-1d`.
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <string>

#include "run_cli.hpp"

namespace {

using deeprg::testing::CliResult;
using deeprg::testing::run_cli;

TEST(DecimationCli, JsonHasTheFlowChecksAndFixedPoints) {
  const CliResult r = run_cli("decimate-1d --J 0.408 --steps 6 --json", false);
  ASSERT_EQ(r.code, 0) << r.output;
  const auto j = nlohmann::json::parse(r.output);
  for (const char* key : {"flow", "rbm_flow", "free_energy_constants", "free_energy_check",
                          "finite_ring_check", "fixed_points", "correlation_length", "rbm"})
    EXPECT_TRUE(j.contains(key)) << key;
  ASSERT_EQ(j["flow"].size(), 7u);
  ASSERT_EQ(j["rbm_flow"].size(), 7u);
  ASSERT_EQ(j["free_energy_constants"].size(), 6u);
  EXPECT_EQ(j["flow"][0].get<double>(), 0.408);
  EXPECT_EQ(j["rbm_flow"][0].get<double>(), 0.408);
  for (std::size_t k = 0; k + 1 < 7; ++k) {
    const double jk = j["flow"][k].get<double>(), next = j["flow"][k + 1].get<double>();
    EXPECT_NEAR(std::tanh(next), std::tanh(jk) * std::tanh(jk), 1e-15);
    EXPECT_LT(next, jk);
    // The RBM holds J in float64: its flow is the formula's to double precision.
    EXPECT_NEAR(j["rbm_flow"][k + 1].get<double>(), next, 1e-12 * next);
    EXPECT_NEAR(j["free_energy_constants"][k].get<double>(), std::log(2.0) + next, 1e-15);
  }
  EXPECT_LT(j["rbm"]["max_residual"].get<double>(), 1e-12);
  EXPECT_EQ(j["rbm"]["weights"], "float64");
  const auto& fe = j["free_energy_check"];
  for (const char* key : {"sum_of_constants", "exact_log_z_per_spin", "difference"})
    EXPECT_TRUE(fe.contains(key)) << key;
  EXPECT_NEAR(fe["exact_log_z_per_spin"].get<double>(), std::log(2 * std::cosh(0.408)), 1e-14);
  EXPECT_LT(std::abs(fe["difference"].get<double>()), 1e-12);
  EXPECT_LT(std::abs(j["finite_ring_check"]["difference"].get<double>()), 1e-10);
  EXPECT_EQ(j["finite_ring_check"]["sites"], 64);
  ASSERT_EQ(j["fixed_points"].size(), 2u);
  EXPECT_EQ(j["fixed_points"][0]["J"], 0);
  EXPECT_EQ(j["fixed_points"][0]["stability"], "stable");
  EXPECT_EQ(j["fixed_points"][1]["J"], "inf");
  EXPECT_EQ(j["fixed_points"][1]["stability"], "unstable");
}

TEST(DecimationCli, TiedLayoutAndTable) {
  const CliResult t =
      run_cli("decimate-1d --J 1 --steps 3 --layout tied --tie 8 --sites 6 --json", false);
  ASSERT_EQ(t.code, 0) << t.output;
  const auto j = nlohmann::json::parse(t.output);
  EXPECT_EQ(j["rbm"]["layout"], "tied");
  EXPECT_EQ(j["rbm"]["visible"], 6);
  EXPECT_EQ(j["rbm"]["hidden"], 3);
  EXPECT_NEAR(j["rbm_flow"][3].get<double>(), j["flow"][3].get<double>(),
              1e-12 * j["flow"][3].get<double>() + 1e-14);  // tied spins' constant: see library

  const CliResult r = run_cli("decimate-1d --J 0.408 --steps 4");
  ASSERT_EQ(r.code, 0) << r.output;
  for (const char* needle : {"read off RBM", "Fixed points", "transfer matrix", "ln(2 cosh J)"})
    EXPECT_NE(r.output.find(needle), std::string::npos) << needle << "\n" << r.output;
}

TEST(DecimationCli, BadInputsExitTwoAndNameTheFlag) {
  const std::pair<std::string, std::string> cases[] = {
      {"--J 0", "--J"},
      {"--J -0.5", "--J"},
      {"--J nan", "--J"},
      {"--J inf", "--J"},
      {"--J abc", "--J"},
      {"--steps 3", "--J"},
      {"--J 0.4 --steps 0", "--steps"},
      {"--J 0.4 --steps -2", "--steps"},
      {"--J 0.4 --steps 31", "--steps"},
      {"--J 0.4 --steps 1000000", "--steps"},
      {"--J 0.4 --sites 5", "--sites"},
      {"--J 0.4 --sites 2", "--sites"},
      {"--J 0.4 --layout nope", "--layout"},
      {"--J 0.4 --layout tied --tie 0", "--tie"},
      {"--J 1e400", "--J"},
  };
  for (const auto& [args, needle] : cases) {
    const CliResult r = run_cli("decimate-1d " + args);
    EXPECT_EQ(r.code, 2) << args << "\n" << r.output;
    EXPECT_NE(r.output.find(needle), std::string::npos) << args << "\n" << r.output;
  }
}

}  // namespace
