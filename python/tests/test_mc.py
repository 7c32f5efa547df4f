"""deeprg.mc: observables with errors and autocorrelation times."""
import numpy as np
import pytest

from deeprg import mc


KEYS = ["energy_per_spin", "abs_magnetization", "susceptibility", "specific_heat",
        "binder_cumulant", "correlation_length"]


def test_measure_keys_and_errors(samples_16):
    m = mc.measure(samples_16, T=2.5)
    assert m["samples"] == 2000
    for key in KEYS:
        assert np.isfinite(m[key]) and m[key + "_error"] > 0
    assert m["exact"]["method"] == "kaufman"


def test_measure_reads_any_numeric_spins(samples_16):
    a = mc.measure(samples_16, T=2.5)
    b = mc.measure(samples_16.astype(np.float64), T=2.5)  # converted, same values
    c = mc.measure(np.asfortranarray(samples_16), K=0.4)
    for key in KEYS:
        assert a[key] == b[key] == c[key]


def test_energy_matches_numpy(samples_16):
    s = samples_16.astype(np.int64)
    e = -((s * np.roll(s, 1, axis=1)).sum((1, 2)) + (s * np.roll(s, 1, axis=2)).sum((1, 2))) / 256
    assert mc.measure(samples_16, T=2.5)["energy_per_spin"] == pytest.approx(e.mean(), rel=1e-12)
    series = mc.sample_series(samples_16, T=2.5)
    assert series["energy_per_spin"] == pytest.approx(e)
    assert series["magnetization"] == pytest.approx(s.mean((1, 2)))


def test_autocorrelation_time_of_ar1():
    # x_t = phi x_{t-1} + noise has rho(t) = phi^t and tau_int = (1 + phi) / (2 (1 - phi)).
    rng = np.random.default_rng(1)
    phi, n = 0.8, 200_000
    noise = rng.standard_normal(n)
    x = np.empty(n)
    x[0] = 0
    for t in range(1, n):
        x[t] = phi * x[t - 1] + noise[t]
    rho = mc.autocorrelation(x, 5)
    assert rho[0] == 1 and rho[1:] == pytest.approx(phi ** np.arange(1, 6), abs=0.01)
    tau = mc.integrated_autocorrelation_time(x)
    assert tau["reliable"]
    assert abs(tau["tau_int"] - 4.5) < 4 * tau["tau_error"]


def test_binned_mean():
    x = np.arange(100.0)
    b = mc.binned_mean(x, bins=10)
    assert b["value"] == pytest.approx(49.5)
    assert b["error"] > 0
