#include "deeprg/core/parallel.hpp"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <mutex>
#include <thread>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif
#include <vector>

namespace deeprg {

int default_thread_count() noexcept {
  const unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : static_cast<int>(n);
}

namespace {

/// Threads that live for the whole process and run one loop at a time, so that a loop costs a
/// wake-up (a few µs) instead of starting and joining threads (~40 µs); training calls
/// parallel_for several times per mini-batch. A second loop while one runs (a nested loop, or
/// a loop from another thread) is refused, and its caller starts threads of its own.
class WorkerPool {
 public:
  static WorkerPool& instance() {
    static WorkerPool pool;
    return pool;
  }

  /// Runs `work` on `helpers` pool threads and the caller, and returns when all have returned.
  /// Returns false, having run nothing, when the pool is busy.
  bool run(std::size_t helpers, const std::function<void()>& work) {
    bool expected = false;
    if (!busy_.compare_exchange_strong(expected, true, std::memory_order_acquire)) return false;
    // Frees the pool on every way out, a failed thread start included.
    struct Release {
      std::atomic<bool>& busy;
      ~Release() { busy.store(false, std::memory_order_release); }
    } release{busy_};
    {
      std::lock_guard lock(mutex_);
      while (threads_.size() < helpers) {
        const std::size_t index = threads_.size();
        threads_.emplace_back([this, index] { serve(index); });
      }
      work_ = &work;
      helpers_ = helpers;
      pending_ = helpers;
      ++generation_;
    }
    wake_.notify_all();
    work();
    spin_until([this] { return pending_.load(std::memory_order_acquire) == 0; });
    {
      std::unique_lock lock(mutex_);
      done_.wait(lock, [this] { return pending_ == 0; });
      work_ = nullptr;
    }
    return true;
  }

  ~WorkerPool() {
    {
      std::lock_guard lock(mutex_);
      stop_ = true;
    }
    wake_.notify_all();
    for (std::thread& thread : threads_) thread.join();
  }

 private:
  WorkerPool() = default;

  /// Polls `ready` for a while before the caller sleeps on a condition variable: the next loop
  /// of a training batch usually follows within microseconds, and a futex wake-up costs tens.
  template <class Ready>
  static void spin_until(Ready ready) {
    for (int i = 0; i < 100000 && !ready(); ++i) {
#if defined(__x86_64__) || defined(__i386__)
      _mm_pause();  // ~2 ms in all: long enough for the next loop of a batch, short when idle
#else
      std::this_thread::yield();
#endif
    }
  }

  void serve(std::size_t index) {
    // A thread is created inside run() with the lock held, so the first generation it sees is
    // the loop it was created for.
    std::uint64_t seen = 0;
    for (;;) {
      spin_until([&] { return generation_.load(std::memory_order_acquire) != seen; });
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [&] { return stop_ || generation_ != seen; });
      if (stop_) return;
      seen = generation_;
      if (index >= helpers_) continue;  // this loop needs fewer threads
      const std::function<void()>* work = work_;
      lock.unlock();
      (*work)();  // never throws: parallel_for's work catches everything
      lock.lock();
      if (--pending_ == 0) done_.notify_one();
    }
  }

  std::atomic<bool> busy_{false};
  std::mutex mutex_;
  std::condition_variable wake_, done_;
  std::vector<std::thread> threads_;
  const std::function<void()>* work_ = nullptr;
  std::size_t helpers_ = 0;
  std::atomic<std::size_t> pending_{0};
  std::atomic<std::uint64_t> generation_{0};
  bool stop_ = false;
};

}  // namespace

void parallel_for(std::size_t n, int threads, const std::function<void(std::size_t)>& body) {
  if (threads <= 0) threads = default_thread_count();
  const std::size_t workers = std::min<std::size_t>(static_cast<std::size_t>(threads), n);
  if (workers <= 1) {
    for (std::size_t i = 0; i < n; ++i) body(i);
    return;
  }
  std::atomic<std::size_t> next{0};
  std::atomic<bool> failed{false};
  std::exception_ptr error;
  std::mutex error_mutex;
  const std::function<void()> work = [&] {
    for (;;) {
      if (failed.load(std::memory_order_relaxed)) return;
      const std::size_t i = next.fetch_add(1, std::memory_order_relaxed);
      if (i >= n) return;
      try {
        body(i);
      } catch (...) {
        std::lock_guard lock(error_mutex);
        if (!error) error = std::current_exception();
        failed = true;
      }
    }
  };
  if (!WorkerPool::instance().run(workers - 1, work)) {
    std::vector<std::thread> own;
    own.reserve(workers - 1);
    for (std::size_t t = 1; t < workers; ++t) own.emplace_back(work);
    work();
    for (std::thread& thread : own) thread.join();
  }
  if (error) std::rethrow_exception(error);
}

}  // namespace deeprg
