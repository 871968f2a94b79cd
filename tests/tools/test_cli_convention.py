"""Every script in tools/ and datasets_prep/ follows organseg_plugins.core.cli, checked by running it on bad input:
a user error is ONE ``error:`` line on stderr naming the file, exit status EXIT_USER_ERROR (2), a traceback only
with ORGANSEG_DEBUG=1.

Each script runs as a copy outside the checkout, from a foreign working directory: it needs the installed package
only, nothing beside it in tools/ (no shared tools/_common.py module, no sys.path edit into the repository)."""

from __future__ import annotations

import shutil

import pytest

from organseg_plugins.core.cli import DEBUG_ENV, EXIT_USER_ERROR
from tests.conftest import REPO, run_tool

FOLDERS = ("tools", "tools/analysis", "datasets_prep")


def discover() -> list[str]:
    """The scripts, found at test time (a renamed or new script is picked up, and must be in BAD_INPUT)."""
    return sorted(str(p.relative_to(REPO)) for folder in FOLDERS for p in (REPO / folder).glob("*.py"))


# Scripts being renamed in the working tree: old path -> new path (drop an entry once the old one is gone).
RENAMED = {"tools/benchmark_volume_eval.py": "tools/analysis/speed_volume_eval.py",
           "tools/analysis/infer_speed.py": "tools/analysis/speed_infer.py"}

# script -> (arguments that are a user error, the path the one error line must name). In both, {tmp} is the test's
# temporary folder, which holds an empty folder ``empty/`` and a non-empty folder ``taken/`` (with a non-empty
# ``taken/busi/``). Where a script reads no input file (the phantom writers, the speed checks, the reference-data
# fetcher), the bad input is a refused output folder or setting.
BAD_INPUT: dict[str, tuple[tuple[str, ...], str]] = {
    "tools/benchmark.py": (("{tmp}/none.yaml",), "{tmp}/none.yaml"),
    "tools/denoise.py": (("{tmp}/none.py", "{tmp}/none.pth", "--input", "{tmp}/absent", "--output", "{tmp}/out",
                          "--no-progress"), "{tmp}/absent"),
    "tools/estimate_volume.py": (("{tmp}/none.py", "{tmp}/none.pth", "--masks", "{tmp}/absent", "--pixel-spacing",
                                  "1", "--out", "{tmp}/v.csv"), "{tmp}/none.py"),
    "tools/fetch_test_data.py": (("--cache-dir", "{tmp}/taken/notes.txt"), "{tmp}/taken/notes.txt"),
    "tools/evaluate_masks.py": (("{tmp}/no_pred", "{tmp}/empty", "--no-progress"), "{tmp}/no_pred"),
    "tools/infer.py": (("{tmp}/none.py", "{tmp}/none.pth", "{tmp}/none.png", "--out", "{tmp}/out",
                        "--no-progress"), "{tmp}/none.png"),
    "tools/test.py": (("{tmp}/none.py", "{tmp}/none.pth", "--work-dir", "{tmp}/w"), "{tmp}/none.py"),
    "tools/train.py": (("{tmp}/none.py", "--work-dir", "{tmp}/w"), "{tmp}/none.py"),
    "tools/train_net.py": (("--config-file", "{tmp}/none.yaml"), "{tmp}/none.yaml"),
    "tools/analysis/complexity.py": (("{tmp}/none.py",), "{tmp}/none.py"),
    "tools/analysis/deepspv_table.py": (("--result", "RVAE", "single", "{tmp}/none.csv"), "{tmp}/none.csv"),
    "tools/analysis/paired_ttest.py": (("{tmp}/model.csv", "{tmp}/base.csv"), "{tmp}/model.csv"),
    "tools/analysis/paper_figures.py": (("{tmp}/none",), "{tmp}/none"),
    "tools/analysis/paper_tables.py": (("{tmp}/none",), "{tmp}/none"),
    "tools/analysis/plot_curves.py": (("{tmp}/none",), "{tmp}/none"),
    "tools/analysis/speed_gan_step.py": (("{tmp}/none.py", "--work-dir", "{tmp}/w", "--data-root", "{tmp}/empty",
                                          "--nprocs", "1", "--steps", "3"), "{tmp}/none.py"),
    "tools/analysis/speed_convert.py": (("--cases", "0"), "need >= 1 case"),
    "tools/analysis/speed_infer.py": (("{tmp}/none.py", "{tmp}/none.pth", "{tmp}/none.png"), "{tmp}/none.py"),
    "tools/analysis/speed_metrics.py": (("--size", "8"), "--size must be >= 32"),
    "tools/analysis/speed_volume_eval.py": (("--shape", "0", "8", "8", "--reps", "1"), "shape"),
    "datasets_prep/ct_volumes_to_mmseg.py": (("--root", "{tmp}/none", "--out", "{tmp}/out"), "{tmp}/none"),
    "datasets_prep/dicom_to_png.py": (("--root", "{tmp}/none", "--out", "{tmp}/out", "--no-progress"),
                                      "{tmp}/none"),
    "datasets_prep/kitti_to_coco.py": (("--root", "{tmp}/none", "--out", "{tmp}/out", "--class", "liver",
                                        "--no-progress"), "{tmp}/none"),
    "datasets_prep/make_ct_volume_phantoms.py": (("--out", "{tmp}/taken", "--num-cases", "2", "--no-progress"),
                                                 "{tmp}/taken"),
    "datasets_prep/make_lesion_phantoms.py": (("--out", "{tmp}/taken", "--benign", "1", "--malignant", "1",
                                               "--normal", "0"), "{tmp}/taken/busi"),  # it writes OUT/busi
    "datasets_prep/make_raw_phantoms.py": (("--out", "{tmp}/taken", "--only", "busi"), "{tmp}/taken/busi"),
    "datasets_prep/make_phantoms.py": (("--out", "{tmp}/taken", "--num-spleen", "3", "--num-liver", "0",
                                        "--size", "64", "--no-progress"), "{tmp}/taken"),
    "datasets_prep/make_splits.py": (("--images", "{tmp}/none", "--case-regex", "(.*)", "--out", "{tmp}/split.json"),
                                     "{tmp}/none"),
    "datasets_prep/masks_to_coco.py": (("--images", "{tmp}/none", "--masks", "{tmp}/empty", "--out",
                                        "{tmp}/coco.json"), "{tmp}/none"),
    "datasets_prep/spleen_to_mmseg.py": (("--images", "{tmp}/none", "--masks", "{tmp}/empty", "--out",
                                          "{tmp}/out"), "{tmp}/none"),
    "datasets_prep/spleen_views.py": (("--labels", "{tmp}/none", "--out", "{tmp}/out", "--no-progress"),
                                      "{tmp}/none"),
    "datasets_prep/us_lesions_to_mmseg.py": (("busi", "--root", "{tmp}/none", "--out", "{tmp}/out"), "{tmp}/none"),
}


