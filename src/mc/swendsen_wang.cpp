#include "deeprg/mc/swendsen_wang.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <utility>

#include "deeprg/core/error.hpp"

namespace deeprg::mc {

namespace {

/// ceil(p · 2^53) clamped to [0, 2^53]: (x >> 11) < threshold has probability
/// threshold / 2^53, the same as Rng::uniform() < p.
std::uint64_t threshold(double p) {
  if (!(p > 0)) return 0;
  if (p >= 1) return std::uint64_t{1} << 53;
  return static_cast<std::uint64_t>(std::ceil(std::ldexp(p, 53)));
}

}  // namespace

SwendsenWangChain::SwendsenWangChain(const ising::Model& model, std::uint64_t seed,
                                     std::uint64_t stream)
    : model_(model), rng_(seed, stream) {
  model_.validate();
  if (model_.h != 0)
    throw ConfigError("h", "Swendsen-Wang needs h = 0, got " + std::to_string(model_.h));
  if (!(model_.J > 0))
    throw ConfigError("J", "Swendsen-Wang needs J > 0, got " + std::to_string(model_.J));
  const std::size_t n = model_.lattice.sites();
  if (n > static_cast<std::size_t>(std::numeric_limits<std::int32_t>::max()))
    throw ConfigError("L", "lattice too large for Swendsen-Wang's 32-bit site indices");
  bond_threshold_ = threshold(-std::expm1(-2.0 * model_.beta() * model_.J));
  spins_.assign(n, 1);
  parent_.resize(n);
  flip_.resize(n);
}

std::int32_t SwendsenWangChain::find(std::int32_t x) noexcept {
  // Path halving: every visited node is re-pointed to its grandparent, which keeps the
  // amortised cost near-constant with union by size, in one pass and without recursion.
  std::int32_t* const parent = parent_.data();
  while (parent[x] >= 0) {
    const std::int32_t p = parent[x];
    const std::int32_t gp = parent[p];
    if (gp < 0) return p;
    parent[x] = gp;
    x = gp;
  }
  return x;
}

void SwendsenWangChain::unite(std::int32_t a, std::int32_t b) noexcept {
  a = find(a);
  b = find(b);
  if (a == b) return;
  std::int32_t* const parent = parent_.data();
  if (parent[a] > parent[b]) std::swap(a, b);  // sizes are stored negated: a is the larger
  parent[a] += parent[b];
  parent[b] = a;
}

void SwendsenWangChain::sweep() {
  const ising::Lattice& lat = model_.lattice;
  const int lx = lat.lx, ly = lat.ly;
  const bool two_d = lat.dim == 2;
  const std::size_t n = spins_.size();
  std::int8_t* const s = spins_.data();
  std::fill(parent_.begin(), parent_.end(), -1);

  // Bonds: each site owns its right bond and, in 2D, its down bond (as in ising::bond_sum).
  const std::uint64_t thr = bond_threshold_;
  Rng rng = rng_;  // kept in registers; see wolff.cpp
  for (int y = 0; y < ly; ++y) {
    const auto row = static_cast<std::int32_t>(y * lx);
    const auto down = static_cast<std::int32_t>((y + 1 == ly ? 0 : y + 1) * lx);
    for (int x = 0; x < lx; ++x) {
      const std::int32_t i = row + x;
      const std::int32_t r = row + (x + 1 == lx ? 0 : x + 1);
      if (s[i] == s[r] && (rng() >> 11) < thr) unite(i, r);
      if (two_d) {
        const std::int32_t d = down + x;
        if (s[i] == s[d] && (rng() >> 11) < thr) unite(i, d);
      }
    }
  }

  // One fair coin per cluster, taken from the bits of 64-bit words.
  std::size_t clusters = 0;
  std::uint64_t bits = 0;
  int left = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (parent_[i] >= 0) continue;
    if (left == 0) {
      bits = rng();
      left = 64;
    }
    flip_[i] = static_cast<std::uint8_t>(bits & 1);
    bits >>= 1;
    --left;
    ++clusters;
  }
  rng_ = rng;
  for (std::size_t i = 0; i < n; ++i) {
    const std::int32_t root = find(static_cast<std::int32_t>(i));
    if (flip_[root]) s[i] = static_cast<std::int8_t>(-s[i]);
  }
  last_clusters_ = clusters;
}

void SwendsenWangChain::get(std::span<std::int8_t> out) const {
  check_configuration(out, spins_.size(), false);
  std::copy(spins_.begin(), spins_.end(), out.begin());
}

void SwendsenWangChain::set(std::span<const std::int8_t> spins) {
  check_configuration(spins, spins_.size());
  std::copy(spins.begin(), spins.end(), spins_.begin());
}

}  // namespace deeprg::mc
