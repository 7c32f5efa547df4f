// End-to-end tests of `deeprg scan`: its outputs, the same bits on real MPI ranks (mpirun,
// oversubscribed on this machine) when deeprg was built with MPI, a killed scan resumed, and bad
// input refused with one error naming the flag before anything is written.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "deeprg/io/atomic_file.hpp"
#include "run_cli.hpp"

namespace deeprg {
namespace {

namespace fs = std::filesystem;
using testing::CliTest;
using testing::kHaveMpi;
using testing::run_cli;
using testing::run_mpi;

const std::string kPoints = " --L 8 --T 2.0,2.3,2.6 --samples 600";

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto pos = text.find(what); pos != std::string::npos; pos = text.find(what, pos + 1)) ++n;
  return n;
}

class ScanCli : public CliTest {};

TEST_F(ScanCli, PrintsTheCrossingsOfTwoSizes) {
  const auto r =
      run_cli("scan --L 4,8 --T 2.0,2.6 --samples 2000 --no-flow --no-mcrg --out " + path("s"));
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("Crossings of U4 and ξ/L"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("4/8"), std::string::npos) << r.output;
  EXPECT_TRUE(fs::exists(fs::path(path("s")) / "scan-figures" / "crossings.png"));
}

TEST_F(ScanCli, WritesEveryPointTheSummaryFiguresAndPageAndTheSameBitsOnAnyRanks) {
  const fs::path base = path("one");
  const auto serial = run_cli("scan" + kPoints + " --out " + base.string());
  ASSERT_EQ(serial.code, 0) << serial.output;
  const std::string summary = io::read_file(base / "scan.json");
  const auto doc = nlohmann::json::parse(summary);
  ASSERT_EQ(doc["points"].size(), 3u);
  EXPECT_EQ(doc["points"][1]["name"], "L=8/T=2.3");
  EXPECT_EQ(doc["points"][1]["status"], "ok");
  for (const char* file :
       {"scan.html", "scan-run.json", "L=8/T=2.3/samples.npy", "L=8/T=2.3/samples.npy.json",
        "L=8/T=2.3/point.json", "scan-figures/binder_cumulant.png", "scan-figures/flow.png",
        "scan-figures/mcrg_y_t.png"})
    EXPECT_TRUE(fs::exists(base / file)) << file;
  EXPECT_NE(serial.output.find("E/N exact"), std::string::npos) << serial.output;

  // --json prints scan.json on stdout, and nothing else there.
  const auto json = run_cli("scan" + kPoints + " --json --out " + base.string(), false);
  ASSERT_EQ(json.code, 0) << json.output;
  EXPECT_EQ(nlohmann::json::parse(json.output), doc);

  if (!kHaveMpi) GTEST_SKIP() << "deeprg was built without MPI: checked without mpirun only";
  for (int ranks : {2, 3}) {
    const fs::path dir = path("ranks" + std::to_string(ranks));
    const auto r = run_mpi(ranks, "scan" + kPoints + " --out " + dir.string());
    ASSERT_EQ(r.code, 0) << r.output;
    EXPECT_EQ(io::read_file(dir / "scan.json"), summary) << ranks << " ranks";
    for (const char* point : {"L=8/T=2", "L=8/T=2.3", "L=8/T=2.6"})
      EXPECT_EQ(io::read_file(dir / point / "samples.npy"),
                io::read_file(base / point / "samples.npy"))
          << point << " on " << ranks << " ranks";
    const auto run = nlohmann::json::parse(io::read_file(dir / "scan-run.json"));
    for (int i = 0; i < 3; ++i) EXPECT_EQ(run["members"][i]["rank"], i % ranks);
    EXPECT_EQ(count(r.output, "Scan of 3 points"), 1u) << "rank 0 alone reports:\n" << r.output;
  }
}

TEST_F(ScanCli, AKilledScanRerunsOnlyTheMissingPoints) {
  const fs::path dir = path("scan");
  ASSERT_EQ(run_cli("scan" + kPoints + " --out " + dir.string()).code, 0);
  const std::string summary = io::read_file(dir / "scan.json");
  fs::remove_all(dir / "L=8" / "T=2.3");
  fs::remove(dir / "scan.json");
  const auto r = kHaveMpi ? run_mpi(2, "scan" + kPoints + " --out " + dir.string())
                          : run_cli("scan" + kPoints + " --out " + dir.string());
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_EQ(io::read_file(dir / "scan.json"), summary);
  const auto run = nlohmann::json::parse(io::read_file(dir / "scan-run.json"));
  EXPECT_EQ(run["members"][0]["status"], "skipped");
  EXPECT_EQ(run["members"][1]["status"], "ran");
  EXPECT_EQ(run["members"][2]["status"], "skipped");
}

TEST_F(ScanCli, BadInputIsOneErrorNamingTheFlagAndWritesNothing) {
  const std::string out = " --out " + path("scan");
  const std::pair<std::string, std::string> cases[] = {
      {"--L 1 --T 2.0", "--L"},
      {"--L 8,8 --T 2.0", "--L"},
      {"--L 8 --T 2.6:2.0:0.1", "--T"},
      {"--L 8 --T 2.0,abc", "--T"},
      {"--L 8 --T 0", "--T"},
      {"--L 8 --T 2.0 --samples 0", "--samples"},
      {"--L 8 --T 2.0 --b 1", "--b"},
      {"--L 5 --T 2.0", "--b"},
      {"--L 8 --T 2.0 --samples 100 --mcrg-blocks 200", "--mcrg-blocks"},
      {"--L 8 --T 2.0 --algorithm glauber", "--algorithm"},
  };
  for (const auto& [args, flag] : cases) {
    const auto r = run_cli("scan " + args + out);
    EXPECT_EQ(r.code, 2) << args << "\n" << r.output;
    EXPECT_NE(r.output.find(flag), std::string::npos) << args << "\n" << r.output;
    EXPECT_FALSE(fs::exists(path("scan"))) << args;
  }
  io::write_file_atomic(path("file"), "x");
  const auto blocked = run_cli("scan --L 8 --T 2.0 --out " + path("file") + "/scan");
  EXPECT_EQ(blocked.code, 2) << blocked.output;
  EXPECT_NE(blocked.output.find("--out"), std::string::npos) << blocked.output;

  if (!kHaveMpi) return;
  const auto r = run_mpi(3, "scan --L 8 --T 2.0,2.6" + out);
  EXPECT_NE(r.code, 0) << r.output;
  EXPECT_EQ(count(r.output, "2 points for 3 ranks"), 1u) << "said once, by rank 0:\n" << r.output;
  EXPECT_FALSE(fs::exists(path("scan")));
}

}  // namespace
}  // namespace deeprg
