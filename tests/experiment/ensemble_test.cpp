// Ensembles of the experiment: the seed list, the static assignment to ranks, the statistics
// over members, and a member's failure recorded without stopping the others. The runs
// themselves, on real MPI ranks, are in tests/cli/ensemble_cli_test.cpp.
#include "deeprg/experiment/ensemble.hpp"

#include <gtest/gtest.h>

#include <unistd.h>
#include <cmath>
#include <filesystem>
#include <fstream>

#include "deeprg/core/error.hpp"
#include "deeprg/experiment/ensemble_summary.hpp"
#include "deeprg/io/atomic_file.hpp"

namespace deeprg::experiment {
namespace {

namespace fs = std::filesystem;
using Seeds = std::vector<std::uint64_t>;

TEST(ParseSeeds, ReadsListsAndRanges) {
  EXPECT_EQ(parse_seeds("1-8"), (Seeds{1, 2, 3, 4, 5, 6, 7, 8}));
  EXPECT_EQ(parse_seeds("1,3,5"), (Seeds{1, 3, 5}));
  EXPECT_EQ(parse_seeds("1-3,10"), (Seeds{1, 2, 3, 10}));
  EXPECT_EQ(parse_seeds(" 7 , 4 "), (Seeds{7, 4})) << "the order given is the members' order";
  EXPECT_EQ(parse_seeds("5-5"), (Seeds{5}));
  EXPECT_EQ(parse_seeds("0"), (Seeds{0}));
  EXPECT_EQ(parse_seeds("9223372036854775807"), (Seeds{9223372036854775807ull}));
}

TEST(ParseSeeds, RefusesWhatIsNotASeedListNamingTheKey) {
  for (const char* bad :
       {"", " ", "3-1", "a", "1,1", "1-3,2", "1,,2", "1,", "-1", "1.5", "0x10", "1-", "-", "1-2-3",
        "9223372036854775808", "99999999999999999999", "1-200000", "+3"}) {
    try {
      parse_seeds(bad);
      ADD_FAILURE() << "'" << bad << "' was accepted";
    } catch (const ConfigError& e) {
      EXPECT_EQ(e.key(), "seeds") << bad;
    }
  }
}

TEST(SeedMembers, OneMemberPerSeedNamedAfterIt) {
  ExperimentConfig base = preset("quick");
  base.l1 = 0.5;
  const auto members = seed_members(base, {3, 1});
  ASSERT_EQ(members.size(), 2u);
  EXPECT_EQ(members[0].name, "seed-3");
  EXPECT_EQ(members[0].config.seed, 3u);
  EXPECT_EQ(members[1].name, "seed-1");
  EXPECT_EQ(members[1].config.l1, 0.5);
}

TEST(ParseSweep, ReadsAKeyAndItsValues) {
  const ExperimentConfig base = preset("quick");
  const Sweep l1 = parse_sweep("train.l1=0.01, 0.02,0.05", base);
  EXPECT_EQ(l1.key, "train.l1");
  EXPECT_EQ(l1.values, (std::vector<std::string>{"0.01", "0.02", "0.05"}));
  // Commas inside brackets belong to the value.
  const Sweep hidden = parse_sweep("dbn.hidden=[16,4],[8,2,1]", base);
  EXPECT_EQ(hidden.values, (std::vector<std::string>{"[16,4]", "[8,2,1]"}));
  EXPECT_EQ(parse_sweep("sampling.algorithm=wolff,metropolis", base).values.size(), 2u);
}

TEST(ParseSweep, RefusesBadSweepsNamingTheKey) {
  const ExperimentConfig base = preset("quick");
  const auto key = [&](const std::string& text) {
    try {
      parse_sweep(text, base);
    } catch (const ConfigError& e) {
      return e.key();
    }
    return std::string("accepted");
  };
  for (const char* bad : {"train.l1", "=0.1", "train.l1=", "train.l1=0.1,,0.2", "train.l1=0.1,0.1",
                          "train.l1=0.1,", "sampling.algorithm=a/b"})
    EXPECT_EQ(key(bad), "sweep") << bad;
  EXPECT_EQ(key("train.bogus=1,2"), "train.bogus");
  EXPECT_EQ(key("train.l1=0.1,abc"), "train.l1");
  EXPECT_EQ(key("lattice.L=8,7"), "lattice.L");  // an odd side fails validation
}

TEST(SweepMembers, EachValueWithEverySeedGroupedByValue) {
  ExperimentConfig base = preset("quick");
  const Sweep sweep = parse_sweep("train.l1=0.01,0.02", base);
  const auto members = sweep_members(base, sweep, {1, 2});
  ASSERT_EQ(members.size(), 4u);
  EXPECT_EQ(members[0].name, "train.l1=0.01/seed-1");
  EXPECT_EQ(members[1].name, "train.l1=0.01/seed-2");
  EXPECT_EQ(members[3].name, "train.l1=0.02/seed-2");
  EXPECT_EQ(members[2].group, "train.l1=0.02");
  EXPECT_DOUBLE_EQ(members[0].config.l1, 0.01);
  EXPECT_DOUBLE_EQ(members[3].config.l1, 0.02);
  EXPECT_EQ(members[3].config.seed, 2u);
  EXPECT_TRUE(seed_members(base, {1})[0].group.empty());
}

TEST(MemberRank, StaticRoundRobin) {
  EXPECT_EQ(member_rank(0, 3), 0);
  EXPECT_EQ(member_rank(4, 3), 1);
  EXPECT_EQ(member_rank(5, 3), 2);
  EXPECT_EQ(member_rank(7, 1), 0);
}

TEST(SpreadOverRanks, AnErrorThatIsNotUtf8ReachesRankZero) {
  // A failure quoting a path with a byte that is not UTF-8 is gathered, that byte replaced,
  // instead of throwing between the work and the gather.
  SerialCommunicator world;
  const auto outcomes = spread_over_ranks(2, world, [](std::size_t i) {
    MemberOutcome m;
    m.name = "seed-" + std::to_string(i);
    m.status = MemberOutcome::Status::failed;
    m.error = "cannot write /tmp/r\xff/seed-" + std::to_string(i);
    return m;
  });
  ASSERT_EQ(outcomes.size(), 2u);
  EXPECT_EQ(outcomes[1].name, "seed-1");
  EXPECT_EQ(outcomes[1].error, "cannot write /tmp/r\xef\xbf\xbd/seed-1");  // U+FFFD
}

TEST(EnsembleStatistics, MeanStandardErrorAndSpreadOfEveryNumber) {
  const auto a = nlohmann::json::parse(R"({"x": 1, "nested": {"y": [1, 2]}, "holds": true,
      "name": "text", "seed": 1, "config": {"run": {"seed": 1}}, "stage_seconds": [{"seconds": 1}],
      "stage": {"seconds": 0.5, "fit_seconds": 2, "seconds_per_sweep": 3}, "a/b~c": 4})");
  const auto b = nlohmann::json::parse(R"({"x": 3, "nested": {"y": [3, null]}, "holds": false,
      "name": "text", "seed": 2, "config": {"run": {"seed": 2}}, "stage_seconds": [{"seconds": 2}]})");
  const auto s = ensemble_statistics({a, b});
  const auto& x = s.at("/x");
  EXPECT_EQ(x["n"], 2);
  EXPECT_EQ(x["missing"], 0);
  EXPECT_DOUBLE_EQ(x["mean"].get<double>(), 2.0);
  EXPECT_DOUBLE_EQ(x["std"].get<double>(), std::sqrt(2.0));  // sample deviation, n − 1
  EXPECT_DOUBLE_EQ(x["stderr"].get<double>(), 1.0);
  EXPECT_EQ(x["min"], 1.0);
  EXPECT_EQ(x["max"], 3.0);
  EXPECT_DOUBLE_EQ(s.at("/nested/y/0")["mean"].get<double>(), 2.0);
  // An undefined value (null) is missing, not zero.
  EXPECT_EQ(s.at("/nested/y/1")["n"], 1);
  EXPECT_EQ(s.at("/nested/y/1")["missing"], 1);
  EXPECT_EQ(s.at("/nested/y/1")["std"], 0.0);
  EXPECT_EQ(s.at("/holds")["true"], 1);
  EXPECT_EQ(s.at("/holds")["n"], 2);
  // What describes or times a run is not a measurement.
  EXPECT_TRUE(s.contains("/stage/seconds_per_sweep")) << "a rate, not a wall time";
  EXPECT_EQ(s.at("/a~1b~0c")["n"], 1) << "keys escaped as in a JSON pointer";
  EXPECT_EQ(a.at(nlohmann::json::json_pointer("/a~1b~0c")), 4);
  for (const char* left_out : {"/seed", "/config/run/seed", "/stage_seconds/0/seconds", "/name",
                               "/stage/seconds", "/stage/fit_seconds"})
    EXPECT_FALSE(s.contains(left_out)) << left_out;
}

