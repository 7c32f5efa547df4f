#include "deeprg/rg/mutual_information.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cassert>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <numeric>

#include "deeprg/core/clock.hpp"
#include "deeprg/core/error.hpp"
#include "deeprg/core/json.hpp"
#include "deeprg/core/parallel.hpp"
#include "deeprg/ising/exact.hpp"

namespace deeprg::rg {

namespace {

using Clock = std::chrono::steady_clock;

void check_b(int b, const std::string& key = "b") {
  if (b < 2) throw ConfigError(key, "block side must be at least 2, got " + std::to_string(b));
  if (b * b > kMaxBlockVariableSites)
    throw ConfigError(key, "block side " + std::to_string(b) + " has " + std::to_string(b * b) +
                               " sites; at most " + std::to_string(kMaxBlockVariableSites) +
                               " (b <= 4) fit a table of 2^(b*b) block states");
}

void check_k(double K) {
  if (!std::isfinite(K)) throw ConfigError("K", "coupling K must be finite");
}

void check_buffer(int w) {
  if (w < 0) throw ConfigError("buffer", "buffer width must be >= 0, got " + std::to_string(w));
}

std::string hex(std::uint64_t x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "0x%04llx", static_cast<unsigned long long>(x));
  return buf;
}

int mod(int a, int n) { return ((a % n) + n) % n; }

// ---------------------------------------------------------------------------------------------
// The transfer over R = (b + 2w)² given its ring, shared by sampled_conditionals and
// block_conditional.

struct Transfer {
  int b, w, r;
  double K;
  std::size_t states;           // 2^(b²)
  std::size_t row_states;       // 2^r
  std::vector<int> horizontal;  // Σ_{i<r-1} σ_i σ_{i+1} per row state
  std::vector<double> psi, next, energy;

  Transfer(int b_, int w_, double K_)
      : b(b_),
        w(w_),
        r(b_ + 2 * w_),
        K(K_),
        states(std::size_t{1} << (b_ * b_)),
        row_states(std::size_t{1} << (b_ + 2 * w_)) {
    horizontal.resize(row_states);
    for (std::size_t s = 0; s < row_states; ++s) {
      int sum = 0;
      for (int i = 0; i + 1 < r; ++i) sum += ((s >> i & 1) == (s >> (i + 1) & 1)) ? 1 : -1;
      horizontal[s] = sum;
    }
    psi.resize(states * row_states);
    next.resize(states * row_states);
    energy.resize(row_states);
  }

  static int spin(std::uint64_t bits, int i) { return (bits >> i & 1) ? 1 : -1; }
  // Σ_i σ_i τ_i for r-bit rows s and t.
  int overlap(std::uint64_t s, std::uint64_t t) const {
    return r - 2 * std::popcount((s ^ t) & ((std::uint64_t{1} << r) - 1));
  }

