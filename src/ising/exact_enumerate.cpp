// Brute-force enumeration of all 2^N states: a Gray-code walk with incremental updates of the
// bond sum and the magnetization, filling a density of states or the Boltzmann weights.
#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "deeprg/core/error.hpp"
#include "deeprg/core/parallel.hpp"
#include "deeprg/ising/exact.hpp"

namespace deeprg::ising {
namespace {

// Neighbour table with multiplicity: site k appears in the bonds k→right, k→down, left→k and
// up→k, so on an extent of 2 the same neighbour is listed twice (doubled bonds, as in bond_sum).
struct Neighbours {
  int degree = 0;
  std::vector<int> table;  // degree entries per site
};

Neighbours neighbours(const Lattice& lat) {
  Neighbours nb;
  nb.degree = lat.dim == 1 ? 2 : 4;
  const int lx = lat.lx, ly = lat.ly;
  nb.table.reserve(lat.sites() * nb.degree);
  for (int y = 0; y < ly; ++y) {
    for (int x = 0; x < lx; ++x) {
      nb.table.push_back(y * lx + (x + 1) % lx);
      nb.table.push_back(y * lx + (x + lx - 1) % lx);
      if (lat.dim == 2) {
        nb.table.push_back(((y + 1) % ly) * lx + x);
        nb.table.push_back(((y + ly - 1) % ly) * lx + x);
      }
    }
  }
  return nb;
}

void check_size(const Model& m, int max_sites, const char* who) {
  m.validate();
  if (m.lattice.sites() > static_cast<std::size_t>(max_sites)) {
    throw ConfigError("L", std::string(who) + " handles at most " + std::to_string(max_sites) +
                               " sites, got " + std::to_string(m.lattice.sites()));
  }
}

// Spins of the state whose bit i is set ⇔ s_i = +1.
std::vector<std::int8_t> spins_of(std::uint64_t state, int n) {
  std::vector<std::int8_t> s(n);
  for (int i = 0; i < n; ++i) s[i] = (state >> i) & 1 ? 1 : -1;
  return s;
}

// Visits every state that agrees with `start` outside its low `bits` bits, in Gray-code order.
// visit(state, bond_sum, magnetization) is called once per state, starting with `start` itself.
template <class Visit>
void gray_walk(const Lattice& lat, const Neighbours& nb, std::uint64_t start, int bits,
               Visit&& visit) {
  const int n = static_cast<int>(lat.sites());
  std::vector<std::int8_t> s = spins_of(start, n);
  std::int64_t bonds = bond_sum(lat, s);
  std::int64_t mag = magnetization(s);
  std::uint64_t state = start;
  visit(state, bonds, mag);
  const std::uint64_t count = std::uint64_t{1} << bits;
  const int deg = nb.degree;
  for (std::uint64_t i = 1; i < count; ++i) {
    const int k = std::countr_zero(i);
    const int* q = nb.table.data() + static_cast<std::size_t>(k) * deg;
    int field = 0;
    for (int j = 0; j < deg; ++j) field += s[q[j]];
    const int old = s[k];
    s[k] = static_cast<std::int8_t>(-old);
    bonds -= 2 * old * field;
    mag -= 2 * old;
    state ^= std::uint64_t{1} << k;
    visit(state, bonds, mag);
  }
}

// Histogram of (bond sum, magnetization) over the same states as gray_walk, with the cell index
// (bonds + max_bonds)·width + (mag + n) updated incrementally; the hot loop of enumerate().
template <int Degree>
void gray_histogram(const Lattice& lat, const Neighbours& nb, std::uint64_t start, int bits,
                    int width, std::uint64_t* hist) {
  const int n = static_cast<int>(lat.sites());
  std::vector<std::int8_t> s = spins_of(start, n);
  const auto max_bonds = static_cast<std::int64_t>(lat.bonds());
  std::int64_t idx = (bond_sum(lat, s) + max_bonds) * width + (magnetization(s) + n);
  ++hist[idx];
  // Flipping s_k changes the index by −2 s_k (field·width + 1).
  auto flip = [&](int k) {
    const int* q = nb.table.data() + static_cast<std::size_t>(k) * Degree;
    int field = 0;
    for (int j = 0; j < Degree; ++j) field += s[q[j]];
    const int old = s[k];
    s[k] = static_cast<std::int8_t>(-old);
    idx -= 2 * old * (field * width + 1);
    ++hist[idx];
  };
  const std::uint64_t count = std::uint64_t{1} << bits;
  if (bits == 0) return;
  flip(0);  // Gray-code steps alternate between bit 0 and bit countr_zero(i) for even i
  for (std::uint64_t i = 2; i < count; i += 2) {
    flip(std::countr_zero(i));
    flip(0);
  }
}

}  // namespace

std::uint64_t DensityOfStates::operator()(int bonds, int magnetization) const noexcept {
  const int n = static_cast<int>(lattice.sites()), max_bonds = static_cast<int>(lattice.bonds());
  if (bonds < -max_bonds || bonds > max_bonds || magnetization < -n || magnetization > n) return 0;
  return counts[static_cast<std::size_t>(bonds + max_bonds) * (2 * n + 1) + (magnetization + n)];
}

DensityOfStates density_of_states(const Lattice& lat) {
  lat.validate();
  if (lat.sites() > static_cast<std::size_t>(kMaxEnumerationSites)) {
    throw ConfigError("L", "density_of_states handles at most " +
                               std::to_string(kMaxEnumerationSites) + " sites, got " +
                               std::to_string(lat.sites()));
  }
  const int n = static_cast<int>(lat.sites());
  const int max_bonds = static_cast<int>(lat.bonds());
  const Neighbours nb = neighbours(lat);
  const int width = 2 * n + 1;
  const std::size_t cells = static_cast<std::size_t>(2 * max_bonds + 1) * width;
  // The global flip (b, M) → (b, −M) is a symmetry: walk only states with s_{N−1} = −1 over the
  // N − 1 free bits, split by their top bits into chunks handled by separate threads.
  const int free_bits = n - 1;
  const int chunk_bits = std::clamp(free_bits - 14, 0, 6);
  const int walk_bits = free_bits - chunk_bits;
  const std::size_t chunks = std::size_t{1} << chunk_bits;
  std::vector<std::vector<std::uint64_t>> partial(chunks);
  parallel_for(chunks, 0, [&](std::size_t c) {
    std::vector<std::uint64_t> hist(cells, 0);
    const std::uint64_t start = static_cast<std::uint64_t>(c) << walk_bits;
    if (nb.degree == 2) {
      gray_histogram<2>(lat, nb, start, walk_bits, width, hist.data());
    } else {
      gray_histogram<4>(lat, nb, start, walk_bits, width, hist.data());
    }
    partial[c] = std::move(hist);
  });
  std::vector<std::uint64_t> half(cells, 0);
  for (const auto& hist : partial) {
    for (std::size_t i = 0; i < cells; ++i) half[i] += hist[i];
  }
  // g(b, M) = (walked half)(b, M) + (walked half)(b, −M): the mirror image of the other half.
  DensityOfStates dos{lat, std::vector<std::uint64_t>(cells, 0)};
  for (std::size_t row = 0; row < cells; row += width) {
    for (int mag = -n; mag <= n; ++mag) {
      dos.counts[row + (mag + n)] = half[row + (mag + n)] + half[row + (n - mag)];
    }
  }
  return dos;
}

Thermodynamics enumerate(const DensityOfStates& dos, const Model& m) {
  m.validate();
  if (m.lattice.dim != dos.lattice.dim || m.lattice.lx != dos.lattice.lx ||
      m.lattice.ly != dos.lattice.ly) {
    throw ShapeError("enumerate: the density of states belongs to another lattice");
  }
  const int n = static_cast<int>(m.lattice.sites());
  const int max_bonds = static_cast<int>(m.lattice.bonds());
  // Log-sum-exp over the occupied cells, then moments about the mean.
  struct Level {
    double weight, energy, mag;  // weight: first ln(g) + K b + B M, then exp(· − max)
  };
  std::vector<Level> levels;
  const double K = m.K(), B = m.B();
  for (int b = -max_bonds; b <= max_bonds; ++b) {
    for (int mag = -n; mag <= n; ++mag) {
      const std::uint64_t g = dos(b, mag);
      if (g == 0) continue;
      levels.push_back({std::log(static_cast<double>(g)) + K * b + B * mag, -m.J * b - m.h * mag,
                        static_cast<double>(mag)});
    }
  }
  double top = -INFINITY;
  for (const Level& l : levels) top = std::max(top, l.weight);
  double z = 0, e1 = 0, m1 = 0;
  for (Level& l : levels) {
    l.weight = std::exp(l.weight - top);
    z += l.weight;
    e1 += l.weight * l.energy;
    m1 += l.weight * l.mag;
  }
  const double mean_e = e1 / z;
  double var = 0;
  for (const Level& l : levels) var += l.weight * (l.energy - mean_e) * (l.energy - mean_e);
  var /= z;
  const double n_sites = static_cast<double>(n);
  return {top + std::log(z), mean_e / n_sites, var / (n_sites * m.T * m.T), m1 / z / n_sites};
}

Thermodynamics enumerate(const Model& m) {
  check_size(m, kMaxEnumerationSites, "enumerate");
  return enumerate(density_of_states(m.lattice), m);
}

std::vector<double> boltzmann_probabilities(const Model& m) {
  check_size(m, kMaxProbabilitySites, "boltzmann_probabilities");
  const Lattice& lat = m.lattice;
  const int n = static_cast<int>(lat.sites());
  const Neighbours nb = neighbours(lat);
  const double K = m.K(), B = m.B();
  std::vector<double> p(std::size_t{1} << n);
  double top = -INFINITY;
  gray_walk(lat, nb, 0, n, [&](std::uint64_t state, std::int64_t b, std::int64_t mag) {
    const double lw = K * static_cast<double>(b) + B * static_cast<double>(mag);
    p[state] = lw;
    top = std::max(top, lw);
  });
  double z = 0;
  for (double& x : p) {
    x = std::exp(x - top);
    z += x;
  }
  for (double& x : p) x /= z;
  return p;
}

}  // namespace deeprg::ising
