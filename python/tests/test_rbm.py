"""deeprg.rbm: the model, exact and AIS ln Z against numpy brute force, training, files."""
import pickle

import numpy as np
import pytest

from conftest import brute_force_states
from deeprg import rbm


def random_rbm(nv, nh, visible="bernoulli", hidden="bernoulli", scale=0.5, seed=0):
    rng = np.random.default_rng(seed)
    return rbm.Rbm(scale * rng.standard_normal((nv, nh)), 0.3 * rng.standard_normal(nv),
                   0.3 * rng.standard_normal(nh), visible=visible, hidden=hidden)


def brute_log_z(model):
    W = model.W.astype(np.float64)
    a = model.visible_bias.astype(np.float64)
    b = model.hidden_bias.astype(np.float64)
    v = brute_force_states(model.n_visible, model.visible)
    h = brute_force_states(model.n_hidden, model.hidden)
    minus_e = v @ W @ h.T + (v @ a)[:, None] + (h @ b)[None, :]
    return np.logaddexp.reduce(minus_e.ravel())


@pytest.mark.parametrize("visible", ["bernoulli", "spin"])
@pytest.mark.parametrize("hidden", ["bernoulli", "spin"])
def test_exact_log_z_matches_numpy(visible, hidden):
    model = random_rbm(5, 7, visible, hidden)
    assert rbm.exact_log_z(model) == pytest.approx(brute_log_z(model), rel=1e-12)
    z = rbm.log_z(model, "exact")
    assert z["method"] == "exact" and z["error"] == 0


def test_likelihoods_are_normalised():
    model = random_rbm(6, 4, "spin", "bernoulli")
    v = brute_force_states(6, "spin")
    ll = rbm.log_likelihood(model, v, rbm.exact_log_z(model))
    assert np.exp(ll).sum() == pytest.approx(1.0, rel=1e-6)
    assert -model.free_energy(v) - rbm.exact_log_z(model) == pytest.approx(ll)


def test_ais_within_its_error_of_exact():
    model = random_rbm(20, 12, scale=0.3, seed=3)
    exact = rbm.exact_log_z(model)
    ais = rbm.ais_log_z(model, chains=128, intermediate=2000, seed=1, reverse=True)
    assert ais["method"] == "ais" and ais["error"] > 0
    assert abs(ais["log_z"] - exact) < max(4 * ais["error"], 0.02)
    assert abs(ais["reverse_log_z"] - exact) < 0.1


def test_pseudo_likelihood_matches_numpy():
    model = random_rbm(6, 5, seed=4)
    v = brute_force_states(6, "bernoulli")[::3]
    f = model.free_energy(v)
    total = 0.0
    for i in range(6):
        other = v.copy()
        other[:, i] = 1 - other[:, i]
        total += -np.logaddexp(0, f - model.free_energy(other))
    assert rbm.pseudo_log_likelihood(model, v) == pytest.approx(total.mean() / 6, rel=1e-6)
    assert rbm.reconstruction_error(model, v) >= 0


def test_views_share_the_model_storage():
    model = random_rbm(4, 3)
    W = model.W
    assert W.dtype == np.float32 and W.shape == (4, 3)
    before = model.free_energy(np.ones((1, 4), np.float32))
    W[:] = 0  # writes into the model
    assert np.all(model.W == 0)
    assert model.free_energy(np.ones((1, 4), np.float32)) != pytest.approx(before)
    model.hidden_bias = np.arange(3)
    assert list(model.hidden_bias) == [0, 1, 2]
    with pytest.raises(ValueError):
        model.hidden_bias = np.zeros(4)


def test_conditionals_and_sampling():
    model = random_rbm(6, 4)
    v = brute_force_states(6, "bernoulli")
    x = v @ model.W.astype(np.float64) + model.hidden_bias
    assert model.hidden_mean(v) == pytest.approx(1 / (1 + np.exp(-x)), abs=1e-6)
    h = model.sample_hidden(v, seed=3)
    assert set(np.unique(h)) <= {0.0, 1.0}
    assert np.array_equal(h, model.sample_hidden(v, seed=3))
    assert model.sample_visible(h, seed=1).shape == (64, 6)


