// End-to-end tests of `deeprg train` and `deeprg evaluate`.
#include <gtest/gtest.h>

#include <sys/wait.h>
#include "run_cli.hpp"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>

#include "deeprg/core/matmul.hpp"
#include "deeprg/io/atomic_file.hpp"
#include "deeprg/io/npz.hpp"
#include "deeprg/io/spin_file.hpp"
#include "deeprg/rbm/model_file.hpp"

namespace {

namespace fs = std::filesystem;
using deeprg::testing::CliResult;
using deeprg::testing::run_cli;

class TrainCli : public deeprg::testing::CliTest {
 protected:
  void SetUp() override {
    CliTest::SetUp();
    // Small 4x4 data from the sampler itself.
    const CliResult r =
        run_cli("sample --L 4 --T 2.5 --samples 400 --seed 3 --out " + path("data.npy"));
    ASSERT_EQ(r.code, 0) << r.output;
  }
};

TEST_F(TrainCli, TrainsEvaluatesAndRecordsProvenance) {
  const CliResult t =
      run_cli("train --data " + path("data.npy") +
              " --hidden 6 --epochs 5 --batch-size 50 --seed 2 --out " + path("m.npz"));
  ASSERT_EQ(t.code, 0) << t.output;
  EXPECT_NE(t.output.find("epoch 5/5"), std::string::npos) << t.output;
  const auto model = deeprg::rbm::load_rbm(path("m.npz"));
  EXPECT_EQ(model.n_visible(), 16u);
  EXPECT_EQ(model.n_hidden(), 6u);
  EXPECT_TRUE(model.meta.contains("deeprg_version"));
  EXPECT_TRUE(model.meta.contains("training"));
  // The precision that ran: auto is bf16 on spin-state data where the CPU multiplies bf16.
  EXPECT_EQ(model.meta["training"]["--precision"], deeprg::native_bf16() ? "bf16" : "fp32");
  EXPECT_TRUE(model.meta["blas"].contains("matmul"));
  EXPECT_TRUE(fs::exists(path("m.metrics.jsonl")));

  const CliResult e =
      run_cli("evaluate --rbm " + path("m.npz") + " --data " + path("data.npy") + " --json", false);
  ASSERT_EQ(e.code, 0) << e.output;
  const auto j = nlohmann::json::parse(e.output);
  EXPECT_EQ(j["log_z_method"], "exact");
  EXPECT_EQ(j["log_z_error"], 0.0);
  for (const char* key :
       {"log_z", "mean_log_likelihood", "pseudo_log_likelihood", "reconstruction_error"})
    EXPECT_TRUE(j.contains(key)) << key;
  // ln p(v) ≤ 0 for every configuration of a normalised model.
  EXPECT_LT(j["mean_log_likelihood"].get<double>(), 0.0);

  const CliResult a = run_cli(
      "evaluate --rbm " + path("m.npz") + " --log-z ais --ais-chains 64 --ais-steps 2000 --json",
      false);
  ASSERT_EQ(a.code, 0) << a.output;
  const auto k = nlohmann::json::parse(a.output);
  EXPECT_EQ(k["log_z_method"], "ais");
  EXPECT_GT(k["log_z_error"].get<double>(), 0.0);
  EXPECT_NEAR(k["log_z"].get<double>(), j["log_z"].get<double>(),
              4 * k["log_z_error"].get<double>() + 1e-9);
}

TEST_F(TrainCli, DbnGoesToADirectory) {
  const CliResult t = run_cli("train --data " + path("data.npy") +
                              " --hidden 8,4 --epochs 2 --batch-size 50 --out " + path("dbn"));
  ASSERT_EQ(t.code, 0) << t.output;
  const auto dbn = deeprg::rbm::load_dbn(path("dbn"));
  ASSERT_EQ(dbn.layers.size(), 2u);
  EXPECT_EQ(dbn.layers[1].n_visible(), 8u);
  const CliResult e =
      run_cli("evaluate --rbm " + path("dbn") + " --layer 2 --data " + path("data.npy"));
  EXPECT_EQ(e.code, 0) << e.output;
}

TEST_F(TrainCli, BadHyperparametersAreUsageErrors) {
  const std::string base = "train --data " + path("data.npy") + " --out " + path("m.npz") + " ";
  const std::pair<std::string, std::string> cases[] = {
      {"--hidden 0", "--hidden"},
      {"--hidden 4,x", "--hidden"},
      {"--hidden 4 --batch-size 0", "--batch-size"},
      {"--hidden 4 --batch-size 100000", "--batch-size"},
      {"--hidden 4 --lr -1", "--lr"},
      {"--hidden 4 --epochs 0", "--epochs"},
      {"--hidden 4 --cd-k 0", "--cd-k"},
      {"--hidden 4 --pcd 0", "--pcd"},  // the library's k, set by --pcd here
      {"--hidden 4 --momentum-switch -1", "--momentum-switch"},
      {"--hidden 4 --momentum 1.5", "--momentum"},
      {"--hidden 4 --l1 -0.1", "--l1"},
      {"--hidden 4 --visible-units ternary", "--visible-units"},
      {"--hidden 4 --precision fp16", "--precision"},
  };
  for (const auto& [args, flag] : cases) {
    const CliResult r = run_cli(base + args);
    EXPECT_EQ(r.code, 2) << args << "\n" << r.output;
    EXPECT_NE(r.output.find(flag), std::string::npos) << args << "\n" << r.output;
  }
  EXPECT_FALSE(fs::exists(path("m.npz")));
  // A refused DBN leaves no output directory behind.
  const CliResult r = run_cli("train --data " + path("data.npy") + " --out " + path("dbn") +
                              " --hidden 4,2 --lr -1");
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_FALSE(fs::exists(path("dbn")));
}

TEST_F(TrainCli, BadModelsAndDataAreRuntimeErrorsNamingTheFile) {
  ASSERT_EQ(
      run_cli("train --data " + path("data.npy") + " --hidden 3 --epochs 1 --out " + path("m.npz"))
          .code,
      0);
  // Data of another size than the model.
  ASSERT_EQ(run_cli("sample --L 6 --T 2.5 --samples 10 --out " + path("big.npy")).code, 0);
  CliResult r = run_cli("evaluate --rbm " + path("m.npz") + " --data " + path("big.npy"));
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_NE(r.output.find("big.npy"), std::string::npos) << r.output;
  // A corrupt archive.
  const std::string bytes = deeprg::io::read_file(path("m.npz"));
  deeprg::io::write_file_atomic(path("cut.npz"), bytes.substr(0, bytes.size() / 2));
  r = run_cli("evaluate --rbm " + path("cut.npz"));
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_NE(r.output.find("cut.npz"), std::string::npos) << r.output;
  // NaN in the parameters.
  auto archive = deeprg::io::read_npz(path("m.npz"));
  reinterpret_cast<float*>(archive["W"].data.data())[1] = std::numeric_limits<float>::quiet_NaN();
  deeprg::io::write_npz(path("nan.npz"), archive);
  r = run_cli("evaluate --rbm " + path("nan.npz"));
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_NE(r.output.find("NaN"), std::string::npos) << r.output;
  // Non-spin training data.
  const std::vector<std::int8_t> zeros(32, 0);
  deeprg::io::write_npy(path("zeros.npy"),
                        deeprg::io::make_npy(std::span<const std::int8_t>(zeros), {2, 4, 4}));
  r = run_cli("train --data " + path("zeros.npy") + " --hidden 3 --out " + path("z.npz"));
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_NE(r.output.find("zeros.npy"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(path("z.npz")));
}

TEST_F(TrainCli, ResumesAKilledRunToTheSameModelAndListsEachEpochOnce) {
  // Checkpoints every 4 epochs: a kill lands most often after an epoch was reported but before
  // its checkpoint, so the resumed run retrains and reports epochs the metrics already hold.
  ASSERT_EQ(run_cli("sample --L 8 --T 2.5 --samples 2000 --seed 3 --out " + path("d8.npy")).code,
            0);
  const std::string train = "train --data " + path("d8.npy") +
                            " --hidden 32 --epochs 60 --batch-size 50 --seed 2"
                            " --checkpoint-every 4 --out ";
  const auto start = std::chrono::steady_clock::now();
  ASSERT_EQ(run_cli(train + path("full.npz")).code, 0);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const std::string killed = "timeout -s KILL " + std::to_string(seconds / 2) + " " +
                             std::string(DEEPRG_CLI_PATH) + " " + train + path("cut.npz") +
                             " > /dev/null 2>&1";
  EXPECT_NE(std::system(killed.c_str()), 0) << "the run finished before it was killed";
  const CliResult r = run_cli(train + path("cut.npz") + " --resume");
  ASSERT_EQ(r.code, 0) << r.output;

  const auto full = deeprg::rbm::load_rbm(path("full.npz"));
  const auto cut = deeprg::rbm::load_rbm(path("cut.npz"));
  EXPECT_EQ(full.W, cut.W);
  EXPECT_EQ(full.hidden_bias, cut.hidden_bias);
  EXPECT_EQ(full.visible_bias, cut.visible_bias);
  std::ifstream metrics(path("cut.metrics.jsonl"));
  std::string line;
  int lines = 0;
  while (std::getline(metrics, line)) {
    ++lines;
    EXPECT_EQ(nlohmann::json::parse(line)["epoch"].get<int>(), lines) << line;
  }
  EXPECT_EQ(lines, 60);
}

}  // namespace
