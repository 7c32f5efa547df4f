#include "deeprg/experiment/config.hpp"

#include <gtest/gtest.h>

#include <unistd.h>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <map>
#include <set>
#include <string>

#include "deeprg/core/error.hpp"

namespace deeprg::experiment {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

std::pair<std::string, std::string> split(const std::string& key) {
  const auto dot = key.find('.');
  return {key.substr(0, dot), key.substr(dot + 1)};
}

const json& at(const json& j, const std::string& key) {
  const auto [section, name] = split(key);
  return j.at(section).at(name);
}

// Expects `f` to throw ConfigError for `key`; returns the message for further checks.
std::string config_error(const std::function<void()>& f, const std::string& key) {
  try {
    f();
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.key(), key) << e.what();
    return e.what();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "expected ConfigError(" << key << "), got " << e.what();
    return {};
  }
  ADD_FAILURE() << "expected ConfigError(" << key << "), nothing thrown";
  return {};
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// ------------------------------------------------------------------ presets

TEST(ExperimentConfig, PaperPresetIsThePapersExperiment) {
  const ExperimentConfig c = preset("paper");
  EXPECT_EQ(c.L, 40);
  EXPECT_DOUBLE_EQ(c.K, 0.408);
  EXPECT_EQ(c.samples, 20000u);
  EXPECT_EQ(c.hidden, (std::vector<std::size_t>{400, 100, 25}));
  EXPECT_EQ(c.epochs, 200);
  EXPECT_EQ(c.batch_size, 100u);
  EXPECT_EQ(c.cd_k, 1);
  EXPECT_FALSE(c.persistent);
  EXPECT_DOUBLE_EQ(c.learning_rate, 0.1);
  EXPECT_DOUBLE_EQ(c.momentum, 0.5);
  EXPECT_DOUBLE_EQ(c.final_momentum, 0.9);
  EXPECT_DOUBLE_EQ(c.l1, 2e-2);
  EXPECT_DOUBLE_EQ(c.init_std, 0.01);
  EXPECT_EQ(to_json(c), to_json(ExperimentConfig{})) << "paper = the header's defaults";
  EXPECT_NO_THROW(validate(c));
}

TEST(ExperimentConfig, QuickPresetIsTheSameExperimentSmaller) {
  const ExperimentConfig q = preset("quick");
  const ExperimentConfig p = preset("paper");
  EXPECT_EQ(q.L, p.L);
  EXPECT_EQ(q.K, p.K);
  EXPECT_EQ(q.hidden, p.hidden);
  EXPECT_EQ(q.samples, 10000u);
  EXPECT_EQ(q.epochs, 40);
  EXPECT_EQ(q.analysis_samples, 2000u);
  EXPECT_LT(q.samples * static_cast<std::size_t>(q.epochs),
            p.samples * static_cast<std::size_t>(p.epochs) / 5);
  EXPECT_NO_THROW(validate(q));
}

TEST(ExperimentConfig, PresetNames) {
  EXPECT_EQ(preset_names(), (std::vector<std::string>{"paper", "quick"}));
  for (const auto& name : preset_names()) EXPECT_NO_THROW(validate(preset(name))) << name;
  const std::string message = config_error([] { preset("huge"); }, "preset");
  EXPECT_TRUE(contains(message, "huge")) << message;
}

// ------------------------------------------------------------------ keys

TEST(ExperimentConfig, EveryKeyHasHelpAndSourceAndCoversEveryField) {
  const json j = to_json(preset("paper"));
  std::set<std::string> keys;
  for (const auto& k : config_keys()) {
    EXPECT_FALSE(k.help.empty()) << k.key;
    EXPECT_FALSE(k.source.empty()) << k.key;
    EXPECT_NE(k.key.find('.'), std::string::npos) << k.key;
    EXPECT_TRUE(keys.insert(k.key).second) << "duplicate " << k.key;
  }
  std::set<std::string> fields;
  for (const auto& [section, table] : j.items()) {
    ASSERT_TRUE(table.is_object()) << section;
    for (const auto& [name, value] : table.items()) fields.insert(section + "." + name);
  }
  EXPECT_EQ(keys, fields);
  EXPECT_EQ(keys.size(), 26u) << "a new ExperimentConfig field needs a key (and this count)";
}

TEST(ExperimentConfig, ToJsonIsNested) {
  const json j = to_json(preset("paper"));
  EXPECT_EQ(j["lattice"]["L"], 40);
  EXPECT_EQ(j["lattice"]["K"], 0.408);
  EXPECT_EQ(j["sampling"]["algorithm"], "wolff");
  EXPECT_EQ(j["dbn"]["hidden"], json({400, 100, 25}));
  EXPECT_EQ(j["train"]["l1"], 2e-2);
  EXPECT_EQ(j["train"]["persistent"], false);
  EXPECT_EQ(j["analysis"]["samples"], 5000);
  EXPECT_EQ(j["run"]["seed"], 1);
}

// A valid value different from the default, as TOML text, and as it reads back in JSON.
struct Change {
  std::string toml;
  json expected;
};

Change change_for(const std::string& key, const json& current) {
  // The string keys' alternatives; a new string key must be added here.
  static const std::map<std::string, std::string> other_string = {
      {"sampling.algorithm", "swendsen-wang"},
      {"dbn.visible_units", "spin"},
      {"dbn.hidden_units", "spin"},
      {"dbn.propagate", "samples"},
      {"train.precision", "fp32"}};
  if (current.is_boolean()) {
    const bool v = !current.get<bool>();
    return {v ? "true" : "false", v};
  }
  if (current.is_number_integer()) {
    const std::int64_t v = current.get<std::int64_t>() + 2;  // stays even, positive, ≤ samples
    return {std::to_string(v), v};
  }
  if (current.is_number_float()) {
    const double x = current.get<double>();
    const double v = x == 0 ? 0.25 : x / 2;
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "%.17g", v);
    return {buffer, v};
  }
  if (current.is_string()) {
    const auto it = other_string.find(key);
    if (it == other_string.end()) {
      ADD_FAILURE() << "no alternative value for string key " << key;
      return {"\"\"", ""};
    }
    return {"\"" + it->second + "\"", it->second};
  }
  if (current.is_array()) return {"[64, 8]", json({64, 8})};
  ADD_FAILURE() << "unexpected JSON type for " << key;
  return {};
}

