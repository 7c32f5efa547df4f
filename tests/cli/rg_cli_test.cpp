// End-to-end tests of deeprg coarse-grain and deeprg flow.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "deeprg/io/atomic_file.hpp"
#include "deeprg/io/spin_file.hpp"
#include "deeprg/rg/block_spin.hpp"
#include "run_cli.hpp"

namespace {

namespace fs = std::filesystem;
using deeprg::testing::CliResult;
using deeprg::testing::run_cli;

class CoarseGrainCli : public deeprg::testing::CliTest {
 protected:
  // 200 samples of the 16×16 torus with a sidecar recording T.
  void sample(const std::string& name, double t) {
    const CliResult r = run_cli("sample --L 16 --T " + std::to_string(t) +
                                " --samples 200 --seed 3 --threads 2 --out " + path(name));
    ASSERT_EQ(r.code, 0) << r.output;
  }
  std::size_t files() const {
    return static_cast<std::size_t>(
        std::distance(fs::directory_iterator(dir_), fs::directory_iterator()));
  }
};

TEST_F(CoarseGrainCli, RoundTripWritesEveryLevelWithSidecars) {
  sample("s.npy", 2.5);
  const CliResult r = run_cli("coarse-grain " + path("s.npy") +
                              " --rule majority --b 2 --levels 2 --seed 9 --out " + path("c.npy"));
  ASSERT_EQ(r.code, 0) << r.output;
  const auto fine = deeprg::io::read_spins(path("s.npy"));
  const auto level1 = deeprg::io::read_spins(path("c.level1.npy"));
  const auto level2 = deeprg::io::read_spins(path("c.npy"));
  EXPECT_EQ(level1.count, 200u);
  EXPECT_EQ(level1.lattice.lx, 8);
  EXPECT_EQ(level1.lattice.ly, 8);
  EXPECT_EQ(level2.lattice.lx, 4);
  EXPECT_EQ(level2.lattice.ly, 4);
  // The same as the library with the same options.
  deeprg::rg::BlockSpinOptions options;
  options.seed = 9;
  const auto expected = deeprg::rg::block_spin_levels(fine, options, 2);
  EXPECT_EQ(level1.spins, expected[1].spins);
  EXPECT_EQ(level2.spins, expected[2].spins);
  const auto meta = nlohmann::json::parse(deeprg::io::read_file(path("c.npy.json")));
  for (const char* key : {"rule", "b", "level", "ties", "seed", "deeprg_version", "source"})
    EXPECT_TRUE(meta.contains(key)) << key;
  EXPECT_EQ(meta["rule"], "majority");
  EXPECT_EQ(meta["level"], 2);
  EXPECT_EQ(meta["source"]["file"], path("s.npy"));
  EXPECT_EQ(meta["source"]["model"], "ising2d");
  EXPECT_DOUBLE_EQ(meta["source"]["T"].get<double>(), 2.5);
  EXPECT_EQ(nlohmann::json::parse(deeprg::io::read_file(path("c.level1.npy.json")))["level"], 1);
  // Coarse-graining a coarse-grained file continues the level count.
  ASSERT_EQ(
      run_cli("coarse-grain " + path("c.level1.npy") + " --b 2 --seed 9 --out " + path("d.npy"))
          .code,
      0);
  EXPECT_EQ(deeprg::io::read_spins(path("d.npy")).spins, level2.spins);
  // Decimation by 4 in one step.
  const CliResult d = run_cli("coarse-grain " + path("s.npy") +
                              " --rule decimation --b 4 --json --out " + path("e.npy"));
  ASSERT_EQ(d.code, 0) << d.output;
  EXPECT_EQ(nlohmann::json::parse(d.output)["rule"], "decimation");
  const auto e = deeprg::io::read_spins(path("e.npy"));
  EXPECT_EQ(e.lattice.lx, 4);
  EXPECT_EQ(e.spins[1], fine.spins[4]);
  EXPECT_EQ(e.spins[4], fine.spins[4 * 16]);
}

TEST_F(CoarseGrainCli, BadInputIsOneLineWithoutOutputs) {
  sample("s.npy", 2.5);
  deeprg::io::write_file_atomic(path("garbage.npy"), "not a spin file");
  const std::size_t before = files();
  struct Case {
    std::string args, needle;
    int code;
  };
  const std::string out = " --out " + path("o.npy");
  const Case cases[] = {
      {"coarse-grain " + path("s.npy") + " --b 3" + out, "--b", 2},
      {"coarse-grain " + path("s.npy") + " --b 5" + out, "16×16", 2},
      {"coarse-grain " + path("s.npy") + " --b 2 --levels 4" + out, "--levels", 2},
      {"coarse-grain " + path("s.npy") + " --b 2 --levels 4" + out, "at most 3", 2},
      {"coarse-grain " + path("s.npy") + " --b 1" + out, "--b", 2},
      {"coarse-grain " + path("s.npy") + " --levels 0" + out, "--levels", 2},
      {"coarse-grain " + path("s.npy") + " --rule minority" + out, "--rule", 2},
      {"coarse-grain " + path("s.npy") + " --ties coin" + out, "--ties", 2},
      {"coarse-grain " + path("garbage.npy") + out, "garbage.npy", 1},
      {"coarse-grain " + path("missing.npy") + out, "missing.npy", 1},
      {"coarse-grain " + path("s.npy") + " --out " + path("no/such/dir/o.npy"), "o.npy", 1},
      {"flow " + path("s.npy") + " --b 3", "--b", 2},
      {"flow " + path("s.npy") + " --levels 9", "--levels", 2},
      {"flow " + path("s.npy") + " --plot-quantity mass", "--plot-quantity", 2},
      {"flow " + path("s.npy") + " " + path("garbage.npy"), "garbage.npy", 1},
      {"flow " + path("s.npy") + " --plot " + path("no/such/dir/f.png"), "f.png", 1},
  };
  for (const Case& c : cases) {
    const CliResult r = run_cli(c.args);
    EXPECT_EQ(r.code, c.code) << c.args << "\n" << r.output;
    EXPECT_NE(r.output.find(c.needle), std::string::npos) << c.args << "\n" << r.output;
    EXPECT_EQ(std::count(r.output.begin(), r.output.end(), '\n'), 1) << "one line: " << r.output;
  }
  EXPECT_EQ(files(), before);
}

TEST_F(CoarseGrainCli, FlowJsonAndPlot) {
  sample("cold.npy", 1.8);
  sample("hot.npy", 3.5);
  const CliResult r = run_cli("flow " + path("cold.npy") + " " + path("hot.npy") +
                              " --b 2 --levels 2 --json --plot " + path("flow.png"));
  ASSERT_EQ(r.code, 0) << r.output;
  const auto j = nlohmann::json::parse(r.output);
  ASSERT_EQ(j["files"].size(), 2u);
  const auto& cold = j["files"][0];
  EXPECT_EQ(cold["file"], path("cold.npy"));
  EXPECT_DOUBLE_EQ(cold["T"].get<double>(), 1.8);
  ASSERT_EQ(cold["levels"].size(), 3u);
  for (const char* key :
       {"level", "L", "abs_magnetization", "abs_magnetization_error", "nn_correlation",
        "nn_correlation_error", "binder_cumulant", "binder_cumulant_error", "correlation_length",
        "correlation_length_error", "correlation_length_over_L"})
    EXPECT_TRUE(cold["levels"][2].contains(key)) << key;
  EXPECT_EQ(cold["levels"][0]["L"], 16);
  EXPECT_EQ(cold["levels"][2]["L"], 4);
  // Order grows in the cold file, fades in the hot one.
  EXPECT_GT(cold["levels"][2]["abs_magnetization"].get<double>(),
            cold["levels"][0]["abs_magnetization"].get<double>());
  const auto& hot = j["files"][1];
  EXPECT_LT(hot["levels"][2]["nn_correlation"].get<double>(),
            hot["levels"][0]["nn_correlation"].get<double>());
  const std::string png = deeprg::io::read_file(path("flow.png"));
  EXPECT_EQ(png.substr(1, 3), "PNG");
  // The table: default levels run down to the 2×2 lattice.
  const CliResult t = run_cli("flow " + path("cold.npy") + " --plot-quantity xi-over-L");
  ASSERT_EQ(t.code, 0) << t.output;
  EXPECT_NE(t.output.find("Binder"), std::string::npos) << t.output;
  EXPECT_NE(t.output.find("2x2"), std::string::npos) << t.output;
  // T of a coarse-grained file comes from its source.
  ASSERT_EQ(run_cli("coarse-grain " + path("hot.npy") + " --out " + path("c.npy")).code, 0);
  const CliResult c = run_cli("flow " + path("c.npy") + " --json");
  ASSERT_EQ(c.code, 0) << c.output;
  EXPECT_DOUBLE_EQ(nlohmann::json::parse(c.output)["files"][0]["T"].get<double>(), 3.5);
}

TEST_F(CoarseGrainCli, HelpDocumentsTheNaming) {
  const CliResult r = run_cli("coarse-grain --help");
  EXPECT_EQ(r.code, 0);
  EXPECT_NE(r.output.find("OUT.level1.npy"), std::string::npos) << r.output;
  const CliResult f = run_cli("flow --help");
  EXPECT_EQ(f.code, 0);
  EXPECT_NE(f.output.find("--plot"), std::string::npos) << f.output;
}

}  // namespace
