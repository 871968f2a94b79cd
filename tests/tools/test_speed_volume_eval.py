"""tools/analysis/speed_volume_eval.py runs on a small volume and finds MONAI's numbers."""

from __future__ import annotations

import math
import re

from organseg_plugins.core.cli import EXIT_USER_ERROR
from organseg_plugins.core.phantoms.mask_pairs import rough_ellipsoid_pair
from tests.conftest import run_tool


def test_small_volume_speed_check_runs_and_agrees_with_monai():
    proc = run_tool("tools/analysis/speed_volume_eval.py", "--shape", "12", "48", "48", "--reps", "1")
    out = proc.stdout
    assert "regroup 12 slices" in out and "ratio MONAI / ours" in out
    diff = float(re.search(r"max relative difference of MSD/ASD/DSC: ([0-9.e+-]+)", out).group(1))
    assert diff < 1e-6
    # the timed pair is the phantoms' rough ellipsoid pair of that shape, its ground truth size printed
    _, gt = rough_ellipsoid_pair((12, 48, 48))
    assert f"volume 12x48x48, spacing (2.5, 0.8, 0.8) mm, |G| = {int(gt.sum())} voxels" in out
    times = [float(t) for t in re.findall(r"([0-9.]+) ms", out)]  # the single-volume part
    assert len(times) == 3 and all(t > 0 for t in times)
    ratio = float(re.search(r"ratio MONAI / ours \(suite\): ([0-9.]+)x", out).group(1))
    assert ratio > 0
    # volumes/s with 1 and 2 workers against MONAI, same run, same numbers for both worker counts
    assert "4 volumes of 12x48x48 (seeds 0..3), whole per-volume suite:" in out
    rates = dict(re.findall(r"ours, (\d) worker\(s\): +[0-9.]+ s +([0-9.]+) volumes/s", out))
    assert set(rates) == {"1", "2"} and all(math.isfinite(float(r)) and float(r) > 0 for r in rates.values())
    vs_monai = [float(r) for r in re.findall(r"ratio ours / MONAI: ([0-9.]+)x", out)]
    assert len(vs_monai) == 2 and all(math.isfinite(r) and r > 0 for r in vs_monai)
    assert float(re.search(r"MONAI .*\(1 process\): +[0-9.]+ s +([0-9.]+) volumes/s", out).group(1)) > 0
    assert math.isfinite(float(re.search(r"ratio volumes/s 2 workers / 1 worker: ([0-9.]+)x", out).group(1)))
    assert "same numbers for every worker count: yes" in out


def test_bad_shape_is_one_error_line():
    proc = run_tool("tools/analysis/speed_volume_eval.py", "--shape", "0", "8", "8", check=False)
    assert proc.returncode == EXIT_USER_ERROR
    assert proc.stderr.strip() == "error: --shape needs three positive sizes Z Y X, got (0, 8, 8)"
