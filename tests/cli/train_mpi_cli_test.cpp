// End-to-end tests of data-parallel `deeprg train` and `deeprg run` under mpirun (oversubscribed
// on this machine): the model is the same file on 1, 2 and 3 ranks and without MPI, only rank 0
// writes and reports, and a killed run resumes on another number of ranks to the same model.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "deeprg/io/atomic_file.hpp"
#include "run_cli.hpp"

namespace deeprg {
namespace {

namespace fs = std::filesystem;
using testing::CliResult;
using testing::run_cli;
using testing::run_mpi;
using testing::run_shell;

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto pos = text.find(what); pos != std::string::npos; pos = text.find(what, pos + 1)) ++n;
  return n;
}

// The metrics without their wall times, one JSON object per epoch.
std::string metrics_without_times(const fs::path& file) {
  std::istringstream in(io::read_file(file));
  std::string line, out;
  while (std::getline(in, line)) {
    auto j = nlohmann::json::parse(line);
    j.erase("seconds");
    out += j.dump() + "\n";
  }
  return out;
}

class TrainMpiCli : public testing::CliTest {
 protected:
  void SetUp() override {
    CliTest::SetUp();
    // 256 visible units and 128 hidden: a batch's products are large enough to be split into
    // two blocks, so two ranks share every batch.
    ASSERT_EQ(run_cli("sample --L 16 --T 2.4 --samples 1000 --seed 3 --out " + path("s.npy")).code,
              0);
  }
  std::string train(const std::string& out, const std::string& hidden = "128",
                    const std::string& extra = " --epochs 3") const {
    return "train --data " + path("s.npy") + " --hidden " + hidden + " --lr 0.05 --seed 2 --out " +
           path(out) + extra;
  }
};

TEST_F(TrainMpiCli, SameModelOnOneTwoAndThreeRanksAndWithoutMpi) {
  const CliResult alone = run_cli(train("alone.npz"));
  ASSERT_EQ(alone.code, 0) << alone.output;
  const CliResult dbn = run_cli(train("alone-dbn", "128,16"));
  ASSERT_EQ(dbn.code, 0) << dbn.output;
  REQUIRE_MPI();
  for (const int ranks : {1, 2, 3}) {
    const std::string name = "mpi" + std::to_string(ranks);
    const CliResult r = run_mpi(ranks, train(name + ".npz"));
    ASSERT_EQ(r.code, 0) << r.output;
    EXPECT_EQ(count(r.output, "wrote an RBM"), 1u) << "rank 0 alone reports: " << r.output;
    EXPECT_EQ(io::read_file(path(name + ".npz")), io::read_file(path("alone.npz"))) << ranks;
    EXPECT_EQ(metrics_without_times(path(name + ".metrics.jsonl")),
              metrics_without_times(path("alone.metrics.jsonl")));
    const CliResult layers = run_mpi(ranks, train(name + "-dbn", "128,16"));
    ASSERT_EQ(layers.code, 0) << layers.output;
    for (const char* file : {"layer_1.npz", "layer_2.npz"})
      EXPECT_EQ(io::read_file(fs::path(path(name + "-dbn")) / file),
                io::read_file(fs::path(path("alone-dbn")) / file))
          << ranks << " ranks, " << file;
  }
  // A bad flag is one error, from rank 0.
  const CliResult bad = run_mpi(2, train("bad.npz", "128", " --epochs 0"));
  EXPECT_NE(bad.code, 0) << bad.output;
  EXPECT_EQ(count(bad.output, "deeprg: error: --epochs"), 1u) << bad.output;
}

TEST_F(TrainMpiCli, AKilledRunResumesOnAnotherNumberOfRanks) {
  REQUIRE_MPI();
  const std::string longer = " --epochs 30 --checkpoint-every 1";
  ASSERT_EQ(run_cli(train("full.npz", "128", longer)).code, 0);
  // Two ranks, killed (the ranks, then mpirun) once 10 of the 30 epochs are in the metrics,
  // whatever the machine's load.
  const std::string metrics = path("cut.metrics.jsonl");
  const std::string killed =
      "OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 " DEEPRG_MPIEXEC_PATH
      " --oversubscribe -np 2 " DEEPRG_CLI_PATH " " +
      train("cut.npz", "128", longer) +
      " > /dev/null 2>&1 & pid=$!; while kill -0 $pid 2>/dev/null && [ \"$(cat " + metrics +
      " 2>/dev/null | wc -l)\" -lt 10 ]; do sleep 0.005; done; pkill -9 -P $pid; "
      "kill -9 $pid 2>/dev/null && wait $pid; test $? -eq 137";
  ASSERT_EQ(std::system(("bash -c '" + killed + "'").c_str()), 0)
      << "the run was not killed in training";
  ASSERT_FALSE(fs::exists(path("cut.npz")));
  // Resumed on three ranks from rank 0's last checkpoint: the uninterrupted run's model.
  const CliResult resumed = run_mpi(3, train("cut.npz", "128", longer + " --resume"));
  ASSERT_EQ(resumed.code, 0) << resumed.output;
  EXPECT_EQ(io::read_file(path("cut.npz")), io::read_file(path("full.npz")));
}

