"""deeprg.scan: the 2D Ising model over sizes and temperatures, at a tiny size."""
import json

import numpy as np
import pytest

import deeprg


def test_scan_writes_points_and_summary_and_matches_the_sampler(tmp_path, capsys):
    result = deeprg.scan(tmp_path / "s", L=[8], T="2.0,2.6", samples=500)
    assert result.summary == json.loads((tmp_path / "s" / "scan.json").read_text())
    assert [p["name"] for p in result.points] == ["L=8/T=2", "L=8/T=2.6"]
    assert result.report.exists() and "[scan]" in capsys.readouterr().err
    # A point is the sampler's samples of its own seed, measured.
    seed = deeprg._core.experiment.point_seed(1, 8, 2.6)
    spins = deeprg.ising.sample(L=8, T=2.6, samples=500, seed=seed)
    stored = np.load(tmp_path / "s" / "L=8" / "T=2.6" / "samples.npy")
    assert np.array_equal(spins, stored)
    measured = deeprg.mc.measure(spins, T=2.6)
    assert measured["binder_cumulant"] == result.points[1]["observables"]["binder_cumulant"]
    t, u4, err = result.curve("binder_cumulant", 8)
    assert t.tolist() == [2.0, 2.6] and u4[0] > u4[1] and np.all(err > 0)
    t, yt, _ = result.curve("y_t", 8)
    assert t.size == 2 and np.all(np.isfinite(yt))
    assert result.curve("energy_per_spin", 16)[0].size == 0
    assert result.execution["ranks"] == 1


def test_scan_rerun_and_errors(tmp_path):
    first = deeprg.scan(tmp_path / "s", L="8", T=[2.0], samples=300, progress=False)
    calls = []
    again = deeprg.scan(tmp_path / "s", L="8", T=[2.0, 2.3], samples=300,
                        progress=lambda stage, done, total: calls.append(stage))
    assert again.points[0] == first.points[0]
    assert [m["status"] for m in again.execution["members"]] == ["skipped", "ran"]
    assert calls and all("L=8/T=2.3" in c for c in calls)
    with pytest.raises(deeprg.ConfigError) as e:
        deeprg.scan(tmp_path / "s", L="8", T=[2.0], samples=200, progress=False)
    assert e.value.key == "out" and "samples = 300" in str(e.value)
    for kwargs, key in [({"T": "2.6:2.0:0.1"}, "T"), ({"L": [1]}, "L"), ({"samples": 0}, "samples"),
                        ({"b": 1}, "b"), ({"algorithm": "glauber"}, "algorithm"),
                        ({"samples": -1}, "samples"), ({"seed": 2**64}, "seed"),
                        ({"chains": 2.5}, "chains"), ({"threads": "2"}, "threads"),
                        ({"progress": "yes"}, "progress")]:
        with pytest.raises(deeprg.ConfigError) as e:
            deeprg.scan(tmp_path / "bad", **dict({"L": [8], "T": [2.0], "progress": False},
                                                 **kwargs))
        assert e.value.key == key
    assert not (tmp_path / "bad").exists()
    with pytest.raises(deeprg.ConfigError) as e:
        first.curve("entropy", 8)
    assert e.value.key == "quantity"


def test_an_exception_in_the_progress_callable_ends_the_scan(tmp_path):
    def stop(stage, done, total):
        raise RuntimeError("stop here")

    with pytest.raises(RuntimeError, match="stop here"):
        deeprg.scan(tmp_path / "s", L=[8], T=[2.0, 2.6], samples=200, progress=stop)
    assert not (tmp_path / "s" / "scan.json").exists()


def test_crossings_of_two_sizes_bracket_the_critical_temperature(tmp_path):
    result = deeprg.scan(tmp_path / "s", L=[8, 16], T=[2.1, 2.5], samples=2000, flow=False,
                         mcrg=False, keep_samples=False, progress=False)
    crossings = result.crossings
    assert [c["quantity"] for c in crossings] == ["binder_cumulant", "xi_over_L"]
    for c in crossings:
        assert c["L"] == [8, 16] and c["between"] == [2.1, 2.5]
        assert 2.1 < c["T"] < 2.5 and c["T_error"] > 0
