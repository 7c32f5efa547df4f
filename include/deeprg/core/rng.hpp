#pragma once
/// Seeded random streams. There is no global engine: every work item (chain, temperature,
/// replica) draws from its own stream derived from (seed, stream id), so results do not depend
/// on the number of threads or ranks that run the items.
#include <cmath>
#include <cstdint>
#include <initializer_list>

namespace deeprg {

/// SplitMix64 step: a bijective mixer used to expand seeds (Steele, Lea & Flood 2014).
constexpr std::uint64_t splitmix64(std::uint64_t& state) noexcept {
  std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

/// The stream id of position (a, b, c) in a subsystem named by `tag` (e.g. 0x74696573, "ties"),
/// mixed through SplitMix64 so that neighbouring positions are unrelated and ids of different
/// tags, or the small ids samplers use for their chains (0, 1, …), coincide with probability
/// ~2⁻⁶⁴: one seed can drive every subsystem of a run.
constexpr std::uint64_t stream_id(std::uint64_t tag, std::uint64_t a, std::uint64_t b = 0,
                                  std::uint64_t c = 0) noexcept {
  std::uint64_t s = tag;
  std::uint64_t h = splitmix64(s);
  for (const std::uint64_t x : {a, b, c}) {
    s = h ^ x;
    h = splitmix64(s);
  }
  return h;
}

/// One step of xoshiro256++'s state (Blackman & Vigna 2019), without its output: the
/// transition Rng draws with and LaneRng's jump advances by.
inline void xoshiro256_advance(std::uint64_t s[4]) noexcept {
  const std::uint64_t t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = (s[3] << 45) | (s[3] >> 19);
}

/// xoshiro256++ (Blackman & Vigna 2019): 256-bit state, period 2^256 − 1, fast and
/// statistically strong. Streams for different (seed, stream) pairs are seeded through
/// SplitMix64 of a mix of both numbers, so nearby ids give unrelated sequences.
class Rng {
 public:
  using result_type = std::uint64_t;

  explicit Rng(std::uint64_t seed, std::uint64_t stream = 0) noexcept {
    std::uint64_t sm = seed ^ (0xd1b54a32d192ed03ULL * (stream + 1));
    sm = splitmix64(sm) ^ stream;
    for (auto& word : s_) word = splitmix64(sm);
  }

  static constexpr result_type min() noexcept { return 0; }
  static constexpr result_type max() noexcept { return ~result_type{0}; }

  /// The next 64 random bits.
  result_type operator()() noexcept {
    const std::uint64_t result = rotl(s_[0] + s_[3], 23) + s_[0];
    xoshiro256_advance(s_);
    return result;
  }

  /// Uniform double in [0, 1) with 53 random bits.
  double uniform() noexcept { return static_cast<double>((*this)() >> 11) * 0x1.0p-53; }

  /// Uniform integer in [0, n), n > 0, without modulo bias (Lemire 2019).
  std::uint64_t below(std::uint64_t n) noexcept {
    std::uint64_t x = (*this)();
    __uint128_t m = static_cast<__uint128_t>(x) * n;
    auto low = static_cast<std::uint64_t>(m);
    if (low < n) {
      const std::uint64_t threshold = -n % n;
      while (low < threshold) {
        x = (*this)();
        m = static_cast<__uint128_t>(x) * n;
        low = static_cast<std::uint64_t>(m);
      }
    }
    return static_cast<std::uint64_t>(m >> 64);
  }

  /// Bernoulli(p) draw.
  bool bernoulli(double p) noexcept { return uniform() < p; }

 private:
  static constexpr std::uint64_t rotl(std::uint64_t x, int k) noexcept {
    return (x << k) | (x >> (64 - k));
  }
  std::uint64_t s_[4];
};

}  // namespace deeprg
