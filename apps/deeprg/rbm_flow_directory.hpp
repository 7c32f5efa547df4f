#pragma once
// The run directory of `deeprg rbm-flow --out DIR`: what a killed run resumes from.
//
//   DIR/config.json            the settings that decide the results (a rerun must match them)
//   DIR/rbm.npz                the trained RBM (when the run trains one)
//   DIR/reference-curve.json   the Monte Carlo reference curves
//   DIR/starts/<i>.json        start i's finished flow; DIR/starts/<i>.energies.npy beside it
//                              when the run keeps the energies (for --report)
//   DIR/rbm-flow.json          the results, as --json prints them, when the run is complete
//
// Every file is written atomically and only once its content is complete, a start's energies
// before its flow, so a file that exists is whole and a flow file whose energies are needed
// has them.
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "deeprg/analysis/rbm_flow.hpp"
#include "deeprg/mc/reference_curve.hpp"
#include "deeprg/rbm/rbm.hpp"

namespace deeprg::cli {

class RbmFlowDirectory {
 public:
  /// Opens (creating it if needed) the directory for a run with `config`. Throws ConfigError
  /// "--out" when DIR is not a directory or holds a run with other settings (naming the first
  /// setting that differs), IoError when it cannot be written.
  RbmFlowDirectory(std::filesystem::path root, const nlohmann::json& config);

  std::filesystem::path model() const { return root_ / "rbm.npz"; }
  std::filesystem::path results() const { return root_ / "rbm-flow.json"; }

  /// The saved RBM, or nothing.
  std::optional<rbm::Rbm> load_model() const;
  void save_model(const rbm::Rbm& model) const;

  std::optional<mc::ReferenceCurve> load_reference() const;
  void save_reference(const mc::ReferenceCurve& curve) const;

  /// Start i's saved flow (with its energies when `energies`), or nothing when it is not
  /// finished. Throws ConfigError naming the file when it is malformed or belongs to another T0.
  std::optional<analysis::RbmFlow> load_flow(std::size_t i, double T0, bool energies) const;
  void save_flow(std::size_t i, double T0, const analysis::RbmFlow& flow) const;

  void save_results(const nlohmann::json& results) const;

 private:
  std::filesystem::path start_file(std::size_t i, const char* suffix) const;

  std::filesystem::path root_;
};

}  // namespace deeprg::cli
