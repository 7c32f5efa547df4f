// Scans of the 2D Ising model over sizes and temperatures: the grid's parsers, each point as the
// sampler, measure, flow and MCRG of its own seed, the exact values, the same bits on 1–3
// in-process ranks, reruns and failures. Real mpirun is in tests/cli/scan_cli_test.cpp.
#include "deeprg/experiment/scan.hpp"

#include <gtest/gtest.h>

#include <unistd.h>
#include <cmath>
#include <filesystem>

#include "../test_support.hpp"
#include "../thread_ranks.hpp"
#include "deeprg/core/error.hpp"
#include "deeprg/io/atomic_file.hpp"
#include "deeprg/ising/model.hpp"
#include "deeprg/mc/crossing.hpp"
#include "deeprg/mc/observables.hpp"
#include "deeprg/mc/sampler.hpp"
#include "deeprg/rg/flow.hpp"
#include "deeprg/rg/mcrg.hpp"

namespace deeprg::experiment {
namespace {

namespace fs = std::filesystem;
using deeprg::testing::config_error_key;

TEST(ParseTemperatures, ReadsNumbersAndInclusiveRangesInOrder) {
  const std::vector<double> t = parse_temperatures("2.0:2.6:0.1, 2.269");
  ASSERT_EQ(t.size(), 8u);
  EXPECT_DOUBLE_EQ(t[0], 2.0);
  EXPECT_NEAR(t[6], 2.6, 1e-12) << "LAST is included despite rounding";
  EXPECT_DOUBLE_EQ(t[7], 2.269);
  EXPECT_EQ(parse_temperatures("2.5,1.5"), (std::vector<double>{2.5, 1.5}));
  EXPECT_EQ(parse_temperatures("3:3:1"), (std::vector<double>{3}));
}

TEST(ParseTemperatures, ARangeGivesTheTemperaturesAsWrittenWhereverItStarts) {
  // 2.1 + 2·0.1 is 2.3000000000000003 in floating point: the same point (directory T=2.3)
  // would get another seed than from 2.0:2.6:0.1 or the list 2.3.
  const double listed = parse_temperatures("2.3")[0];
  EXPECT_EQ(parse_temperatures("2.1:2.6:0.1")[2], listed);
  EXPECT_EQ(parse_temperatures("2.0:2.6:0.1")[3], listed);
  EXPECT_EQ(parse_temperatures("2.0:2.6:0.05")[3], 2.15);
  EXPECT_EQ(point_seed(1, 16, parse_temperatures("2.1:2.6:0.1")[2]), point_seed(1, 16, listed));
}

TEST(ParseTemperatures, RefusesWhatIsNotAListOfTemperaturesNamingT) {
  for (const char* bad : {"", " ", "2.0,,2.1", "a", "2.0x", "0", "-1", "nan", "inf", "2.6:2.0:0.1",
                          "2.0:2.6:0", "2.0:2.6:-0.1", "2.0:2.6", "1:2:3:4", "2.0,2.0000001",
                          "2.0:2.2:0.1,2.1", "1:100000:0.001", "1e-320"})
    EXPECT_EQ(config_error_key([&] { parse_temperatures(bad); }), "T") << "'" << bad << "'";
}

TEST(ParseSizes, ReadsSidesAndRefusesBadOnesNamingL) {
  EXPECT_EQ(parse_sizes("16, 32,8"), (std::vector<int>{16, 32, 8}));
  for (const char* bad : {"", "1", "4097", "16,16", "a", "16.5", "-4", "16,", "99999999999"})
    EXPECT_EQ(config_error_key([&] { parse_sizes(bad); }), "L") << "'" << bad << "'";
}

TEST(PointSeed, DependsOnTheSeedLAndTOnlyAndFitsInARecordedSeed) {
  const std::uint64_t s = point_seed(1, 16, 2.269);
  EXPECT_EQ(s, point_seed(1, 16, 2.269));
  EXPECT_NE(s, point_seed(2, 16, 2.269));
  EXPECT_NE(s, point_seed(1, 32, 2.269));
  EXPECT_NE(s, point_seed(1, 16, 2.2690000001));
  for (const std::uint64_t seed : {0ull, 1ull, ~0ull})
    EXPECT_LT(point_seed(seed, 64, 3.0), std::uint64_t{1} << 63);
  EXPECT_EQ(point_name(16, 2.269), "L=16/T=2.269");
  EXPECT_EQ(point_name(8, 2.0), "L=8/T=2");
}

TEST(ScanOptions, RefusesInvalidOptionsNamingThem) {
  const auto key = [](auto change) {
    ScanOptions o;
    o.sizes = {8};
    o.temperatures = {2.0};
    o.samples = 100;
    change(o);
    return config_error_key([&] { validate(o); });
  };
  EXPECT_EQ(key([](ScanOptions&) {}), "<no ConfigError>");
  EXPECT_EQ(key([](ScanOptions& o) { o.sizes = {}; }), "L");
  EXPECT_EQ(key([](ScanOptions& o) { o.sizes = {8, 8}; }), "L");
  EXPECT_EQ(key([](ScanOptions& o) { o.temperatures = {-1}; }), "T");
  EXPECT_EQ(key([](ScanOptions& o) { o.temperatures = {}; }), "T");
  EXPECT_EQ(key([](ScanOptions& o) { o.samples = 0; }), "samples");
  EXPECT_EQ(key([](ScanOptions& o) {
              o.sizes = {4096};
              o.samples = 2000;
            }),
            "samples");
  EXPECT_EQ(key([](ScanOptions& o) { o.chains = 0; }), "chains");
  EXPECT_EQ(key([](ScanOptions& o) { o.threads = -1; }), "threads");
  EXPECT_EQ(key([](ScanOptions& o) { o.b = 1; }), "b");
  EXPECT_EQ(key([](ScanOptions& o) { o.blocks = 1; }), "blocks");
  EXPECT_EQ(key([](ScanOptions& o) { o.blocks = 101; }), "blocks");
  EXPECT_EQ(key([](ScanOptions& o) { o.mcrg_blocks = 1; }), "mcrg_blocks");
  EXPECT_EQ(key([](ScanOptions& o) { o.algorithm = "glauber"; }), "algorithm");
  EXPECT_EQ(key([](ScanOptions& o) { o.sizes = {5}; }), "b") << "5 allows no block step by 2";
  EXPECT_EQ(key([](ScanOptions& o) {
              o.sizes = {6};
              o.flow = false;
            }),
            "b")
      << "6 allows no MCRG step by 2";
  EXPECT_EQ(key([](ScanOptions& o) {
              o.sizes = {6};
              o.flow = false;
              o.mcrg = false;
            }),
            "<no ConfigError>");
  EXPECT_EQ(key([](ScanOptions& o) {
              o.sizes = {6, 8};
            }),
            "<no ConfigError>")
      << "a size that allows no step leaves only its own flow or MCRG out";
}

class ScanRun : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("deeprg_scan_test_" +
            std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()) + "_" +
            std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  ScanOptions small(const std::string& name) const {
    ScanOptions o;
    o.sizes = {8};
    o.temperatures = {2.0, 2.3, 2.6};
    o.samples = 1000;
    o.directory = dir_ / name;
    return o;
  }

