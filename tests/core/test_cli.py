"""The one command-line convention (organseg_plugins.core.cli): user errors -> one line, status 2."""

from __future__ import annotations

import subprocess
import sys

import pytest

from organseg_plugins.core import cli
from organseg_plugins.core.errors import OrgansegInputError


def _lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


@pytest.mark.parametrize("err", [OrgansegInputError("data/x.png: mask has values [0, 255]"),
                                 FileNotFoundError("checkpoint not found: w.pth"),
                                 NotADirectoryError("data/file is not a folder")])
def test_user_errors_become_one_line_and_status_2(err, capsys, monkeypatch):
    monkeypatch.delenv(cli.DEBUG_ENV, raising=False)

    @cli.cli_main
    def main():
        raise err

    with pytest.raises(SystemExit, match="^2$") as ei:
        main()
    assert ei.value.code == cli.EXIT_USER_ERROR == 2
    err_lines = _lines(capsys.readouterr().err)
    assert err_lines == [f"error: {err}"]


def test_multiline_message_is_one_line(capsys, monkeypatch):
    monkeypatch.delenv(cli.DEBUG_ENV, raising=False)
    assert cli.run_main(lambda: (_ for _ in ()).throw(OrgansegInputError("a.py: broken\n  line 3\n"))) == 2
    assert _lines(capsys.readouterr().err) == ["error: a.py: broken line 3"]


def test_several_problems_are_one_error_line_each(capsys, monkeypatch):
    """An error of input_error_lines (every missing image of a COCO file) prints one error: line per problem."""
    from organseg_plugins.core.errors import input_error_lines

    monkeypatch.delenv(cli.DEBUG_ENV, raising=False)
    err = input_error_lines(["x.json: 2 problems:", "x.json: image id 3 'a.png': file not found under /d",
                             "  x.json: annotation id 17 (image 'b.png'):\n polygon with 2 points  ", ""])
    assert isinstance(err, OrgansegInputError) and str(err).count("\n") == 2
    assert cli.run_main(lambda: (_ for _ in ()).throw(err)) == cli.EXIT_USER_ERROR
    assert _lines(capsys.readouterr().err) == [
        "error: x.json: 2 problems:", "error: x.json: image id 3 'a.png': file not found under /d",
        "error: x.json: annotation id 17 (image 'b.png'): polygon with 2 points"]


def test_debug_prints_the_traceback_too(capsys, monkeypatch):
    monkeypatch.setenv(cli.DEBUG_ENV, "1")

    def main():
        raise FileNotFoundError("missing.csv")

    assert cli.run_main(main) == cli.EXIT_USER_ERROR
    err = capsys.readouterr().err
    assert "Traceback (most recent call last)" in err and "FileNotFoundError: missing.csv" in err
    assert _lines(err)[-1] == "error: missing.csv"


def test_status_passes_through_and_bugs_keep_their_traceback(monkeypatch):
    monkeypatch.delenv(cli.DEBUG_ENV, raising=False)
    assert cli.run_main(lambda: None) == 0
    assert cli.run_main(lambda: 1) == 1
    with pytest.raises(SystemExit, match="^0$") as ei:
        cli.cli_main(lambda argv=None: 0)()
    assert ei.value.code == 0
    with pytest.raises(KeyError, match="^'x'$"):  # not a user error: the traceback is the useful report
        cli.run_main(lambda: {}["x"])
    wrapped = cli.cli_main(lambda argv=None: argv)
    assert wrapped.__wrapped__(["a"]) == ["a"]


def test_cli_module_is_framework_free():
    code = ("import sys, organseg_plugins.core.cli\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('torch', 'mmengine', 'mmseg', 'mmcv', 'detectron2')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