def test_save_load_and_numpy(tmp_path):
    model = random_rbm(5, 3, "spin", "bernoulli")
    model.meta = {"note": "test", "numbers": [1, 2.5]}
    path = tmp_path / "m.npz"
    rbm.save(str(path), model)
    back = rbm.load(str(path))
    assert np.array_equal(back.W, model.W) and back.visible == "spin"
    assert back.meta["note"] == "test"
    with np.load(path) as f:
        assert np.array_equal(f["W"], model.W)
    again = pickle.loads(pickle.dumps(model))
    assert np.array_equal(again.hidden_bias, model.hidden_bias) and again.meta == model.meta


def test_train_is_deterministic_and_learns(samples_16):
    data = samples_16[:1000]
    seen = []
    a = rbm.train(data, 16, epochs=3, learning_rate=0.05, seed=4, threads=1,
                  on_epoch=seen.append)
    b = rbm.train(data, 16, epochs=3, learning_rate=0.05, seed=4, threads=2)
    assert np.array_equal(a.W, b.W) and np.array_equal(a.hidden_bias, b.hidden_bias)
    assert [m["epoch"] for m in seen] == [1, 2, 3]
    assert seen[-1]["reconstruction_error"] < seen[0]["reconstruction_error"] + 1e-3
    assert a.meta["training"]["--epochs"] == 3


def test_precision_is_recorded_and_checked(samples_16):
    data = samples_16[:500]
    fp32 = rbm.train(data, 8, epochs=2, seed=3, precision="fp32")
    assert fp32.meta["training"]["--precision"] == "fp32"
    auto = rbm.train(data, 8, epochs=2, seed=3)
    assert auto.meta["training"]["--precision"] in ("fp32", "bf16")
    with pytest.raises(ValueError, match="precision"):
        rbm.train(data, 8, epochs=1, precision="fp16")


def test_on_epoch_exception_stops_training(samples_16):
    def stop(m):
        raise RuntimeError("enough")

    with pytest.raises(RuntimeError, match="enough"):
        rbm.train(samples_16[:200], 4, epochs=10, on_epoch=stop)


def test_dbn_training_and_passes(samples_16, tmp_path):
    layers = rbm.train_dbn(samples_16[:500], [32, 8], epochs=2, seed=2)
    assert [l.n_hidden for l in layers] == [32, 8]
    v = rbm.spins_to_visible(samples_16[:10])
    assert rbm.up_pass(layers, v).shape == (10, 8)
    assert rbm.up_pass(layers, v, 1).shape == (10, 32)
    assert rbm.reconstruct(layers, v, 2).shape == (10, 256)
    assert rbm.down_pass(layers, rbm.up_pass(layers, v), 2).shape == (10, 256)
    rbm.save_dbn(str(tmp_path / "dbn"), layers)
    back = rbm.load_dbn(str(tmp_path / "dbn"))
    assert all(np.array_equal(x.W, y.W) for x, y in zip(layers, back))


def test_exact_gradient_matches_finite_differences():
    model = random_rbm(4, 3)
    data = brute_force_states(4, "bernoulli")[[1, 5, 6, 15]]
    g = rbm.exact_log_likelihood_gradient(model, data)
    assert g["W"].shape == (4, 3)

    def mean_ll(bias0):
        m = model.copy()
        b = m.hidden_bias
        b[0] = bias0
        return rbm.log_likelihood(m, data, rbm.exact_log_z(m)).mean()

    b0, eps = float(model.hidden_bias[0]), 1e-2
    numeric = (mean_ll(b0 + eps) - mean_ll(b0 - eps)) / (2 * eps)
    assert g["hidden_bias"][0] == pytest.approx(numeric, abs=1e-4)