// Rank 0 fails in the middle of the training (its checkpoint cannot be written: a file size
// limit on rank 0 alone, with SIGXFSZ ignored so that write() fails instead) while rank 1 waits
// for its share of the next batch: the job ends with rank 0's error instead of hanging.
TEST_F(TrainMpiCli, AFailureOfRankZeroDuringTheTrainingEndsTheJob) {
  REQUIRE_MPI();
  const std::string args = train("full.npz", "128", " --epochs 5 --checkpoint-every 1");
  const std::string rank0 =
      "bash -c 'trap \"\" XFSZ; ulimit -f 64; exec " DEEPRG_CLI_PATH " " + args + "'";
  const CliResult r = run_shell(
      "timeout 120 env OMPI_ALLOW_RUN_AS_ROOT=1 "
      "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 " DEEPRG_MPIEXEC_PATH " --oversubscribe -np 1 " +
      rank0 + " : -np 1 " DEEPRG_CLI_PATH " " + args + " 2>&1");
  EXPECT_NE(r.code, 0) << r.output;
  EXPECT_NE(r.code, 124) << "the job hung: " << r.output;
  EXPECT_NE(r.output.find("full.checkpoint.npz: write failed"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(path("full.npz")));
}

// One `deeprg run` under mpirun trains on every rank: the run directory is the one process's.
TEST_F(TrainMpiCli, OneRunOfTheExperimentTrainsOnEveryRank) {
  REQUIRE_MPI();
  // 16 x 16 spins into 128 hidden units: two blocks per batch, so two ranks share the work.
  const std::string run =
      "run --preset quick --set lattice.L=16 --set sampling.samples=400 --set dbn.hidden=[128,16]"
      " --set train.epochs=3 --set analysis.samples=300 --set analysis.units_shown=4"
      " --set analysis.reconstructions=2 --out ";
  const CliResult alone = run_cli(run + path("alone"));
  ASSERT_EQ(alone.code, 0) << alone.output;
  const auto results = [&](const std::string& dir) {
    auto analysis = nlohmann::json::parse(io::read_file(fs::path(path(dir)) / "analysis.json"));
    analysis.erase("stage_seconds");
    return std::vector<std::string>{io::read_file(fs::path(path(dir)) / "model" / "layer_1.npz"),
                                    io::read_file(fs::path(path(dir)) / "model" / "layer_2.npz"),
                                    io::read_file(fs::path(path(dir)) / "samples.npy"),
                                    analysis.dump(),
                                    metrics_without_times(fs::path(path(dir)) / "metrics.jsonl")};
  };
  for (const int ranks : {2, 3}) {
    const std::string dir = "ranks" + std::to_string(ranks);
    const CliResult r = run_mpi(ranks, run + path(dir));
    ASSERT_EQ(r.code, 0) << r.output;
    EXPECT_EQ(results(dir), results("alone")) << ranks << " ranks";
    EXPECT_EQ(count(r.output, "done in"), 1u) << "rank 0 alone reports:\n" << r.output;
  }
  // A rerun reuses the trained network on every rank; another configuration is refused once.
  const CliResult again = run_mpi(2, run + path("ranks2"));
  ASSERT_EQ(again.code, 0) << again.output;
  EXPECT_NE(again.output.find("[train] reusing the trained DBN"), std::string::npos)
      << again.output;
  EXPECT_EQ(results("ranks2"), results("alone"));
  const CliResult other = run_mpi(2, run + path("ranks2") + " --set train.l1=0.5");
  EXPECT_EQ(other.code, 2) << other.output;
  EXPECT_EQ(count(other.output, "holds a run with train.l1"), 1u) << other.output;
}

}  // namespace
}  // namespace deeprg
