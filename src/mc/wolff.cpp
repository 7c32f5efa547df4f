#include "deeprg/mc/wolff.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "deeprg/core/error.hpp"

namespace deeprg::mc {

namespace {

/// ceil(p · 2^53) clamped to [0, 2^53]: (x >> 11) < threshold happens with probability
/// threshold / 2^53, the same as Rng::uniform() < p, without an int-to-double conversion.
std::uint64_t threshold(double p) {
  if (!(p > 0)) return 0;
  if (p >= 1) return std::uint64_t{1} << 53;
  return static_cast<std::uint64_t>(std::ceil(std::ldexp(p, 53)));
}

}  // namespace

WolffChain::WolffChain(const ising::Model& model, std::uint64_t seed, std::uint64_t stream)
    : model_(model), rng_(seed, stream) {
  model_.validate();
  if (model_.h != 0)
    throw ConfigError("h", "the Wolff algorithm needs h = 0, got " + std::to_string(model_.h));
  if (!(model_.J > 0))
    throw ConfigError("J", "the Wolff algorithm needs J > 0, got " + std::to_string(model_.J));
  const ising::Lattice& lat = model_.lattice;
  const std::size_t n = lat.sites();
  if (n > std::numeric_limits<std::uint32_t>::max())
    throw ConfigError("L", "lattice too large for the Wolff chain's 32-bit site indices");

  // p = 1 − e^{−2βJ}, via expm1 so that small K keeps its relative precision.
  add_threshold_ = threshold(-std::expm1(-2.0 * model_.beta() * model_.J));

  // Neighbour table: the hot loop then needs no modulo or boundary test.
  degree_ = lat.dim == 1 ? 2 : 4;
  neighbours_.resize(n * degree_);
  const int lx = lat.lx, ly = lat.ly;
  for (int y = 0; y < ly; ++y) {
    for (int x = 0; x < lx; ++x) {
      const auto at = [lx](int xx, int yy) { return static_cast<std::uint32_t>(yy * lx + xx); };
      std::uint32_t* nb = neighbours_.data() + static_cast<std::size_t>(at(x, y)) * degree_;
      nb[0] = at(x == 0 ? lx - 1 : x - 1, y);
      nb[1] = at(x + 1 == lx ? 0 : x + 1, y);
      if (degree_ == 4) {
        nb[2] = at(x, y == 0 ? ly - 1 : y - 1);
        nb[3] = at(x, y + 1 == ly ? 0 : y + 1);
      }
    }
  }
  spins_.assign(n, 1);
  queue_.resize(n + 1);  // every site enters at most once; +1 for the branch-free spare write

  // Pilot. The warm-up moves away from the ordered start, whose clusters are atypically large
  // above T_c; each cluster flips ≥ 1 spin, so it ends after at most 3N clusters.
  std::size_t flipped = 0;
  while (flipped < 3 * n) flipped += flip_cluster();
  calibrate(kPilotClusters);
  std::fill(spins_.begin(), spins_.end(), std::int8_t{1});  // the chain starts cold
}

template <int Degree>
std::size_t WolffChain::grow(std::uint32_t seed) {
  std::int8_t* const s = spins_.data();
  const std::uint32_t* const nb = neighbours_.data();
  std::uint32_t* const queue = queue_.data();
  const std::uint64_t thr = add_threshold_;
  const std::int8_t old = s[seed];
  // Local copy of the generator: int8 stores alias everything, so a member would be reloaded
  // from memory after each spin write.
  Rng rng = rng_;
  // Spins flip as they join, so "s[j] == old" means "aligned and not yet in the cluster" and
  // each bond is tested at most once.
  s[seed] = static_cast<std::int8_t>(-old);
  queue[0] = seed;
  std::size_t head = 0, tail = 1;
  // Breadth-first with a FIFO rather than a LIFO stack: the next site to expand was written
  // long ago, so its load does not wait on the pushes just made, and the branch-free body
  // below overlaps across sites. The bond test "aligned and u < p" is a coin flip at K ≈ K_c,
  // so as a branch it mispredicts about half the time; here it is data: the candidate is
  // always written at queue[tail] (slot N is a spare for the full-lattice cluster), tail
  // advances by the outcome and the spin is XOR-flipped (+1 ↔ −1 is x ^ 0xFE) by it. One
  // uniform is drawn per neighbour, aligned or not; drawing only for aligned ones would need
  // the branch back, which measured ~2× slower. Same distribution either way.
  while (head < tail) {
    const std::uint32_t* const n = nb + static_cast<std::size_t>(queue[head++]) * Degree;
    for (int k = 0; k < Degree; ++k) {
      const std::uint32_t j = n[k];
      const bool add = (s[j] == old) & ((rng() >> 11) < thr);
      queue[tail] = j;
      tail += add;
      s[j] = static_cast<std::int8_t>(s[j] ^ (-static_cast<int>(add) & 0xFE));
    }
  }
  rng_ = rng;
  return tail;
}

std::size_t WolffChain::flip_cluster() {
  const auto seed = static_cast<std::uint32_t>(rng_.below(spins_.size()));
  return degree_ == 4 ? grow<4>(seed) : grow<2>(seed);
}

void WolffChain::sweep() {
  for (int c = 0; c < clusters_per_sweep_; ++c) flip_cluster();
}

double WolffChain::calibrate(int clusters) {
  if (clusters < 1)
    throw ConfigError("clusters",
                      "calibration needs at least one cluster, got " + std::to_string(clusters));
  double total = 0;
  for (int c = 0; c < clusters; ++c) total += static_cast<double>(flip_cluster());
  mean_cluster_size_ = total / clusters;
  const double per_sweep = std::round(static_cast<double>(spins_.size()) / mean_cluster_size_);
  clusters_per_sweep_ = static_cast<int>(std::clamp(per_sweep, 1.0, 1e9));
  return mean_cluster_size_;
}

void WolffChain::set_clusters_per_sweep(int n) {
  if (n < 1)
    throw ConfigError("clusters_per_sweep", "must be at least 1, got " + std::to_string(n));
  clusters_per_sweep_ = n;
}

void WolffChain::get(std::span<std::int8_t> out) const {
  check_configuration(out, spins_.size(), false);
  std::copy(spins_.begin(), spins_.end(), out.begin());
}

void WolffChain::set(std::span<const std::int8_t> spins) {
  check_configuration(spins, spins_.size());
  std::copy(spins.begin(), spins.end(), spins_.begin());
}

}  // namespace deeprg::mc
