#include "deeprg/rg/renormalized_couplings.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <map>
#include <string>
#include <unordered_map>

#include "deeprg/core/error.hpp"
#include "deeprg/core/json.hpp"
#include "deeprg/core/parallel.hpp"
#include "deeprg/rg/decimation_1d.hpp"
#include "deeprg/rg/mcrg.hpp"

namespace deeprg::rg {

namespace {

using Offsets = std::vector<std::pair<int, int>>;

std::string shape_string(const ising::Lattice& lattice) {
  if (lattice.dim == 1) return "chain of length " + std::to_string(lattice.lx);
  return std::to_string(lattice.ly) + "×" + std::to_string(lattice.lx) + " lattice";
}

void check_lattice(const ising::Lattice& lattice, const std::vector<Coupling>& couplings) {
  const int dim = couplings.front().dim;
  if (lattice.dim != dim)
    throw ShapeError(std::to_string(lattice.dim) + "D samples, but the couplings are for " +
                     std::to_string(dim) + "D");
  const int side = lattice.dim == 1 ? lattice.lx : std::min(lattice.lx, lattice.ly);
  if (side < min_mcrg_side(couplings))
    throw ShapeError(shape_string(lattice) +
                     " is too small to tell the couplings apart (sides of " + "at least " +
                     std::to_string(min_mcrg_side(couplings)) + " needed)");
}

// For each coupling, the terms of S_α that contain a given site, as the offsets of all their
// spins relative to that site: the term anchored at i − o_k for every shape and every position k
// in it. u_α,i = s_i g_α,i is then the sum over these terms of the product of their spins.
struct LocalTerms {
  std::vector<std::vector<Offsets>> terms;  // per coupling
  std::vector<int> count;                   // terms per coupling (|u_α| ≤ count)
  int reach = 0;
};

LocalTerms local_terms(const std::vector<Coupling>& couplings) {
  LocalTerms out;
  for (const Coupling& c : couplings) {
    std::vector<Offsets> terms;
    for (const auto& shape : c.shapes)
      for (const auto& [kx, ky] : shape) {
        Offsets term;
        for (const auto& [dx, dy] : shape) {
          term.emplace_back(dx - kx, dy - ky);
          out.reach = std::max({out.reach, std::abs(dx - kx), std::abs(dy - ky)});
        }
        terms.push_back(std::move(term));
      }
    out.count.push_back(static_cast<int>(terms.size()));
    out.terms.push_back(std::move(terms));
  }
  return out;
}

// Mixed-radix key of u = (u_1 … u_m): digit α is (u_α + count_α)/2 ∈ [0, count_α]. The radices
// multiply to far below 2^64 for any basis of available_couplings.
struct KeyCodec {
  std::vector<int> count;
  std::uint64_t encode(const int* u) const {
    std::uint64_t key = 0;
    for (std::size_t a = count.size(); a-- > 0;)
      key = key * static_cast<std::uint64_t>(count[a] + 1) +
            static_cast<std::uint64_t>((u[a] + count[a]) / 2);
    return key;
  }
  void decode(std::uint64_t key, double* u) const {
    for (std::size_t a = 0; a < count.size(); ++a) {
      const auto radix = static_cast<std::uint64_t>(count[a] + 1);
      u[a] = 2.0 * static_cast<double>(key % radix) - count[a];
      key /= radix;
    }
  }
};

// Weight per key: integer counts for plain samples (exact in double below 2^53), the samples'
// weights otherwise.
using Histogram = std::unordered_map<std::uint64_t, double>;

// Adds the local-field vectors of every site of one configuration to `hist`. The configuration
// is copied into a periodically padded grid so that every offset is a fixed displacement.
class FieldCounter {
 public:
  FieldCounter(const ising::Lattice& lattice, const LocalTerms& terms, const KeyCodec& codec)
      : lattice_(lattice), terms_(terms), codec_(codec) {
    pad_ = terms.reach;
    pad_y_ = lattice.dim == 2 ? pad_ : 0;
    width_ = lattice.lx + 2 * pad_;
    grid_.resize(static_cast<std::size_t>(width_) * (lattice.ly + 2 * pad_y_));
    u_.resize(terms.count.size());
    for (const auto& coupling : terms.terms)
      for (const Offsets& term : coupling) {
        std::vector<std::ptrdiff_t> d;
        for (const auto& [dx, dy] : term)
          d.push_back(static_cast<std::ptrdiff_t>(dy) * width_ + dx);
        displacements_.push_back(std::move(d));
      }
  }