void expect_only_key_changed(const ExperimentConfig& before, const ExperimentConfig& after,
                             const std::string& key, const json& expected) {
  const json b = to_json(before), a = to_json(after);
  EXPECT_EQ(at(a, key), expected) << key;
  for (const auto& other : config_keys()) {
    if (other.key != key) {
      EXPECT_EQ(at(a, other.key), at(b, other.key)) << key << " changed " << other.key;
    }
  }
  EXPECT_NO_THROW(validate(after)) << key;
}

TEST(ExperimentConfig, EveryKeyIsSettableFromToml) {
  const ExperimentConfig base = preset("paper");
  const json defaults = to_json(base);
  for (const auto& k : config_keys()) {
    SCOPED_TRACE(k.key);
    const auto [section, name] = split(k.key);
    const Change change = change_for(k.key, at(defaults, k.key));
    ASSERT_NE(change.expected, at(defaults, k.key));
    ExperimentConfig c = base;
    apply_toml(c, "[" + section + "]\n" + name + " = " + change.toml + "\n", "test.toml");
    expect_only_key_changed(base, c, k.key, change.expected);
    // Dotted keys at the top level mean the same.
    ExperimentConfig d = base;
    apply_toml(d, k.key + " = " + change.toml + "\n", "test.toml");
    EXPECT_EQ(to_json(d), to_json(c));
  }
}

