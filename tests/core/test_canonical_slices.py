"""The same anatomy gives the same 2-D slices everywhere: converter (NIH DICOM, MSD NIfTI), inference inputs,
mask evaluation, DICOM-by-content in every DICOM path (the issue "Real files from other tools")."""

from __future__ import annotations

import json
import shutil

import cv2
import numpy as np
import pytest

from organseg_plugins.core.converters.ct_volumes import CT_WINDOWS, convert_ct_volumes
from organseg_plugins.core.errors import OrgansegInputError
from organseg_plugins.core.evaluation.folders import evaluate_folder
from organseg_plugins.core.inference.inputs import load_input
from organseg_plugins.core.io.dicom import apply_window
from organseg_plugins.core.io.tables import read_meta_csv
from organseg_plugins.core.io.volumes import read_volume
from tests.core.io.test_orientation import (
    ORIGIN,
    SHAPE,
    SPACING,
    anatomy,
    write_lps_nifti,
    write_ras_nifti,
    write_uid_series,
)

WINDOW = CT_WINDOWS["pancreas"]


def organ() -> np.ndarray:
    m = np.zeros(SHAPE, np.uint8)
    m[1:3, 1:4, 4:7] = 1  # on the patient's left (x index >= 4 in LPS), posterior rows 1..3
    m[0, 0, 0] = 1
    return m


def _png(path):
    return cv2.imread(str(path), cv2.IMREAD_UNCHANGED)


def _msd(root, image_writer=write_ras_nifti, label_writer=write_ras_nifti):
    (root / "imagesTr").mkdir(parents=True)
    (root / "labelsTr").mkdir()
    image_writer(root / "imagesTr" / "case_001.nii.gz", anatomy())
    label_writer(root / "labelsTr" / "case_001.nii.gz", organ())
    (root / "dataset.json").write_text(json.dumps({"training": [
        {"image": "./imagesTr/case_001.nii.gz", "label": "./labelsTr/case_001.nii.gz"}]}))
    return root


def test_converter_and_inference_cut_the_same_slices(tmp_path):
    root = _msd(tmp_path / "msd")
    rep = convert_ct_volumes(root, tmp_path / "out", window=WINDOW, progress=False)
    assert rep.ok and rep.converted == SHAPE[0], rep.errors
    pngs = [_png(tmp_path / "out" / "img_dir" / "train" / f"case_001_s{k:04d}.png") for k in range(SHAPE[0])]
    plain = load_input(root / "imagesTr" / "case_001.nii.gz")  # the default window: same slice geometry
    assert [s.shape for s in plain.slices] == [p.shape for p in pngs] == [SHAPE[1:]] * SHAPE[0]
    item = load_input(root / "imagesTr" / "case_001.nii.gz", window=WINDOW)
    assert len(item.slices) == SHAPE[0]
    np.testing.assert_array_equal(item.volume.array, anatomy())  # same values before windowing, LPS
    np.testing.assert_array_equal(read_volume(root / "imagesTr" / "case_001.nii.gz").array, item.volume.array)
    assert item.spacing == pytest.approx(SPACING[1:]) and item.slice_thickness == pytest.approx(SPACING[0])
    for k in range(SHAPE[0]):
        png = pngs[k]
        assert png.shape == item.slices[k].shape == SHAPE[1:]  # rows y, columns x: never transposed
        np.testing.assert_array_equal(png, item.slices[k])
        np.testing.assert_array_equal(png, apply_window(anatomy()[k], sum(WINDOW) / 2, WINDOW[1] - WINDOW[0]))
        np.testing.assert_array_equal(_png(tmp_path / "out" / "ann_dir" / "train" / f"case_001_s{k:04d}.png"),
                                      organ()[k])


def _nih(root, label_writer=write_ras_nifti, extra_file: bool = True):
    series = root / "PANCREAS_0001" / "1.2.840.113654.2.55.1" / "1.2.840.113654.2.55.2"
    write_uid_series(series, anatomy(), preamble_less=2)
    if extra_file:
        (series / "LICENSE").write_text("TCIA data usage policy\n")
    (root / "labels").mkdir(parents=True)
    label_writer(root / "labels" / "label0001.nii.gz", organ())  # nibabel-style RAS next to an LPS series
    return root


