// End-to-end tests of `deeprg run --seeds`, an ensemble of the experiment: on real MPI ranks
// (mpirun, oversubscribed on this machine) when deeprg was built with MPI, and in one process
// either way. Each member is the tiny run of run_experiment_cli_test.cpp (about half a second).
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "deeprg/io/atomic_file.hpp"
#include "run_cli.hpp"

namespace deeprg {
namespace {

namespace fs = std::filesystem;
using testing::CliResult;
using testing::CliTest;
using testing::kHaveMpi;
using testing::run_cli;
using testing::run_mpi;
using testing::run_shell;

const std::string kSmall =
    " --preset quick --set lattice.L=8 --set sampling.samples=400 --set dbn.hidden=[16,4]"
    " --set train.epochs=3 --set analysis.samples=300 --set analysis.units_shown=4"
    " --set analysis.reconstructions=2";

nlohmann::json read_json(const fs::path& path) {
  return nlohmann::json::parse(io::read_file(path));
}

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto pos = text.find(what); pos != std::string::npos; pos = text.find(what, pos + 1)) ++n;
  return n;
}

// Wall times ("seconds", "*_seconds") removed wherever they are.
void erase_timings(nlohmann::json& j) {
  if (j.is_array())
    for (auto& x : j) erase_timings(x);
  if (!j.is_object()) return;
  for (auto it = j.begin(); it != j.end();) {
    const std::string& key = it.key();
    const bool timing = key == "seconds" || (key.size() > 8 && key.ends_with("_seconds"));
    if (timing) {
      it = j.erase(it);
    } else {
      erase_timings(*it);
      ++it;
    }
  }
}

// What a member's run directory holds that must not depend on how the ensemble ran: the samples,
// the model and every number of the analysis (but its timings and the thread count).
std::string member_results(const fs::path& run) {
  auto analysis = read_json(run / "analysis.json");
  erase_timings(analysis);
  analysis["config"]["run"].erase("threads");
  return io::read_file(run / "samples.npy") + io::read_file(run / "model" / "layer_1.npz") +
         io::read_file(run / "model" / "layer_2.npz") + analysis.dump();
}

class EnsembleCli : public CliTest {
 protected:
  std::string ensemble(const std::string& name, const std::string& seeds = "1-3") const {
    return "run --seeds " + seeds + " --out " + path(name) + kSmall;
  }
};

TEST_F(EnsembleCli, SameBitsOnOneTwoAndThreeRanksAndWithoutMpi) {
  const auto serial = run_cli(ensemble("serial"));
  ASSERT_EQ(serial.code, 0) << serial.output;
  const fs::path base = path("serial");
  for (const char* member : {"seed-1", "seed-2", "seed-3"}) {
    EXPECT_TRUE(fs::exists(base / member / "report.html")) << member;
    EXPECT_EQ(read_json(base / member / "config.json")["seed"].get<int>(),
              std::stoi(std::string(member).substr(5)));
  }
  const std::string summary = io::read_file(base / "ensemble.json");
  const auto doc = nlohmann::json::parse(summary);
  EXPECT_EQ(doc["seeds"], nlohmann::json({1, 2, 3}));
  EXPECT_EQ(doc["succeeded"], 3);
  EXPECT_TRUE(doc["failed"].empty());
  EXPECT_FALSE(doc["deeprg_version"].get<std::string>().empty());
  EXPECT_EQ(doc["config"]["lattice"]["L"], 8);
  const auto& radius = doc["statistics"]["/layers/1/receptive_field_radius_median"];
  EXPECT_EQ(radius["n"], 3);
  EXPECT_LE(radius["min"].get<double>(), radius["mean"].get<double>());
  EXPECT_LE(radius["mean"].get<double>(), radius["max"].get<double>());
  EXPECT_TRUE(fs::exists(base / "ensemble.html"));
  EXPECT_TRUE(fs::exists(base / "ensemble-figures" / "receptive_field_radius.png"));
  EXPECT_TRUE(fs::exists(base / "ensemble-figures" / "receptive_field_growth.png"));
  EXPECT_NE(serial.output.find("mean ± standard error"), std::string::npos) << serial.output;
  EXPECT_NE(serial.output.find("layers/1/receptive_field_radius_median"), std::string::npos);
  EXPECT_EQ(read_json(base / "ensemble-run.json")["members_run"], 3);

  if (!kHaveMpi) GTEST_SKIP() << "deeprg was built without MPI: checked without mpirun only";
  for (int ranks : {1, 2, 3}) {
    const std::string name = "ranks" + std::to_string(ranks);
    const auto r = run_mpi(ranks, ensemble(name));
    ASSERT_EQ(r.code, 0) << r.output;
    EXPECT_EQ(io::read_file(fs::path(path(name)) / "ensemble.json"), summary)
        << "ensemble.json differs on " << ranks << " ranks";
    for (const char* member : {"seed-1", "seed-2", "seed-3"})
      EXPECT_EQ(member_results(fs::path(path(name)) / member), member_results(base / member))
          << member << " differs on " << ranks << " ranks";
    const auto run = read_json(fs::path(path(name)) / "ensemble-run.json");
    EXPECT_EQ(run["ranks"], ranks);
    for (int i = 0; i < 3; ++i) EXPECT_EQ(run["members"][i]["rank"], i % ranks) << ranks;
    // Only rank 0 speaks: its own members' logs, and the summary once.
    EXPECT_EQ(count(r.output, "ensemble: 3 members"), 1u) << r.output;
    EXPECT_EQ(count(r.output, "Ensemble of 3 members"), 1u) << r.output;
    EXPECT_NE(r.output.find("[seed-1] "), std::string::npos) << r.output;
    for (int i = 1; i < 3; ++i) {
      if (i % ranks == 0) continue;
      EXPECT_EQ(r.output.find("[seed-" + std::to_string(i + 1) + "] "), std::string::npos)
          << "rank " << i % ranks << " printed:\n"
          << r.output;
    }
  }
}