TEST(ExperimentConfig, EveryKeyIsSettableWithSet) {
  const ExperimentConfig base = preset("paper");
  const json defaults = to_json(base);
  for (const auto& k : config_keys()) {
    SCOPED_TRACE(k.key);
    const Change change = change_for(k.key, at(defaults, k.key));
    ExperimentConfig c = base;
    apply_override(c, k.key + "=" + change.toml);
    expect_only_key_changed(base, c, k.key, change.expected);
    if (change.expected.is_string()) {  // bare words are strings
      ExperimentConfig bare = base;
      apply_override(bare, k.key + "=" + change.expected.get<std::string>());
      EXPECT_EQ(to_json(bare), to_json(c));
    }
  }
}

// ------------------------------------------------------------------ --set

TEST(ExperimentConfig, NonAsciiOutsideCommentsIsRefusedBeforeParsing) {
  // Keys and values are ASCII; toml++ 3.3.0 has undefined behaviour on many non-ASCII
  // characters outside comments, so such text never reaches it.
  ExperimentConfig c = preset("paper");
  try {
    apply_toml(c, "[train]\nepochs = 5\u00e9\n", "c.toml");
    ADD_FAILURE() << "no IoError";
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find("c.toml:2:11"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("non-ASCII"), std::string::npos) << e.what();
  }
  EXPECT_EQ(c.epochs, preset("paper").epochs);
  EXPECT_THROW(apply_toml(c, "\u00e9", "c.toml"), IoError);
  // In comments they are fine; keys and values are ASCII, strings included.
  apply_toml(c, "# température critique\n[sampling]\nalgorithm = \"wolff\" # « Wolff »\n",
             "c.toml");
  EXPECT_EQ(c.algorithm, "wolff");
  EXPECT_THROW(apply_toml(c, "[sampling]\nalgorithm = \"wölff\"\n", "c.toml"), IoError);
  EXPECT_THROW(apply_toml(c, "x = \"\"\"\\\u00e9", "c.toml"), IoError);  // a backslash, then é
  EXPECT_THROW(apply_toml(c, "x = '''\n\u00e9'''\ny\u00e9 = 1", "c.toml"), IoError);
  try {
    apply_override(c, "run.seed=1\u00e9");
    ADD_FAILURE() << "no ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.key(), "run.seed");
    EXPECT_NE(std::string(e.what()).find("ASCII"), std::string::npos) << e.what();
  }
}

TEST(ExperimentConfig, OverrideSyntax) {
  ExperimentConfig c = preset("paper");
  apply_override(c, "  train.epochs =  7 ");
  EXPECT_EQ(c.epochs, 7);
  apply_override(c, "sampling.algorithm=metropolis");
  EXPECT_EQ(c.algorithm, "metropolis");
  apply_override(c, "sampling.algorithm=\"wolff\"");
  EXPECT_EQ(c.algorithm, "wolff");
  apply_override(c, "dbn.hidden=[16,4]");
  EXPECT_EQ(c.hidden, (std::vector<std::size_t>{16, 4}));
  apply_override(c, "train.learning_rate=1");  // an integer for a double
  EXPECT_EQ(c.learning_rate, 1.0);
  apply_override(c, "train.l1=2e-4");
  EXPECT_EQ(c.l1, 2e-4);
  apply_override(c, "train.persistent=true");
  EXPECT_TRUE(c.persistent);

  config_error([&] { apply_override(c, "train.epochs"); }, "set");
  config_error([&] { apply_override(c, "=5"); }, "set");
  config_error([&] { apply_override(c, "train.epochs="); }, "train.epochs");
  config_error([&] { apply_override(c, "train.epochs=1\nlattice.L = 6"); }, "train.epochs");
  config_error([&] { apply_override(c, "train.epochs=five"); }, "train.epochs");
  config_error([&] { apply_override(c, "train.l1=2e-4x!"); }, "train.l1");
  config_error([&] { apply_override(c, "train=5"); }, "train");
  EXPECT_EQ(c.epochs, 7) << "a rejected override changes nothing";
}

