#include "deeprg/rbm/model_file.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <vector>

#include "deeprg/core/error.hpp"
#include "deeprg/io/atomic_file.hpp"

namespace deeprg::rbm {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

fs::path temp_dir() {
  const auto* info = ::testing::UnitTest::GetInstance();
  const fs::path dir =
      fs::temp_directory_path() / ("deeprg_model_file_test_" + std::to_string(info->random_seed()) +
                                   "_" + info->current_test_info()->name());
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

bool have_numpy() { return std::system("/usr/bin/python3 -c 'import numpy' >/dev/null 2>&1") == 0; }

/// Deterministic parameters with distinct, exactly representable values.
Rbm make_rbm(std::size_t nv, std::size_t nh, Units v, Units h, float scale) {
  Rbm rbm(nv, nh, v, h);
  for (std::size_t i = 0; i < rbm.W.data.size(); ++i)
    rbm.W.data[i] = scale * (static_cast<float>(i % 7) - 3.0f) / 8.0f;
  for (std::size_t i = 0; i < nv; ++i) rbm.visible_bias[i] = scale * static_cast<float>(i) / 4.0f;
  for (std::size_t j = 0; j < nh; ++j) rbm.hidden_bias[j] = -scale * static_cast<float>(j) / 2.0f;
  return rbm;
}

void expect_same(const Rbm& a, const Rbm& b) {
  EXPECT_EQ(a.visible, b.visible);
  EXPECT_EQ(a.hidden, b.hidden);
  EXPECT_EQ(a.W, b.W);
  EXPECT_EQ(a.visible_bias, b.visible_bias);
  EXPECT_EQ(a.hidden_bias, b.hidden_bias);
  EXPECT_EQ(a.meta, b.meta);
}

std::string io_error(const std::function<void()>& f) {
  try {
    f();
  } catch (const IoError& e) {
    return e.what();
  }
  ADD_FAILURE() << "no IoError";
  return {};
}

io::NpyArray json_bytes(const std::string& text) {
  return io::NpyArray{"|u1", {text.size()}, text};
}

TEST(ModelFile, RbmRoundTripKeepsUnitsParametersAndMeta) {
  const fs::path dir = temp_dir();
  for (const auto& [v, h] :
       {std::pair{Units::spin, Units::bernoulli}, std::pair{Units::bernoulli, Units::spin},
        std::pair{Units::spin, Units::spin}}) {
    Rbm rbm = make_rbm(6, 4, v, h, 1.0f);
    rbm.meta = {{"seed", 42}, {"learning_rate", 0.01}, {"note", "Kadanoff \u00fc"}};
    save_rbm(dir / "rbm.npz", rbm);
    expect_same(rbm, load_rbm(dir / "rbm.npz"));
    // The archive's meta records the units for readers other than deeprg.
    const json meta = json::parse(io::read_npz(dir / "rbm.npz").at("meta").data);
    EXPECT_EQ(meta["visible"], to_string(v));
    EXPECT_EQ(meta["hidden"], to_string(h));
    EXPECT_EQ(meta["seed"], 42);
  }
  // Without meta, both layers are bernoulli.
  io::NpzArchive plain = rbm_to_npz(make_rbm(3, 2, Units::spin, Units::spin, 1.0f));
  plain.erase("meta");
  const Rbm loaded = rbm_from_npz(plain, "plain");
  EXPECT_EQ(loaded.visible, Units::bernoulli);
  EXPECT_EQ(loaded.hidden, Units::bernoulli);
  EXPECT_EQ(loaded.meta, json::object());
  fs::remove_all(dir);
}

TEST(ModelFile, NumpyWritesAndReadsModels) {
  if (!have_numpy()) GTEST_SKIP() << "Debian's python3-numpy is not installed";
  const fs::path dir = temp_dir();
  Rbm ours = make_rbm(5, 3, Units::spin, Units::bernoulli, 1.0f);
  ours.meta = {{"seed", 7}};
  save_rbm(dir / "ours.npz", ours);
  const std::string script = R"PY(
import sys, json
import numpy as np
d = sys.argv[1]
z = np.load(d + '/ours.npz')
assert z['W'].shape == (5, 3) and z['W'].dtype == np.float32, (z['W'].shape, z['W'].dtype)
assert z['visible_bias'].shape == (5,) and z['hidden_bias'].shape == (3,)
meta = json.loads(z['meta'].tobytes().decode())
assert meta['visible'] == 'spin' and meta['hidden'] == 'bernoulli' and meta['seed'] == 7, meta
W = np.arange(12, dtype=np.float64).reshape(4, 3) / 8 - 0.5
meta = dict(visible='spin', hidden='spin', trained_by='numpy')
np.savez(d + '/theirs.npz', W=W, visible_bias=np.array([0.5, -0.25, 0, 1]),
         hidden_bias=np.array([1.5, 0, -2.0]),
         meta=np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8))
)PY";
  { std::ofstream(dir / "check.py") << script; }
  ASSERT_EQ(
      std::system(("/usr/bin/python3 " + (dir / "check.py").string() + " " + dir.string()).c_str()),
      0);
  const Rbm theirs = load_rbm(dir / "theirs.npz");
  EXPECT_EQ(theirs.visible, Units::spin);
  EXPECT_EQ(theirs.hidden, Units::spin);
  ASSERT_EQ(theirs.n_visible(), 4u);
  ASSERT_EQ(theirs.n_hidden(), 3u);
  for (std::size_t i = 0; i < 12; ++i)
    EXPECT_EQ(theirs.W.data[i], static_cast<float>(static_cast<double>(i) / 8 - 0.5));
  EXPECT_EQ(theirs.visible_bias, (std::vector<float>{0.5f, -0.25f, 0.0f, 1.0f}));
  EXPECT_EQ(theirs.hidden_bias, (std::vector<float>{1.5f, 0.0f, -2.0f}));
  EXPECT_EQ(theirs.meta, (json{{"trained_by", "numpy"}}));
  fs::remove_all(dir);
}

