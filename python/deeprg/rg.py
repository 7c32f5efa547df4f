"""Real-space renormalization group: block_spin (majority rule or decimation), flow (observables
at every scale), mcrg (Swendsen's Monte Carlo RG: y_t, y_h with jackknife errors) - each with
block spins or any Python callable map(spins, level) -> spins - and the exact decimation of the
chain (decimated_coupling, decimation_flow, decimation_rbm - an Rbm64 holding J exactly -,
fit_hidden_coupling, which takes an Rbm or Rbm64).
"""
from . import _core

_module = _core.rg
__all__ = [name for name in dir(_module) if not name.startswith("_")]
globals().update({name: getattr(_module, name) for name in __all__})
