#include "deeprg/core/parallel.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <numeric>
#include <set>
#include <stdexcept>
#include <thread>
#include <vector>

namespace deeprg {
namespace {

// Each item runs exactly once, for any thread count (more threads than items and than cores
// included), and on more than one thread when asked.
TEST(ParallelFor, RunsEveryItemOnce) {
  for (const int threads : {0, 1, 2, 3, 8}) {
    for (const std::size_t n : {0u, 1u, 2u, 7u, 1000u}) {
      std::vector<std::atomic<int>> runs(n);
      parallel_for(n, threads, [&](std::size_t i) { ++runs[i]; });
      for (std::size_t i = 0; i < n; ++i)
        ASSERT_EQ(runs[i].load(), 1) << "item " << i << " of " << n << ", threads " << threads;
    }
  }
}

TEST(ParallelFor, UsesTheThreadsItIsGiven) {
  // Items wait until a second thread has joined, so a serial loop would never finish them all
  // (the wait is bounded, and the count of distinct threads tells).
  std::atomic<int> started{0};
  std::mutex mutex;
  std::set<std::thread::id> ids;
  parallel_for(2, 2, [&](std::size_t) {
    ++started;
    for (int spin = 0; spin < 2'000'000 && started.load() < 2; ++spin) std::this_thread::yield();
    std::lock_guard lock(mutex);
    ids.insert(std::this_thread::get_id());
  });
  EXPECT_EQ(ids.size(), 2u);
}

TEST(ParallelFor, RethrowsTheFirstErrorAfterAllThreadsStop) {
  std::atomic<int> runs{0};
  EXPECT_THROW(parallel_for(100, 3,
                            [&](std::size_t i) {
                              ++runs;
                              if (i == 5) throw std::runtime_error("item 5");
                            }),
               std::runtime_error);
  // Every thread has stopped when the error arrives: nothing runs afterwards.
  const int at_return = runs.load();
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ(runs.load(), at_return);
  // The pool is usable again after an error.
  std::atomic<int> after{0};
  parallel_for(50, 3, [&](std::size_t) { ++after; });
  EXPECT_EQ(after.load(), 50);
}

TEST(ParallelFor, NestedLoopsFinish) {
  std::vector<std::atomic<int>> cells(8 * 16);
  parallel_for(8, 2, [&](std::size_t i) {
    parallel_for(16, 2, [&](std::size_t j) { ++cells[i * 16 + j]; });
  });
  for (const auto& c : cells) EXPECT_EQ(c.load(), 1);
}

TEST(ParallelFor, LoopsFromSeveralThreadsAtOnceFinish) {
  // Only one loop at a time has the shared worker threads; the others start their own.
  std::vector<std::thread> callers;
  std::vector<long long> sums(4, 0);
  for (std::size_t c = 0; c < sums.size(); ++c)
    callers.emplace_back([&, c] {
      for (int repeat = 0; repeat < 200; ++repeat) {
        std::vector<long long> part(64, 0);
        parallel_for(part.size(), 2, [&](std::size_t i) { part[i] = static_cast<long long>(i); });
        sums[c] += std::accumulate(part.begin(), part.end(), 0LL);
      }
    });
  for (auto& t : callers) t.join();
  for (const long long s : sums) EXPECT_EQ(s, 200LL * (63 * 64 / 2));
}

}  // namespace
}  // namespace deeprg
