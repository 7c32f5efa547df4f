#include "deeprg/rbm/metrics_file.hpp"

#include <string>

#include "deeprg/core/error.hpp"
#include "deeprg/core/json.hpp"
#include "deeprg/io/atomic_file.hpp"

namespace deeprg::rbm {

nlohmann::json to_json(const EpochMetrics& m) {
  nlohmann::json j{{"layer", m.layer + 1},
                   {"epoch", m.epoch},
                   {"reconstruction_error", m.reconstruction_error},
                   {"pseudo_log_likelihood", number_or_null(m.pseudo_log_likelihood)},
                   {"learning_rate", m.learning_rate},
                   {"momentum", m.momentum},
                   {"seconds", m.seconds}};
  if (m.log_likelihood) j["log_likelihood"] = number_or_null(*m.log_likelihood);
  return j;
}

MetricsFile::MetricsFile(std::filesystem::path path, bool resume, std::size_t layers,
                         const std::string& rerun_hint)
    : path_(std::move(path)) {
  if (!resume || !std::filesystem::exists(path_)) return;
  const std::string text = io::read_file(path_);
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t end = std::min(text.find('\n', pos), text.size());
    const std::string line = text.substr(pos, end - pos);
    pos = end + 1;
    if (line.empty()) continue;
    try {
      const auto j = nlohmann::json::parse(line);
      const auto layer = j.at("layer").get<std::size_t>();
      if (layer >= 1 && layer <= layers) lines_[{layer, j.at("epoch").get<int>()}] = j;
    } catch (const nlohmann::json::exception& e) {
      throw IoError(path_.string() + ": unreadable line '" + line + "' (" + e.what() + "); " +
                    rerun_hint);
    }
  }
}

bool MetricsFile::record(const EpochMetrics& m) {
  const bool added = lines_.insert_or_assign({m.layer + 1, m.epoch}, to_json(m)).second;
  write();
  return added;
}

void MetricsFile::write() const {
  std::string text;
  for (const auto& [key, line] : lines_) text += line.dump() + "\n";
  io::write_file_atomic(path_, text);
}

std::vector<nlohmann::json> MetricsFile::lines() const {
  std::vector<nlohmann::json> out;
  out.reserve(lines_.size());
  for (const auto& [key, line] : lines_) out.push_back(line);
  return out;
}

std::map<std::size_t, std::size_t> MetricsFile::epochs_per_layer() const {
  std::map<std::size_t, std::size_t> out;
  for (const auto& [key, line] : lines_) ++out[key.first];
  return out;
}

}  // namespace deeprg::rbm
