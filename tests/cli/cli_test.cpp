// End-to-end tests of the deeprg command-line tool: exit codes, messages, files.
#include <gtest/gtest.h>

#include <sys/wait.h>
#include "run_cli.hpp"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "deeprg/io/atomic_file.hpp"
#include "deeprg/io/npy.hpp"
#include "deeprg/io/spin_file.hpp"

namespace {

namespace fs = std::filesystem;
using deeprg::testing::CliResult;
using deeprg::testing::run_cli;

class Cli : public deeprg::testing::CliTest {};

TEST_F(Cli, HelpTeachesAndExitsZero) {
  const CliResult r = run_cli("--help");
  EXPECT_EQ(r.code, 0);
  EXPECT_NE(r.output.find("sample"), std::string::npos);
  EXPECT_NE(r.output.find("exact"), std::string::npos);
  const CliResult s = run_cli("sample --help");
  EXPECT_EQ(s.code, 0);
  EXPECT_NE(s.output.find("--spacing"), std::string::npos);
}

TEST_F(Cli, UsageErrorsExitTwoAndNameTheFlag) {
  struct Case {
    std::string args, needle;
  };
  const Case cases[] = {
      {"sample --L 0 --T 2 --out " + path("a.npy"), "--L"},
      {"sample --L -4 --T 2 --out " + path("a.npy"), "--L"},
      {"sample --L 8 --T 0 --out " + path("a.npy"), "--T"},
      {"sample --L 8 --T -1 --out " + path("a.npy"), "--T"},
      {"sample --L 8 --T 2 --algorithm nope --out " + path("a.npy"), "algorithm"},
      {"sample --L 8 --T 2 --samples 0 --out " + path("a.npy"), "--samples"},
      {"sample --L 8 --T 2 --spacing soon --out " + path("a.npy"), "--spacing"},
      {"sample --L 8 --T 2 --algorithm wolff --h 0.1 --out " + path("a.npy"), "h"},
      {"exact --L 4 --T 1 --K 1", "--K"},
      {"exact --L 4", "--T"},
      {"frobnicate", "frobnicate"},
  };
  for (const Case& c : cases) {
    const CliResult r = run_cli(c.args);
    EXPECT_EQ(r.code, 2) << c.args << "\n" << r.output;
    EXPECT_NE(r.output.find(c.needle), std::string::npos) << c.args << "\n" << r.output;
  }
  EXPECT_FALSE(fs::exists(path("a.npy")));
}

TEST_F(Cli, BadFilesExitOneAndNameTheFile) {
  deeprg::io::write_file_atomic(path("garbage.npy"), "this is not numpy at all");
  const std::vector<std::int8_t> spins{1, -1, 1, 1, -1, -1, 1, 1};
  const std::string good =
      deeprg::io::format_npy(deeprg::io::make_npy(std::span<const std::int8_t>(spins), {2, 2, 2}));
  deeprg::io::write_file_atomic(path("truncated.npy"), good.substr(0, good.size() - 3));
  const std::vector<float> floats(8, 1.0f);
  deeprg::io::write_npy(path("float.npy"),
                        deeprg::io::make_npy(std::span<const float>(floats), {2, 2, 2}));
  std::vector<std::int8_t> zeros = spins;
  zeros[3] = 0;
  deeprg::io::write_npy(path("zeros.npy"),
                        deeprg::io::make_npy(std::span<const std::int8_t>(zeros), {2, 2, 2}));
  for (const char* name :
       {"missing.npy", "garbage.npy", "truncated.npy", "float.npy", "zeros.npy"}) {
    const CliResult r = run_cli("measure " + path(name) + " --T 2");
    EXPECT_EQ(r.code, 1) << name << "\n" << r.output;
    EXPECT_NE(r.output.find(name), std::string::npos) << r.output;
    EXPECT_EQ(std::count(r.output.begin(), r.output.end(), '\n'), 1) << "one line: " << r.output;
  }
}

TEST_F(Cli, MeasureWithoutTemperatureAsksForIt) {
  const std::vector<std::int8_t> spins(32, 1);
  deeprg::io::write_npy(path("s.npy"),
                        deeprg::io::make_npy(std::span<const std::int8_t>(spins), {2, 4, 4}));
  const CliResult r = run_cli("measure " + path("s.npy"));
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_NE(r.output.find("--T"), std::string::npos) << r.output;
}

TEST_F(Cli, SampleIsIndependentOfThreadCountAndMeasurable) {
  const std::string common = "sample --L 8 --T 2.5 --samples 300 --algorithm metropolis --seed 7 ";
  ASSERT_EQ(run_cli(common + "--threads 1 --out " + path("t1.npy")).code, 0);
  ASSERT_EQ(run_cli(common + "--threads 2 --out " + path("t2.npy")).code, 0);
  EXPECT_EQ(deeprg::io::read_file(path("t1.npy")), deeprg::io::read_file(path("t2.npy")));
  const auto samples = deeprg::io::read_spins(path("t1.npy"));
  EXPECT_EQ(samples.count, 300u);
  EXPECT_EQ(samples.lattice.lx, 8);
  const auto sidecar = nlohmann::json::parse(deeprg::io::read_file(path("t1.npy.json")));
  for (const char* key :
       {"model", "T", "algorithm", "tau_int", "spacing_sweeps", "seed", "deeprg_version"})
    EXPECT_TRUE(sidecar.contains(key)) << key;
  EXPECT_EQ(sidecar["seed"], 7);
  const CliResult m = run_cli("measure " + path("t1.npy") + " --json");
  ASSERT_EQ(m.code, 0) << m.output;
  const auto j = nlohmann::json::parse(m.output);
  EXPECT_TRUE(j.contains("energy_per_spin"));
  EXPECT_TRUE(j.contains("energy_per_spin_error"));
  EXPECT_DOUBLE_EQ(j["T"].get<double>(), 2.5);
  // The sampled energy agrees with Kaufman's exact value for the 8x8 torus within 4 sigma.
  const double e = j["energy_per_spin"], err = j["energy_per_spin_error"];
  const double exact = j["exact"]["energy_per_spin"];
  EXPECT_NEAR(e, exact, 4 * err);
}

TEST_F(Cli, ExactJsonHasFiniteAndInfiniteLattice) {
  const CliResult r = run_cli("exact --model ising2d --L 4 --K 0.4 --json");
  ASSERT_EQ(r.code, 0) << r.output;
  const auto j = nlohmann::json::parse(r.output);
  EXPECT_EQ(j["method"], "kaufman");
  EXPECT_NEAR(j["log_z"].get<double>(), j["enumeration"]["log_z"].get<double>(), 1e-10);
  EXPECT_NEAR(j["energy_per_spin"].get<double>(), j["enumeration"]["energy_per_spin"].get<double>(),
              1e-10);
  EXPECT_TRUE(j["infinite_lattice"].contains("energy_per_spin"));
  const CliResult c = run_cli("exact --model ising1d --L 10 --T 1.5 --h 0.2 --json");
  ASSERT_EQ(c.code, 0) << c.output;
  const auto k = nlohmann::json::parse(c.output);
  EXPECT_EQ(k["method"], "transfer_matrix");
  EXPECT_NEAR(k["log_z"].get<double>(), k["enumeration"]["log_z"].get<double>(), 1e-10);
}

}  // namespace