MemberOutcome outcome(const std::string& name, std::uint64_t seed, double x, bool failed = false) {
  MemberOutcome m;
  m.name = name;
  m.seed = seed;
  if (failed) {
    m.status = MemberOutcome::Status::failed;
    m.error = "it broke";
  } else {
    m.analysis = {{"layers", {{{"receptive_field_radius_median", x}}}},
                  {"claims", {{{"id", "local"}, {"claim", "local patches"}, {"holds", x > 1}}}}};
  }
  return m;
}

TEST(EnsembleDocument, RecordsFailedMembersAndSummarisesTheOthers) {
  EnsembleOptions options;
  options.preset = "quick";
  options.base = preset("quick");
  const std::vector<MemberOutcome> members = {
      outcome("seed-1", 1, 1.0), outcome("seed-2", 2, 0, true), outcome("seed-3", 3, 2.0)};
  const auto doc = ensemble_document(options, members);
  EXPECT_EQ(doc["seeds"], nlohmann::json({1, 2, 3}));
  EXPECT_EQ(doc["succeeded"], 2);
  ASSERT_EQ(doc["failed"].size(), 1u);
  EXPECT_EQ(doc["failed"][0]["name"], "seed-2");
  EXPECT_EQ(doc["failed"][0]["seed"], 2);
  EXPECT_EQ(doc["failed"][0]["error"], "it broke");
  EXPECT_EQ(doc["members"][1]["status"], "failed");
  EXPECT_EQ(doc["members"][2]["status"], "ok");
  EXPECT_FALSE(doc["config"]["run"].contains("seed"));
  EXPECT_FALSE(doc["config"]["run"].contains("threads"));
  const auto& radius = doc["statistics"]["/layers/0/receptive_field_radius_median"];
  EXPECT_EQ(radius["n"], 2);
  EXPECT_DOUBLE_EQ(radius["mean"].get<double>(), 1.5);
  EXPECT_EQ(doc["claims"][0]["id"], "local");
  EXPECT_EQ(doc["claims"][0]["holds_in"], 1);
  EXPECT_EQ(doc["claims"][0]["decided_in"], 2);

  const std::string table = headline_table(doc);
  EXPECT_NE(table.find("layers/0/receptive_field_radius_median"), std::string::npos) << table;
  EXPECT_NE(table.find("claim 'local' holds"), std::string::npos) << table;
  EXPECT_NE(table.find("1 of 2 hold"), std::string::npos) << table;

  // A sweep: the statistics per value, never mixed over values; the swept key is not part of
  // the shared configuration.
  options.sweep = parse_sweep("train.l1=0.01,0.02", options.base);
  std::vector<MemberOutcome> swept = {
      outcome("train.l1=0.01/seed-1", 1, 1.0), outcome("train.l1=0.01/seed-2", 2, 3.0),
      outcome("train.l1=0.02/seed-1", 1, 10.0), outcome("train.l1=0.02/seed-2", 2, 0, true)};
  for (std::size_t i = 0; i < swept.size(); ++i)
    swept[i].group = i < 2 ? "train.l1=0.01" : "train.l1=0.02";
  const auto sweep_doc = ensemble_document(options, swept);
  EXPECT_FALSE(sweep_doc.contains("statistics"));
  EXPECT_EQ(sweep_doc["sweep"]["key"], "train.l1");
  ASSERT_EQ(sweep_doc["groups"].size(), 2u);
  EXPECT_EQ(sweep_doc["groups"][0]["value"], "train.l1=0.01");
  EXPECT_DOUBLE_EQ(
      sweep_doc["groups"][0]["statistics"]["/layers/0/receptive_field_radius_median"]["mean"]
          .get<double>(),
      2.0);
  EXPECT_EQ(sweep_doc["groups"][1]["succeeded"], 1);
  EXPECT_FALSE(sweep_doc["config"]["train"].contains("l1"));
  EXPECT_TRUE(sweep_doc["config"]["train"].contains("epochs"));
  const std::string sweep_table = headline_table(sweep_doc);
  EXPECT_NE(sweep_table.find("train.l1=0.02 (1 members)"), std::string::npos) << sweep_table;
  EXPECT_FALSE(ensemble_document({}, members).contains("sweep"));

  const auto run = execution_document(members, 2, 10.0);
  EXPECT_EQ(run["members_run"], 2);
  EXPECT_DOUBLE_EQ(run["members_per_hour"].get<double>(), 720.0);
  EXPECT_EQ(run["members"][1]["status"], "failed");
}

