#pragma once
/// Effective receptive fields of a deep belief network's units and how local they are
/// (Mehta & Schwab 2014, Fig. 4 C–D): r(1) = W(1), r(l) = r(l−1)·W(l), so column j of r(l) is
/// the linear image on the input lattice of unit j of layer l.
///
/// Shape of one field f over a periodic Lx × Ly lattice, with weights w_x = f_x², the field's
/// power. Weighting by |f_x| instead fails on trained networks: with L1 regularisation a unit's
/// field is a blob of a few strong weights on a floor of ~1,500 tiny ones, and Σ|f| over the
/// floor outweighs the blob. Measured on a 1600-400-100-25 DBN whose fields are visibly local
/// blobs (L1 2e-2): median 80% radius 18.7 with |f|, 2.7 with f²; a uniform field gives 20.2.
/// With w = f² the participation below is the usual inverse participation ratio.
///   centre   the circular mean along each axis, c = (L/2π)·arg Σ_x w_x e^{2πi x/L} (a field
///            that wraps around the boundary has its centre where it is, not at L/2);
///   radius   the smallest R such that the sites within minimum-image distance R of the centre
///            hold at least `fraction` of Σ w (0 for a one-site field);
///   participation  (Σ w)² / Σ w², the effective number of sites (1 for one site, N for a
///            uniform field);
///   locality the share of Σ w inside the square window of side `window` centred on the site
///            nearest the centre (odd side) or on the half-integer point nearest it (even side,
///            so a 2 × 2 window covers a 2 × 2 block exactly); 1 for a field inside it,
///            window²/N for a uniform one.
/// A centre within 1e-9 of an integer or half-integer is put on it, so symmetric fields (one
/// site, a uniform block) have exact radii and equal fields tie exactly.
/// A Kadanoff block of b × b sites with uniform weight is the reference: block_reference()
/// measures it with the same functions, so a layer's fields can be read against the majority-
/// rule block spin of the same scale.
#include <cstddef>
#include <span>
#include <vector>

#include "deeprg/core/matrix.hpp"
#include "deeprg/ising/model.hpp"
#include "deeprg/rbm/dbn.hpp"

namespace deeprg::analysis {

/// r(1), …, r(L) for a DBN of L RBMs: element l − 1 is n_visible × n_l (double), column j the
/// field of unit j of layer l (Mehta & Schwab Fig. 4: r(l) = r(l−1)·W(l), biases ignored).
/// An empty DBN gives an empty vector. Throws ShapeError when W of layer l + 1 does not have
/// n_l rows (unit types and parameter values are not checked: the product does not need them).
std::vector<MatrixD> receptive_fields(const rbm::Dbn& dbn);

struct FieldShape {
  double centre_x = 0, centre_y = 0;  ///< in lattice units, each in [0, L)
  double radius = 0;                  ///< see above
  double participation = 0;           ///< effective number of sites
  double locality = 0;                ///< share of Σ f² in the window
  bool dead = false;                  ///< all weights 0: nothing else is meaningful
};

/// Shape of one field laid out row-major on `lattice` (2D; a 1D lattice is a row, Ly = 1, whose
/// windows are segments of `window` sites). Throws ShapeError unless field.size() =
/// lattice.sites() and every value is finite, ConfigError("analysis.rf_fraction") unless 0 <
/// fraction ≤ 1, ConfigError("window") unless 1 ≤ window ≤ min(Lx, Ly) (≤ Lx when Ly = 1).
FieldShape field_shape(std::span<const double> field, const ising::Lattice& lattice,
                       double fraction, int window);

/// Summary of one layer's fields (dead units excluded from the means).
struct LayerFields {
  std::size_t layer = 0;       ///< 1-based
  std::size_t units = 0;       ///< n_l
  std::size_t dead_units = 0;  ///< fields whose weights are all 0
  int block = 0;               ///< the matching block side b = 2^layer
  /// Mean radius and its standard error s/√n over live units (error 0 for fewer than 2 live
  /// units; every mean is 0 when all units are dead).
  double radius_mean = 0, radius_error = 0;
  /// Quartiles of the live units' radii (linear between order statistics, as numpy). A layer
  /// may hold several kinds of unit (one-site, blob, two distant sites): the spread says how
  /// far the median stands for all of them.
  double radius_q25 = 0, radius_median = 0, radius_q75 = 0;
  double participation_mean = 0;
  double locality_mean = 0;        ///< with window = block
  double block_radius = 0;         ///< radius of a uniform block × block field (same fraction)
  double block_participation = 0;  ///< block² by construction
  std::vector<FieldShape> shapes;  ///< one per unit
};

/// Shapes of every unit of every layer, with block = 2^layer (capped at min(Lx, Ly)).
/// Throws ShapeError when a matrix does not have lattice.sites() rows, ConfigError as
/// field_shape for the fraction. Runs on `threads` threads (0 = all); the result does not
/// depend on it.
std::vector<LayerFields> layer_fields(const std::vector<MatrixD>& fields,
                                      const ising::Lattice& lattice, double fraction,
                                      int threads = 0);

/// A uniform b × b block field at the origin of `lattice` (b sites on a chain), measured by
/// field_shape with window = b. Throws ConfigError("block") unless 1 ≤ b ≤ min(Lx, Ly).
FieldShape block_reference(const ising::Lattice& lattice, int b, double fraction);

/// Indices of `count` units to show in a figure, ordered from the most local live unit to the
/// least (radius, then index). With fewer than the live units, they are taken at evenly spaced
/// ranks, first and last included, so a figure shows the whole spread rather than a flattering
/// few. Returns min(count, units) indices; dead units come last, by index, only when count
/// exceeds the live units.
std::vector<std::size_t> units_to_show(const LayerFields& layer, std::size_t count);

}  // namespace deeprg::analysis
