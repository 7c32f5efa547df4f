#pragma once
/// Multispin-coded checkerboard Metropolis for the 2D Ising model at h = 0.
///
/// Layout. The lattice is split into its two checkerboard colours; colour c holds, for each row
/// y, the n2 = Lx/2 sites x = 2i + ((c + y) & 1) ("half-row" index i). A half-row is packed into
/// m = n2/W words of W bits (W = the largest power of two ≤ 64 dividing n2; the low W bits of
/// a uint64_t): bit k of word j holds site i = k·m + j. A colour-c site (y, i) has its four
/// neighbours in the other colour at (y ± 1, i), (y, i) and (y, i + s), s = +1 when c + y is
/// odd and −1 otherwise; with this packing (y, i ± 1) is word j ± 1 at the same bit, or at the
/// row ends the wrapped word rotated by one bit within W. So every bit of a word is the same
/// colour and a whole word updates at once, V = 8 words per 512-bit vector. Ghost copies of the
/// first and last rows make the vertical neighbours plain loads.
///
/// Acceptance. With a = number of aligned neighbours (anti-aligned when J < 0, the sublattice
/// gauge map), ΔE = 4|J|(a − 2), counted with bit-sliced adders. A lane flips with probability
/// 1 for ΔE < 0; p3 = e^{−4|K|} for a = 3 and p4 = e^{−8|K|} for a = 4, exactly for those
/// doubles: a lane compares a fresh random binary fraction U = 0.u1u2… with p one bit per step
/// (one random word per step serves all 64 lanes of a word), is decided at the first differing
/// bit (U < p iff p has the 1), and rejects if still undecided after p's last set bit. ΔE = 0
/// (a = 2) flips with probability 1/2 by default (ZeroEnergyFlip::half, as
/// CheckerboardMetropolis; keeps the chain ergodic) or 1 (ZeroEnergyFlip::always).
///
/// Speed. The first log2(8W) comparison steps are unrolled with no data-dependent branch; the
/// few words with lanes left are compacted (vpcompressq) and finished in a second pass. About
/// 18 spin updates per ns on one Zen 4 core at L = 2048, T_c (bench/metropolis_bench.cpp).
///
/// Randomness. V xoshiro256++ generators run side by side in one vector; lane l starts from the
/// state of lane 0 advanced by l jumps of 2^128, lane 0 from four outputs of Rng(seed, stream),
/// so a trajectory depends only on (seed, stream). One sweep updates every colour-0 site
/// (reading colour 1), then every colour-1 site.
#include <cstdint>
#include <span>
#include <vector>

#include "deeprg/ising/model.hpp"
#include "deeprg/mc/chain.hpp"

namespace deeprg::mc {

/// Acceptance of a move with ΔE = 0 (a spin with exactly two aligned neighbours, or any move
/// when J = 0).
enum class ZeroEnergyFlip {
  /// Probability 1/2, as CheckerboardMetropolis and the MarkovChain contract (chain.hpp):
  /// detailed balance holds and the chain is ergodic.
  half,
  /// Probability 1: textbook min(1, e^{−ΔE/T}). Exact for the Boltzmann weights, but the
  /// checkerboard sweep is then not ergodic: states in which every spin has exactly two aligned
  /// neighbours flip a whole colour per half-sweep (each count a → 4 − a = 2) and cycle among
  /// themselves forever, never entered from outside (4 states of the 4x2 torus, 36 of 4x4; an
  /// exponentially small share of Z on large tori).
  always,
};

class MultispinMetropolis final : public MarkovChain {
 public:
  /// Number of independent xoshiro256++ lanes (= 64-bit words updated per vector step).
  static constexpr int kLanes = 8;

  /// Cold start (all +1). Throws ConfigError when the model is invalid, when h ≠ 0 ("h") or when
  /// the lattice is not supported ("L" / "Ly" / "model").
  MultispinMetropolis(const ising::Model& model, std::uint64_t seed, std::uint64_t stream,
                      ZeroEnergyFlip zero = ZeroEnergyFlip::half);

