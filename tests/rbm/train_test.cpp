#include "deeprg/rbm/train.hpp"

#include <gtest/gtest.h>

#include <cblas.h>
#include <unistd.h>
#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <map>
#include <numeric>
#include <string>

#include "../thread_ranks.hpp"
#include "deeprg/core/error.hpp"
#include "deeprg/core/matmul.hpp"
#include "deeprg/core/rng.hpp"
#include "deeprg/io/npz.hpp"
#include "deeprg/rbm/estimators.hpp"

namespace deeprg::rbm {
namespace {

namespace fs = std::filesystem;

fs::path temp_dir() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  const fs::path dir =
      fs::temp_directory_path() / ("deeprg_train_test_" + std::to_string(::getpid()) + "_" +
                                   info->test_suite_name() + "_" + info->name());
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

/// n rows of n_v units: two noisy prototypes (all on / all off), so that the units correlate.
MatrixF two_cluster_data(std::size_t n, std::size_t nv, Units units, std::uint64_t seed = 7) {
  Rng rng(seed);
  MatrixF data(n, nv);
  const float off = units == Units::spin ? -1.0f : 0.0f;
  for (std::size_t r = 0; r < n; ++r) {
    const bool prototype = rng.uniform() < 0.5;
    for (std::size_t i = 0; i < nv; ++i) {
      const bool on = rng.uniform() < 0.8 ? prototype : !prototype;
      data(r, i) = on ? 1.0f : off;
    }
  }
  return data;
}

double mean(const std::vector<double>& x) {
  return std::accumulate(x.begin(), x.end(), 0.0) / static_cast<double>(x.size());
}

/// Exact samples of the 3×3 periodic Ising model at K = 0.5, as states (bit i = spin i up).
std::vector<int> torus_states(int count, std::uint64_t seed) {
  constexpr int L = 3, N = L * L, kStates = 1 << N;
  constexpr double K = 0.5;
  std::vector<double> weight(kStates);
  double z = 0;
  for (int s = 0; s < kStates; ++s) {
    auto spin = [s](int x, int y) { return (s >> (((y + L) % L) * L + (x + L) % L) & 1) ? 1 : -1; };
    int bonds = 0;  // Σ over right and down neighbours with wrap: every torus bond once
    for (int y = 0; y < L; ++y)
      for (int x = 0; x < L; ++x) bonds += spin(x, y) * (spin(x + 1, y) + spin(x, y + 1));
    weight[s] = std::exp(K * bonds);
    z += weight[s];
  }
  std::vector<double> cdf(kStates);
  double acc = 0;
  for (int s = 0; s < kStates; ++s) cdf[s] = (acc += weight[s] / z);
  Rng rng(seed);
  std::vector<int> states(static_cast<std::size_t>(count));
  for (auto& s : states) {
    const double u = rng.uniform();
    s = std::min(kStates - 1,
                 static_cast<int>(std::upper_bound(cdf.begin(), cdf.end(), u) - cdf.begin()));
  }
  return states;
}

/// The states as ±1 rows of 9 spins.
MatrixF spin_rows(const std::vector<int>& states) {
  MatrixF data(states.size(), 9);
  for (std::size_t r = 0; r < states.size(); ++r)
    for (std::size_t i = 0; i < 9; ++i) data(r, i) = (states[r] >> i & 1) ? 1.0f : -1.0f;
  return data;
}

MatrixF torus_samples(int count, std::uint64_t seed) {
  return spin_rows(torus_states(count, seed));
}

// Acceptance: exact samples of the 3×3 periodic Ising model at K = 0.5, an RBM
// with 8 hidden units trained for 300 epochs with the default options must close most of the
// log-likelihood gap between the best independent-spin model and the empirical entropy bound.
TEST(TrainIsing, ClosesMostOfTheLikelihoodGapOn3x3Torus) {
  constexpr int N = 9, kSamples = 5000;
  const std::vector<int> states = torus_states(kSamples, 20240611);
  const MatrixF data = spin_rows(states);

  // Upper bound: the empirical distribution itself, (1/n) Σ ln f(v).
  std::map<int, int> count;
  for (const int s : states) ++count[s];
  double empirical = 0;
  for (const int s : states) empirical += std::log(count[s] / double(kSamples));
  empirical /= kSamples;
  // Baseline: the best product of independent spins, exact from the marginals.
  double independent = 0;
  for (int i = 0; i < N; ++i) {
    double p = 0;
    for (const int s : states) p += s >> i & 1;
    p /= kSamples;
    independent += p * std::log(p) + (1 - p) * std::log(1 - p);
  }

  TrainOptions options;  // the defaults, as the command line uses them
  options.epochs = 300;
  const Rbm rbm = train_rbm(data, 8, Units::spin, Units::bernoulli, options);
  const double ll = mean(log_likelihood(rbm, data, exact_log_z(rbm)));
  const double closed = (ll - independent) / (empirical - independent);
  RecordProperty("log_likelihood", ::testing::PrintToString(ll));
  RecordProperty("independent", ::testing::PrintToString(independent));
  RecordProperty("empirical", ::testing::PrintToString(empirical));
  RecordProperty("gap_closed", ::testing::PrintToString(closed));
  std::printf(
      "[ Ising 3x3 ] mean ln p: RBM %.4f, independent %.4f, empirical %.4f: %.1f%% of the gap "
      "closed\n",
      ll, independent, empirical, 100 * closed);
  EXPECT_GT(closed, 0.5);
  EXPECT_LE(ll, empirical + 1e-9);
}

// bf16 products change what training finds by less than the seed-to-seed spread: on the 3×3
// torus at K = 0.5 (exact samples, as above), the exact mean ln p of RBMs trained with fp32 and
// with bf16 products over 6 seeds each agree within 4 standard errors of their difference.
TEST(TrainPrecision, Bf16FindsTheSameLikelihoodAsFp32) {
  if (!native_bf16()) GTEST_SKIP() << "no native bf16 here: " << matmul_kernel();
  constexpr int kSamples = 2000, kSeeds = 6;
  const MatrixF data = torus_samples(kSamples, 20240612);
  auto fit = [&](const std::string& precision) {
    std::vector<double> ll;
    for (int seed = 1; seed <= kSeeds; ++seed) {
      TrainOptions o;
      o.epochs = 100;
      o.batch_size = 20;
      o.seed = static_cast<std::uint64_t>(seed);
      o.precision = precision;
      const Rbm rbm = train_rbm(data, 6, Units::spin, Units::bernoulli, o);
      ll.push_back(mean(log_likelihood(rbm, data, exact_log_z(rbm))));
    }
    return ll;
  };
  const auto fp32 = fit("fp32"), bf16 = fit("bf16");
  auto variance = [](const std::vector<double>& x) {
    const double m = mean(x);
    double v = 0;
    for (const double y : x) v += (y - m) * (y - m);
    return v / static_cast<double>(x.size() - 1);
  };
  const double se = std::sqrt((variance(fp32) + variance(bf16)) / kSeeds);
  std::printf(
      "[ precision ] mean ln p over %d seeds: fp32 %.5f, bf16 %.5f (standard error of the "
      "difference %.5f)\n",
      kSeeds, mean(fp32), mean(bf16), se);
  EXPECT_GT(se, 0.0);
  EXPECT_LE(std::abs(mean(bf16) - mean(fp32)), 4 * se);
}

// CD-k with many independent chains and many Gibbs steps estimates the exact gradient: one
// full-batch update with ε = 10⁻³ and no momentum or decay moves W by ε·g_CD.
TEST(TrainGradient, CdWithLongChainsApproachesTheExactGradient) {
  for (const auto& [vu, hu] :
       {std::pair{Units::spin, Units::bernoulli}, std::pair{Units::bernoulli, Units::spin}}) {
    SCOPED_TRACE(to_string(vu) + "/" + to_string(hu));
    const std::size_t n = 4000, nv = 6, nh = 4;
    const MatrixF data = two_cluster_data(n, nv, vu);
    TrainOptions o;
    o.epochs = 1;
    o.batch_size = n;
    o.k = 200;
    o.persistent = false;
    o.momentum = o.final_momentum = 0;
    o.l2 = 0;
    o.init_std = 0.5;
    o.learning_rate = 0;
    const Rbm before = train_rbm(data, nh, vu, hu, o);
    const double lr = 1e-3;
    o.learning_rate = lr;
    const Rbm after = train_rbm(data, nh, vu, hu, o);
    const Gradient exact = exact_log_likelihood_gradient(before, data);
    // Each model average is a mean over n independent chains of a quantity in [−1, 1], so its
    // standard error is at most 1/√n; allow 4 of those (plus float rounding of ε·g).
    const double tolerance = 4 / std::sqrt(double(n)) + 1e-3;
    double err2 = 0, norm2 = 0;
    for (std::size_t i = 0; i < nv; ++i)
      for (std::size_t j = 0; j < nh; ++j) {
        const double cd = (double(after.W(i, j)) - before.W(i, j)) / lr;
        EXPECT_NEAR(cd, exact.W(i, j), tolerance) << "W(" << i << "," << j << ")";
        err2 += (cd - exact.W(i, j)) * (cd - exact.W(i, j));
        norm2 += exact.W(i, j) * exact.W(i, j);
      }
    for (std::size_t i = 0; i < nv; ++i)
      EXPECT_NEAR((double(after.visible_bias[i]) - before.visible_bias[i]) / lr,
                  exact.visible_bias[i], tolerance);
    for (std::size_t j = 0; j < nh; ++j)
      EXPECT_NEAR((double(after.hidden_bias[j]) - before.hidden_bias[j]) / lr, exact.hidden_bias[j],
                  tolerance);
    EXPECT_LT(std::sqrt(err2 / norm2), 0.1);
    EXPECT_GT(std::sqrt(norm2), 0.5);  // the gradient is far from zero: the test has teeth
  }
}

// PCD's negative statistics come from persistent chains; with a tiny learning rate the
// parameters barely move, so the summed updates average the model statistics along the chains.
TEST(TrainGradient, PcdChainsSampleTheModel) {
  const std::size_t n = 4000, nv = 6, nh = 4;
  const MatrixF data = two_cluster_data(n, nv, Units::spin);
  TrainOptions o;
  o.epochs = 10;
  o.batch_size = 100;
  o.persistent = true;
  o.momentum = o.final_momentum = 0;
  o.l2 = 0;
  o.init_std = 0.5;
  o.learning_rate = 0;
  const Rbm before = train_rbm(data, nh, Units::spin, Units::spin, o);
  const double lr = 1e-5;
  o.learning_rate = lr;
  const Rbm after = train_rbm(data, nh, Units::spin, Units::spin, o);
  const Gradient exact = exact_log_likelihood_gradient(before, data);
  const double updates = 10.0 * n / 100;
  double err2 = 0, norm2 = 0;
  for (std::size_t i = 0; i < nv; ++i)
    for (std::size_t j = 0; j < nh; ++j) {
      const double g = (double(after.W(i, j)) - before.W(i, j)) / (lr * updates);
      err2 += (g - exact.W(i, j)) * (g - exact.W(i, j));
      norm2 += exact.W(i, j) * exact.W(i, j);
    }
  EXPECT_LT(std::sqrt(err2 / norm2), 0.05);
}

TEST(TrainDeterminism, ModelIsBitIdenticalForAnyThreadCount) {
  // Large enough that the GEMMs split into blocks, the row passes into threads, and a batch's
  // products pass the size from which training uses more than one thread.
  const MatrixF data = two_cluster_data(400, 700, Units::bernoulli, 3);
  const int blas_before = openblas_get_num_threads();
  std::vector<std::string> precisions = {"fp32"};
  if (native_bf16()) precisions.push_back("bf16");
  for (const auto& precision : precisions)
    for (const bool pcd : {false, true}) {
      SCOPED_TRACE(precision);
      TrainOptions o;
      o.precision = precision;
      o.epochs = 2;
      o.persistent = pcd;
      o.l1 = 1e-4;
      o.sparsity_target = 0.1;
      o.sparsity_cost = 0.01;
      o.threads = 1;
      const Rbm one = train_rbm(data, 300, Units::bernoulli, Units::bernoulli, o);
      o.threads = 2;
      const Rbm two = train_rbm(data, 300, Units::bernoulli, Units::bernoulli, o);
      o.threads = 3;
      const Rbm three = train_rbm(data, 300, Units::bernoulli, Units::bernoulli, o);
      EXPECT_TRUE(one.W == two.W && one.W == three.W) << (pcd ? "PCD" : "CD");
      EXPECT_EQ(one.visible_bias, two.visible_bias);
      EXPECT_EQ(one.hidden_bias, three.hidden_bias);
      o.seed = 2;
      const Rbm other = train_rbm(data, 300, Units::bernoulli, Units::bernoulli, o);
      EXPECT_FALSE(one.W == other.W);
    }
  EXPECT_EQ(openblas_get_num_threads(), blas_before);  // restored after training
}

// Data-parallel training on 1, 2 and 3 ranks gives the bits of the run without ranks, on every
// rank, for both precisions, CD and PCD, and for a layer small enough to stay in one block.
TEST(TrainDataParallel, ModelIsBitIdenticalOnAnyNumberOfRanks) {
  const MatrixF data = two_cluster_data(400, 700, Units::bernoulli, 3);
  std::vector<std::string> precisions = {"fp32"};
  if (native_bf16()) precisions.push_back("bf16");
  for (const auto& precision : precisions)
    for (const bool pcd : {false, true})
      for (const std::size_t hidden : {300, 20}) {
        SCOPED_TRACE(precision + (pcd ? " PCD " : " CD ") + std::to_string(hidden));
        TrainOptions o;
        o.precision = precision;
        o.epochs = 2;
        o.batch_size = 70;  // a shorter last batch
        o.persistent = pcd;
        o.l1 = 1e-4;
        o.sparsity_target = 0.1;
        o.sparsity_cost = 0.01;
        o.threads = 1;
        const Rbm alone = train_rbm(data, hidden, Units::bernoulli, Units::bernoulli, o);
        for (const int size : {1, 2, 3}) {
          testing::ThreadRanks ranks(size);
          const std::vector<Rbm> models = ranks.run([&](Communicator& world) {
            TrainOptions mine = o;
            mine.world = &world;
            return train_rbm(data, hidden, Units::bernoulli, Units::bernoulli, mine);
          });
          for (std::size_t r = 0; r < models.size(); ++r) {
            EXPECT_TRUE(models[r].W == alone.W) << size << " ranks, rank " << r;
            EXPECT_EQ(models[r].visible_bias, alone.visible_bias) << size << " ranks";
            EXPECT_EQ(models[r].hidden_bias, alone.hidden_bias) << size << " ranks";
          }
        }
      }
}

// A run killed after epoch 3 (here: by its callback) and resumed from its checkpoint ends with
// the same bits as an uninterrupted run.
TEST(TrainResume, KilledAndResumedRunIsBitIdentical) {
  const fs::path dir = temp_dir();
  const MatrixF data = two_cluster_data(300, 20, Units::spin);
  for (const bool pcd : {false, true}) {
    SCOPED_TRACE(pcd ? "PCD" : "CD");
    TrainOptions o;
    o.epochs = 6;
    o.batch_size = 32;  // 300 = 9·32 + 12: a short last batch
    o.persistent = pcd;
    o.k = 2;
    o.schedule = LearningRateSchedule::linear;
    o.final_learning_rate = 0.001;
    o.momentum_switch_epoch = 2;
    o.l1 = 1e-3;
    const Rbm straight = train_rbm(data, 7, Units::spin, Units::bernoulli, o);

    o.checkpoint = dir / (pcd ? "pcd.npz" : "cd.npz");
    o.checkpoint_every = 1;
    o.on_epoch = [](const EpochMetrics& m) {
      if (m.epoch == 3) throw std::runtime_error("killed");
    };
    EXPECT_THROW(train_rbm(data, 7, Units::spin, Units::bernoulli, o), std::runtime_error);
    ASSERT_TRUE(fs::exists(o.checkpoint));
    o.on_epoch = nullptr;
    o.resume = true;
    const Rbm resumed = train_rbm(data, 7, Units::spin, Units::bernoulli, o);
    EXPECT_TRUE(resumed.W == straight.W);
    EXPECT_EQ(resumed.visible_bias, straight.visible_bias);
    EXPECT_EQ(resumed.hidden_bias, straight.hidden_bias);

    // Resuming a finished run trains nothing more and returns the same model.
    const Rbm again = train_rbm(data, 7, Units::spin, Units::bernoulli, o);
    EXPECT_TRUE(again.W == straight.W);

    // A checkpoint from another configuration is refused, naming the option.
    TrainOptions changed = o;
    changed.learning_rate = 0.02;
    try {
      train_rbm(data, 7, Units::spin, Units::bernoulli, changed);
      ADD_FAILURE() << "resume with another --lr succeeded";
    } catch (const ConfigError& e) {
      EXPECT_EQ(e.key(), "learning_rate");
      EXPECT_NE(std::string(e.what()).find(o.checkpoint.string()), std::string::npos);
    }
    MatrixF other = data;
    other(0, 0) = -other(0, 0);
    try {
      train_rbm(other, 7, Units::spin, Units::bernoulli, o);
      ADD_FAILURE() << "resume on other data succeeded";
    } catch (const ConfigError& e) {
      EXPECT_EQ(e.key(), "data");
    }
  }
  fs::remove_all(dir);
}

TEST(TrainRegularisation, L1ZerosWeightsAndL2ShrinksThem) {
  const MatrixF data = two_cluster_data(500, 16, Units::bernoulli);
  TrainOptions o;
  o.epochs = 20;
  const Rbm plain = train_rbm(data, 10, Units::bernoulli, Units::bernoulli, o);
  o.l2 = 0.05;
  const Rbm decayed = train_rbm(data, 10, Units::bernoulli, Units::bernoulli, o);
  o.l2 = 0;
  o.l1 = 0.05;
  const Rbm sparse = train_rbm(data, 10, Units::bernoulli, Units::bernoulli, o);
  auto norm = [](const MatrixF& w) {
    double s = 0;
    for (const float x : w.data) s += double(x) * x;
    return std::sqrt(s);
  };
  auto zeros = [](const MatrixF& w) { return std::count(w.data.begin(), w.data.end(), 0.0f); };
  EXPECT_LT(norm(decayed.W), 0.8 * norm(plain.W));
  EXPECT_EQ(zeros(plain.W), 0);
  EXPECT_GT(zeros(sparse.W), static_cast<long>(sparse.W.size() / 4));
}

TEST(TrainSparsity, TargetLowersHiddenActivity) {
  const MatrixF data = two_cluster_data(500, 16, Units::bernoulli);
  TrainOptions o;
  o.epochs = 20;
  auto activity = [&](const Rbm& rbm) {
    MatrixF x;
    hidden_activation(rbm, data, x);
    mean_from_activation(Units::bernoulli, x);
    return std::accumulate(x.data.begin(), x.data.end(), 0.0) / double(x.size());
  };
  const double free_activity = activity(train_rbm(data, 10, Units::bernoulli, Units::bernoulli, o));
  o.sparsity_target = 0.05;
  o.sparsity_cost = 1.0;
  const double sparse_activity =
      activity(train_rbm(data, 10, Units::bernoulli, Units::bernoulli, o));
  EXPECT_LT(sparse_activity, 0.15);
  EXPECT_LT(sparse_activity, free_activity / 2);
}

TEST(TrainMetrics, CallbackSeesScheduleAndExactLikelihood) {
  const MatrixF data = two_cluster_data(300, 8, Units::spin);
  TrainOptions o;
  o.epochs = 5;
  o.batch_size = 10;
  o.learning_rate = 0.1;
  o.final_learning_rate = 0.01;
  o.schedule = LearningRateSchedule::exponential;
  o.momentum_switch_epoch = 2;
  std::vector<EpochMetrics> seen;
  o.on_epoch = [&](const EpochMetrics& m) { seen.push_back(m); };
  const Rbm rbm = train_rbm(data, 4, Units::spin, Units::bernoulli, o);
  ASSERT_EQ(seen.size(), 5u);
  for (int e = 0; e < 5; ++e) {
    EXPECT_EQ(seen[e].epoch, e + 1);
    EXPECT_NEAR(seen[e].learning_rate, 0.1 * std::pow(0.1, e / 4.0), 1e-12);
    EXPECT_EQ(seen[e].momentum, e < 2 ? 0.5 : 0.9);
    ASSERT_TRUE(seen[e].log_likelihood.has_value());
    EXPECT_LT(*seen[e].log_likelihood, 0);
    EXPECT_LT(seen[e].pseudo_log_likelihood, 0);
    EXPECT_GE(seen[e].reconstruction_error, 0);
    EXPECT_GE(seen[e].seconds, 0);
  }
  EXPECT_NEAR(*seen.back().log_likelihood, mean(log_likelihood(rbm, data, exact_log_z(rbm))), 1e-9);
  EXPECT_GT(*seen.back().log_likelihood, *seen.front().log_likelihood);
  EXPECT_EQ(rbm.meta["training"]["--lr-schedule"], "exponential");
}

TEST(TrainDivergence, AbsurdLearningRateStopsWithoutWritingAFile) {
  const fs::path dir = temp_dir();
  const MatrixF data = two_cluster_data(200, 10, Units::spin);
  TrainOptions o;
  o.epochs = 5;
  o.learning_rate = 1e6;
  o.checkpoint = dir / "run.npz";
  try {
    train_rbm(data, 5, Units::spin, Units::bernoulli, o);
    ADD_FAILURE() << "an absurd learning rate trained";
  } catch (const ConfigError&) {
    ADD_FAILURE() << "divergence is not a configuration error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("training diverged at epoch 1"), std::string::npos)
        << e.what();
    EXPECT_NE(std::string(e.what()).find("no checkpoint"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(fs::is_empty(dir));

  // A schedule that blows up later: the message names the epoch and the last good checkpoint,
  // which stays readable and holds the last finite epoch.
  o.learning_rate = 0.01;
  o.final_learning_rate = 1e9;
  o.schedule = LearningRateSchedule::exponential;
  o.epochs = 12;
  int last_epoch = 0;
  o.on_epoch = [&](const EpochMetrics& m) { last_epoch = m.epoch; };
  try {
    train_rbm(data, 5, Units::spin, Units::bernoulli, o);
    ADD_FAILURE() << "an exploding schedule trained";
  } catch (const Error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("training diverged at epoch " + std::to_string(last_epoch + 1)),
              std::string::npos)
        << what;
    EXPECT_NE(what.find("last good checkpoint: " + o.checkpoint.string()), std::string::npos)
        << what;
  }
  ASSERT_GT(last_epoch, 1);
  const auto archive = io::read_npz(o.checkpoint);
  std::int64_t epoch = 0;
  std::memcpy(&epoch, archive.at("train_epoch").data.data(), sizeof epoch);
  EXPECT_EQ(epoch, last_epoch);
  fs::remove_all(dir);
}

TEST(TrainOptionsCheck, ImpossibleOptionsNameTheFlag) {
  const MatrixF data = two_cluster_data(50, 6, Units::bernoulli);
  auto expect_key = [&](const std::string& key, auto&& change, std::size_t hidden = 4) {
    TrainOptions o;
    o.epochs = 1;
    o.batch_size = 10;
    change(o);
    try {
      train_rbm(data, hidden, Units::bernoulli, Units::bernoulli, o);
      ADD_FAILURE() << key << " was accepted";
    } catch (const ConfigError& e) {
      EXPECT_EQ(e.key(), key) << e.what();
    }
  };
  expect_key("batch_size", [](TrainOptions& o) { o.batch_size = 0; });
  expect_key("batch_size", [](TrainOptions& o) { o.batch_size = 51; });
  expect_key("learning_rate", [](TrainOptions& o) { o.learning_rate = -0.1; });
  expect_key("learning_rate", [](TrainOptions& o) { o.learning_rate = NAN; });
  expect_key("epochs", [](TrainOptions& o) { o.epochs = 0; });
  expect_key("k", [](TrainOptions& o) { o.k = 0; });
  expect_key("momentum", [](TrainOptions& o) { o.momentum = 1.0; });
  expect_key("momentum", [](TrainOptions& o) { o.momentum = -0.1; });
  expect_key("final_momentum", [](TrainOptions& o) { o.final_momentum = 1.5; });
  expect_key("l1", [](TrainOptions& o) { o.l1 = -1; });
  expect_key("l2", [](TrainOptions& o) { o.l2 = -1e-4; });
  expect_key(
      "n_hidden", [](TrainOptions&) {}, 0);
  expect_key("final_learning_rate",
             [](TrainOptions& o) { o.schedule = LearningRateSchedule::linear; });
  expect_key("sparsity_target", [](TrainOptions& o) { o.sparsity_target = 1.0; });
  expect_key("threads", [](TrainOptions& o) { o.threads = -1; });
  expect_key("checkpoint_every", [](TrainOptions& o) { o.checkpoint_every = 0; });
  expect_key("resume", [](TrainOptions& o) { o.resume = true; });
  EXPECT_THROW(parse_learning_rate_schedule("cosine"), ConfigError);
  EXPECT_EQ(parse_learning_rate_schedule(to_string(LearningRateSchedule::exponential)),
            LearningRateSchedule::exponential);

  MatrixF bad = data;
  bad(3, 2) = 2.0f;  // not a bernoulli value
  TrainOptions small;
  small.batch_size = 10;
  try {
    train_rbm(bad, 4, Units::bernoulli, Units::bernoulli, small);
    ADD_FAILURE() << "out-of-range data accepted";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.key(), "data");
  }
}

// Training continued from its state (online learning, partial_fit) gives train_rbm's bits: from
// the initial state in one call, and in one-epoch steps for CD and PCD alike.
TEST(TrainContinue, EpochByEpochEqualsOneRun) {
  const MatrixF data = two_cluster_data(300, 40, Units::spin, 5);
  for (const bool pcd : {false, true}) {
    TrainOptions o;
    o.epochs = 7;  // past the momentum switch
    o.batch_size = 32;
    o.persistent = pcd;
    o.l1 = 1e-4;
    o.seed = 11;
    const Rbm whole = train_rbm(data, 12, Units::spin, Units::bernoulli, o);

    TrainState once = initial_train_state(data, 12, Units::spin, Units::bernoulli, o);
    continue_training(data, once, o);
    EXPECT_EQ(once.epoch, 7);
    EXPECT_TRUE(once.rbm.W == whole.W) << (pcd ? "PCD" : "CD");
    EXPECT_EQ(once.rbm.visible_bias, whole.visible_bias);
    EXPECT_EQ(once.rbm.hidden_bias, whole.hidden_bias);

    TrainState steps = initial_train_state(data, 12, Units::spin, Units::bernoulli, o);
    TrainOptions step = o;
    for (int e = 1; e <= o.epochs; ++e) {
      step.epochs = e;
      continue_training(data, steps, step);
      EXPECT_EQ(steps.epoch, e);
    }
    EXPECT_TRUE(steps.rbm.W == whole.W) << (pcd ? "PCD" : "CD");
    EXPECT_EQ(steps.rbm.hidden_bias, whole.hidden_bias);
    EXPECT_EQ(steps.chains.rows, pcd ? o.batch_size : 0u);

    continue_training(data, steps, step);  // nothing left to do
    EXPECT_TRUE(steps.rbm.W == whole.W);
  }
}

TEST(TrainContinue, StateThatDoesNotFitIsRefused) {
  const MatrixF data = two_cluster_data(100, 10, Units::bernoulli);
  TrainOptions o;
  o.epochs = 1;
  o.batch_size = 20;
  o.persistent = true;
  TrainState s = initial_train_state(data, 4, Units::bernoulli, Units::bernoulli, o);
  continue_training(data, s, o);
  ASSERT_EQ(s.chains.rows, 20u);

  TrainOptions bigger = o;
  bigger.epochs = 2;
  bigger.batch_size = 50;  // more rows than there are persistent chains
  try {
    continue_training(data, s, bigger);
    ADD_FAILURE() << "batch larger than the chains accepted";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.key(), "batch_size");
  }
  TrainOptions resume = o;
  resume.resume = true;
  resume.checkpoint = "unused.npz";
  EXPECT_THROW(continue_training(data, s, resume), ConfigError);

  const MatrixF narrow = two_cluster_data(100, 9, Units::bernoulli);
  EXPECT_THROW(continue_training(narrow, s, o), ShapeError);
  TrainState broken = s;
  broken.velocity_b.pop_back();
  EXPECT_THROW(continue_training(data, broken, o), ShapeError);
}

}  // namespace
}  // namespace deeprg::rbm
