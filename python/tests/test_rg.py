"""deeprg.rg: block spins against numpy, flow and MCRG with library and Python maps."""
import numpy as np
import pytest

import deeprg
from deeprg import rg


def numpy_majority(s, b):
    n, ly, lx = s.shape
    sums = s.reshape(n, ly // b, b, lx // b, b).sum(axis=(2, 4))
    return np.sign(sums).astype(np.int8)


def test_majority_with_odd_blocks_matches_numpy():
    s = deeprg.ising.sample(9, T=2.3, samples=20, seed=1)
    assert np.array_equal(rg.block_spin(s, b=3), numpy_majority(s, 3))


def test_decimation_and_levels(samples_16):
    d = rg.block_spin(samples_16, b=2, rule="decimation", levels=2)
    assert np.array_equal(d, samples_16[:, ::4, ::4])
    levels = rg.block_spin(samples_16, b=2, levels=3, all_levels=True)
    assert [l.shape for l in levels] == [(2000, 16, 16), (2000, 8, 8), (2000, 4, 4), (2000, 2, 2)]
    assert np.array_equal(levels[0], samples_16)
    assert rg.max_block_levels(samples_16, b=2) == 3


def test_majority_ties():
    s = np.tile(np.array([[1, -1], [1, -1]], dtype=np.int8), (1, 2, 2))  # four tied 2 x 2 blocks
    assert np.all(rg.block_spin(s, b=2, ties="top-left", levels=1) == 1)
    draws = {int(rg.block_spin(s, b=2, seed=k)[0, 0, 0]) for k in range(20)}
    assert draws == {-1, 1}


def test_flow_with_a_python_map_equals_the_library_map(samples_16):
    library = rg.flow(samples_16, rule="decimation", b=2, levels=2)
    python = rg.flow(samples_16, map=lambda s, level: s[:, ::2, ::2].copy(), levels=2)
    assert library == python
    assert [l["L"] for l in library] == [16, 8, 4]
    top = library[0]
    assert 0 < top["nn_correlation"] < 1 and top["nn_correlation_error"] > 0


def test_flow_map_errors_reach_python(samples_16):
    def broken(s, level):
        raise ZeroDivisionError("inside the map")

    with pytest.raises(ZeroDivisionError, match="inside the map"):
        rg.flow(samples_16, map=broken, levels=1)
    with pytest.raises(ValueError):
        rg.flow(samples_16, map=lambda s, level: s[:, ::2, ::2] * 2, levels=1)  # not spins
    with pytest.raises(TypeError):
        rg.flow(samples_16, map=42, levels=1)


def test_mcrg_at_tc(samples_tc):
    levels = rg.mcrg(samples_tc, b=2, levels=2)
    assert len(levels) == 2
    last = levels[-1]
    assert last["L"] == 4 and last["b"] == 2
    # Small lattice, few samples: the exponents are near 1 and 15/8 within their spread.
    assert abs(last["y_t"] - 1.0) < 0.3 and abs(last["y_h"] - 1.875) < 0.15
    assert last["even_matrix"].shape == (4, 4) and last["odd_matrix"].shape == (2, 2)
    assert levels[0]["even_couplings"] == ["nn", "nnn", "3nn", "plaq"]


def test_mcrg_with_a_python_map_equals_the_library_map(samples_tc):
    a = rg.mcrg(samples_tc, rule="majority", ties="top-left", b=2, levels=1)
    b = rg.mcrg(samples_tc, levels=1, map=lambda s, level: rg.block_spin(s, b=2, ties="top-left"))
    assert a[0]["y_t"] == b[0]["y_t"] and a[0]["y_h_error"] == b[0]["y_h_error"]


def test_couplings_listed():
    names = [c["name"] for c in rg.couplings(2)]
    assert set(rg.default_couplings(2)) <= set(names)
    assert set(rg.default_couplings(1)) <= {c["name"] for c in rg.couplings(1)}


def test_decimation_of_the_chain():
    J = 0.8
    assert rg.decimated_coupling(J) == pytest.approx(0.5 * np.log(np.cosh(2 * J)), rel=1e-15)
    flow = rg.decimation_flow(J, 4)
    for step in flow:
        # The decimation RBM is float64 (an Rbm64) and holds J_k exactly, so the coupling read
        # off it agrees with the formula to double precision (a float32 RBM would hold
        # float32(J_k) and be off by ~1e-8).
        assert step["J_next_rbm"] == pytest.approx(step["J_next_formula"], rel=1e-12)
        assert step["rbm_residual"] < 1e-12
    model = rg.decimation_rbm(J, sites=8)
    assert model.dtype == "float64"
    fit = rg.fit_hidden_coupling(model)
    assert fit["coupling"] == pytest.approx(rg.decimated_coupling(J), rel=1e-12)