def test_nih_dicom_and_msd_nifti_give_the_same_training_slices(tmp_path):
    nih = _nih(tmp_path / "nih")
    msd = _msd(tmp_path / "msd")
    rep_n = convert_ct_volumes(nih, tmp_path / "o_nih", layout="nih", window=WINDOW, progress=False)
    rep_m = convert_ct_volumes(msd, tmp_path / "o_msd", window=WINDOW, progress=False)
    assert rep_n.ok and rep_n.converted == SHAPE[0], rep_n.errors
    assert rep_m.ok and rep_m.converted == SHAPE[0], rep_m.errors
    (lic,) = (w for w in rep_n.warnings if w.path.endswith("LICENSE"))  # reported, one line, not silently skipped
    assert "not a DICOM file" in lic.message and "\n" not in lic.message
    for k in range(SHAPE[0]):
        for d in ("img_dir", "ann_dir"):
            a = _png(tmp_path / "o_nih" / d / "train" / f"PANCREAS_0001_s{k:04d}.png")
            b = _png(tmp_path / "o_msd" / d / "train" / f"case_001_s{k:04d}.png")
            np.testing.assert_array_equal(a, b)
    meta = read_meta_csv(tmp_path / "o_nih" / "meta.csv")["PANCREAS_0001_s0000.png"]
    assert meta["origin"] == " ".join(f"{v:g}" for v in ORIGIN) and meta["direction"] == "1 0 0 0 1 0 0 0 1"
    meta_m = read_meta_csv(tmp_path / "o_msd" / "meta.csv")["case_001_s0000.png"]
    assert meta_m["storage_direction"] == "-1 0 0 0 -1 0 0 0 1"  # the RAS file, to write predictions back


def test_label_in_another_space_is_refused_by_the_converter_naming_both_files(tmp_path):
    def far(path, a):
        return write_lps_nifti(path, a, origin=(ORIGIN[0], ORIGIN[1], ORIGIN[2] + 10.0))

    nih = _nih(tmp_path / "nih", label_writer=far, extra_file=False)
    rep = convert_ct_volumes(nih, tmp_path / "o", layout="nih", progress=False)
    (err,) = rep.errors
    assert "label0001.nii.gz" in str(err) and "PANCREAS_0001" in str(err) and "physical space" in str(err)
    assert rep.converted == 0 and rep.skipped == 1


def test_evaluator_reads_3d_masks_in_one_orientation(tmp_path):
    pd, gd = tmp_path / "pred", tmp_path / "gt"
    pd.mkdir()
    gd.mkdir()
    write_lps_nifti(gd / "case.nii.gz", organ())
    write_ras_nifti(pd / "case.nii.gz", organ())  # the same mask, stored as nibabel writes it
    rows, _ = evaluate_folder(pd, gd)
    assert rows[0]["dice"] == 1.0 and rows[0]["hd"] == 0.0 and rows[0]["shape"] == "4x5x7"
    write_lps_nifti(pd / "case.nii.gz", organ(), origin=(ORIGIN[0] - 10.0, ORIGIN[1], ORIGIN[2]))
    with pytest.raises(OrgansegInputError, match=r"pred[/\\]case\.nii\.gz: prediction is not in the physical "
                                                 r"space of its ground truth .*gt[/\\]case\.nii\.gz"):
        evaluate_folder(pd, gd)


def test_inference_finds_dicom_by_content(tmp_path):
    files = write_uid_series(tmp_path / "series", anatomy(), preamble_less=0)
    (tmp_path / "series" / "index.txt").write_text("0008 list of files\n")
    one = tmp_path / "CT.1.3.12.2.1107.5.1.4.16573"
    shutil.copy(files[1], one)
    item = load_input(one)  # a single file named by UID, no .dcm
    assert item.kind == "dicom" and item.name == one.name and item.slices[0].shape == SHAPE[1:]
    series = load_input(tmp_path / "series", window=WINDOW)
    assert series.kind == "dicom_series" and len(series.slices) == SHAPE[0]
    np.testing.assert_array_equal(series.volume.array, anatomy())
    (note,) = series.warnings
    assert "index.txt" in note and "not a DICOM file" in note


def test_dicom_to_png_converter_reads_preamble_less_uid_files(tmp_path):
    from organseg_plugins.core.converters.dicom import convert_dicom_cases

    write_uid_series(tmp_path / "raw" / "case1" / "images", anatomy(), preamble_less=1)
    (tmp_path / "raw" / "case1" / "images" / "notes.txt").write_text("not an image\n")
    rep = convert_dicom_cases(tmp_path / "raw", tmp_path / "out", images_only=True, progress=False)
    assert rep.converted == SHAPE[0]
    (err,) = rep.errors  # the non-DICOM file: reported, one line naming it
    assert err.path.endswith("notes.txt") and "not a DICOM file" in err.message
