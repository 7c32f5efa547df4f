#pragma once
/// A deep belief network: a stack of RBMs where layer l's visible units are layer l−1's hidden
/// units (Hinton, Osindero & Teh 2006), trained greedily one layer at a time.
#include <vector>

#include "deeprg/rbm/rbm.hpp"

namespace deeprg::rbm {

/// Layers stored as `Real`, as BasicRbm: Dbn (float32) is what training makes and the passes
/// of dbn_ops.hpp take; Dbn64 holds float64 layers exactly.
template <class Real>
struct BasicDbn {
  std::vector<BasicRbm<Real>> layers;  ///< layers[0] sees the data
  nlohmann::json meta = nlohmann::json::object();

  /// Throws ShapeError unless layers[l].n_hidden() == layers[l+1].n_visible() and unit types
  /// agree between adjacent layers; validates each layer.
  void validate() const;
};

using Dbn = BasicDbn<float>;
using Dbn64 = BasicDbn<double>;

/// The same DBN stored as `To` (rbm_cast layer by layer).
template <class To, class From>
BasicDbn<To> dbn_cast(const BasicDbn<From>& dbn) {
  BasicDbn<To> out;
  out.meta = dbn.meta;
  for (const auto& layer : dbn.layers) out.layers.push_back(rbm_cast<To>(layer));
  return out;
}

}  // namespace deeprg::rbm
