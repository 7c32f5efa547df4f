#pragma once
// One function per subcommand registers it on the main app; its callback does the work and
// throws deeprg errors, which main() turns into one line on stderr and an exit code.
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "deeprg/io/spin_file.hpp"
#include "deeprg/ising/model.hpp"
#include "deeprg/mc/sampler.hpp"
#include "deeprg/rbm/rbm.hpp"
#include "deeprg/rbm/train.hpp"

namespace deeprg::cli {

void add_exact_command(CLI::App& app);
void add_sample_command(CLI::App& app);
void add_measure_command(CLI::App& app);
void add_run_command(CLI::App& app);
void add_train_command(CLI::App& app);
void add_evaluate_command(CLI::App& app);
void add_coarse_grain_command(CLI::App& app);
void add_flow_command(CLI::App& app);
void add_mcrg_command(CLI::App& app);
void add_decimate_1d_command(CLI::App& app);
void add_vrg_command(CLI::App& app);
void add_vrg_fit_command(CLI::App& app);
void add_learn_map_command(CLI::App& app);
void add_mi_command(CLI::App& app);
void add_couplings_command(CLI::App& app);
void add_rbm_flow_command(CLI::App& app);
void add_rbm_sample_command(CLI::App& app);
void add_scan_command(CLI::App& app);

/// Reads a spin file as the visible layer of a model with `n_visible` units (0: any), in the
/// units' alphabet. Throws ShapeError naming the file when the sizes differ.
MatrixF read_visible_data(const std::string& path, std::size_t n_visible, rbm::Units units);

/// Prints measured observables next to the exact values (when known) as a table.
void print_measurement_table(const nlohmann::json& measured, const nlohmann::json& exact);

}  // namespace deeprg::cli
