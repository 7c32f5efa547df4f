"""deeprg.scan: the 2D Ising model over lattice sizes and temperatures in one call."""
import json
import pathlib

import numpy as np

from . import _core
from ._checks import INT, UINT64, config_error, progress_callback, whole

__all__ = ["scan", "ScanResult"]

_OBSERVABLES = ("energy_per_spin", "abs_magnetization", "susceptibility", "specific_heat",
                "binder_cumulant", "correlation_length")


class ScanResult:
    """What a scan produced.

    directory: pathlib.Path of the scan directory (L=.../T=.../ per point, scan.json,
        scan-run.json, scan-figures/, scan.html).
    summary: the dict written as scan.json: 'settings', 'sizes', 'temperatures' and 'points',
        one dict per point in grid order with 'name', 'L', 'T', 'seed', 'status' ('ok' or
        'failed'), 'error', and for finished points 'sampler' (the samples' sidecar),
        'observables', 'exact' (the finite and infinite lattice's exact values), 'flow' (one
        dict per block-spin level) and 'mcrg' (one dict per MCRG step, or None).
    points: summary['points']. crossings: summary['crossings'] (finite-size estimates of T_c).
    """

    def __init__(self, directory, summary):
        self.directory = pathlib.Path(directory)
        self.summary = summary
        self.points = summary["points"]

    @property
    def report(self):
        """Path of the self-contained HTML page."""
        return self.directory / "scan.html"

    @property
    def execution(self):
        """scan-run.json: ranks, wall time, and per point its rank, status and seconds."""
        return json.loads((self.directory / "scan-run.json").read_text())

    @property
    def crossings(self):
        """Where the curves of U4 and of xi/L for consecutive sizes cross: finite-size estimates
        of T_c, as dicts {quantity ('binder_cumulant' or 'xi_over_L'), L: [L1, L2], T, T_error,
        between: [T_lo, T_hi]} (scan.json's "crossings")."""
        return self.summary.get("crossings", [])

    def curve(self, quantity, L):
        """(T, value, error) as float64 arrays over the finished points of size L, by T.

        quantity: one of energy_per_spin, abs_magnetization, susceptibility, specific_heat,
        binder_cumulant, correlation_length (the observables), or y_t, y_h (the deepest MCRG
        step). Undefined values are NaN.
        """
        if quantity not in _OBSERVABLES + ("y_t", "y_h"):
            raise config_error("quantity", f"unknown quantity {quantity!r}: one of "
                               + ", ".join(_OBSERVABLES + ("y_t", "y_h")))
        rows = []
        for p in self.points:
            if p["status"] != "ok" or p["L"] != L:
                continue
            if quantity in ("y_t", "y_h"):
                source = p["mcrg"][-1] if p["mcrg"] else {}
            else:
                source = p["observables"]
            value, error = source.get(quantity), source.get(quantity + "_error")
            rows.append((p["T"], np.nan if value is None else value,
                         np.nan if error is None else error))
        rows.sort()
        t, v, e = (np.array(c, dtype=np.float64) for c in zip(*rows)) if rows else (
            np.empty(0), np.empty(0), np.empty(0))
        return t, v, e

    def __repr__(self):
        return (f"<deeprg.ScanResult {len(self.points)} points in {str(self.directory)!r}>")


def _list(value, parse, kind):
    if isinstance(value, str):
        return parse(value)
    if np.isscalar(value):
        return [kind(value)]
    return [kind(v) for v in value]


def scan(out, L=(16, 32), T=(2.0, 2.1, 2.2, 2.269, 2.3, 2.4, 2.5), samples=10000, seed=1,
         algorithm="auto", chains=16, b=2, blocks=50, mcrg_blocks=20, flow=True, mcrg=True,
         keep_samples=True, threads=0, progress=True):
    """Samples and measures the 2D Ising model at every (L, T), as `deeprg scan` does.

    At every point of the grid L x T (periodic L x L, J = 1, h = 0): equilibrium samples (Wolff
    by default), the observables with jackknife errors beside the exact values of the finite
    lattice, the majority-rule block-spin flow and the MCRG exponents y_t and y_h. Writes into
    `out` one directory per point, scan.json, figures and scan.html.

    L: lattice sides, a list or a string '16,32'. T: temperatures, a list or a string of numbers
        and inclusive ranges FIRST:LAST:STEP ('2.0:2.6:0.1,2.269').
    samples, algorithm, chains: as deeprg.ising.sample. seed: every point's random streams
        come from deeprg._core.experiment.point_seed(seed, L, T) alone.
    b: block side of the flow and MCRG; blocks, mcrg_blocks: jackknife blocks.
    flow, mcrg: whether to measure them; keep_samples: write each point's samples.npy.
    threads: 0 = all cores; never changes the result.
    progress: True draws progress and the log on stderr, False is silent, a callable receives
        (stage, done, total).

    A rerun into the same directory skips the points already done (more sizes or
    temperatures run only the new points); other settings there raise ConfigError (key 'out').
    A point that fails is recorded with its error in the result and the others go on; an
    exception raised by the progress callable ends the scan with that exception.
    Returns a ScanResult.
    """
    options = _core.experiment.ScanOptions()
    options.sizes = _list(L, _core.experiment.parse_sizes, int)
    options.temperatures = _list(T, _core.experiment.parse_temperatures, float)
    options.samples = whole("samples", samples, *UINT64)
    options.seed = whole("seed", seed, *UINT64)
    options.algorithm = str(algorithm)
    options.chains = whole("chains", chains, *INT)
    options.b = whole("b", b, *INT)
    options.blocks = whole("blocks", blocks, *INT)
    options.mcrg_blocks = whole("mcrg_blocks", mcrg_blocks, *INT)
    options.flow = bool(flow)
    options.mcrg = bool(mcrg)
    options.keep_samples = bool(keep_samples)
    options.threads = whole("threads", threads, *INT)
    options.directory = str(out)
    summary = _core.experiment.scan(options, progress is True, progress_callback(progress))
    return ScanResult(out, summary)
