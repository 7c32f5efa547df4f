#pragma once
/// BLAS threading policy and provenance. deeprg parallelises its own hot loops over fixed blocks of
/// work, so that results do not depend on the thread count; OpenBLAS's internal threading would
/// both change the bits of some products with its thread count and spin idle threads against ours.

#include <nlohmann/json.hpp>
#include <string>

namespace deeprg {

/// The BLAS this process runs, for the provenance of outputs. Kernels round differently (OpenBLAS
/// picks one per CPU, or takes OPENBLAS_CORETYPE), and training amplifies a last-bit difference
/// into another network of the same statistics: a run is bit-reproducible on the same kernel.
struct BlasInfo {
  std::string config;  ///< openblas_get_config(): version and build options
  std::string core;    ///< openblas_get_corename(): the kernel family in use, e.g. "Haswell"
  std::string matmul;  ///< matmul_kernel(): what multiplies in training, e.g. "oneDNN 2.6.3 (…)"
};
BlasInfo blas_info();
/// {"config", "core", "matmul"}: the provenance entry "blas" of config.json, models and
/// analysis.json.
nlohmann::json to_json(const BlasInfo& blas);

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
