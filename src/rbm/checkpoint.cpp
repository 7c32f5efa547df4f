// Training checkpoints (checkpoint.hpp): the model as model_file.hpp writes it, plus the
// optimiser's state and the configuration, in one .npz.
#include "deeprg/rbm/checkpoint.hpp"

#include <algorithm>
#include <cstring>
#include <map>
#include <string_view>

#include "deeprg/core/error.hpp"
#include "deeprg/io/npy.hpp"
#include "deeprg/io/npz.hpp"
#include "deeprg/rbm/model_file.hpp"

namespace deeprg::rbm {

namespace {

io::NpyArray scalar_i64(std::int64_t value) {
  return io::make_npy<std::int64_t>(std::span<const std::int64_t>(&value, 1), {});
}
io::NpyArray matrix_f4(const MatrixF& m) {
  return io::make_npy<float>(std::span<const float>(m.data), {m.rows, m.cols});
}
io::NpyArray vector_f4(const std::vector<float>& v) {
  return io::make_npy<float>(std::span<const float>(v), {v.size()});
}

const io::NpyArray& member(const std::map<std::string, io::NpyArray>& npz, const std::string& key,
                           const std::filesystem::path& path, std::string_view descr,
                           std::vector<std::size_t> shape) {
  const auto it = npz.find(key);
  if (it == npz.end()) throw IoError(path.string() + ": checkpoint lacks '" + key + "'");
  if (it->second.descr != descr || it->second.shape != shape)
    throw IoError(path.string() + ": checkpoint member '" + key + "' has the wrong dtype or shape");
  return it->second;
}

template <class T>
void copy_out(const io::NpyArray& a, T* out) {
  if (!a.data.empty()) std::memcpy(out, a.data.data(), a.data.size());  // empty: out may be null
}

/// The TrainOptions field (or train_rbm parameter) a training_config key records.
std::string option_name(const std::string& flag) {
  static const std::pair<const char*, const char*> kRenamed[] = {
      {"--hidden", "n_hidden"},      {"--visible-units", "visible"},
      {"--hidden-units", "hidden"},  {"--cd-k", "k"},
      {"--lr", "learning_rate"},     {"--final-lr", "final_learning_rate"},
      {"--lr-schedule", "schedule"}, {"--momentum-switch", "momentum_switch_epoch"}};
  for (const auto& [from, to] : kRenamed)
    if (flag == from) return to;
  std::string name = flag.substr(flag.rfind("--", 0) == 0 ? 2 : 0);
  std::replace(name.begin(), name.end(), '-', '_');
  return name;
}

}  // namespace

void write_checkpoint(const std::filesystem::path& path, const TrainState& s,
                      const nlohmann::json& config) {
  std::map<std::string, io::NpyArray> npz = rbm_to_npz(s.rbm);
  npz["train_velocity_W"] = matrix_f4(s.velocity_W);
  npz["train_velocity_visible_bias"] = vector_f4(s.velocity_a);
  npz["train_velocity_hidden_bias"] = vector_f4(s.velocity_b);
  npz["train_chains"] = matrix_f4(s.chains);
  npz["train_epoch"] = scalar_i64(s.epoch);
  const std::string text = config.dump();
  npz["train_config"] = io::make_npy<std::uint8_t>(
      std::span(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()), {text.size()});
  io::write_npz(path, npz);
}

void read_checkpoint(const std::filesystem::path& path, const nlohmann::json& config,
                     TrainState& s) {
  const auto npz = io::read_npz(path);
  const auto cit = npz.find("train_config");
  if (cit == npz.end())
    throw IoError(path.string() + ": not a training checkpoint (no train_config)");
  nlohmann::json stored;
  try {
    stored = nlohmann::json::parse(cit->second.data);
  } catch (const nlohmann::json::exception& e) {
    throw IoError(path.string() + ": unreadable train_config: " + e.what());
  }
  for (const auto& [key, value] : config.items()) {
    if (!stored.contains(key) || stored[key] != value)
      throw ConfigError(option_name(key),
                        "checkpoint " + path.string() + " was written with " +
                            (stored.contains(key) ? stored[key].dump() : "no value") +
                            ", this run has " + value.dump());
  }
  const std::size_t nv = s.rbm.n_visible(), nh = s.rbm.n_hidden();
  Rbm rbm = rbm_from_npz(npz, path.string());
  if (rbm.n_visible() != nv || rbm.n_hidden() != nh || rbm.visible != s.rbm.visible ||
      rbm.hidden != s.rbm.hidden)
    throw IoError(path.string() + ": checkpoint model does not match the configuration");
  s.rbm.W = std::move(rbm.W);
  s.rbm.visible_bias = std::move(rbm.visible_bias);
  s.rbm.hidden_bias = std::move(rbm.hidden_bias);
  copy_out(member(npz, "train_velocity_W", path, "<f4", {nv, nh}), s.velocity_W.data.data());
  copy_out(member(npz, "train_velocity_visible_bias", path, "<f4", {nv}), s.velocity_a.data());
  copy_out(member(npz, "train_velocity_hidden_bias", path, "<f4", {nh}), s.velocity_b.data());
  const auto cit2 = npz.find("train_chains");
  if (cit2 == npz.end() || cit2->second.shape.size() != 2)
    throw IoError(path.string() + ": checkpoint lacks 'train_chains'");
  const std::size_t rows = cit2->second.shape[0];
  const auto& chains = member(npz, "train_chains", path, "<f4", {rows, nh});
  s.chains = MatrixF(rows, nh);
  copy_out(chains, s.chains.data.data());
  std::int64_t epoch = 0;
  copy_out(member(npz, "train_epoch", path, "<i8", {}), &epoch);
  s.epoch = static_cast<int>(epoch);
}

}  // namespace deeprg::rbm
