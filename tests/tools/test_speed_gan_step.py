"""tools/analysis/speed_gan_step.py on a tiny run: it prints the step times, their ratio and the collectives."""

from __future__ import annotations

import math
import re

import pytest

from tests.conftest import run_tool

PIX2PIX = "configs/spleen/segformer_b0_pix2pix_phantom-spleen-128x128.py"


@pytest.mark.slow
def test_speed_gan_step_prints_ratios_and_one_collective_per_optimizer(tmp_path):
    out = run_tool("tools/analysis/speed_gan_step.py", PIX2PIX, "--work-dir", str(tmp_path), "--steps", "3").stdout
    rows = dict(re.findall(r"^(\d) process\(es\): .*ratio to 1 process [\d.]+, (all_reduce \d+ / broadcast \d+)",
                           out, re.M))
    assert set(rows) == {"1", "2"}, out
    ratio = float(re.search(r"^2 process\(es\): .*ratio to 1 process ([\d.]+)", out, re.M).group(1))
    assert math.isfinite(ratio) and ratio > 0
    assert rows["1"] == "all_reduce 0 / broadcast 0"  # one process: nothing to synchronise
    assert rows["2"] == "all_reduce 2 / broadcast 1"  # D and G: one coalesced all_reduce each; one buffer broadcast
    speedup = float(re.search(r"ratio per-tensor/coalesced ([\d.]+)", out).group(1))
    assert speedup > 0