// ------------------------------------------------------------------ type errors

TEST(ExperimentConfig, TypeErrorsNameTheKey) {
  ExperimentConfig c = preset("paper");
  const std::string before = to_json(c).dump();
  auto toml = [&](const std::string& text) { apply_toml(c, text, "cfg.toml"); };

  std::string m = config_error([&] { toml("[train]\nepochs = 2.5\n"); }, "train.epochs");
  EXPECT_TRUE(contains(m, "integer")) << m;
  EXPECT_TRUE(contains(m, "cfg.toml:2")) << m;
  config_error([&] { apply_override(c, "train.epochs=2.5"); }, "train.epochs");
  config_error([&] { toml("[train]\nepochs = 99999999999\n"); }, "train.epochs");
  config_error([&] { toml("[lattice]\nL = \"40\"\n"); }, "lattice.L");
  config_error([&] { toml("[lattice]\nK = \"high\"\n"); }, "lattice.K");
  config_error([&] { toml("[train]\npersistent = 1\n"); }, "train.persistent");
  m = config_error([&] { toml("[sampling]\nsamples = -5\n"); }, "sampling.samples");
  EXPECT_TRUE(contains(m, "-5")) << m;
  config_error([&] { apply_override(c, "train.batch_size=-1"); }, "train.batch_size");
  config_error([&] { apply_override(c, "run.seed=-1"); }, "run.seed");
  m = config_error([&] { toml("[sampling]\nalgorithm = \"heatbath\"\n"); }, "sampling.algorithm");
  EXPECT_TRUE(contains(m, "swendsen-wang")) << "lists the choices: " << m;
  config_error([&] { apply_override(c, "dbn.propagate=sample"); }, "dbn.propagate");
  config_error([&] { toml("[sampling]\nalgorithm = 3\n"); }, "sampling.algorithm");
  config_error([&] { toml("[dbn]\nhidden = [400, -1]\n"); }, "dbn.hidden");
  config_error([&] { toml("[dbn]\nhidden = [400, 0]\n"); }, "dbn.hidden");
  config_error([&] { toml("[dbn]\nhidden = [400, 2.5]\n"); }, "dbn.hidden");
  config_error([&] { toml("[dbn]\nhidden = 400\n"); }, "dbn.hidden");
  config_error([&] { apply_override(c, "dbn.hidden=400,100"); }, "dbn.hidden");
  config_error([&] { toml("[train.l1]\nx = 1\n"); }, "train.l1");
  config_error([&] { toml("train = 5\n"); }, "train");
  EXPECT_EQ(to_json(c).dump(), before) << "rejected input changes nothing";

  toml("[train]\nlearning_rate = 1\n");  // integers are numbers
  EXPECT_EQ(c.learning_rate, 1.0);
}

TEST(ExperimentConfig, AFailingDocumentChangesNothing) {
  ExperimentConfig c = preset("paper");
  config_error([&] { apply_toml(c, "[train]\nepochs = 3\nl1 = \"x\"\n", "cfg.toml"); }, "train.l1");
  EXPECT_EQ(c.epochs, 200);
}

// ------------------------------------------------------------------ unknown keys

