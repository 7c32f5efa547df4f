#pragma once
/// A trained DBN as a coarse-graining map, so that MCRG (rg/mcrg.hpp) and the flow judge it by
/// RG's own yardsticks. Layer l's hidden units become the spins of a coarse lattice:
///
///   lattice  level l is the level l−1 lattice divided by the smallest b ≥ 2 that divides both
///            sides and leaves at most n_l sites (a 40×40 input and 400 units: b = 2, 20×20);
///   sites    each unit's receptive field on the level l−1 lattice (W(l)'s column, its rows
///            placed on the sites of the units they came from) has a centre (analysis::
///            field_shape, weights f²); units and coarse sites are paired one-to-one so that
///            the summed squared minimum-image distance from centre to site (the block's
///            centre, b·I + (b−1)/2) is smallest (the assignment problem, solved exactly).
///            Units beyond the number of sites are left over: they take no site and their
///            value never reaches the coarse lattice (reported; a deeper level then needs
///            none, so iterating requires n_l = sites);
///   sign     a unit whose field sums to < 0 is anti-aligned with its block: its coarse spin is
///            flipped so that every coarse spin follows its block (orientation −1);
///   spin     from the unit's field x_j = b_j + (Wᵀv)_j: sign readout s = sign(x_j) (the more
///            probable state; x = 0 a random sign), or a draw of p(h_j | v) (σ(x) for bernoulli
///            units, σ(2x) for spin units), mapped to ±1 and oriented.
/// Level l's input to layer l + 1 is the coarse lattice read back into unit order (left-over
/// units: none) and into layer l + 1's visible alphabet, so the map iterates through the stack.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <vector>

#include "deeprg/ising/model.hpp"
#include "deeprg/rbm/dbn.hpp"
#include "deeprg/rg/block_spin.hpp"
#include "deeprg/rg/learned_map.hpp"

namespace deeprg::analysis {

/// Where one layer's units sit on its coarse lattice.
struct LayerSites {
  std::size_t layer = 0;  ///< 1-based
  int b = 0;              ///< rescaling factor from the previous level
  ising::Lattice coarse;
  std::vector<std::size_t> unit_of_site;  ///< coarse site (row-major) → hidden unit
  std::vector<std::int8_t> orientation;   ///< per site: +1, or −1 for an anti-aligned unit
  std::size_t left_over = 0;              ///< units that took no site
  std::size_t flipped = 0;                ///< sites with orientation −1
  double mean_distance = 0;  ///< mean distance centre → site, in previous-level spacings
  double max_distance = 0;
};

/// The sites of layers 1 … `layers` of `dbn` on `lattice` (the data's lattice, row-major as
/// the visible units). Throws ShapeError when layer 1 does not have lattice.sites() visible
/// units, when no b ≥ 2 makes a coarse lattice of at most n_l sites with sides ≥ 2, or when a
/// layer to be iterated through left units over; ConfigError("layers") unless 1 ≤ layers ≤
/// the DBN's depth.
std::vector<LayerSites> layer_sites(const rbm::Dbn& dbn, const ising::Lattice& lattice,
                                    std::size_t layers);

/// {"layer", "b", "L" (coarse side), "left_over", "flipped", "mean_distance", "max_distance"}.
nlohmann::json to_json(const LayerSites& sites);

/// A single RBM's hidden layer on its coarse lattice: the same RBM with hidden unit k the unit
/// at coarse site k of `sites` (layer 1's placement, layer_sites), each anti-aligned unit
/// relabelled h → −h (spin units: its column of W and its bias change sign) or h → 1 − h
/// (bernoulli units: the same, and the column is added to the visible biases), which leaves
/// the distribution unchanged up to the relabelling and a constant energy. So H^RBM(h) of the
/// result is a function of coarse spins that follow their blocks (renormalized_couplings.hpp
/// expands it). Throws ConfigError("rbm") when units are left over (dropping them would change
/// the distribution) or the sites do not belong to this RBM.
template <class Real>
rbm::BasicRbm<Real> place_hidden_units(const rbm::BasicRbm<Real>& rbm, const LayerSites& sites);

/// The layers a map iterates through: layer_sites of layers 1 … k, where k is the DBN's depth
/// or the first layer that leaves units over (nothing above it can be fed). Throws as
/// layer_sites.
std::vector<LayerSites> mapped_layers(const rbm::Dbn& dbn, const ising::Lattice& lattice);

/// The DBN as a coarse-graining map: level k → k + 1 runs layer k + 1 (sites from
/// mapped_layers). With `spin_flip_symmetric` (data with the symmetry s → −s, the Ising model at
/// h = 0), each unit is read from the odd part of its field, x_j − e_j with e_j = b_j (+ ½ Σ_i
/// W_ij for bernoulli inputs, v = (s + 1)/2) the part that does not change when every input
/// spin flips: a learned bias whose threshold does not split the block and its flipped copy
/// gives the coarse lattice a field that symmetric data do not have (as for the local map,
/// learned_map.hpp). Random choices of sample i at level k come from Rng(seed, stream_id("dmap",
/// k, i)); the output does not depend on `threads`. Throws as layer_sites; the map throws
/// ConfigError("levels") for a level beyond the DBN and ShapeError for samples of another
/// lattice than the level expects.
rg::CoarseGraining dbn_map(rbm::Dbn dbn, const ising::Lattice& lattice, rg::Readout readout,
                           std::uint64_t seed, int threads = 0, bool spin_flip_symmetric = true);

/// The same map for sites already placed, `sites` = mapped_layers(dbn, lattice), so that a
/// caller that reports the placement does not solve the assignment problem twice. Throws
/// ConfigError("sites") when `sites` cannot be that (no layer, more layers than the DBN, or a
/// layer whose sites do not fill its coarse lattice).
rg::CoarseGraining dbn_map(rbm::Dbn dbn, std::vector<LayerSites> sites,
                           const ising::Lattice& lattice, rg::Readout readout, std::uint64_t seed,
                           int threads = 0, bool spin_flip_symmetric = true);

}  // namespace deeprg::analysis