// Rank `rank` of `size`, alone: collectives return this rank's own part.
class OneRankOf final : public Communicator {
 public:
  OneRankOf(int rank, int size) : rank_(rank), size_(size) {}
  int rank() const override { return rank_; }
  int size() const override { return size_; }
  int local_size() const override { return size_; }
  std::vector<std::string> gather(const std::string&, int root) override {
    return rank_ == root ? std::vector<std::string>(static_cast<std::size_t>(size_), "[]")
                         : std::vector<std::string>{};
  }
  std::string broadcast(const std::string& text, int) override { return text; }
  std::string allgather(const std::string& bytes, std::vector<std::size_t>*) override {
    return bytes;
  }

 private:
  int rank_, size_;
};

class EnsembleRun : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("deeprg_ensemble_test_" +
            std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()) + "_" +
            std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(EnsembleRun, AMemberThatFailsIsRecordedAndTheEnsembleGoesOn) {
  // Every member's directory is taken by a file, so each fails at once, by itself.
  EnsembleOptions options;
  options.directory = dir_ / "ensemble";
  options.preset = "quick";
  options.base = preset("quick");
  fs::create_directories(options.directory);
  for (const char* name : {"seed-1", "seed-2"})
    io::write_file_atomic(options.directory / name, "x");
  SerialCommunicator world;
  Observer quiet;
  const auto result = run_ensemble(seed_members(options.base, {1, 2}), options, world, quiet);
  EXPECT_EQ(result.failed, 2u);
  ASSERT_EQ(result.members.size(), 2u);
  EXPECT_EQ(result.members[1].status, MemberOutcome::Status::failed);
  EXPECT_NE(result.members[1].error.find("seed-2"), std::string::npos) << result.members[1].error;
  const auto doc = nlohmann::json::parse(io::read_file(options.directory / "ensemble.json"));
  EXPECT_EQ(doc["failed"].size(), 2u);
  EXPECT_EQ(doc["succeeded"], 0);
  EXPECT_TRUE(fs::exists(options.directory / "ensemble.html"));
}

