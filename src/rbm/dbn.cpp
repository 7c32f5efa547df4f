#include "deeprg/rbm/dbn.hpp"

#include "deeprg/core/error.hpp"

namespace deeprg::rbm {

template <class Real>
void BasicDbn<Real>::validate() const {
  for (std::size_t l = 0; l < layers.size(); ++l) {
    layers[l].validate();
    if (l + 1 < layers.size()) {
      if (layers[l].n_hidden() != layers[l + 1].n_visible())
        throw ShapeError("DBN: layer " + std::to_string(l + 1) + " has " +
                         std::to_string(layers[l].n_hidden()) + " hidden units but layer " +
                         std::to_string(l + 2) + " has " +
                         std::to_string(layers[l + 1].n_visible()) + " visible units");
      if (layers[l].hidden != layers[l + 1].visible)
        throw ShapeError("DBN: unit types of layers " + std::to_string(l + 1) + " and " +
                         std::to_string(l + 2) + " disagree");
    }
  }
}

template struct BasicDbn<float>;
template struct BasicDbn<double>;

}  // namespace deeprg::rbm
