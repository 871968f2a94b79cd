"""The suite's runner settings: a hanging test fails (pytest-timeout) instead of holding the run."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def test_a_hanging_test_fails_after_the_timeout(tmp_path: Path):
    # a test file that sleeps far beyond a 2 s timeout; pytest-timeout (pinned in requirements/test.txt, set in
    # pyproject.toml) must fail it with its "Timeout" error rather than let it sleep
    (tmp_path / "test_sleeps.py").write_text("import time\n\n\ndef test_sleeps():\n    time.sleep(60)\n")
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--timeout", "2",
                           "-n", "0", str(tmp_path / "test_sleeps.py")],
                          capture_output=True, text=True, timeout=50, cwd=tmp_path)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "Failed: Timeout >2.0s" in proc.stdout and "1 failed" in proc.stdout, proc.stdout


def test_the_suite_runs_under_a_per_test_timeout(pytestconfig):
    # pyproject.toml's [tool.pytest.ini_options] timeout, long enough for the real-CT end-to-end test (3-8 min)
    assert 600 <= float(pytestconfig.getini("timeout")) <= 1800
