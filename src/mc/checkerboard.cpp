#include "deeprg/mc/checkerboard.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "deeprg/core/error.hpp"

namespace deeprg::mc {

namespace {

/// 2^53: the threshold that accepts every draw (random numbers are compared on 53 bits).
constexpr std::uint64_t kAlways = std::uint64_t{1} << 53;

/// ceil(p · 2^53) clamped to [0, 2^53]: (x >> 11) < threshold has probability exactly
/// threshold / 2^53, the same as Rng::uniform() < p.
std::uint64_t threshold(double p) {
  if (!(p > 0)) return 0;
  if (p >= 1) return kAlways;
  return static_cast<std::uint64_t>(std::ceil(std::ldexp(p, 53)));
}

}  // namespace

CheckerboardChain::CheckerboardChain(LocalRule rule, const ising::Model& model, std::uint64_t seed,
                                     std::uint64_t stream)
    : rule_(rule), model_(model), rng_(seed, stream) {
  model_.validate();
  const ising::Lattice& lat = model_.lattice;
  // An odd ring is not bipartite: the two "sublattices" would share a bond and a half-sweep
  // would update neighbours against each other's stale values.
  if (lat.lx % 2 != 0)
    throw ConfigError("L",
                      "checkerboard updates need an even length, got " + std::to_string(lat.lx));
  if (lat.dim == 2 && lat.ly % 2 != 0)
    throw ConfigError("Ly",
                      "checkerboard updates need an even length, got " + std::to_string(lat.ly));
  spins_.assign(lat.sites(), 1);

  const int z = lat.dim == 1 ? 2 : 4;
  const double beta = model_.beta();
  for (int sigma = -z; sigma <= z; sigma += 2) {
    const double local = model_.J * sigma + model_.h;  // field felt by the spin
    for (const int s : {-1, 1}) {
      double p;
      if (rule_ == LocalRule::metropolis) {
        // ΔE of s → −s is 2 s (J σ + h). A zero-energy move is accepted with probability 1/2
        // rather than 1: with deterministic ΔE = 0 flips the checkerboard sweep is not ergodic
        // (see checkerboard.hpp). Detailed balance only constrains a(ΔE)/a(−ΔE) = e^{−βΔE},
        // which any a(0) satisfies. The tolerance catches J σ + h that cancels only up to
        // rounding (e.g. J = 0.1, σ = −2, h = 0.2).
        const bool zero = std::abs(local) <= 1e-12 * (std::abs(model_.J) * z + std::abs(model_.h));
        p = zero ? 0.5 : std::exp(-beta * 2.0 * s * local);
      } else {
        // P(new = +1) = 1/(1 + e^{−2βl}), so from s the flip probability is
        // P(new = −s) = 1/(1 + e^{2βsl}), evaluated directly (no 1 − x cancellation).
        p = 1.0 / (1.0 + std::exp(2.0 * beta * s * local));
      }
      flip_[2 * (sigma + z) + (s > 0)] = threshold(p);
    }
  }
}

template <bool TwoD>
void CheckerboardChain::half_sweep(int parity) {
  constexpr int z = TwoD ? 4 : 2;
  const int lx = model_.lattice.lx, ly = model_.lattice.ly;
  std::int8_t* const s = spins_.data();
  const std::uint64_t* const flip = flip_.data();
  // A local copy keeps the generator state in registers: int8 stores may alias anything, so
  // the member would be reloaded after every spin write.
  Rng rng = rng_;
  for (int y = 0; y < ly; ++y) {
    std::int8_t* const row = s + static_cast<std::size_t>(y) * lx;
    const std::int8_t* const up = s + static_cast<std::size_t>(y == 0 ? ly - 1 : y - 1) * lx;
    const std::int8_t* const down = s + static_cast<std::size_t>(y + 1 == ly ? 0 : y + 1) * lx;
    for (int x = (y + parity) & 1; x < lx; x += 2) {
      int sigma = (x == 0 ? row[lx - 1] : row[x - 1]) + (x + 1 == lx ? row[0] : row[x + 1]);
      if constexpr (TwoD) sigma += up[x] + down[x];
      const std::uint64_t t = flip[2 * (sigma + z) + (row[x] > 0)];
      if (t == kAlways || (rng() >> 11) < t) row[x] = static_cast<std::int8_t>(-row[x]);
    }
  }
  rng_ = rng;
}

void CheckerboardChain::sweep() {
  for (const int parity : {0, 1}) {
    if (model_.lattice.dim == 2)
      half_sweep<true>(parity);
    else
      half_sweep<false>(parity);
  }
}

void CheckerboardChain::get(std::span<std::int8_t> out) const {
  check_configuration(out, spins_.size(), false);
  std::copy(spins_.begin(), spins_.end(), out.begin());
}

void CheckerboardChain::set(std::span<const std::int8_t> spins) {
  check_configuration(spins, spins_.size());
  std::copy(spins.begin(), spins.end(), spins_.begin());
}

}  // namespace deeprg::mc
