// End-to-end tests of `deeprg run`, the paper's experiment, on a small configuration.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "deeprg/io/atomic_file.hpp"
#include "run_cli.hpp"

namespace deeprg {
namespace {

namespace fs = std::filesystem;
using testing::CliTest;
using testing::run_cli;

// A run small enough for the suite (about a second): 8×8 lattice, a 64-16-4 network.
const std::string kSmall =
    " --preset quick --set lattice.L=8 --set sampling.samples=400 --set dbn.hidden=[16,4]"
    " --set train.epochs=3 --set analysis.samples=300 --set analysis.units_shown=4"
    " --set analysis.reconstructions=2";

const std::vector<std::string> kFigures = {"A_architecture.png",
                                           "B_layer1_weights.png",
                                           "C_layer2_fields.png",
                                           "E_reconstructions.png",
                                           "training.png",
                                           "data_energy.png",
                                           "receptive_field_radius.png",
                                           "receptive_field_radius_distribution.png",
                                           "block_overlap.png",
                                           "coupling_flow.png",
                                           "flow_nn_correlation.png",
                                           "flow_correlation_length.png"};

nlohmann::json read_json(const fs::path& path) {
  return nlohmann::json::parse(io::read_file(path));
}

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto pos = text.find(what); pos != std::string::npos; pos = text.find(what, pos + 1)) ++n;
  return n;
}

class RunExperimentCli : public CliTest {};

