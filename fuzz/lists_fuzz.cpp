// The command line's lists: temperatures and lattice sizes (deeprg scan --T, --L), seeds
// (deeprg run --seeds) and sweeps (--sweep KEY=V1,V2,...), each given the whole input. Each either
// returns a list with the properties its documentation promises or throws ConfigError.
#include <cmath>
#include <cstdlib>
#include <set>
#include <string>

#include "deeprg/experiment/ensemble.hpp"
#include "deeprg/experiment/scan.hpp"
#include "deeprg/mc/statistics.hpp"
#include "fuzz_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace ex = deeprg::experiment;
  using deeprg::fuzz::attempt;
  const std::string text(deeprg::fuzz::bytes_of(data, size));

  if (const auto t = attempt<deeprg::ConfigError>([&] { return ex::parse_temperatures(text); })) {
    std::set<std::string> names;
    for (const double x : *t)
      if (!(x > 0) || !std::isfinite(x) || !names.insert(deeprg::mc::format_number(x)).second)
        std::abort();
    if (t->empty() || t->size() > 10000) std::abort();
  }
  if (const auto l = attempt<deeprg::ConfigError>([&] { return ex::parse_sizes(text); })) {
    const std::set<int> sides(l->begin(), l->end());
    if (l->empty() || l->size() > 100 || sides.size() != l->size() || *sides.begin() < 2 ||
        *sides.rbegin() > 4096)
      std::abort();
  }
  if (const auto s = attempt<deeprg::ConfigError>([&] { return ex::parse_seeds(text); })) {
    const std::set<std::uint64_t> seeds(s->begin(), s->end());
    if (s->empty() || s->size() > 100000 || seeds.size() != s->size() ||
        *seeds.rbegin() > (std::uint64_t{1} << 63) - 1)
      std::abort();
  }
  static const ex::ExperimentConfig paper = ex::preset("paper");
  if (const auto w = attempt<deeprg::ConfigError>([&] { return ex::parse_sweep(text, paper); })) {
    const std::set<std::string> values(w->values.begin(), w->values.end());
    if (w->key.empty() || w->values.empty() || values.size() != w->values.size()) std::abort();
    for (const std::string& v : w->values) {
      if (v.empty() || v.find('/') != std::string::npos) std::abort();
      ex::ExperimentConfig config = paper;
      ex::apply_override(config, w->key + "=" + v);  // accepted once, accepted again
    }
  }
  return 0;
}