Dbn make_dbn() {
  Dbn dbn;
  dbn.layers.push_back(make_rbm(8, 6, Units::spin, Units::spin, 1.0f));
  dbn.layers.push_back(make_rbm(6, 4, Units::spin, Units::bernoulli, 0.5f));
  dbn.layers.push_back(make_rbm(4, 2, Units::bernoulli, Units::bernoulli, 2.0f));
  dbn.layers[1].meta = {{"layer", 2}};
  dbn.meta = {{"data", "ising L=8"}, {"seed", 3}};
  return dbn;
}

void expect_same(const Dbn& a, const Dbn& b) {
  ASSERT_EQ(a.layers.size(), b.layers.size());
  for (std::size_t l = 0; l < a.layers.size(); ++l) expect_same(a.layers[l], b.layers[l]);
  EXPECT_EQ(a.meta, b.meta);
}

TEST(ModelFile, DbnRoundTripThroughDirectoryAndPrefixedArchive) {
  const fs::path dir = temp_dir();
  const Dbn dbn = make_dbn();
  save_dbn(dir / "model", dbn);
  for (const char* f : {"layer_1.npz", "layer_2.npz", "layer_3.npz", "dbn.json"})
    EXPECT_TRUE(fs::exists(dir / "model" / f)) << f;
  const json doc = json::parse(io::read_file(dir / "model" / "dbn.json"));
  EXPECT_EQ(doc["layers"], 3);
  EXPECT_EQ(doc["sizes"], (json{8, 6, 4, 2}));
  expect_same(dbn, load_dbn(dir / "model"));

  io::write_npz(dir / "dbn.npz", dbn_to_npz(dbn));
  EXPECT_TRUE(io::read_npz(dir / "dbn.npz").contains("layer_2/visible_bias"));
  expect_same(dbn, load_dbn(dir / "dbn.npz"));

  // A plain RBM file is a 1-layer DBN.
  save_rbm(dir / "rbm.npz", dbn.layers[0]);
  const Dbn single = load_dbn(dir / "rbm.npz");
  ASSERT_EQ(single.layers.size(), 1u);
  expect_same(dbn.layers[0], single.layers[0]);

  // Saving a shallower DBN over a deeper one leaves no stale layer behind.
  Dbn shallow = dbn;
  shallow.layers.pop_back();
  save_dbn(dir / "model", shallow);
  EXPECT_FALSE(fs::exists(dir / "model" / "layer_3.npz"));
  expect_same(shallow, load_dbn(dir / "model"));
  EXPECT_THROW(save_dbn(dir / "empty", Dbn{}), ConfigError);
  fs::remove_all(dir);
}

