#pragma once
// The scalar xoshiro256++ step (Blackman & Vigna 2019), written out independently of the
// library: the reference the vectorised generators are checked against.
#include <cstdint>

namespace deeprg::testing {

inline std::uint64_t xoshiro_next(std::uint64_t s[4]) {
  auto rotl = [](std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); };
  const std::uint64_t result = rotl(s[0] + s[3], 23) + s[0];
  const std::uint64_t t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl(s[3], 45);
  return result;
}

}  // namespace deeprg::testing
