"""tools/benchmark_volume_eval.py runs on a small volume and finds MONAI's numbers."""

from __future__ import annotations

import re

from conftest import run_tool


def test_small_volume_benchmark_runs_and_agrees_with_monai():
    proc = run_tool("tools/benchmark_volume_eval.py", "--shape", "12", "48", "48", "--reps", "1")
    out = proc.stdout
    assert "regroup 12 slices" in out and "ratio MONAI / ours" in out
    diff = float(re.search(r"max relative difference of MSD/ASD/DSC: ([0-9.e+-]+)", out).group(1))
    assert diff < 1e-6
