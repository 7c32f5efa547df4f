// Learned coarse-graining: training and applying a local, translation-invariant block RBM.
#include "deeprg/rg/learned_map.hpp"

#include <algorithm>
#include <cmath>
#include <utility>

#include "deeprg/core/error.hpp"
#include "deeprg/core/parallel.hpp"
#include "deeprg/core/rng.hpp"

namespace deeprg::rg {

namespace {

constexpr std::uint64_t kMapTag = 0x6c6d6170;  // "lmap"
constexpr std::size_t kChunk = 64;

/// Sample i's block of coarse site (cy, cx) as visible units, block row-major.
void gather_block(const ising::Lattice& fine, int b, const std::int8_t* sample, int cy, int cx,
                  float* v) {
  const int by = fine.dim == 1 ? 1 : b;
  for (int dy = 0; dy < by; ++dy)
    for (int dx = 0; dx < b; ++dx)
      v[dy * b + dx] = sample[static_cast<std::size_t>(cy * by + dy) * fine.lx + cx * b + dx];
}

void check_samples(const io::SpinSamples& samples) {
  const std::size_t sites = samples.lattice.sites();
  if (sites == 0 || samples.count > samples.spins.size() / sites ||
      samples.spins.size() != samples.count * sites)
    throw ShapeError("learned map: " + std::to_string(samples.spins.size()) +
                     " spins do not make " + std::to_string(samples.count) + " samples of " +
                     std::to_string(sites) + " sites");
}

}  // namespace

std::string to_string(Readout readout) { return readout == Readout::sign ? "sign" : "sample"; }

Readout parse_readout(const std::string& name, const std::string& key) {
  if (name == "sign") return Readout::sign;
  if (name == "sample") return Readout::sample;
  throw ConfigError(key, "unknown readout '" + name + "' (sign or sample)");
}

bool read_out(Readout readout, double x, double kappa, Rng& rng) {
  const double p_up = readout == Readout::sign ? (x > 0   ? 1.0
                                                  : x < 0 ? 0.0
                                                          : 0.5)
                                               : 1 / (1 + std::exp(-kappa * x));
  return p_up >= 1.0 || (p_up > 0.0 && rng.uniform() < p_up);
}

rbm::Rbm train_block_rbm(const io::SpinSamples& samples, const BlockRbmOptions& options) {
  const int b = options.b;
  const std::size_t max_rows = options.max_rows;
  if (max_rows < 1) throw ConfigError("max_rows", "must be at least 1");
  check_samples(samples);
  const ising::Lattice& fine = samples.lattice;
  const ising::Lattice coarse = coarse_lattice(fine, b);
  const std::size_t per_sample = coarse.sites();
  const std::size_t width = fine.dim == 1 ? std::size_t(b) : std::size_t(b) * std::size_t(b);
  // Whole samples, evenly spaced: the smallest stride whose blocks fit max_rows.
  const std::size_t fit = std::max<std::size_t>(1, max_rows / per_sample);
  const std::size_t stride = (samples.count + fit - 1) / fit;
  const std::size_t used = (samples.count + stride - 1) / stride;
  MatrixF data(used * per_sample, width);
  for (std::size_t u = 0; u < used; ++u) {
    const std::int8_t* s = samples.sample(u * stride).data();
    for (int cy = 0; cy < coarse.ly; ++cy)
      for (int cx = 0; cx < coarse.lx; ++cx)
        gather_block(fine, b, s, cy, cx,
                     data.row(u * per_sample + std::size_t(cy) * coarse.lx + cx).data());
  }
  rbm::Rbm map = rbm::train_rbm(data, 1, rbm::Units::spin, rbm::Units::spin, options.train);
  if (options.spin_flip_symmetric) {
    std::fill(map.visible_bias.begin(), map.visible_bias.end(), 0.0f);
    map.hidden_bias[0] = 0;
  }
  double sum = 0;
  for (const float w : map.W.data) sum += w;
  if (sum < 0) {
    for (float& w : map.W.data) w = -w;
    map.hidden_bias[0] = -map.hidden_bias[0];
  }
  map.meta["map"] = "block_rbm";
  map.meta["b"] = b;
  map.meta["dim"] = fine.dim;
  map.meta["blocks_used"] = data.rows;
  map.meta["samples_used"] = used;
  map.meta["spin_flip_symmetric"] = options.spin_flip_symmetric;
  return map;
}

int block_side(const rbm::Rbm& map, int dim) {
  map.validate();
  if (map.visible != rbm::Units::spin || map.hidden != rbm::Units::spin || map.n_hidden() != 1)
    throw ConfigError("map",
                      "a local coarse-graining map is an RBM with spin units on both "
                      "layers and one hidden unit (the coarse spin); this one has " +
                          std::to_string(map.n_visible()) + " " + rbm::to_string(map.visible) +
                          " visible and " + std::to_string(map.n_hidden()) + " " +
                          rbm::to_string(map.hidden) + " hidden units");
  const int b = dim == 1 ? static_cast<int>(map.n_visible())
                         : static_cast<int>(std::lround(std::sqrt(double(map.n_visible()))));
  if (b < 2 || std::size_t(dim == 1 ? b : b * b) != map.n_visible())
    throw ConfigError("map", "a map for a " + std::to_string(dim) + "D lattice needs b^" +
                                 std::to_string(dim) + " visible units with b >= 2, this one has " +
                                 std::to_string(map.n_visible()));
  return b;
}

io::SpinSamples apply_block_rbm(const io::SpinSamples& samples, const rbm::Rbm& map,
                                Readout readout, std::uint64_t seed, int level, int threads) {
  if (level < 0) throw ConfigError("level", "must be at least 0, got " + std::to_string(level));
  check_samples(samples);
  const ising::Lattice& fine = samples.lattice;
  const int b = block_side(map, fine.dim);
  const ising::Lattice coarse = coarse_lattice(fine, b);
  const std::size_t n_coarse = coarse.sites(), width = map.n_visible();
  io::SpinSamples out;
  out.lattice = coarse;
  out.count = samples.count;
  out.spins.resize(samples.count * n_coarse);
  const double c = map.hidden_bias[0];
  // Chunks of samples: one parallel item per sample would make parallel_for's shared counter
  // the bottleneck.
  const std::size_t chunks = (samples.count + kChunk - 1) / kChunk;
  parallel_for(chunks, threads, [&](std::size_t chunk) {
    std::vector<float> v(width);
    const std::size_t end = std::min(samples.count, (chunk + 1) * kChunk);
    for (std::size_t i = chunk * kChunk; i < end; ++i) {
      Rng rng(seed, stream_id(kMapTag, static_cast<std::uint64_t>(level), i));
      const std::int8_t* s = samples.sample(i).data();
      std::int8_t* dst = out.spins.data() + i * n_coarse;
      for (int cy = 0; cy < coarse.ly; ++cy)
        for (int cx = 0; cx < coarse.lx; ++cx) {
          gather_block(fine, b, s, cy, cx, v.data());
          double x = c;
          for (std::size_t k = 0; k < width; ++k) x += double(map.W.data[k]) * v[k];
          const bool up = read_out(readout, x, 2, rng);
          dst[std::size_t(cy) * coarse.lx + cx] = up ? 1 : -1;
        }
    }
  });
  return out;
}

CoarseGraining block_rbm_map(rbm::Rbm map, Readout readout, std::uint64_t seed, int threads) {
  return [map = std::move(map), readout, seed, threads](const io::SpinSamples& samples, int level) {
    return apply_block_rbm(samples, map, readout, seed, level, threads);
  };
}

}  // namespace deeprg::rg
