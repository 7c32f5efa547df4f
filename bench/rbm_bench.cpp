// RBM training speed: one CD-1 epoch (the trainer's own time, after its setup) of a 1600 → 400
// RBM (the paper's 40×40 lattice) on 20,000 random ±1 samples with mini-batches of 100, against
// the bare GEMM floor: the four
// sgemm calls per batch that any CD-1 implementation needs (up, down, up, and the weight
// gradient as one product with inner dimension 2·batch), i.e. 5 · 100·1600·400 multiply-adds
// per batch, with OpenBLAS threading itself; and against training's own floor, the same four
// products on the kernel training uses (oneDNN where the CPU has AVX-512: fp32 and bf16) in its
// fixed blocks. Each epoch benchmark runs with fp32 and bf16 products (bf16:0/1).
#include <benchmark/benchmark.h>
#include <cblas.h>

#include <array>
#include <vector>

#include "deeprg/core/matmul.hpp"
#include "deeprg/core/parallel.hpp"
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
  // The time is the epoch's own, as the trainer measures it: without train_rbm's one-time
  // setup (data checks, initialisation: ~0.25 s here, once per layer of a 200-epoch run) and
  // without the per-epoch metrics, like PyTorch's loop after its warm-up epoch.
  double epoch_seconds = 0;
  options.on_epoch = [&](const deeprg::rbm::EpochMetrics& m) { epoch_seconds = m.seconds; };
  const auto& d = data();
  for (auto _ : state) {
    auto rbm = deeprg::rbm::train_rbm(d, kHidden, deeprg::rbm::Units::spin,
                                      deeprg::rbm::Units::bernoulli, options);
    benchmark::DoNotOptimize(rbm.W.data.data());
    state.SetIterationTime(epoch_seconds);
  }
  state.SetLabel(std::string(options.persistent ? "PCD-1 " : "CD-1 ") + options.precision +
                 " matmul " + deeprg::matmul_kernel() + " blas core " + openblas_get_corename());
}

BENCHMARK(BM_Cd1Epoch)
    ->ArgsProduct({{1, 2}, {0, 1}, {0, 1}})
    ->ArgNames({"threads", "pcd", "bf16"})
    ->Unit(benchmark::kSecond)
    ->Iterations(1)
    ->Repetitions(3)
    ->ReportAggregatesOnly(true)
    ->UseManualTime();

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
  double epoch_seconds = 0;  // the epoch's own time, as in BM_Cd1Epoch
  options.on_epoch = [&](const deeprg::rbm::EpochMetrics& m) { epoch_seconds = m.seconds; };
  for (auto _ : state) {
    auto rbm = deeprg::rbm::train_rbm(d, nh, deeprg::rbm::Units::bernoulli,
                                      deeprg::rbm::Units::bernoulli, options);
    benchmark::DoNotOptimize(rbm.W.data.data());
    state.SetIterationTime(epoch_seconds);
  }
}

BENCHMARK(BM_Cd1EpochUpperLayer)
    ->ArgsProduct({{800, 400, 100}, {1, 2}, {0, 1}})
    ->ArgNames({"visible", "threads", "bf16"})
    ->Unit(benchmark::kMillisecond)
    ->Iterations(1)
    ->Repetitions(5)
    ->ReportAggregatesOnly(true)
    ->UseManualTime();

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

/// The floor of training's own products: the four products of each CD-1 batch as the trainer
/// runs them (Matmul, two fixed row blocks each, one per thread), without the elementwise work.
void BM_MatmulFloor(benchmark::State& state) {
  const int threads = static_cast<int>(state.range(0));
  const auto precision = state.range(1) != 0 ? deeprg::Precision::bf16 : deeprg::Precision::fp32;
  const std::size_t b = kBatch, nv = kVisible, nh = kHidden, half = kBatch / 2;
  using deeprg::Matmul;
  auto pair = [&](const deeprg::MatmulShape& shape, float alpha, float beta) {
    return std::array<Matmul, 2>{Matmul(shape, precision, alpha, beta),
                                 Matmul(shape, precision, alpha, beta)};
  };
  // Wᵀ is stored n_hidden × n_visible, as the trainer holds it.
  const auto up = pair({half, nh, nv, false, true, nv, nv, nh}, 1.0f, 0.0f);
  const auto down = pair({half, nv, nh, false, false, nh, nv, nv}, 1.0f, 0.0f);
  const auto stats = pair({nh / 2, nv, 2 * b, false, false, 2 * b, nv, nv}, 1e-3f, 0.9f);
  auto run = [&](auto zero) {
    using T = decltype(zero);
    std::vector<T> v(2 * b * nv, zero), w(nh * nv, zero), h(b * nh, zero), pt(nh * 2 * b, zero);
    std::vector<float> out(2 * b * nv), vel(nh * nv);
    for (std::size_t batch = 0; batch < kSamples / kBatch; ++batch) {
      deeprg::parallel_for(2, threads, [&](std::size_t k) {
        up[k](v.data() + k * half * nv, w.data(), out.data() + k * half * nh);
      });
      deeprg::parallel_for(2, threads, [&](std::size_t k) {
        down[k](h.data() + k * half * nh, w.data(), out.data() + k * half * nv);
      });
      deeprg::parallel_for(2, threads, [&](std::size_t k) {
        up[k](v.data() + (b + k * half) * nv, w.data(), out.data() + k * half * nh);
      });
      deeprg::parallel_for(2, threads, [&](std::size_t k) {
        stats[k](pt.data() + k * (nh / 2) * 2 * b, v.data(), vel.data() + k * (nh / 2) * nv);
      });
    }
    benchmark::DoNotOptimize(vel.data());
  };
  for (auto _ : state) {
    if (precision == deeprg::Precision::bf16)
      run(deeprg::Bf16{});
    else
      run(0.0f);
  }
  state.SetLabel(deeprg::to_string(precision) + " matmul " + deeprg::matmul_kernel());
}

BENCHMARK(BM_MatmulFloor)
    ->ArgsProduct({{1, 2}, {0, 1}})
    ->ArgNames({"threads", "bf16"})
    ->Unit(benchmark::kSecond)
    ->Iterations(1)
    ->Repetitions(3)
    ->ReportAggregatesOnly(true)
    ->UseRealTime();

}  // namespace
