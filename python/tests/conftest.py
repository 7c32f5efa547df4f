"""Shared fixtures: the command-line tool (DEEPRG_CLI) and small equilibrium samples."""
import os
import pathlib
import subprocess

import numpy as np
import pytest

import deeprg


@pytest.fixture(scope="session")
def cli():
    """Runs the deeprg command-line tool; skips when DEEPRG_CLI is not set."""
    path = os.environ.get("DEEPRG_CLI")
    if not path or not os.path.exists(path):
        pytest.skip("DEEPRG_CLI does not name the deeprg command-line tool")

    def run(*args, **kwargs):
        return subprocess.run([path, *map(str, args)], check=True, capture_output=True,
                              text=True, **kwargs)

    return run


@pytest.fixture(scope="session")
def source_dir():
    return pathlib.Path(os.environ.get("DEEPRG_SOURCE_DIR",
                                       pathlib.Path(__file__).resolve().parents[2]))


@pytest.fixture(scope="session")
def samples_16():
    """2000 Wolff samples of the 16 x 16 torus at T = 2.5 (above T_c)."""
    return deeprg.ising.sample(16, T=2.5, samples=2000, seed=11)


@pytest.fixture(scope="session")
def samples_tc():
    """4000 Wolff samples of the 16 x 16 torus at T_c."""
    return deeprg.ising.sample(16, T=deeprg.ising.T_c, samples=4000, seed=5)


def brute_force_states(n, units):
    """All 2^n configurations of n units, rows, in the alphabet of `units`."""
    bits = (np.arange(2**n)[:, None] >> np.arange(n)) & 1
    return bits.astype(np.float64) * (2 if units == "spin" else 1) - (1 if units == "spin" else 0)