  /// True for a 2D lattice with lx and ly even and ≥ 2 (then lx/2 is always divisible by some
  /// W ∈ {64, 32, ..., 1}; small W just packs fewer sites per word).
  static bool supports(const ising::Lattice& lattice);

  void sweep() override;
  /// n full sweeps (n ≤ 0 does nothing).
  void sweeps(std::int64_t n);

  /// Row-major ±1 configuration; throws ShapeError when out.size() ≠ sites().
  void get(std::span<std::int8_t> out) const override;
  /// Throws ShapeError when the size is wrong and ConfigError("spins") when a value is not ±1.
  void set(std::span<const std::int8_t> spins) override;
  const ising::Model& model() const override { return model_; }
  ZeroEnergyFlip zero_energy_flip() const noexcept { return zero_; }

  /// Σ_⟨ij⟩ s_i s_j of the current state, from the packed words (same convention as
  /// ising::bond_sum, including doubled bonds when lx or ly is 2).
  std::int64_t bond_sum() const;
  /// Σ_i s_i of the current state.
  std::int64_t magnetization() const;
  /// H = −J·bond_sum (h = 0).
  double energy() const { return -model_.J * static_cast<double>(bond_sum()); }

  /// Sites per word (W) and words per half-row (m); exposed for tests and benchmarks.
  int lane_width() const noexcept { return w_; }
  int words_per_row() const noexcept { return m_; }

 private:
  void update_colour(int c);
  void refresh_ghosts(int c);
  std::uint64_t* row(int c, int y) noexcept {
    return spin_[c].data() + base_ + std::size_t(y) * m_;
  }
  const std::uint64_t* row(int c, int y) const noexcept {
    return spin_[c].data() + base_ + std::size_t(y) * m_;
  }

  ising::Model model_;
  ZeroEnergyFlip zero_ = ZeroEnergyFlip::half;
  int lx_ = 0, ly_ = 0, n2_ = 0, w_ = 0, m_ = 0;
  std::uint64_t lane_mask_ = 0;  // low W bits
  std::uint64_t anti_ = 0;       // ~0 when J < 0 (count anti-aligned neighbours instead)
  std::size_t base_ = 0;         // offset of row 0 in spin_[c]; row −1 (ghost) sits before it
  // spin_[c]: ghost row (copy of row Ly−1), rows 0..Ly−1, ghost row (copy of row 0), padding.
  std::vector<std::uint64_t> spin_[2];
  std::vector<std::uint8_t> side_masks_[2];  // per colour: horizontal-neighbour lane masks
  std::vector<std::uint64_t> tail_;          // scratch: words still undecided after the head
  // code_[t] = (binary digit t of p3, weight 2^−t) | (digit t of p4) << 1, zero-padded.
  std::vector<std::uint8_t> code_;
  int max_bit_ = 0;                          // last t with a set digit in p3 or p4 (0: both are 0)
  std::uint64_t always3_ = 0, always4_ = 0;  // ~0 when p3 / p4 == 1
  std::uint64_t rng_[4 * kLanes] = {};       // xoshiro256++ states, word-major: s0[8], s1[8], ...
};

namespace detail {
/// Fills `out` with words whose bits are independent Bernoulli(p) draws (p ∈ [0, 1]), made by
/// the same exact bit-by-bit comparison and vector generator the Metropolis kernel uses.
/// For tests.
void bernoulli_words(double p, std::uint64_t seed, std::uint64_t stream,
                     std::span<std::uint64_t> out);
/// The raw output of the kernel's vector generator for (seed, stream): out[8k + l] is the k-th
/// xoshiro256++ output of lane l. For tests.
void random_words(std::uint64_t seed, std::uint64_t stream, std::span<std::uint64_t> out);
}  // namespace detail

}  // namespace deeprg::mc