TEST(ModelFile, CorruptRbmFilesNameTheFileAndTheKey) {
  const fs::path dir = temp_dir();
  const Rbm good = make_rbm(4, 3, Units::spin, Units::bernoulli, 1.0f);
  struct Case {
    const char* label;
    std::function<void(io::NpzArchive&)> corrupt;
    const char* expected;
  };
  const std::vector<double> nan_values{1.0, std::nan(""), 0.0};
  const std::vector<double> inf_values{1.0, 0.0, std::numeric_limits<double>::infinity()};
  const std::vector<std::int32_t> ints(12, 1);
  const std::vector<float> five(5, 0.0f), two(2, 0.0f);
  const std::vector<Case> cases{
      {"missing W", [](auto& a) { a.erase("W"); }, "'W' is missing"},
      {"missing visible_bias", [](auto& a) { a.erase("visible_bias"); },
       "'visible_bias' is missing"},
      {"missing hidden_bias", [](auto& a) { a.erase("hidden_bias"); }, "'hidden_bias' is missing"},
      {"1-D W", [](auto& a) { a["W"].shape = {12}; }, "'W' must be 2-D"},
      {"2-D bias",
       [](auto& a) {
         a["hidden_bias"].shape = {3, 1};
       },
       "'hidden_bias' must be 1-D"},
      {"visible_bias length",
       [&](auto& a) { a["visible_bias"] = io::make_npy(std::span<const float>(five), {5}); },
       "'visible_bias' has length 5"},
      {"hidden_bias length",
       [&](auto& a) { a["hidden_bias"] = io::make_npy(std::span<const float>(two), {2}); },
       "'hidden_bias' has length 2"},
      {"integer W",
       [&](auto& a) {
         a["W"] = io::make_npy(std::span<const std::int32_t>(ints), {4, 3});
       },
       "'W' has dtype '<i4'"},
      {"meta not JSON", [](auto& a) { a["meta"] = json_bytes("{\"visible\": spin"); },
       "'meta' is not valid JSON"},
      {"meta not an object", [](auto& a) { a["meta"] = json_bytes("[1, 2]"); },
       "'meta' must hold a JSON object"},
      {"unknown unit", [](auto& a) { a["meta"] = json_bytes(R"({"hidden": "gaussian"})"); },
       "'meta.hidden' names an unknown unit type 'gaussian'"},
      {"NaN",
       [&](auto& a) { a["hidden_bias"] = io::make_npy(std::span<const double>(nan_values), {3}); },
       "'hidden_bias' contains NaN or Inf"},
      {"Inf",
       [&](auto& a) { a["hidden_bias"] = io::make_npy(std::span<const double>(inf_values), {3}); },
       "'hidden_bias' contains NaN or Inf"},
      {"float32 NaN",
       [](auto& a) {
         const float nan = std::numeric_limits<float>::quiet_NaN();
         a["W"].data.replace(4 * 5, 4, reinterpret_cast<const char*>(&nan), 4);
       },
       "'W' contains NaN or Inf"},
  };
  const fs::path file = dir / "broken.npz";
  for (const Case& c : cases) {
    io::NpzArchive archive = rbm_to_npz(good);
    c.corrupt(archive);
    io::write_npz(file, archive);
    const std::string msg = io_error([&] { load_rbm(file); });
    EXPECT_NE(msg.find(file.string()), std::string::npos) << c.label << ": " << msg;
    EXPECT_NE(msg.find(c.expected), std::string::npos) << c.label << ": " << msg;
    // The same archive as a layer of a DBN names the prefixed key.
    io::NpzArchive layered;
    for (auto& [key, array] : archive) layered["layer_1/" + key] = array;
    const std::string layer_msg = io_error([&] { dbn_from_npz(layered, "dbn.npz"); });
    EXPECT_NE(layer_msg.find("layer_1/"), std::string::npos) << c.label << ": " << layer_msg;
  }
  fs::remove_all(dir);
}

TEST(ModelFile, CorruptDbnFilesNameTheFile) {
  const fs::path dir = temp_dir();
  const Dbn dbn = make_dbn();
  const fs::path model = dir / "model";
  save_dbn(model, dbn);

  fs::remove(model / "layer_2.npz");
  std::string msg = io_error([&] { load_dbn(model); });
  EXPECT_NE(msg.find((model / "layer_2.npz").string()), std::string::npos) << msg;

  // A layer that does not fit its neighbours.
  save_rbm(model / "layer_2.npz", make_rbm(5, 4, Units::spin, Units::bernoulli, 1.0f));
  msg = io_error([&] { load_dbn(model); });
  EXPECT_NE(msg.find(model.string()), std::string::npos) << msg;

  save_dbn(model, dbn);
  io::write_file_atomic(model / "dbn.json", "{\"layers\": 3,");
  msg = io_error([&] { load_dbn(model); });
  EXPECT_NE(msg.find((model / "dbn.json").string()), std::string::npos) << msg;
  io::write_file_atomic(
      model / "dbn.json",
      R"({"format": "deeprg-dbn", "version": 1, "layers": 3, "sizes": [8, 6, 4, 3]})");
  msg = io_error([&] { load_dbn(model); });
  EXPECT_NE(msg.find("'sizes'"), std::string::npos) << msg;
  fs::remove(model / "dbn.json");
  msg = io_error([&] { load_dbn(model); });
  EXPECT_NE(msg.find("dbn.json is missing"), std::string::npos) << msg;

  // A gap in the layer numbers of a single archive.
  io::NpzArchive archive = dbn_to_npz(dbn);
  for (const char* key : {"W", "visible_bias", "hidden_bias", "meta"})
    archive.erase(std::string("layer_2/") + key);
  io::write_npz(dir / "gap.npz", archive);
  msg = io_error([&] { load_dbn(dir / "gap.npz"); });
  EXPECT_NE(msg.find((dir / "gap.npz").string()), std::string::npos) << msg;
  EXPECT_NE(msg.find("'layer_2/W' is missing"), std::string::npos) << msg;
  msg = io_error([&] { load_dbn(dir / "absent.npz"); });
  EXPECT_NE(msg.find("absent.npz"), std::string::npos) << msg;
  fs::remove_all(dir);
}

}  // namespace
}  // namespace deeprg::rbm