TEST(ExperimentConfig, UnknownKeysAreNamedWithSuggestions) {
  ExperimentConfig c = preset("paper");
  std::string m = config_error([&] { apply_toml(c, "[train]\nepochs = 3\nlr = 0.1\n", "my.toml"); },
                               "train.lr");
  EXPECT_TRUE(contains(m, "unknown key")) << m;
  EXPECT_TRUE(contains(m, "train.learning_rate")) << m;
  EXPECT_TRUE(contains(m, "my.toml:3")) << m;

  m = config_error([&] { apply_override(c, "train.lr=0.1"); }, "train.lr");
  EXPECT_TRUE(contains(m, "unknown key")) << m;
  EXPECT_TRUE(contains(m, "train.learning_rate")) << m;

  m = config_error([&] { apply_toml(c, "[trian]\nepochs = 3\n", "my.toml"); }, "trian.epochs");
  EXPECT_TRUE(contains(m, "\"train.epochs\"")) << m;
  m = config_error([&] { apply_toml(c, "epochs = 3\n", "my.toml"); }, "epochs");
  EXPECT_TRUE(contains(m, "\"train.epochs\"")) << m;
  m = config_error([&] { apply_override(c, "lattice.k=0.3"); }, "lattice.k");
  EXPECT_TRUE(contains(m, "\"lattice.K\"")) << m;
  m = config_error([&] { apply_override(c, "train.epoch=3"); }, "train.epoch");
  EXPECT_TRUE(contains(m, "\"train.epochs\"")) << m;
  m = config_error([&] { apply_override(c, "sampling.L=8"); }, "sampling.L");
  EXPECT_TRUE(contains(m, "\"lattice.L\"")) << m;

  m = config_error([&] { apply_toml(c, "[physics]\nfoo = 1\n", "my.toml"); }, "physics.foo");
  EXPECT_TRUE(contains(m, "unknown key")) << m;
  EXPECT_FALSE(contains(m, "did you mean")) << m;
  m = config_error([&] { apply_toml(c, "[physics]\n", "my.toml"); }, "physics");
  EXPECT_TRUE(contains(m, "unknown key")) << m;
  config_error([&] { apply_toml(c, "[train.extra]\nx = 1\n", "my.toml"); }, "train.extra.x");
  // Problems are reported in file order, not TOML's key order.
  config_error([&] { apply_toml(c, "[train]\nzzz = 1\naaa = 2\n", "my.toml"); }, "train.zzz");
  EXPECT_EQ(to_json(c), to_json(preset("paper")));
}

// ------------------------------------------------------------------ files

class ExperimentConfigFile : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("deeprg_config_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path write(const std::string& name, const std::string& text) {
    const fs::path p = dir_ / name;
    std::ofstream(p) << text;
    return p;
  }
  fs::path dir_;
};

TEST_F(ExperimentConfigFile, AppliesAFile) {
  ExperimentConfig c = preset("quick");
  apply_toml_file(c, write("ok.toml", "# comment\n[lattice]\nL = 8\n[train]\nl1 = 1e-3\n"));
  EXPECT_EQ(c.L, 8);
  EXPECT_EQ(c.l1, 1e-3);
  EXPECT_EQ(c.samples, 10000u) << "keys left out keep the preset's values";
}

TEST_F(ExperimentConfigFile, MissingFileIsAnIoErrorNamingIt) {
  ExperimentConfig c;
  try {
    apply_toml_file(c, dir_ / "missing.toml");
    FAIL() << "no error";
  } catch (const IoError& e) {
    EXPECT_TRUE(contains(e.what(), "missing.toml")) << e.what();
  }
}

TEST_F(ExperimentConfigFile, DirectoryIsAnIoErrorNamingIt) {
  ExperimentConfig c;
  try {
    apply_toml_file(c, dir_);
    FAIL() << "a directory was read as an empty config";
  } catch (const IoError& e) {
    EXPECT_TRUE(contains(e.what(), dir_.string())) << e.what();
    EXPECT_TRUE(contains(e.what(), "directory")) << e.what();
  }
}

TEST_F(ExperimentConfigFile, SyntaxErrorNamesFileAndLine) {
  ExperimentConfig c;
  const fs::path p = write("bad.toml", "[lattice]\nL = 8\nK = = 0.3\n");
  try {
    apply_toml_file(c, p);
    FAIL() << "no error";
  } catch (const IoError& e) {
    EXPECT_TRUE(contains(e.what(), "bad.toml")) << e.what();
    EXPECT_TRUE(contains(e.what(), "line 3")) << e.what();
  }
  EXPECT_THROW(apply_toml(c, "[lattice\n", "text"), IoError);
}

