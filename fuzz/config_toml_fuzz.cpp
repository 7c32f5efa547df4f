// Experiment config TOML (deeprg run --config): any text applied to the paper preset either
// applies completely or throws deeprg's errors (IoError for text that is not TOML, ConfigError
// naming the key) and leaves the configuration as it was. A configuration that applies and
// validates prints (to_toml) as TOML that reads back to the same configuration.
#include <cstdlib>
#include <string>

#include "deeprg/experiment/config.hpp"
#include "fuzz_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace ex = deeprg::experiment;
  using deeprg::fuzz::succeeds;
  static const ex::ExperimentConfig paper = ex::preset("paper");
  static const std::string paper_toml = ex::to_toml(paper);

  const std::string text(deeprg::fuzz::bytes_of(data, size));
  ex::ExperimentConfig config = paper;
  if (!succeeds<deeprg::Error>([&] { ex::apply_toml(config, text, "fuzz.toml"); })) {
    if (ex::to_toml(config) != paper_toml) std::abort();  // all or nothing
    return 0;
  }
  if (!succeeds<deeprg::Error>([&] { ex::validate(config); })) return 0;
  ex::ExperimentConfig again = paper;
  ex::apply_toml(again, ex::to_toml(config), "to_toml");
  if (ex::to_json(again) != ex::to_json(config)) std::abort();
  return 0;
}