TEST_F(RunExperimentCli, WritesEveryOutputWithProvenance) {
  const auto r = run_cli("run --out " + path("run") + kSmall);
  ASSERT_EQ(r.code, 0) << r.output;
  const fs::path dir = path("run");

  const auto config = read_json(dir / "config.json");
  EXPECT_EQ(config["preset"], "quick");
  EXPECT_EQ(config["seed"], 1);
  EXPECT_FALSE(config["deeprg_version"].get<std::string>().empty());
  EXPECT_EQ(config["config"]["lattice"]["L"], 8);
  EXPECT_EQ(config["config"]["dbn"]["hidden"], nlohmann::json({16, 4}));
  EXPECT_TRUE(config["sources"].contains("train.l1"));

  EXPECT_TRUE(fs::exists(dir / "samples.npy"));
  EXPECT_TRUE(fs::exists(dir / "samples.npy.json"));
  EXPECT_TRUE(fs::exists(dir / "model" / "dbn.json"));
  EXPECT_TRUE(fs::exists(dir / "model" / "layer_1.npz"));
  EXPECT_TRUE(fs::exists(dir / "model" / "layer_2.npz"));
  EXPECT_FALSE(fs::exists(dir / "model" / "checkpoint.layer1.npz")) << "superseded by the model";

  // One metrics line per layer and epoch.
  std::ifstream metrics(dir / "metrics.jsonl");
  std::string line;
  int lines = 0;
  while (std::getline(metrics, line)) {
    const auto j = nlohmann::json::parse(line);
    EXPECT_EQ(j["layer"].get<int>(), lines / 3 + 1);
    EXPECT_EQ(j["epoch"].get<int>(), lines % 3 + 1);
    ++lines;
  }
  EXPECT_EQ(lines, 6);

  for (const auto& figure : kFigures)
    EXPECT_GT(fs::file_size(dir / "figures" / figure), 1000u) << figure;

  const auto analysis = read_json(dir / "analysis.json");
  EXPECT_EQ(analysis["seed"], 1);
  ASSERT_EQ(analysis["layers"].size(), 2u);
  for (const auto& layer : analysis["layers"]) {
    const double radius = layer["receptive_field_radius"].get<double>();
    EXPECT_NEAR(
        layer["median_radius_over_block"].get<double>(),
        layer["receptive_field_radius_median"].get<double>() / layer["block_radius"].get<double>(),
        1e-12);
    const auto quartiles = layer["receptive_field_radius_quartiles"];
    ASSERT_EQ(quartiles.size(), 2u);
    EXPECT_LE(quartiles[0].get<double>(), layer["receptive_field_radius_median"].get<double>());
    EXPECT_GE(quartiles[1].get<double>(), layer["receptive_field_radius_median"].get<double>());
    EXPECT_GE(radius, 0.0);
    EXPECT_LE(radius, 8 * std::sqrt(0.5)) << "the farthest site of an 8×8 torus";
    const auto& overlap = layer["block_overlap"];
    EXPECT_GE(overlap["best_per_block"].get<double>(), 0.0);
    EXPECT_LE(overlap["best_per_block"].get<double>(), 1.0);
    const int level = layer["layer"].get<int>();
    EXPECT_EQ(layer["majority_rule"]["lattice"].get<int>(), 8 >> level);
    EXPECT_EQ(layer["reconstruction"]["samples"].get<int>(), 300);
  }
  EXPECT_EQ(analysis["layers"][0]["block_radius"].get<double>(), std::sqrt(0.5))
      << "a uniform 2×2 block: all four sites at distance √½ are needed for 80%";
  EXPECT_EQ(analysis["data"]["samples"].get<int>(), 400);
  EXPECT_EQ(analysis["stage_seconds"].size(), 5u);

  // The report embeds every figure and refers to nothing outside itself.
  const std::string html = io::read_file(dir / "report.html");
  EXPECT_EQ(count(html, "src=\"data:image/png;base64,"), kFigures.size());
  EXPECT_EQ(count(html, "http://") + count(html, "https://") + count(html, "file:"), 0u);
  // The summary puts each of the paper's four claims beside this run's numbers, and the run
  // section names the BLAS kernel that trained the model.
  EXPECT_NE(html.find("claims, measured in this run"), std::string::npos);
  for (const char* claim : {"local patches", "grow with depth", "block spins", "large-scale"})
    EXPECT_NE(html.find(claim), std::string::npos) << claim;
  EXPECT_NE(html.find("(kernel " + analysis["blas"]["core"].get<std::string>() + ")"),
            std::string::npos);
  // Its readings follow from analysis.json's numbers, worked out here independently.
  bool grows = true;
  for (const auto& g : analysis["receptive_field_growth"])
    grows = grows && g["median_radius_ratio"].get<double>() > 1;
  EXPECT_NE(html.find(grows ? "grow at every layer: ×" : "do not grow at every layer: ×"),
            std::string::npos);
  bool above = true;
  for (const auto& layer : analysis["layers"])
    above = above && layer["block_overlap"]["best_per_block"].get<double>() >
                         layer["block_overlap"]["neighbour_blocks"].get<double>();
  EXPECT_NE(html.find(above ? ">above the baseline at every layer<"
                            : ">not above the baseline at every layer<"),
            std::string::npos);
  // ξ is null in JSON where the second-moment estimate does not exist (this small run's
  // reconstructions): the reading then says so instead of printing a number.
  const auto& xi_reconstruction = analysis["layers"][0]["reconstruction"]["correlation_length"];
  const auto& xi_data = analysis["data_subset"]["correlation_length"];
  char xi_reading[96] = "ξ through layer 1: no second-moment estimate to compare";
  if (xi_reconstruction.is_number() && xi_data.is_number()) {
    const double change = 100 * (xi_reconstruction.get<double>() / xi_data.get<double>() - 1);
    std::snprintf(xi_reading, sizeof xi_reading, "ξ through layer 1: %s%.0f%% against the data",
                  change >= 0 ? "+" : "", change);
  }
  EXPECT_NE(html.find(xi_reading), std::string::npos) << xi_reading;
}

