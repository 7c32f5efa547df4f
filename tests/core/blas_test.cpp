#include "deeprg/core/blas.hpp"

#include <cblas.h>
#include <gtest/gtest.h>

#include <cctype>
#include <cstdlib>
#include <string>

namespace deeprg {
namespace {

TEST(Blas, InfoNamesTheLibraryAndTheKernelInUse) {
  const BlasInfo info = blas_info();
  EXPECT_NE(info.config.find("OpenBLAS"), std::string::npos) << info.config;
  EXPECT_FALSE(info.core.empty());
  // OPENBLAS_CORETYPE, where set (this workplace sets it on some CPUs), is the kernel it runs.
  if (const char* forced = std::getenv("OPENBLAS_CORETYPE"); forced && *forced) {
    std::string a = forced, b = info.core;
    for (auto* s : {&a, &b})
      for (char& c : *s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    EXPECT_EQ(a, b);
  }
}

TEST(Blas, SingleThreadedBlasRestoresTheThreadCount) {
  const int before = openblas_get_num_threads();
  {
    const SingleThreadedBlas guard;
    EXPECT_EQ(openblas_get_num_threads(), 1);
  }
  EXPECT_EQ(openblas_get_num_threads(), before);
}

}  // namespace
}  // namespace deeprg
