#pragma once
/// Effective receptive fields of a deep belief network's units and how local they are
/// (Mehta & Schwab 2014, Fig. 4 C–D): r(1) = W(1), r(l) = r(l−1)·W(l), so column j of r(l) is
/// the linear image on the input lattice of unit j of layer l.
///
/// Shape of one field f over a periodic Lx × Ly lattice (weights w_x = |f_x|):
///   centre   the circular mean along each axis, c = (L/2π)·arg Σ_x w_x e^{2πi x/L} (a field
///            that wraps around the boundary has its centre where it is, not at L/2);
///   radius   the smallest R such that the sites within minimum-image distance R of the centre
///            hold at least `fraction` of Σ w (0 for a one-site field);
///   participation  (Σ w)² / Σ w², the effective number of sites (1 for one site, N for a
///            uniform field);
///   locality the share of Σ w inside the square window of side `window` centred on the site
///            nearest the centre (1 for a field inside it, window²/N for a uniform one).
/// A Kadanoff block of b × b sites with uniform weight is the reference: block_reference()
/// measures it with the same functions, so a layer's fields can be read against the majority-
/// rule block spin of the same scale.
#include <cstddef>
#include <vector>

#include "deeprg/core/matrix.hpp"
#include "deeprg/ising/model.hpp"
#include "deeprg/rbm/dbn.hpp"

namespace deeprg::analysis {

/// r(1), …, r(L) for a DBN of L RBMs: element l − 1 is n_visible × n_l (double), column j the
/// field of unit j of layer l. Throws ShapeError when the DBN is inconsistent.
std::vector<MatrixD> receptive_fields(const rbm::Dbn& dbn);

struct FieldShape {
  double centre_x = 0, centre_y = 0;  ///< in lattice units, each in [0, L)
  double radius = 0;                  ///< see above
  double participation = 0;           ///< effective number of sites
  double locality = 0;                ///< share of Σ|f| in the window
  bool dead = false;                  ///< Σ|f| = 0: nothing else is meaningful
};

/// Shape of one field laid out row-major on `lattice` (2D; a 1D lattice is a row, Ly = 1).
/// Throws ShapeError unless field.size() = lattice.sites(), ConfigError("analysis.rf_fraction")
/// unless 0 < fraction ≤ 1, ConfigError("window") unless 1 ≤ window ≤ min(Lx, Ly).
FieldShape field_shape(std::span<const double> field, const ising::Lattice& lattice,
                       double fraction, int window);

/// Summary of one layer's fields (dead units excluded from the means).
struct LayerFields {
  std::size_t layer = 0;        ///< 1-based
  std::size_t units = 0;        ///< n_l
  std::size_t dead_units = 0;   ///< fields with Σ|f| = 0
  int block = 0;                ///< the matching block side b = 2^layer
  double radius_mean = 0, radius_error = 0;  ///< mean and its standard error over units
  double radius_median = 0;
  double participation_mean = 0;
  double locality_mean = 0;  ///< with window = block
  double block_radius = 0;   ///< radius of a uniform block × block field (same fraction)
  double block_participation = 0;  ///< block² by construction
  std::vector<FieldShape> shapes;  ///< one per unit
};

/// Shapes of every unit of every layer, with block = 2^layer (capped at min(Lx, Ly)).
std::vector<LayerFields> layer_fields(const std::vector<MatrixD>& fields,
                                      const ising::Lattice& lattice, double fraction);

/// A uniform b × b block field at the origin of `lattice`, measured by field_shape.
FieldShape block_reference(const ising::Lattice& lattice, int b, double fraction);

/// Indices of `count` units to show in a figure: the most local live units first (smallest
/// radius, ties by index), so a figure shows typical well-formed fields rather than dead ones.
/// Returns min(count, units) indices.
std::vector<std::size_t> units_to_show(const LayerFields& layer, std::size_t count);

}  // namespace deeprg::analysis
