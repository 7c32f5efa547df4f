"""deeprg.run: Mehta & Schwab's experiment (arXiv:1410.3831, section V) in one call."""
import json
import pathlib

from . import _core
from ._checks import progress_callback

__all__ = ["run", "RunResult", "presets", "resolve_config"]


class RunResult:
    """What a run produced.

    directory: pathlib.Path of the run directory (samples.npy, model/, metrics.jsonl,
        analysis.json, figures/, report.html).
    analysis: the dict written as analysis.json (the data against the exact solution, per
        layer the receptive-field radius, participation and locality against a 2^l x 2^l
        block, block-spin overlaps, reconstructions' observables, the paper's claims, wall
        times).
    config: the resolved configuration (nested dict, as config.json), preset its name.
    metrics: one dict per (layer, epoch), as metrics.jsonl.
    times: per stage {'stage', 'seconds', 'reused'}.
    samples: the Ising samples, int8 (n, L, L). layers: the trained DBN, a list of
        deeprg.rbm.Rbm.
    """

    def __init__(self, result):
        self.directory = pathlib.Path(result["directory"])
        self.preset = result["preset"]
        self.config = result["config"]
        self.analysis = result["analysis"]
        self.metrics = result["metrics"]
        self.times = result["times"]
        self.samples = result["samples"]
        self.layers = result["layers"]

    @property
    def report(self):
        """Path of the self-contained HTML report."""
        return self.directory / "report.html"

    def __repr__(self):
        return f"<deeprg.RunResult {self.preset!r} in {str(self.directory)!r}>"


def _toml_value(value):
    """A Python value as a TOML value for a `key=value` override."""
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return repr(value) if isinstance(value, float) else str(value)


def _overrides(set, seed, threads):
    items = []
    if set is None:
        pass
    elif isinstance(set, dict):
        items = [f"{key}={_toml_value(value)}" for key, value in set.items()]
    elif isinstance(set, str):
        items = [set]
    else:
        items = [str(s) for s in set]
    if seed is not None:
        items.append(f"run.seed={int(seed)}")
    if threads is not None:
        items.append(f"run.threads={int(threads)}")
    return items


def presets():
    """The preset names: 'paper' (the paper's settings) and 'quick' (the same, smaller)."""
    return list(_core.experiment.preset_names())


def resolve_config(preset="paper", config=None, set=None, seed=None, threads=None):
    """The configuration a run with these arguments would use, as a nested dict."""
    return _core.experiment.resolve_config(preset, None if config is None else str(config),
                                           _overrides(set, seed, threads))


def run(out, preset="paper", config=None, set=None, seed=None, threads=None, progress=True,
        fresh=False):
    """Runs Mehta & Schwab's experiment into the directory `out`, as `deeprg run` does.

    Stages: sample (Wolff samples of the periodic 2D Ising model at K = J/T), train (the deep
    belief network, greedy CD-1 with L1, one layer at a time), analyse (receptive fields,
    block-spin overlap, observables of reconstructions against the majority-rule flow),
    figures (the paper's Fig. 4 A-E) and report (report.html).

    preset: 'paper' (40 x 40 at K = 0.408, 20,000 samples, 1600-400-100-25, 200 epochs per
        layer; minutes) or 'quick'.
    config: a TOML file changing any key; set: overrides applied after it, a dict
        {'train.epochs': 50, 'dbn.hidden': [400, 100]} or 'key=value' strings; seed, threads:
        shorthands for run.seed and run.threads (threads never changes the result).
    progress: True draws a progress bar and the log on stderr, False is silent, a callable
        receives (stage, done, total) as the long stages advance.
    fresh: delete an earlier run's outputs in `out` first. Without it, a rerun into the same
        directory reuses the samples and model when their configuration is unchanged and
        resumes an interrupted training bit-identically; another configuration there is
        refused with a ConfigError naming the key.

    Returns a RunResult (.analysis is the analysis.json dict, .directory the run directory).
    Ctrl-C raises KeyboardInterrupt; what was written stays valid for a resume.
    """
    callback = progress_callback(progress)
    result = _core.experiment.run(str(out), preset, None if config is None else str(config),
                                  _overrides(set, seed, threads), progress is True, callback,
                                  bool(fresh))
    return RunResult(result)
