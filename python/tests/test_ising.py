"""deeprg.ising: exact references against each other and against numpy, and sampling."""
import numpy as np
import pytest

import deeprg
from deeprg import ising


@pytest.mark.parametrize("T", [0.5, 2.0, ising.T_c, 3.5, 50.0])
def test_kaufman_matches_enumeration(T):
    k = ising.kaufman(4, T=T)
    e = ising.enumerate(4, T=T)
    for key in ("log_z", "energy_per_spin", "specific_heat_per_spin"):
        assert k[key] == pytest.approx(e[key], rel=1e-12, abs=1e-12)


def test_rectangular_torus_and_K():
    k = ising.kaufman(4, Ly=3, K=0.3)
    e = ising.enumerate(4, Ly=3, T=1 / 0.3)
    assert k["log_z"] == pytest.approx(e["log_z"], rel=1e-12)


def test_transfer_matrix_matches_enumeration_in_a_field():
    t = ising.transfer_matrix(10, T=1.3, J=-0.7, h=0.4)
    e = ising.enumerate(10, model="ising1d", T=1.3, J=-0.7, h=0.4)
    for key in ("log_z", "energy_per_spin", "specific_heat_per_spin", "magnetization_per_spin"):
        assert t[key] == pytest.approx(e[key], rel=1e-11)


def test_enumeration_against_numpy_brute_force():
    # 3 x 3 torus in a field, summed over all 512 states in numpy.
    L, T, J, h = 3, 1.7, 1.0, 0.3
    s = 2 * ((np.arange(2**9)[:, None] >> np.arange(9)) & 1) - 1
    grid = s.reshape(-1, L, L)
    bonds = (grid * np.roll(grid, -1, axis=2)).sum((1, 2)) + (grid * np.roll(grid, -1, axis=1)).sum((1, 2))
    H = -J * bonds - h * s.sum(1)
    log_z = np.log(np.exp(-H / T).sum())
    assert ising.enumerate(L, T=T, J=J, h=h)["log_z"] == pytest.approx(log_z, rel=1e-12)
    p = ising.boltzmann_probabilities(L, T=T, J=J, h=h)
    assert p == pytest.approx(np.exp(-H / T - log_z), rel=1e-10)
    assert ising.energy(grid.astype(np.int8), J=J, h=h) == pytest.approx(H)


def test_density_of_states_gives_the_partition_function():
    dos = ising.density_of_states(4)
    counts = dos["counts"].astype(np.float64)
    assert counts.sum() == 2**16
    K = 0.4
    log_z = np.log((counts * np.exp(K * dos["bond_sum"])[:, None]).sum())
    assert log_z == pytest.approx(ising.enumerate(4, K=K)["log_z"], rel=1e-12)


def test_onsager_is_the_limit_of_kaufman():
    inf = ising.onsager(T=2.0)
    big = ising.kaufman(128, T=2.0)
    assert big["energy_per_spin"] == pytest.approx(inf["energy_per_spin"], abs=1e-6)
    assert inf["spontaneous_magnetization"] == pytest.approx(
        (1 - np.sinh(2 / 2.0) ** -4) ** 0.125, rel=1e-12)
    assert ising.onsager(T=3.0)["spontaneous_magnetization"] == 0
    chain = ising.infinite_chain(K=0.5)
    assert chain["log_z_per_spin"] == pytest.approx(np.log(2 * np.cosh(0.5)), rel=1e-14)


def test_exact_is_the_cli_dictionary():
    e = ising.exact(4, T=2.5)
    assert e["method"] == "kaufman"
    assert e["model"] == "ising2d" and e["L"] == 4 and e["K"] == pytest.approx(0.4)
    assert e["enumeration"]["log_z"] == pytest.approx(e["log_z"], rel=1e-12)
    assert e["infinite_lattice"]["method"] == "onsager_yang"
    assert ising.exact(4, T=ising.T_c)["infinite_lattice"]["specific_heat_per_spin"] is None
    assert ising.exact(12, model="ising1d", T=1.0, h=0.2)["method"] == "transfer_matrix"


@pytest.mark.parametrize("algorithm", ["metropolis", "heatbath", "wolff", "swendsen-wang"])
def test_sample_every_algorithm(algorithm):
    s = ising.sample(8, T=2.8, algorithm=algorithm, samples=64, seed=3)
    assert s.shape == (64, 8, 8) and s.dtype == np.int8
    assert set(np.unique(s)) <= {-1, 1}
    again = ising.sample(8, T=2.8, algorithm=algorithm, samples=64, seed=3, threads=1)
    assert np.array_equal(s, again)  # same seed, other thread count: same bits


def test_sample_chain_field_and_report():
    s, report = ising.sample(32, model="ising1d", T=1.0, h=0.5, samples=100, seed=2,
                             return_report=True)
    assert s.shape == (100, 32)
    assert report["algorithm"] == "metropolis"  # auto in a field
    assert report["samples"] == 100 and report["seed"] == 2
    assert report["spacing_sweeps"] >= 1 and "tau_int" in report
    assert s.mean() > 0.2  # the field orders the chain


def test_sampled_energy_agrees_with_kaufman(samples_16):
    m = deeprg.mc.measure(samples_16, T=2.5)
    exact = ising.kaufman(16, T=2.5)["energy_per_spin"]
    assert abs(m["energy_per_spin"] - exact) < 4 * m["energy_per_spin_error"]
    assert abs(m["specific_heat"] - ising.kaufman(16, T=2.5)["specific_heat_per_spin"]) < \
        4 * m["specific_heat_error"]


def test_sampled_chain_energy_agrees_with_the_transfer_matrix():
    s = ising.sample(64, model="ising1d", T=1.2, algorithm="wolff", samples=2000, seed=9)
    m = deeprg.mc.measure(s, T=1.2)
    exact = ising.transfer_matrix(64, T=1.2)["energy_per_spin"]
    assert abs(m["energy_per_spin"] - exact) < 4 * m["energy_per_spin_error"]
