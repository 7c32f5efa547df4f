# Every dependency comes from Debian's archive; scripts/install-deps.sh installs them all.
# A missing one stops the configure step with the name of the package to install.
macro(deeprg_require pkg apt)
  find_package(${pkg} ${ARGN} QUIET)
  if(NOT ${pkg}_FOUND)
    message(FATAL_ERROR "deeprg: dependency '${pkg}' not found. "
                        "Install it with: sudo apt-get install ${apt}  "
                        "(or run scripts/install-deps.sh)")
  endif()
endmacro()

set(THREADS_PREFER_PTHREAD_FLAG ON)
find_package(Threads REQUIRED)
deeprg_require(nlohmann_json nlohmann-json3-dev)
deeprg_require(CLI11 libcli11-dev)
deeprg_require(ZLIB zlib1g-dev)
deeprg_require(tomlplusplus libtomlplusplus-dev)
set(BLA_VENDOR OpenBLAS)
deeprg_require(BLAS libopenblas-dev)
find_path(DEEPRG_CBLAS_INCLUDE cblas.h PATH_SUFFIXES openblas-pthread openblas)
if(NOT DEEPRG_CBLAS_INCLUDE)
  message(FATAL_ERROR "deeprg: cblas.h not found. Install it with: sudo apt-get install libopenblas-dev")
endif()
# oneDNN: training's products on AVX-512 (fp32 and bf16). Optional: without it (or on CPUs
# without AVX-512) OpenBLAS multiplies and the precision `bf16` is refused.
# (Debian's dnnl-config.cmake asks for OpenCL, which deeprg does not use: find the CPU library.)
find_path(DEEPRG_DNNL_INCLUDE oneapi/dnnl/dnnl.hpp)
find_library(DEEPRG_DNNL_LIBRARY dnnl)
find_package(OpenMP QUIET COMPONENTS CXX)
if(DEEPRG_DNNL_INCLUDE AND DEEPRG_DNNL_LIBRARY AND OpenMP_CXX_FOUND)
  set(DEEPRG_HAVE_ONEDNN ON)
  message(STATUS "deeprg: training products on oneDNN (${DEEPRG_DNNL_LIBRARY}) where the CPU "
                 "has AVX-512")
else()
  set(DEEPRG_HAVE_ONEDNN OFF)
  message(STATUS "deeprg: oneDNN not found (apt-get install libdnnl-dev): products on OpenBLAS, "
                 "no bf16 training")
endif()
# glibc's vector math (libmvec): the sums of softplus terms in free energies and
# pseudo-likelihoods, 8 at a time. Optional: scalar libm otherwise.
find_library(DEEPRG_MVEC_LIBRARY mvec)
if(DEEPRG_BUILD_TESTS)
  deeprg_require(GTest libgtest-dev)
  # The image-figure tests read the PNGs back to check their pixels.
  deeprg_require(PNG libpng-dev)
endif()
if(DEEPRG_BUILD_BENCH)
  deeprg_require(benchmark libbenchmark-dev)
endif()

# Line plots (PNG through the cairo driver).
find_package(PkgConfig QUIET)
if(PkgConfig_FOUND)
  pkg_check_modules(PLPLOT QUIET IMPORTED_TARGET plplot)
endif()
if(NOT PLPLOT_FOUND)
  message(FATAL_ERROR "deeprg: PLplot not found. Install it with: "
                      "sudo apt-get install libplplot-dev plplot-driver-cairo pkg-config")
endif()

# MPI (Open MPI from Debian): `mpirun -np N deeprg run --seeds …` spreads an ensemble's members
# over ranks. Optional: without it (or with -DDEEPRG_WITH_MPI=OFF) an ensemble runs its members
# one after another in one process. Only the command-line tool links MPI (apps/deeprg/mpi_world.cpp
# is the one file that includes mpi.h); the libraries and the Python module never do.
if(DEEPRG_WITH_MPI)
  set(MPI_DETERMINE_LIBRARY_VERSION TRUE)  # the library's name for --version
  find_package(MPI QUIET COMPONENTS CXX)
endif()
if(DEEPRG_WITH_MPI AND MPI_CXX_FOUND)
  set(DEEPRG_HAVE_MPI ON)
  # "Open MPI v4.1.4, package: …" → "Open MPI v4.1.4"
  string(REGEX REPLACE "[,\n].*" "" DEEPRG_MPI_NAME "${MPI_CXX_LIBRARY_VERSION_STRING}")
  if(NOT DEEPRG_MPI_NAME)
    set(DEEPRG_MPI_NAME "MPI ${MPI_CXX_VERSION}")
  endif()
  message(STATUS "deeprg: MPI: ${DEEPRG_MPI_NAME} (${MPIEXEC_EXECUTABLE}): ensembles spread over "
                 "ranks")
else()
  set(DEEPRG_HAVE_MPI OFF)
  set(DEEPRG_MPI_NAME "")
  message(STATUS "deeprg: MPI: not used (apt-get install libopenmpi-dev openmpi-bin, or "
                 "DEEPRG_WITH_MPI=OFF): ensembles run their members in one process")
endif()
