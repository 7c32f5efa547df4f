#include "deeprg/core/blas.hpp"

#include <cblas.h>

namespace deeprg {

void use_single_threaded_blas() noexcept { openblas_set_num_threads(1); }

}  // namespace deeprg
