#include "deeprg/rg/block_spin.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "deeprg/core/error.hpp"
#include "deeprg/core/parallel.hpp"
#include "deeprg/core/rng.hpp"

namespace deeprg::rg {

namespace {

// Samples per parallel work item: coarse-graining one sample is only ~N operations, so single
// samples would make the shared counter in parallel_for the bottleneck.
constexpr std::size_t kChunk = 64;
constexpr std::uint64_t kTiesTag = 0x74696573;  // "ties"

std::string shape_string(const ising::Lattice& lattice) {
  if (lattice.dim == 1) return "chain of length " + std::to_string(lattice.lx);
  return std::to_string(lattice.ly) + "×" + std::to_string(lattice.lx) + " lattice";
}

void check_b(int b) {
  if (b < 2) throw ConfigError("b", "block size must be at least 2, got " + std::to_string(b));
}

// Majority rule on one 2D (or, with ly = 1, 1D) configuration. Block sums are accumulated row
// by row so the inner loop runs over contiguous memory.
void majority(const ising::Lattice& fine, const ising::Lattice& coarse, int b, Ties ties,
              const std::int8_t* in, std::int8_t* out, Rng& rng, std::vector<int>& sums) {
  const int bx = b, by = fine.dim == 1 ? 1 : b;
  sums.assign(static_cast<std::size_t>(coarse.lx), 0);
  for (int cy = 0; cy < coarse.ly; ++cy) {
    std::fill(sums.begin(), sums.end(), 0);
    for (int dy = 0; dy < by; ++dy) {
      const std::int8_t* row = in + static_cast<std::size_t>(cy * by + dy) * fine.lx;
      for (int x = 0; x < fine.lx; ++x) sums[static_cast<std::size_t>(x / bx)] += row[x];
    }
    std::int8_t* dst = out + static_cast<std::size_t>(cy) * coarse.lx;
    const std::int8_t* top = in + static_cast<std::size_t>(cy * by) * fine.lx;
    for (int cx = 0; cx < coarse.lx; ++cx) {
      const int s = sums[static_cast<std::size_t>(cx)];
      if (s > 0) {
        dst[cx] = 1;
      } else if (s < 0) {
        dst[cx] = -1;
      } else if (ties == Ties::top_left) {
        dst[cx] = top[cx * bx];
      } else {
        dst[cx] = (rng() >> 63) != 0 ? std::int8_t{1} : std::int8_t{-1};
      }
    }
  }
}

void decimation(const ising::Lattice& fine, const ising::Lattice& coarse, int b,
                const std::int8_t* in, std::int8_t* out) {
  const int by = fine.dim == 1 ? 1 : b;
  for (int cy = 0; cy < coarse.ly; ++cy) {
    const std::int8_t* row = in + static_cast<std::size_t>(cy * by) * fine.lx;
    std::int8_t* dst = out + static_cast<std::size_t>(cy) * coarse.lx;
    for (int cx = 0; cx < coarse.lx; ++cx) dst[cx] = row[cx * b];
  }
}

}  // namespace

ising::Lattice coarse_lattice(const ising::Lattice& lattice, int b) {
  check_b(b);
  const std::string bs = std::to_string(b);
  if (lattice.dim == 1) {
    if (lattice.lx % b != 0)
      throw ShapeError(shape_string(lattice) + " is not divisible into blocks of b=" + bs);
    if (lattice.lx / b < 2)
      throw ShapeError(shape_string(lattice) + " with b=" + bs + " would leave a chain of length " +
                       std::to_string(lattice.lx / b) + " (at least 2 needed)");
    return ising::Lattice::chain(lattice.lx / b);
  }
  if (lattice.lx % b != 0 || lattice.ly % b != 0)
    throw ShapeError(shape_string(lattice) + " is not divisible into " + bs + "×" + bs + " blocks");
  if (lattice.lx / b < 2 || lattice.ly / b < 2)
    throw ShapeError(shape_string(lattice) + " with b=" + bs + " would leave a " +
                     std::to_string(lattice.ly / b) + "×" + std::to_string(lattice.lx / b) +
                     " lattice (sides of at least 2 needed)");
  return ising::Lattice::square(lattice.lx / b, lattice.ly / b);
}

std::string to_string(BlockRule rule) {
  return rule == BlockRule::majority ? "majority" : "decimation";
}

std::string to_string(Ties ties) { return ties == Ties::random ? "random" : "top-left"; }

BlockRule parse_block_rule(const std::string& name) {
  if (name == "majority") return BlockRule::majority;
  if (name == "decimation") return BlockRule::decimation;
  throw ConfigError("rule", "unknown block rule '" + name + "' (majority or decimation)");
}

Ties parse_ties(const std::string& name) {
  if (name == "random") return Ties::random;
  if (name == "top-left" || name == "top_left") return Ties::top_left;
  throw ConfigError("ties", "unknown tie rule '" + name + "' (random or top-left)");
}

int max_block_levels(const ising::Lattice& lattice, int b) {
  check_b(b);
  int levels = 0;
  ising::Lattice current = lattice;
  for (;;) {
    try {
      current = coarse_lattice(current, b);
    } catch (const ShapeError&) {
      return levels;
    }
    ++levels;
  }
}

io::SpinSamples block_spin(const io::SpinSamples& samples, const BlockSpinOptions& options,
                           int level) {
  if (level < 0) throw ConfigError("level", "must be at least 0, got " + std::to_string(level));
  const ising::Lattice& fine = samples.lattice;
  if (fine.dim != 1 && fine.dim != 2)
    throw ShapeError("block_spin: lattice dimension must be 1 or 2, got " +
                     std::to_string(fine.dim));
  const ising::Lattice coarse = coarse_lattice(fine, options.b);
  const std::size_t n_fine = fine.sites(), n_coarse = coarse.sites();
  if (samples.count > samples.spins.size() / n_fine ||
      samples.spins.size() != samples.count * n_fine)
    throw ShapeError("block_spin: " + std::to_string(samples.spins.size()) + " spins do not make " +
                     std::to_string(samples.count) + " samples of a " + shape_string(fine));

  io::SpinSamples out;
  out.lattice = coarse;
  out.count = samples.count;
  out.spins.resize(samples.count * n_coarse);
  const std::size_t chunks = (samples.count + kChunk - 1) / kChunk;
  parallel_for(chunks, options.threads, [&](std::size_t c) {
    std::vector<int> sums;
    const std::size_t end = std::min(samples.count, (c + 1) * kChunk);
    for (std::size_t i = c * kChunk; i < end; ++i) {
      const std::int8_t* in = samples.spins.data() + i * n_fine;
      std::int8_t* dst = out.spins.data() + i * n_coarse;
      if (options.rule == BlockRule::decimation) {
        decimation(fine, coarse, options.b, in, dst);
      } else {
        // One stream per (level, sample): tie-breaking never depends on which thread ran the
        // sample. Seeding costs four SplitMix64 steps, negligible next to the block sums.
        Rng rng(options.seed, stream_id(kTiesTag, static_cast<std::uint64_t>(level), i));
        majority(fine, coarse, options.b, options.ties, in, dst, rng, sums);
      }
    }
  });
  return out;
}

void check_block_levels(const ising::Lattice& lattice, int b, int levels) {
  if (levels < 0) throw ConfigError("levels", "must be at least 0, got " + std::to_string(levels));
  const int possible = max_block_levels(lattice, b);
  if (levels <= possible) return;
  // Name the first step that fails, which says why (divisibility or size).
  ising::Lattice current = lattice;
  for (int k = 0; k < possible; ++k) current = coarse_lattice(current, b);
  try {
    coarse_lattice(current, b);
  } catch (const ShapeError& e) {
    if (possible == 0) throw;  // the first step already fails: its message says it all
    throw ShapeError(shape_string(lattice) + " allows at most " + std::to_string(possible) +
                     " coarse-graining level" + (possible == 1 ? "" : "s") +
                     " with b=" + std::to_string(b) + ", asked for " + std::to_string(levels) +
                     " (level " + std::to_string(possible + 1) + ": " + e.what() + ")");
  }
}

std::vector<io::SpinSamples> block_spin_levels(const io::SpinSamples& samples,
                                               const BlockSpinOptions& options, int levels) {
  check_block_levels(samples.lattice, options.b, levels);
  std::vector<io::SpinSamples> out;
  out.reserve(static_cast<std::size_t>(levels) + 1);
  out.push_back(samples);
  for (int k = 0; k < levels; ++k) out.push_back(block_spin(out.back(), options, k));
  return out;
}

double majority_agreement(const io::SpinSamples& fine, const io::SpinSamples& coarse) {
  const ising::Lattice& f = fine.lattice;
  const int b = coarse.lattice.lx > 0 ? f.lx / coarse.lattice.lx : 0;
  const bool fits = b >= 2 && coarse.lattice.dim == f.dim && coarse.count == fine.count &&
                    coarse.lattice.lx * b == f.lx &&
                    (f.dim == 1 || coarse.lattice.ly * b == f.ly) &&
                    fine.spins.size() == fine.count * f.sites() &&
                    coarse.spins.size() == coarse.count * coarse.lattice.sites();
  if (!fits)
    throw ShapeError("majority agreement: " + shape_string(coarse.lattice) +
                     " is not the coarse lattice of a " + shape_string(f) + " with the same " +
                     "number of samples");
  const int by = f.dim == 1 ? 1 : b;
  const ising::Lattice& c = coarse.lattice;
  std::size_t agree = 0, counted = 0;
  for (std::size_t i = 0; i < fine.count; ++i) {
    const std::int8_t* in = fine.spins.data() + i * f.sites();
    const std::int8_t* out = coarse.spins.data() + i * c.sites();
    for (int cy = 0; cy < c.ly; ++cy)
      for (int cx = 0; cx < c.lx; ++cx) {
        int sum = 0;
        for (int dy = 0; dy < by; ++dy)
          for (int dx = 0; dx < b; ++dx) sum += in[std::size_t(cy * by + dy) * f.lx + cx * b + dx];
        if (sum == 0) continue;
        ++counted;
        agree += (sum > 0) == (out[std::size_t(cy) * c.lx + cx] > 0);
      }
  }
  return counted == 0 ? std::nan("") : double(agree) / double(counted);
}

CoarseGraining recording_majority_agreement(CoarseGraining map, std::vector<double>& agreement) {
  return [map = std::move(map), &agreement](const io::SpinSamples& samples, int level) {
    io::SpinSamples next = map(samples, level);
    const auto k = static_cast<std::size_t>(level);
    if (agreement.size() <= k) agreement.resize(k + 1, std::nan(""));
    agreement[k] = majority_agreement(samples, next);
    return next;
  };
}

}  // namespace deeprg::rg
