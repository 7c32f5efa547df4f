// --set KEY=VALUE overrides: the input is one assignment per line, applied in order to the
// paper preset. Each either applies or throws ConfigError (apply_override's only documented
// error) and leaves the configuration as it was. A result that validates prints (to_toml) as
// TOML that reads back to the same configuration.
#include <cstdlib>
#include <string>
#include <string_view>

#include "deeprg/experiment/config.hpp"
#include "fuzz_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace ex = deeprg::experiment;
  using deeprg::fuzz::succeeds;
  static const ex::ExperimentConfig paper = ex::preset("paper");

  ex::ExperimentConfig config = paper;
  std::string_view rest = deeprg::fuzz::bytes_of(data, size);
  while (!rest.empty()) {
    const std::size_t end = rest.find('\n');
    const std::string assignment(rest.substr(0, end));
    rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
    // Compared as TOML text: JSON compares NaN (which validate refuses only later) unequal.
    const std::string before = ex::to_toml(config);
    if (!succeeds<deeprg::ConfigError>([&] { ex::apply_override(config, assignment); }) &&
        ex::to_toml(config) != before)
      std::abort();  // a refused override changed the configuration
  }
  if (!succeeds<deeprg::Error>([&] { ex::validate(config); })) return 0;
  ex::ExperimentConfig again = paper;
  ex::apply_toml(again, ex::to_toml(config), "to_toml");
  if (ex::to_json(again) != ex::to_json(config)) std::abort();
  return 0;
}
