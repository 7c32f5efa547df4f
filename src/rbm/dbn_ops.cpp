#include "deeprg/rbm/dbn_ops.hpp"

#include <algorithm>

#include "deeprg/core/blas.hpp"
#include "deeprg/core/error.hpp"
#include "deeprg/core/rng.hpp"

namespace deeprg::rbm {

namespace {

constexpr std::uint64_t kUpTag = 0x7570;        // "up"
constexpr std::uint64_t kDownTag = 0x646f776e;  // "down"

// Sampled propagation: row r of layer l draws from Rng(seed, stream_id(tag, l, r)), independent
// of batch composition and threads.
void propagate(Units units, MatrixF& x, Propagation mode, std::uint64_t seed, std::uint64_t tag,
               std::size_t layer) {
  if (mode == Propagation::mean_field) {
    mean_from_activation(units, x);
    return;
  }
  std::vector<Rng> rngs;
  rngs.reserve(x.rows);
  for (std::size_t r = 0; r < x.rows; ++r) rngs.emplace_back(seed, stream_id(tag, layer, r));
  sample_from_activation(units, x, rngs);
}

void check_layer(const Dbn& dbn, std::size_t layer) {
  if (layer > dbn.layers.size())
    throw ConfigError("layer", "the DBN has layers 0 … " + std::to_string(dbn.layers.size()) +
                                   ", asked for " + std::to_string(layer));
}

}  // namespace

std::string to_string(Propagation propagation) {
  return propagation == Propagation::samples ? "samples" : "mean-field";
}

Propagation parse_propagation(const std::string& name, const std::string& key) {
  if (name == "mean-field") return Propagation::mean_field;
  if (name == "samples") return Propagation::samples;
  throw ConfigError(key, "must be 'mean-field' or 'samples', got '" + name + "'");
}

MatrixF up_pass(const Dbn& dbn, const MatrixF& v, std::size_t to_layer, Propagation mode,
                std::uint64_t seed) {
  check_layer(dbn, to_layer);
  MatrixF current = v, next;
  for (std::size_t l = 0; l < to_layer; ++l) {
    const Rbm& rbm = dbn.layers[l];
    hidden_activation(rbm, current, next);
    propagate(rbm.hidden, next, mode, seed, kUpTag, l);
    std::swap(current, next);
  }
  return current;
}

MatrixF down_pass(const Dbn& dbn, const MatrixF& h, std::size_t from_layer, std::size_t to_layer,
                  Propagation mode, std::uint64_t seed) {
  check_layer(dbn, from_layer);
  if (to_layer > from_layer)
    throw ConfigError("layer", "a down pass goes from layer " + std::to_string(from_layer) +
                                   " to a lower layer, not to " + std::to_string(to_layer));
  MatrixF current = h, next;
  for (std::size_t l = from_layer; l > to_layer; --l) {
    const Rbm& rbm = dbn.layers[l - 1];
    visible_activation(rbm, current, next);
    propagate(rbm.visible, next, mode, seed, kDownTag, l - 1);
    std::swap(current, next);
  }
  return current;
}

MatrixF reconstruct(const Dbn& dbn, const MatrixF& v, std::size_t from_layer) {
  return down_pass(dbn, up_pass(dbn, v, from_layer), from_layer, 0);
}

std::filesystem::path layer_checkpoint_path(const std::filesystem::path& path, std::size_t layer) {
  auto name = path.stem();
  name += ".layer" + std::to_string(layer + 1);
  name += path.extension();
  return path.parent_path() / name;
}

io::Bytes training_memory(std::size_t rows, std::size_t batch_size, std::size_t n_visible,
                          const std::vector<std::size_t>& hidden_sizes) {
  const std::size_t batch = std::min(batch_size, rows);
  io::Bytes below, largest;
  std::size_t n_in = n_visible;
  for (std::size_t l = 0; l < hidden_sizes.size(); ++l) {
    const std::size_t n_out = hidden_sizes[l];
    const bool top = l + 1 == hidden_sizes.size();
    const io::Bytes layer = io::Bytes::product({rows, n_in, sizeof(float)}) +
                            io::Bytes::product({top ? 0 : rows, n_out, sizeof(float)}) +
                            io::Bytes::product({3, n_in, n_out, sizeof(float)}) +
                            io::Bytes::product({3, batch, n_out, sizeof(float)});
    largest = std::max(largest, below + layer);
    below += io::Bytes::product({n_in, n_out, sizeof(float)});
    n_in = n_out;
  }
  return largest;
}

std::string training_memory_shortfall(std::size_t rows, std::size_t batch_size,
                                      std::size_t n_visible,
                                      const std::vector<std::size_t>& hidden_sizes) {
  std::string network = std::to_string(n_visible);
  for (const std::size_t n : hidden_sizes) network += "-" + std::to_string(n);
  return io::memory_shortfall(
      training_memory(rows, batch_size, n_visible, hidden_sizes),
      "training a " + network + " network on " + std::to_string(rows) + " samples");
}

void require_training_memory(const std::string& key, std::size_t rows, std::size_t batch_size,
                             std::size_t n_visible, const std::vector<std::size_t>& hidden_sizes) {
  if (std::string problem = training_memory_shortfall(rows, batch_size, n_visible, hidden_sizes);
      !problem.empty())
    throw ConfigError(key, problem);
}

Dbn train_dbn(const MatrixF& data, const std::vector<std::size_t>& hidden_sizes, Units visible,
              Units hidden, const DbnTrainOptions& options) {
  if (hidden_sizes.empty())
    throw ConfigError("hidden_sizes", "a DBN needs at least one hidden layer");
  for (const std::size_t n : hidden_sizes)
    if (n == 0) throw ConfigError("hidden_sizes", "every hidden layer needs at least one unit");
  validate(options.rbm, data.rows, hidden_sizes.front());
  require_training_memory("hidden_sizes", data.rows, options.rbm.batch_size, data.cols,
                          hidden_sizes);

  const SingleThreadedBlas blas_guard;  // the up passes between layers, too
  Dbn dbn;
  MatrixF input = data;
  Units below = visible;
  for (std::size_t l = 0; l < hidden_sizes.size(); ++l) {
    TrainOptions layer_options = options.rbm;
    if (l > 0) {
      std::uint64_t s = options.rbm.seed ^ l;
      layer_options.seed = splitmix64(s);
    }
    if (!options.rbm.checkpoint.empty())
      layer_options.checkpoint = layer_checkpoint_path(options.rbm.checkpoint, l);
    if (options.rbm.on_epoch) {
      layer_options.on_epoch = [&options, l](const EpochMetrics& m) {
        EpochMetrics copy = m;
        copy.layer = l;
        options.rbm.on_epoch(copy);
      };
    }
    dbn.layers.push_back(train_rbm(input, hidden_sizes[l], below, hidden, layer_options));
    if (l + 1 < hidden_sizes.size()) {
      MatrixF next;
      hidden_activation(dbn.layers[l], input, next);
      propagate(hidden, next, options.propagate, layer_options.seed, kUpTag, l);
      input = std::move(next);
    }
    below = hidden;
  }
  dbn.meta["training"] = {{"--propagate", to_string(options.propagate)},
                          {"--hidden", hidden_sizes}};
  dbn.validate();
  return dbn;
}

}  // namespace deeprg::rbm
