"""deeprg: deep learning and the renormalization group, measurably.

Submodules mirror the C++ library:
  deeprg.ising  exact references (Kaufman, transfer matrix, enumeration, Onsager) and sampling
  deeprg.mc     observables with error bars, autocorrelation times
  deeprg.rg     block spins, the flow across scales, Swendsen's MCRG, 1D decimation
  deeprg.rbm    RBMs and DBNs: training, exact and AIS ln Z, likelihoods, .npz model files
  deeprg.vrg    Mehta & Schwab's variational RG quantities, exactly
scikit-learn estimators: deeprg.RBM and deeprg.DBN. The paper's experiment: deeprg.run. The 2D
Ising model over sizes and temperatures (samples, observables, flow, MCRG): deeprg.scan.

Arrays go in and out as numpy arrays (spins: int8 +-1 of shape (n, L) or (n, Ly, Lx)); results
are arrays and plain dicts with the keys of the command-line tool's JSON. Long calls release the
GIL and stop on Ctrl-C. Errors: ConfigError (a ValueError naming the keyword at fault in .key),
ShapeError (a ValueError), OSError for files.
"""
from ._core import ConfigError, ShapeError, __version__, blas
from . import ising, mc, rbm, rg, vrg
from .estimators import DBN, RBM, DataRangeWarning
from .experiment import RunResult, run
from .scan import ScanResult, scan

__all__ = [
    "__version__", "ConfigError", "ShapeError", "DataRangeWarning", "blas",
    "ising", "mc", "rbm", "rg", "vrg", "RBM", "DBN", "run", "RunResult",
    "scan", "ScanResult",
]
