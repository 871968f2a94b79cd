"""Every script in tools/ and datasets_prep/ follows organseg_plugins.core.cli: a user error is one
``error:`` line naming the file, exit status EXIT_USER_ERROR (2), a traceback only with ORGANSEG_DEBUG=1;
no script edits sys.path (the package is installed)."""

from __future__ import annotations

import re

import pytest
from conftest import REPO, run_tool

from organseg_plugins.core.cli import DEBUG_ENV, EXIT_USER_ERROR

SCRIPTS = sorted([*REPO.glob("tools/*.py"), *REPO.glob("tools/analysis/*.py"), *REPO.glob("datasets_prep/*.py")])


def _error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("error:")]


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: str(p.relative_to(REPO)))
def test_script_uses_the_one_convention(script):
    text = script.read_text()
    assert "sys.path" not in text, f"{script.name} edits sys.path"
    assert not re.search(r"\b_common\b", text), f"{script.name} imports tools/_common"
    assert "from organseg_plugins.core.cli import cli_main" in text and "@cli_main" in text, script.name
    assert not re.search(r"sys\.exit\(\s*[12]\s*\)|SystemExit\(\s*[12]\s*\)|return 2\b", text), script.name


def test_no_tools_common_module():
    assert not (REPO / "tools" / "_common.py").exists()


@pytest.mark.parametrize("args, missing", [
    (("tools/evaluate_masks.py", "{tmp}/no_pred", "{tmp}/gt", "--no-progress"), "{tmp}/no_pred"),
    (("datasets_prep/kitti_to_coco.py", "--root", "{tmp}/no_export", "--out", "{tmp}/out", "--class", "liver",
      "--no-progress"), "{tmp}/no_export"),
], ids=["tools/evaluate_masks.py", "datasets_prep/kitti_to_coco.py"])
def test_missing_input_is_one_error_line(args, missing, tmp_path):
    (tmp_path / "gt").mkdir()
    args = [a.format(tmp=tmp_path) for a in args]
    missing = missing.format(tmp=tmp_path)
    proc = run_tool(*args, check=False, timeout=120, env={DEBUG_ENV: ""})
    assert proc.returncode == EXIT_USER_ERROR, proc.stderr
    errors = _error_lines(proc.stderr)
    assert len(errors) == 1 and missing in errors[0], proc.stderr
    assert "Traceback" not in proc.stderr

    proc = run_tool(*args, check=False, timeout=120, env={DEBUG_ENV: "1"})
    assert proc.returncode == EXIT_USER_ERROR, proc.stderr
    assert "Traceback (most recent call last)" in proc.stderr
    errors = _error_lines(proc.stderr)
    assert len(errors) == 1 and missing in errors[0], proc.stderr
