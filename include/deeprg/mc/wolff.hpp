#pragma once
/// Wolff single-cluster algorithm (U. Wolff, PRL 62, 361 (1989)) for h = 0, J > 0.
///
/// A cluster grows (iteratively, breadth-first, in buffers reused by every cluster) from a
/// uniformly chosen seed site: each bond to an aligned, not yet added neighbour is activated
/// with probability p = 1 − exp(−2βJ), and the finished cluster is flipped. The move satisfies
/// detailed balance for P(s) ∝ exp(βJ Σ s_i s_j). Doubled bonds of a side-2 lattice are two bonds,
/// tested independently (activation 1 − e^{−4βJ} in total), which matches the doubled-bond
/// Hamiltonian of ising::energy.
///
/// A sweep is a FIXED number of cluster flips, clusters_per_sweep = max(1, round(N / ⟨C⟩)),
/// where ⟨C⟩ is the mean cluster size measured by a pilot run at construction. Stopping a sweep
/// once N spins have flipped would make the number of moves depend on the sampled clusters and
/// bias the stationary distribution; a fixed count keeps the kernel an exact power of the
/// single-cluster kernel.
#include <cstdint>
#include <span>
#include <vector>

#include "deeprg/core/rng.hpp"
#include "deeprg/ising/model.hpp"
#include "deeprg/mc/chain.hpp"

namespace deeprg::mc {

/// Single-cluster Wolff chain on a ring or a torus (any side lengths ≥ 2). Starts from all +1.
class WolffChain final : public MarkovChain {
 public:
  /// Clusters whose sizes the construction-time pilot averages (after its warm-up).
  static constexpr int kPilotClusters = 500;

  /// Validates the model (ConfigError("h") unless h = 0, ConfigError("J") unless J > 0), then
  /// runs the pilot with the chain's own Rng(seed, stream): warm-up clusters until 3N spins have
  /// flipped, kPilotClusters measured clusters, and finally the configuration is reset to all +1.
  /// The result is a deterministic function of (model, seed, stream).
  WolffChain(const ising::Model& model, std::uint64_t seed, std::uint64_t stream);

  /// clusters_per_sweep() single-cluster flips.
  void sweep() override;
  void get(std::span<std::int8_t> out) const override;
  /// Throws ShapeError for a wrong size and ConfigError("spins") for a value other than ±1.
  void set(std::span<const std::int8_t> spins) override;
  const ising::Model& model() const override { return model_; }

  /// Grows and flips one cluster from a uniformly chosen seed; returns its size C.
  std::size_t flip_cluster();
  /// Cluster flips per sweep: max(1, round(N / ⟨C⟩_pilot)) unless set explicitly.
  int clusters_per_sweep() const noexcept { return clusters_per_sweep_; }
  /// Overrides the sweep length; throws ConfigError("clusters_per_sweep") unless n ≥ 1.
  void set_clusters_per_sweep(int n);
  /// ⟨C⟩ of the most recent pilot (construction or calibrate()).
  double mean_cluster_size() const noexcept { return mean_cluster_size_; }
  /// Runs `clusters` more flips from the current configuration (they are ordinary Markov moves,
  /// so the chain stays valid), sets ⟨C⟩ to their mean size and clusters_per_sweep to
  /// max(1, round(N/⟨C⟩)). Call it between sweeps, never inside one. Returns ⟨C⟩.
  double calibrate(int clusters = kPilotClusters);

 private:
  template <int Degree>
  std::size_t grow(std::uint32_t seed);

  ising::Model model_;
  Rng rng_;
  int degree_;                             ///< neighbours per site: 2 (ring) or 4 (torus)
  std::uint64_t add_threshold_;            ///< ceil((1 − e^{−2βJ}) · 2^53)
  std::vector<std::int8_t> spins_;         ///< row-major ±1
  std::vector<std::uint32_t> neighbours_;  ///< degree_ entries per site: left, right[, up, down]
  std::vector<std::uint32_t> queue_;       ///< cluster FIFO, N + 1 entries, reused by every cluster
  int clusters_per_sweep_ = 1;
  double mean_cluster_size_ = 0;
};

}  // namespace deeprg::mc
