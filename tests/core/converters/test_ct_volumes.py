"""CT volumes -> mmseg slices: window, meta.csv per slice, organ-slice selection, folds, bad input reported."""

from __future__ import annotations

import json
import re
import shutil

import cv2
import numpy as np
import pytest

from organseg_plugins.core.converters.ct_volumes import (
    STANDARD_FOLDS,
    convert_ct_volumes,
    organ_slices,
    standard_kfold,
)
from organseg_plugins.core.converters.splits import read_assignment
from organseg_plugins.core.errors import OrgansegInputError
from organseg_plugins.core.io.tables import read_meta_csv
from organseg_plugins.core.io.volume_write import write_nifti
from organseg_plugins.core.io.volumes import Volume
from organseg_plugins.core.phantoms.ct_volumes import ct_volume_phantom, write_ct_volume_phantoms
from tests.conftest import REPO, run_tool


@pytest.fixture(scope="module")
def raw(tmp_path_factory):
    root = tmp_path_factory.mktemp("raw")
    write_ct_volume_phantoms(root, num_cases=3, shape=(8, 32, 32))
    return root


def test_organ_slices_margin():
    m = np.zeros((12, 2, 2), np.uint8)
    m[5:8, 0, 0] = 1  # organ on slices 5, 6, 7; margin 2 -> 3..9
    assert organ_slices(m, 2).tolist() == list(range(3, 10))
    assert organ_slices(m, 0).tolist() == [5, 6, 7]
    assert organ_slices(np.zeros((4, 2, 2)), 1).tolist() == [0, 1, 2, 3]  # empty: everything


def test_nih_layout_window_and_meta(raw, tmp_path):
    out = tmp_path / "out"
    src_before = sorted(p.stat().st_mtime_ns for p in raw.rglob("*") if p.is_file())
    rep = convert_ct_volumes(raw / "nih", out, assignment=read_assignment(raw / "splits_nih.json"),
                             organ_margin=1, progress=False)
    assert rep.ok and rep.extra["layout"] == "nih"
    # case 1 train: pancreas on slices 3, 4 of 8 (central third, see test_ct_volume_phantoms), margin 1 -> 2..5
    meta = read_meta_csv(out / "meta.csv")
    train = sorted(r["slice_index"] for r in meta.values() if r["case_id"] == "PANCREAS_0001")
    vol, pan, _ = ct_volume_phantom(0, 0, (8, 32, 32))
    assert train == organ_slices(pan, 1).tolist()
    # val / test cases keep every slice (8 each)
    assert sum(r["case_id"] == "PANCREAS_0002" for r in meta.values()) == 8
    row = meta["PANCREAS_0002_s0003.png"]
    assert row["split"] == "val" and row["num_slices"] == 8 and row["spacing_z_mm"] == 2.5
    assert row["spacing_row_mm"] == 0.8 and row["spacing_mm"] == 0.8 and row["window_lo_hu"] == -100
    assert row["origin"] == "-12.4 -12.4 0"  # -(32 * 0.8) / 2 + 0.4
    # the window: grey = round(255 * clip((HU + 100) / 340, 0, 1)) of the DICOM HU (stored rounded)
    vol2, pan2, _ = ct_volume_phantom(1, 0, (8, 32, 32))
    grey = cv2.imread(str(out / "img_dir/val/PANCREAS_0002_s0003.png"), cv2.IMREAD_UNCHANGED)
    hu = np.clip(np.rint(vol2.array[3] + 1024), 0, 65535) - 1024
    np.testing.assert_array_equal(grey, np.rint(np.clip((hu + 100) / 340, 0, 1) * 255).astype(np.uint8))
    mask = cv2.imread(str(out / "ann_dir/val/PANCREAS_0002_s0003.png"), cv2.IMREAD_UNCHANGED)
    np.testing.assert_array_equal(mask, pan2[3])
    assert sorted(p.stat().st_mtime_ns for p in raw.rglob("*") if p.is_file()) == src_before  # inputs untouched


def test_sliver_and_msd_layouts(raw, tmp_path):
    rep = convert_ct_volumes(raw / "sliver07", tmp_path / "s", window="liver", category="liver", progress=False)
    assert rep.ok and rep.extra["layout"] == "sliver07" and rep.converted == 24
    meta = read_meta_csv(tmp_path / "s" / "meta.csv")
    assert {r["case_id"] for r in meta.values()} == {"liver-001", "liver-002", "liver-003"}
    assert {r["window_hi_hu"] for r in meta.values()} == {200}
    rep = convert_ct_volumes(raw / "msd", tmp_path / "m", progress=False)
    assert rep.ok and rep.extra["layout"] == "msd" and rep.extra["cases"] == 3  # the ._ file is skipped