  static nlohmann::json read(const fs::path& path) {
    return nlohmann::json::parse(io::read_file(path));
  }

  fs::path dir_;
};

// The scan adds nothing of its own to the numbers: a point is `deeprg sample` with the point's
// seed, then `measure`, `flow` and `mcrg` of those samples.
TEST_F(ScanRun, EveryPointIsTheSamplerMeasureFlowAndMcrgOfItsSeed) {
  ScanOptions o = small("scan");
  o.sizes = {8, 16};
  o.temperatures = {2.269};
  SerialCommunicator world;
  Observer quiet;
  const ScanResult result = run_scan(o, world, quiet);
  ASSERT_EQ(result.failed, 0u);
  ASSERT_EQ(result.points.size(), 2u);
  const nlohmann::json& point = result.points[1].analysis;
  EXPECT_EQ(result.points[1].name, "L=16/T=2.269");

  ising::Model model;
  model.lattice = ising::Lattice::square(16, 16);
  model.T = 2.269;
  mc::SamplerOptions sampling;
  sampling.samples = o.samples;
  sampling.seed = point_seed(o.seed, 16, 2.269);
  const io::SpinSamples samples = mc::sample(model, sampling);
  EXPECT_EQ(io::read_spins(o.directory / "L=16/T=2.269/samples.npy").spins, samples.spins);
  EXPECT_EQ(point["observables"], mc::to_json(mc::measure(model, samples.spins, samples.count)));
  rg::BlockSpinOptions block;
  block.seed = sampling.seed;
  EXPECT_EQ(point["flow"], rg::to_json(rg::flow(samples, block, 3, 50)));
  rg::McrgOptions mcrg;
  mcrg.levels = 2;  // 16 → 8 → 4: the coarsest side MCRG's couplings allow
  EXPECT_EQ(point["mcrg"], rg::to_json(rg::mcrg(samples, block, mcrg)));
  EXPECT_EQ(read(o.directory / "L=16/T=2.269/point.json"), point);
  EXPECT_EQ(point["sampler"]["seed"], sampling.seed);
}

// The measured energy and specific heat agree with Kaufman's exact values for the finite torus
// within 4 jackknife standard errors, below, near and above T_c.
TEST_F(ScanRun, EnergyAndSpecificHeatAgreeWithTheExactFiniteLattice) {
  ScanOptions o = small("scan");
  o.sizes = {4, 8};
  o.temperatures = {1.8, 2.269, 3.0};
  o.samples = 4000;
  o.mcrg = false;
  SerialCommunicator world;
  Observer quiet;
  const nlohmann::json doc = run_scan(o, world, quiet).summary;
  ASSERT_EQ(doc["points"].size(), 6u);
  for (const auto& p : doc["points"]) {
    SCOPED_TRACE(p["name"].get<std::string>());
    ASSERT_EQ(p["status"], "ok");
    const auto& m = p["observables"];
    const auto& exact = p["exact"];
    EXPECT_NEAR(m["energy_per_spin"].get<double>(), exact["energy_per_spin"].get<double>(),
                4 * m["energy_per_spin_error"].get<double>());
    EXPECT_NEAR(m["specific_heat"].get<double>(), exact["specific_heat_per_spin"].get<double>(),
                4 * m["specific_heat_error"].get<double>());
    EXPECT_TRUE(p["mcrg"].is_null());
  }
  const std::string table = scan_table(doc);
  EXPECT_NE(table.find("E/N exact"), std::string::npos) << table;
  EXPECT_NE(table.find("2.269"), std::string::npos) << table;
}

TEST_F(ScanRun, TheCurvesOfU4AndXiOverLCrossAtTheCriticalTemperature) {
  // At T_c the Binder cumulant and ξ/L do not depend on L, so the curves of L = 8 and 16 cross
  // there up to corrections to scaling, which at these sizes are below 4 of the crossings'
  // errors (with this seed both lie 0.005 ± 0.003 below T_c).
  ScanOptions o = small("scan");
  o.sizes = {16, 8};  // in any order: the crossings pair the sizes by value
  o.temperatures = parse_temperatures("2.31,2.23:2.29:0.02");
  o.samples = 20000;
  o.flow = o.mcrg = o.keep_samples = false;
  SerialCommunicator world;
  Observer quiet;
  const nlohmann::json doc = run_scan(o, world, quiet).summary;
  ASSERT_EQ(doc["crossings"].size(), 2u) << doc["crossings"].dump(1);
  for (const auto& c : doc["crossings"]) {
    SCOPED_TRACE(c.dump());
    EXPECT_EQ(c["L"], (std::vector<int>{8, 16}));
    const double T = c["T"].get<double>(), error = c["T_error"].get<double>();
    EXPECT_GT(error, 0);
    EXPECT_NEAR(T, ising::kCriticalTemperature, 4 * error);
    EXPECT_GE(T, c["between"][0].get<double>());
    EXPECT_LE(T, c["between"][1].get<double>());
  }
  EXPECT_EQ(doc["crossings"][0]["quantity"], "binder_cumulant");
  EXPECT_EQ(doc["crossings"][1]["quantity"], "xi_over_L");
  // The U4 crossing is mc::crossings of the two sizes' points, by increasing T.
  std::vector<double> T;
  std::vector<mc::Estimate> u8, u16;
  for (const double t : {2.23, 2.25, 2.27, 2.29, 2.31}) {
    T.push_back(t);
    for (const auto& p : doc["points"]) {
      if (p["T"].get<double>() != t) continue;
      const mc::Estimate u{p["observables"]["binder_cumulant"].get<double>(),
                           p["observables"]["binder_cumulant_error"].get<double>()};
      (p["L"] == 8 ? u8 : u16).push_back(u);
    }
  }
  const auto direct = mc::crossings(T, u8, u16);
  ASSERT_EQ(direct.size(), 1u);
  EXPECT_EQ(doc["crossings"][0]["T"].get<double>(), direct[0].x);
  EXPECT_EQ(doc["crossings"][0]["T_error"].get<double>(), direct[0].error);
  const std::string table = crossing_table(doc);
  EXPECT_NE(table.find("8/16"), std::string::npos) << table;
  EXPECT_NE(table.find("ξ/L"), std::string::npos) << table;
  EXPECT_TRUE(fs::exists(o.directory / "scan-figures" / "crossings.png"));
}

TEST_F(ScanRun, SameBitsOnOneTwoAndThreeRanks) {
  SerialCommunicator one;
  Observer quiet;
  const ScanResult serial = run_scan(small("one"), one, quiet);
  ASSERT_EQ(serial.failed, 0u);
  const std::string expected = io::read_file(dir_ / "one/scan.json");
  for (const int size : {2, 3}) {
    SCOPED_TRACE(size);
    const std::string name = "ranks" + std::to_string(size);
    testing::ThreadRanks ranks(size);
    const auto failed = ranks.run([&](Communicator& world) {
      Observer silent;
      return run_scan(small(name), world, silent).failed;
    });
    for (const std::size_t f : failed) EXPECT_EQ(f, 0u);
    EXPECT_EQ(io::read_file(dir_ / name / "scan.json"), expected);
    for (const char* point : {"L=8/T=2", "L=8/T=2.3", "L=8/T=2.6"}) {
      EXPECT_EQ(io::read_file(dir_ / name / point / "point.json"),
                io::read_file(dir_ / "one" / point / "point.json"));
      EXPECT_EQ(io::read_file(dir_ / name / point / "samples.npy"),
                io::read_file(dir_ / "one" / point / "samples.npy"));
    }
    const nlohmann::json execution = read(dir_ / name / "scan-run.json");
    EXPECT_EQ(execution["ranks"], size);
    for (std::size_t i = 0; i < 3; ++i)
      EXPECT_EQ(execution["members"][i]["rank"], static_cast<int>(i) % size);
  }
}

TEST_F(ScanRun, ARerunSkipsFinishedPointsRunsNewOnesAndRefusesOtherSettings) {
  SerialCommunicator world;
  Observer quiet;
  ScanOptions o = small("scan");
  o.temperatures = {2.0, 2.6};
  run_scan(o, world, quiet);
  const std::string first = io::read_file(o.directory / "scan.json");
  const ScanResult again = run_scan(o, world, quiet);
  for (const auto& p : again.points) EXPECT_EQ(p.status, MemberOutcome::Status::skipped);
  EXPECT_EQ(io::read_file(o.directory / "scan.json"), first);

  o.temperatures = {2.0, 2.3, 2.6};
  o.threads = 1;  // never changes a result
  const ScanResult more = run_scan(o, world, quiet);
  ASSERT_EQ(more.points.size(), 3u);
  EXPECT_EQ(more.points[0].status, MemberOutcome::Status::skipped);
  EXPECT_EQ(more.points[1].status, MemberOutcome::Status::ran);
  EXPECT_EQ(more.points[2].status, MemberOutcome::Status::skipped);
  run_scan(small("fresh"), world, quiet);
  EXPECT_EQ(io::read_file(o.directory / "scan.json"), io::read_file(dir_ / "fresh/scan.json"))
      << "grown by a rerun, the scan is the scan run at once";

  o.samples = 500;
  try {
    run_scan(o, world, quiet);
    ADD_FAILURE() << "other settings in the same directory were accepted";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.key(), "directory");
    EXPECT_NE(std::string(e.what()).find("samples = 1000"), std::string::npos) << e.what();
  }
}

