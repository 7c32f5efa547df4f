#pragma once
/// Swendsen–Wang multi-cluster algorithm (R. H. Swendsen and J.-S. Wang, PRL 58, 86 (1987)) for
/// h = 0, J > 0.
///
/// One sweep: every bond ⟨ij⟩ with s_i = s_j is activated with probability p = 1 − exp(−2βJ);
/// the connected components of the active bonds (Fortuin–Kasteleyn clusters) are found with a
/// union–find forest (union by size, path halving); each cluster is flipped with probability
/// 1/2. Doubled bonds of a side-2 lattice are two independent bonds, as in ising::energy.
#include <cstdint>
#include <span>
#include <vector>

#include "deeprg/core/rng.hpp"
#include "deeprg/ising/model.hpp"
#include "deeprg/mc/chain.hpp"

namespace deeprg::mc {

/// Swendsen–Wang chain on a ring or a torus (any side lengths ≥ 2). Starts from all +1.
class SwendsenWangChain final : public MarkovChain {
 public:
  /// Throws ConfigError("h") unless h = 0, ConfigError("J") unless J > 0.
  SwendsenWangChain(const ising::Model& model, std::uint64_t seed, std::uint64_t stream);

  /// One full bond percolation, cluster labelling and random flip of every cluster.
  void sweep() override;
  void get(std::span<std::int8_t> out) const override;
  /// Throws ShapeError for a wrong size and ConfigError("spins") for a value other than ±1.
  void set(std::span<const std::int8_t> spins) override;
  const ising::Model& model() const override { return model_; }

  /// Number of FK clusters formed in the most recent sweep (0 before the first).
  std::size_t last_cluster_count() const noexcept { return last_clusters_; }

 private:
  std::int32_t find(std::int32_t x) noexcept;
  void unite(std::int32_t a, std::int32_t b) noexcept;

  ising::Model model_;
  Rng rng_;
  std::uint64_t bond_threshold_;      ///< ceil((1 − e^{−2βJ}) · 2^53)
  std::vector<std::int8_t> spins_;    ///< row-major ±1
  std::vector<std::int32_t> parent_;  ///< parent index, or −(tree size) at a root
  std::vector<std::uint8_t> flip_;    ///< per root: flip this cluster in the current sweep
  std::size_t last_clusters_ = 0;
};

}  // namespace deeprg::mc
