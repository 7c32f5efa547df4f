// experiment::run as a library call: stages, observer, result types, reuse and conflicts.
#include "deeprg/experiment/run.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "deeprg/core/error.hpp"
#include "deeprg/experiment/claims.hpp"
#include "deeprg/experiment/run_directory.hpp"
#include "deeprg/io/atomic_file.hpp"

namespace deeprg::experiment {
namespace {

namespace fs = std::filesystem;

// The CLI tests' small run (about a second): 8×8 lattice, a 64-16-4 network.
ExperimentConfig small_config() {
  ExperimentConfig c = preset("quick");
  c.L = 8;
  c.samples = 400;
  c.hidden = {16, 4};
  c.epochs = 3;
  c.analysis_samples = 300;
  c.units_shown = 4;
  c.reconstructions = 2;
  return c;
}

// Records every call, in order.
class Recorder : public Observer {
 public:
  std::vector<std::string> lines, events;
  std::vector<StageTime> stages;
  double last_done = -1, last_total = -1;
  void message(std::string_view line) override { lines.emplace_back(line); }
  void progress_started(std::string_view stage, double) override {
    events.push_back("start " + std::string(stage));
  }
  void progress(std::string_view, double done, double total) override {
    last_done = done;
    last_total = total;
  }
  void progress_finished(std::string_view stage) override {
    events.push_back("end " + std::string(stage));
  }
  void stage_finished(const StageTime& time) override { stages.push_back(time); }
};

class ExperimentRun : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("deeprg_run_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(ExperimentRun, ReturnsEveryStageAndReportsThroughTheObserver) {
  Recorder recorder;
  const ExperimentResult r = run(small_config(), {dir_, "quick", false}, recorder);

  // Typed results of each stage.
  EXPECT_EQ(r.samples.count, 400u);
  EXPECT_EQ(r.samples.lattice.sites(), 64u);
  ASSERT_EQ(r.dbn.layers.size(), 2u);
  EXPECT_EQ(r.dbn.layers[0].n_hidden(), 16u);
  EXPECT_EQ(r.metrics.size(), 6u);  // 2 layers × 3 epochs
  ASSERT_EQ(r.analysis.fields.size(), 2u);
  EXPECT_EQ(r.analysis.fields[1].cols, 4u);
  EXPECT_EQ(r.analysis.layer_fields.size(), 2u);
  EXPECT_EQ(r.analysis.reconstructions.size(), 3u);  // data + 2 layers

  // The document is what analysis.json holds.
  const auto file = nlohmann::json::parse(io::read_file(dir_ / "analysis.json"));
  EXPECT_EQ(file, r.analysis.to_json());
  EXPECT_EQ(file["claims"], to_json(claims(file)));
  EXPECT_TRUE(fs::exists(dir_ / "report.html"));
  // MCRG with the network as the map against majority rule: 8 → 4 for both (the network's
  // second level, 4 → 2, is below MCRG's smallest lattice).
  const auto& m = file["mcrg"];
  ASSERT_EQ(m["majority"].size(), 1u) << m;
  ASSERT_EQ(m["network"].size(), 1u) << m;
  EXPECT_EQ(m["placement"].size(), 2u);
  EXPECT_EQ(m["placement"][0]["L"], 4);
  EXPECT_EQ(m["network"][0]["L"], 4);
  EXPECT_TRUE(m["network"][0]["y_h"].is_number()) << m;
  ASSERT_EQ(m["network_majority_agreement"].size(), 1u);
  EXPECT_GE(m["network_majority_agreement"][0].get<double>(), 0.0);
  EXPECT_LE(m["network_majority_agreement"][0].get<double>(), 1.0);
  EXPECT_NE(io::read_file(dir_ / "report.html").find("Is the network doing RG?"),
            std::string::npos);
  // Renormalized couplings of both maps from the same data: level 0 is one fit, shared.
  const auto& c = m["couplings"];
  ASSERT_GE(c["majority"].size(), 1u) << c;
  ASSERT_GE(c["network"].size(), 1u) << c;
  EXPECT_EQ(c["majority"][0], c["network"][0]);
  EXPECT_TRUE(c["majority"][0]["couplings"]["nn"].is_number()) << c;
  EXPECT_TRUE(fs::exists(dir_ / "figures" / "coupling_flow.png"));
  EXPECT_NE(io::read_file(dir_ / "report.html").find("Renormalized couplings"), std::string::npos);
  // RSMI: every coarse variable's I(H : E) in bits, the network's first layer among them.
  const auto& mi = file["mutual_information"];
  std::vector<std::string> variables;
  for (const auto& v : mi["variables"]) {
    variables.push_back(v["name"]);
    EXPECT_GE(v["I_bits"].get<double>(), 0.0) << v;
    EXPECT_LE(v["I_bits"].get<double>(), 1.0) << v;
  }
  EXPECT_EQ(variables,
            (std::vector<std::string>{"majority", "decimation", "threshold", "network"}));
  EXPECT_TRUE(mi["best_symmetric"]["I_bits"].is_number()) << mi;
  EXPECT_NE(io::read_file(dir_ / "report.html").find("I(H : E)"), std::string::npos);

  // Stages in order, each announced once to the observer.
  std::vector<std::string> names;
  for (const auto& t : r.times) names.push_back(t.stage);
  EXPECT_EQ(names, (std::vector<std::string>{"sample", "train", "analyse", "figures", "report"}));
  ASSERT_EQ(recorder.stages.size(), 5u);
  EXPECT_EQ(recorder.stages[1].stage, "train");
  EXPECT_EQ(recorder.events.front(), "start sample");
  EXPECT_EQ(recorder.events.back(), "end train");
  EXPECT_EQ(recorder.last_done, recorder.last_total);  // training reported to its end
  ASSERT_FALSE(recorder.lines.empty());
  EXPECT_NE(recorder.lines.front().find("Mehta & Schwab"), std::string::npos);
  EXPECT_EQ(recorder.lines.back(), "  open " + (dir_ / "report.html").string());
}

TEST_F(ExperimentRun, RerunReusesSamplesAndModelAndRefusesAnotherConfiguration) {
  const ExperimentResult first = run(small_config(), {dir_, "quick", false});
  const ExperimentResult again = run(small_config(), {dir_, "quick", false});
  EXPECT_TRUE(again.times[0].reused);
  EXPECT_TRUE(again.times[1].reused);
  EXPECT_EQ(again.dbn.layers[1].W.data, first.dbn.layers[1].W.data);

  ExperimentConfig other = small_config();
  other.l1 = 1e-3;
  try {
    run(other, {dir_, "quick", false});
    FAIL() << "a run of another configuration was mixed into the directory";
  } catch (const RunConflict& e) {
    EXPECT_EQ(e.key(), "train.l1");
    EXPECT_EQ(e.directory(), dir_);
    EXPECT_NE(e.what(), std::string());
  }
  EXPECT_FALSE(run(other, {dir_, "quick", true}).times[1].reused);  // fresh replaces it
}

// An observer that stops the run (Ctrl-C in Python) leaves a directory that resumes to the
// same model.
TEST_F(ExperimentRun, AnObserverThatThrowsStopsTheRunAndItResumesIdentically) {
  struct StopInTraining : Observer {
    void progress(std::string_view stage, double done, double total) override {
      if (stage == "train" && done > 0.5 * total) throw Error("stopped");
    }
  } stop;
  const ExperimentResult whole = run(small_config(), {dir_ / "whole", "quick", false});
  EXPECT_THROW(run(small_config(), {dir_ / "cut", "quick", false}, stop), Error);
  EXPECT_FALSE(fs::exists(dir_ / "cut" / "model" / "dbn.json"));
  const ExperimentResult resumed = run(small_config(), {dir_ / "cut", "quick", false});
  EXPECT_TRUE(resumed.times[0].reused);
  for (std::size_t l = 0; l < 2; ++l)
    EXPECT_EQ(resumed.dbn.layers[l].W.data, whole.dbn.layers[l].W.data) << "layer " << l + 1;
}

TEST_F(ExperimentRun, InvalidConfigurationNamesTheKeyBeforeWritingAnything) {
  ExperimentConfig c = small_config();
  c.L = 7;
  try {
    run(c, {dir_, "quick", false});
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.key(), "lattice.L");
  }
  EXPECT_FALSE(fs::exists(dir_));
}

TEST_F(ExperimentRun, AConfigurationWithoutOutputsNeitherStaysNorBlocksAnotherRun) {
  // A run that fails after writing config.json but before its first output removes it, and the
  // directory it created.
  const RunDirectory dir(dir_);
  ExperimentConfig c = small_config();
  ASSERT_FALSE(dir.prepare(c, "quick", false));
  ASSERT_TRUE(fs::exists(dir.config()));
  dir.discard_if_unused(true);
  EXPECT_FALSE(fs::exists(dir_));
  // A config.json left alone (by an older deeprg, or a kill before the first output) does not
  // refuse a different configuration: there is nothing to mix with.
  ASSERT_FALSE(dir.prepare(c, "quick", false));
  c.samples = 500;
  EXPECT_FALSE(dir.prepare(c, "quick", false));
  // Once an output exists, a different configuration is refused.
  io::write_file_atomic(dir.samples(), "x");
  c.samples = 600;
  EXPECT_THROW(dir.prepare(c, "quick", false), RunConflict);
  dir.discard_if_unused(false);
  EXPECT_TRUE(fs::exists(dir.config())) << "an output is there: the run can still be reused";
}

// Claims follow from the document's numbers alone.
TEST(Claims, ReadOffTheAnalysisDocument) {
  auto layer = [](int l, double median, double block, double best, double neighbour) {
    return nlohmann::json{
        {"layer", l},
        {"units", 10},
        {"dead_units", 0},
        {"receptive_field_radius_median", median},
        {"receptive_field_radius_quartiles", {median - 0.1, median + 0.1}},
        {"block_radius", block},
        {"block_overlap", {{"best_per_block", best}, {"neighbour_blocks", neighbour}}},
        {"reconstruction", {{"correlation_length", 2.2}, {"nn_correlation", 0.6}}}};
  };
  nlohmann::json a{
      {"uniform_field_radius", 20.0},
      {"data_subset", {{"correlation_length", 2.0}, {"nn_correlation", 0.65}}},
      {"layers", {layer(1, 2.0, 1.2, 0.9, 0.5), layer(2, 3.5, 2.1, 0.4, 0.6)}},
      {"receptive_field_growth", {{{"median_radius_ratio", 1.75}, {"block_radius_ratio", 1.75}}}}};
  const auto c = claims(a);
  ASSERT_EQ(c.size(), 4u);
  EXPECT_EQ(c[0].id, "local");
  EXPECT_EQ(c[0].holds, true);  // 2.0 < 20/4
  EXPECT_EQ(c[1].holds, true);
  EXPECT_NE(c[1].reading.find("×1.75"), std::string::npos) << c[1].reading;
  EXPECT_EQ(c[2].holds, false);  // layer 2: 0.4 < 0.6
  EXPECT_FALSE(c[3].holds.has_value());
  EXPECT_EQ(c[3].reading, "ξ through layer 1: +10% against the data");

  a["layers"][0]["receptive_field_radius_median"] = 6.0;  // over a quarter of a uniform field
  EXPECT_EQ(claims(a)[0].holds, false);
  a["layers"].erase(1);
  a["receptive_field_growth"] = nlohmann::json::array();
  EXPECT_FALSE(claims(a)[1].holds.has_value());  // one layer: nothing to compare
}

}  // namespace
}  // namespace deeprg::experiment
