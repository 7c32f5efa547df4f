#include "deeprg/rbm/dbn_ops.hpp"

#include <gtest/gtest.h>

#include <unistd.h>
#include <cmath>
#include <filesystem>

#include "deeprg/core/error.hpp"
#include "deeprg/core/rng.hpp"

namespace deeprg::rbm {
namespace {

namespace fs = std::filesystem;

/// Rows of 16 spins: four 4-spin blocks, each copying one of two random prototypes (noisy).
MatrixF block_data(std::size_t n, Units units, std::uint64_t seed = 11) {
  Rng rng(seed);
  MatrixF data(n, 16);
  const float off = units == Units::spin ? -1.0f : 0.0f;
  for (std::size_t r = 0; r < n; ++r)
    for (int block = 0; block < 4; ++block) {
      const bool on = rng.uniform() < 0.5;
      for (int i = 0; i < 4; ++i)
        data(r, block * 4 + i) = (rng.uniform() < 0.9 ? on : !on) ? 1.0f : off;
    }
  return data;
}

/// A random 16-8-4 DBN with the given unit types.
Dbn random_dbn(Units visible, Units hidden) {
  Dbn dbn;
  Rng rng(5);
  const std::size_t sizes[] = {16, 8, 4};
  for (int l = 0; l < 2; ++l) {
    Rbm rbm(sizes[l], sizes[l + 1], l == 0 ? visible : hidden, hidden);
    for (auto& w : rbm.W.data) w = static_cast<float>(rng.uniform() - 0.5);
    for (auto& a : rbm.visible_bias) a = static_cast<float>(0.2 * (rng.uniform() - 0.5));
    for (auto& b : rbm.hidden_bias) b = static_cast<float>(0.2 * (rng.uniform() - 0.5));
    dbn.layers.push_back(rbm);
  }
  return dbn;
}

bool in_alphabet(const MatrixF& m, Units units) {
  const float off = units == Units::spin ? -1.0f : 0.0f;
  for (const float x : m.data)
    if (x != off && x != 1.0f) return false;
  return true;
}

TEST(DbnPasses, ShapesThroughUpAndDownPasses) {
  const Dbn dbn = random_dbn(Units::spin, Units::bernoulli);
  const MatrixF v = block_data(10, Units::spin);
  const std::size_t widths[] = {16, 8, 4};
  for (std::size_t l = 0; l <= 2; ++l) {
    const MatrixF up = up_pass(dbn, v, l);
    EXPECT_EQ(up.rows, 10u);
    EXPECT_EQ(up.cols, widths[l]);
    const MatrixF down = down_pass(dbn, up, l);
    EXPECT_EQ(down.rows, 10u);
    EXPECT_EQ(down.cols, 16u);
    for (std::size_t to = 0; to <= l; ++to) EXPECT_EQ(down_pass(dbn, up, l, to).cols, widths[to]);
  }
  // Mean field: bernoulli means in (0, 1); samples: in the alphabet, reproducible per seed.
  const MatrixF means = up_pass(dbn, v, 2);
  for (const float x : means.data) EXPECT_TRUE(x > 0 && x < 1);
  const MatrixF s1 = up_pass(dbn, v, 2, Propagation::samples, 3);
  EXPECT_TRUE(in_alphabet(s1, Units::bernoulli));
  EXPECT_EQ(s1, up_pass(dbn, v, 2, Propagation::samples, 3));
  const MatrixF back = down_pass(dbn, s1, 2, 0, Propagation::samples, 4);
  EXPECT_TRUE(in_alphabet(back, Units::spin));
  const MatrixF mean_back = down_pass(dbn, means, 2);
  for (const float x : mean_back.data) EXPECT_TRUE(x > -1 && x < 1);

  EXPECT_THROW(up_pass(dbn, v, 3), ConfigError);
  EXPECT_THROW(down_pass(dbn, means, 1, 2), ConfigError);
  EXPECT_THROW(up_pass(dbn, MatrixF(2, 15), 1), ShapeError);
  EXPECT_EQ(parse_propagation(to_string(Propagation::samples)), Propagation::samples);
  EXPECT_THROW(parse_propagation("maybe"), ConfigError);
}

TEST(DbnPasses, OnePassEqualsTheRbmConditional) {
  const Dbn dbn = random_dbn(Units::bernoulli, Units::spin);
  const MatrixF v = block_data(5, Units::bernoulli);
  MatrixF x;
  hidden_activation(dbn.layers[0], v, x);
  mean_from_activation(Units::spin, x);
  EXPECT_EQ(up_pass(dbn, v, 1), x);
}

TEST(DbnReconstruct, FromLayerZeroIsTheInputAndDeeperIsClose) {
  const MatrixF data = block_data(400, Units::spin);
  DbnTrainOptions options;
  options.rbm.epochs = 50;
  options.rbm.batch_size = 20;
  options.rbm.learning_rate = 0.05;
  const Dbn dbn = train_dbn(data, {8, 4}, Units::spin, Units::bernoulli, options);
  EXPECT_EQ(reconstruct(dbn, data, 0), data);
  for (std::size_t l = 1; l <= 2; ++l) {
    const MatrixF r = reconstruct(dbn, data, l);
    ASSERT_EQ(r.rows, data.rows);
    ASSERT_EQ(r.cols, data.cols);
    // The four independent 4-spin blocks fit through 8 and (just) through 4 hidden units.
    double agree = 0;
    for (std::size_t k = 0; k < r.size(); ++k) agree += (r.data[k] > 0) == (data.data[k] > 0);
    std::printf("[ DBN ] reconstruction through layer %zu: %.3f of the spins agree\n", l,
                agree / double(r.size()));
    EXPECT_GT(agree / double(r.size()), 0.75) << "layer " << l;
  }
}

TEST(DbnTrain, GreedyStackHasTheRequestedShapes) {
  const MatrixF data = block_data(300, Units::bernoulli);
  for (const Propagation mode : {Propagation::mean_field, Propagation::samples}) {
    DbnTrainOptions options;
    options.rbm.epochs = 5;
    options.rbm.batch_size = 50;
    options.propagate = mode;
    std::vector<std::size_t> layers_seen;
    options.rbm.on_epoch = [&](const EpochMetrics& m) { layers_seen.push_back(m.layer); };
    const Dbn dbn = train_dbn(data, {8, 4}, Units::bernoulli, Units::spin, options);
    ASSERT_EQ(dbn.layers.size(), 2u);
    EXPECT_EQ(dbn.layers[0].n_visible(), 16u);
    EXPECT_EQ(dbn.layers[0].n_hidden(), 8u);
    EXPECT_EQ(dbn.layers[1].n_visible(), 8u);
    EXPECT_EQ(dbn.layers[1].n_hidden(), 4u);
    EXPECT_EQ(dbn.layers[0].visible, Units::bernoulli);
    EXPECT_EQ(dbn.layers[1].visible, Units::spin);
    EXPECT_EQ(layers_seen, (std::vector<std::size_t>{0, 0, 0, 0, 0, 1, 1, 1, 1, 1}));
    EXPECT_NO_THROW(dbn.validate());
    EXPECT_EQ(dbn.meta["training"]["--propagate"], to_string(mode));
    // The first layer is exactly the RBM that train_rbm gives.
    options.rbm.on_epoch = nullptr;
    EXPECT_EQ(dbn.layers[0].W, train_rbm(data, 8, Units::bernoulli, Units::spin, options.rbm).W);
  }
  EXPECT_THROW(train_dbn(data, {}, Units::bernoulli, Units::spin, {}), ConfigError);
  EXPECT_THROW(train_dbn(data, {8, 0}, Units::bernoulli, Units::spin, {}), ConfigError);
}

TEST(DbnTrain, ResumeSkipsFinishedLayers) {
  const fs::path dir =
      fs::temp_directory_path() / ("deeprg_dbn_test_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const MatrixF data = block_data(200, Units::spin);
  DbnTrainOptions options;
  options.rbm.epochs = 4;
  options.rbm.batch_size = 25;
  options.rbm.checkpoint = dir / "dbn.npz";
  const Dbn straight = train_dbn(data, {8, 4}, Units::spin, Units::bernoulli, options);
  EXPECT_TRUE(fs::exists(dir / "dbn.layer1.npz"));
  EXPECT_TRUE(fs::exists(dir / "dbn.layer2.npz"));
  EXPECT_EQ(layer_checkpoint_path("a/b.npz", 2), fs::path("a/b.layer3.npz"));
  options.rbm.resume = true;
  int epochs_run = 0;
  options.rbm.on_epoch = [&](const EpochMetrics&) { ++epochs_run; };
  const Dbn resumed = train_dbn(data, {8, 4}, Units::spin, Units::bernoulli, options);
  EXPECT_EQ(epochs_run, 0);
  for (std::size_t l = 0; l < 2; ++l) EXPECT_EQ(resumed.layers[l].W, straight.layers[l].W);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace deeprg::rbm
