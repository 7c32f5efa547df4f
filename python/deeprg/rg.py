"""Real-space renormalization group: block_spin (majority rule or decimation), flow (observables
at every scale), mcrg (Swendsen's Monte Carlo RG: y_t, y_h with jackknife errors) - each with
block spins, a learned map or any Python callable map(spins, level) -> spins - and the exact
decimation of the chain (decimated_coupling, decimation_flow, decimation_rbm - an Rbm64 holding J
exactly -, fit_hidden_coupling, which takes an Rbm or Rbm64).

Learned maps (docs/learned-maps.md): learn_map trains a local block RBM (`deeprg learn-map`);
apply_map runs one step of it, or of a DBN given as its list of Rbm layers; mcrg and flow take
either as map= and run it in C++; majority_agreement(fine, coarse) measures how close a map is
to majority rule, and map_placement(layers, shape) where a DBN's units sit on the lattice.
"""
from . import _core

_module = _core.rg
__all__ = [name for name in dir(_module) if not name.startswith("_")]
globals().update({name: getattr(_module, name) for name in __all__})
