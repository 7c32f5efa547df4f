"""Renormalized couplings from Python: numpy in, dicts out, checked against exact results."""
import numpy as np
import pytest

import deeprg


def all_states(ly, lx):
    """Every configuration of an ly x lx torus, state x having s_i = -1 where bit i is set."""
    n = ly * lx
    bits = (np.arange(2**n)[:, None] >> np.arange(n)) & 1
    return (1 - 2 * bits).astype(np.int8).reshape(-1, ly, lx)


def nn_and_plaquette_sums(states):
    """S_nn and S_plaq of every configuration, computed with numpy rolls."""
    right, down = np.roll(states, -1, axis=2), np.roll(states, -1, axis=1)
    diag = np.roll(right, -1, axis=1)
    nn = (states * right).sum(axis=(1, 2)) + (states * down).sum(axis=(1, 2))
    plaq = (states * right * down * diag).sum(axis=(1, 2))
    return nn.astype(np.float64), plaq.astype(np.float64)


def test_expansion_and_exact_couplings_of_a_known_hamiltonian():
    states = all_states(4, 4)
    nn, plaq = nn_and_plaquette_sums(states)
    log_weight = 0.3 * nn - 0.05 * plaq
    exact = deeprg.rg.exact_couplings(log_weight, (4, 4), couplings=["nn", "nnn", "plaq"])
    assert exact["couplings"]["nn"] == pytest.approx(0.3, abs=1e-13)
    assert exact["couplings"]["nnn"] == pytest.approx(0.0, abs=1e-13)
    assert exact["couplings"]["plaq"] == pytest.approx(-0.05, abs=1e-13)
    assert exact["largest_outside"] < 1e-13
    coefficients = deeprg.rg.expand_in_spin_products(log_weight)
    assert coefficients.shape == (2**16,)
    assert coefficients[0b11] == pytest.approx(0.3, abs=1e-13)  # the bond (0,0)-(1,0)


def test_weighted_fit_is_the_population_maximum():
    states = all_states(4, 4)
    nn, plaq = nn_and_plaquette_sums(states)
    weights = np.exp(0.4 * nn + 0.1 * plaq)
    (fit,) = deeprg.rg.renormalized_couplings(states, weights=weights,
                                              couplings=["nn", "plaq", "nnn"])
    assert fit["couplings"]["nn"] == pytest.approx(0.4, abs=1e-10)
    assert fit["couplings"]["plaq"] == pytest.approx(0.1, abs=1e-10)
    assert fit["couplings"]["nnn"] == pytest.approx(0.0, abs=1e-10)
    assert fit["errors"]["nn"] is None


def test_flow_from_samples_matches_the_command_line(samples_tc, tmp_path, cli):
    flow = deeprg.rg.renormalized_couplings(samples_tc, levels=2, couplings=["nn", "nnn"])
    assert [f["L"] for f in flow] == [16, 8, 4]
    k, err = flow[0]["couplings"]["nn"], flow[0]["errors"]["nn"]
    assert abs(k - 1 / deeprg.ising.T_c) < 4 * err
    path = tmp_path / "tc.npy"
    np.save(path, samples_tc)
    import json
    out = json.loads(cli("couplings", path, "--levels", "2", "--couplings", "nn,nnn",
                         "--json").stdout)
    assert out["files"][0]["levels"] == flow


def test_rbm_hidden_hamiltonian_of_a_bond_rbm():
    w = 0.55
    weights = np.zeros((32, 16))
    bond = 0
    for y in range(4):
        for x in range(4):
            for j in (y * 4 + (x + 1) % 4, ((y + 1) % 4) * 4 + x):
                weights[bond, y * 4 + x] = weights[bond, j] = w
                bond += 1
    model = deeprg.rbm.Rbm64(weights, visible="spin", hidden="spin")
    values = deeprg.rg.rbm_hidden_log_weights(model, (4, 4))
    exact = deeprg.rg.exact_couplings(values, (4, 4))
    assert exact["couplings"]["nn"] == pytest.approx(0.5 * np.log(np.cosh(2 * w)), abs=1e-13)


def test_bad_arguments_name_the_keyword(samples_tc):
    with pytest.raises(deeprg.ConfigError, match="jackknife_blocks"):
        deeprg.rg.renormalized_couplings(samples_tc, jackknife_blocks=1)
    with pytest.raises(deeprg.ConfigError, match="couplings"):
        deeprg.rg.renormalized_couplings(samples_tc, couplings=["nn", "bogus"])
    with pytest.raises(deeprg.ConfigError, match="weights"):
        deeprg.rg.renormalized_couplings(samples_tc, levels=1, weights=np.ones(len(samples_tc)))
