"""Float64 models (deeprg.rbm.Rbm64): parameters handed over as float64 numpy arrays stay float64
through the exact estimators, the VRG quantities, the decimation RBM and the model files, so the
answers are exact to double precision; the float32 Rbm of the same arrays is not."""
import json
import pickle

import numpy as np
import pytest

import deeprg
from deeprg import ising, rbm, rg, vrg

N_VISIBLE, N_HIDDEN = 12, 7


def _states(n, units):
    """All 2^n configurations of n units, bit i of the index = unit i."""
    bits = (np.arange(2**n)[:, None] >> np.arange(n)) & 1
    return bits.astype(np.float64) if units == "bernoulli" else 2.0 * bits - 1.0


def _phi(x, units):
    """ln sum_{s in units} e^{s x}: softplus(x) or ln 2cosh(x), in double."""
    return np.logaddexp(0.0, x) if units == "bernoulli" else np.logaddexp(x, -x)


def _numpy_log_z(W, a, b, visible, hidden):
    """ln Z by brute force in double: every hidden state, the visible layer in closed form."""
    h = _states(W.shape[1], hidden)
    terms = h @ b + _phi(a + h @ W.T, visible).sum(axis=1)
    return np.logaddexp.reduce(terms)


def _numpy_free_energy(W, a, b, v, hidden):
    return -(v @ a) - _phi(b + v @ W, hidden).sum(axis=1)


def _params(units, seed=0):
    rng = np.random.default_rng(seed)
    W = rng.standard_normal((N_VISIBLE, N_HIDDEN))
    a = rng.standard_normal(N_VISIBLE)
    b = rng.standard_normal(N_HIDDEN)
    return W, a, b


UNITS = [("bernoulli", "bernoulli"), ("spin", "spin")]


@pytest.mark.parametrize("visible,hidden", UNITS)
def test_exact_log_z_is_exact_to_double_precision(visible, hidden):
    W, a, b = _params(visible)
    expected = _numpy_log_z(W, a, b, visible, hidden)
    model = rbm.Rbm64(W, a, b, visible=visible, hidden=hidden)
    assert model.dtype == "float64" and model.W.dtype == np.float64
    log_z = rbm.exact_log_z(model)
    assert log_z == pytest.approx(expected, rel=1e-12)
    assert rbm.log_z(model, "exact")["log_z"] == log_z
    assert rbm.log_z(model)["method"] == "exact"
    # The float32 Rbm of the same arrays rounds them, and its ln Z shows it.
    rounded = rbm.Rbm(W, a, b, visible=visible, hidden=hidden)
    assert rounded.dtype == "float32" and rounded.W.dtype == np.float32
    assert abs(rbm.exact_log_z(rounded) - expected) > 1e-12 * abs(expected)
    # ... and equals the float64 model of the rounded arrays.
    assert rbm.exact_log_z(rounded) == rbm.exact_log_z(rounded.astype("float64"))


@pytest.mark.parametrize("visible,hidden", UNITS)
def test_free_energy_and_log_likelihood_against_numpy(visible, hidden):
    W, a, b = _params(visible, seed=1)
    model = rbm.Rbm64(W, a, b, visible=visible, hidden=hidden)
    v = _states(N_VISIBLE, visible)
    f = _numpy_free_energy(W, a, b, v, hidden)
    np.testing.assert_allclose(model.free_energy(v), f, rtol=1e-12, atol=1e-12)
    log_z = _numpy_log_z(W, a, b, visible, hidden)
    ll = rbm.log_likelihood(model, v, log_z)
    np.testing.assert_allclose(ll, -f - log_z, rtol=1e-12, atol=1e-12)
    # normalised over all 2^12 visible states with deeprg's own ln Z
    assert np.logaddexp.reduce(rbm.log_likelihood(model, v, rbm.exact_log_z(model))) == \
        pytest.approx(0.0, abs=1e-12)
    rounded = rbm.Rbm(W, a, b, visible=visible, hidden=hidden)
    assert np.max(np.abs(rounded.free_energy(v) - f)) > 1e-9


