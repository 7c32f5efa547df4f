"""Exact references and equilibrium samples of the Ising model H(s) = -J sum_<ij> s_i s_j - h sum_i s_i
on a periodic chain or square lattice (k_B = 1).

Exact: kaufman (finite torus, h = 0), transfer_matrix (chain), enumerate (any J, h; N <= 30),
onsager / infinite_chain (thermodynamic limit), exact (everything, as `deeprg exact --json`),
density_of_states, boltzmann_probabilities. Sampling: sample (Metropolis, heat bath, Wolff,
Swendsen-Wang) -> int8 array (n, Ly, Lx). energy(spins) per sample. T_c, K_c: the square
lattice critical point.
"""
from . import _core

_module = _core.ising
__all__ = [name for name in dir(_module) if not name.startswith("_")]
globals().update({name: getattr(_module, name) for name in __all__})