TEST_F(ExperimentConfigFile, ValueErrorNamesKeyFileAndLine) {
  ExperimentConfig c;
  const fs::path p = write("typo.toml", "[lattice]\nL = 8\n\n[train]\nepochs = 2.5\n");
  const std::string m = config_error([&] { apply_toml_file(c, p); }, "train.epochs");
  EXPECT_TRUE(contains(m, p.string() + ":5")) << m;
}

// ------------------------------------------------------------------ validation

TEST(ExperimentConfig, ValidationNamesEachBadKey) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  const std::vector<std::pair<std::string, std::function<void(ExperimentConfig&)>>> cases = {
      {"lattice.L", [](auto& c) { c.L = 3; }},
      {"lattice.L", [](auto& c) { c.L = 2; }},
      {"lattice.L", [](auto& c) { c.L = -4; }},
      {"lattice.K", [](auto& c) { c.K = 0; }},
      {"lattice.K", [nan](auto& c) { c.K = nan; }},
      {"lattice.K", [inf](auto& c) { c.K = inf; }},
      {"sampling.samples", [](auto& c) { c.samples = 1; }},
      {"sampling.samples", [](auto& c) { c.samples = 50; }},  // < batch_size 100
      {"sampling.algorithm", [](auto& c) { c.algorithm = "heatbath"; }},
      {"dbn.hidden", [](auto& c) { c.hidden.clear(); }},
      {"dbn.hidden",
       [](auto& c) {
         c.hidden = {400, 0};
       }},
      {"dbn.visible_units", [](auto& c) { c.visible_units = "gaussian"; }},
      {"dbn.hidden_units", [](auto& c) { c.hidden_units = ""; }},
      {"dbn.propagate", [](auto& c) { c.propagate = "sample"; }},
      {"train.epochs", [](auto& c) { c.epochs = 0; }},
      {"train.batch_size", [](auto& c) { c.batch_size = 0; }},
      {"train.cd_k", [](auto& c) { c.cd_k = 0; }},
      {"train.learning_rate", [](auto& c) { c.learning_rate = -0.1; }},
      {"train.learning_rate", [nan](auto& c) { c.learning_rate = nan; }},
      {"train.momentum", [](auto& c) { c.momentum = 1.0; }},
      {"train.momentum", [](auto& c) { c.momentum = -0.1; }},
      {"train.final_momentum", [](auto& c) { c.final_momentum = 1.5; }},
      {"train.momentum_switch", [](auto& c) { c.momentum_switch = -1; }},
      {"train.l1", [](auto& c) { c.l1 = -1e-4; }},
      {"train.l2", [](auto& c) { c.l2 = -1; }},
      {"train.init_std", [](auto& c) { c.init_std = -0.01; }},
      {"analysis.rf_fraction", [](auto& c) { c.rf_fraction = 0; }},
      {"analysis.rf_fraction", [](auto& c) { c.rf_fraction = 1.5; }},
      {"analysis.units_shown", [](auto& c) { c.units_shown = 0; }},
      {"analysis.units_shown", [](auto& c) { c.units_shown = kMaxUnitsShown + 1; }},
      {"analysis.reconstructions", [](auto& c) { c.reconstructions = 0; }},
      {"analysis.reconstructions", [](auto& c) { c.reconstructions = kMaxReconstructions + 1; }},
      {"dbn.hidden", [](auto& c) { c.hidden.assign(kMaxLayers + 1, 4); }},
      {"analysis.samples", [](auto& c) { c.analysis_samples = 1; }},
      {"run.seed", [](auto& c) { c.seed = std::numeric_limits<std::uint64_t>::max(); }},
      {"run.threads", [](auto& c) { c.threads = -1; }},
  };
  for (const auto& [key, mutate] : cases) {
    ExperimentConfig c = preset("paper");
    mutate(c);
    config_error([&] { validate(c); }, key);
  }
  // Boundary values that are fine.
  ExperimentConfig c = preset("paper");
  c.L = 4;
  c.samples = c.batch_size = 2;
  c.reconstructions = 2;
  c.units_shown = kMaxUnitsShown;
  c.hidden.assign(kMaxLayers, 4);
  c.analysis_samples = 100000;  // capped at sampling.samples later, not an error
  c.learning_rate = c.l1 = c.l2 = c.init_std = 0;
  c.momentum = c.final_momentum = 0;
  c.momentum_switch = 0;
  c.rf_fraction = 1;
  c.threads = 0;
  EXPECT_NO_THROW(validate(c));
}