TEST_F(EnsembleCli, ARerunRunsOnlyTheMembersThatAreMissing) {
  ASSERT_EQ(run_cli(ensemble("e")).code, 0);
  const fs::path e = path("e");
  const std::string summary = io::read_file(e / "ensemble.json");
  const std::string kept = io::read_file(e / "seed-1" / "model" / "layer_1.npz");
  fs::remove_all(e / "seed-2");              // lost
  fs::remove(e / "seed-3" / "report.html");  // killed before its last stages
  const bool mpi = kHaveMpi;
  const auto r = mpi ? run_mpi(2, ensemble("e")) : run_cli(ensemble("e"));
  ASSERT_EQ(r.code, 0) << r.output;
  const auto run = read_json(e / "ensemble-run.json");
  EXPECT_EQ(run["members"][0]["status"], "skipped");
  EXPECT_EQ(run["members"][1]["status"], "ran");
  EXPECT_EQ(run["members"][2]["status"], "ran");
  EXPECT_EQ(run["members_run"], 2);
  EXPECT_EQ(io::read_file(e / "seed-1" / "model" / "layer_1.npz"), kept);
  EXPECT_EQ(io::read_file(e / "ensemble.json"), summary) << "the rerun changed the results";
  EXPECT_TRUE(read_json(e / "seed-3" / "analysis.json")["stage_seconds"][1]["reused"].get<bool>())
      << "seed-3's model was not reused";
}