# Scripts whose one refusable input is a setting that argparse refuses: its usage, then ``<script>: error: <message>``
# (status 2 too, no traceback), not the one ``error:`` line (the message is the table's second item).
USAGE_ERRORS = {"tools/analysis/speed_metrics.py"}

# Known breaches of the convention, each failing its case until fixed (strict: a fix turns the xfail into a failure,
# so the entry is removed with it).
VIOLATIONS: dict[str, str] = {}


def bad_input(script: str, tmp) -> tuple[list[str], str]:
    """The bad arguments of ``script`` and the path its error must name, in a prepared ``tmp``."""
    (tmp / "empty").mkdir(exist_ok=True)
    (tmp / "taken" / "busi").mkdir(parents=True, exist_ok=True)
    (tmp / "taken" / "notes.txt").write_text("not a phantom folder\n")
    (tmp / "taken" / "busi" / "notes.txt").write_text("not a phantom folder\n")
    args, named = BAD_INPUT[RENAMED.get(script, script)]
    return [a.format(tmp=tmp) for a in args], named.format(tmp=tmp)


def test_every_script_has_a_bad_input():
    scripts = discover()
    assert len(scripts) >= 25, scripts  # the glob finds the scripts
    assert not [s for s in scripts if RENAMED.get(s, s) not in BAD_INPUT], "add to BAD_INPUT"
    assert not [s for s in BAD_INPUT if s not in scripts and s not in RENAMED.values()], "stale BAD_INPUT entry"


@pytest.mark.parametrize("script", [pytest.param(s, marks=pytest.mark.xfail(reason=VIOLATIONS[s], strict=True))
                                    if s in VIOLATIONS else s for s in discover()])
def test_bad_input_is_one_error_line_and_status_2(script, tmp_path):
    copy = tmp_path / "copy" / script  # the script alone, outside the checkout
    copy.parent.mkdir(parents=True)
    shutil.copy(REPO / script, copy)
    work = tmp_path / "cwd"
    work.mkdir()
    args, named = bad_input(script, tmp_path)
    proc = run_tool(str(copy), *args, check=False, timeout=300, env={DEBUG_ENV: ""}, cwd=work)
    assert proc.returncode == EXIT_USER_ERROR, proc.stderr[-3000:]
    lines = proc.stderr.splitlines()
    if RENAMED.get(script, script) in USAGE_ERRORS:
        assert lines[0].startswith("usage: ") and lines[-1] == f"{copy.name}: error: {named}", proc.stderr[-3000:]
        assert "Traceback" not in proc.stderr
        return
    assert len(lines) == 1 and lines[0].startswith("error: ") and named in lines[0], proc.stderr[-3000:]


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
    assert proc.stderr.splitlines() == [proc.stderr.strip()] and proc.stderr.startswith("error: "), proc.stderr
    assert missing in proc.stderr and "Traceback" not in proc.stderr

    proc = run_tool(*args, check=False, timeout=120, env={DEBUG_ENV: "1"})
    assert proc.returncode == EXIT_USER_ERROR, proc.stderr
    assert "Traceback (most recent call last)" in proc.stderr
    errors = [line for line in proc.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and missing in errors[0] and proc.stderr.splitlines()[-1] == errors[0], proc.stderr
