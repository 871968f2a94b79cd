"""tools/analysis/speed_convert.py --small: the set is written, both converters run with 1 and 2 workers, and the
report's figures parse (finite ratios, memory per worker, byte-identical outputs)."""

from __future__ import annotations

import math
import re

from organseg_plugins.core.cli import EXIT_USER_ERROR
from organseg_plugins.core.speed.convert import ConvertRun, ConvertSpeed
from tests.conftest import run_tool


def test_small_run_prints_parseable_finite_ratios():
    out = run_tool("tools/analysis/speed_convert.py", "--small").stdout
    assert out.startswith("NIH-like set: 2 cases of 8x64x64 voxels")
    for conv in ("ct", "dicom"):
        block = out.split(f"\n{conv}: ", 1)[1]
        assert block.startswith("16 slices")
        rates = {int(n): float(r) for n, r in re.findall(r"workers (\d+): +[0-9.]+ s +([0-9.]+) slices/s", block)[:2]}
        assert set(rates) == {1, 2} and all(math.isfinite(r) and r > 0 for r in rates.values())
        ratio = float(re.search(r"ratio slices/s 2 workers / 1 worker: ([0-9.]+)x", block).group(1))
        assert math.isfinite(ratio) and ratio > 0
        peaks = re.search(r"workers 2: .* peak RSS per worker (\d+)/(\d+) MiB", block)
        assert peaks and min(int(p) for p in peaks.groups()) > 0
        assert "outputs byte-identical across runs: yes" in block.split("\ndicom: ")[0]


def test_report_by_hand():
    mib = 1 << 20
    runs = [ConvertRun("ct", 1, 10.0, 100, (300 * mib,), (100 * mib,), 300 * mib, "a"),
            ConvertRun("ct", 2, 4.0, 100, (250 * mib, 260 * mib), (60 * mib, 60 * mib), 120 * mib, "a", 6.0)]
    text = ConvertSpeed(2, (100, 512, 512), 5.0, runs).report()  # one volume: 100 MiB
    assert "one volume: 100.0 MiB (float32 HU, as read); 2x one volume = 200.0 MiB" in text
    assert "workers 2:     4.00 s     25.00 slices/s  CPU     6.0 s (1.50 cores busy)  peak RSS per worker " \
           "250/260 MiB (at start 60/60 MiB; growth 200 MiB = 2.00x one volume; main process 120 MiB)" in text
    assert "ratio slices/s 2 workers / 1 worker: 2.50x" in text
    assert "largest growth 2.00x one volume (within 2x)" in text and "byte-identical across runs: yes" in text


def test_bad_arguments_are_one_error_line():
    proc = run_tool("tools/analysis/speed_convert.py", "--cases", "0", check=False)
    assert proc.returncode == EXIT_USER_ERROR
    assert proc.stderr.strip() == "error: need >= 1 case and three positive sizes Z Y X, got 0 and (200, 512, 512)"