TEST_F(EnsembleCli, AFailingMemberIsNamedAndTheOthersFinish) {
  // seed-2's run directory cannot be created: a file is in its way.
  fs::create_directories(path("e"));
  io::write_file_atomic(fs::path(path("e")) / "seed-2", "not a directory");
  const auto r = kHaveMpi ? run_mpi(2, ensemble("e")) : run_cli(ensemble("e"));
  EXPECT_NE(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("member seed-2 (seed 2) failed"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("1 of 3 members failed (seed-2)"), std::string::npos) << r.output;
  EXPECT_EQ(count(r.output, "deeprg: error:"), 1u) << r.output;
  const auto doc = read_json(fs::path(path("e")) / "ensemble.json");
  ASSERT_EQ(doc["failed"].size(), 1u);
  EXPECT_EQ(doc["failed"][0]["name"], "seed-2");
  EXPECT_EQ(doc["failed"][0]["seed"], 2);
  EXPECT_NE(doc["failed"][0]["error"].get<std::string>().find("seed-2"), std::string::npos);
  EXPECT_EQ(doc["succeeded"], 2);
  EXPECT_EQ(doc["statistics"]["/layers/0/receptive_field_radius_median"]["n"], 2);
  EXPECT_TRUE(fs::exists(fs::path(path("e")) / "seed-3" / "report.html"));
}

// A sweep: every value with every seed, its own run directories, the statistics per value; the
// same bits on three ranks; a bad sweep or another sweep in the same directory is refused.
TEST_F(EnsembleCli, SweepsAKeyOverSeeds) {
  const std::string sweep = " --sweep train.l1=0.01,0.05";
  const auto r = run_cli(ensemble("sweep", "1-2") + sweep);
  ASSERT_EQ(r.code, 0) << r.output;
  for (const char* member : {"train.l1=0.01/seed-1", "train.l1=0.05/seed-2"}) {
    const fs::path run = path("sweep") + "/" + member;
    EXPECT_TRUE(fs::exists(run / "report.html")) << member;
    EXPECT_DOUBLE_EQ(read_json(run / "config.json")["config"]["train"]["l1"].get<double>(),
                     std::string(member).find("0.01") != std::string::npos ? 0.01 : 0.05);
  }
  const auto doc = read_json(path("sweep") + "/ensemble.json");
  ASSERT_EQ(doc["groups"].size(), 2u);
  EXPECT_EQ(doc["groups"][1]["value"], "train.l1=0.05");
  EXPECT_EQ(doc["groups"][1]["succeeded"], 2);
  EXPECT_NE(r.output.find("train.l1=0.05 (2 members):"), std::string::npos) << r.output;
  // The members of the sweep are ordinary runs: the same as a seed ensemble at that value.
  const auto alone = run_cli(ensemble("alone", "2") + " --set train.l1=0.05");
  ASSERT_EQ(alone.code, 0) << alone.output;
  EXPECT_EQ(member_results(path("sweep") + "/train.l1=0.05/seed-2"),
            member_results(path("alone") + "/seed-2"));

  const auto other = run_cli(ensemble("sweep", "1-2") + " --sweep train.l1=0.01,0.02");
  EXPECT_EQ(other.code, 2) << other.output;
  EXPECT_NE(other.output.find("another sweep"), std::string::npos) << other.output;
  for (const char* bad : {" --sweep train.l1", " --sweep train.bogus=1", " --sweep train.l1=x"}) {
    const auto b = run_cli(ensemble("bad", "1") + bad);
    EXPECT_EQ(b.code, 2) << bad << ": " << b.output;
    EXPECT_EQ(count(b.output, "\n"), 1u) << bad << ": " << b.output;
    EXPECT_FALSE(fs::exists(path("bad"))) << bad;
  }

  REQUIRE_MPI();
  const auto three = run_mpi(3, ensemble("sweep3", "1-2") + sweep);
  ASSERT_EQ(three.code, 0) << three.output;
  EXPECT_EQ(io::read_file(path("sweep3") + "/ensemble.json"),
            io::read_file(path("sweep") + "/ensemble.json"));
}

TEST_F(EnsembleCli, BadSeedsAndDirectoriesAreOneClearErrorAndWriteNothing) {
  for (const char* seeds : {"3-1", "a", "''", "1,1", "1,,2", "-1"}) {
    const auto r = run_cli("run --seeds " + std::string(seeds) + " --out " + path("e") + kSmall);
    EXPECT_EQ(r.code, 2) << seeds << ": " << r.output;
    EXPECT_NE(r.output.find("--seeds"), std::string::npos) << seeds << ": " << r.output;
    EXPECT_EQ(count(r.output, "\n"), 1u) << seeds << ": " << r.output;
    EXPECT_FALSE(fs::exists(path("e"))) << seeds;
  }
  const auto both = run_cli("run --seed 1 --seeds 1-2 --out " + path("e") + kSmall);
  EXPECT_EQ(both.code, 2) << both.output;
  EXPECT_NE(both.output.find("--seed"), std::string::npos) << both.output;

  io::write_file_atomic(path("file"), "x");
  const auto blocked = run_cli("run --seeds 1-2 --out " + path("file") + "/e" + kSmall);
  EXPECT_EQ(blocked.code, 2) << blocked.output;
  EXPECT_NE(blocked.output.find("--out"), std::string::npos) << blocked.output;

  REQUIRE_MPI();
  const auto many = run_mpi(3, "run --seeds 1-2 --out " + path("e") + kSmall);
  EXPECT_NE(many.code, 0) << many.output;
  EXPECT_NE(many.output.find("--seeds: 2 members for 3 ranks"), std::string::npos) << many.output;
  EXPECT_EQ(count(many.output, "deeprg: error:"), 1u) << many.output;
  EXPECT_FALSE(fs::exists(path("e")));

  const auto bad = run_mpi(2, "run --seeds 3-1 --out " + path("e") + kSmall);
  EXPECT_NE(bad.code, 0) << bad.output;
  EXPECT_EQ(count(bad.output, "deeprg: error: --seeds"), 1u) << bad.output;
  EXPECT_FALSE(fs::exists(path("e")));
}

// The ensemble's page opens in headless Chromium with both figures loaded
// (tests/report/check_report.py).
TEST_F(EnsembleCli, PageRendersInChromium) {
  const bool have_browser = fs::exists("/usr/bin/chromium") &&
                            fs::exists("/usr/bin/chromedriver") &&
                            std::system("/usr/bin/python3 -c 'import selenium' 2>/dev/null") == 0;
  if (!have_browser) {
    if (std::getenv("CI")) FAIL() << "CI must run the Chromium check: run scripts/install-deps.sh";
    GTEST_SKIP() << "chromium, chromium-driver or python3-selenium missing: run "
                    "scripts/install-deps.sh";
  }
  ASSERT_EQ(run_cli(ensemble("e", "1-2")).code, 0);
  const auto r =
      run_shell("/usr/bin/python3 " + std::string(DEEPRG_SOURCE_DIR) +
                "/tests/report/check_report.py " + path("e") + "/ensemble.html --images 2 2>&1");
  EXPECT_EQ(r.code, 0) << r.output;
}

TEST_F(EnsembleCli, VersionSaysWhetherMpiIsIn) {
  const auto r = run_cli("--version");
  EXPECT_EQ(r.code, 0);
  EXPECT_NE(r.output.find(kHaveMpi ? "with MPI (" : "without MPI"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace deeprg
