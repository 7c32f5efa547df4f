#pragma once
/// Parallel loops over independent work items. Each item must draw its randomness from its own
/// stream (see rng.hpp), so the result is the same for any thread count.
#include <cstddef>
#include <functional>

namespace deeprg {

/// Number of threads to use when the caller asks for 0 ("all"): the hardware concurrency.
int default_thread_count() noexcept;

/// Runs body(i) for i in [0, n) on up to `threads` threads (0 = all cores). Items are handed
/// out dynamically. The first exception thrown by any item is rethrown here after all threads
/// have stopped; remaining items are skipped.
void parallel_for(std::size_t n, int threads, const std::function<void(std::size_t)>& body);

}  // namespace deeprg
