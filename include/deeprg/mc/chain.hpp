#pragma once
/// A Markov chain over Ising configurations: the common face of every sampler.
///
/// Each algorithm (checkerboard Metropolis, heat bath, Wolff, Swendsen–Wang) is a transition
/// kernel that leaves exp(−H/T) invariant. A `sweep()` is the unit of Monte Carlo time:
///   - Metropolis / heat bath: one attempted update of every site (checkerboard order);
///   - Swendsen–Wang: one full cluster decomposition and flip;
///   - Wolff: a fixed number of single-cluster flips, chosen at construction by a short pilot so
///     that a sweep flips about N spins on average. The count is never data-dependent within a
///     run: stopping "once N spins have flipped" would bias the distribution.
///   - Metropolis: a flip with ΔE = 0 is accepted with probability 1/2, not 1; with certain
///     acceptance a checkerboard sweep maps some states (e.g. every site with two up and two
///     down neighbours) onto each other forever, and the chain is not ergodic.
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "deeprg/ising/model.hpp"

namespace deeprg::mc {

enum class Algorithm { metropolis, heatbath, wolff, swendsen_wang };

/// "metropolis", "heatbath", "wolff", "swendsen-wang".
std::string to_string(Algorithm a);
/// Inverse of to_string; throws ConfigError("algorithm") for an unknown name.
Algorithm parse_algorithm(const std::string& name);

class MarkovChain {
 public:
  virtual ~MarkovChain() = default;
  /// Advances the chain by one sweep (see above).
  virtual void sweep() = 0;
  /// Copies the current configuration (row-major ±1, model.lattice.sites() values) into `out`.
  virtual void get(std::span<std::int8_t> out) const = 0;
  /// Replaces the current configuration; values must be ±1.
  virtual void set(std::span<const std::int8_t> spins) = 0;
  /// The model this chain samples.
  virtual const ising::Model& model() const = 0;
};

/// Throws ShapeError unless spins.size() == sites, and ConfigError("spins") naming the first
/// value that is not ±1. The common check of every chain's set() (and size check of get()).
void check_configuration(std::span<const std::int8_t> spins, std::size_t sites, bool values = true);

/// Creates a chain for `algorithm`, starting from the all-up (cold) configuration, drawing its
/// randomness from the stream Rng(seed, stream). Throws ConfigError when the algorithm does not
/// support the model (Wolff and Swendsen–Wang need h = 0; checkerboard updates need even
/// side lengths in 2D and an even length in 1D).
std::unique_ptr<MarkovChain> make_chain(Algorithm algorithm, const ising::Model& model,
                                        std::uint64_t seed, std::uint64_t stream);

}  // namespace deeprg::mc
