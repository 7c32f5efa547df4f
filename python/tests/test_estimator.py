"""deeprg.RBM and deeprg.DBN as scikit-learn estimators."""
import pickle
import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.neural_network import BernoulliRBM
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import MinMaxScaler
from sklearn.utils.estimator_checks import check_estimator

import deeprg
from conftest import brute_force_states


# check_estimator feeds data outside [0, 1]: clipped, with a warning each time.
@pytest.mark.filterwarnings("ignore::deeprg.DataRangeWarning")
def test_rbm_passes_check_estimator():
    check_estimator(deeprg.RBM(n_components=8, n_iter=3))


@pytest.mark.filterwarnings("ignore::deeprg.DataRangeWarning")
def test_dbn_passes_check_estimator():
    check_estimator(deeprg.DBN(hidden_layer_sizes=(6, 3), n_iter=2))


@pytest.fixture(scope="module")
def binary_data():
    rng = np.random.default_rng(0)
    prototypes = rng.random((3, 20)) < 0.5
    rows = prototypes[rng.integers(0, 3, 600)]
    noise = rng.random(rows.shape) < 0.1
    return (rows ^ noise).astype(np.float32)


def test_fitted_attributes_are_sklearn_shaped(binary_data):
    est = deeprg.RBM(n_components=7, n_iter=2, random_state=0).fit(binary_data)
    assert est.components_.shape == (7, 20)
    assert est.intercept_hidden_.shape == (7,) and est.intercept_visible_.shape == (20,)
    assert est.n_features_in_ == 20 and est.n_iter_ == 2
    h = est.transform(binary_data)
    assert h.shape == (600, 7) and h.dtype == np.float32
    x = binary_data @ est.components_.T.astype(np.float64) + est.intercept_hidden_
    assert h == pytest.approx(1 / (1 + np.exp(-x)), abs=1e-5)
    assert est.gibbs(binary_data[:5]).shape == (5, 20)


def test_partial_fit_continues_training(binary_data):
    whole = deeprg.RBM(n_components=6, n_iter=7, random_state=3, persistent=True).fit(binary_data)
    online = deeprg.RBM(n_components=6, random_state=3, persistent=True)
    for _ in range(7):
        online.partial_fit(binary_data)
    assert online.n_iter_ == 7
    assert np.array_equal(online.components_, whole.components_)
    assert np.array_equal(online.intercept_hidden_, whole.intercept_hidden_)
    # fit starts again from scratch
    again = clone(whole).fit(binary_data)
    assert np.array_equal(again.components_, whole.components_)
    # mini-batch streams: each call trains on its own batch
    stream = deeprg.RBM(n_components=6, random_state=3, batch_size=50)
    for chunk in np.array_split(binary_data, 6):
        stream.partial_fit(chunk)
    assert stream.n_iter_ == 6 and np.all(np.isfinite(stream.components_))


def test_score_samples_is_the_exact_pseudo_likelihood(binary_data):
    est = deeprg.RBM(n_components=5, n_iter=3, random_state=1).fit(binary_data)
    model = est.to_rbm()
    v = binary_data[:50].astype(np.float64)
    f = model.free_energy(v)
    expected = np.zeros(50)
    for i in range(20):
        other = v.copy()
        other[:, i] = 1 - other[:, i]
        expected -= np.logaddexp(0, f - model.free_energy(other))
    assert est.score_samples(binary_data[:50]) == pytest.approx(expected, rel=1e-6)
    # the library's per-unit mean over the same rows
    assert deeprg.rbm.pseudo_log_likelihood(model, v) == pytest.approx(expected.mean() / 20,
                                                                        rel=1e-5)
    assert est.score(binary_data[:50]) == pytest.approx(expected.mean())


def test_log_partition_exact_and_ais():
    rng = np.random.default_rng(1)
    X = (rng.random((300, 12)) < 0.4).astype(np.float32)
    est = deeprg.RBM(n_components=10, n_iter=5, learning_rate=0.05, random_state=2).fit(X)
    exact = est.log_partition("exact")
    ais, err = est.log_partition("ais", chains=64, intermediate=1000, return_error=True)
    assert abs(ais - exact) < max(4 * err, 0.02)
    # exact normalisation over all 2^12 visible states
    v = brute_force_states(12, "bernoulli")
    assert np.exp(est.log_likelihood(v, exact)).sum() == pytest.approx(1.0, rel=1e-5)


def test_spin_units(samples_16):
    X = samples_16[:300].reshape(300, -1).astype(np.float32)
    est = deeprg.RBM(n_components=8, visible_units="spin", hidden_units="spin", n_iter=2,
                     random_state=0).fit(X)
    h = est.transform(X)
    assert h.min() >= -1 and h.max() <= 1 and h.min() < 0


