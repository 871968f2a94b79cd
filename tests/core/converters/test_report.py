"""The conversion report and the command-line options every converter shares
(organseg_plugins.core.converters.report), checked through each datasets_prep CLI's --help."""

from __future__ import annotations

import pytest

from organseg_plugins.core.converters.report import EXIT_HELP, ConversionReport, without_source
from organseg_plugins.core.errors import OrgansegInputError
from tests.conftest import run_tool

CLIS = ("kitti_to_coco", "dicom_to_png", "masks_to_coco", "make_splits", "spleen_to_mmseg")


def _words(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize("name", CLIS)
def test_cli_help(name):
    proc = run_tool(f"datasets_prep/{name}.py", "--help", check=False)
    assert proc.returncode == 0
    help_text = _words(proc.stdout)
    assert "--dry-run only read and validate the inputs and report; write nothing" in help_text
    assert _words(EXIT_HELP) in help_text


def test_skip_and_without_source():
    rep = ConversionReport()
    exc = OrgansegInputError("/data/a.dcm: cannot read")
    rep.skip("/data/a.dcm", without_source(exc, "/data/a.dcm"))
    assert [(e.path, e.message) for e in rep.errors] == [("/data/a.dcm", "cannot read")] and rep.skipped == 1
    assert without_source(exc, "/data/b.dcm") == "/data/a.dcm: cannot read"
    assert without_source(ValueError("plain"), "x") == "plain"


def test_summary_and_exit_codes():
    rep = ConversionReport(converted=2, dry_run=True)
    rep.skip("b.png", "size mismatch")
    rep.warn("c.png", "empty mask")
    rep.note("image without organ", 2)
    rep.extra["images per split"] = {"train": 2}
    assert rep.summary().splitlines() == [
        "dry run (nothing written): would convert 2, skipped 1, errors 1, warnings 1",
        "  note: image without organ: 2",
        "  images per split: {'train': 2}",
        "  ERROR: b.png: size mismatch",
        "  warning: c.png: empty mask",
    ]
    assert (rep.exit_code(), rep.exit_code(ignore_errors=True), ConversionReport().exit_code()) == (1, 0, 0)