TEST_F(RunExperimentCli, SameSeedSameModelAndRerunReusesIt) {
  ASSERT_EQ(run_cli("run --out " + path("a") + kSmall + " --threads 2").code, 0);
  ASSERT_EQ(run_cli("run --out " + path("b") + kSmall + " --threads 1").code, 0);
  for (const char* file : {"samples.npy", "model/layer_1.npz", "model/layer_2.npz"})
    EXPECT_EQ(io::read_file(fs::path(path("a")) / file), io::read_file(fs::path(path("b")) / file))
        << file << " depends on the thread count";
  // So does every number of the analysis but the timings and the thread count itself.
  auto results = [&](const char* run) {
    auto a = read_json(fs::path(path(run)) / "analysis.json");
    a.erase("stage_seconds");
    a["config"]["run"].erase("threads");
    return a;
  };
  EXPECT_EQ(results("a"), results("b"));

  const std::string before = io::read_file(fs::path(path("a")) / "model/layer_1.npz");
  const auto again = run_cli("run --out " + path("a") + kSmall);
  ASSERT_EQ(again.code, 0) << again.output;
  EXPECT_NE(again.output.find("reusing"), std::string::npos) << again.output;
  EXPECT_EQ(io::read_file(fs::path(path("a")) / "model/layer_1.npz"), before);
  const auto analysis = read_json(fs::path(path("a")) / "analysis.json");
  EXPECT_TRUE(analysis["stage_seconds"][1]["reused"].get<bool>());
}

TEST_F(RunExperimentCli, ResumesAKilledRunToTheSameResult) {
  // Killed mid-training (once 25 of its 40 epochs are in the metrics, whatever the machine's
  // load), then rerun: every write is atomic and training resumes from its last checkpoint, so
  // the result equals an uninterrupted run's.
  const std::string longer = kSmall + " --set sampling.samples=2000 --set train.epochs=20";
  ASSERT_EQ(run_cli("run --out " + path("full") + longer).code, 0);
  const std::string metrics_file = path("cut") + "/metrics.jsonl";
  const std::string killed = std::string(DEEPRG_CLI_PATH) + " run --out " + path("cut") + longer +
                             " > /dev/null 2>&1 & pid=$!; "
                             "while kill -0 $pid 2>/dev/null && "
                             "[ \"$(cat " +
                             metrics_file +
                             " 2>/dev/null | wc -l)\" -lt 25 ]; "
                             "do sleep 0.005; done; kill -9 $pid 2>/dev/null && wait $pid; "
                             "test $? -eq 137";
  ASSERT_EQ(std::system(("bash -c '" + killed + "'").c_str()), 0)
      << "the run was not killed in training";
  const auto r = run_cli("run --out " + path("cut") + longer);
  ASSERT_EQ(r.code, 0) << r.output;
  for (const char* file : {"samples.npy", "model/layer_1.npz", "model/layer_2.npz"})
    EXPECT_EQ(io::read_file(fs::path(path("full")) / file),
              io::read_file(fs::path(path("cut")) / file))
        << file;
  // Every epoch of every layer is in the metrics once, in order.
  std::ifstream metrics(fs::path(path("cut")) / "metrics.jsonl");
  std::string line;
  int lines = 0;
  while (std::getline(metrics, line)) {
    const auto j = nlohmann::json::parse(line);
    EXPECT_EQ(j["layer"].get<int>(), lines / 20 + 1) << line;
    EXPECT_EQ(j["epoch"].get<int>(), lines % 20 + 1) << line;
    ++lines;
  }
  EXPECT_EQ(lines, 40);
}

