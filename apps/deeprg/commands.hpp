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

/// Exact references for the model as JSON: top-level log_z, energy_per_spin,
/// specific_heat_per_spin of the finite lattice (Kaufman in 2D at h = 0, transfer matrix in 1D,
/// enumeration otherwise when small), plus "method", "enumeration" (cross-check, small lattices)
/// and "infinite_lattice" (Onsager/Yang, or the infinite chain). Keys absent when unavailable.
nlohmann::json exact_json(const ising::Model& model);

/// The sidecar that records how samples were made.
nlohmann::json sampler_sidecar(const ising::Model& model, const mc::SamplerOptions& options,
                               const mc::SamplerReport& report);

/// "auto" picks Wolff at h = 0 (J > 0), Metropolis otherwise; other names as parse_algorithm.
mc::Algorithm resolve_algorithm(const std::string& name, const ising::Model& model);

/// Measures samples and returns flat JSON (energy_per_spin, energy_per_spin_error, ...).
nlohmann::json measure_json(const ising::Model& model, const io::SpinSamples& samples, int threads);

/// Reads a spin file as the visible layer of a model with `n_visible` units (0: any), in the
/// units' alphabet. Throws ShapeError naming the file when the sizes differ.
MatrixF read_visible_data(const std::string& path, std::size_t n_visible, rbm::Units units);

/// Prints measured observables next to the exact values (when known) as a table.
void print_measurement_table(const nlohmann::json& measured, const nlohmann::json& exact);

}  // namespace deeprg::cli