def test_pseudo_log_likelihood_and_gradient_against_numpy():
    W, a, b = _params("bernoulli", seed=2)
    W *= 0.5
    model = rbm.Rbm64(W, a, b)
    rng = np.random.default_rng(5)
    data = (rng.random((40, N_VISIBLE)) < 0.4).astype(np.float64)

    # pseudo-likelihood: ln p(v_i | v_-i) = -softplus(F(v) - F(v with unit i flipped))
    f = _numpy_free_energy(W, a, b, data, "bernoulli")
    terms = []
    for i in range(N_VISIBLE):
        flipped = data.copy()
        flipped[:, i] = 1 - flipped[:, i]
        terms.append(-np.logaddexp(0.0, f - _numpy_free_energy(W, a, b, flipped, "bernoulli")))
    expected_pll = np.mean(terms)
    assert rbm.pseudo_log_likelihood(model, data) == pytest.approx(expected_pll, rel=1e-12)

    # gradient: data terms minus model averages, the model by enumerating every visible state
    v = _states(N_VISIBLE, "bernoulli")
    log_p = -_numpy_free_energy(W, a, b, v, "bernoulli") - _numpy_log_z(W, a, b, "bernoulli",
                                                                         "bernoulli")
    p = np.exp(log_p)
    mean_h = 1 / (1 + np.exp(-(b + v @ W)))
    data_h = 1 / (1 + np.exp(-(b + data @ W)))
    expected = {
        "W": data.T @ data_h / len(data) - (v * p[:, None]).T @ mean_h,
        "visible_bias": data.mean(axis=0) - p @ v,
        "hidden_bias": data_h.mean(axis=0) - p @ mean_h,
    }
    g = rbm.exact_log_likelihood_gradient(model, data)
    for key, value in expected.items():
        np.testing.assert_allclose(g[key], value, rtol=1e-10, atol=1e-13)


def test_ais_and_reconstruction_take_rbm64():
    W, a, b = _params("bernoulli", seed=3)
    model = rbm.Rbm64(0.3 * W, a, b)
    exact = rbm.exact_log_z(model)
    z = rbm.ais_log_z(model, chains=64, intermediate=500, seed=2, threads=1)
    assert z["method"] == "ais"
    assert abs(z["log_z"] - exact) < 5 * z["error"] + 0.05
    data = (np.random.default_rng(1).random((30, N_VISIBLE)) < 0.5).astype(np.float32)
    # reconstruction_error and the conditionals run on the float32 copy
    rounded = model.astype("float32")
    assert rbm.reconstruction_error(model, data) == rbm.reconstruction_error(rounded, data)
    np.testing.assert_array_equal(model.hidden_mean(data), rounded.hidden_mean(data))
    h = model.sample_hidden(data, seed=4)
    np.testing.assert_array_equal(h, rounded.sample_hidden(data, seed=4))
    np.testing.assert_array_equal(model.visible_mean(h), rounded.visible_mean(h))
    np.testing.assert_array_equal(model.sample_visible(h, seed=2),
                                  rounded.sample_visible(h, seed=2))


def test_rbm64_interface():
    W, a, b = _params("spin", seed=4)
    model = rbm.Rbm64(W, a, b, visible="spin", hidden="bernoulli", meta={"source": "test"})
    assert repr(model) == "<deeprg.rbm.Rbm64 12 (spin) -> 7 (bernoulli)>"
    assert np.array_equal(model.W, W) and np.array_equal(model.visible_bias, a)
    assert np.array_equal(model.hidden_bias, b)
    assert model.meta == {"source": "test"}
    # W is a view of the float64 storage
    model.W[0, 0] = 0.1
    assert model.W[0, 0] == 0.1
    model.W = W
    assert np.array_equal(model.W, W)
    model.hidden_bias = b.astype(np.float32)  # widens exactly
    assert model.hidden_bias.dtype == np.float64
    assert np.array_equal(model.hidden_bias, b.astype(np.float32).astype(np.float64))
    model.hidden_bias = b

    # astype: float32 rounds, float64 widens back exactly; numpy dtypes accepted
    small = model.astype("float32")
    assert type(small) is rbm.Rbm and small.W.dtype == np.float32
    assert np.array_equal(small.W, W.astype(np.float32))
    back = small.astype(np.float64)
    assert type(back) is rbm.Rbm64
    assert np.array_equal(back.W, W.astype(np.float32).astype(np.float64))
    same = model.astype("float64")
    assert same is not model and np.array_equal(same.W, W)
    assert small.meta == model.meta and small.visible == "spin"
    with pytest.raises(ValueError) as info:
        model.astype("int8")
    assert isinstance(info.value, deeprg.ConfigError) and info.value.key == "dtype"

    for clone in (model.copy(), pickle.loads(pickle.dumps(model))):
        assert type(clone) is rbm.Rbm64
        assert np.array_equal(clone.W, W) and np.array_equal(clone.visible_bias, a)
        assert clone.meta == model.meta and clone.visible == "spin"

    zeros = rbm.Rbm64.zeros(3, 2, hidden="spin")
    assert zeros.dtype == "float64" and zeros.W.shape == (3, 2) and not zeros.W.any()

    # convert_units keeps the dtype and the ln Z bookkeeping is exact to double precision
    converted = model.convert_units(visible="bernoulli", hidden="spin")
    assert type(converted) is rbm.Rbm64
    assert rbm.exact_log_z(converted) == pytest.approx(
        rbm.exact_log_z(model) + converted.meta["log_z_shift"], rel=1e-13)


