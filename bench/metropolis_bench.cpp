// Single-thread speed of the multispin checkerboard Metropolis kernel at T_c.
//
// Reports `flips_per_ns` (attempted spin updates per nanosecond; one sweep = L² updates) and
// items_processed (= spin updates). The lattice starts hot and is given 100 sweeps before
// timing so that the local structure (and the acceptance pattern) resembles T_c.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <vector>

#include "deeprg/core/rng.hpp"
#include "deeprg/ising/model.hpp"
#include "deeprg/mc/multispin_metropolis.hpp"

namespace {

using deeprg::mc::MultispinMetropolis;

void BM_MultispinMetropolis(benchmark::State& state) {
  const int l = static_cast<int>(state.range(0));
  deeprg::ising::Model model;
  model.lattice = deeprg::ising::Lattice::square(l, l);
  model.T = deeprg::ising::kCriticalTemperature;
  MultispinMetropolis chain(model, 2024, 0);
  std::vector<std::int8_t> spins(model.lattice.sites());
  deeprg::Rng rng(7);
  for (auto& s : spins) s = (rng() & 1) ? 1 : -1;
  chain.set(spins);
  chain.sweeps(100);

  for (auto _ : state) {
    chain.sweep();
    benchmark::ClobberMemory();
  }
  const double updates = static_cast<double>(state.iterations()) * static_cast<double>(l) * l;
  state.SetItemsProcessed(static_cast<std::int64_t>(updates));
  // kIsRate divides by seconds; scale by 1e-9 to get updates per nanosecond.
  state.counters["flips_per_ns"] = benchmark::Counter(updates * 1e-9, benchmark::Counter::kIsRate);
  state.counters["W"] = chain.lane_width();
}
BENCHMARK(BM_MultispinMetropolis)
    ->Arg(64)
    ->Arg(256)
    ->Arg(1024)
    ->Arg(2048)
    ->Unit(benchmark::kMicrosecond);

}  // namespace
