#pragma once
/// Training checkpoints: everything train_rbm needs to continue a run bit-identically, in one
/// .npz written atomically. Besides the model's members (W, visible_bias, hidden_bias, meta;
/// model_file.hpp) it holds
///   train_velocity_W, train_velocity_visible_bias, train_velocity_hidden_bias   momentum (<f4)
///   train_chains   the PCD chains' hidden states, rows × n_hidden (0 rows for CD)          (<f4)
///   train_epoch    completed epochs                                                        (<i8)
///   train_config   the configuration that produced it, UTF-8 JSON (uint8)
/// Randomness needs no state: every stream derives from the seed and the position in the run.
#include <filesystem>
#include <nlohmann/json.hpp>

#include "deeprg/rbm/train.hpp"

namespace deeprg::rbm {

/// Writes `state` and `config` to `path` atomically. Throws IoError when it cannot.
void write_checkpoint(const std::filesystem::path& path, const TrainState& state,
                      const nlohmann::json& config);

/// Loads the checkpoint at `path` into `state`, whose model must already have the checkpoint's
/// shape and unit types. Throws ConfigError naming the option (TrainOptions' field name) when
/// the checkpoint was written with another value of a key of `config`, and IoError naming the
/// file when it is not a checkpoint or a member has the wrong dtype or shape.
void read_checkpoint(const std::filesystem::path& path, const nlohmann::json& config,
                     TrainState& state);

}  // namespace deeprg::rbm
