#pragma once
/// The paper's claims about its Fig. 4, read off a run's measurements: the summary of the
/// report, and something a script can test.
///
///   local        first-layer weights are local patches (B): the median 80% radius of the
///                first layer's fields is under a quarter of a uniform field's
///   growth       receptive fields grow with depth like block spins (C, D): the median radius
///                grows at every layer
///   block_spins  hidden units act as majority-rule block spins: the best unit per block
///                correlates with it more than neighbouring blocks correlate with each other,
///                at every layer with blocks
///   large_scale  reconstructions keep the large-scale structure (E): the change of ξ through
///                layer 1 against the data (a number, not a verdict)
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace deeprg::experiment {

struct Claim {
  std::string id;        ///< local, growth, block_spins, large_scale
  std::string claim;     ///< the paper's statement, with its panel
  std::string measured;  ///< this run's numbers behind it
  std::string reading;   ///< what they say
  /// Whether the numbers bear the claim out; none where the run cannot say (one layer, no
  /// blocks to compare, or a claim that is a number rather than a verdict).
  std::optional<bool> holds;
};

/// The claims read off an analysis document (ExperimentAnalysis::document: the "layers",
/// "receptive_field_growth", "data_subset" and "uniform_field_radius" entries). Throws
/// nlohmann::json exceptions for a document that lacks them.
std::vector<Claim> claims(const nlohmann::json& analysis);

/// {"id", "claim", "measured", "reading", "holds" (true, false or null)} per claim.
nlohmann::json to_json(const std::vector<Claim>& claims);

}  // namespace deeprg::experiment
