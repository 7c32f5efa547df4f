"""Restricted Boltzmann machines and deep belief networks.

E(v, h) = -v'W h - a'v - b'h with {0, 1} ('bernoulli') or +-1 ('spin') units on either layer,
p(v, h) = exp(-E)/Z. A DBN is a list of Rbm, layer 1 seeing the data.

Model: Rbm (numpy views of W, visible_bias, hidden_bias; free_energy, hidden_mean, sampling).
Training: train, train_dbn (CD-k / PCD-k with momentum, L1, L2; the same bits as
`deeprg train`). Estimators: exact_log_z, ais_log_z, log_z, log_likelihood,
pseudo_log_likelihood, reconstruction_error, exact_log_likelihood_gradient. DBN passes: up_pass,
down_pass, reconstruct. Files: load, save, load_dbn, save_dbn (deeprg's .npz format, which numpy
reads). For scikit-learn, see deeprg.RBM and deeprg.DBN.
"""
from . import _core

_module = _core.rbm
__all__ = [name for name in dir(_module) if not name.startswith("_")]
globals().update({name: getattr(_module, name) for name in __all__})
