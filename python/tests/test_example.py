"""The worked example examples/receptive_fields.py runs and draws a non-trivial PNG."""
import subprocess
import sys

import matplotlib.image
import numpy as np


def test_receptive_fields_example(source_dir, tmp_path):
    out = tmp_path / "fields.png"
    script = source_dir / "examples" / "receptive_fields.py"
    result = subprocess.run(
        [sys.executable, str(script), "--L", "8", "--samples", "300", "--hidden", "16,4",
         "--epochs", "3", "--out", str(out)],
        capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "wrote" in result.stdout
    assert out.exists() and out.stat().st_size > 5000
    image = matplotlib.image.imread(out)
    assert image.shape[0] > 100 and image.shape[1] > 200
    assert np.std(image[..., :3]) > 0.05  # not a blank canvas
