#include "deeprg/core/blas.hpp"

#include <cblas.h>

#include "deeprg/core/matmul.hpp"

namespace deeprg {

nlohmann::json to_json(const BlasInfo& blas) {
  return {{"config", blas.config}, {"core", blas.core}, {"matmul", blas.matmul}};
}

BlasInfo blas_info() {
  const char* config = openblas_get_config();
  const char* core = openblas_get_corename();
  return {config ? config : "", core ? core : "", matmul_kernel()};
}

void use_single_threaded_blas() noexcept { openblas_set_num_threads(1); }

SingleThreadedBlas::SingleThreadedBlas() noexcept : previous_(openblas_get_num_threads()) {
  openblas_set_num_threads(1);
}

SingleThreadedBlas::~SingleThreadedBlas() { openblas_set_num_threads(previous_); }

}  // namespace deeprg
