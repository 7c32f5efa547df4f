#pragma once
/// Single-spin updates in checkerboard order: Metropolis and heat bath on one int8 per spin.
///
/// A sweep visits the even sublattice ((x + y) even) and then the odd one. On a periodic
/// lattice with even side lengths the two sublattices are independent sets of the interaction
/// graph, so every update within a half-sweep sees fixed neighbours; an odd side would make a
/// site its own sublattice's neighbour and the order would no longer be a checkerboard.
///
/// Both rules flip spin s_i with a probability that depends only on (σ_i, s_i), where
/// σ_i = Σ_{j nn i} s_j is the local neighbour sum (−2..2 in 1D, −4..4 in 2D; doubled bonds of
/// a side-2 torus count twice, as in ising::energy). The probabilities are tabulated once at
/// construction as 53-bit integer thresholds, so an update costs one table look-up and at most
/// one random number.
#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "deeprg/core/rng.hpp"
#include "deeprg/ising/model.hpp"
#include "deeprg/mc/chain.hpp"

namespace deeprg::mc {

/// Local update rule of a checkerboard sweep.
enum class LocalRule {
  /// Flip with probability min(1, exp(−βΔE)), ΔE = 2 s_i (J σ_i + h), except ΔE = 0 moves,
  /// which are accepted with probability 1/2 (see CheckerboardMetropolis).
  metropolis,
  /// Set s_i = +1 with probability 1 / (1 + exp(−2β(J σ_i + h))), else −1.
  heat_bath,
};

/// Checkerboard sweep of single-spin updates with either LocalRule, on a chain (even L) or a
/// torus (even Lx and Ly), any J and h. Starts from all +1; randomness from Rng(seed, stream).
class CheckerboardChain : public MarkovChain {
 public:
  /// Throws ConfigError from Model::validate, ConfigError("L") for odd Lx and ConfigError("Ly")
  /// for odd Ly in 2D.
  CheckerboardChain(LocalRule rule, const ising::Model& model, std::uint64_t seed,
                    std::uint64_t stream);

  /// One attempted update of every site: even sublattice, then odd sublattice.
  void sweep() override;
  void get(std::span<std::int8_t> out) const override;
  /// Throws ShapeError for a wrong size and ConfigError("spins") for a value other than ±1.
  void set(std::span<const std::int8_t> spins) override;
  const ising::Model& model() const override { return model_; }
  LocalRule rule() const noexcept { return rule_; }

 private:
  template <bool TwoD>
  void half_sweep(int parity);

  LocalRule rule_;
  ising::Model model_;
  Rng rng_;
  std::vector<std::int8_t> spins_;
  /// flip_[2·(σ + z) + (s > 0)] = P(flip) · 2^53 rounded up (z = coordination number); a value
  /// of 2^53 means "always", for which no random number is drawn.
  std::array<std::uint64_t, 18> flip_{};
};

/// Checkerboard Metropolis: P(flip) = min(1, exp(−βΔE)), ΔE = 2 s_i (J σ_i + h), for ΔE ≠ 0
/// and P(flip) = 1/2 for ΔE = 0. The general scalar kernel (any h, 1D and 2D).
///
/// Why not a(0) = 1: with deterministic zero-energy flips a checkerboard sweep is not ergodic.
/// In 1D at h = 0 every domain wall whose updated endpoint has σ = 0 hops, so each half-sweep
/// swaps the numbers of walls on even and odd bonds (pairs are created and destroyed one of
/// each), and |N_even − N_odd| is conserved forever. In 2D the states with σ_i = 0 at every
/// site (e.g. the 4×2 torus with anti-aligned rows, diagonal stripes ++−− on 4n × 4n tori)
/// form closed deterministic cycles. Any a(0) ∈ (0, 1) keeps detailed balance, which only
/// fixes a(ΔE)/a(−ΔE) = e^{−βΔE}, and removes both obstructions.
class CheckerboardMetropolis final : public CheckerboardChain {
 public:
  CheckerboardMetropolis(const ising::Model& model, std::uint64_t seed, std::uint64_t stream)
      : CheckerboardChain(LocalRule::metropolis, model, seed, stream) {}
};

/// Checkerboard heat bath: P(s_i = +1) = 1 / (1 + exp(−2β(J σ_i + h))).
class CheckerboardHeatBath final : public CheckerboardChain {
 public:
  CheckerboardHeatBath(const ising::Model& model, std::uint64_t seed, std::uint64_t stream)
      : CheckerboardChain(LocalRule::heat_bath, model, seed, stream) {}
};

}  // namespace deeprg::mc
