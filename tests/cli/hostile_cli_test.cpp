// End-to-end tests of hostile and careless input: sizes that would exhaust memory, seeds that
// would wrap, shapes and formats every command must agree on, outputs that would overwrite
// inputs, errors blamed on the right flag or file, and nothing left behind by a failed command.
#include <gtest/gtest.h>

#include <sys/wait.h>
#include "run_cli.hpp"

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "deeprg/io/atomic_file.hpp"
#include "deeprg/io/npy.hpp"
#include "deeprg/io/spin_file.hpp"
#include "deeprg/rbm/model_file.hpp"

namespace {

namespace fs = std::filesystem;
using deeprg::testing::CliResult;
using deeprg::testing::run_cli;
using deeprg::testing::run_shell;

bool contains(const std::string& text, const std::string& needle) {
  return text.find(needle) != std::string::npos;
}

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kAddressSanitizer = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kAddressSanitizer = true;
#else
constexpr bool kAddressSanitizer = false;
#endif
#else
constexpr bool kAddressSanitizer = false;
#endif

// `deeprg ARGS` under an address-space limit (ulimit -v, KiB), so that a request the memory
// checks must refuse is refused on any machine, however much memory it has. (AddressSanitizer
// reserves terabytes of address space and cannot run so limited.)
CliResult run_cli_with_memory_limit(const std::string& args, long kib) {
  return run_shell("ulimit -v " + std::to_string(kib) + " && OPENBLAS_NUM_THREADS=1 " +
                   std::string(DEEPRG_CLI_PATH) + " " + args + " 2>&1");
}

class HostileCli : public deeprg::testing::CliTest {
 protected:
  void SetUp() override {
    CliTest::SetUp();
    const CliResult r =
        run_cli("sample --L 4 --T 2.5 --samples 200 --seed 3 --out " + path("data.npy"));
    ASSERT_EQ(r.code, 0) << r.output;
  }
  // An int8 ±1 array of the given shape.
  void write_spins(const std::string& name, const std::vector<std::size_t>& shape) {
    std::size_t n = 1;
    for (const std::size_t d : shape) n *= d;
    const std::vector<std::int8_t> spins(n, 1);
    deeprg::io::write_npy(path(name),
                          deeprg::io::make_npy(std::span<const std::int8_t>(spins), shape));
  }
};

// One line, "deeprg: error: FLAG: ...", exit code 2.
void expect_usage_error(const CliResult& r, const std::string& flag, const std::string& args) {
  EXPECT_EQ(r.code, 2) << args << "\n" << r.output;
  EXPECT_TRUE(r.output.starts_with("deeprg: error: " + flag)) << args << "\n" << r.output;
  EXPECT_EQ(std::count(r.output.begin(), r.output.end(), '\n'), 1) << args << "\n" << r.output;
}

TEST_F(HostileCli, SizesBeyondMemoryAreRefusedNamingTheFlagAndTheMemory) {
  struct Case {
    std::string args, flag;
  };
  const Case cases[] = {
      {"train --data " + path("data.npy") + " --hidden 16777216,16777216 --out " + path("m"),
       "--hidden"},
      {"run --set sampling.samples=1000000000000 --out " + path("run"), "sampling.samples"},
      {"run --set dbn.hidden=[16777216,16777216] --out " + path("run"), "dbn.hidden"},
  };
  for (const Case& c : cases) {
    const CliResult r = run_cli(c.args);
    expect_usage_error(r, c.flag, c.args);
    EXPECT_TRUE(contains(r.output, "would need at least")) << r.output;
    EXPECT_TRUE(contains(r.output, "iB of memory")) << r.output;
    EXPECT_FALSE(contains(r.output, "bad_alloc")) << r.output;
  }
  EXPECT_FALSE(fs::exists(path("run")));
  EXPECT_FALSE(fs::exists(path("m")));
  EXPECT_FALSE(fs::exists(path("m.metrics.jsonl")));
  // run caps layer sizes as train does.
  expect_usage_error(run_cli("run --set dbn.hidden=[16777217] --out " + path("run")), "dbn.hidden",
                     "16777217 units");
  expect_usage_error(
      run_cli("train --data " + path("data.npy") + " --hidden 16777217 --out " + path("m.npz")),
      "--hidden", "16777217 units");
}

TEST_F(HostileCli, SizesAreCheckedAgainstTheMemoryLimit) {
  if (kAddressSanitizer) GTEST_SKIP() << "AddressSanitizer cannot run under ulimit -v";
  // One RBM of 2^24 hidden units on 16 visible: its batches alone need 20 GB of floats.
  const std::string args =
      "train --data " + path("data.npy") + " --hidden 16777216 --out " + path("m.npz");
  const CliResult r = run_cli_with_memory_limit(args, 8L << 20);
  expect_usage_error(r, "--hidden", args);
  EXPECT_TRUE(contains(r.output, "would need at least")) << r.output;
  EXPECT_FALSE(fs::exists(path("m.metrics.jsonl")));
}

TEST_F(HostileCli, AisSizesAreCheckedAgainstTheMemoryLimit) {
  if (kAddressSanitizer) GTEST_SKIP() << "AddressSanitizer cannot run under ulimit -v";
  const fs::path model = path("m.npz");
  deeprg::rbm::save_rbm(model, deeprg::rbm::Rbm(16, 40));
  // 2^31 - 1 chains or temperatures need 16 GiB of doubles: more than the 8 GiB allowed.
  for (const auto& [flag, args] :
       {std::pair<std::string, std::string>{"--ais-chains", "--ais-chains 2147483647"},
        {"--ais-steps", "--ais-steps 2147483647"}}) {
    const std::string command = "evaluate --rbm " + model.string() + " --log-z ais " + args;
    const CliResult r = run_cli_with_memory_limit(command, 8L << 20);
    expect_usage_error(r, flag, command);
    EXPECT_TRUE(contains(r.output, "would need at least 16 GiB of memory")) << r.output;
  }
}

TEST_F(HostileCli, SeedsThatWouldWrapAreRefusedEverywhere) {
  const std::string data = path("data.npy");
  const std::vector<std::string> commands = {
      "sample --L 4 --T 2 --out " + path("s.npy"),
      "train --data " + data + " --hidden 4 --out " + path("m.npz"),
      "coarse-grain " + data + " --out " + path("c.npy"),
      "flow " + data,
      "mcrg " + data,
      "vrg-fit --L 4 --K 0.4 --hidden 1",
      "run --out " + path("run"),
      "scan --L 8 --T 2 --out " + path("scan"),
  };
  for (const std::string& command : commands) {
    for (const char* seed : {"-1", "18446744073709551616", "0x10", "1e3"}) {
      const std::string args = command + " --seed " + seed;
      const CliResult r = run_cli(args);
      expect_usage_error(r, "--seed", args);
      EXPECT_TRUE(contains(r.output, seed)) << "names the value as given: " << r.output;
    }
  }
  EXPECT_FALSE(fs::exists(path("run")));
  EXPECT_FALSE(fs::exists(path("scan")));
  // The configuration's seed refuses the same values.
  expect_usage_error(run_cli("run --set run.seed=-1 --out " + path("run")), "run.seed", "-1");
  deeprg::io::write_file_atomic(path("seed.toml"), "[run]\nseed = -1\n");
  expect_usage_error(run_cli("run --config " + path("seed.toml") + " --out " + path("run")),
                     "run.seed", "toml");
  // The largest seed is fine, and recorded as given.
  const CliResult ok = run_cli("sample --L 4 --T 2 --samples 2 --seed 18446744073709551615 --out " +
                               path("s.npy") + " --json");
  ASSERT_EQ(ok.code, 0) << ok.output;
  EXPECT_TRUE(contains(ok.output, "\"seed\": 18446744073709551615")) << ok.output;
  // A count wraps no better than a seed.
  expect_usage_error(run_cli("sample --L 4 --T 2 --samples -1 --out " + path("s.npy")), "--samples",
                     "-1");
}

TEST_F(HostileCli, TrainAndEvaluateReadTheShapesEveryCommandReads) {
  write_spins("flat.npy", {256});
  write_spins("four.npy", {200, 2, 2, 4});
  for (const char* name : {"flat.npy", "four.npy"}) {
    for (const std::string& command :
         {"train --data " + path(name) + " --hidden 4 --out " + path("m.npz"),
          "measure " + path(name) + " --T 2"}) {
      const CliResult r = run_cli(command);
      EXPECT_EQ(r.code, 1) << command << "\n" << r.output;
      EXPECT_TRUE(contains(r.output, name)) << r.output;
    }
  }
  EXPECT_FALSE(fs::exists(path("m.npz")));
  EXPECT_FALSE(fs::exists(path("m.metrics.jsonl")));
  deeprg::rbm::save_rbm(path("r.npz"), deeprg::rbm::Rbm(16, 3));
  const CliResult e = run_cli("evaluate --rbm " + path("r.npz") + " --data " + path("four.npy"));
  EXPECT_EQ(e.code, 1) << e.output;
  EXPECT_TRUE(contains(e.output, "four.npy")) << e.output;
}

TEST_F(HostileCli, MoreJackknifeBlocksThanSamplesAreRefused) {
  ASSERT_EQ(run_cli("sample --L 8 --T 2.3 --samples 200 --out " + path("l8.npy")).code, 0);
  for (const std::string& command :
       {"flow " + path("data.npy") + " --blocks 201", "mcrg " + path("l8.npy") + " --blocks 201"}) {
    const CliResult r = run_cli(command);
    expect_usage_error(r, "--blocks", command);
    EXPECT_TRUE(contains(r.output, "200 samples")) << r.output;
  }
  EXPECT_EQ(run_cli("flow " + path("data.npy") + " --blocks 200").code, 0);
}

TEST_F(HostileCli, DbnOfAnUnknownFormatIsRefused) {
  deeprg::rbm::Dbn dbn;
  dbn.layers = {deeprg::rbm::Rbm(16, 4), deeprg::rbm::Rbm(4, 2)};
  deeprg::rbm::save_dbn(path("model"), dbn);
  ASSERT_EQ(run_cli("evaluate --rbm " + path("model")).code, 0);
  const fs::path doc = path("model") + "/dbn.json";
  auto j = nlohmann::json::parse(deeprg::io::read_file(doc));
  for (const auto& [key, value] :
       {std::pair<std::string, nlohmann::json>{"format", "someone-elses-dbn"},
        {"format", nullptr},
        {"version", 2}}) {
    auto changed = j;
    if (value.is_null())
      changed.erase(key);
    else
      changed[key] = value;
    deeprg::io::write_file_atomic(doc, changed.dump());
    const CliResult r = run_cli("evaluate --rbm " + path("model"));
    EXPECT_EQ(r.code, 1) << r.output;
    EXPECT_TRUE(contains(r.output, "dbn.json: '" + key + "'")) << r.output;
  }
}

TEST_F(HostileCli, OutputsThatWouldOverwriteAnInputOrEachOtherAreRefused) {
  const std::string data = path("data.npy");
  const std::string before = deeprg::io::read_file(data);
  const std::string sidecar_before = deeprg::io::read_file(data + ".json");
  // The same file under another spelling, and through a symbolic link.
  fs::create_directories(path("sub"));
  fs::create_symlink(data, path("link.npy"));
  struct Case {
    std::string args, flag;
  };
  const Case cases[] = {
      {"coarse-grain " + data + " --out " + data, "--out"},
      {"coarse-grain " + data + " --out " + path("sub/../data.npy"), "--out"},
      {"coarse-grain " + path("link.npy") + " --out " + data, "--out"},
      {"flow " + data + " --plot " + data, "--plot"},
      {"train --data " + data + " --hidden 4 --out " + path("m.npz") + " --metrics " +
           path("m.npz"),
       "--metrics"},
      {"train --data " + data + " --hidden 4 --out " + path("m.npz") + " --metrics " + data,
       "--metrics"},
      {"train --data " + data + " --hidden 4,2 --out " + path("dbn") + " --metrics " +
           path("dbn/layer_1.npz"),
       "--metrics"},
  };
  for (const Case& c : cases) {
    const CliResult r = run_cli(c.args);
    expect_usage_error(r, c.flag, c.args);
  }
  EXPECT_EQ(deeprg::io::read_file(data), before);
  EXPECT_EQ(deeprg::io::read_file(data + ".json"), sidecar_before);
  EXPECT_FALSE(fs::exists(path("m.npz")));
  EXPECT_FALSE(fs::exists(path("dbn")));
  // A level file of coarse-grain landing on the input is refused too: OUT.level1.npy = input.
  fs::copy_file(data, path("x.level1.npy"));
  const CliResult l2 =
      run_cli("coarse-grain " + path("x.level1.npy") + " --levels 2 --out " + path("x.npy"));
  expect_usage_error(l2, "--out", "level file");
}

TEST_F(HostileCli, BadSidecarValuesAreBlamedOnTheSidecar) {
  const std::string data = path("data.npy");
  auto sidecar = nlohmann::json::parse(deeprg::io::read_file(data + ".json"));
  for (const nlohmann::json& t : {nlohmann::json(-1.0), nlohmann::json("hot")}) {
    sidecar["T"] = t;
    deeprg::io::write_file_atomic(data + ".json", sidecar.dump());
    const CliResult r = run_cli("measure " + data);
    EXPECT_EQ(r.code, 1) << r.output;
    EXPECT_TRUE(contains(r.output, "data.npy.json: T")) << r.output;
    EXPECT_FALSE(contains(r.output, "--T:")) << r.output;
    EXPECT_TRUE(contains(r.output, "pass --T")) << r.output;
    // The flag overrides the sidecar, and a bad flag is still the flag's fault.
    EXPECT_EQ(run_cli("measure " + data + " --T 2.5").code, 0);
    expect_usage_error(run_cli("measure " + data + " --T -2"), "--T", "measure --T -2");
  }
}

TEST_F(HostileCli, ExactLogZHasOneLimitAndOneMessage) {
  deeprg::rbm::save_rbm(path("big.npz"), deeprg::rbm::Rbm(31, 40));
  const CliResult r = run_cli("evaluate --rbm " + path("big.npz") + " --log-z exact");
  expect_usage_error(r, "--log-z", "evaluate --log-z exact");
  EXPECT_TRUE(contains(r.output, "at most 30 units")) << r.output;
  const CliResult help = run_cli("evaluate --help");
  EXPECT_TRUE(contains(help.output, "most 30 units")) << help.output;
}

TEST_F(HostileCli, ParseErrorsReadLikeEveryOtherError) {
  for (const char* args : {"sample --L abc --T 2 --out x.npy", "sample --T 2 --frobnicate",
                           "train --data x.npy", "sample"}) {
    const CliResult r = run_cli(args);
    EXPECT_EQ(r.code, 2) << args << "\n" << r.output;
    EXPECT_TRUE(r.output.starts_with("deeprg: error: ")) << args << "\n" << r.output;
  }
}

TEST_F(HostileCli, FailedCommandsLeaveNothingBehind) {
  // sample: the sidecar cannot be written (its name is a directory), so no .npy either.
  fs::create_directories(path("s.npy.json"));
  const CliResult s = run_cli("sample --L 4 --T 2 --samples 5 --out " + path("s.npy"));
  EXPECT_EQ(s.code, 1) << s.output;
  EXPECT_FALSE(fs::exists(path("s.npy")));

  // train: a missing output directory is found before training, and leaves no metrics.
  const CliResult t = run_cli("train --data " + path("data.npy") + " --hidden 4 --out " +
                              path("none/m.npz") + " --metrics " + path("m.jsonl"));
  EXPECT_EQ(t.code, 1) << t.output;
  EXPECT_TRUE(contains(t.output, "none")) << t.output;
  EXPECT_FALSE(fs::exists(path("m.jsonl")));
  // train: the first checkpoint cannot be written (its name is a directory): the metrics file
  // written for that epoch goes with the run, as nothing remains to resume from.
  fs::create_directories(path("m.checkpoint.npz"));
  const CliResult w =
      run_cli("train --data " + path("data.npy") + " --hidden 4 --epochs 2 --out " + path("m.npz"));
  EXPECT_EQ(w.code, 1) << w.output;
  EXPECT_FALSE(fs::exists(path("m.npz")));
  EXPECT_FALSE(fs::exists(path("m.metrics.jsonl")));
}

TEST_F(HostileCli, WritesRemoveTemporaryFilesOfKilledWriters) {
  // A writer killed between opening its temporary file and renaming it leaves NAME.tmp.PID.N.
  const pid_t gone = [] {
    const pid_t child = fork();
    if (child == 0) _exit(0);
    waitpid(child, nullptr, 0);
    return child;
  }();
  const std::string stale = path("data.npy.tmp." + std::to_string(gone) + ".0");
  const std::string live = path("other.npz.tmp." + std::to_string(getppid()) + ".3");
  const std::string mine = path("notes.tmp.txt");
  for (const std::string& f : {stale, live, mine}) std::ofstream(f) << "x";
  ASSERT_TRUE(fs::exists(stale));
  const CliResult r = run_cli("coarse-grain " + path("data.npy") + " --out " + path("c.npy"));
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_FALSE(fs::exists(stale)) << "the writer is gone";
  EXPECT_TRUE(fs::exists(live)) << "its writer is alive";
  EXPECT_TRUE(fs::exists(mine)) << "not a temporary file of ours";
}

}  // namespace
