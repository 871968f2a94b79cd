"""Folder evaluation of masks: readers (PNG, NIfTI, DICOM/SEG), pairing, spacing rules, volumes, errors."""

from __future__ import annotations

import shutil
from pathlib import Path

import cv2
import nibabel as nib
import numpy as np
import pydicom
import pytest
from pydicom.data import get_testdata_file

from organseg_plugins.core.errors import OrgansegInputError
from organseg_plugins.core.evaluation.folders import (
    evaluate_folder,
    mask_stem,
    pair_files,
    read_mask_file,
    rows_csv_text,
    summarize,
)
from organseg_plugins.core.metrics import compute_all

LIVER = get_testdata_file("liver_1frame.dcm")
LIVER_SPACING = (0.810547, 0.810547)


def square(shape=(64, 64), top=10, left=10, size=20) -> np.ndarray:
    m = np.zeros(shape, np.uint8)
    m[top:top + size, left:left + size] = 1
    return m


def write_png(path: Path, mask: np.ndarray) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    assert cv2.imwrite(str(path), mask.astype(np.uint8))
    return path


def write_nifti(path: Path, data_xyz: np.ndarray, zooms, dtype=np.uint8, lps: bool = False) -> Path:
    """A NIfTI with a diagonal affine: RAS (i -> Right, j -> Anterior; nibabel's default) or, with ``lps``,
    i -> Left, j -> Posterior (the storage of a DICOM image with ImageOrientationPatient 1,0,0,0,1,0)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    diag = [*map(float, zooms), 1.0, 1.0][:3] + [1.0]
    if lps:
        diag[0], diag[1] = -diag[0], -diag[1]
    img = nib.Nifti1Image(data_xyz.astype(dtype), np.diag(diag))
    img.header.set_zooms(tuple(zooms))
    nib.save(img, str(path))
    return path


def liver_gt() -> np.ndarray:
    return pydicom.dcmread(LIVER).pixel_array.astype(np.uint8)


# --------------------------------------------------------------------------------------------
# readers
# --------------------------------------------------------------------------------------------


def test_mask_stem_handles_double_extension():
    assert mask_stem("a/b/case_01.nii.gz") == "case_01"
    assert mask_stem("x.NII") == "x"
    assert mask_stem("ct_c002_s031.png") == "ct_c002_s031"


def test_png_has_no_spacing_and_0_255_is_an_error(tmp_path):
    m, sp = read_mask_file(write_png(tmp_path / "ok.png", square()))
    assert m.dtype == bool and m.shape == (64, 64) and m.sum() == 400 and sp is None
    bad = write_png(tmp_path / "bad255.png", square() * 255)
    with pytest.raises(OrgansegInputError, match=r"bad255\.png.*0/255"):
        read_mask_file(bad)


def test_nifti_axes_and_anisotropic_spacing(tmp_path):
    data = np.zeros((20, 16, 8), np.uint8)  # (x, y, z)
    data[3, 5, 7] = 1
    p = write_nifti(tmp_path / "v.nii.gz", data, (0.7, 0.9, 2.5))
    m, sp = read_mask_file(p)
    assert m.shape == (8, 16, 20)  # (z, y, x)
    # a RAS-stored file is read in LPS: x and y flipped (i = 3 -> x = 19 - 3, j = 5 -> y = 15 - 5); the old
    # expectation m[7, 5, 3] was the storage order, the mirrored anatomy of the issue
    assert m[7, 10, 16] and m.sum() == 1
    assert sp == pytest.approx((2.5, 0.9, 0.7))


def test_nifti_label_map_needs_label(tmp_path):
    data = np.zeros((10, 10, 4), np.int16)
    data[2:5, 2:5, 1] = 1
    data[6:8, 6:8, 2] = 2
    p = write_nifti(tmp_path / "labels.nii", data, (1.0, 1.0, 3.0), np.int16)
    with pytest.raises(OrgansegInputError, match=r"labels\.nii.*label"):
        read_mask_file(p)
    m, _ = read_mask_file(p, label=2)
    assert m.sum() == 4 and m[2, 3, 3]  # i, j = 6..7 in a RAS file of 10 x 10: x, y = 2..3 in LPS
    m1, _ = read_mask_file(p, label=1)
    assert m1.sum() == 9


def test_nifti_float_probabilities_rejected(tmp_path):
    p = write_nifti(tmp_path / "prob.nii.gz", np.full((4, 4, 2), 0.5), (1, 1, 1), np.float32)
    with pytest.raises(OrgansegInputError, match=r"prob\.nii\.gz.*probabilities\? threshold them first"):
        read_mask_file(p)


def test_dicom_seg_single_frame():
    m, sp = read_mask_file(LIVER)
    assert m.shape == (512, 512) and m.dtype == bool
    assert m.sum() == liver_gt().sum() > 1000
    assert sp == pytest.approx(LIVER_SPACING)


def test_multiframe_dicom_seg_is_ordered_by_position(tmp_path):
    from pydicom.pixel_data_handlers.numpy_handler import pack_bits

    ds = pydicom.dcmread(LIVER)
    liver = liver_gt()
    eroded = cv2.erode(liver, np.ones((3, 3), np.uint8))
    frames = np.stack([liver, eroded, np.zeros_like(liver)])
    ds.NumberOfFrames = 3
    ds.PixelData = pack_bits(frames.ravel())
    pf = ds.PerFrameFunctionalGroupsSequence
    z = [float(it.PlanePositionSequence[0].ImagePositionPatient[2]) for it in pf]
    # frame 0 at the highest z, frame 2 at the lowest: sorted order is empty, eroded, liver
    for it, zz in zip(pf, z[::-1]):
        pos = it.PlanePositionSequence[0].ImagePositionPatient
        it.PlanePositionSequence[0].ImagePositionPatient = [pos[0], pos[1], zz]
    p = tmp_path / "seg3.dcm"
    ds.save_as(str(p))
    m, sp = read_mask_file(p)
    assert m.shape == (3, 512, 512)
    assert sp == pytest.approx((1.0, *LIVER_SPACING))
    assert m[0].sum() == 0
    assert np.array_equal(m[1], eroded.astype(bool))
    assert np.array_equal(m[2], liver.astype(bool))
    # a gap between frames (an omitted empty frame) cannot be rebuilt
    it = pf[0].PlanePositionSequence[0]
    it.ImagePositionPatient = [it.ImagePositionPatient[0], it.ImagePositionPatient[1], z[0] - 5.0]
    ds.save_as(str(p))
    with pytest.raises(OrgansegInputError, match=r"seg3\.dcm.*not evenly spaced"):
        read_mask_file(p)


# --------------------------------------------------------------------------------------------
# pairing
# --------------------------------------------------------------------------------------------


def test_pair_files_by_stem_across_formats(tmp_path):
    pd, gd = tmp_path / "pred", tmp_path / "gt"
    write_png(pd / "a.png", square())
    write_png(pd / "b.png", square())
    write_png(pd / "only_p.png", square())
    write_nifti(gd / "a.nii.gz", square().T, (1.0, 1.0))
    write_png(gd / "b.png", square())
    write_png(gd / "only_g.png", square())
    (gd / "notes.txt").write_text("not a mask")
    pairs, only_pred, only_gt = pair_files(pd, gd)
    assert [(s, p.name, g.name) for s, p, g in pairs] == [("a", "a.png", "a.nii.gz"), ("b", "b.png", "b.png")]
    assert [p.name for p in only_pred] == ["only_p.png"]
    assert [p.name for p in only_gt] == ["only_g.png"]
    with pytest.raises(OrgansegInputError, match="file.*without a partner"):
        evaluate_folder(pd, gd, strict=True)
    rows, _ = evaluate_folder(pd, gd)
    assert [r["case"] for r in rows] == ["a", "b"]


def test_duplicate_stems_and_missing_folder(tmp_path):
    pd, gd = tmp_path / "pred", tmp_path / "gt"
    write_png(pd / "a.png", square())
    write_nifti(pd / "a.nii", square().T, (1.0, 1.0))
    write_png(gd / "a.png", square())
    with pytest.raises(OrgansegInputError, match=r"two masks with the stem 'a'"):
        pair_files(pd, gd)
    with pytest.raises(OrgansegInputError, match="does not exist"):
        pair_files(tmp_path / "nope", gd)


# --------------------------------------------------------------------------------------------
# evaluation of single files
# --------------------------------------------------------------------------------------------


def test_shifted_png_squares_hd_and_dice_by_hand(tmp_path):
    pd, gd = tmp_path / "pred", tmp_path / "gt"
    shifts = {"c0": 0, "c2": 2, "c3": 3}
    for name, k in shifts.items():
        write_png(gd / f"{name}.png", square())
        write_png(pd / f"{name}.png", square(left=10 + k))
    s = 0.5
    rows, summary = evaluate_folder(pd, gd, spacing=s)
    assert [r["case"] for r in rows] == ["c0", "c2", "c3"]
    dice_hand = {k: 2 * 20 * (20 - k) / 800 for k in shifts.values()}  # overlap 20 x (20 - k)
    for r in rows:
        k = shifts[r["case"]]
        assert r["hd"] == pytest.approx(k * s)
        assert r["dice"] == pytest.approx(dice_hand[k])
        assert r["jaccard"] == pytest.approx(20 * (20 - k) / (20 * (20 + k)))
        assert r["spacing_mm"] == "0.5x0.5" and r["shape"] == "64x64"
        assert r["pred_volume"] == pytest.approx(400 * s * s)
    d = np.array(list(dice_hand.values()))
    assert summary["dice"]["mean"] == pytest.approx(d.mean())
    assert summary["dice"]["std"] == pytest.approx(d.std(ddof=1))
    assert summary["dice"]["min"] == pytest.approx(d.min()) and summary["dice"]["max"] == 1.0
    assert summary["hd"]["max"] == pytest.approx(1.5) and summary["hd"]["n_inf"] == 0
    # without any spacing the distances are in pixels
    rows_px, _ = evaluate_folder(pd, gd)
    assert [r["hd"] for r in rows_px] == pytest.approx([0.0, 2.0, 3.0])
    assert all(r["spacing_mm"] == "" for r in rows_px)
    # per-axis spacing (y, x): the shift is along x
    rows_yx, _ = evaluate_folder(pd, gd, spacing=(2.0, 0.25))
    assert rows_yx[2]["hd"] == pytest.approx(0.75)


def test_metric_options_are_passed_to_compute_all(tmp_path):
    pd, gd = tmp_path / "pred", tmp_path / "gt"
    g = np.zeros((48, 48), np.uint8)
    g[8:30, 8:30] = 1
    p = g.copy()
    p[36:44, 36:44] = 1  # a far false-positive blob: pooled and max-directed HD95 differ
    write_png(gd / "x.png", g)
    write_png(pd / "x.png", p)
    opts = dict(hd95_mode="pooled", trimap_width=2.0, dilation_ratio=0.05, f_tolerance=1.0)
    rows, _ = evaluate_folder(pd, gd, spacing=0.7, **opts)
    ref = compute_all(p, g, 0.7, **opts)
    for k, v in ref.items():
        assert rows[0][k] == pytest.approx(v), k
    default = compute_all(p, g, 0.7)
    assert ref["hd95"] != pytest.approx(default["hd95"])  # the options matter here
    assert ref["boundary_iou"] != pytest.approx(default["boundary_iou"])
    with pytest.raises(TypeError, match="unknown metric options"):
        evaluate_folder(pd, gd, hd95mode="pooled")


def test_empty_prediction_counts_as_infinite(tmp_path):
    pd, gd = tmp_path / "pred", tmp_path / "gt"
    write_png(gd / "a.png", square())
    write_png(pd / "a.png", square(left=12))
    write_png(gd / "b.png", square())
    write_png(pd / "b.png", np.zeros((64, 64), np.uint8))
    rows, summary = evaluate_folder(pd, gd)
    assert rows[1]["hd"] == float("inf") and rows[1]["dice"] == 0.0
    assert summary["hd"]["n_inf"] == 1 and summary["hd"]["mean"] == pytest.approx(2.0)
    assert summary["dice"]["n_inf"] == 0 and summary["dice"]["mean"] == pytest.approx((0.9 + 0.0) / 2)
    assert "inf" in rows_csv_text(rows, ["hd"]).splitlines()[2]


def test_nifti_3d_hd_by_hand_with_anisotropic_zooms(tmp_path):
    pd, gd = tmp_path / "pred", tmp_path / "gt"
    g = np.zeros((24, 20, 12), np.uint8)  # (x, y, z)
    g[6:18, 5:15, 3:8] = 1
    p = np.zeros_like(g)
    p[6:18, 5:15, 5:10] = 1  # shifted by 2 slices along z
    zooms = (0.7, 0.9, 2.5)
    write_nifti(gd / "vol.nii.gz", g, zooms)
    write_nifti(pd / "vol.nii.gz", p, zooms)
    rows, _ = evaluate_folder(pd, gd)
    r = rows[0]
    assert r["spacing_mm"] == "2.5x0.9x0.7" and r["shape"] == "12x20x24"
    assert r["hd"] == pytest.approx(2 * 2.5)
    assert r["dice"] == pytest.approx(2 * 12 * 10 * 3 / (2 * 12 * 10 * 5))
    assert r["gt_volume"] == pytest.approx(12 * 10 * 5 * 0.7 * 0.9 * 2.5)
    # the same shift along x (i) is 2 * 0.7
    p2 = np.zeros_like(g)
    p2[8:20, 5:15, 3:8] = 1
    write_nifti(pd / "vol.nii.gz", p2, zooms)
    rows, _ = evaluate_folder(pd, gd)
    assert rows[0]["hd"] == pytest.approx(2 * 0.7)


def test_spacing_disagreement_names_both_files_and_override_wins(tmp_path):
    pd, gd = tmp_path / "pred", tmp_path / "gt"
    g = np.zeros((10, 10, 4), np.uint8)
    g[2:6, 2:6, 1:3] = 1
    write_nifti(gd / "v.nii.gz", g, (0.8, 0.8, 2.5))
    write_nifti(pd / "v.nii.gz", g, (0.8, 0.8, 3.0))
    with pytest.raises(OrgansegInputError, match=r"spacing disagreement.*pred[/\\]v\.nii\.gz.*gt[/\\]v\.nii\.gz"):
        evaluate_folder(pd, gd)
    rows, _ = evaluate_folder(pd, gd, spacing=(2.0, 0.8, 0.8))
    assert rows[0]["spacing_mm"] == "2x0.8x0.8" and rows[0]["dice"] == 1.0
    with pytest.raises(OrgansegInputError, match="has 2 values but the masks are 3-D"):
        evaluate_folder(pd, gd, spacing=(0.8, 0.8))


def test_shape_mismatch_names_both_files(tmp_path):
    pd, gd = tmp_path / "pred", tmp_path / "gt"
    write_png(gd / "a.png", square((64, 64)))
    write_png(pd / "a.png", square((64, 60)))
    with pytest.raises(OrgansegInputError, match=r"shape mismatch.*pred[/\\]a\.png.*\(64, 60\).*gt[/\\]a\.png"):
        evaluate_folder(pd, gd)


def test_0_255_png_in_folder_is_an_error(tmp_path):
    pd, gd = tmp_path / "pred", tmp_path / "gt"
    write_png(gd / "a.png", square())
    write_png(pd / "a.png", square() * 255)
    with pytest.raises(OrgansegInputError, match=r"pred[/\\]a\.png.*0/255"):
        evaluate_folder(pd, gd)


def test_dicom_seg_gt_with_eroded_png_and_nifti_predictions(tmp_path):
    gt = liver_gt()
    eroded = cv2.erode(gt, np.ones((5, 5), np.uint8))
    gd = tmp_path / "gt"
    gd.mkdir()
    shutil.copy(LIVER, gd / "liver.dcm")
    # PNG prediction: the spacing comes from the DICOM ground truth
    pd = tmp_path / "pred_png"
    write_png(pd / "liver.png", eroded)
    rows, _ = evaluate_folder(pd, gd)
    ref = compute_all(eroded, gt, LIVER_SPACING)
    assert rows[0]["spacing_mm"] == "0.810547x0.810547"
    for k in ("dice", "hd", "hd95", "asd", "rmsd", "precision", "recall", "gt_volume"):
        assert rows[0][k] == pytest.approx(ref[k]), k
    assert rows[0]["precision"] == 1.0 and rows[0]["recall"] < 1.0
    assert rows[0]["hd"] >= 2 * LIVER_SPACING[0] - 1e-9  # a 5x5 erosion moves the contour by >= 2 px
    # explicit spacing overrides the DICOM one
    rows_o, _ = evaluate_folder(pd, gd, spacing=0.8)
    assert rows_o[0]["hd"] == pytest.approx(compute_all(eroded, gt, 0.8)["hd"])
    # 2-D NIfTI prediction (x, y) with the same zooms, stored like the DICOM (LPS: a RAS diagonal affine would
    # be the mirrored image, which the old reader did not see): agreement, same values
    pn = tmp_path / "pred_nii"
    write_nifti(pn / "liver.nii.gz", eroded.T, LIVER_SPACING, lps=True)
    rows_n, _ = evaluate_folder(pn, gd)
    assert rows_n[0]["hd"] == pytest.approx(ref["hd"]) and rows_n[0]["dice"] == pytest.approx(ref["dice"])
    # ... and with different zooms: a disagreement
    write_nifti(pn / "liver.nii.gz", eroded.T, (0.5, 0.5), lps=True)
    with pytest.raises(OrgansegInputError, match=r"spacing disagreement.*liver\.nii\.gz.*liver\.dcm"):
        evaluate_folder(pn, gd)


# --------------------------------------------------------------------------------------------
# volumes from slices
# --------------------------------------------------------------------------------------------


def _slice_masks(case: int, n: int) -> tuple[list[np.ndarray], list[np.ndarray]]:
    rng = np.random.default_rng(case)
    gts, preds = [], []
    for k in range(n):
        r = 6 + 2 * k + case
        g = np.zeros((40, 40), np.uint8)
        cv2.circle(g, (20, 20), r, 1, -1)
        p = np.roll(g, int(rng.integers(-2, 3)), axis=1)
        gts.append(g)
        preds.append(p)
    return preds, gts


def write_volume_slices(root: Path, cases=(1, 2, 3), n=5, start=1) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    vols = {}
    for c in cases:
        preds, gts = _slice_masks(c, n)
        for k, (p, g) in enumerate(zip(preds, gts)):
            write_png(root / "pred" / f"ct_c{c:03d}_s{start + k:03d}.png", p)
            write_png(root / "gt" / f"ct_c{c:03d}_s{start + k:03d}.png", g)
        vols[f"ct_c{c:03d}"] = (np.stack(preds), np.stack(gts))
    return vols


def test_volumes_grouping_matches_compute_all_on_stacks(tmp_path):
    vols = write_volume_slices(tmp_path)
    rows, summary = evaluate_folder(tmp_path / "pred", tmp_path / "gt", spacing=0.8, volumes=True,
                                    slice_thickness=2.5)
    assert [r["case"] for r in rows] == ["ct_c001", "ct_c002", "ct_c003"]
    for r in rows:
        p, g = vols[r["case"]]
        ref = compute_all(p, g, (2.5, 0.8, 0.8))
        assert r["shape"] == "5x40x40" and r["spacing_mm"] == "2.5x0.8x0.8"
        assert r["pred_file"] == f"{r['case']}_s001.png..{r['case']}_s005.png"
        for k, v in ref.items():
            assert r[k] == pytest.approx(v), (r["case"], k)
    dsc = np.array([r["dice"] for r in rows])
    assert summary["dice"]["mean"] == pytest.approx(dsc.mean())
    assert summary["dice"]["std"] == pytest.approx(dsc.std(ddof=1))
    # a 3-value spacing is the same as spacing + slice thickness
    rows3, _ = evaluate_folder(tmp_path / "pred", tmp_path / "gt", spacing=(2.5, 0.8, 0.8), volumes=True)
    assert [r["hd"] for r in rows3] == pytest.approx([r["hd"] for r in rows])


def test_volumes_need_z_and_inplane_spacing(tmp_path):
    write_volume_slices(tmp_path, cases=(1,), n=3)
    with pytest.raises(OrgansegInputError, match="slice-thickness"):
        evaluate_folder(tmp_path / "pred", tmp_path / "gt", spacing=0.8, volumes=True)
    with pytest.raises(OrgansegInputError, match="no pixel spacing"):
        evaluate_folder(tmp_path / "pred", tmp_path / "gt", volumes=True, slice_thickness=2.0)
    with pytest.raises(OrgansegInputError, match="only applies with volumes"):
        evaluate_folder(tmp_path / "pred", tmp_path / "gt", slice_thickness=2.0)
    with pytest.raises(OrgansegInputError, match="disagrees"):
        evaluate_folder(tmp_path / "pred", tmp_path / "gt", spacing=(3.0, 0.8, 0.8), volumes=True,
                        slice_thickness=2.0)


def test_volumes_missing_slice_names_the_case(tmp_path):
    write_volume_slices(tmp_path, cases=(1, 2), n=5)
    for side in ("pred", "gt"):
        (tmp_path / side / "ct_c002_s003.png").unlink()
    with pytest.raises(OrgansegInputError, match=r"case 'ct_c002'.*missing slice.*\[3\]"):
        evaluate_folder(tmp_path / "pred", tmp_path / "gt", spacing=0.8, volumes=True, slice_thickness=2.0)


def test_volumes_slice_on_one_side_only_is_an_error(tmp_path):
    write_volume_slices(tmp_path, cases=(1,), n=4)
    (tmp_path / "pred" / "ct_c001_s004.png").unlink()  # the last slice: no gap, but volumes differ
    with pytest.raises(OrgansegInputError, match=r"case 'ct_c001'.*\[4\].*only in the ground truth"):
        evaluate_folder(tmp_path / "pred", tmp_path / "gt", spacing=0.8, volumes=True, slice_thickness=2.0)


def test_volumes_custom_regex_and_bad_names(tmp_path):
    pd, gd = tmp_path / "pred", tmp_path / "gt"
    preds, gts = _slice_masks(1, 3)
    for k, (p, g) in enumerate(zip(preds, gts)):
        write_png(pd / f"slice{k}-patientA.png", p)
        write_png(gd / f"slice{k}-patientA.png", g)
    rx = r"^slice(?P<slice>\d+)-(?P<case>\w+)$"
    rows, _ = evaluate_folder(pd, gd, spacing=1.0, volumes=True, slice_thickness=1.0, case_regex=rx)
    assert len(rows) == 1 and rows[0]["case"] == "patientA" and rows[0]["shape"] == "3x40x40"
    with pytest.raises(OrgansegInputError, match=r"does not match the case regex"):
        evaluate_folder(pd, gd, spacing=1.0, volumes=True, slice_thickness=1.0)
    with pytest.raises(OrgansegInputError, match=r"named groups"):
        evaluate_folder(pd, gd, spacing=1.0, volumes=True, slice_thickness=1.0, case_regex=r"(\d+)")


def test_summarize_all_infinite_and_single_case():
    rows = [{"case": "a", "pred_file": "", "gt_file": "", "shape": "", "spacing_mm": "", "hd": float("inf"),
             "dice": 0.5}]
    s = summarize(rows)
    assert s["hd"]["mean"] == float("inf") and s["hd"]["n_inf"] == 1
    assert s["dice"] == {"mean": 0.5, "std": 0.0, "min": 0.5, "max": 0.5, "n": 1.0, "n_inf": 0.0, "n_nan": 0.0}
