#pragma once
/// BLAS threading policy. deeprg parallelises its own hot loops over fixed blocks of work, so
/// that results do not depend on the thread count; OpenBLAS's internal threading would both
/// change the bits of some products with its thread count and spin idle threads against ours.

namespace deeprg {

/// Makes OpenBLAS run every call on the calling thread. The command-line tool calls this once
/// at start-up; library users who want bit-reproducible results across machines' core counts
/// should do the same.
void use_single_threaded_blas() noexcept;

/// Runs OpenBLAS single-threaded while alive, restoring the previous setting afterwards (a
/// process-wide setting): for library calls whose bits must not depend on the core count.
class SingleThreadedBlas {
 public:
  SingleThreadedBlas() noexcept;
  ~SingleThreadedBlas();
  SingleThreadedBlas(const SingleThreadedBlas&) = delete;
  SingleThreadedBlas& operator=(const SingleThreadedBlas&) = delete;

 private:
  int previous_;
};

}  // namespace deeprg
