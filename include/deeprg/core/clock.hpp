#pragma once
// Wall-clock time for progress, ETAs and the stage times a run records; never for results.
#include <chrono>

namespace deeprg {

/// Seconds from `start` to now on the steady clock.
inline double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace deeprg
