#include "deeprg/core/lane_rng.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <set>

#include "../core/xoshiro_reference.hpp"

namespace deeprg {
namespace {

using testing::xoshiro_next;

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