  // p(V | ring) into out (states values). Ring bits: top row i → bit i, bottom row → r + i,
  // left column j → 2r + j, right column → 3r + j.
  void run(std::uint64_t ring, double* out) {
    const std::uint64_t rmask = (std::uint64_t{1} << r) - 1;
    const std::uint64_t top = ring & rmask, bottom = (ring >> r) & rmask;
    const std::uint64_t left = (ring >> (2 * r)) & rmask, right = (ring >> (3 * r)) & rmask;
    // e^{K s s'} / e^{|K|}: the pair factors of one vertical bond, ≤ 1.
    const double same = K >= 0 ? 1.0 : std::exp(2 * K);
    const double diff = K >= 0 ? std::exp(-2 * K) : 1.0;
    std::size_t v_count = 1;  // block states reachable so far: bits of completed block rows
    for (int y = 0; y < r; ++y) {
      // Row energy: horizontal bonds, the ring's left/right sites, top/bottom ring rows.
      double emax = -1e300;
      for (std::size_t s = 0; s < row_states; ++s) {
        int e = horizontal[s] + spin(s, 0) * spin(left, y) + spin(s, r - 1) * spin(right, y);
        if (y == 0) e += overlap(s, top);
        if (y == r - 1) e += overlap(s, bottom);
        energy[s] = K * e;
        emax = std::max(emax, energy[s]);
      }
      for (std::size_t s = 0; s < row_states; ++s) energy[s] = std::exp(energy[s] - emax);
      const bool block_row = y >= w && y < w + b;
      const int shift = block_row ? b * (y - w) : 0;
      const std::uint64_t bmask = (std::uint64_t{1} << b) - 1;
      if (y == 0) {
        std::fill(psi.begin(), psi.end(), 0.0);
        for (std::size_t s = 0; s < row_states; ++s) {
          const std::size_t v = block_row ? ((s >> w) & bmask) << shift : 0;
          psi[v * row_states + s] = energy[s];
        }
      } else {
        // Vertical bonds to the previous row, one site (bit) at a time: a 2×2 transform per
        // bit instead of a 2^r × 2^r matrix.
        for (std::size_t v = 0; v < v_count; ++v) {
          double* p = psi.data() + v * row_states;
          for (int i = 0; i < r; ++i) {
            const std::size_t bit = std::size_t{1} << i;
            for (std::size_t s = 0; s < row_states; ++s) {
              if (s & bit) continue;
              const double a = p[s], c = p[s | bit];
              p[s] = same * a + diff * c;
              p[s | bit] = diff * a + same * c;
            }
          }
        }
        if (block_row) {
          std::fill(next.begin(),
                    next.begin() + static_cast<std::ptrdiff_t>((v_count << b) * row_states), 0.0);
          for (std::size_t v = 0; v < v_count; ++v)
            for (std::size_t s = 0; s < row_states; ++s) {
              const std::size_t v2 = v | (((s >> w) & bmask) << shift);
              next[v2 * row_states + s] = psi[v * row_states + s] * energy[s];
            }
          std::swap(psi, next);
        } else {
          for (std::size_t v = 0; v < v_count; ++v)
            for (std::size_t s = 0; s < row_states; ++s) psi[v * row_states + s] *= energy[s];
        }
      }
      if (block_row) v_count <<= b;
      // Renormalise: only ratios matter, and this keeps every number in range.
      double total = 0;
      for (std::size_t i = 0; i < v_count * row_states; ++i) total += psi[i];
      if (!(total > 0) || !std::isfinite(total))
        throw Error(
            "mutual information: the transfer over the block's region under- or "
            "overflowed at K = " +
            std::to_string(K) + " (|K| too large for double precision)");
      const double inv = 1.0 / total;
      for (std::size_t i = 0; i < v_count * row_states; ++i) psi[i] *= inv;
    }
    assert(v_count == states);
    for (std::size_t v = 0; v < states; ++v) {
      double sum = 0;
      for (std::size_t s = 0; s < row_states; ++s) sum += psi[v * row_states + s];
      out[v] = sum;
    }
  }
};

void check_region(const ising::Lattice& lattice, int b, int w) {
  check_b(b);
  check_buffer(w);
  if (lattice.dim != 2)
    throw ShapeError("mutual information needs a 2D lattice; got a chain of " +
                     std::to_string(lattice.lx) + " sites");
  const int r = b + 2 * w;
  if (r >= lattice.lx || r >= lattice.ly)
    throw ShapeError("block b=" + std::to_string(b) + " with buffer w=" + std::to_string(w) +
                     " spans " + std::to_string(r) + "x" + std::to_string(r) +
                     " sites, which on a " + std::to_string(lattice.ly) + "x" +
                     std::to_string(lattice.lx) +
                     " torus wraps onto itself; b + 2w < min(Lx, Ly) is needed (use "
                     "exact_conditionals / deeprg mi --exact for a region that wraps)");
  if (r > kMaxRegionSide || r + b * b > kMaxTransferBits)
    throw ConfigError("buffer",
                      "block b=" + std::to_string(b) + " with buffer w=" + std::to_string(w) +
                          " needs a transfer over 2^" + std::to_string(r + b * b) +
                          " states; at most r <= " + std::to_string(kMaxRegionSide) +
                          " and r + b*b <= " + std::to_string(kMaxTransferBits) + " (r = b + 2w)");
}

std::uint64_t ring_key(const ising::Lattice& lattice, std::span<const std::int8_t> spins, int b,
                       int w, int x0, int y0) {
  const int r = b + 2 * w, lx = lattice.lx, ly = lattice.ly;
  const int rx = x0 - w, ry = y0 - w;  // top-left corner of R
  auto up = [&](int x, int y) -> std::uint64_t {
    return spins[static_cast<std::size_t>(mod(y, ly)) * static_cast<std::size_t>(lx) +
                 static_cast<std::size_t>(mod(x, lx))] > 0
               ? 1
               : 0;
  };
  std::uint64_t key = 0;
  for (int i = 0; i < r; ++i) {
    key |= up(rx + i, ry - 1) << i;
    key |= up(rx + i, ry + r) << (r + i);
    key |= up(rx - 1, ry + i) << (2 * r + i);
    key |= up(rx + r, ry + i) << (3 * r + i);
  }
  return key;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Coarse variables.

void BlockVariable::validate() const {
  check_b(b);
  if (up_probability.size() != states())
    throw ShapeError("coarse variable '" + name + "': a table for b=" + std::to_string(b) +
                     " needs 2^" + std::to_string(b * b) + " = " + std::to_string(states()) +
                     " values, got " + std::to_string(up_probability.size()));
  for (std::size_t v = 0; v < states(); ++v) {
    const double q = up_probability[v];
    if (!(q >= 0.0 && q <= 1.0))
      throw ConfigError("table", "coarse variable '" + name + "': p(H=+1 | V) of block state " +
                                     std::to_string(v) + " is " + std::to_string(q) +
                                     ", not a probability in [0, 1]");
  }
}

BlockVariable majority_variable(int b, Ties ties) {
  check_b(b);
  BlockVariable out{b, {}, ties == Ties::random ? "majority" : "majority_top_left"};
  out.up_probability.resize(out.states());
  for (std::size_t v = 0; v < out.states(); ++v) {
    const int sum = 2 * std::popcount(v) - b * b;
    out.up_probability[v] = sum > 0                ? 1.0
                            : sum < 0              ? 0.0
                            : ties == Ties::random ? 0.5
                                                   : static_cast<double>(v & 1);
  }
  return out;
}

BlockVariable decimation_variable(int b) {
  check_b(b);
  BlockVariable out{b, {}, "decimation"};
  out.up_probability.resize(out.states());
  for (std::size_t v = 0; v < out.states(); ++v) out.up_probability[v] = static_cast<double>(v & 1);
  return out;
}

BlockVariable learned_variable(const rbm::Rbm& map, Readout readout) {
  const int b = block_side(map, 2);
  check_b(b);
  BlockVariable out{b, {}, readout == Readout::sign ? "learned_sign" : "learned_sample"};
  out.up_probability.resize(out.states());
  for (std::size_t v = 0; v < out.states(); ++v) {
    double x = map.hidden_bias[0];
    for (std::size_t k = 0; k < map.n_visible(); ++k)
      x += static_cast<double>(map.W(k, 0)) * ((v >> k & 1) ? 1.0 : -1.0);
    out.up_probability[v] = readout == Readout::sign ? (x > 0    ? 1.0
                                                        : x == 0 ? 0.5
                                                                 : 0.0)
                                                     : 1.0 / (1.0 + std::exp(-2.0 * x));
  }
  return out;
}

BlockVariable function_variable(int b, std::uint64_t function) {
  if (b != 2)
    throw ConfigError("b",
                      "a truth table as one integer needs 2^(b*b) <= 64 block states, i.e. "
                      "b = 2; got b=" +
                          std::to_string(b));
  if (function >> 16)
    throw ConfigError("function", "truth table " + hex(function) +
                                      " has bits above the 16 block states of b = 2");
  BlockVariable out{b, {}, "f_" + hex(function)};
  out.up_probability.resize(16);
  for (std::size_t v = 0; v < 16; ++v)
    out.up_probability[v] = static_cast<double>(function >> v & 1);
  return out;
}

BlockVariable conditional_variable(const io::SpinSamples& fine, const io::SpinSamples& coarse,
                                   std::string name) {
  const ising::Lattice& f = fine.lattice;
  const ising::Lattice& c = coarse.lattice;
  if (f.dim != 2 || c.dim != 2 || c.lx < 1 || f.lx % c.lx != 0 || f.ly % c.ly != 0 ||
      f.lx / c.lx != f.ly / c.ly || fine.count != coarse.count ||
      fine.spins.size() != fine.count * f.sites() ||
      coarse.spins.size() != coarse.count * c.sites())
    throw ShapeError(
        "a block's conditional needs 2D samples and their coarse image, the lattice "
        "divided by one integer b, sample for sample");
  const int b = f.lx / c.lx;
  if (b < 2 || b * b > kMaxBlockVariableSites)
    throw ShapeError("a block's conditional needs 2 <= b and b*b <= " +
                     std::to_string(kMaxBlockVariableSites) + ", got b=" + std::to_string(b));
  const std::size_t states = std::size_t{1} << (b * b);
  std::vector<std::uint64_t> up(states, 0), seen(states, 0);
  for (std::size_t i = 0; i < fine.count; ++i) {
    const std::int8_t* s = fine.spins.data() + i * f.sites();
    const std::int8_t* h = coarse.spins.data() + i * c.sites();
    for (int cy = 0; cy < c.ly; ++cy)
      for (int cx = 0; cx < c.lx; ++cx) {
        std::size_t v = 0;
        for (int k = 0; k < b * b; ++k)
          if (s[static_cast<std::size_t>((cy * b + k / b) * f.lx + cx * b + k % b)] > 0)
            v |= std::size_t{1} << k;
        ++seen[v];
        up[v] += h[static_cast<std::size_t>(cy * c.lx + cx)] > 0;
      }
  }
  BlockVariable out{b, std::vector<double>(states, 0.5), std::move(name)};
  for (std::size_t v = 0; v < states; ++v)
    if (seen[v] > 0) out.up_probability[v] = double(up[v]) / double(seen[v]);
  return out;
}

BlockVariable flipped(const BlockVariable& variable) {
  BlockVariable out = variable;
  out.name = "-" + variable.name;
  for (double& q : out.up_probability) q = 1.0 - q;
  return out;
}

std::vector<int> up_states(std::uint64_t function, int b) {
  std::vector<int> out;
  const int n = 1 << (b * b);
  for (int v = 0; v < n && v < 64; ++v)
    if (function >> v & 1) out.push_back(v);
  return out;
}

double binary_entropy(double p) noexcept {
  p = std::clamp(p, 0.0, 1.0);
  double h = 0;
  if (p > 0) h -= p * std::log(p);
  if (p < 1) h -= (1 - p) * std::log1p(-p);
  return h;
}

// ---------------------------------------------------------------------------------------------
// Exact conditionals.

EnvironmentConditionals exact_conditionals(const ising::Lattice& lattice, double K,
                                           const MiRegion& region, int threads) {
  const auto start = Clock::now();
  check_k(K);
  check_b(region.b);
  check_buffer(region.buffer);
  if (lattice.dim != 2)
    throw ConfigError("L", "exact mutual information needs a 2D torus; got a chain");
  lattice.validate();
  if (lattice.sites() > static_cast<std::size_t>(ising::kMaxEnumerationSites))
    throw ConfigError("L", "exact enumeration handles at most " +
                               std::to_string(ising::kMaxEnumerationSites) + " sites; " +
                               std::to_string(lattice.ly) + "x" + std::to_string(lattice.lx) +
                               " has " + std::to_string(lattice.sites()));
  const int b = region.b, w = region.buffer, lx = lattice.lx, ly = lattice.ly;
  if (b > lx || b > ly)
    throw ShapeError("block side b=" + std::to_string(b) + " does not fit the " +
                     std::to_string(ly) + "x" + std::to_string(lx) + " torus");
  const int n = static_cast<int>(lattice.sites());
  auto site = [lx, ly](int x, int y) { return mod(y, ly) * lx + mod(x, lx); };

  // Classify sites: block (bit k), buffer (torus Chebyshev distance 1 … w), environment.
  std::vector<int> block_bit(static_cast<std::size_t>(n), -1);
  for (int k = 0; k < b * b; ++k) block_bit[site(region.x0 + k % b, region.y0 + k / b)] = k;
  auto axis_distance = [b](int d, int l) {  // d = (coordinate − corner) mod l
    return d < b ? 0 : std::min(d - (b - 1), l - d);
  };
  std::vector<char> in_r(static_cast<std::size_t>(n), 0);
  for (int y = 0; y < ly; ++y)
    for (int x = 0; x < lx; ++x) {
      const int d = std::max(axis_distance(mod(x - region.x0, lx), lx),
                             axis_distance(mod(y - region.y0, ly), ly));
      in_r[site(x, y)] = d <= w ? 1 : 0;
    }
  // Neighbours with multiplicity (right, left, down, up): a side of 2 doubles bonds.
  std::vector<std::array<int, 4>> nbr(static_cast<std::size_t>(n));
  for (int y = 0; y < ly; ++y)
    for (int x = 0; x < lx; ++x)
      nbr[site(x, y)] = {site(x + 1, y), site(x - 1, y), site(x, y + 1), site(x, y - 1)};
  std::vector<int> ring, inner;
  for (int s = 0; s < n; ++s) {
    if (in_r[s]) {
      if (block_bit[s] < 0) inner.push_back(s);
      continue;
    }
    bool touches = false;
    for (int t : nbr[s]) touches = touches || in_r[t];
    (touches ? ring : inner).push_back(s);
  }
  const int ring_bits = static_cast<int>(ring.size());
  if (ring_bits + b * b > kMaxExactTableBits)
    throw ShapeError(
        "exact mutual information: the environment touching the block and buffer has " +
        std::to_string(ring_bits) + " sites; with the " + std::to_string(b * b) +
        " block sites that is a table of 2^" + std::to_string(ring_bits + b * b) +
        " entries, more than 2^" + std::to_string(kMaxExactTableBits));

  EnvironmentConditionals out;
  out.exact = true;
  out.lattice = lattice;
  out.K = K;
  out.b = b;
  out.buffer = w;
  out.states = std::size_t{1} << (b * b);
  out.ring_sites = ring.size();
  const std::size_t rows = std::size_t{1} << ring_bits;
  const int bonds = 2 * n;
  std::vector<long double> boltzmann(static_cast<std::size_t>(2 * bonds + 1));
  for (int bs = -bonds; bs <= bonds; ++bs)
    boltzmann[static_cast<std::size_t>(bs + bonds)] =
        std::exp(static_cast<long double>(K) * bs - std::fabs(static_cast<long double>(K)) * bonds);
  std::vector<int> block_site(static_cast<std::size_t>(b * b));
  for (int s = 0; s < n; ++s)
    if (block_bit[s] >= 0) block_site[static_cast<std::size_t>(block_bit[s])] = s;

  std::vector<long double> acc(rows * out.states);
  const int m = static_cast<int>(inner.size());
  parallel_for(acc.size(), threads, [&](std::size_t o) {
    const std::size_t rho = o / out.states, v = o % out.states;
    std::vector<int> spin(static_cast<std::size_t>(n), -1);
    for (int j = 0; j < ring_bits; ++j) spin[ring[j]] = (rho >> j & 1) ? 1 : -1;
    for (int k = 0; k < b * b; ++k) spin[block_site[k]] = (v >> k & 1) ? 1 : -1;
    int bs = 0;
    for (int s = 0; s < n; ++s) bs += spin[s] * (spin[nbr[s][0]] + spin[nbr[s][2]]);
    long double sum = boltzmann[static_cast<std::size_t>(bs + bonds)];
    const std::uint64_t steps = std::uint64_t{1} << m;
    for (std::uint64_t t = 1; t < steps; ++t) {
      const int s = inner[static_cast<std::size_t>(std::countr_zero(t))];
      const auto& nb = nbr[s];
      bs -= 2 * spin[s] * (spin[nb[0]] + spin[nb[1]] + spin[nb[2]] + spin[nb[3]]);
      spin[s] = -spin[s];
      sum += boltzmann[static_cast<std::size_t>(bs + bonds)];
    }
    acc[o] = sum;
  });
  long double total = 0;
  for (const long double a : acc) total += a;
  out.weight.resize(rows);
  out.conditional.resize(rows * out.states);
  for (std::size_t rho = 0; rho < rows; ++rho) {
    long double row = 0;
    for (std::size_t v = 0; v < out.states; ++v) row += acc[rho * out.states + v];
    out.weight[rho] = static_cast<double>(row / total);
    for (std::size_t v = 0; v < out.states; ++v)
      out.conditional[rho * out.states + v] = static_cast<double>(acc[rho * out.states + v] / row);
  }
  out.seconds = seconds_since(start);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Sampled conditionals.

std::vector<double> block_conditional(const ising::Lattice& lattice,
                                      std::span<const std::int8_t> spins, double K, int b,
                                      int buffer, int x0, int y0) {
  check_k(K);
  check_region(lattice, b, buffer);
  if (spins.size() != lattice.sites())
    throw ShapeError("block_conditional: " + std::to_string(spins.size()) + " spins for a " +
                     std::to_string(lattice.sites()) + "-site lattice");
  Transfer transfer(b, buffer, K);
  std::vector<double> out(transfer.states);
  transfer.run(ring_key(lattice, spins, b, buffer, x0, y0), out.data());
  return out;
}

EnvironmentConditionals sampled_conditionals(const io::SpinSamples& samples, double K,
                                             const SampledMiOptions& options) {
  const auto start = Clock::now();
  check_k(K);
  if (samples.count == 0) throw ShapeError("mutual information: no samples");
  check_region(samples.lattice, options.b, options.buffer);
  if (samples.spins.size() != samples.count * samples.lattice.sites())
    throw ShapeError("mutual information: " + std::to_string(samples.spins.size()) + " spins for " +
                     std::to_string(samples.count) + " samples of " +
                     std::to_string(samples.lattice.sites()) + " sites");
  if (options.stride < 0)
    throw ConfigError("stride", "must be >= 0 (0 = b), got " + std::to_string(options.stride));
  if (options.threads < 0) throw ConfigError("threads", "must be 0 (all cores) or positive");
  const int b = options.b, w = options.buffer;
  const int stride = options.stride == 0 ? b : options.stride;
  const int nx = samples.lattice.lx / stride, ny = samples.lattice.ly / stride;
  const std::size_t positions = static_cast<std::size_t>(nx) * static_cast<std::size_t>(ny);

  EnvironmentConditionals out;
  out.exact = false;
  out.lattice = samples.lattice;
  out.K = K;
  out.b = b;
  out.buffer = w;
  out.states = std::size_t{1} << (b * b);
  out.ring_sites = static_cast<std::size_t>(4 * (b + 2 * w));
  out.samples = samples.count;
  out.positions = positions;

  std::vector<std::uint64_t> keys(samples.count * positions);
  parallel_for(samples.count, options.threads, [&](std::size_t i) {
    const auto spins = samples.sample(i);
    for (int j = 0; j < ny; ++j)
      for (int k = 0; k < nx; ++k)
        keys[i * positions + static_cast<std::size_t>(j * nx + k)] =
            ring_key(samples.lattice, spins, b, w, k * stride, j * stride);
  });
  std::vector<std::uint64_t> distinct = keys;
  std::sort(distinct.begin(), distinct.end());
  distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
  out.row_of.resize(keys.size());
  std::vector<std::size_t> counts(distinct.size(), 0);
  for (std::size_t i = 0; i < keys.size(); ++i) {
    const auto it = std::lower_bound(distinct.begin(), distinct.end(), keys[i]);
    const auto row = static_cast<std::size_t>(it - distinct.begin());
    out.row_of[i] = static_cast<std::uint32_t>(row);
    ++counts[row];
  }
  out.weight.resize(distinct.size());
  for (std::size_t d = 0; d < distinct.size(); ++d)
    out.weight[d] = static_cast<double>(counts[d]) / static_cast<double>(keys.size());
  out.conditional.resize(distinct.size() * out.states);
  // Fixed chunks, one workspace each: the work per ring does not depend on the thread count.
  const std::size_t chunk = 256;
  const std::size_t chunks = (distinct.size() + chunk - 1) / chunk;
  parallel_for(chunks, options.threads, [&](std::size_t c) {
    Transfer transfer(b, w, K);
    const std::size_t end = std::min(distinct.size(), (c + 1) * chunk);
    for (std::size_t d = c * chunk; d < end; ++d)
      transfer.run(distinct[d], out.conditional.data() + d * out.states);
  });
  out.seconds = seconds_since(start);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Mutual information.

namespace {

void check_conditionals(const EnvironmentConditionals& c) {
  if (c.rows() == 0 || c.conditional.size() != c.rows() * c.states)
    throw ShapeError("mutual information: empty or inconsistent environment conditionals");
  if (!c.exact && (c.samples == 0 || c.row_of.size() != c.samples * c.positions))
    throw ShapeError("mutual information: sampled conditionals without their sample map");
}

// p_ρ and h(p_ρ) for every row.
void row_values(const EnvironmentConditionals& c, const BlockVariable& variable,
                std::vector<double>& p, std::vector<double>& h) {
  p.resize(c.rows());
  h.resize(c.rows());
  for (std::size_t d = 0; d < c.rows(); ++d) {
    const double* row = c.conditional.data() + d * c.states;
    double sum = 0;
    for (std::size_t v = 0; v < c.states; ++v) sum += row[v] * variable.up_probability[v];
    p[d] = sum;
    h[d] = binary_entropy(sum);
  }
}

}  // namespace

MutualInformation mutual_information(const EnvironmentConditionals& conditionals,
                                     const BlockVariable& variable, int blocks) {
  check_conditionals(conditionals);
  variable.validate();
  if (variable.b != conditionals.b)
    throw ShapeError("coarse variable '" + variable.name +
                     "' is for b=" + std::to_string(variable.b) +
                     " blocks, the conditionals for b=" + std::to_string(conditionals.b));
  if (!conditionals.exact && blocks < 1)
    throw ConfigError("blocks", "jackknife blocks must be >= 1, got " + std::to_string(blocks));
  std::vector<double> p, h;
  row_values(conditionals, variable, p, h);
  MutualInformation out;
  out.name = variable.name;
  double p_mean = 0, h_mean = 0;
  for (std::size_t d = 0; d < conditionals.rows(); ++d) {
    p_mean += conditionals.weight[d] * p[d];
    h_mean += conditionals.weight[d] * h[d];
  }
  out.mean_up = p_mean;
  out.entropy = binary_entropy(p_mean);
  out.nats = {out.entropy - h_mean, 0.0};
  if (!conditionals.exact) {
    std::vector<double> series(2 * conditionals.samples);
    const double inv = 1.0 / static_cast<double>(conditionals.positions);
    for (std::size_t i = 0; i < conditionals.samples; ++i) {
      double sp = 0, sh = 0;
      for (std::size_t k = 0; k < conditionals.positions; ++k) {
        const std::uint32_t row = conditionals.row_of[i * conditionals.positions + k];
        sp += p[row];
        sh += h[row];
      }
      series[2 * i] = sp * inv;
      series[2 * i + 1] = sh * inv;
    }
    const mc::BlockedSeries blocked(series, 2, blocks);
    const mc::Estimate e = mc::jackknife(
        blocked, [](std::span<const double> m) { return binary_entropy(m[0]) - m[1]; });
    out.nats.error = e.error;
    out.nats.value = e.value;  // the same number as the pooled one, up to rounding
  }
  out.bits = {out.nats.value / std::log(2.0), out.nats.error / std::log(2.0)};
  return out;
}

RsmiOptimum rsmi_optimum(const EnvironmentConditionals& conditionals, const RsmiOptions& options) {
  const auto start = Clock::now();
  check_conditionals(conditionals);
  if (conditionals.b != 2)
    throw ConfigError("b",
                      "the exhaustive RSMI search enumerates all 2^16 functions of a b = 2 "
                      "block; b = " +
                          std::to_string(conditionals.b) + " would have 2^" +
                          std::to_string(1 << (conditionals.b * conditionals.b)) + " of them");
  if (options.top < 0) throw ConfigError("top", "must be >= 0, got " + std::to_string(options.top));
  if (options.threads < 0) throw ConfigError("threads", "must be 0 (all cores) or positive");
  if (!conditionals.exact && options.blocks < 1)
    throw ConfigError("blocks",
                      "jackknife blocks must be >= 1, got " + std::to_string(options.blocks));
  const std::size_t rows = conditionals.rows();
  const double* cond = conditionals.conditional.data();
  const double* weight = conditionals.weight.data();

  // Truth tables are normalised to f(15) = 1 (all up → H = +1): f and its complement have the
  // same I. All: bits 0 … 14 free (2^15). Odd: f(15 − V) = 1 − f(V), so f(0) = 0 and bits 1 … 7
  // free, bits 8 … 14 their complements (2^7).
  std::vector<std::uint64_t> functions;
  std::vector<double> p_sum, h_sum;
  if (options.odd_only) {
    for (std::uint64_t low = 0; low < 128; ++low) {
      std::uint64_t f = std::uint64_t{1} << 15;
      for (int v = 1; v < 8; ++v)
        f |= ((low >> (v - 1)) & 1) ? std::uint64_t{1} << v : std::uint64_t{1} << (15 - v);
      functions.push_back(f);
    }
    p_sum.assign(functions.size(), 0.0);
    h_sum.assign(functions.size(), 0.0);
    parallel_for(functions.size(), options.threads, [&](std::size_t i) {
      const std::uint64_t f = functions[i];
      double ps = 0, hs = 0;
      for (std::size_t d = 0; d < rows; ++d) {
        double p = 0;
        for (int v = 0; v < 16; ++v)
          if (f >> v & 1) p += cond[d * 16 + static_cast<std::size_t>(v)];
        ps += weight[d] * p;
        hs += weight[d] * binary_entropy(p);
      }
      p_sum[i] = ps;
      h_sum[i] = hs;
    });
  } else {
    // Chunk c fixes bits 8 … 14 (128 chunks); its 256 tables vary bits 0 … 7, whose partial
    // sums every row builds once per chunk by subset-sum recursion.
    functions.resize(std::size_t{1} << 15);
    for (std::size_t i = 0; i < functions.size(); ++i) functions[i] = (std::uint64_t{1} << 15) | i;
    p_sum.assign(functions.size(), 0.0);
    h_sum.assign(functions.size(), 0.0);
    parallel_for(128, options.threads, [&](std::size_t c) {
      double subset[256];
      double* ps = p_sum.data() + c * 256;
      double* hs = h_sum.data() + c * 256;
      for (std::size_t d = 0; d < rows; ++d) {
        const double* row = cond + d * 16;
        double base = row[15];
        for (int v = 8; v < 15; ++v)
          if (c >> (v - 8) & 1) base += row[v];
        subset[0] = base;
        for (unsigned m = 1; m < 256; ++m)
          subset[m] = subset[m & (m - 1)] + row[std::countr_zero(m)];
        const double wd = weight[d];
        for (unsigned m = 0; m < 256; ++m) {
          ps[m] += wd * subset[m];
          hs[m] += wd * binary_entropy(subset[m]);
        }
      }
    });
  }
  std::vector<RankedFunction> ranked(functions.size());
  for (std::size_t i = 0; i < functions.size(); ++i)
    ranked[i] = {functions[i], binary_entropy(p_sum[i]) - h_sum[i]};
  auto better = [](const RankedFunction& a, const RankedFunction& b) {
    return a.nats != b.nats ? a.nats > b.nats : a.function < b.function;
  };
  const std::size_t top = std::min(ranked.size(), static_cast<std::size_t>(options.top) + 1);
  std::partial_sort(ranked.begin(), ranked.begin() + static_cast<std::ptrdiff_t>(top), ranked.end(),
                    better);
  RsmiOptimum out;
  out.function = ranked.front().function;
  out.variable = function_variable(2, out.function);
  out.variable.name = "rsmi_optimum";
  out.info = mutual_information(conditionals, out.variable, options.blocks);
  out.searched = functions.size();
  out.odd_only = options.odd_only;
  out.top.assign(ranked.begin(),
                 ranked.begin() + static_cast<std::ptrdiff_t>(std::min(
                                      ranked.size(), static_cast<std::size_t>(options.top))));
  out.seconds = seconds_since(start);
  return out;
}

// ---------------------------------------------------------------------------------------------
// JSON.

nlohmann::json to_json(const EnvironmentConditionals& c) {
  nlohmann::json j{{"method", c.exact ? "exact" : "monte_carlo"},
                   {"L", c.lattice.lx},
                   {"Ly", c.lattice.ly},
                   {"K", c.K},
                   {"b", c.b},
                   {"buffer", c.buffer},
                   {"rows", c.rows()},
                   {"ring_sites", c.ring_sites},
                   {"seconds", c.seconds}};
  if (!c.exact) {
    j["samples"] = c.samples;
    j["positions"] = c.positions;
  }
  return j;
}

nlohmann::json to_json(const MutualInformation& info) {
  nlohmann::json j{{"name", info.name}};
  put_estimate(j, "I_nats", info.nats.value, info.nats.error);
  put_estimate(j, "I_bits", info.bits.value, info.bits.error);
  j["mean_up"] = number_or_null(info.mean_up);
  j["entropy_nats"] = number_or_null(info.entropy);
  return j;
}

nlohmann::json to_json(const RsmiOptimum& optimum) {
  nlohmann::json j = to_json(optimum.info);
  j["function"] = hex(optimum.function);
  j["up_states"] = up_states(optimum.function);
  j["odd_only"] = optimum.odd_only;
  j["searched"] = optimum.searched;
  j["seconds"] = optimum.seconds;
  nlohmann::json top = nlohmann::json::array();
  for (const RankedFunction& r : optimum.top)
    top.push_back({{"function", hex(r.function)},
                   {"up_states", up_states(r.function)},
                   {"I_nats", number_or_null(r.nats)},
                   {"I_bits", number_or_null(r.nats / std::log(2.0))}});
  j["top"] = top;
  return j;
}

}  // namespace deeprg::rg