TEST(ExperimentConfig, RejectedLatticeSideFromSetIsCaughtByValidate) {
  ExperimentConfig c = preset("paper");
  apply_override(c, "lattice.L=-4");  // an int: the type is right, the value is not
  config_error([&] { validate(c); }, "lattice.L");
}

// ------------------------------------------------------------------ TOML output

TEST(ExperimentConfig, TomlRoundTrip) {
  ExperimentConfig c = preset("quick");
  c.L = 16;
  c.K = 1.0 / 3;  // needs all 17 digits
  c.samples = 1234;
  c.algorithm = "swendsen-wang";
  c.hidden = {64, 16, 4};
  c.visible_units = "spin";
  c.propagate = "samples";
  c.epochs = 7;
  c.batch_size = 17;
  c.cd_k = 3;
  c.persistent = true;
  c.learning_rate = 0.1;
  c.momentum = 0.25;
  c.final_momentum = 0.95;
  c.momentum_switch = 2;
  c.l1 = 2e-4;
  c.l2 = 1e-5;
  c.init_std = 0.1 + 0.2;  // 0.30000000000000004
  c.rf_fraction = 1;       // an integral double
  c.units_shown = 9;
  c.reconstructions = 5;
  c.analysis_samples = 777;
  c.seed = 12345678901234ull;
  c.threads = 3;
  ASSERT_NO_THROW(validate(c));

  const std::string text = to_toml(c);
  ExperimentConfig back = preset("paper");
  apply_toml(back, text, "printed");
  EXPECT_EQ(to_json(back), to_json(c)) << text;
  EXPECT_EQ(back.K, c.K);
  EXPECT_EQ(back.init_std, c.init_std);
  EXPECT_EQ(back.l1, 2e-4);
  EXPECT_EQ(to_toml(back), text) << "printing is deterministic";

  for (const auto& name : preset_names()) {
    ExperimentConfig p = preset("paper");
    apply_toml(p, to_toml(preset(name)), "printed");
    EXPECT_EQ(to_json(p), to_json(preset(name))) << name;
  }
}

TEST(ExperimentConfig, TomlIsReadable) {
  const std::string text = to_toml(preset("paper"));
  EXPECT_EQ(text.rfind("# ", 0), 0u) << "starts with a header comment";
  for (const char* section : {"[lattice]", "[sampling]", "[dbn]", "[train]", "[analysis]", "[run]"})
    EXPECT_TRUE(contains(text, std::string("\n") + section + "\n")) << section;
  for (const auto& k : config_keys()) {
    const std::string name = split(k.key).second;
    const std::string comment = "# " + k.help + " (" + k.source + ")\n" + name + " = ";
    EXPECT_TRUE(contains(text, comment)) << k.key;
  }
  EXPECT_TRUE(contains(text, "\nL = 40\n")) << text;
  EXPECT_TRUE(contains(text, "\nK = 0.408\n")) << text;
  EXPECT_TRUE(contains(text, "\nhidden = [400, 100, 25]\n")) << text;
  EXPECT_TRUE(contains(text, "\nalgorithm = \"wolff\"\n")) << text;
  EXPECT_TRUE(contains(text, "\nl2 = 0.0\n")) << "doubles stay doubles: " << text;
}

}  // namespace
}  // namespace deeprg::experiment