@pytest.mark.filterwarnings("ignore:overflow encountered in cast:RuntimeWarning")
def test_errors_match_rbm():
    W = np.zeros((3, 2))
    W[1, 1] = np.nan
    for cls in (rbm.Rbm, rbm.Rbm64):
        with pytest.raises(deeprg.ConfigError) as info:
            cls(W)
        assert info.value.key == "parameters"
        with pytest.raises(deeprg.ShapeError):
            cls(np.zeros((3, 2)), np.zeros(4))
    big = np.zeros((3, 2))
    big[0, 0] = 1e39  # beyond float32's range, fine in float64
    model = rbm.Rbm64(big)
    assert model.W[0, 0] == 1e39
    with pytest.raises(deeprg.ConfigError) as info:
        model.astype("float32")
    assert info.value.key == "parameters" and "parameters" in str(info.value)
    with pytest.raises(deeprg.ConfigError) as info:
        rbm.Rbm(big)  # rounds to inf
    assert info.value.key == "parameters"


def _savez(path, W, a, b, meta):
    np.savez(path, W=W, visible_bias=a, hidden_bias=b,
             meta=np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8))


def test_float64_files_load_as_rbm64_bit_exactly(tmp_path):
    W, a, b = _params("spin", seed=6)
    W[0, 0] = 0.1 + 1e-17  # a value that no float32 holds
    path = tmp_path / "model.npz"
    _savez(path, W, a, b, {"visible": "spin", "hidden": "spin", "note": "float64"})
    model = rbm.load(str(path))
    assert type(model) is rbm.Rbm64
    assert model.W.tobytes() == W.tobytes()
    assert model.visible_bias.tobytes() == a.tobytes()
    assert model.hidden_bias.tobytes() == b.tobytes()
    assert model.visible == "spin" and model.hidden == "spin" and model.meta["note"] == "float64"

    again = tmp_path / "again.npz"
    rbm.save(str(again), model)
    with np.load(again) as f:
        for key, value in (("W", W), ("visible_bias", a), ("hidden_bias", b)):
            assert f[key].dtype == np.float64
            assert f[key].tobytes() == value.tobytes()
        assert json.loads(f["meta"].tobytes())["note"] == "float64"

    # float32 files still load as Rbm; one float64 array is enough for Rbm64
    _savez(tmp_path / "f32.npz", W.astype(np.float32), a.astype(np.float32),
           b.astype(np.float32), {"visible": "spin", "hidden": "spin"})
    small = rbm.load(str(tmp_path / "f32.npz"))
    assert type(small) is rbm.Rbm and np.array_equal(small.W, W.astype(np.float32))
    rbm.save(str(tmp_path / "f32_again.npz"), small)
    with np.load(tmp_path / "f32_again.npz") as f:
        assert f["W"].dtype == np.float32
    _savez(tmp_path / "mixed.npz", W.astype(np.float32), a, b.astype(np.float32), {})
    assert type(rbm.load(str(tmp_path / "mixed.npz"))) is rbm.Rbm64


