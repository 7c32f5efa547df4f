// The run directory of `deeprg rbm-flow --out DIR`.
#include "rbm_flow_directory.hpp"

#include <cstring>
#include <system_error>

#include "deeprg/core/error.hpp"
#include "deeprg/io/atomic_file.hpp"
#include "deeprg/io/npy.hpp"
#include "deeprg/rbm/model_file.hpp"

namespace deeprg::cli {

namespace {

nlohmann::json read_json(const std::filesystem::path& path) {
  try {
    return nlohmann::json::parse(io::read_file(path));
  } catch (const nlohmann::json::exception& e) {
    throw ConfigError("--out", path.string() + " is not valid JSON (" + e.what() +
                                   "); remove it to compute it again");
  }
}

/// The first key whose value differs between two objects ("" when they are equal).
std::string first_difference(const nlohmann::json& a, const nlohmann::json& b) {
  for (const auto& [key, value] : a.items())
    if (!b.contains(key) || b[key] != value) return key;
  for (const auto& [key, value] : b.items())
    if (!a.contains(key)) return key;
  return "";
}

}  // namespace

RbmFlowDirectory::RbmFlowDirectory(std::filesystem::path root, const nlohmann::json& config)
    : root_(std::move(root)) {
  std::error_code ec;
  if (std::filesystem::exists(root_, ec) && !std::filesystem::is_directory(root_, ec))
    throw ConfigError("--out", root_.string() + " exists and is not a directory");
  std::filesystem::create_directories(root_ / "starts", ec);
  if (ec) throw IoError(root_.string() + ": cannot create the run directory: " + ec.message());
  const std::filesystem::path saved = root_ / "config.json";
  if (std::filesystem::exists(saved)) {
    const nlohmann::json previous = read_json(saved);
    const std::string key = first_difference(previous, config);
    if (!key.empty())
      throw ConfigError("--out", root_.string() + " holds a run with other settings (" + key +
                                     " differs); resume it with the same flags or use another "
                                     "directory");
  } else {
    io::write_file_atomic(saved, config.dump(2) + "\n");
  }
}

std::optional<rbm::Rbm> RbmFlowDirectory::load_model() const {
  if (!std::filesystem::exists(model())) return std::nullopt;
  return rbm::load_rbm<float>(model());
}

void RbmFlowDirectory::save_model(const rbm::Rbm& model_to_save) const {
  rbm::save_rbm(model(), model_to_save);
}

std::optional<mc::ReferenceCurve> RbmFlowDirectory::load_reference() const {
  const std::filesystem::path path = root_ / "reference-curve.json";
  if (!std::filesystem::exists(path)) return std::nullopt;
  try {
    return mc::reference_curve_from_json(read_json(path));
  } catch (const ConfigError& e) {
    throw ConfigError("--out", path.string() + ": " + e.what());
  }
}

void RbmFlowDirectory::save_reference(const mc::ReferenceCurve& curve) const {
  io::write_file_atomic(root_ / "reference-curve.json", mc::to_json(curve).dump() + "\n");
}

std::filesystem::path RbmFlowDirectory::start_file(std::size_t i, const char* suffix) const {
  return root_ / "starts" / (std::to_string(i) + suffix);
}

std::optional<analysis::RbmFlow> RbmFlowDirectory::load_flow(std::size_t i, double T0,
                                                             bool energies) const {
  const std::filesystem::path path = start_file(i, ".json");
  if (!std::filesystem::exists(path)) return std::nullopt;
  const std::filesystem::path npy = start_file(i, ".energies.npy");
  if (energies && !std::filesystem::exists(npy)) return std::nullopt;  // saved without them
  const nlohmann::json saved = read_json(path);
  if (!saved.contains("T0") || !saved["T0"].is_number() || saved["T0"].get<double>() != T0)
    throw ConfigError("--out", path.string() + " is the flow of another starting temperature");
  analysis::RbmFlow flow;
  try {
    flow = analysis::rbm_flow_from_json(saved.value("flow", nlohmann::json()));
  } catch (const ConfigError& e) {
    throw ConfigError("--out", path.string() + ": " + e.what());
  }
  if (energies) {
    const io::NpyArray a = io::read_npy(npy);
    if (a.descr != "<f8" || a.shape.size() != 2 || a.shape[0] != flow.points.size())
      throw ConfigError("--out", npy.string() + " does not hold this flow's energies");
    flow.energies.resize(a.size());
    std::memcpy(flow.energies.data(), a.data.data(), a.data.size());
  }
  return flow;
}

void RbmFlowDirectory::save_flow(std::size_t i, double T0, const analysis::RbmFlow& flow) const {
  if (!flow.energies.empty()) {
    const std::size_t steps = flow.points.size();
    io::write_npy(start_file(i, ".energies.npy"),
                  io::make_npy<double>(flow.energies, {steps, flow.energies.size() / steps}));
  }
  io::write_file_atomic(
      start_file(i, ".json"),
      nlohmann::json{{"T0", T0}, {"flow", analysis::to_json(flow)}}.dump() + "\n");
}

void RbmFlowDirectory::save_results(const nlohmann::json& results) const {
  io::write_file_atomic(this->results(), results.dump(2) + "\n");
}

}  // namespace deeprg::cli
