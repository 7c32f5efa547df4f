"""deeprg.run: the paper's experiment as one call, at a tiny size."""
import json

import pytest

import deeprg

TINY = {"lattice.L": 8, "sampling.samples": 300, "dbn.hidden": [16, 4], "train.epochs": 2,
        "analysis.samples": 100, "analysis.units_shown": 4}


def test_run_writes_the_run_directory(tmp_path, capsys):
    result = deeprg.run(tmp_path / "run", preset="quick", set=TINY, seed=2)
    assert result.directory == tmp_path / "run"
    names = {p.name for p in result.directory.iterdir()}
    assert {"samples.npy", "model", "metrics.jsonl", "analysis.json", "figures",
            "report.html", "config.json"} <= names
    assert result.analysis == json.loads((result.directory / "analysis.json").read_text())
    assert result.config["dbn"]["hidden"] == [16, 4] and result.config["run"]["seed"] == 2
    assert result.samples.shape == (300, 8, 8)
    assert [l.n_hidden for l in result.layers] == [16, 4]
    assert len(result.metrics) == 4  # two layers, two epochs
    assert "[train]" in capsys.readouterr().err  # the log on stderr


def test_run_progress_callable_and_rerun(tmp_path):
    stages = set()
    first = deeprg.run(tmp_path / "r", preset="quick", set=TINY, progress=False)
    again = deeprg.run(tmp_path / "r", preset="quick", set=TINY,
                       progress=lambda stage, done, total: stages.add(stage))
    # the rerun reuses the samples and the model
    assert any(t["reused"] for t in again.times)
    assert all(a.W.tobytes() == b.W.tobytes() for a, b in zip(first.layers, again.layers))
    other = dict(TINY, **{"train.epochs": 3})
    with pytest.raises(deeprg.ConfigError):
        deeprg.run(tmp_path / "r", preset="quick", set=other, progress=False)
    deeprg.run(tmp_path / "r", preset="quick", set=other, progress=False, fresh=True)

    def stop(stage, done, total):
        raise RuntimeError("stop here")

    # The callable's exception ends the run.
    with pytest.raises(RuntimeError, match="stop here"):
        deeprg.run(tmp_path / "s", preset="quick", set=TINY, progress=stop)


def test_run_configuration_errors(tmp_path):
    with pytest.raises(deeprg.ConfigError) as info:
        deeprg.run(tmp_path / "x", preset="quick", set={"lattice.L": 7}, progress=False)
    assert "lattice.L" in str(info.value)
    with pytest.raises(deeprg.ConfigError):
        deeprg.run(tmp_path / "x", preset="nonsense", progress=False)
    with pytest.raises(deeprg.ConfigError) as info:
        deeprg.run(tmp_path / "x", preset="quick", progress="yes")
    assert info.value.key == "progress" and not (tmp_path / "x").exists()
    assert deeprg.experiment.resolve_config("quick", set={"train.epochs": 5})["train"]["epochs"] == 5
