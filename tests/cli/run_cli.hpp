#pragma once
// Runs the deeprg binary for end-to-end tests and gives each test its own scratch directory.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <string>

namespace deeprg::testing {

struct CliResult {
  int code;            ///< exit status, -1 when the process did not exit normally
  std::string output;  ///< stdout, plus stderr when merged
};

/// Runs a shell command line: its exit code and standard output.
inline CliResult run_shell(const std::string& command) {
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) return {-1, "popen failed"};
  std::string output;
  char buffer[4096];
  while (const std::size_t n = fread(buffer, 1, sizeof buffer, pipe)) output.append(buffer, n);
  const int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
}

/// Runs `deeprg ARGS` through the shell; stderr is merged into the output or discarded.
inline CliResult run_cli(const std::string& args, bool merge_stderr = true) {
  return run_shell(std::string(DEEPRG_CLI_PATH) + " " + args +
                   (merge_stderr ? " 2>&1" : " 2>/dev/null"));
}

#ifdef DEEPRG_MPIEXEC
inline constexpr bool kHaveMpi = true;
#define DEEPRG_MPIEXEC_PATH DEEPRG_MPIEXEC
#else
inline constexpr bool kHaveMpi = false;
#define DEEPRG_MPIEXEC_PATH ""
#endif

#define REQUIRE_MPI()               \
  if (!::deeprg::testing::kHaveMpi) \
  GTEST_SKIP() << "deeprg was built without MPI (apt-get install libopenmpi-dev)"

/// `deeprg ARGS` on `ranks` MPI ranks, stderr merged. CI runs as root, which Open MPI refuses
/// unless told; this machine has fewer cores than some tests' ranks.
inline CliResult run_mpi(int ranks, const std::string& args) {
  const std::string env =
      "OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 "
      "OMPI_MCA_rmaps_base_oversubscribe=1 ASAN_OPTIONS=detect_leaks=0 ";
  return run_shell(env + DEEPRG_MPIEXEC_PATH + " --oversubscribe -np " + std::to_string(ranks) +
                   " " + DEEPRG_CLI_PATH + " " + args + " 2>&1");
}

/// A fixture with a fresh scratch directory named after the test, removed afterwards.
class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = std::filesystem::temp_directory_path() /
           ("deeprg_" + std::string(info->test_suite_name()) + "_" + info->name() + "_" +
            std::to_string(::getpid()));  // two suites running at once must not share it
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }

  std::filesystem::path dir_;
};

}  // namespace deeprg::testing
