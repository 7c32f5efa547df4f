"""The RBM flow and the RBM as a sampler from Python, against the command line and exact values."""
import json

import numpy as np
import pytest

import deeprg


def bond_rbm(L, K):
    """An RBM whose visible marginal is exactly the Ising model at K: a spin hidden unit per
    bond, tied with weight w to both ends, cosh 2w = exp(2K)."""
    n = L * L
    w = 0.5 * np.arccosh(np.exp(2 * K))
    W = np.zeros((n, 2 * n), dtype=np.float32)
    for y in range(L):
        for x in range(L):
            i = y * L + x
            W[i, 2 * i] = W[y * L + (x + 1) % L, 2 * i] = w
            W[i, 2 * i + 1] = W[((y + 1) % L) * L + x, 2 * i + 1] = w
    return deeprg.rbm.Rbm(W, visible="spin", hidden="spin")


def test_exact_rbm_flow_stays_at_its_temperature():
    T = 3.0
    spins = deeprg.ising.sample(6, T=T, samples=2000, seed=4)
    flow = deeprg.rbm.flow(bond_rbm(6, 1 / T), spins, steps=3, seed=2)
    assert [p["step"] for p in flow] == [0, 1, 2, 3]
    for p in flow:
        assert abs(p["T"] - T) < 4 * p["T_error"], p


def test_gibbs_chains_match_the_command_line(tmp_path, cli):
    model = bond_rbm(4, 1 / 3.0)
    path = tmp_path / "bonds.npz"
    deeprg.rbm.save(str(path), model)
    chain = deeprg.rbm.gibbs_chains(model, (4, 4), T=3.0, chains=4, thermalization=100,
                                    sweeps=2000, seed=7)
    out = json.loads(cli("rbm-sample", "--rbm", path, "--T", "3", "--chains", "4",
                         "--thermalization", "100", "--sweeps", "2000", "--seed", "7",
                         "--wolff-samples", "200", "--json").stdout)
    assert out["chain"] == chain
    exact = deeprg.ising.exact(4, T=3.0)["energy_per_spin"]
    e = chain["observables"]
    assert abs(e["energy_per_spin"] - exact) < 4 * e["energy_per_spin_error"]


def test_bad_arguments_name_the_keyword():
    model = bond_rbm(4, 0.3)
    with pytest.raises(deeprg.ConfigError, match="shape"):
        deeprg.rbm.gibbs_chains(model, (4,), T=2.0)
    with pytest.raises(deeprg.ConfigError, match="step"):
        deeprg.rbm.flow(model, deeprg.ising.sample(4, T=2.0, samples=10), step="bogus")


def test_curve_thermometers_read_the_exact_flow():
    T = 2.6
    curve = deeprg.mc.reference_curve((6, 6), np.arange(2.2, 3.01, 0.05), samples=4000, seed=3)
    assert len(curve.points) == 17 and curve.points[0]["T"] == pytest.approx(2.2)
    spins = deeprg.ising.sample(6, T=T, samples=4000, seed=4)
    flow = deeprg.rbm.flow(bond_rbm(6, 1 / T), spins, steps=2, seed=2, reference=curve)
    for p in flow:
        for key in ("T_abs_magnetization", "T_binder"):
            assert abs(p[key]["T"] - T) < 4 * p[key]["T_error"], (key, p)
    # read() is the same thermometer.
    first = flow[0]
    again = curve.read("binder_cumulant", first["binder_cumulant"], first["binder_cumulant_error"])
    assert again == first["T_binder"]
    assert curve.read("abs_magnetization", 2.0)["T"] is None  # |m| never exceeds 1
    with pytest.raises(deeprg.ConfigError, match="observable"):
        curve.read("energy", 0.5)
    with pytest.raises(deeprg.ConfigError, match="temperatures"):
        deeprg.mc.reference_curve((6, 6), [2.0, 1.0])