def test_bad_cases_are_reported_and_skipped(raw, tmp_path):
    bad = tmp_path / "bad"
    shutil.copytree(raw / "nih", bad)
    # case 1: label of another size; case 2: empty label (reported, converted); case 3: a missing slice
    vol, _, _ = ct_volume_phantom(0, 0, (8, 32, 32))
    write_nifti(Volume(np.zeros((8, 32, 30), np.uint8), vol.spacing, vol.origin, vol.direction),
                bad / "labels" / "label0001.nii.gz")
    write_nifti(vol.with_array(np.zeros(vol.shape, np.uint8)), bad / "labels" / "label0002.nii.gz")
    (bad / "PANCREAS_0003" / "IM_0004.dcm").unlink()
    rep = convert_ct_volumes(bad, tmp_path / "o", progress=False)
    errors = [str(e) for e in rep.errors]
    assert errors == [
        f"{bad / 'PANCREAS_0001'}: {bad / 'labels' / 'label0001.nii.gz'}: label is not in the physical space of "
        f"its image {bad / 'PANCREAS_0001'}: size (z, y, x) (8, 32, 32) vs (8, 32, 30); their extents differ by "
        "up to 1.6 mm (tolerance 0.4 mm)",
        f"{bad / 'PANCREAS_0003'}: {bad / 'PANCREAS_0003' / 'IM_0005.dcm'}: slice step 5.000 mm after "
        "IM_0003.dcm, typical 2.500 mm: missing slice(s) in the series",
    ]
    assert [str(w) for w in rep.warnings] == [
        f"{bad / 'labels' / 'label0002.nii.gz'}: empty label volume (no pancreas voxel): all slices converted, "
        "empty masks"]
    assert rep.converted == 8 and rep.skipped == 2


def test_whole_run_problems_raise(raw, tmp_path):
    with pytest.raises(OrgansegInputError, match=r"^HU window must be finite with lo < hi, got \[240, -100\]$"):
        convert_ct_volumes(raw / "nih", tmp_path / "o", window=(240, -100))
    with pytest.raises(OrgansegInputError,
                       match=r"^unknown window 'brain'; give \(lo, hi\) HU or one of \['liver', 'pancreas'\]$"):
        convert_ct_volumes(raw / "nih", tmp_path / "o", window="brain")
    with pytest.raises(OrgansegInputError, match=rf"^{re.escape(str(tmp_path))}: no nih cases found \(see the "
                                                 r"layouts in organseg_plugins\.core\.converters\.ct_volumes\)$"):
        convert_ct_volumes(tmp_path, tmp_path.parent / "o2", layout="nih")


def test_shipped_fold_files_are_the_standard_folds():
    nih = STANDARD_FOLDS["nih_pancreas_ct"]
    assert [len(f) for f in nih] == [20, 20, 21, 21]  # 1-20, 21-40, 41-61, 62-82
    assert nih[2][0] == "PANCREAS_0041" and nih[3][-1] == "PANCREAS_0082"
    assert [len(f) for f in STANDARD_FOLDS["sliver07"]] == [5, 5, 5, 5]
    for name, path in (("nih_pancreas_ct", "nih_pancreas_ct_4fold.json"), ("sliver07", "sliver07_4fold.json")):
        doc = json.loads((REPO / "datasets_prep" / "splits" / path).read_text())
        assert doc["kfold"] == standard_kfold(name)
    fold2 = read_assignment(REPO / "datasets_prep/splits/nih_pancreas_ct_4fold.json", fold=2)
    assert [c for c, s in fold2.items() if s == "val"] == [f"PANCREAS_{i:04d}" for i in range(41, 62)]


def test_cli_dry_run_and_errors(raw, tmp_path):
    proc = run_tool("datasets_prep/ct_volumes_to_mmseg.py", "--root", str(raw / "sliver07"), "--out",
                    str(tmp_path / "o"), "--window=-100,200", "--dry-run", "--no-progress")
    assert proc.stdout.splitlines()[0] == "dry run (nothing written): would convert 24, skipped 0, errors 0, warnings 0"
    assert not (tmp_path / "o").exists()
    proc = run_tool("datasets_prep/ct_volumes_to_mmseg.py", "--root", str(raw / "nih"), "--out", str(tmp_path / "o"),
                    "--window", "abc", check=False)
    assert proc.returncode == 2
    assert proc.stderr.splitlines() == ["error: --window 'abc': give a name (pancreas, liver) or LO,HI in HU"]
