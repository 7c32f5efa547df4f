#pragma once
/// A deep belief network: a stack of RBMs where layer l's visible units are layer l−1's hidden
/// units (Hinton, Osindero & Teh 2006), trained greedily one layer at a time.
#include <vector>

#include "deeprg/rbm/rbm.hpp"

namespace deeprg::rbm {

struct Dbn {
  std::vector<Rbm> layers;  ///< layers[0] sees the data
  nlohmann::json meta = nlohmann::json::object();

  /// Throws ShapeError unless layers[l].n_hidden() == layers[l+1].n_visible() and unit types
  /// agree between adjacent layers; validates each layer.
  void validate() const;
};

}  // namespace deeprg::rbm
