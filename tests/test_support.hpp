#pragma once
// Helpers shared by test suites of several layers.
#include <cmath>
#include <cstdint>
#include <string>

#include "deeprg/core/error.hpp"
#include "deeprg/io/spin_file.hpp"
#include "deeprg/mc/sampler.hpp"
#include "deeprg/rbm/rbm.hpp"

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

/// An RBM whose marginal p(v) is exactly the Ising distribution at coupling K on the L × L
/// torus: one spin hidden unit per bond ⟨ij⟩ with weight w to both of its sites and no biases,
/// so Σ_h e^{w h (s_i + s_j)} = 2 cosh(w (s_i + s_j)) ∝ e^{K s_i s_j} when cosh 2w = e^{2K}.
/// Its Gibbs chain is an exact sampler of the model: equilibrium samples stay in equilibrium.
inline rbm::Rbm ising_rbm(int L, double K) {
  const auto n = static_cast<std::size_t>(L * L);
  rbm::Rbm m(n, 2 * n, rbm::Units::spin, rbm::Units::spin);
  const auto w = static_cast<float>(0.5 * std::acosh(std::exp(2 * K)));
  for (int y = 0; y < L; ++y)
    for (int x = 0; x < L; ++x) {
      const std::size_t i = static_cast<std::size_t>(y * L + x);
      m.W(i, 2 * i) = w;  // right bond
      m.W(static_cast<std::size_t>(y * L + (x + 1) % L), 2 * i) = w;
      m.W(i, 2 * i + 1) = w;  // down bond
      m.W(static_cast<std::size_t>(((y + 1) % L) * L + x), 2 * i + 1) = w;
    }
  return m;
}

}  // namespace deeprg::testing
