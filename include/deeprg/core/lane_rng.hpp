#pragma once
/// Eight xoshiro256++ generators stepped in lock step, one per 64-bit SIMD lane: the vectorised
/// form of Rng (rng.hpp) for the kernels that draw a random word per lane at a time (the
/// multi-spin Metropolis sweep, the Bernoulli draws of RBM training). Each lane is the scalar
/// xoshiro256++ of Blackman & Vigna (2019); only the seeding of the eight lanes differs between
/// the two ways below, so that each kernel keeps the streams its results were documented with.
#include <cstdint>
#include <cstring>

#if defined(__AVX512F__)
#include <immintrin.h>
#endif

#include "deeprg/core/rng.hpp"

// 64-byte vector arguments change the ABI when AVX-512 is off; these are all inline.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpsabi"

namespace deeprg {

/// Eight 64-bit words side by side: one AVX-512 register under -march=native.
typedef std::uint64_t Lanes8 __attribute__((vector_size(64)));

/// f(a, b, c) for a bitwise function f of three vectors (a captureless generic lambda): one
/// vpternlogq under AVX-512, whose truth table is f evaluated on 0xF0, 0xCC, 0xAA; plain vector
/// operations otherwise.
template <class F>
inline Lanes8 ternary_logic(Lanes8 a, Lanes8 b, Lanes8 c, F f) noexcept {
#if defined(__AVX512F__)
  (void)f;  // only its truth table is needed
  constexpr int imm = F{}(0xF0, 0xCC, 0xAA) & 0xFF;
  return reinterpret_cast<Lanes8>(_mm512_ternarylogic_epi64(reinterpret_cast<__m512i>(a),
                                                            reinterpret_cast<__m512i>(b),
                                                            reinterpret_cast<__m512i>(c), imm));
#else
  return f(a, b, c);
#endif
}

class LaneRng {
 public:
  static constexpr int kLanes = 8;

  /// Lane l starts from the outputs 4l … 4l + 3 of Rng(seed, stream) as its s0 … s3: cheap to
  /// set up, for many short streams (one per training-batch row and epoch).
  static LaneRng drawn(std::uint64_t seed, std::uint64_t stream) noexcept {
    Rng rng(seed, stream);
    std::uint64_t words[4 * kLanes];
    for (int l = 0; l < kLanes; ++l)
      for (int w = 0; w < 4; ++w) words[w * kLanes + l] = rng();
    return load(words);
  }

  /// One state from Rng(seed, stream) (never all zero), lane l advanced by l·2^128 steps with
  /// xoshiro's jump: provably disjoint stretches of one sequence, for long streams (a Monte Carlo
  /// chain's sweeps).
  static LaneRng jumped(std::uint64_t seed, std::uint64_t stream) noexcept {
    Rng rng(seed, stream);
    std::uint64_t s[4];
    do {
      for (auto& w : s) w = rng();
    } while ((s[0] | s[1] | s[2] | s[3]) == 0);
    std::uint64_t words[4 * kLanes];
    for (int l = 0; l < kLanes; ++l) {
      for (int w = 0; w < 4; ++w) words[w * kLanes + l] = s[w];
      jump(s);
    }
    return load(words);
  }

  /// The state from/to 32 words, word-major (s0 of lanes 0 … 7, then s1, …): how a caller keeps
  /// it in a plain array between uses.
  static LaneRng load(const std::uint64_t* words) noexcept {
    LaneRng r;
    std::memcpy(&r.s0_, words, sizeof(Lanes8));
    std::memcpy(&r.s1_, words + kLanes, sizeof(Lanes8));
    std::memcpy(&r.s2_, words + 2 * kLanes, sizeof(Lanes8));
    std::memcpy(&r.s3_, words + 3 * kLanes, sizeof(Lanes8));
    return r;
  }
  void save(std::uint64_t* words) const noexcept {
    std::memcpy(words, &s0_, sizeof(Lanes8));
    std::memcpy(words + kLanes, &s1_, sizeof(Lanes8));
    std::memcpy(words + 2 * kLanes, &s2_, sizeof(Lanes8));
    std::memcpy(words + 3 * kLanes, &s3_, sizeof(Lanes8));
  }

  /// The next 64 random bits of every lane (xoshiro256++: result = rotl(s0 + s3, 23) + s0).
  Lanes8 next() noexcept {
    const Lanes8 result = rotl(s0_ + s3_, 23) + s0_;
    const Lanes8 t = s1_ << 17;
    const Lanes8 s3x = s3_ ^ s1_;
    const Lanes8 s2n = ternary_logic(s2_, s0_, t, [](auto x, auto y, auto z) { return x ^ y ^ z; });
    s1_ = ternary_logic(s1_, s2_, s0_, [](auto x, auto y, auto z) { return x ^ y ^ z; });
    s0_ ^= s3x;  // s0 ^ (s3 ^ s1)
    s2_ = s2n;
    s3_ = rotl(s3x, 45);
    return result;
  }

 private:
  static Lanes8 rotl(Lanes8 x, int k) noexcept { return (x << k) | (x >> (64 - k)); }

  /// xoshiro256++'s jump: advances a scalar state by 2^128 steps.
  static void jump(std::uint64_t s[4]) noexcept {
    static constexpr std::uint64_t kJump[] = {0x180ec6d33cfd0abaULL, 0xd5a61266f0c9392cULL,
                                              0xa9582618e03fc9aaULL, 0x39abdc4529b1661cULL};
    std::uint64_t acc[4] = {0, 0, 0, 0};
    for (const std::uint64_t j : kJump) {
      for (int b = 0; b < 64; ++b) {
        if (j & (std::uint64_t{1} << b))
          for (int w = 0; w < 4; ++w) acc[w] ^= s[w];
        xoshiro256_advance(s);
      }
    }
    for (int w = 0; w < 4; ++w) s[w] = acc[w];
  }

  Lanes8 s0_, s1_, s2_, s3_;
};

}  // namespace deeprg

#pragma GCC diagnostic pop
