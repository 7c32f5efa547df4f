"""scripts/compare_runs.py: the z of two groups' means, checked against a hand computation."""
import json
import subprocess
import sys


def write_run(directory, radius, matched=0.5):
    layer = {
        "layer": 1, "receptive_field_radius_median": radius,
        "receptive_field_radius_quartiles": [radius - 0.1, radius + 0.1],
        "receptive_field_radius": radius, "receptive_field_radius_error": 0.0,
        "block_overlap": {"best_per_block": 0.7, "matched_fraction": matched, "blocks": 400},
        "reconstruction": {"nn_correlation": 0.38, "abs_magnetization": 0.2,
                           "correlation_length": 8.0},
    }
    directory.mkdir()
    (directory / "analysis.json").write_text(json.dumps(
        {"layers": [layer], "receptive_field_growth": []}))


def compare(source_dir, reference, other):
    script = source_dir / "scripts" / "compare_runs.py"
    return subprocess.run([sys.executable, str(script), *map(str, reference), "--", *map(str, other)],
                          capture_output=True, text=True, timeout=60)


def test_same_groups_pass_and_shifted_groups_fail(source_dir, tmp_path):
    ref = []
    for k, r in enumerate([1.0, 1.1, 1.2]):
        ref.append(tmp_path / f"ref{k}")
        write_run(ref[-1], r)
    same, shifted = [], []
    for k, r in enumerate([1.05, 1.15]):
        same.append(tmp_path / f"same{k}")
        write_run(same[-1], r)
    for k, r in enumerate([2.0, 2.1]):
        shifted.append(tmp_path / f"shift{k}")
        write_run(shifted[-1], r)

    ok = compare(source_dir, ref, same)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    line = next(l for l in ok.stdout.splitlines() if l.startswith("layer 1 median radius"))
    # means 1.1 and 1.1: z = 0
    assert line.rstrip().endswith("+0.0")

    bad = compare(source_dir, ref, shifted)
    assert bad.returncode == 1
    line = next(l for l in bad.stdout.splitlines() if l.startswith("layer 1 median radius"))
    # z = (2.05 - 1.1) / sqrt(0.01/3 + 0.005/2) = 12.45
    assert line.rstrip().endswith("+12.4") or line.rstrip().endswith("+12.5")