TEST_F(ScanRun, ARerunThatKeepsSamplesRedoesThePointsWithout) {
  SerialCommunicator world;
  Observer quiet;
  ScanOptions o = small("scan");
  o.temperatures = {2.0, 2.6};
  o.keep_samples = false;
  run_scan(o, world, quiet);
  EXPECT_FALSE(fs::exists(o.directory / "L=8/T=2/samples.npy"));
  o.keep_samples = true;
  const ScanResult kept = run_scan(o, world, quiet);
  for (const auto& p : kept.points) EXPECT_EQ(p.status, MemberOutcome::Status::ran) << p.name;
  run_scan(small("fresh"), world, quiet);
  for (const char* point : {"L=8/T=2", "L=8/T=2.6"})
    EXPECT_EQ(io::read_file(o.directory / point / "samples.npy"),
              io::read_file(dir_ / "fresh" / point / "samples.npy"));
  EXPECT_EQ(run_scan(o, world, quiet).points[0].status, MemberOutcome::Status::skipped);
}

TEST_F(ScanRun, AFailingPointIsRecordedAndTheOthersFinish) {
  ScanOptions o = small("scan");
  fs::create_directories(o.directory / "L=8");
  io::write_file_atomic(o.directory / "L=8" / "T=2.3", "in the way");
  SerialCommunicator world;
  Observer quiet;
  const ScanResult result = run_scan(o, world, quiet);
  EXPECT_EQ(result.failed, 1u);
  ASSERT_EQ(result.points.size(), 3u);
  EXPECT_EQ(result.points[1].status, MemberOutcome::Status::failed);
  EXPECT_NE(result.points[1].error.find("T=2.3"), std::string::npos) << result.points[1].error;
  const nlohmann::json doc = read(o.directory / "scan.json");
  EXPECT_EQ(doc["points"][1]["status"], "failed");
  EXPECT_EQ(doc["points"][2]["status"], "ok");
  EXPECT_TRUE(fs::exists(o.directory / "scan.html"));
  EXPECT_NE(scan_table(doc).find("failed"), std::string::npos);
}

TEST_F(ScanRun, RefusesMoreRanksThanPointsAndAnUnwritableDirectory) {
  ScanOptions o = small("scan");
  o.temperatures = {2.0, 2.6};
  testing::ThreadRanks three(3);
  const auto keys = three.run([&](Communicator& world) {
    Observer quiet;
    return config_error_key([&] { run_scan(o, world, quiet); });
  });
  for (const std::string& k : keys) EXPECT_EQ(k, "ranks");
  EXPECT_FALSE(fs::exists(o.directory)) << "nothing written";

  io::write_file_atomic(dir_ / "file", "x");
  o.directory = dir_ / "file" / "scan";
  SerialCommunicator one;
  Observer quiet;
  EXPECT_EQ(config_error_key([&] { run_scan(o, one, quiet); }), "directory");
}

}  // namespace
}  // namespace deeprg::experiment
