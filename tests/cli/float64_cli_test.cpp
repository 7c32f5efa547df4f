// End-to-end: a float64 model file is used as float64 by `evaluate` and `vrg`, and the files
// `vrg-fit` writes are float64.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <random>

#include "deeprg/core/rng.hpp"
#include "deeprg/ising/model.hpp"
#include "deeprg/rbm/estimators.hpp"
#include "deeprg/rbm/model_file.hpp"
#include "deeprg/vrg/operators.hpp"
#include "run_cli.hpp"

namespace {

using deeprg::testing::CliResult;
using deeprg::testing::CliTest;
using deeprg::testing::run_cli;
namespace rbm = deeprg::rbm;

/// A 9 → 4 spin RBM whose parameters are not float32 numbers.
rbm::Rbm64 spin_rbm64() {
  rbm::Rbm64 r(9, 4, rbm::Units::spin, rbm::Units::spin);
  deeprg::Rng rng(21);
  std::normal_distribution<double> normal;
  for (auto& w : r.W.data) w = 0.4 * normal(rng);
  for (auto& a : r.visible_bias) a = 0.2 * normal(rng);
  for (auto& b : r.hidden_bias) b = 0.2 * normal(rng);
  return r;
}

using Float64Cli = CliTest;

TEST_F(Float64Cli, EvaluateAndVrgKeepTheFilesPrecision) {
  const rbm::Rbm64 model = spin_rbm64();
  rbm::save_rbm(path("m.npz"), model);

  CliResult r = run_cli("evaluate --rbm " + path("m.npz") + " --log-z exact --json", false);
  ASSERT_EQ(r.code, 0) << r.output;
  auto j = nlohmann::json::parse(r.output);
  EXPECT_EQ(j["dtype"], "float64");
  // JSON carries doubles exactly: the command's ln Z is the library's on the float64 model.
  EXPECT_EQ(j["log_z"].get<double>(), rbm::exact_log_z(model));
  EXPECT_NE(j["log_z"].get<double>(), rbm::exact_log_z(rbm::rbm_cast<float>(model)));

  r = run_cli("vrg --rbm " + path("m.npz") + " --model ising2d --L 3 --T 2.5 --json", false);
  ASSERT_EQ(r.code, 0) << r.output;
  j = nlohmann::json::parse(r.output);
  EXPECT_EQ(j["dtype"], "float64");
  deeprg::ising::Model m;
  m.lattice = deeprg::ising::Lattice::square(3, 3);
  m.T = 2.5;
  const auto report = deeprg::vrg::evaluate_vrg(m, model);
  EXPECT_EQ(j["delta_f"].get<double>(), report.delta_f);
  EXPECT_EQ(j["kl"].get<double>(), report.kl);

  // A float32 file stays float32.
  rbm::save_rbm(path("f.npz"), rbm::rbm_cast<float>(model));
  r = run_cli("evaluate --rbm " + path("f.npz") + " --json", false);
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_EQ(nlohmann::json::parse(r.output)["dtype"], "float32");
}

TEST_F(Float64Cli, VrgFitWritesFloat64Models) {
  const CliResult r = run_cli(
      "vrg-fit --model ising1d --L 4 --K 0.4 --hidden 2 --no-cd "
      "--iterations 50 --out " +
      path("fits"));
  ASSERT_EQ(r.code, 0) << r.output;
  const auto stored = rbm::load_rbm_as_stored(path("fits/rbm_h2.npz"));
  EXPECT_TRUE(std::holds_alternative<rbm::Rbm64>(stored));
}

}  // namespace
