// End-to-end sampling speed: the paper's data set, 20,000 independent 40x40 samples at
// K = 0.408, with automatic spacing (pilot + thermalisation + sampling), on all cores.
#include <benchmark/benchmark.h>

#include "deeprg/mc/sampler.hpp"

namespace {

void BM_PaperSamples(benchmark::State& state) {
  deeprg::ising::Model model;
  model.lattice = deeprg::ising::Lattice::square(40, 40);
  model.T = 1 / 0.408;
  deeprg::mc::SamplerOptions options;
  options.algorithm = static_cast<deeprg::mc::Algorithm>(state.range(0));
  options.samples = 20000;
  options.threads = static_cast<int>(state.range(1));
  deeprg::mc::SamplerReport report;
  for (auto _ : state) {
    auto samples = deeprg::mc::sample(model, options, &report);
    benchmark::DoNotOptimize(samples.spins.data());
  }
  state.counters["tau_int"] = report.tau_int;
  state.counters["spacing"] = static_cast<double>(report.spacing);
  state.SetLabel(deeprg::mc::to_string(options.algorithm));
}

BENCHMARK(BM_PaperSamples)
    ->ArgsProduct({{static_cast<int>(deeprg::mc::Algorithm::wolff),
                    static_cast<int>(deeprg::mc::Algorithm::swendsen_wang),
                    static_cast<int>(deeprg::mc::Algorithm::metropolis)},
                   {1, 2}})
    ->Unit(benchmark::kSecond)
    ->Iterations(1)
    ->Repetitions(3)
    ->ReportAggregatesOnly(true)
    ->UseRealTime();

}  // namespace
