#include "deeprg/core/lane_rng.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <set>

namespace deeprg {
namespace {

// The scalar xoshiro256++ step (Blackman & Vigna 2019), written out independently.
std::uint64_t xoshiro_next(std::uint64_t s[4]) {
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

// Every lane is the scalar generator started from its four words.
void expect_lanes_are_scalar_xoshiro(LaneRng rng) {
  std::uint64_t words[4 * LaneRng::kLanes];
  rng.save(words);
  for (int step = 0; step < 100; ++step) {
    const Lanes8 r = rng.next();
    for (int l = 0; l < LaneRng::kLanes; ++l) {
      std::uint64_t s[4];
      for (int w = 0; w < 4; ++w) s[w] = words[w * LaneRng::kLanes + l];
      EXPECT_EQ(r[l], xoshiro_next(s)) << "lane " << l << " step " << step;
      for (int w = 0; w < 4; ++w) words[w * LaneRng::kLanes + l] = s[w];
    }
  }
}

TEST(LaneRng, EveryLaneIsTheScalarGenerator) {
  expect_lanes_are_scalar_xoshiro(LaneRng::drawn(7, 3));
  expect_lanes_are_scalar_xoshiro(LaneRng::jumped(7, 3));
}

TEST(LaneRng, DrawnLanesTakeConsecutiveOutputsOfTheScalarStream) {
  std::uint64_t words[4 * LaneRng::kLanes];
  LaneRng::drawn(11, 5).save(words);
  Rng rng(11, 5);
  for (int l = 0; l < LaneRng::kLanes; ++l)
    for (int w = 0; w < 4; ++w) EXPECT_EQ(words[w * LaneRng::kLanes + l], rng()) << l << " " << w;
}

TEST(LaneRng, JumpedLanesStartFromOneStateAndDiffer) {
  std::uint64_t words[4 * LaneRng::kLanes];
  LaneRng::jumped(11, 5).save(words);
  Rng rng(11, 5);
  for (int w = 0; w < 4; ++w) EXPECT_EQ(words[w * LaneRng::kLanes], rng()) << w;  // lane 0
  std::set<std::uint64_t> first;
  LaneRng lanes = LaneRng::jumped(11, 5);
  const Lanes8 r = lanes.next();
  for (int l = 0; l < LaneRng::kLanes; ++l) first.insert(r[l]);
  EXPECT_EQ(first.size(), static_cast<std::size_t>(LaneRng::kLanes));
}

TEST(LaneRng, SaveAndLoadRoundTrip) {
  LaneRng a = LaneRng::jumped(1, 2);
  a.next();
  std::uint64_t words[4 * LaneRng::kLanes];
  a.save(words);
  LaneRng b = LaneRng::load(words);
  for (int i = 0; i < 10; ++i) {
    const Lanes8 x = a.next(), y = b.next();
    for (int l = 0; l < LaneRng::kLanes; ++l) EXPECT_EQ(x[l], y[l]);
  }
}

}  // namespace
}  // namespace deeprg
