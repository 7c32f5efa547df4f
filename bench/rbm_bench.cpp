// RBM training speed: one CD-1 epoch of a 1600 → 400 RBM (the paper's 40×40 lattice) on
// 20,000 random ±1 samples with mini-batches of 100, against the bare GEMM floor: the four
// sgemm calls per batch that any CD-1 implementation needs (up, down, up, and the weight
// gradient as one product with inner dimension 2·batch), i.e. 5 · 100·1600·400 multiply-adds
// per batch, with OpenBLAS threading itself. Run with OPENBLAS_CORETYPE=Haswell to compare
// OpenBLAS's AVX2 kernels with the AVX-512 ones it picks on this CPU.
#include <benchmark/benchmark.h>
#include <cblas.h>

#include "deeprg/core/matmul.hpp"
#include "deeprg/core/rng.hpp"
#include "deeprg/rbm/train.hpp"

namespace {

constexpr std::size_t kSamples = 20000, kVisible = 1600, kHidden = 400, kBatch = 100;

const deeprg::MatrixF& data() {
  static const deeprg::MatrixF d = [] {
    deeprg::MatrixF m(kSamples, kVisible);
    deeprg::Rng rng(2024);
    for (auto& x : m.data) x = (rng() >> 63) ? 1.0f : -1.0f;
    return m;
  }();
  return d;
}

void BM_Cd1Epoch(benchmark::State& state) {
  deeprg::rbm::TrainOptions options;
  options.epochs = 1;
  options.batch_size = kBatch;
  options.k = 1;
  options.persistent = state.range(1) != 0;
  options.threads = static_cast<int>(state.range(0));
  options.precision = state.range(2) != 0 ? "bf16" : "fp32";
  const auto& d = data();
  for (auto _ : state) {
    auto rbm = deeprg::rbm::train_rbm(d, kHidden, deeprg::rbm::Units::spin,
                                      deeprg::rbm::Units::bernoulli, options);
    benchmark::DoNotOptimize(rbm.W.data.data());
  }
  state.SetLabel(std::string(options.persistent ? "PCD-1 " : "CD-1 ") + options.precision + " " +
                 deeprg::matmul_kernel());
}

BENCHMARK(BM_Cd1Epoch)
    ->ArgsProduct({{1, 2}, {0, 1}, {0, 1}})
    ->ArgNames({"threads", "pcd", "bf16"})
    ->Unit(benchmark::kSecond)
    ->Iterations(1)
    ->Repetitions(3)
    ->ReportAggregatesOnly(true)
    ->UseRealTime();

/// The paper's upper layers, 400 → 100 and 100 → 25, and 800 → 200 between them (bernoulli
/// units, 20,000 rows): their products take microseconds, so what matters is the cost of
/// sharing them between threads.
void BM_Cd1EpochUpperLayer(benchmark::State& state) {
  const auto nv = static_cast<std::size_t>(state.range(0));
  const auto nh = nv / 4;
  deeprg::MatrixF d(kSamples, nv);
  deeprg::Rng rng(2025);
  for (auto& x : d.data) x = static_cast<float>(rng() >> 63);
  deeprg::rbm::TrainOptions options;
  options.epochs = 1;
  options.batch_size = kBatch;
  options.threads = static_cast<int>(state.range(1));
  options.precision = state.range(2) != 0 ? "bf16" : "fp32";
  for (auto _ : state) {
    auto rbm = deeprg::rbm::train_rbm(d, nh, deeprg::rbm::Units::bernoulli,
                                      deeprg::rbm::Units::bernoulli, options);
    benchmark::DoNotOptimize(rbm.W.data.data());
  }
}

BENCHMARK(BM_Cd1EpochUpperLayer)
    ->ArgsProduct({{800, 400, 100}, {1, 2}, {0, 1}})
    ->ArgNames({"visible", "threads", "bf16"})
    ->Unit(benchmark::kMillisecond)
    ->Iterations(1)
    ->Repetitions(5)
    ->ReportAggregatesOnly(true)
    ->UseRealTime();

/// The GEMM floor: only the products of one CD-1 epoch, on OpenBLAS's own threads.
void BM_GemmFloor(benchmark::State& state) {
  const int threads = static_cast<int>(state.range(0));
  const int previous = openblas_get_num_threads();
  openblas_set_num_threads(threads);
  const int b = kBatch, nv = kVisible, nh = kHidden;
  std::vector<float> vv(2 * kBatch * kVisible, 1.0f), pp(2 * kBatch * kHidden, 0.5f),
      w(kVisible * kHidden, 0.01f), dw(kVisible * kHidden, 0.0f);
  for (auto _ : state) {
    for (std::size_t batch = 0; batch < kSamples / kBatch; ++batch) {
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, b, nh, nv, 1.0f, vv.data(), nv,
                  w.data(), nh, 0.0f, pp.data(), nh);
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, b, nv, nh, 1.0f, pp.data(), nh, w.data(),
                  nh, 0.0f, vv.data() + b * nv, nv);
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, b, nh, nv, 1.0f, vv.data() + b * nv,
                  nv, w.data(), nh, 0.0f, pp.data() + b * nh, nh);
      cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, nv, nh, 2 * b, 1e-3f, vv.data(), nv,
                  pp.data(), nh, 0.9f, dw.data(), nh);
    }
    benchmark::DoNotOptimize(dw.data());
  }
  openblas_set_num_threads(previous);
  state.SetLabel(std::string("blas core ") + openblas_get_corename());
}

BENCHMARK(BM_GemmFloor)
    ->Arg(1)
    ->Arg(2)
    ->ArgName("blas_threads")
    ->Unit(benchmark::kSecond)
    ->Iterations(1)
    ->Repetitions(3)
    ->ReportAggregatesOnly(true)
    ->UseRealTime();

}  // namespace
