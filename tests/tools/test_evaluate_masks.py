"""tools/evaluate_masks.py end to end (subprocess): table text, per-case CSV, warnings, clean errors."""

from __future__ import annotations

import csv
import shutil
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pydicom
import pytest
from pydicom.data import get_testdata_file

from organseg_plugins.core.cli import EXIT_USER_ERROR
from organseg_plugins.core.metrics import compute_all

REPO = Path(__file__).resolve().parents[2]
TOOL = "tools/evaluate_masks.py"


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, TOOL, *map(str, args)], cwd=REPO, capture_output=True,
                          text=True, timeout=120)


def write_png(path: Path, mask: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    assert cv2.imwrite(str(path), mask.astype(np.uint8))


def square(left: int = 10) -> np.ndarray:
    m = np.zeros((64, 64), np.uint8)
    m[10:30, left:left + 20] = 1
    return m


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


def table_row(text: str, metric: str) -> list[str]:
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if cells and cells[0] == metric:
            return cells
    raise AssertionError(f"no table row for {metric!r} in:\n{text}")


@pytest.fixture
def shifted_squares(tmp_path) -> tuple[Path, Path]:
    pd, gd = tmp_path / "pred", tmp_path / "gt"
    for name, k in (("c0", 0), ("c2", 2), ("c4", 4)):
        write_png(gd / f"{name}.png", square())
        write_png(pd / f"{name}.png", square(10 + k))
    write_png(pd / "extra_pred.png", square())
    write_png(gd / "extra_gt.png", square())
    return pd, gd


def test_cli_table_and_csv(shifted_squares, tmp_path):
    pd, gd = shifted_squares
    out_csv = tmp_path / "res" / "per_case.csv"
    proc = run(pd, gd, "--spacing", "0.5", "--csv", out_csv, "--metrics", "dice", "hd", "jaccard")
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "3 case(s), evaluated per file" in out
    header = table_row(out, "metric")
    assert header == ["metric", "mean", "std", "min", "max", "n_inf"]
    # dice by hand: 2 * 20 * (20 - k) / 800 for k = 0, 2, 4
    d = np.array([1.0, 0.9, 0.8])
    assert table_row(out, "dice")[1:] == [f"{d.mean():.4f}", f"{d.std(ddof=1):.4f}", "0.8000", "1.0000", "0"]
    # HD = k * 0.5 mm
    assert table_row(out, "hd")[1:] == ["1.0000", "1.0000", "0.0000", "2.0000", "0"]
    assert "hd95" not in out  # only the chosen metrics
    rows = read_csv(out_csv)
    assert [r["case"] for r in rows] == ["c0", "c2", "c4"]
    assert list(rows[0].keys()) == ["case", "pred_file", "gt_file", "shape", "spacing_mm", "dice", "hd", "jaccard"]
    assert [float(r["hd"]) for r in rows] == pytest.approx([0.0, 1.0, 2.0])
    assert [float(r["dice"]) for r in rows] == pytest.approx(d)
    assert rows[1]["spacing_mm"] == "0.5x0.5" and rows[1]["pred_file"] == "c2.png"
    assert not [p for p in out_csv.parent.iterdir() if p.name.endswith(".tmp")]
    # unmatched files are warnings
    assert "warning: 1 prediction(s) without ground truth, skipped: extra_pred.png" in proc.stderr
    assert "warning: 1 ground-truth mask(s) without prediction, skipped: extra_gt.png" in proc.stderr


def test_cli_strict_and_user_errors(shifted_squares, tmp_path):
    pd, gd = shifted_squares
    proc = run(pd, gd, "--strict", "--no-progress")
    assert proc.returncode == EXIT_USER_ERROR
    assert proc.stderr.startswith("error: ") and "without a partner" in proc.stderr
    assert "Traceback" not in proc.stderr
    proc = run(pd, gd, "--metrics", "dice", "nonsense", "--no-progress")
    assert proc.returncode == EXIT_USER_ERROR and "unknown metric(s) ['nonsense']" in proc.stderr
    (pd / "extra_pred.png").unlink()
    (gd / "extra_gt.png").unlink()
    write_png(pd / "c2.png", square(12) * 255)
    proc = run(pd, gd, "--no-progress")
    assert proc.returncode == EXIT_USER_ERROR and "Traceback" not in proc.stderr
    assert "c2.png" in proc.stderr and "0/255" in proc.stderr
    proc = run(tmp_path / "missing", gd)
    assert proc.returncode == EXIT_USER_ERROR and "does not exist" in proc.stderr


def test_cli_pixels_note_without_spacing(shifted_squares):
    pd, gd = shifted_squares
    proc = run(pd, gd, "--metrics", "hd", "--no-progress")
    assert proc.returncode == 0, proc.stderr
    assert "in pixels" in proc.stdout
    assert table_row(proc.stdout, "hd")[1:] == ["2.0000", "2.0000", "0.0000", "4.0000", "0"]


def test_cli_dicom_gt_with_spacing_override(tmp_path):
    liver = get_testdata_file("liver_1frame.dcm")
    gt = pydicom.dcmread(liver).pixel_array.astype(np.uint8)
    eroded = cv2.erode(gt, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (7, 7)))
    gd, pd = tmp_path / "gt", tmp_path / "pred"
    gd.mkdir()
    shutil.copy(liver, gd / "liver01.dcm")
    write_png(pd / "liver01.png", eroded)
    out_csv = tmp_path / "liver.csv"
    proc = run(pd, gd, "--spacing", "0.8", "--csv", out_csv, "--hd95-mode", "pooled", "--trimap-width", "3",
               "--f-tolerance", "2", "--dilation-ratio", "0.01")
    assert proc.returncode == 0, proc.stderr
    ref = compute_all(eroded, gt, 0.8, hd95_mode="pooled", trimap_width=3.0, f_tolerance=2.0,
                      dilation_ratio=0.01)
    row = read_csv(out_csv)[0]
    assert row["case"] == "liver01" and row["spacing_mm"] == "0.8x0.8" and row["shape"] == "512x512"
    for k in ("dice", "hd", "hd95", "asd", "rmsd", "trimap_iou", "boundary_f", "boundary_iou", "gt_volume"):
        assert float(row[k]) == pytest.approx(ref[k]), k
    assert float(row["precision"]) == 1.0
    assert table_row(proc.stdout, "hd95")[1] == f"{ref['hd95']:.4f}"