  void add(const std::int8_t* spins, double weight, Histogram& hist) {
    const int lx = lattice_.lx, ly = lattice_.ly;
    for (int y = -pad_y_; y < ly + pad_y_; ++y) {
      const std::int8_t* src = spins + static_cast<std::size_t>((y + ly) % ly) * lx;
      std::int8_t* dst = at(y, 0);
      for (int x = -pad_; x < lx + pad_; ++x) dst[x] = src[(x + lx) % lx];
    }
    for (int y = 0; y < ly; ++y)
      for (int x = 0; x < lx; ++x) {
        const std::int8_t* p = at(y, x);
        std::size_t t = 0;
        for (std::size_t a = 0; a < u_.size(); ++a) {
          int sum = 0;
          for (int k = 0; k < terms_.count[a]; ++k, ++t) {
            int prod = 1;
            for (std::ptrdiff_t d : displacements_[t]) prod *= p[d];
            sum += prod;
          }
          u_[a] = sum;
        }
        hist[codec_.encode(u_.data())] += weight;
      }
  }

 private:
  std::int8_t* at(int y, int x) {
    return grid_.data() + static_cast<std::ptrdiff_t>(y + pad_y_) * width_ + pad_ + x;
  }

  ising::Lattice lattice_;
  const LocalTerms& terms_;
  const KeyCodec& codec_;
  int pad_ = 0, pad_y_ = 0, width_ = 0;
  std::vector<std::int8_t> grid_;
  std::vector<std::vector<std::ptrdiff_t>> displacements_;  // per term, all couplings in order
  std::vector<int> u_;
};

// The sufficient statistic: distinct u vectors (rows of `u`, m each, sorted by key so that
// every sum below runs in one fixed order) and their counts per block of samples.
struct FieldTable {
  std::size_t m = 0;
  std::vector<double> u;       // keys × m
  std::vector<double> counts;  // keys × blocks
  int blocks = 0;
  std::size_t keys() const { return m == 0 ? 0 : u.size() / m; }
};

// One histogram per jackknife block, with weight 1 per sample unless `weights` is given. Work
// items are fixed ranges of samples, merged in their order, so the sums are the same for any
// thread count.
FieldTable field_table(const io::SpinSamples& samples, std::span<const double> weights,
                       const LocalTerms& terms, int blocks, int threads) {
  const KeyCodec codec{terms.count};
  const std::size_t n = samples.count, sites = samples.lattice.sites();
  // Work items: pieces of at most 32 samples that never straddle a jackknife block.
  struct Piece {
    std::size_t begin, end;
    int block;
  };
  std::vector<Piece> pieces;
  for (int b = 0; b < blocks; ++b)
    for (std::size_t i = mc::block_begin(n, blocks, b); i < mc::block_begin(n, blocks, b + 1);
         i += 32)
      pieces.push_back({i, std::min(i + 32, mc::block_begin(n, blocks, b + 1)), b});
  std::vector<Histogram> hist(pieces.size());
  parallel_for(pieces.size(), threads, [&](std::size_t p) {
    FieldCounter counter(samples.lattice, terms, codec);
    for (std::size_t i = pieces[p].begin; i < pieces[p].end; ++i)
      counter.add(samples.spins.data() + i * sites, weights.empty() ? 1.0 : weights[i], hist[p]);
  });
  std::map<std::uint64_t, std::vector<double>> merged;
  for (std::size_t p = 0; p < pieces.size(); ++p)
    for (const auto& [key, c] : hist[p]) {
      auto& row = merged[key];
      row.resize(static_cast<std::size_t>(blocks));
      row[static_cast<std::size_t>(pieces[p].block)] += c;
    }
  FieldTable table;
  table.m = terms.count.size();
  table.blocks = blocks;
  table.u.resize(merged.size() * table.m);
  table.counts.reserve(merged.size() * static_cast<std::size_t>(blocks));
  std::size_t k = 0;
  for (const auto& [key, row] : merged) {
    codec.decode(key, table.u.data() + k++ * table.m);
    table.counts.insert(table.counts.end(), row.begin(), row.end());
  }
  return table;
}

// ℓ(K) = Σ_k w_k [K·u_k − ln 2cosh(K·u_k)], its gradient and the negated Hessian.
double pseudo_log_likelihood(const FieldTable& t, const std::vector<double>& w,
                             const std::vector<double>& K, std::vector<double>* grad,
                             MatrixD* neg_hessian) {
  const std::size_t m = t.m;
  double ell = 0;
  if (grad) grad->assign(m, 0.0);
  if (neg_hessian) *neg_hessian = MatrixD(m, m);
  for (std::size_t k = 0; k < t.keys(); ++k) {
    if (w[k] == 0) continue;
    const double* u = t.u.data() + k * m;
    double f = 0;
    for (std::size_t a = 0; a < m; ++a) f += K[a] * u[a];
    const double af = std::abs(f);
    ell += w[k] * (f - (af + std::log1p(std::exp(-2 * af))));
    const double th = std::tanh(f);
    if (grad)
      for (std::size_t a = 0; a < m; ++a) (*grad)[a] += w[k] * u[a] * (1 - th);
    if (neg_hessian) {
      const double c = w[k] * (1 - th) * (1 + th);
      for (std::size_t a = 0; a < m; ++a)
        for (std::size_t b = 0; b < m; ++b) (*neg_hessian)(a, b) += c * u[a] * u[b];
    }
  }
  return ell;
}

// Names the first coupling whose local field takes a single value under the weights w, or
// returns an empty string.
std::string constant_field(const FieldTable& t, const std::vector<double>& w,
                           const std::vector<std::string>& names) {
  for (std::size_t a = 0; a < t.m; ++a) {
    double lo = std::numeric_limits<double>::infinity(), hi = -lo;
    for (std::size_t k = 0; k < t.keys(); ++k)
      if (w[k] > 0) {
        lo = std::min(lo, t.u[k * t.m + a]);
        hi = std::max(hi, t.u[k * t.m + a]);
      }
    if (lo == hi) return names[a];
  }
  return {};
}

// Newton's method with backtracking on the concave ℓ, from `start`.
std::vector<double> maximise(const FieldTable& t, const std::vector<double>& w,
                             std::vector<double> K, const std::vector<std::string>& names) {
  if (const std::string c = constant_field(t, w, names); !c.empty())
    throw Error("the samples do not determine the coupling " + c +
                ": its local field takes one value at every site (e.g. perfectly ordered "
                "samples, or a lattice too small for it)");
  constexpr double kDiverged = 50;  // tanh(50) = 1 in double: the maximum lies at infinity
  std::vector<double> grad, trial(K.size());
  MatrixD neg_h;
  double ell = pseudo_log_likelihood(t, w, K, &grad, &neg_h);
  for (int iter = 0; iter < 100; ++iter) {
    MatrixD g(K.size(), 1);
    for (std::size_t a = 0; a < K.size(); ++a) g(a, 0) = grad[a];
    MatrixD step;
    try {
      step = solve(neg_h, g);
    } catch (const Error&) {
      throw Error(
          "the samples do not determine the couplings " +
          [&] {
            std::string s;
            for (const auto& n : names) s += (s.empty() ? "" : ",") + n;
            return s;
          }() +
          " separately: their local fields are linearly dependent in these samples (nearly ordered "
          "samples, or a lattice too small for the basis)");
    }
    double scale = 1, max_step = 0, max_k = 0;
    double trial_ell = ell;
    for (int halving = 0; halving < 60; ++halving, scale /= 2) {
      for (std::size_t a = 0; a < K.size(); ++a) trial[a] = K[a] + scale * step(a, 0);
      trial_ell = pseudo_log_likelihood(t, w, trial, nullptr, nullptr);
      if (trial_ell >= ell) break;
    }
    for (std::size_t a = 0; a < K.size(); ++a) {
      max_step = std::max(max_step, std::abs(trial[a] - K[a]));
      max_k = std::max(max_k, std::abs(trial[a]));
    }
    if (trial_ell < ell) return K;  // no ascent left at working precision
    K = trial;
    ell = trial_ell;
    if (max_k > kDiverged) {
      std::size_t worst = 0;
      for (std::size_t a = 1; a < K.size(); ++a)
        if (std::abs(K[a]) > std::abs(K[worst])) worst = a;
      throw Error("the pseudo-likelihood has no finite maximum: the coupling " + names[worst] +
                  " grows without bound (the samples are perfectly ordered along it)");
    }
    if (max_step <= 1e-12 * (1 + max_k)) return K;
    ell = pseudo_log_likelihood(t, w, K, &grad, &neg_h);
  }
  throw Error("the pseudo-likelihood maximisation did not converge in 100 Newton steps");
}

}  // namespace

namespace {

// The basis of a fit, after checking the options and the samples.
std::vector<Coupling> fit_basis(const io::SpinSamples& samples, const CouplingFitOptions& options,
                                std::vector<std::string>& names) {
  const int dim = samples.lattice.dim;
  names = options.couplings.empty() ? default_couplings(dim) : options.couplings;
  std::vector<Coupling> couplings = parse_couplings(names, dim);
  if (options.threads < 0)
    throw ConfigError("threads",
                      "must be 0 (all cores) or positive, got " + std::to_string(options.threads));
  samples.lattice.validate();
  if (samples.spins.size() != samples.count * samples.lattice.sites())
    throw ShapeError("samples hold " + std::to_string(samples.spins.size()) + " spins, not " +
                     std::to_string(samples.count) + " × " +
                     std::to_string(samples.lattice.sites()));
  check_lattice(samples.lattice, couplings);
  return couplings;
}

CouplingFit describe(const io::SpinSamples& samples, const std::vector<std::string>& names,
                     std::size_t distinct_fields, int level) {
  CouplingFit fit;
  fit.level = level;
  fit.lx = samples.lattice.lx;
  fit.ly = samples.lattice.ly;
  fit.samples = samples.count;
  fit.couplings = names;
  fit.distinct_fields = distinct_fields;
  return fit;
}

}  // namespace

CouplingFit fit_couplings(const io::SpinSamples& samples, const CouplingFitOptions& options,
                          int level) {
  std::vector<std::string> names;
  const std::vector<Coupling> couplings = fit_basis(samples, options, names);
  if (options.jackknife_blocks < 2 ||
      static_cast<std::size_t>(options.jackknife_blocks) > samples.count)
    throw ConfigError("blocks", "jackknife blocks must be between 2 and the number of samples (" +
                                    std::to_string(samples.count) + "), got " +
                                    std::to_string(options.jackknife_blocks));

  const LocalTerms terms = local_terms(couplings);
  const FieldTable table =
      field_table(samples, {}, terms, options.jackknife_blocks, options.threads);
  const std::size_t keys = table.keys(), blocks = static_cast<std::size_t>(table.blocks);
  std::vector<double> total(keys, 0.0);
  for (std::size_t k = 0; k < keys; ++k)
    for (std::size_t b = 0; b < blocks; ++b) total[k] += table.counts[k * blocks + b];

  const std::vector<double> full = maximise(table, total, std::vector<double>(table.m, 0.0), names);
  // Replicates: the histogram without block b, solved from the full-sample maximum.
  std::vector<std::vector<double>> replicate(blocks);
  std::vector<double> w(keys);
  for (std::size_t b = 0; b < blocks; ++b) {
    for (std::size_t k = 0; k < keys; ++k) w[k] = total[k] - table.counts[k * blocks + b];
    try {
      replicate[b] = maximise(table, w, full, names);
    } catch (const Error&) {
      replicate[b].assign(table.m, std::numeric_limits<double>::quiet_NaN());
    }
  }
  CouplingFit fit = describe(samples, names, keys, level);
  const double spins = static_cast<double>(samples.count * samples.lattice.sites());
  fit.pseudo_log_likelihood = pseudo_log_likelihood(table, total, full, nullptr, nullptr) / spins;
  for (std::size_t a = 0; a < table.m; ++a) {
    const auto n = samples.count;
    const int nb = options.jackknife_blocks;
    fit.values.push_back(mc::jackknife(n, nb, [&](std::size_t begin, std::size_t end) {
      if (begin == end) return full[a];
      for (int b = 0; b < nb; ++b)
        if (mc::block_begin(n, nb, b) == begin) return replicate[static_cast<std::size_t>(b)][a];
      throw Error("fit_couplings: unexpected jackknife block");
    }));
  }
  return fit;
}

CouplingFit fit_couplings(const io::SpinSamples& samples, std::span<const double> weights,
                          const CouplingFitOptions& options) {
  std::vector<std::string> names;
  const std::vector<Coupling> couplings = fit_basis(samples, options, names);
  if (weights.size() != samples.count)
    throw ShapeError(
        "weighted couplings need one weight per sample: " + std::to_string(weights.size()) +
        " weights for " + std::to_string(samples.count) + " samples");
  double sum = 0;
  for (double w : weights) {
    if (!std::isfinite(w) || w < 0)
      throw ShapeError("sample weights must be finite and ≥ 0, got " + std::to_string(w));
    sum += w;
  }
  if (!(sum > 0)) throw ShapeError("sample weights sum to zero");
  const FieldTable table =
      field_table(samples, weights, local_terms(couplings), 1, options.threads);
  const std::vector<double> w(table.counts);  // one block: the weights per key
  const std::vector<double> K = maximise(table, w, std::vector<double>(table.m, 0.0), names);
  CouplingFit fit = describe(samples, names, table.keys(), 0);
  fit.pseudo_log_likelihood = pseudo_log_likelihood(table, w, K, nullptr, nullptr) /
                              (sum * static_cast<double>(samples.lattice.sites()));
  for (double k : K) fit.values.push_back({k, std::numeric_limits<double>::quiet_NaN()});
  return fit;
}

std::vector<CouplingFit> coupling_flow(const io::SpinSamples& samples, const CoarseGraining& map,
                                       int levels, const CouplingFitOptions& options) {
  if (levels < 0) throw ConfigError("levels", "must be at least 0, got " + std::to_string(levels));
  std::vector<CouplingFit> out;
  // Fits one level; false when its couplings are undetermined, which ends the flow.
  auto fit_level = [&](const io::SpinSamples& s, int level) {
    try {
      out.push_back(fit_couplings(s, options, level));
      return true;
    } catch (const ConfigError&) {
      throw;
    } catch (const ShapeError&) {
      throw;
    } catch (const Error& e) {
      std::vector<std::string> names;
      fit_basis(s, options, names);
      CouplingFit fit = describe(s, names, 0, level);
      fit.values.assign(names.size(), mc::Estimate{});
      fit.pseudo_log_likelihood = std::numeric_limits<double>::quiet_NaN();
      fit.note = e.what();
      out.push_back(std::move(fit));
      return false;
    }
  };
  if (!fit_level(samples, 0)) return out;
  io::SpinSamples current;
  for (int k = 0; k < levels; ++k) {
    current = map(k == 0 ? samples : current, k);
    if (!fit_level(current, k + 1)) break;
  }
  return out;
}

std::vector<double> expand_in_spin_products(std::vector<double> values) {
  const std::size_t size = values.size();
  if (size < 2 || !std::has_single_bit(size) || std::countr_zero(size) > kMaxExpansionSites)
    throw ShapeError("an expansion in spin products needs 2^N values with 1 ≤ N ≤ " +
                     std::to_string(kMaxExpansionSites) + ", got " + std::to_string(size));
  for (double v : values)
    if (!std::isfinite(v)) throw Error("an expansion in spin products needs finite values");
  // In place: after the pass over bit i, entry x holds the sums over the bits below i with the
  // sign (−1)^{popcount(x ∧ y)} — the fast Walsh–Hadamard transform.
  for (std::size_t half = 1; half < size; half *= 2)
    for (std::size_t start = 0; start < size; start += 2 * half)
      for (std::size_t x = start; x < start + half; ++x) {
        const double a = values[x], b = values[x + half];
        values[x] = a + b;
        values[x + half] = a - b;
      }
  const double norm = 1.0 / static_cast<double>(size);
  for (double& v : values) v *= norm;
  return values;
}

ExactCouplings exact_couplings(const ising::Lattice& lattice, std::span<const double> values,
                               const std::vector<std::string>& names) {
  const std::vector<Coupling> couplings = parse_couplings(names, lattice.dim);
  lattice.validate();
  const std::size_t sites = lattice.sites();
  if (sites > static_cast<std::size_t>(kMaxExpansionSites))
    throw ShapeError(shape_string(lattice) + " has " + std::to_string(sites) +
                     " sites; exact couplings enumerate at most " +
                     std::to_string(kMaxExpansionSites));
  check_lattice(lattice, couplings);
  if (values.size() != (std::size_t{1} << sites))
    throw ShapeError("exact couplings on the " + shape_string(lattice) + " need 2^" +
                     std::to_string(sites) + " values, got " + std::to_string(values.size()));
  const std::vector<double> j = expand_in_spin_products({values.begin(), values.end()});

  ExactCouplings out;
  out.lx = lattice.lx;
  out.ly = lattice.ly;
  out.constant = j[0];
  std::vector<bool> covered(j.size(), false);
  for (const Coupling& c : couplings) {
    std::map<std::uint64_t, int> multiplicity;  // term → how often S_α contains it
    for (int y = 0; y < lattice.ly; ++y)
      for (int x = 0; x < lattice.lx; ++x)
        for (const auto& shape : c.shapes) {
          std::uint64_t mask = 0;
          for (const auto& [dx, dy] : shape) {
            const int sx = ((x + dx) % lattice.lx + lattice.lx) % lattice.lx;
            const int sy = ((y + dy) % lattice.ly + lattice.ly) % lattice.ly;
            mask ^= std::uint64_t{1} << (sy * lattice.lx + sx);
          }
          ++multiplicity[mask];
        }
    ExactCoupling e;
    e.name = c.name;
    double lo = std::numeric_limits<double>::infinity(), hi = -lo, sum = 0;
    for (const auto& [mask, m] : multiplicity) {
      const double v = j[mask] / m;
      lo = std::min(lo, v);
      hi = std::max(hi, v);
      sum += v;
      covered[mask] = true;
    }
    e.value = sum / static_cast<double>(multiplicity.size());
    e.spread = hi - lo;
    out.couplings.push_back(e);
  }
  for (std::size_t mask = 1; mask < j.size(); ++mask)
    if (!covered[mask] && std::abs(j[mask]) > out.largest_outside) {
      out.largest_outside = std::abs(j[mask]);
      out.largest_outside_spins = std::popcount(mask);
    }
  return out;
}

template <class Real>
std::vector<double> rbm_hidden_log_weights(const rbm::BasicRbm<Real>& rbm,
                                           const ising::Lattice& lattice, int threads) {
  rbm.validate();
  lattice.validate();
  const std::size_t n = rbm.n_hidden();
  if (n != lattice.sites() || n > static_cast<std::size_t>(kMaxExpansionSites))
    throw ConfigError("rbm", "the hidden layer (" + std::to_string(n) + " units) must fill the " +
                                 shape_string(lattice) + " (" + std::to_string(lattice.sites()) +
                                 " sites) and have at most " + std::to_string(kMaxExpansionSites) +
                                 " units");
  const float down = rbm.hidden == rbm::Units::spin ? -1.0f : 0.0f;
  std::vector<double> out(std::size_t{1} << n);
  constexpr std::size_t kChunk = 1024;
  parallel_for((out.size() + kChunk - 1) / kChunk, threads, [&](std::size_t c) {
    std::vector<float> h(n);
    for (std::size_t x = c * kChunk; x < std::min(out.size(), (c + 1) * kChunk); ++x) {
      for (std::size_t i = 0; i < n; ++i) h[i] = (x >> i) & 1 ? down : 1.0f;
      out[x] = -hidden_hamiltonian(rbm, h);
    }
  });
  return out;
}

template std::vector<double> rbm_hidden_log_weights(const rbm::Rbm&, const ising::Lattice&, int);
template std::vector<double> rbm_hidden_log_weights(const rbm::Rbm64&, const ising::Lattice&, int);

nlohmann::json to_json(const CouplingFit& fit) {
  nlohmann::json j{{"level", fit.level}, {"L", fit.lx}};
  if (fit.ly > 1) j["Ly"] = fit.ly;
  j["samples"] = fit.samples;
  nlohmann::json values = nlohmann::json::object(), errors = nlohmann::json::object();
  for (std::size_t a = 0; a < fit.couplings.size(); ++a) {
    values[fit.couplings[a]] = number_or_null(fit.values[a].value);
    errors[fit.couplings[a]] = number_or_null(fit.values[a].error);
  }
  j["couplings"] = values;
  j["errors"] = errors;
  j["distinct_fields"] = fit.distinct_fields;
  j["pseudo_log_likelihood"] = number_or_null(fit.pseudo_log_likelihood);
  if (!fit.note.empty()) j["note"] = fit.note;
  return j;
}

nlohmann::json to_json(const std::vector<CouplingFit>& fits) {
  nlohmann::json j = nlohmann::json::array();
  for (const auto& fit : fits) j.push_back(to_json(fit));
  return j;
}

nlohmann::json to_json(const ExactCouplings& exact) {
  nlohmann::json j{{"L", exact.lx}, {"Ly", exact.ly}};
  nlohmann::json values = nlohmann::json::object(), spread = nlohmann::json::object();
  for (const auto& c : exact.couplings) {
    values[c.name] = number_or_null(c.value);
    spread[c.name] = number_or_null(c.spread);
  }
  j["couplings"] = values;
  j["spread"] = spread;
  j["constant"] = number_or_null(exact.constant);
  j["largest_outside"] = number_or_null(exact.largest_outside);
  j["largest_outside_spins"] = exact.largest_outside_spins;
  return j;
}

}  // namespace deeprg::rg
