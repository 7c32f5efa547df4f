"""deeprg.vrg: Mehta & Schwab's quantities, exactly."""
import numpy as np
import pytest

from deeprg import ising, rg, vrg


def test_decimation_rbm_is_an_almost_exact_rg_step():
    # Tied layout: visible = all 8 spins of the ring, hidden = the 4 kept ones; as the tie grows
    # the RBM's visible marginal becomes the Ising ring at K = J.
    J = 0.5
    model = rg.decimation_rbm(J, sites=8, layout="tied", tie=12.0)
    r = vrg.evaluate(model, L=8, model="ising1d", K=J)
    assert r["n_visible"] == 8 and r["n_hidden"] == 4
    assert r["log_z"] == pytest.approx(ising.enumerate(8, model="ising1d", K=J)["log_z"], rel=1e-12)
    assert r["max_abs_h_rg_minus_h_rbm"] < 1e-10  # the identity H^RG = H^RBM
    assert 0 <= r["kl"] < 1e-6 or abs(r["kl"]) < 1e-12
    assert r["delta_f"] == pytest.approx(r["log_z"] - r["log_z_rbm"], abs=1e-12)
    # KL = -delta_f - E_P[g]: with KL ~ 0, g is constant over v
    assert r["log_tr_h_exp_t_max"] - r["log_tr_h_exp_t_min"] < 1e-5
    assert r["h_rbm"].shape == (16,)


def test_kl_is_exact_against_numpy():
    rng = np.random.default_rng(2)
    from deeprg import rbm
    model = rbm.Rbm(0.4 * rng.standard_normal((4, 2)), np.zeros(4), 0.1 * rng.standard_normal(2),
                    visible="spin", hidden="spin")
    r = vrg.evaluate(model, L=4, model="ising1d", K=0.3)
    p = ising.boltzmann_probabilities(4, model="ising1d", K=0.3)
    v = 2 * ((np.arange(16)[:, None] >> np.arange(4)) & 1) - 1
    log_q = -model.free_energy(v) - rbm.exact_log_z(model)
    kl = np.sum(p * (np.log(p) - log_q))
    assert r["kl"] == pytest.approx(kl, abs=1e-6)


def test_fit_hidden_sweep_gets_closer_with_more_units():
    fits = vrg.fit_hidden_sweep(4, [1, 3], model="ising1d", K=0.6, iterations=400,
                                compare_cd=False, seed=3)
    assert [f["n_hidden"] for f in fits] == [1, 3]
    assert fits[1]["kl_exact_gradient"] < fits[0]["kl_exact_gradient"]
    assert fits[1]["kl_exact_gradient"] < 0.01
    assert np.isnan(fits[0]["kl_cd"])
    assert fits[1]["rbm"].n_hidden == 3
    assert fits[1]["rbm"].dtype == "float64"  # as the optimiser held it