def test_save_load_roundtrip(binary_data, tmp_path):
    est = deeprg.RBM(n_components=6, n_iter=2, random_state=5, l1=1e-3).fit(binary_data)
    est.save(tmp_path / "rbm.npz")
    back = deeprg.RBM.load(tmp_path / "rbm.npz")
    assert back.get_params() == est.get_params()
    assert np.array_equal(back.transform(binary_data), est.transform(binary_data))
    model = deeprg.rbm.load(str(tmp_path / "rbm.npz"))
    assert np.array_equal(model.W, est.components_.T)
    assert model.meta["training"]["--l1"] == 1e-3
    back.partial_fit(binary_data)  # continues (with fresh momentum)
    assert back.n_iter_ == 3


def test_pickle_and_clone(binary_data):
    est = deeprg.RBM(n_components=4, n_iter=2, random_state=0).fit(binary_data)
    again = pickle.loads(pickle.dumps(est))
    assert np.array_equal(again.transform(binary_data), est.transform(binary_data))
    fresh = clone(est)
    assert not hasattr(fresh, "components_") and fresh.get_params() == est.get_params()


def test_pipeline_and_grid_search():
    X, y = load_digits(return_X_y=True)
    X, y = X[:600], y[:600]
    pipe = Pipeline([("scale", MinMaxScaler(clip=True)),
                     ("rbm", deeprg.RBM(n_iter=20, learning_rate=0.1, batch_size=20,
                                        random_state=0)),
                     ("clf", LogisticRegression(max_iter=1000))])
    search = GridSearchCV(pipe, {"rbm__n_components": [16, 48]}, cv=2)
    search.fit(X, y)
    assert search.best_params_["rbm__n_components"] in (16, 48)
    assert search.best_score_ > 0.6
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # scaled data: no clipping warning
        search.best_estimator_.predict(X[:10])


def test_out_of_range_values_are_clipped_with_a_warning():
    X = np.array([[0.0, 2.0], [1.0, -1.0], [0.5, 0.5]])
    with pytest.warns(deeprg.DataRangeWarning, match="clipped"):
        est = deeprg.RBM(n_components=2, n_iter=1, random_state=0).fit(X)
    with pytest.warns(deeprg.DataRangeWarning):
        est.transform(X)


def test_bad_parameters_name_themselves(binary_data):
    with pytest.raises(ValueError, match="learning_rate"):
        deeprg.RBM(learning_rate=-1, n_iter=1).fit(binary_data)
    with pytest.raises(deeprg.ConfigError) as info:
        deeprg.RBM(momentum=1.5, n_iter=1).fit(binary_data)
    assert info.value.key == "momentum"
    with pytest.raises(ValueError, match="n_iter"):
        deeprg.RBM(n_iter=0).fit(binary_data)
    with pytest.raises(ValueError, match="visible_units"):
        deeprg.RBM(visible_units="gaussian").fit(binary_data)
    with pytest.raises(ValueError, match="hidden_layer_sizes"):
        deeprg.DBN(hidden_layer_sizes=()).fit(binary_data)


def test_dbn_layers_and_files(binary_data, tmp_path):
    dbn = deeprg.DBN(hidden_layer_sizes=(12, 4), n_iter=2, random_state=1).fit(binary_data)
    assert [c.shape for c in dbn.components_] == [(12, 20), (4, 12)]
    assert dbn.transform(binary_data).shape == (600, 4)
    assert dbn.transform(binary_data, layer=1).shape == (600, 12)
    assert dbn.reconstruct(binary_data).shape == (600, 20)
    # the first layer is the RBM with the same settings
    first = deeprg.RBM(n_components=12, n_iter=2, random_state=1).fit(binary_data)
    assert np.array_equal(first.components_, dbn.components_[0])
    dbn.save(tmp_path / "dbn")
    back = deeprg.DBN.load(tmp_path / "dbn")
    assert np.array_equal(back.transform(binary_data), dbn.transform(binary_data))


def test_help_teaches():
    doc = deeprg.RBM.__doc__
    for words in ("E(v, h)", "free", "contrastive", "deeprg train", "components_"):
        assert words in doc


def test_against_bernoullirbm_on_the_same_data(binary_data):
    # Both learn the three prototypes: the pseudo-likelihood per unit rises well above chance.
    ours = deeprg.RBM(n_components=16, n_iter=20, learning_rate=0.1, batch_size=10,
                      random_state=0).fit(binary_data)
    theirs = BernoulliRBM(n_components=16, n_iter=20, learning_rate=0.1, batch_size=10,
                          random_state=0).fit(binary_data)
    chance = np.log(0.5) * 20
    assert ours.score(binary_data) > chance + 5
    assert theirs.score_samples(binary_data).mean() > chance
