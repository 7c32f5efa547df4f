#pragma once
// Helpers shared by test suites of several layers.
#include <cstdint>
#include <string>

#include "deeprg/core/error.hpp"
#include "deeprg/io/spin_file.hpp"
#include "deeprg/mc/sampler.hpp"

namespace deeprg::testing {

/// The key of the ConfigError that `f` throws, or "<no ConfigError>".
template <class F>
std::string config_error_key(F&& f) {
  try {
    f();
  } catch (const ConfigError& e) {
    return e.key();
  }
  return "<no ConfigError>";
}

/// `count` equilibrium samples of the l×l Ising torus at reduced coupling K (J = 1, h = 0).
inline io::SpinSamples equilibrium_samples(int l, double K, std::size_t count, std::uint64_t seed,
                                           mc::Algorithm algorithm = mc::Algorithm::wolff) {
  ising::Model model;
  model.lattice = ising::Lattice::square(l, l);
  model.T = 1.0 / K;
  mc::SamplerOptions options;
  options.algorithm = algorithm;
  options.samples = count;
  options.seed = seed;
  return mc::sample(model, options);
}

}  // namespace deeprg::testing
