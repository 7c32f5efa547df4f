"""Mehta & Schwab's variational RG made exact for small systems: evaluate (ln Z, ln Z_lambda,
Delta F, KL, the exactness range of ln Tr_h e^T, H^RBM; for an Rbm or Rbm64, in double from the
parameters as stored), fit_hidden_sweep (RBMs fitted to the exact Ising distribution by the exact
KL gradient, against CD-1; the fits are Rbm64).
"""
from . import _core

_module = _core.vrg
__all__ = [name for name in dir(_module) if not name.startswith("_")]
globals().update({name: getattr(_module, name) for name in __all__})