TEST_F(RunExperimentCli, RefusesToMixConfigurationsInOneDirectory) {
  ASSERT_EQ(run_cli("run --out " + path("run") + kSmall).code, 0);
  const auto r = run_cli("run --out " + path("run") + kSmall + " --set train.epochs=4");
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_NE(r.output.find("train.epochs"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("--fresh"), std::string::npos) << r.output;
  const auto fresh = run_cli("run --out " + path("run") + kSmall + " --set train.epochs=4 --fresh");
  EXPECT_EQ(fresh.code, 0) << fresh.output;
  EXPECT_EQ(read_json(fs::path(path("run")) / "config.json")["config"]["train"]["epochs"], 4);
}

TEST_F(RunExperimentCli, PrintConfigRoundTripsThroughAConfigFile) {
  const auto printed = run_cli("run --print-config" + kSmall, false);
  ASSERT_EQ(printed.code, 0);
  EXPECT_NE(printed.output.find("[train]"), std::string::npos);
  {
    std::ofstream out(path("my.toml"));
    out << printed.output;
  }
  const auto again = run_cli("run --print-config --config " + path("my.toml"), false);
  ASSERT_EQ(again.code, 0) << again.output;
  EXPECT_EQ(again.output, printed.output);
}

TEST_F(RunExperimentCli, BadInputNamesTheCulprit) {
  auto r = run_cli("run --out " + path("run") + " --set train.lr=0.1");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.output.find("train.lr"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("train.learning_rate"), std::string::npos) << "a suggestion";

  r = run_cli("run --out " + path("run") + " --preset huge");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.output.find("--preset"), std::string::npos) << r.output;

  r = run_cli("run --out " + path("run") + " --config " + path("missing.toml"));
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.output.find("missing.toml"), std::string::npos) << r.output;

  r = run_cli("run --out " + path("run") + " --set lattice.L=-4");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.output.find("lattice.L"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(path("run"))) << "nothing is written for a rejected configuration";
}

// The paper's claim at a small scale, and the L1 reading it depends on (docs/experiment.md):
// 16×16 at K = 0.408, 4,000 samples, a 256-64-16 network, 40 epochs. Over seeds 1–3 the
// first layer's median 80% radius measured 1.29–1.31 with λ = 2e-2 (a 2×2 block: 0.71; a
// uniform field: about 8) and grew 2.2–2.5× to layer 2 (blocks: 3.0×); with λ = 2e-4 it
// measured 6.91–6.94 and shrank to layer 2. The bounds sit halfway between.
TEST_F(RunExperimentCli, FieldsAreLocalAndGrowOnlyWithTheL1OfThePaperPreset) {
  const std::string small =
      " --preset quick --set lattice.L=16 --set sampling.samples=4000 --set dbn.hidden=[64,16]"
      " --set train.epochs=40";
  for (const char* run : {"strong --set train.l1=2e-2", "weak --set train.l1=2e-4"}) {
    const auto r = run_cli("run --out " + path("") + run + small);
    ASSERT_EQ(r.code, 0) << r.output;
  }
  const auto strong = read_json(fs::path(path("strong")) / "analysis.json");
  const auto weak = read_json(fs::path(path("weak")) / "analysis.json");
  EXPECT_LT(strong["layers"][0]["receptive_field_radius_median"].get<double>(), 4.0);
  EXPECT_GT(strong["receptive_field_growth"][0]["median_radius_ratio"].get<double>(), 1.5);
  EXPECT_GT(weak["layers"][0]["receptive_field_radius_median"].get<double>(), 4.0);
  EXPECT_LT(weak["receptive_field_growth"][0]["median_radius_ratio"].get<double>(), 1.0);
}

// The report opens in headless Chromium with every image loaded (tests/report/check_report.py).
TEST_F(RunExperimentCli, ReportRendersInChromium) {
  const bool have_browser = fs::exists("/usr/bin/chromium") &&
                            fs::exists("/usr/bin/chromedriver") &&
                            std::system("/usr/bin/python3 -c 'import selenium' 2>/dev/null") == 0;
  if (!have_browser) {
    if (std::getenv("CI")) FAIL() << "CI must run the Chromium check: run scripts/install-deps.sh";
    GTEST_SKIP() << "chromium, chromium-driver or python3-selenium missing: run "
                    "scripts/install-deps.sh";
  }
  ASSERT_EQ(run_cli("run --out " + path("run") + kSmall).code, 0);
  const std::string command = "/usr/bin/python3 " + std::string(DEEPRG_SOURCE_DIR) +
                              "/tests/report/check_report.py " + path("run") +
                              "/report.html --images " + std::to_string(kFigures.size()) + " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string output;
  char buffer[4096];
  while (const std::size_t n = fread(buffer, 1, sizeof buffer, pipe)) output.append(buffer, n);
  EXPECT_EQ(pclose(pipe), 0) << output;
}

}  // namespace
}  // namespace deeprg
