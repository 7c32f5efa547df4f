"""Restricted Boltzmann machines and deep belief networks.

E(v, h) = -v'W h - a'v - b'h with {0, 1} ('bernoulli') or +-1 ('spin') units on either layer,
p(v, h) = exp(-E)/Z. A DBN is a list of Rbm, layer 1 seeing the data.

Model: Rbm, stored in float32 as training makes it, and Rbm64, stored in float64 for parameters
given in double precision (numpy views of W, visible_bias, hidden_bias in the model's dtype;
free_energy, hidden_mean, sampling; astype('float32' | 'float64') converts).
Training: train, train_dbn (CD-k / PCD-k with momentum, L1, L2; the same bits as
`deeprg train`); they make Rbm. Estimators: exact_log_z, ais_log_z, log_z, log_likelihood,
pseudo_log_likelihood, reconstruction_error, exact_log_likelihood_gradient; each takes an Rbm or
an Rbm64, and the exact ones compute in double from the parameters as stored, so an Rbm64 built
from float64 arrays gives answers exact to double precision. DBN passes (float32 layers): up_pass,
down_pass, reconstruct. Files: load, save, load_dbn, save_dbn (deeprg's .npz format, which numpy
reads); a file keeps the model's dtype, and load returns Rbm64 for float64 arrays.
Physics of a trained RBM: flow (Iso et al.'s v -> h -> v flow read with the exact energy
thermometer) and gibbs_chains (the RBM as a sampler: E, |m|, chi, C, U4, xi and tau_int).
For scikit-learn, see deeprg.RBM and deeprg.DBN.
"""
from . import _core

_module = _core.rbm
__all__ = [name for name in dir(_module) if not name.startswith("_")]
globals().update({name: getattr(_module, name) for name in __all__})
