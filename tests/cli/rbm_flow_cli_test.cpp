// End-to-end tests of `deeprg rbm-flow`.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
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
  const CliResult r = run_cli(std::string(kSmall) + " --json --plot " + path("flow.png") +
                                  " --thermometer-plot " + path("thermometers.png") + " --report " +
                                  path("flow.html") + " --save-rbm " + path("rbm.npz"),
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
  // The curve thermometers: a reference curve over the starts, every point read by |m| and U4
  // (null where the curve does not reach), T* by each thermometer.
  const auto& curve = j["reference_curve"]["points"];
  ASSERT_GE(curve.size(), 3u);
  EXPECT_NEAR(curve.front()["T"].get<double>(), 1.3, 1e-12);  // four steps of 0.05 beyond
  EXPECT_GE(curve.back()["T"].get<double>(), 3.2 - 1e-9);
  EXPECT_TRUE(hot.contains("T_binder"));
  EXPECT_TRUE(hot.contains("binder_cumulant_error"));
  for (const char* t : {"energy", "abs_magnetization", "binder_cumulant"})
    EXPECT_TRUE(j["fixed_points"].contains(t)) << t;
  EXPECT_EQ(j["fixed_points"]["energy"], j["fixed_point"]);
  EXPECT_TRUE(std::filesystem::file_size(path("thermometers.png")) > 1000);
  // The page: every section, its figures embedded, and no figure folder left beside it.
  std::ifstream in(path("flow.html"));
  const std::string page((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (const char* section :
       {"The flow", "The fixed point by each thermometer", "Energy distributions along the flow",
        "Reference curves", "Per start", "Settings"})
    EXPECT_NE(page.find(section), std::string::npos) << section;
  EXPECT_NE(page.find("data:image/png;base64,"), std::string::npos);
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir_),
                          std::filesystem::directory_iterator()),
            4);  // flow.png, thermometers.png, flow.html, rbm.npz
  EXPECT_NEAR(j["T_c"].get<double>(), 2.269185, 1e-6);
  EXPECT_GT(j["specific_heat_peak"]["T"].get<double>(), 2.269);
  EXPECT_TRUE(std::filesystem::file_size(path("flow.png")) > 1000);
  EXPECT_TRUE(std::filesystem::exists(path("rbm.npz")));

  // The saved RBM, loaded back, flows the same samples (same seed, same grid) to the same bits.
  const CliResult again = run_cli(std::string(kSmall) + " --json --rbm " + path("rbm.npz"), false);
  ASSERT_EQ(again.code, 0) << again.output;
  EXPECT_EQ(nlohmann::json::parse(again.output)["starts"], j["starts"]);

  // Fresh samples at 2.25 read about 2.25 by |m| and by U4.
  const CliResult warm_run =
      run_cli(std::string(kSmall) + " --json --starts 2.25 --rbm " + path("rbm.npz"), false);
  ASSERT_EQ(warm_run.code, 0) << warm_run.output;
  const auto warm = nlohmann::json::parse(warm_run.output)["starts"][0]["flow"][0];
  for (const char* t : {"T_abs_magnetization", "T_binder"})
    EXPECT_LT(std::abs(warm[t]["T"].get<double>() - 2.25), 4 * warm[t]["T_error"].get<double>())
        << t;

  // Text output: a table of T_k and the fixed point.
  const CliResult text = run_cli(std::string(kSmall) + " --step mean-field", false);
  ASSERT_EQ(text.code, 0) << text.output;
  EXPECT_NE(text.output.find("T* by energy (exact)"), std::string::npos) << text.output;
  EXPECT_NE(text.output.find("(mean of T_3 over 2 starts)"), std::string::npos) << text.output;

  // Without reference curves: the energy thermometer alone.
  const CliResult plain = run_cli(std::string(kSmall) + " --json --no-reference", false);
  ASSERT_EQ(plain.code, 0) << plain.output;
  const auto p = nlohmann::json::parse(plain.output);
  EXPECT_FALSE(p.contains("reference_curve"));
  EXPECT_FALSE(p["starts"][0]["flow"][0].contains("T_binder"));
  EXPECT_EQ(p["fixed_points"].size(), 1u);
  EXPECT_EQ(p["starts"][0]["flow"][0]["T"], j["starts"][0]["flow"][0]["T"]);
  EXPECT_NE(text.output.find("mean-field"), std::string::npos) << text.output;
}

// A run directory: a killed run (here: files removed as if it died before writing them)
// resumes to the same results; other settings in the same directory are refused.
TEST_F(RbmFlowCli, ResumesFromItsRunDirectory) {
  const std::string run = std::string(kSmall) + " --json --out " + path("run");
  const CliResult first = run_cli(run, false);
  ASSERT_EQ(first.code, 0) << first.output;
  const auto a = nlohmann::json::parse(first.output);
  for (const char* file : {"config.json", "rbm.npz", "reference-curve.json", "starts/0.json",
                           "starts/1.json", "rbm-flow.json"})
    EXPECT_TRUE(std::filesystem::exists(path("run/") + file)) << file;
  std::filesystem::remove(path("run/starts/1.json"));
  std::filesystem::remove(path("run/rbm-flow.json"));
  std::filesystem::remove(path("run/reference-curve.json"));
  const CliResult second = run_cli(run, false);
  ASSERT_EQ(second.code, 0) << second.output;
  const auto b = nlohmann::json::parse(second.output);
  EXPECT_EQ(b["starts"], a["starts"]);
  EXPECT_EQ(b["fixed_points"], a["fixed_points"]);
  EXPECT_EQ(b["reference_curve"], a["reference_curve"]);
  EXPECT_FALSE(b["seconds"].contains("train"));  // the saved RBM was loaded
  EXPECT_EQ(nlohmann::json::parse(std::ifstream(path("run/rbm-flow.json")))["starts"], a["starts"]);
  // A report from the same directory recomputes the flows, whose energies were not kept.
  const CliResult report = run_cli(run + " --report " + path("page.html"), false);
  ASSERT_EQ(report.code, 0) << report.output;
  EXPECT_EQ(nlohmann::json::parse(report.output)["starts"], a["starts"]);
  EXPECT_TRUE(std::filesystem::exists(path("run/starts/0.energies.npy")));
  // Other settings in the same directory are refused, naming what differs.
  const CliResult other = run_cli(std::string(kSmall) + " --step mean-field --out " + path("run"));
  EXPECT_EQ(other.code, 2) << other.output;
  EXPECT_NE(other.output.find("--out"), std::string::npos) << other.output;
  EXPECT_NE(other.output.find("step differs"), std::string::npos) << other.output;
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
  r = run_cli("rbm-flow --L 4 --reference-step 0");
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_NE(r.output.find("--reference-step"), std::string::npos) << r.output;
  r = run_cli("rbm-flow --L 4 --reference-samples 10");
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_NE(r.output.find("--reference-samples"), std::string::npos) << r.output;
}

}  // namespace
