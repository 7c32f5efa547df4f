#include "deeprg/experiment/run_directory.hpp"

#include "deeprg/core/blas.hpp"
#include "deeprg/core/error.hpp"
#include "deeprg/io/atomic_file.hpp"
#include "deeprg/version.hpp"

namespace deeprg::experiment {

namespace {

namespace fs = std::filesystem;

// Output names of a run directory, removed by a fresh start.
const std::vector<std::string> kOutputs = {"samples.npy",   "samples.npy.json", "model",
                                           "metrics.jsonl", "analysis.json",    "figures",
                                           "report.html"};

// Never changes a result, so a rerun with other threads reuses everything.
const std::string kIgnoredKey = "run.threads";

}  // namespace

const std::vector<std::string>& result_sections() {
  // The analysis section is redone on every run and does not count.
  static const std::vector<std::string> sections = {"lattice", "sampling", "dbn", "train", "run"};
  return sections;
}

std::optional<std::string> first_difference(const nlohmann::json& a, const nlohmann::json& b) {
  for (const std::string& section : result_sections()) {
    const nlohmann::json& x = a.contains(section) ? a[section] : nlohmann::json::object();
    const nlohmann::json& y = b.contains(section) ? b[section] : nlohmann::json::object();
    for (const auto& [key, value] : x.items())
      if ((!y.contains(key) || y[key] != value) && section + "." + key != kIgnoredKey)
        return section + "." + key;
    for (const auto& [key, value] : y.items())
      if (!x.contains(key) && section + "." + key != kIgnoredKey) return section + "." + key;
  }
  return std::nullopt;
}

bool RunDirectory::has_outputs() const {
  std::error_code ec;
  for (const std::string& name : kOutputs)
    if (fs::exists(root_ / name, ec)) return true;
  return false;
}

void RunDirectory::discard_if_unused(bool created) const {
  if (has_outputs()) return;
  std::error_code ec;
  fs::remove(config(), ec);
  if (created && fs::is_empty(root_, ec)) fs::remove(root_, ec);
}

bool RunDirectory::prepare(const ExperimentConfig& config, const std::string& preset,
                           bool fresh) const {
  std::error_code ec;
  if (root_.empty()) throw IoError("the run directory is an empty path");
  fs::create_directories(root_, ec);
  if (ec || !fs::is_directory(root_))
    throw IoError(root_.string() + ": cannot create run directory (" + ec.message() + ")");

  const nlohmann::json resolved = to_json(config);
  bool reuse = false;
  if (fresh) {
    for (const std::string& name : kOutputs) fs::remove_all(root_ / name, ec);
  } else if (fs::exists(this->config()) && has_outputs()) {
    // A config.json alone (a run refused or killed before its first output) holds nothing
    // that a different configuration could mix with: it is replaced below.
    nlohmann::json previous;
    try {
      previous = nlohmann::json::parse(io::read_file(this->config())).at("config");
      if (!previous.is_object()) throw nlohmann::json::other_error::create(501, "config", nullptr);
    } catch (const nlohmann::json::exception& e) {
      throw IoError(this->config().string() + ": not a deeprg run configuration (" + e.what() +
                    "); use another directory, or start fresh to replace it");
    }
    if (const auto differs = first_difference(previous, resolved)) {
      const auto dot = differs->find('.');
      const auto& old_section = previous[differs->substr(0, dot)];
      const std::string key = differs->substr(dot + 1);
      throw RunConflict(*differs, root_,
                        old_section.contains(key) ? old_section[key].dump() : "(unset)");
    }
    reuse = true;
  }

  nlohmann::json record{{"deeprg_version", kVersion},
                        {"command", "deeprg run"},
                        {"preset", preset},
                        {"seed", config.seed},
                        {"blas", to_json(blas_info())},
                        {"config", resolved},
                        {"sources", nlohmann::json::object()}};
  for (const auto& key : config_keys()) record["sources"][key.key] = key.source;
  io::write_file_atomic(this->config(), record.dump(2) + "\n");
  return reuse;
}

}  // namespace deeprg::experiment
