"""DICOM CT series -> windowed PNG slices (organseg_plugins.core.converters.dicom): window, order, masks, SEG.

Each pass of the conversion is tested on its own (scan/order, mask alignment, pixels), then whole
runs; a golden digest pins the output of a run to what the converter wrote before its split into
passes (the same bytes, the same report).
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import FrozenInstanceError
from pathlib import Path

import cv2
import numpy as np
import pydicom
import pytest
from pydicom.data import get_testdata_file

from organseg_plugins.core.converters import dicom as dicom_mod
from organseg_plugins.core.converters.dicom import (
    DicomConvertOptions,
    convert_dicom_cases,
    run_dicom_conversion,
)
from organseg_plugins.core.converters.report import ConversionReport
from organseg_plugins.core.errors import OrgansegInputError
from organseg_plugins.core.io.dicom import DicomSlice, apply_window, read_dicom, read_dicom_seg, rescale_to_hu
from organseg_plugins.core.io.images import read_binary_mask
from tests.core.converters.helpers import content_digest, disk, hash_tree, issues, meta_rows, write_png

CT_SMALL = get_testdata_file("CT_small.dcm")
LIVER_SEG = get_testdata_file("liver_1frame.dcm")
NOT_DICOM = "not a DICOM file (no DICM preamble, and not readable as a DICOM data set)"  # io.dicom's message


# ------------------------------------------------------------------ helpers














def _ct_slice(path: Path, instance: int, z: float, uid: str, pixels: np.ndarray | None = None,
              spacing=None) -> None:
    ds = pydicom.dcmread(CT_SMALL)
    ds.InstanceNumber = instance
    ds.ImagePositionPatient = [ds.ImagePositionPatient[0], ds.ImagePositionPatient[1], z]
    ds.SOPInstanceUID = uid
    ds.file_meta.MediaStorageSOPInstanceUID = uid
    if pixels is not None:
        ds.Rows, ds.Columns = pixels.shape
        ds.PixelData = pixels.astype(np.int16).tobytes()
    if spacing is not None:
        ds.PixelSpacing = [spacing, spacing]
    path.parent.mkdir(parents=True, exist_ok=True)
    ds.save_as(str(path), write_like_original=False)


def _mask_dicom(path: Path, z: float, mask: np.ndarray, instance: int) -> None:
    ds = pydicom.dcmread(CT_SMALL)
    ds.InstanceNumber = instance
    ds.ImagePositionPatient = [ds.ImagePositionPatient[0], ds.ImagePositionPatient[1], z]
    ds.SOPInstanceUID = f"1.2.3.9.{instance}"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 16, 15, 0
    ds.Rows, ds.Columns = mask.shape
    ds.PixelData = mask.astype(np.uint16).tobytes()
    for k in ("RescaleSlope", "RescaleIntercept"):
        if k in ds:
            delattr(ds, k)
    path.parent.mkdir(parents=True, exist_ok=True)
    ds.save_as(str(path), write_like_original=False)


def _slice(name: str, instance: int | None = None, location: float | None = None, thickness=None) -> DicomSlice:
    return DicomSlice(path=Path(name), rows=2, cols=2, instance_number=instance, location=location,
                      thickness=thickness)


@pytest.fixture()
def ct_root(tmp_path):
    """Case c01: 3 CT_small slices (files named against the z order) with PNG masks; case c02 with problems."""
    root = tmp_path / "ct"
    raw = pydicom.dcmread(CT_SMALL).pixel_array
    masks = {}
    # file names in reverse z order, to check the sorting by position
    for k, (name, z) in enumerate((("IM3", -65.7), ("IM2", -70.7), ("IM1", -75.7))):
        _ct_slice(root / "c01" / "images" / f"{name}.dcm", instance=3 - k, z=z, uid=f"1.2.3.1.{3 - k}")
        m = disk(128, 128, 40 + 10 * k, 64, 15)
        masks[name] = m
        write_png(root / "c01" / "masks" / f"{name}.png", m * 255)  # 0/255 masks are converted
    # c02: per-slice DICOM masks aligned by position; one slice without mask, one mask of another size,
    # one unreadable file, one extra mask
    for i, z in enumerate((0.0, 5.0, 10.0, 15.0)):
        _ct_slice(root / "c02" / "images" / f"s{i}.dcm", instance=i + 1, z=z, uid=f"1.2.3.2.{i + 1}")
    _mask_dicom(root / "c02" / "masks" / "mask_a.dcm", 0.0, disk(128, 128, 64, 64, 20), 1)
    _mask_dicom(root / "c02" / "masks" / "mask_b.dcm", 5.0, disk(64, 64, 32, 32, 10), 2)  # wrong size
    _mask_dicom(root / "c02" / "masks" / "mask_c.dcm", 15.0, disk(128, 128, 30, 30, 9), 4)
    _mask_dicom(root / "c02" / "masks" / "mask_x.dcm", 40.0, disk(128, 128, 30, 30, 9), 9)  # extra
    (root / "c02" / "images" / "broken.dcm").write_bytes(b"\x00" * 10)
    # slice s2 (z=10) has no mask
    return root, raw, masks


def _seg_case(root: Path) -> None:
    """Case p1: three 512x512 slices, the first one referenced by the liver_1frame DICOM-SEG."""
    base = "1.2.392.200103.20080913.113635.2.2009.6.22.21.43.10."
    pix = np.full((512, 512), 1024, np.int16)
    for k, (n, z) in enumerate(((23433, -128.69), (23432, -127.69), (23431, -126.69))):
        _ct_slice(root / "p1" / "images" / f"{n}.dcm", instance=k + 1, z=z, uid=f"{base}{n}.1",
                  pixels=pix, spacing=0.810547)
    (root / "p1" / "masks").mkdir(parents=True)
    shutil.copy(LIVER_SEG, root / "p1" / "masks" / "seg.dcm")


# ------------------------------------------------------------------ window and options


def test_window_math_by_hand():
    # level 50, width 400 -> [-150, 250] HU maps linearly onto 0..255
    hu = np.array([-1000.0, -150.0, 0.0, 50.0, 209.0, 250.0, 3000.0])
    np.testing.assert_array_equal(apply_window(hu, 50, 400), [0, 0, 96, 128, 229, 255, 255])
    np.testing.assert_array_equal(rescale_to_hu(np.array([1013, 0]), 1, -1024), [-11, -1024])
    np.testing.assert_array_equal(rescale_to_hu(np.array([10]), 2.5, -5), [20])
    with pytest.raises(OrgansegInputError, match=r"^window width must be > 0 and level finite, got level 40, width 0$"):
        apply_window(hu, 40, 0)


def test_options_validate_names_the_bad_option():
    DicomConvertOptions().validate()
    with pytest.raises(OrgansegInputError, match=r"^missing_mask must be 'error' or 'empty', got 'skip'$"):
        DicomConvertOptions(missing_mask="skip").validate()
    with pytest.raises(OrgansegInputError, match=r"^match must be auto/position/instance, got 'uid'$"):
        DicomConvertOptions(match="uid").validate()
    with pytest.raises(OrgansegInputError, match=r"^window width must be > 0 and level finite, got level 40, width 0$"):
        DicomConvertOptions(level=40, width=0).validate()
    opts = DicomConvertOptions(level=40)
    with pytest.raises(FrozenInstanceError, match=r"^cannot assign to field 'level'$"):
        opts.level = 50


def test_slice_window_default_and_from_file(tmp_path):
    ds = read_dicom(CT_SMALL)
    rep = ConversionReport()
    assert dicom_mod._slice_window(ds, DicomConvertOptions(level=40, width=80), rep, Path("a.dcm")) == (40.0, 80.0)
    ds.WindowCenter, ds.WindowWidth = [60, 30], [160, 90]
    assert dicom_mod._slice_window(ds, DicomConvertOptions(window_from_file=True), rep, Path("a.dcm")) == (60.0, 160.0)
    del ds.WindowCenter
    assert dicom_mod._slice_window(ds, DicomConvertOptions(window_from_file=True), rep, Path("a.dcm")) == (50.0, 400.0)
    assert issues(rep.warnings) == [("a.dcm", "no WindowCenter/WindowWidth; default window L 50 / W 400 used")]


# ------------------------------------------------------------------ pass 1: headers, order, duplicates, gaps


def test_check_positions_drops_duplicates_and_warns_about_gaps():
    rep = ConversionReport()
    slices = [_slice("a", location=0.0), _slice("b", location=0.005), _slice("c", location=5.0),
              _slice("d", location=10.0), _slice("e", location=20.0)]
    kept = dicom_mod._check_positions(slices, 0.01, rep)
    assert [s.path.name for s in kept] == ["a", "c", "d", "e"]
    assert issues(rep.errors) == [("b", "same slice position as a (0.005 mm): duplicate slice")]
    assert rep.skipped == 1
    assert issues(rep.warnings) == [
        ("e", "gap of 10.000 mm after d (typical step 5.000 mm): missing slice(s)?")]


def test_check_positions_two_slices_use_the_thickness():
    rep = ConversionReport()
    kept = dicom_mod._check_positions([_slice("a", location=0.0, thickness=2.0), _slice("b", location=5.0)],
                                      0.01, rep)
    assert len(kept) == 2 and rep.ok
    assert issues(rep.warnings) == [("b", "gap of 5.000 mm after a (typical step 2.000 mm): missing slice(s)?")]


def test_check_instance_numbers_duplicates_and_jumps():
    rep = ConversionReport()
    kept = dicom_mod._check_instance_numbers(
        [_slice("a", 1), _slice("b", 1), _slice("c", 2), _slice("d", 4)], rep)
    assert [s.path.name for s in kept] == ["a", "c", "d"]
    assert issues(rep.errors) == [("b", "duplicate InstanceNumber 1")] and rep.skipped == 1
    assert issues(rep.warnings) == [("d", "InstanceNumber jumps from 2 to 4: missing slice(s)?")]


def test_order_slices_by_position_instance_or_file_name():
    rep = ConversionReport()
    by_pos = dicom_mod._order_slices([_slice("b", 2, 5.0), _slice("a", 1, 10.0)], Path("imgs"), 0.01, rep)
    assert [s.path.name for s in by_pos] == ["b", "a"]
    by_num = dicom_mod._order_slices([_slice("b", 2), _slice("a", 3)], Path("imgs"), 0.01, rep)
    assert [s.path.name for s in by_num] == ["b", "a"] and not rep.warnings
    by_name = dicom_mod._order_slices([_slice("b"), _slice("a", 1)], Path("imgs"), 0.01, rep)
    assert [s.path.name for s in by_name] == ["a", "b"]
    assert issues(rep.warnings) == [("imgs", "no positions or InstanceNumbers: slices ordered by file name")]


def test_read_slice_headers_reports_unreadable_files_and_segs(tmp_path):
    images = tmp_path / "images"
    _ct_slice(images / "ok.dcm", 1, 0.0, "1.2.3.4")
    (images / "broken.dcm").write_bytes(b"\x00" * 10)
    shutil.copy(LIVER_SEG, images / "seg.dcm")
    rep = ConversionReport()
    slices = dicom_mod._read_slice_headers(images, "masks", rep)
    assert [s.path.name for s in slices] == ["ok.dcm"] and rep.skipped == 2
    assert issues(rep.errors) == [("broken.dcm", NOT_DICOM),
                                   ("seg.dcm", "a DICOM-SEG in the image folder (move it to masks/)")]


def test_scan_case_pairs_slices_with_masks(ct_root):
    root, _, _ = ct_root
    rep = ConversionReport()
    jobs = dicom_mod._scan_case("c01", root / "c01", DicomConvertOptions(), rep)
    assert rep.ok and [(j.case, j.split, j.index, j.slice.path.name, j.mask.kind, j.mask.path.name)
                       for j in jobs] == [("c01", "train", 0, "IM1.dcm", "png", "IM1.png"),
                                          ("c01", "train", 1, "IM2.dcm", "png", "IM2.png"),
                                          ("c01", "train", 2, "IM3.dcm", "png", "IM3.png")]
    jobs = dicom_mod._scan_case("c01", root / "c01", DicomConvertOptions(images_only=True), rep)
    assert [j.mask for j in jobs] == [None] * 3
    jobs = dicom_mod._scan_case("c01", root / "c01", DicomConvertOptions(assignment={"c02": "val"}), rep)
    assert jobs == [] and rep.skipped == 3
    assert issues(rep.errors) == [("c01", "case 'c01' is not in the split assignment")]


def test_scan_case_without_mask_folder(ct_root):
    root, _, _ = ct_root
    shutil.rmtree(root / "c01" / "masks")
    rep = ConversionReport()
    assert dicom_mod._scan_case("c01", root / "c01", DicomConvertOptions(), rep) == []
    assert issues(rep.errors) == [
        ("masks", "mask folder does not exist (use images_only / --images-only for images alone)")]
    assert rep.skipped == 3


# ------------------------------------------------------------------ pass 1: mask alignment


def test_align_png_masks_by_stem():
    rep = ConversionReport()
    slices = [_slice("IM1.dcm"), _slice("IM2.dcm")]
    out = dicom_mod._align_png_masks(slices, [Path("IM2.png"), Path("IM9.png"), Path("IM2.jpg")], rep)
    assert {i: ref.path.name for i, ref in out.items()} == {1: "IM2.png"}
    assert issues(rep.errors) == [
        ("IM9.png", "mask matches no image slice (PNG masks must have the image file's stem)"),
        ("IM2.jpg", "second mask for slice IM2.dcm")]


def test_align_dicom_masks_by_position(ct_root):
    root, _, _ = ct_root
    rep = ConversionReport()
    slices = dicom_mod._read_slice_headers(root / "c02" / "images", "masks", ConversionReport())
    slices = dicom_mod._order_slices(slices, root / "c02" / "images", 0.01, rep)
    out, is_seg = dicom_mod._align_masks(slices, root / "c02" / "masks", rep, DicomConvertOptions())
    assert not is_seg
    assert {i: (ref.kind, ref.path.name) for i, ref in out.items()} == {
        0: ("dicom", "mask_a.dcm"), 1: ("dicom", "mask_b.dcm"), 3: ("dicom", "mask_c.dcm")}
    assert issues(rep.errors) == [("mask_x.dcm", "extra mask: no image slice at position 40.000 mm")]


def test_align_dicom_masks_by_instance_number(ct_root):
    root, _, _ = ct_root
    slices = dicom_mod._read_slice_headers(root / "c02" / "images", "masks", ConversionReport())
    slices = dicom_mod._order_slices(slices, root / "c02" / "images", 0.01, ConversionReport())
    rep = ConversionReport()
    out, _ = dicom_mod._align_masks(slices, root / "c02" / "masks", rep, DicomConvertOptions(match="instance"))
    assert {i: ref.path.name for i, ref in out.items()} == {0: "mask_a.dcm", 1: "mask_b.dcm", 3: "mask_c.dcm"}
    assert issues(rep.errors) == [("mask_x.dcm", "extra mask: no image slice at InstanceNumber 9")]


def test_align_seg_frames_by_referenced_uid(tmp_path):
    _seg_case(tmp_path)
    slices = dicom_mod._read_slice_headers(tmp_path / "p1" / "images", "masks", ConversionReport())
    slices = dicom_mod._order_slices(slices, tmp_path, 0.01, ConversionReport())
    rep = ConversionReport()
    out, is_seg = dicom_mod._align_masks(slices, tmp_path / "p1" / "masks", rep, DicomConvertOptions())
    assert is_seg and list(out) == [0] and out[0].kind == "seg" and out[0].frames == [0]
    assert rep.ok and issues(rep.warnings) == [("seg.dcm", "3 per-frame items for 1 frame(s); the first 1 used")]


def test_pair_masks_missing_mask_policies():
    slices = [_slice("a.dcm", 1, 0.0), _slice("b.dcm", 2, 5.0)]
    masks = {0: dicom_mod._MaskRef("png", Path("a.png"))}
    rep = ConversionReport()
    jobs = dicom_mod._pair_masks("c", "val", slices, masks, False, DicomConvertOptions(), rep)
    assert [(j.index, j.slice.path.name, j.split) for j in jobs] == [(0, "a.dcm", "val")]
    assert issues(rep.errors) == [
        ("b.dcm", "no mask for this slice (InstanceNumber 2, position 5.000 mm) in masks/; skipped")]
    assert rep.skipped == 1
    rep = ConversionReport()
    jobs = dicom_mod._pair_masks("c", "val", slices, masks, False, DicomConvertOptions(missing_mask="empty"), rep)
    assert [j.mask.kind for j in jobs] == ["png", "empty"] and rep.ok
    assert issues(rep.warnings) == [("b.dcm", "no mask for this slice: empty mask written (missing_mask='empty')")]
    rep = ConversionReport()
    jobs = dicom_mod._pair_masks("c", "val", slices, masks, True, DicomConvertOptions(), rep)
    assert [j.mask.kind for j in jobs] == ["png", "empty"]
    assert rep.notes == {"slice not covered by the DICOM-SEG: empty mask": 1} and not rep.warnings


# ------------------------------------------------------------------ pass 2: pixels and rows


def test_load_slice_and_meta_row(ct_root):
    root, raw, masks = ct_root
    rep = ConversionReport()
    jobs = dicom_mod._scan_case("c01", root / "c01", DicomConvertOptions(), rep)
    img, mask, window = dicom_mod._load_slice(jobs[0], DicomConvertOptions(), rep, set())
    assert window == (50.0, 400.0) and img.dtype == np.uint8 and img.shape == (128, 128)
    np.testing.assert_array_equal(mask, masks["IM1"])
    row = dicom_mod._meta_row(jobs[0], window, img.shape, root)
    assert row == {"case_id": "c01", "slice_index": 0, "instance_number": 1, "slice_location_mm": "-75.7",
                   "spacing_mm": "0.661468", "spacing_row_mm": "0.661468", "spacing_col_mm": "0.661468",
                   "slice_thickness_mm": "5", "window_level": "50", "window_width": "400", "height": 128,
                   "width": 128, "source_file": "c01/images/IM1.dcm", "mask_file": "c01/masks/IM1.png"}


def test_slice_mask_size_mismatch_names_both_files(ct_root):
    root, _, _ = ct_root
    rep = ConversionReport()
    jobs = dicom_mod._scan_case("c02", root / "c02", DicomConvertOptions(), rep)
    bad = [j for j in jobs if j.slice.path.name == "s1.dcm"][0]
    src, mpath = root / "c02" / "images" / "s1.dcm", root / "c02" / "masks" / "mask_b.dcm"
    with pytest.raises(OrgansegInputError, match=rf"^{re.escape(str(src))}: mask {re.escape(str(mpath))} is "
                                                 r"64x64, the image is 128x128 \(size mismatch\)$"):
        dicom_mod._slice_mask(bad, (128, 128), None)


# ------------------------------------------------------------------ whole runs


def test_dicom_series_windowing_spacing_and_order(ct_root, tmp_path):
    root, raw, masks = ct_root
    before = hash_tree(root)
    out = tmp_path / "png"
    rep = convert_dicom_cases(root, out, progress=False)
    assert hash_tree(root) == before
    meta = meta_rows(out / "meta.csv")
    c01 = [r for r in meta if r["case_id"] == "c01"]
    assert [r["source_file"] for r in c01] == ["c01/images/IM1.dcm", "c01/images/IM2.dcm", "c01/images/IM3.dcm"]
    assert [r["instance_number"] for r in c01] == ["1", "2", "3"]
    for r in c01:
        assert float(r["spacing_mm"]) == pytest.approx(0.661468)
        assert float(r["spacing_row_mm"]) == float(r["spacing_col_mm"]) == pytest.approx(0.661468)
        assert float(r["slice_thickness_mm"]) == 5.0
        assert (r["window_level"], r["window_width"]) == ("50", "400")
        assert (r["height"], r["width"]) == ("128", "128")
    img = cv2.imread(str(out / "img_dir" / "train" / "c01_0000.png"), cv2.IMREAD_UNCHANGED)
    assert img.dtype == np.uint8 and img.shape == (128, 128)
    # by hand: CT_small has slope 1, intercept -1024; window [-150, 250] HU
    for (y, x), raw_v, grey in (((60, 60), 1013, 89), ((61, 61), 1233, 229), ((63, 60), 1931, 255), ((0, 0), 175, 0)):
        assert raw[y, x] == raw_v
        hu = raw_v * 1 - 1024
        assert grey == int(np.floor(255 * np.clip((hu + 150) / 400, 0, 1) + 0.5))
        assert img[y, x] == grey
    # masks follow their slice (IM1 is the lowest z -> index 0)
    for idx, name in enumerate(("IM1", "IM2", "IM3")):
        np.testing.assert_array_equal(read_binary_mask(out / "ann_dir" / "train" / f"c01_{idx:04d}.png"), masks[name])
    # c02: per-file problems reported, the good slices converted
    mask_b = root / "c02" / "masks" / "mask_b.dcm"
    assert issues(rep.errors) == [
        ("broken.dcm", NOT_DICOM),
        ("mask_x.dcm", "extra mask: no image slice at position 40.000 mm"),
        ("s2.dcm", "no mask for this slice (InstanceNumber 3, position 10.000 mm) in masks/; skipped"),
        ("s1.dcm", f"mask {mask_b} is 64x64, the image is 128x128 (size mismatch)"),
    ]
    c02 = {r["source_file"]: r for r in meta if r["case_id"] == "c02"}
    assert set(c02) == {"c02/images/s0.dcm", "c02/images/s3.dcm"}
    assert c02["c02/images/s3.dcm"]["mask_file"] == "c02/masks/mask_c.dcm"
    stem = c02["c02/images/s3.dcm"]["filename"]
    np.testing.assert_array_equal(read_binary_mask(out / "ann_dir" / "train" / stem), disk(128, 128, 30, 30, 9))
    assert rep.converted == 5 and rep.exit_code() == 1
    coco = json.loads((out / "annotations" / "instances_train.json").read_text())
    assert len(coco["images"]) == 5 and len(coco["annotations"]) == 5


def test_dicom_gap_missing_empty_and_options(ct_root, tmp_path):
    root, _, _ = ct_root
    shutil.rmtree(root / "c02")
    (root / "c01" / "images" / "IM2.dcm").unlink()  # a hole in the series
    rep = convert_dicom_cases(root, tmp_path / "o", level=40, width=80, progress=False)
    assert issues(rep.warnings) == [("IM3.dcm", "gap of 10.000 mm after IM1.dcm (typical step 5.000 mm): "
                                                 "missing slice(s)?")]
    assert issues(rep.errors) == [  # IM2.png now has no slice
        ("IM2.png", "mask matches no image slice (PNG masks must have the image file's stem)")]
    meta = meta_rows(tmp_path / "o" / "meta.csv")
    assert {r["window_width"] for r in meta} == {"80"}
    # dry run writes nothing; images only works without masks
    rep2 = convert_dicom_cases(root, tmp_path / "dry", images_only=True, dry_run=True, progress=False)
    assert rep2.converted == 2 and rep2.ok and not (tmp_path / "dry").exists()


def test_dicom_whole_run_problems_raise(ct_root, tmp_path):
    root, _, _ = ct_root
    with pytest.raises(OrgansegInputError, match=r"^missing_mask must be 'error' or 'empty', got 'zero'$"):
        convert_dicom_cases(root, tmp_path / "o", missing_mask="zero")
    with pytest.raises(OrgansegInputError, match=rf"^{re.escape(str(tmp_path))}: no case folders with an "
                                                 r"scans/ sub-folder \(expected ROOT/<case>/scans/\*\.dcm\)$"):
        convert_dicom_cases(tmp_path, tmp_path.parent / "o", images_subdir="scans")


def test_dicom_seg_liver_1frame():
    seg = read_dicom_seg(LIVER_SEG)
    assert seg.masks.shape == (1, 512, 512) and seg.masks.dtype == np.uint8
    assert set(np.unique(seg.masks).tolist()) == {0, 1} and seg.masks.sum() > 1000
    assert seg.spacing == pytest.approx((0.810547, 0.810547))
    assert seg.segment_label == "Liver" and seg.segment_number == 1
    assert seg.ref_uids == ["1.2.392.200103.20080913.113635.2.2009.6.22.21.43.10.23433.1"]
    assert seg.positions[0] == pytest.approx((-235.2, -226.8, -128.69))
    assert seg.warnings == ["3 per-frame items for 1 frame(s); the first 1 used"]  # 3 per-frame items for 1 frame
    assert read_dicom_seg(LIVER_SEG, segment="liver").masks.shape == (1, 512, 512)
    with pytest.raises(OrgansegInputError, match=rf"^{re.escape(LIVER_SEG)}: no segment number 2; segments are \{{1: 'Liver'\}}$"):
        read_dicom_seg(LIVER_SEG, segment=2)
    with pytest.raises(OrgansegInputError, match=rf"^{re.escape(CT_SMALL)}: not a DICOM Segmentation \(Modality 'CT'\)$"):
        read_dicom_seg(CT_SMALL)


def test_dicom_seg_as_mask_source(tmp_path):
    root = tmp_path / "segcase"
    _seg_case(root)
    rep = convert_dicom_cases(root, tmp_path / "out", progress=False)
    assert rep.ok, rep.summary()
    assert rep.converted == 3 and rep.notes.get("slice not covered by the DICOM-SEG: empty mask") == 2
    meta = meta_rows(tmp_path / "out" / "meta.csv")
    assert [float(r["spacing_mm"]) for r in meta] == pytest.approx([0.810547] * 3)
    truth = read_dicom_seg(LIVER_SEG).masks[0]
    first = read_binary_mask(tmp_path / "out" / "ann_dir" / "train" / "p1_0000.png")  # z = -128.69
    np.testing.assert_array_equal(first, truth)
    assert not read_binary_mask(tmp_path / "out" / "ann_dir" / "train" / "p1_0001.png").any()
    # a SEG whose referenced slice is absent is reported per file
    (root / "p1" / "images" / "23433.dcm").unlink()
    _ct_slice(root / "p1" / "images" / "other.dcm", instance=1, z=-140.0, uid="1.2.3.99",
              pixels=np.full((512, 512), 1024, np.int16), spacing=0.810547)
    rep2 = convert_dicom_cases(root, tmp_path / "out2", progress=False)
    assert issues(rep2.errors) == [("seg.dcm", "SEG frame 1 (referenced UID 1.2.392.200103.20080913.113635.2.2009.6.22."
                                               "21.43.10.23433.1, position (-235.2, -226.8, -128.69)) matches no "
                                               "image slice of the series")]


def test_options_form_equals_keyword_form(ct_root, tmp_path):
    root, _, _ = ct_root
    kw = dict(level=40, width=80, missing_mask="empty", match="instance", category="organ", progress=False)
    rep_kw = convert_dicom_cases(root, tmp_path / "kw", **kw)
    rep_opt = run_dicom_conversion(root, tmp_path / "opt", DicomConvertOptions(**kw))
    assert rep_kw.to_dict() == rep_opt.to_dict() and rep_kw.outputs == rep_opt.outputs
    assert hash_tree(tmp_path / "kw") == hash_tree(tmp_path / "opt")


@pytest.mark.parametrize(("name", "kw", "digest"), [
    ("default", {}, "ec308f9e2c030730559636cbed06bf03765aee43cf5a878906c19d902c25601c"),
    ("options", dict(level=40, width=80, window_from_file=True, missing_mask="empty", match="instance",
                     assignment={"c01": "val"}, category="organ"), "87e047b6150dfd3988e961dc154d8a6516f6c1eea4f18543023d5cd23ac10336"),
    ("images_only", dict(images_only=True, split="test"), "5d8997d5440a8d630bd9eb3e350e707e13e647d5b3f54b5c720c12d9a889f1ce"),
])
def test_output_is_unchanged_by_the_split_into_passes(ct_root, tmp_path, name, kw, digest):
    """Digests of the output (decoded PNGs, meta.csv, COCO) and report written by the converter before
    it was split into passes: the refactored converter writes the same."""
    root, _, _ = ct_root
    (root / "c02" / "images" / "broken.dcm").unlink()  # its message comes from io.dicom, tested above
    rep = convert_dicom_cases(root, tmp_path / name, progress=False, **kw)
    assert content_digest(tmp_path / name, rep, tmp_path) == digest


def test_seg_output_is_unchanged_by_the_split_into_passes(tmp_path):
    root = tmp_path / "segcase"
    _seg_case(root)
    rep = convert_dicom_cases(root, tmp_path / "out", progress=False)
    assert content_digest(tmp_path / "out", rep, tmp_path) == "a236df4dd76cbc7599dc9e75cf04f624d377ced93efe003c824b806e46259897"
