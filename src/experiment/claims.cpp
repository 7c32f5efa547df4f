#include "deeprg/experiment/claims.hpp"

#include <cmath>

#include "text.hpp"

namespace deeprg::experiment {

using detail::chain;
using detail::fixed;
using detail::number;

std::vector<Claim> claims(const nlohmann::json& a) {
  std::vector<Claim> out;
  const nlohmann::json& layers = a.at("layers");
  const nlohmann::json& first = layers.at(0);
  const double uniform = number(a, "uniform_field_radius");
  const double first_median = number(first, "receptive_field_radius_median");
  const auto& quartiles = first.at("receptive_field_radius_quartiles");
  const bool local =
      first.at("dead_units").get<std::size_t>() < first.at("units").get<std::size_t>() &&
      first_median < 0.25 * uniform;
  out.push_back({"local", "first-layer weights are local patches (B)",
                 "median radius " + fixed(first_median, 2) + " [quartiles " +
                     fixed(quartiles.at(0).get<double>(), 2) + ", " +
                     fixed(quartiles.at(1).get<double>(), 2) +
                     "]; a uniform field: " + fixed(uniform, 1),
                 local ? "local" : "not local", local});

  std::vector<double> radius, block;
  for (const auto& layer : layers) {
    radius.push_back(number(layer, "receptive_field_radius_median"));
    block.push_back(number(layer, "block_radius"));
  }
  bool grows = true;
  std::string ratios, block_ratios;
  for (const auto& g : a.at("receptive_field_growth")) {
    const double ratio = number(g, "median_radius_ratio");
    grows = grows && ratio > 1;
    ratios += (ratios.empty() ? "×" : ", ×") + fixed(ratio, 2);
    block_ratios +=
        (block_ratios.empty() ? "×" : ", ×") + fixed(number(g, "block_radius_ratio"), 2);
  }
  const bool one_layer = layers.size() < 2;
  out.push_back(
      {"growth", "receptive fields grow with depth like block spins (C, D)",
       "median radius " + chain(radius, 2) + "; 2^l × 2^l blocks " + chain(block, 2),
       one_layer ? "one layer: nothing to compare"
                 : std::string(grows ? "grow at every layer: " : "do not grow at every layer: ") +
                       ratios + " (blocks " + block_ratios + ")",
       one_layer ? std::nullopt : std::optional<bool>(grows)});

  std::vector<double> best, neighbour;
  for (const auto& layer : layers)
    if (layer.contains("block_overlap")) {
      best.push_back(number(layer["block_overlap"], "best_per_block"));
      neighbour.push_back(number(layer["block_overlap"], "neighbour_blocks"));
    }
  bool above = !best.empty();
  for (std::size_t l = 0; l < best.size(); ++l) above = above && best[l] > neighbour[l];
  out.push_back({"block_spins", "hidden units act as majority-rule block spins",
                 "best unit per block |r| " + chain(best, 2) + "; neighbouring blocks (baseline) " +
                     chain(neighbour, 2),
                 best.empty() ? "no layer has blocks to compare"
                 : above      ? "above the baseline at every layer"
                              : "not above the baseline at every layer",
                 best.empty() ? std::nullopt : std::optional<bool>(above)});

  std::vector<double> xi, nn, nn_majority;
  for (const auto& layer : layers) {
    xi.push_back(number(layer.at("reconstruction"), "correlation_length"));
    nn.push_back(number(layer.at("reconstruction"), "nn_correlation"));
    if (layer.contains("majority_rule"))
      nn_majority.push_back(number(layer["majority_rule"], "nn_correlation"));
  }
  const nlohmann::json& data = a.at("data_subset");
  const double xi_data = number(data, "correlation_length");
  const double xi_change = 100 * (xi.front() / xi_data - 1);
  out.push_back(
      {"large_scale", "reconstructions keep the large-scale structure (E)",
       "ξ: data " + fixed(xi_data, 2) + ", reconstructions " + chain(xi, 2) + "; ⟨s_i s_j⟩: data " +
           fixed(number(data, "nn_correlation"), 3) + ", reconstructions " + chain(nn, 3) +
           " (majority rule " + chain(nn_majority, 3) + ")",
       std::isfinite(xi_change) ? "ξ through layer 1: " + std::string(xi_change >= 0 ? "+" : "") +
                                      fixed(xi_change, 0) + "% against the data"
                                : "ξ through layer 1: no second-moment estimate to compare",
       std::nullopt});
  return out;
}

nlohmann::json to_json(const std::vector<Claim>& claims) {
  nlohmann::json out = nlohmann::json::array();
  for (const Claim& c : claims)
    out.push_back({{"id", c.id},
                   {"claim", c.claim},
                   {"measured", c.measured},
                   {"reading", c.reading},
                   {"holds", c.holds ? nlohmann::json(*c.holds) : nlohmann::json(nullptr)}});
  return out;
}

}  // namespace deeprg::experiment
