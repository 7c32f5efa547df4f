"""Errors map to Python's exceptions, name the keyword at fault, and Ctrl-C stops long calls."""
import os
import signal
import threading
import time

import numpy as np
import pytest

import deeprg
from deeprg import ising, mc, rbm, rg


def test_config_errors_name_the_keyword():
    with pytest.raises(deeprg.ConfigError) as info:
        ising.sample(8, T=-1.0)
    assert info.value.key == "T" and str(info.value).startswith("T:")
    assert isinstance(info.value, ValueError)
    with pytest.raises(deeprg.ConfigError) as info:
        ising.kaufman(4, T=1.0, K=1.0)
    assert info.value.key == "T"
    with pytest.raises(deeprg.ConfigError) as info:
        ising.sample(8, model="ising1d", Ly=4, T=1.0)
    assert info.value.key == "Ly"
    with pytest.raises(deeprg.ConfigError) as info:
        ising.enumerate(10, T=1.0)  # 100 spins
    assert info.value.key == "L"
    with pytest.raises(deeprg.ConfigError) as info:
        ising.sample(8, T=1.0, algorithm="glauber")
    assert info.value.key == "algorithm"
    with pytest.raises(deeprg.ConfigError) as info:
        rg.block_spin(np.ones((2, 8, 8), np.int8), rule="median")
    assert info.value.key == "rule"
    data = np.ones((50, 9), np.int8)
    with pytest.raises(deeprg.ConfigError) as info:
        rbm.train(data, 4, batch_size=10, learning_rate=float("nan"))
    assert info.value.key == "learning_rate" and "learning_rate:" in str(info.value)
    with pytest.raises(deeprg.ConfigError) as info:
        rbm.train(data, 4, batch_size=100)
    assert info.value.key == "batch_size"
    with pytest.raises(deeprg.ConfigError) as info:
        rbm.train(data, 0)
    assert info.value.key == "n_hidden"
    model = rbm.Rbm.zeros(40, 40)
    with pytest.raises(deeprg.ConfigError) as info:
        rbm.log_z(model, "exact")
    assert info.value.key == "method"


def test_shape_errors():
    model = rbm.Rbm.zeros(9, 3)
    with pytest.raises(deeprg.ShapeError):
        rbm.log_likelihood(model, np.zeros((4, 8), np.float32), 0.0)
    with pytest.raises(ValueError):
        rg.block_spin(np.ones((2, 6, 6), np.int8), b=4)
    with pytest.raises(deeprg.ShapeError):
        mc.measure(np.ones((5,), np.int8), T=1.0)
    with pytest.raises(deeprg.ShapeError):
        rbm.Rbm(np.zeros((3, 2)), np.zeros(4))


def test_bad_values_and_types():
    with pytest.raises(ValueError, match="sample 1, site 3"):
        mc.measure(np.array([[1, 1, 1, 1], [1, 1, 1, 0]], np.int8), T=1.0)
    with pytest.raises(TypeError):
        mc.measure("up down", T=1.0)
    with pytest.raises(TypeError):
        mc.measure(np.array([[True, False]]), T=1.0)
    with pytest.raises(TypeError):
        ising.sample(8, T="hot")
    with pytest.raises(TypeError):
        rbm.Rbm(np.zeros((2, 2)), meta={"f": object()})


def test_io_errors_are_oserrors(tmp_path):
    with pytest.raises(OSError, match="missing.npz"):
        rbm.load(str(tmp_path / "missing.npz"))
    (tmp_path / "junk.npz").write_bytes(b"not a zip")
    with pytest.raises(OSError, match="junk.npz"):
        rbm.load(str(tmp_path / "junk.npz"))
    with pytest.raises(OSError):
        rbm.save(str(tmp_path / "no" / "such" / "dir" / "m.npz"), rbm.Rbm.zeros(2, 2))


def interrupt_after(seconds):
    """Sends SIGINT to this process from another thread after `seconds`; returns the time it
    was sent (a one-element list, filled in then)."""
    sent = []

    def fire():
        time.sleep(seconds)
        sent.append(time.monotonic())
        os.kill(os.getpid(), signal.SIGINT)

    threading.Thread(target=fire, daemon=True).start()
    return sent


def test_ctrl_c_stops_sampling_quickly():
    sent = interrupt_after(0.5)
    start = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        # about ten seconds of work on two cores
        ising.sample(64, T=2.3, algorithm="metropolis", samples=20_000, spacing=2000,
                     thermalization=10, seed=1)
    # within a second (more only on a machine busy with other work)
    assert sent and time.monotonic() - sent[0] < 2.0
    assert time.monotonic() - start < 5
    # the module is still fine afterwards
    assert ising.sample(8, T=2.0, samples=4).shape == (4, 8, 8)


def test_ctrl_c_stops_training_without_half_written_files(tmp_path):
    data = ising.sample(16, T=2.5, samples=2000, seed=3)
    sent = interrupt_after(0.5)
    checkpoint = tmp_path / "model.checkpoint.npz"
    with pytest.raises(KeyboardInterrupt):
        rbm.train(data, 64, epochs=100_000, checkpoint=str(checkpoint), checkpoint_every=3)
    assert sent and time.monotonic() - sent[0] < 2.0
    # only the last complete checkpoint (if any), no temporary files
    assert [p.name for p in tmp_path.iterdir()] in ([], [checkpoint.name])
    if checkpoint.exists():
        with np.load(checkpoint) as f:
            assert f["W"].shape == (256, 64)


def test_ctrl_c_stops_the_estimator_and_leaves_it_unfitted():
    X = (np.random.default_rng(0).random((2000, 200)) < 0.5).astype(np.float32)
    est = deeprg.RBM(n_components=100, n_iter=100_000)
    sent = interrupt_after(0.5)
    with pytest.raises(KeyboardInterrupt):
        est.fit(X)
    assert sent and time.monotonic() - sent[0] < 2.0
    assert not hasattr(est, "components_")
