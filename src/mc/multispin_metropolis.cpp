#include "deeprg/mc/multispin_metropolis.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <string>

#include "deeprg/core/error.hpp"
#include "deeprg/core/lane_rng.hpp"
#include "deeprg/core/rng.hpp"

#if defined(__AVX512F__) || defined(__AVX__)
#include <immintrin.h>
#endif

// 64-byte vector arguments change the ABI when AVX-512 is off; everything here is internal.
#pragma GCC diagnostic ignored "-Wpsabi"

namespace deeprg::mc {

namespace {

using u64 = std::uint64_t;
constexpr int V = MultispinMetropolis::kLanes;

/// V 64-bit words side by side (one AVX-512 register under -march=native), drawn from
/// LaneRng's lanes.
static_assert(V == LaneRng::kLanes);
using vec = Lanes8;

inline vec load(const u64* p) noexcept {
  vec v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
inline void store(u64* p, vec v) noexcept { std::memcpy(p, &v, sizeof v); }
inline vec splat(u64 x) noexcept { return vec{} + x; }
inline vec rotl(vec x, int k) noexcept { return (x << k) | (x >> (64 - k)); }

/// True when any bit of v is set.
template <class Vec>
inline bool any(Vec v) noexcept {
#if defined(__AVX512F__)
  if constexpr (sizeof(Vec) == 64) {
    const __m512i x = reinterpret_cast<__m512i>(v);
    return _mm512_test_epi64_mask(x, x) != 0;
  }
#endif
#if defined(__AVX__)
  if constexpr (sizeof(Vec) == 32) {
    const __m256i x = reinterpret_cast<__m256i>(v);
    return !_mm256_testz_si256(x, x);
  }
#endif
  u64 r = 0;
  for (int l = 0; l < V; ++l) r |= v[l];
  return r != 0;
}

/// Binary digits of p ∈ [0, 1): d[t] = 1 when the bit of weight 2^−t is set, t = 0 … last set
/// bit (d = {0} when p = 0). A double's expansion terminates: at most 53 set digits, the last
/// at t ≤ 1074.
std::vector<std::uint8_t> binary_digits(double p) {
  std::vector<std::uint8_t> d(1, 0);
  if (p <= 0) return d;
  int e = 0;
  const double f = std::frexp(p, &e);                     // p = f·2^e, f ∈ [1/2, 1), e ≤ 0
  const auto mant = static_cast<u64>(std::ldexp(f, 53));  // exact: p = mant·2^(e−53)
  for (int b = 0; b < 53; ++b) {
    if (!((mant >> b) & 1)) continue;
    const auto t = static_cast<std::size_t>(53 - e - b);
    if (d.size() <= t) d.resize(t + 1, 0);
    d[t] = 1;
  }
  return d;
}

/// code[t] = (digit t of p3) | (digit t of p4) << 1, zero-padded to at least `min_size`
/// entries; returns the last t with a set digit (0 when both are 0) through max_bit.
std::vector<std::uint8_t> comparison_code(double p3, double p4, std::size_t min_size,
                                          int& max_bit) {
  const auto d3 = p3 < 1 ? binary_digits(p3) : std::vector<std::uint8_t>(1, 0);
  const auto d4 = p4 < 1 ? binary_digits(p4) : std::vector<std::uint8_t>(1, 0);
  const std::size_t n = std::max(d3.size(), d4.size());
  max_bit = static_cast<int>(n) - 1;
  std::vector<std::uint8_t> code(std::max(n, min_size), 0);
  for (std::size_t t = 0; t < d3.size(); ++t) code[t] |= d3[t];
  for (std::size_t t = 0; t < d4.size(); ++t) code[t] |= static_cast<std::uint8_t>(d4[t] << 1);
  return code;
}

/// One bit position of the exact Bernoulli comparison (see decide_head), with the random word
/// r. `code` says which of p3 (bit 0) and p4 (bit 1) has a 1 at this position; `sel4` marks the
/// lanes that use p4.
inline void compare_bits(vec r, vec& und, vec& acc, vec sel4, unsigned code) noexcept {
  switch (code) {
    case 0:  // both bits 0: U's bit 1 rejects, 0 stays undecided
      und &= ~r;
      break;
    case 3:  // both bits 1: U's bit 0 accepts, 1 stays undecided
      acc = ternary_logic(acc, und, r, [](auto a, auto u, auto x) { return a | (u & ~x); });
      und &= r;
      break;
    case 1:  // p3 has a 1, p4 a 0: p's bit is ~sel4
      acc |= ternary_logic(und, r, sel4, [](auto u, auto x, auto q) { return u & ~x & ~q; });
      und = ternary_logic(und, r, sel4, [](auto u, auto x, auto q) { return u & (x ^ q); });
      break;
    default:  // p3 has a 0, p4 a 1: p's bit is sel4
      acc |= ternary_logic(und, r, sel4, [](auto u, auto x, auto q) { return u & ~x & q; });
      und = ternary_logic(und, r, sel4, [](auto u, auto x, auto q) { return u & ~(x ^ q); });
      break;
  }
}
inline void compare_step(LaneRng& rng, vec& und, vec& acc, vec sel4, unsigned code) noexcept {
  compare_bits(rng.next(), und, acc, sel4, code);
}

/// Exact Bernoulli decision for the lanes set in `und`: lane flips with probability p4 where
/// `sel4` is set and p3 elsewhere. A lane draws the bits of a uniform U = 0.u1u2… one per step
/// and is decided at the first bit where U and p differ (U < p iff p has the 1 there); lanes
/// still undecided after the last set bit of p have U ≥ p and are rejected. code[t] (t ≥ 1)
/// holds the bits of weight 2^−t of p3 (bit 0) and p4 (bit 1), zero past max_bit (steps there
/// only reject, so running them is harmless). The lanes in `zero` (disjoint from und: the
/// ΔE = 0 moves, accepted with probability 1/2) are settled by their bit of the first word.
///
/// The comparison is split in two so that the hot loop has no data-dependent branch (a loop
/// exit that mispredicts once per chunk throws away the work of the chunks overlapped with
/// it): decide_head runs a fixed number of unrolled steps; decide_tail finishes the few lanes
/// left, from bit kUnchecked + 1 on, for the words gathered by push_tail. A lane survives t
/// steps with probability 2^−t; kUnchecked = log2(lanes per vector) measured fastest.
template <int kUnchecked>
inline void decide_head(LaneRng& rng, vec& und, vec& acc, vec sel4, vec zero,
                        const std::uint8_t* code) noexcept {
  const vec r = rng.next();
  acc = ternary_logic(acc, zero, r, [](auto a, auto z, auto x) { return a | (z & ~x); });
  compare_bits(r, und, acc, sel4, code[1]);
#pragma GCC unroll 16
  for (int t = 2; t <= kUnchecked; ++t) compare_step(rng, und, acc, sel4, code[t]);
}
inline void decide_tail(LaneRng& rng, vec& und, vec& acc, vec sel4, const std::uint8_t* code,
                        int first, int max_bit) noexcept {
  for (int t = first; t <= max_bit && any(und); ++t) compare_step(rng, und, acc, sel4, code[t]);
}

/// Smallest and largest kUnchecked instantiated (lanes per vector 8·W from 8 to 512).
constexpr int kMinUnchecked = 3, kMaxUnchecked = 9;

/// Everything one colour update needs.
struct ColourPass {
  u64* s;             // words of the colour being updated (row 0)
  const u64* o;       // words of the other colour (row 0; ghost rows at ±m)
  std::size_t words;  // Ly·m
  std::size_t m;      // words per row
  int w;              // lane width W
  // Horizontal neighbour (y, i + s) of word g, by g mod 2m (bit l: word f + l of a chunk at f):
  // default word g + 1; wrap_right: word g + 1 − m rotated right (s = +1 at the row end);
  // left: word g − 1; wrap_left: word g − 1 + m rotated left (s = −1 at the row start).
  const std::uint8_t* wrap_right;
  const std::uint8_t* left;
  const std::uint8_t* wrap_left;
  u64 anti, lane_mask, always3, always4;
  u64 zero_half;  // ~0 when ΔE = 0 moves are accepted with probability 1/2, else 0
  const std::uint8_t* code;
  int max_bit;
  // Scratch, words + V entries each: words whose comparison outlives the unrolled head.
  u64* tail_und;   // their undecided lanes
  u64* tail_sel4;  // their a = 4 lanes
  u64* tail_word;  // their index
};

/// Lanes of b where bit l of mask is set, of a elsewhere.
inline vec select(std::uint8_t mask, vec a, vec b) noexcept {
#if defined(__AVX512F__)
  if constexpr (sizeof(vec) == 64) {
    return reinterpret_cast<vec>(
        _mm512_mask_mov_epi64(reinterpret_cast<__m512i>(a), mask, reinterpret_cast<__m512i>(b)));
  }
#endif
  vec m;
  for (int l = 0; l < V; ++l) m[l] = u64{0} - ((mask >> l) & 1);
  return (a & ~m) | (b & m);
}

/// Rotations by one bit within the low W bits of each word (the bits above W are zero).
template <bool kFull>
inline vec rot_right1(vec x, int w, vec lm) noexcept {  // bit k ← bit k+1 (mod W)
  if constexpr (kFull) return (x >> 1) | (x << 63);
  return ((x >> 1) | (x << (w - 1))) & lm;
}
template <bool kFull>
inline vec rot_left1(vec x, int w, vec lm) noexcept {  // bit k ← bit k−1 (mod W)
  if constexpr (kFull) return (x << 1) | (x >> 63);
  return ((x << 1) | (x >> (w - 1))) & lm;
}

/// Appends the words of a chunk that still have undecided lanes to the tail lists, without
/// branching; returns the new count.
inline std::size_t push_tail(const ColourPass& p, std::size_t n, std::size_t f, vec und,
                             vec sel4) noexcept {
#if defined(__AVX512F__)
  if constexpr (sizeof(vec) == 64) {
    const __m512i u = reinterpret_cast<__m512i>(und);
    const __mmask8 k = _mm512_test_epi64_mask(u, u);
    const __m512i index = _mm512_add_epi64(_mm512_set1_epi64(static_cast<long long>(f)),
                                           _mm512_set_epi64(7, 6, 5, 4, 3, 2, 1, 0));
    _mm512_storeu_si512(p.tail_und + n, _mm512_maskz_compress_epi64(k, u));
    _mm512_storeu_si512(p.tail_sel4 + n,
                        _mm512_maskz_compress_epi64(k, reinterpret_cast<__m512i>(sel4)));
    _mm512_storeu_si512(p.tail_word + n, _mm512_maskz_compress_epi64(k, index));
    return n + static_cast<std::size_t>(std::popcount(static_cast<unsigned>(k)));
  }
#endif
  for (int l = 0; l < V; ++l) {
    p.tail_und[n] = und[l];
    p.tail_sel4[n] = sel4[l];
    p.tail_word[n] = f + static_cast<std::size_t>(l);
    n += und[l] != 0;
  }
  return n;
}

template <int kUnchecked>
void run_pass(const ColourPass& pass, LaneRng& rng_state) noexcept {
  // Local copies: the stores to the spin words could alias a reference, which would keep the
  // generator state in memory instead of registers.
  const ColourPass p = pass;
  LaneRng rng = rng_state;
  const std::size_t m = p.m;
  const vec anti = splat(p.anti), lm = splat(p.lane_mask);
  const vec a3 = splat(p.always3), a4 = splat(p.always4), zh = splat(p.zero_half);
  std::size_t tails = 0;
  // Only real sites may keep the comparison going: mask the bits above W and, in the last
  // chunk, the padding words past the end (their junk would cost steps and make the random
  // stream depend on it).
  constexpr bool kFull = kUnchecked == 9;  // 8·W = 512 lanes ⇔ W = 64
  const std::size_t period = 2 * m, advance = V % period;
  std::size_t r = 0;  // f mod 2m
  vec live = lm;
  for (std::size_t f = 0; f < p.words; f += V) {
    if (f + V > p.words)
      for (std::size_t l = p.words - f; l < V; ++l) live[l] = 0;
    const vec s = load(p.s + f);
    vec side = load(p.o + f + 1);
    side = select(p.wrap_right[r], side, rot_right1<kFull>(load(p.o + f + 1 - m), p.w, lm));
    side = select(p.left[r], side, load(p.o + f - 1));
    side = select(p.wrap_left[r], side, rot_left1<kFull>(load(p.o + f + m - 1), p.w, lm));
    r += advance;
    r = r >= period ? r - period : r;
    const vec x1 = ~(s ^ load(p.o + f - m)) ^ anti;  // aligned with the neighbour above
    const vec x2 = ~(s ^ load(p.o + f + m)) ^ anti;  // below
    const vec x3 = ~(s ^ load(p.o + f)) ^ anti;      // (y, i)
    const vec x4 = ~(s ^ side) ^ anti;               // (y, i + s)
    const vec c12 = x1 & x2, s12 = x1 ^ x2, c34 = x3 & x4, s34 = x3 ^ x4;
    const vec eq4 = c12 & c34;                  // a = 4
    const vec eq3 = (c12 & s34) | (c34 & s12);  // a = 3
    // a = 2 (ΔE = 0), when those flips are random: 1 + 1, or 2 + 0 from the two pairs.
    const vec eq2 = ((s12 & s34) | (c12 & ~(x3 | x4)) | (c34 & ~(x1 | x2))) & zh & live;
    vec und = ((eq3 & ~a3) | (eq4 & ~a4)) & live;
    vec acc = ~(eq2 | eq3 | eq4) | (eq3 & a3) | (eq4 & a4);  // ΔE < 0 (or ≤ 0), or p = 1
    if (p.max_bit > 0) {
      decide_head<kUnchecked>(rng, und, acc, eq4, eq2, p.code);
    } else {  // p3 = p4 = 0: reject; ΔE = 0 lanes still need their coin
      if (p.zero_half) acc |= eq2 & ~rng.next();
      und = vec{};
    }
    store(p.s + f, s ^ (acc & lm));
    tails = push_tail(p, tails, f, und, eq4);
  }
  // Tail: the few words with lanes left, V at a time, from bit kUnchecked + 1 on.
  std::fill_n(p.tail_und + tails, V, u64{0});
  for (std::size_t i = 0; i < tails; i += V) {
    vec und = load(p.tail_und + i), acc = {};
    decide_tail(rng, und, acc, load(p.tail_sel4 + i), p.code, kUnchecked + 1, p.max_bit);
    const std::size_t n = std::min<std::size_t>(V, tails - i);
    for (std::size_t l = 0; l < n; ++l) p.s[p.tail_word[i + l]] ^= acc[l];
  }
  rng_state = rng;
}

/// J = 0 with ΔE = 0 moves at probability 1/2: every site flips with probability 1/2.
void run_free_pass(const ColourPass& p, LaneRng& rng) noexcept {
  vec live = splat(p.lane_mask);
  for (std::size_t f = 0; f < p.words; f += V) {
    if (f + V > p.words)
      for (std::size_t l = p.words - f; l < V; ++l) live[l] = 0;
    store(p.s + f, load(p.s + f) ^ (rng.next() & live));
  }
}

template <int K>
void run_pass_dispatch(int unchecked, const ColourPass& p, LaneRng& rng) noexcept {
  if constexpr (K < kMaxUnchecked) {
    if (unchecked > K) return run_pass_dispatch<K + 1>(unchecked, p, rng);
  }
  run_pass<K>(p, rng);
}

inline u64 rot_right1(u64 x, int w, u64 mask) noexcept {  // bit k ← bit k+1 (mod w)
  x &= mask;
  return ((x >> 1) | (x << (w - 1))) & mask;
}
inline u64 rot_left1(u64 x, int w, u64 mask) noexcept {  // bit k ← bit k−1 (mod w)
  x &= mask;
  return ((x << 1) | (x >> (w - 1))) & mask;
}

}  // namespace

// ------------------------------------------------------------------------------------------

bool MultispinMetropolis::supports(const ising::Lattice& lattice) {
  return lattice.dim == 2 && lattice.lx >= 2 && lattice.ly >= 2 && lattice.lx % 2 == 0 &&
         lattice.ly % 2 == 0;
}

MultispinMetropolis::MultispinMetropolis(const ising::Model& model, std::uint64_t seed,
                                         std::uint64_t stream, ZeroEnergyFlip zero)
    : model_(model), zero_(zero) {
  model_.validate();
  if (model_.h != 0) throw ConfigError("h", "multispin Metropolis needs h = 0");
  const auto& lat = model_.lattice;
  if (lat.dim != 2) throw ConfigError("model", "multispin Metropolis needs a 2D lattice");
  if (lat.lx % 2 != 0) throw ConfigError("L", "checkerboard updates need an even L");
  if (lat.ly % 2 != 0) throw ConfigError("Ly", "checkerboard updates need an even Ly");

  lx_ = lat.lx;
  ly_ = lat.ly;
  n2_ = lx_ / 2;
  w_ = 64;
  while (n2_ % w_ != 0) w_ /= 2;
  m_ = n2_ / w_;
  lane_mask_ = w_ == 64 ? ~u64{0} : (u64{1} << w_) - 1;
  anti_ = model_.J < 0 ? ~u64{0} : 0;

  const std::size_t m = static_cast<std::size_t>(m_);
  const std::size_t words = static_cast<std::size_t>(ly_) * m;
  base_ = (m + V - 1) / V * V;
  for (auto& s : spin_) s.assign(base_ + words + 2 * m + 2 * V, lane_mask_);
  // Horizontal-neighbour masks by residue g mod 2m, for each colour (see ColourPass).
  const std::size_t period = 2 * m;
  for (int c = 0; c < 2; ++c) {
    auto& masks = side_masks_[c];
    masks.assign(3 * period, 0);
    for (std::size_t r0 = 0; r0 < period; ++r0) {
      for (int l = 0; l < V; ++l) {
        const std::size_t g = (r0 + static_cast<std::size_t>(l)) % period;
        const std::size_t y = g / m, j = g % m;  // y: row parity relative to the chunk
        const bool right = ((static_cast<std::size_t>(c) + y) & 1) != 0;
        const auto bit = static_cast<std::uint8_t>(1u << l);
        if (right && j == m - 1) masks[r0] |= bit;
        if (!right && j > 0) masks[period + r0] |= bit;
        if (!right && j == 0) masks[2 * period + r0] |= bit;
      }
    }
  }
  tail_.assign(3 * (words + V), 0);

  const double k = std::abs(model_.K());
  const double p3 = std::exp(-4 * k), p4 = std::exp(-8 * k);
  always3_ = p3 >= 1 ? ~u64{0} : 0;
  always4_ = p4 >= 1 ? ~u64{0} : 0;
  code_ = comparison_code(p3, p4, kMaxUnchecked + 1, max_bit_);

  LaneRng::jumped(seed, stream).save(rng_);
}

void MultispinMetropolis::refresh_ghosts(int c) {
  const std::size_t m = static_cast<std::size_t>(m_);
  std::memcpy(row(c, -1), row(c, ly_ - 1), m * sizeof(u64));
  std::memcpy(row(c, ly_), row(c, 0), m * sizeof(u64));
}

void MultispinMetropolis::update_colour(int c) {
  const int m = m_;
  const std::size_t words = static_cast<std::size_t>(ly_) * static_cast<std::size_t>(m);

  const std::size_t tail_size = words + V;
  ColourPass pass{row(c, 0),
                  row(1 - c, 0),
                  words,
                  static_cast<std::size_t>(m),
                  w_,
                  side_masks_[c].data(),
                  side_masks_[c].data() + 2 * static_cast<std::size_t>(m),
                  side_masks_[c].data() + 4 * static_cast<std::size_t>(m),
                  anti_,
                  lane_mask_,
                  always3_,
                  always4_,
                  zero_ == ZeroEnergyFlip::half ? ~u64{0} : 0,
                  code_.data(),
                  max_bit_,
                  tail_.data(),
                  tail_.data() + tail_size,
                  tail_.data() + 2 * tail_size};
  const int unchecked = std::bit_width(static_cast<unsigned>(V * w_)) - 1;
  LaneRng rng = LaneRng::load(rng_);
  if (model_.J == 0 && zero_ == ZeroEnergyFlip::half)
    run_free_pass(pass, rng);
  else
    run_pass_dispatch<kMinUnchecked>(unchecked, pass, rng);
  rng.save(rng_);
  refresh_ghosts(c);
}

void MultispinMetropolis::sweep() {
  update_colour(0);
  update_colour(1);
}

void MultispinMetropolis::sweeps(std::int64_t n) {
  for (std::int64_t i = 0; i < n; ++i) sweep();
}

void MultispinMetropolis::get(std::span<std::int8_t> out) const {
  check_configuration(out, model_.lattice.sites(), false);
  for (int y = 0; y < ly_; ++y) {
    std::int8_t* out_row = out.data() + static_cast<std::size_t>(y) * lx_;
    for (int c = 0; c < 2; ++c) {
      const u64* words = row(c, y);
      const int parity = (c + y) & 1;
      for (int j = 0; j < m_; ++j) {
        const u64 w = words[j];
        for (int k = 0; k < w_; ++k) {
          const int x = 2 * (k * m_ + j) + parity;
          out_row[x] = ((w >> k) & 1) ? std::int8_t{1} : std::int8_t{-1};
        }
      }
    }
  }
}

void MultispinMetropolis::set(std::span<const std::int8_t> spins) {
  check_configuration(spins, model_.lattice.sites());
  for (int y = 0; y < ly_; ++y) {
    const std::int8_t* in_row = spins.data() + static_cast<std::size_t>(y) * lx_;
    for (int c = 0; c < 2; ++c) {
      u64* words = row(c, y);
      const int parity = (c + y) & 1;
      for (int j = 0; j < m_; ++j) {
        u64 w = 0;
        for (int k = 0; k < w_; ++k) {
          const int x = 2 * (k * m_ + j) + parity;
          w |= static_cast<u64>(in_row[x] > 0) << k;
        }
        words[j] = w;
      }
    }
  }
  refresh_ghosts(0);
  refresh_ghosts(1);
}

std::int64_t MultispinMetropolis::bond_sum() const {
  // Every bond joins a colour-0 site to a colour-1 site: sum the four bonds of colour 0.
  std::int64_t misaligned = 0;
  for (int y = 0; y < ly_; ++y) {
    const u64* s = row(0, y);
    const u64* up = row(1, y - 1);
    const u64* down = row(1, y + 1);
    const u64* same = row(1, y);
    const bool right = (y & 1) != 0;  // s = +1 for colour 0 in odd rows
    for (int j = 0; j < m_; ++j) {
      u64 side;
      if (right)
        side = j + 1 < m_ ? same[j + 1] : rot_right1(same[0], w_, lane_mask_);
      else
        side = j > 0 ? same[j - 1] : rot_left1(same[m_ - 1], w_, lane_mask_);
      const u64 w = s[j];
      misaligned +=
          std::popcount((w ^ up[j]) & lane_mask_) + std::popcount((w ^ down[j]) & lane_mask_) +
          std::popcount((w ^ same[j]) & lane_mask_) + std::popcount((w ^ side) & lane_mask_);
    }
  }
  const auto bonds = static_cast<std::int64_t>(model_.lattice.bonds());
  return bonds - 2 * misaligned;
}

std::int64_t MultispinMetropolis::magnetization() const {
  std::int64_t up = 0;
  for (int c = 0; c < 2; ++c)
    for (int y = 0; y < ly_; ++y)
      for (int j = 0; j < m_; ++j) up += std::popcount(row(c, y)[j] & lane_mask_);
  return 2 * up - static_cast<std::int64_t>(model_.lattice.sites());
}

namespace detail {

void bernoulli_words(double p, std::uint64_t seed, std::uint64_t stream,
                     std::span<std::uint64_t> out) {
  if (!(p >= 0 && p <= 1)) throw ConfigError("p", "probability must lie in [0, 1]");
  if (p == 1) {
    std::fill(out.begin(), out.end(), ~u64{0});
    return;
  }
  int max_bit = 0;
  const auto code = comparison_code(p, 0.0, kMaxUnchecked + 1, max_bit);  // no lane uses "p4"
  LaneRng rng = LaneRng::jumped(seed, stream);
  for (std::size_t f = 0; f < out.size(); f += V) {
    vec und = splat(~u64{0}), acc = {};
    if (max_bit > 0) {
      decide_head<kMaxUnchecked>(rng, und, acc, vec{}, vec{}, code.data());
      decide_tail(rng, und, acc, vec{}, code.data(), kMaxUnchecked + 1, max_bit);
    }
    u64 buf[V];
    store(buf, acc);
    std::copy_n(buf, std::min<std::size_t>(V, out.size() - f), out.data() + f);
  }
}

void random_words(std::uint64_t seed, std::uint64_t stream, std::span<std::uint64_t> out) {
  LaneRng rng = LaneRng::jumped(seed, stream);
  for (std::size_t f = 0; f < out.size(); f += V) {
    u64 buf[V];
    store(buf, rng.next());
    std::copy_n(buf, std::min<std::size_t>(V, out.size() - f), out.data() + f);
  }
}

}  // namespace detail

}  // namespace deeprg::mc