TEST_F(EnsembleRun, ARankRunsOnlyItsOwnMembers) {
  EnsembleOptions options;
  options.directory = dir_ / "ensemble";
  options.base = preset("quick");
  fs::create_directories(options.directory);
  for (const char* name : {"seed-1", "seed-2", "seed-3", "seed-4"})
    io::write_file_atomic(options.directory / name, "x");  // fail at once wherever run
  OneRankOf world(1, 3);
  Observer quiet;
  const auto result = run_ensemble(seed_members(options.base, {1, 2, 3, 4}), options, world, quiet);
  ASSERT_EQ(result.members.size(), 1u);  // members 1 (seed-2) only: 1 mod 3
  EXPECT_EQ(result.members[0].name, "seed-2");
  EXPECT_EQ(result.members[0].rank, 1);
  EXPECT_FALSE(fs::exists(options.directory / "ensemble.json")) << "written by rank 0 only";
}

TEST_F(EnsembleRun, RefusesMoreRanksThanMembersAndAnUnwritableDirectory) {
  EnsembleOptions options;
  options.directory = dir_ / "ensemble";
  options.base = preset("quick");
  Observer quiet;
  OneRankOf three(0, 3);
  try {
    run_ensemble(seed_members(options.base, {1, 2}), options, three, quiet);
    ADD_FAILURE() << "2 members on 3 ranks were accepted";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.key(), "seeds");
    EXPECT_NE(std::string(e.what()).find("3 ranks"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(fs::exists(options.directory)) << "nothing written";

  io::write_file_atomic(dir_ / "file", "x");
  options.directory = dir_ / "file" / "ensemble";
  SerialCommunicator one;
  try {
    run_ensemble(seed_members(options.base, {1}), options, one, quiet);
    ADD_FAILURE() << "a directory under a file was accepted";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.key(), "directory");
  }
}

TEST_F(EnsembleRun, RunCompleteNeedsTheSameConfigurationAndTheLastWrites) {
  const fs::path run = dir_ / "run";
  ExperimentConfig config = preset("quick");
  EXPECT_FALSE(run_complete(run, config));
  fs::create_directories(run);
  nlohmann::json record{{"config", to_json(config)}};
  io::write_file_atomic(run / "config.json", record.dump());
  io::write_file_atomic(run / "report.html", "<html></html>");
  io::write_file_atomic(run / "analysis.json", R"({"layers": []})");
  EXPECT_FALSE(run_complete(run, config)) << "analysis.json without the final stage times";
  io::write_file_atomic(run / "analysis.json", R"({"layers": [], "stage_seconds": []})");
  EXPECT_TRUE(run_complete(run, config));
  config.threads = 7;
  EXPECT_TRUE(run_complete(run, config)) << "the thread count never changes a result";
  config.units_shown = 4;
  EXPECT_FALSE(run_complete(run, config)) << "an analysis key differs";
}

}  // namespace
}  // namespace deeprg::experiment