def test_cli_volumes(tmp_path):
    pd, gd = tmp_path / "pred", tmp_path / "gt"
    vols = {}
    for c in (1, 2, 3):
        ps, gs = [], []
        for k in range(4):
            g = np.zeros((32, 32), np.uint8)
            cv2.circle(g, (16, 16), 4 + 2 * k, 1, -1)
            p = np.roll(g, c - 2, axis=0)
            write_png(gd / f"ct_c{c:03d}_s{k:03d}.png", g)
            write_png(pd / f"ct_c{c:03d}_s{k:03d}.png", p)
            ps.append(p)
            gs.append(g)
        vols[f"ct_c{c:03d}"] = (np.stack(ps), np.stack(gs))
    out_csv = tmp_path / "vol.csv"
    proc = run(pd, gd, "--volumes", "--spacing", "0.8", "--slice-thickness", "2.5", "--csv", out_csv,
               "--metrics", "voe", "rvd", "asd", "rmsd", "hd", "dice")
    assert proc.returncode == 0, proc.stderr
    assert "3 case(s), evaluated per volume" in proc.stdout
    rows = read_csv(out_csv)
    assert [r["case"] for r in rows] == ["ct_c001", "ct_c002", "ct_c003"]
    for r in rows:
        ref = compute_all(*vols[r["case"]], (2.5, 0.8, 0.8))
        assert r["shape"] == "4x32x32"
        for k in ("voe", "rvd", "asd", "rmsd", "hd", "dice"):
            assert float(r[k]) == pytest.approx(ref[k]), (r["case"], k)
    # a missing slice is an error naming the case
    (pd / "ct_c003_s002.png").unlink()
    (gd / "ct_c003_s002.png").unlink()
    proc = run(pd, gd, "--volumes", "--spacing", "0.8", "--slice-thickness", "2.5", "--no-progress")
    assert proc.returncode == EXIT_USER_ERROR and "ct_c003" in proc.stderr and "missing slice" in proc.stderr
    proc = run(pd, gd, "--volumes", "--spacing", "0.8", "--no-progress")
    assert proc.returncode == EXIT_USER_ERROR and "--slice-thickness" in proc.stderr