def test_dbn_files_keep_float64(tmp_path):
    rng = np.random.default_rng(7)
    layers = [rbm.Rbm64(rng.standard_normal((12, 7)), rng.standard_normal(12),
                        rng.standard_normal(7)),
              rbm.Rbm64(rng.standard_normal((7, 3)), rng.standard_normal(7),
                        rng.standard_normal(3))]
    directory = tmp_path / "dbn64"
    rbm.save_dbn(str(directory), layers, meta={"note": "double"})
    doc = json.loads((directory / "dbn.json").read_text())
    assert doc["dtype"] == "float64" and doc["layers"] == 2
    with np.load(directory / "layer_2.npz") as f:
        assert f["W"].dtype == np.float64
    loaded = rbm.load_dbn(str(directory))
    assert [type(layer) for layer in loaded] == [rbm.Rbm64, rbm.Rbm64]
    for mine, theirs in zip(layers, loaded):
        assert mine.W.tobytes() == theirs.W.tobytes()
        assert mine.hidden_bias.tobytes() == theirs.hidden_bias.tobytes()

    small = [layer.astype("float32") for layer in layers]
    rbm.save_dbn(str(tmp_path / "dbn32"), small)
    assert json.loads((tmp_path / "dbn32" / "dbn.json").read_text())["dtype"] == "float32"
    assert [type(layer) for layer in rbm.load_dbn(str(tmp_path / "dbn32"))] == [rbm.Rbm, rbm.Rbm]
    with pytest.raises(TypeError):
        rbm.save_dbn(str(tmp_path / "mixed"), [layers[0], small[1]])
    # the DBN passes are float32: an Rbm64 stack is converted first
    with pytest.raises(TypeError):
        rbm.up_pass(layers, np.zeros((2, 12), np.float32))
    assert rbm.up_pass(small, np.zeros((2, 12), np.float32)).shape == (2, 3)


def test_decimation_rbm_holds_J_exactly():
    J = 0.8
    model = rg.decimation_rbm(J, sites=8)
    assert type(model) is rbm.Rbm64 and model.W.dtype == np.float64
    assert set(np.unique(model.W)) == {0.0, J}
    fit = rg.fit_hidden_coupling(model)
    assert fit["coupling"] == pytest.approx(rg.decimated_coupling(J), rel=1e-12)
    assert fit["residual"] < 1e-12
    # the float32 copy holds float32(J), and its J' is that of the rounded coupling
    rounded = rg.fit_hidden_coupling(model.astype("float32"))
    assert rounded["coupling"] == pytest.approx(rg.decimated_coupling(np.float32(J)), rel=1e-9)
    assert abs(rounded["coupling"] - rg.decimated_coupling(J)) > 1e-12 * rg.decimated_coupling(J)
    # the ring layout is the Ising ring of 8 spins itself
    assert rbm.exact_log_z(model) == pytest.approx(
        ising.enumerate(8, model="ising1d", K=J)["log_z"], rel=1e-13)


def test_vrg_takes_and_returns_rbm64():
    rng = np.random.default_rng(2)
    W, b = 0.4 * rng.standard_normal((4, 2)), 0.1 * rng.standard_normal(2)
    model = rbm.Rbm64(W, np.zeros(4), b, visible="spin", hidden="spin")
    r = vrg.evaluate(model, L=4, model="ising1d", K=0.3)
    p = ising.boltzmann_probabilities(4, model="ising1d", K=0.3)
    v = _states(4, "spin")
    log_q = -_numpy_free_energy(W, np.zeros(4), b, v, "spin") - _numpy_log_z(
        W, np.zeros(4), b, "spin", "spin")
    assert r["kl"] == pytest.approx(np.sum(p * (np.log(p) - log_q)), abs=1e-13)
    # H^RBM(h) = -b'h - sum_i ln 2cosh((W h)_i) for every hidden state (bit j <-> h_j = +1)
    h = _states(2, "spin")
    np.testing.assert_allclose(r["h_rbm"], -(h @ b) - _phi(h @ W.T, "spin").sum(axis=1),
                               rtol=1e-13, atol=1e-13)

    fits = vrg.fit_hidden_sweep(4, [2], model="ising1d", K=0.6, iterations=100,
                                compare_cd=False, seed=3)
    fitted = fits[0]["rbm"]
    assert type(fitted) is rbm.Rbm64
    again = vrg.evaluate(fitted, L=4, model="ising1d", K=0.6)
    assert again["log_z_rbm"] == pytest.approx(fits[0]["log_z_rbm"], rel=1e-12)
