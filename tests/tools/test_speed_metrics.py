"""tools/analysis/speed_metrics.py on small masks: it runs, and prints the suite/surface ratio lines as finite floats."""

from __future__ import annotations

import math
import re

from tests.conftest import run_tool

RATIO = re.compile(r"^suite/surface ratio (?P<case>[^:]+): (?P<ratio>\S+)\s+\(medians: suite (?P<suite>\S+) ms, "
                   r"surface distances (?P<surface>\S+) ms")


def test_speed_metrics_small_run_prints_ratio_lines():
    proc = run_tool("tools/analysis/speed_metrics.py", "--size", "64", "--quick", "--no-peers", timeout=600)
    summary = proc.stdout.split("== summary")[-1]
    found = {}
    for line in summary.splitlines():
        m = RATIO.match(line)
        if m:
            found[m["case"]] = m
    volume = [c for c in found if re.fullmatch(r"\d+x64x64", c)]
    assert {"64x64", "64x64 anisotropic", "64x64 close prediction"} < set(found) and len(volume) == 1, proc.stdout
    assert len(found) == 4, proc.stdout
    for m in found.values():
        values = [float(m[k]) for k in ("ratio", "suite", "surface")]
        assert all(math.isfinite(v) and v > 0 for v in values), m.group(0)
        assert abs(float(m["ratio"]) - float(m["suite"]) / float(m["surface"])) < 0.02  # printed rounded


def test_speed_metrics_refuses_tiny_size():
    proc = run_tool("tools/analysis/speed_metrics.py", "--size", "8", check=False)
    assert proc.returncode == 2
    assert "--size must be >= 32" in proc.stderr
    errors = [line for line in proc.stderr.splitlines() if "error:" in line]
    assert errors == [proc.stderr.splitlines()[-1]] and "Traceback" not in proc.stderr, proc.stderr
