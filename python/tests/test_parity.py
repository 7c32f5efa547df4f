"""The same bits as the command-line tool: the CLI (DEEPRG_CLI) and the Python call with the same
settings and seed give identical arrays and numbers."""
import json

import numpy as np
import pytest

import deeprg
from deeprg import ising, mc, rbm, rg


@pytest.fixture(scope="module")
def cli_samples(cli, tmp_path_factory):
    path = tmp_path_factory.mktemp("parity") / "samples.npy"
    cli("sample", "--L", 16, "--T", 2.4, "--samples", 400, "--seed", 7, "--out", path)
    return path


@pytest.mark.parametrize("algorithm", ["wolff", "metropolis", "heatbath", "swendsen-wang"])
def test_sample(cli, tmp_path, algorithm):
    path = tmp_path / "s.npy"
    cli("sample", "--L", 12, "--Ly", 8, "--K", 0.4, "--samples", 200, "--seed", 3,
        "--algorithm", algorithm, "--threads", 2, "--out", path)
    spins, report = ising.sample(12, Ly=8, K=0.4, samples=200, seed=3, algorithm=algorithm,
                                 threads=1, return_report=True)
    assert np.array_equal(np.load(path), spins)
    sidecar = json.loads(path.with_name("s.npy.json").read_text())
    for key in sidecar:
        if key != "seconds":
            assert report[key] == sidecar[key], key


def test_sample_chain_in_a_field(cli, tmp_path):
    path = tmp_path / "c.npy"
    cli("sample", "--model", "ising1d", "--L", 40, "--T", 1.5, "--h", 0.3, "--samples", 100,
        "--seed", 9, "--out", path)
    spins = ising.sample(40, model="ising1d", T=1.5, h=0.3, samples=100, seed=9)
    assert np.array_equal(np.load(path), spins)


def test_default_sample_of_the_fixture(cli_samples):
    assert np.array_equal(np.load(cli_samples), ising.sample(16, T=2.4, samples=400, seed=7))


def test_measure(cli, cli_samples):
    out = json.loads(cli("measure", cli_samples, "--json").stdout)
    ours = mc.measure(np.load(cli_samples), T=2.4)
    out.pop("file")
    assert ours == out


def test_exact(cli):
    for args, kwargs in [(["--L", 6, "--T", 2.5], dict(L=6, T=2.5)),
                         (["--model", "ising1d", "--L", 20, "--K", 0.7, "--h", 0.1],
                          dict(L=20, model="ising1d", K=0.7, h=0.1)),
                         (["--L", 4, "--T", 1.5, "--h", 0.2], dict(L=4, T=1.5, h=0.2))]:
        out = json.loads(cli("exact", *args, "--json").stdout)
        assert ising.exact(**kwargs) == out


def test_train_rbm(cli, cli_samples, tmp_path):
    out = tmp_path / "m.npz"
    cli("train", "--data", cli_samples, "--hidden", 24, "--epochs", 3, "--lr", 0.05, "--l1",
        1e-3, "--seed", 5, "--out", out)
    spins = np.load(cli_samples)
    with np.load(out) as f:
        W, a, b = f["W"], f["visible_bias"], f["hidden_bias"]
    model = rbm.train(spins, 24, epochs=3, learning_rate=0.05, l1=1e-3, seed=5)
    assert np.array_equal(model.W, W) and np.array_equal(model.visible_bias, a)
    assert np.array_equal(model.hidden_bias, b)
    # the estimator, on the same data as {0, 1} rows
    X = ((spins.reshape(len(spins), -1) + 1) // 2).astype(np.float32)
    est = deeprg.RBM(n_components=24, n_iter=3, learning_rate=0.05, l1=1e-3,
                     random_state=5).fit(X)
    assert np.array_equal(est.components_, W.T)
    assert np.array_equal(est.intercept_visible_, a)
    assert np.array_equal(est.intercept_hidden_, b)


def test_train_pcd_spin_units(cli, cli_samples, tmp_path):
    out = tmp_path / "p.npz"
    cli("train", "--data", cli_samples, "--hidden", 16, "--epochs", 2, "--pcd", 2,
        "--visible-units", "spin", "--hidden-units", "spin", "--batch-size", 50, "--seed", 2,
        "--out", out)
    model = rbm.train(np.load(cli_samples), 16, epochs=2, persistent=True, cd_k=2,
                      visible="spin", hidden="spin", batch_size=50, seed=2)
    with np.load(out) as f:
        assert np.array_equal(model.W, f["W"])


def test_train_dbn(cli, cli_samples, tmp_path):
    out = tmp_path / "dbn"
    cli("train", "--data", cli_samples, "--hidden", "32,8", "--epochs", 2, "--lr", 0.05,
        "--seed", 4, "--out", out)
    spins = np.load(cli_samples)
    layers = rbm.train_dbn(spins, [32, 8], epochs=2, learning_rate=0.05, seed=4)
    theirs = rbm.load_dbn(str(out))
    assert all(np.array_equal(x.W, y.W) for x, y in zip(layers, theirs))
    X = ((spins.reshape(len(spins), -1) + 1) // 2).astype(np.float32)
    est = deeprg.DBN(hidden_layer_sizes=(32, 8), n_iter=2, learning_rate=0.05,
                     random_state=4).fit(X)
    assert all(np.array_equal(c, y.W.T) for c, y in zip(est.components_, theirs))


def test_evaluate(cli, cli_samples, tmp_path):
    out = tmp_path / "e.npz"
    cli("train", "--data", cli_samples, "--hidden", 12, "--epochs", 2, "--seed", 1,
        "--out", out)
    result = json.loads(cli("evaluate", "--rbm", out, "--data", cli_samples, "--log-z",
                            "exact", "--json").stdout)
    model = rbm.load(str(out))
    spins = np.load(cli_samples)
    log_z = rbm.exact_log_z(model)
    assert log_z == result["log_z"]
    assert rbm.log_likelihood(model, spins, log_z).mean() == pytest.approx(
        result["mean_log_likelihood"], rel=1e-12)
    assert rbm.pseudo_log_likelihood(model, spins, threads=0) == result["pseudo_log_likelihood"]
    assert rbm.reconstruction_error(model, spins, threads=0) == result["reconstruction_error"]


def test_flow_and_mcrg(cli, cli_samples):
    spins = np.load(cli_samples)
    flow = json.loads(cli("flow", cli_samples, "--levels", 2, "--json").stdout)
    ours = rg.flow(spins, levels=2)
    theirs = flow if isinstance(flow, list) else flow["files"][0]["levels"]
    assert ours == theirs
    mcrg = json.loads(cli("mcrg", cli_samples, "--levels", 1, "--json").stdout)
    ours = rg.mcrg(spins, levels=1)
    theirs = mcrg if isinstance(mcrg, list) else mcrg["levels"]
    for key in ("y_t", "y_t_error", "y_h", "y_h_error", "even_eigenvalues"):
        assert ours[0][key] == theirs[0][key], key
