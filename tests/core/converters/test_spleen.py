"""Spleen ultrasound images + masks + lengths -> mmseg layout (organseg_plugins.core.converters.spleen).

The scan, the patient split and the per-image read are tested on their own, then whole runs; a golden
digest pins a run's output to what the converter wrote before its split into passes.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pydicom
import pytest
from pydicom.data import get_testdata_file

from organseg_plugins.core.converters import spleen as spleen_mod
from organseg_plugins.core.converters.report import ConversionReport
from organseg_plugins.core.converters.spleen import (
    SpleenConvertOptions,
    convert_spleen,
    run_spleen_conversion,
    ultrasound_spacing_mm,
)
from organseg_plugins.core.errors import OrgansegInputError
from organseg_plugins.core.io.images import read_binary_mask
from tests.core.converters.helpers import content_digest, disk, hash_tree, issues, meta_rows, write_png

CT_SMALL = get_testdata_file("CT_small.dcm")


# ------------------------------------------------------------------ helpers














def _us_dicom(path: Path, img: np.ndarray, patient: str, delta_cm: float | None, pixel_spacing=None) -> None:
    ds = pydicom.dcmread(CT_SMALL)
    ds.Modality = "US"
    ds.PatientID = patient
    ds.Rows, ds.Columns = img.shape
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 8, 8, 7, 0
    ds.PixelData = img.astype(np.uint8).tobytes()
    for k in ("PixelSpacing", "RescaleSlope", "RescaleIntercept"):
        if k in ds:
            delattr(ds, k)
    if pixel_spacing is not None:
        ds.PixelSpacing = pixel_spacing
    if delta_cm is not None:
        r = pydicom.Dataset()
        r.RegionSpatialFormat = 1
        r.PhysicalUnitsXDirection = 3
        r.PhysicalUnitsYDirection = 3
        r.PhysicalDeltaX = delta_cm
        r.PhysicalDeltaY = delta_cm
        r.RegionLocationMinX0, r.RegionLocationMinY0 = 0, 0
        r.RegionLocationMaxX1, r.RegionLocationMaxY1 = img.shape[1] - 1, img.shape[0] - 1
        ds.SequenceOfUltrasoundRegions = pydicom.Sequence([r])
    path.parent.mkdir(parents=True, exist_ok=True)
    ds.save_as(str(path), write_like_original=False)


@pytest.fixture()
def spleen_root(tmp_path):
    root = tmp_path / "spleen"
    rng = np.random.default_rng(5)
    lengths = []
    for p in range(5):
        for k in range(2):
            stem = f"us_{p}_{k}"
            img = rng.integers(0, 255, (60, 80), dtype=np.uint8)
            _us_dicom(root / "images" / f"{stem}.dcm", img, f"P{p}", 0.03)
            m = disk(60, 80, 30, 40, 10 + k)
            if p == 4 and k == 1:
                _us_dicom(root / "masks" / f"{stem}.dcm", m * 255, f"P{p}", None)  # DICOM mask, 0/255
            else:
                write_png(root / "masks" / f"{stem}.png", m * 255)
            lengths.append(f"{stem}.dcm,{80 + p + k / 10:.1f}")
    (root / "lengths.csv").write_text("filename,length_mm\n" + "\n".join(lengths) + "\n")
    return root


def _add_bad_images(root: Path) -> None:
    """An uncalibrated image (with a length) and an implausibly calibrated one (without a length)."""
    img = np.zeros((60, 80), np.uint8)
    _us_dicom(root / "images" / "nocal.dcm", img, "P9", None)  # no calibration
    write_png(root / "masks" / "nocal.png", disk(60, 80, 30, 40, 5))
    _us_dicom(root / "images" / "mm_as_cm.dcm", img, "P9", 3.0)  # 30 mm per pixel: implausible
    write_png(root / "masks" / "mm_as_cm.png", disk(60, 80, 30, 40, 5))
    with open(root / "lengths.csv", "a") as fh:
        fh.write("nocal.dcm,90\n")


# ------------------------------------------------------------------ pass 1: scan


def test_check_inputs_refuses_one_folder_without_suffix_and_bad_spacing(spleen_root):
    root = spleen_root
    idir, mdir = spleen_mod._check_inputs(root / "images", root / "masks", SpleenConvertOptions())
    assert (idir, mdir) == (root / "images", root / "masks")
    with pytest.raises(OrgansegInputError, match=rf"^images and masks are the same folder "
                                                 rf"{re.escape(repr(str(root / 'images')))}: give a mask suffix$"):
        spleen_mod._check_inputs(root / "images", root / "images", SpleenConvertOptions())
    with pytest.raises(OrgansegInputError, match=r"^--spacing: implausible pixel spacing 30 mm from the command "
                                                 r"line \(expected 0\.01-5\.0 mm; wrong units\?\); override with "
                                                 r"--spacing$"):
        spleen_mod._check_inputs(root / "images", root / "masks", SpleenConvertOptions(spacing=30.0))


def test_patient_id_from_regex_or_dicom(spleen_root, tmp_path):
    f = spleen_root / "images" / "us_3_1.dcm"
    assert spleen_mod._patient_id(f, None) == "P3"
    assert spleen_mod._patient_id(f, r"^us_(\d)_") == "3"
    with pytest.raises(OrgansegInputError, match=r"^not a DICOM, so no PatientID; give --patient-regex$"):
        spleen_mod._patient_id(tmp_path / "x.png", None)
    _us_dicom(tmp_path / "anon.dcm", np.zeros((4, 4), np.uint8), "", 0.03)
    with pytest.raises(OrgansegInputError, match=r"^no PatientID in the DICOM; give --patient-regex$"):
        spleen_mod._patient_id(tmp_path / "anon.dcm", None)


def test_scan_images_items_and_reported_files(spleen_root):
    root = spleen_root
    _add_bad_images(root)
    (root / "images" / "notes.txt").write_text("x")
    (root / "masks" / "us_0_0.png").unlink()
    with open(root / "lengths.csv", "a") as fh:
        fh.write("ghost.dcm,50\n")
    lengths = spleen_mod.read_lengths_csv(root / "lengths.csv")
    rep = ConversionReport()
    items = spleen_mod._scan_images(root / "images", root / "masks", lengths, root / "lengths.csv",
                                    SpleenConvertOptions(), rep)
    assert [(it.image.name, it.patient, it.mask.name) for it in items][:3] == [
        ("nocal.dcm", "P9", "nocal.png"), ("us_0_1.dcm", "P0", "us_0_1.png"), ("us_1_0.dcm", "P1", "us_1_0.png")]
    assert len(items) == 10 and items[-1].mask.name == "us_4_1.dcm"
    assert issues(rep.errors) == [("mm_as_cm.dcm", f"no length_mm for mm_as_cm in {root / 'lengths.csv'}"),
                                   ("us_0_0.dcm", f"no mask us_0_0.png/.dcm in {root / 'masks'}")]
    assert rep.skipped == 2
    assert issues(rep.warnings) == [("notes.txt", "not an image or DICOM file name; ignored"),
                                     ("lengths.csv", "length for 'ghost' but no such image")]


def test_scan_images_reports_masks_without_an_image(spleen_root):
    """A mask whose image is not there is an error naming the mask (an incomplete copy is told, not ignored)."""
    root = spleen_root
    (root / "images" / "us_2_0.dcm").unlink()    # its PNG mask stays
    (root / "images" / "us_4_1.dcm").unlink()    # its DICOM mask stays
    (root / "masks" / "notes.txt").write_text("x")  # not a mask
    _us_dicom(root / "masks" / "IM0007", np.zeros((60, 80), np.uint8), "P7", None)  # extension-less DICOM mask
    rep = ConversionReport()
    items = spleen_mod._scan_images(root / "images", root / "masks", {}, None, SpleenConvertOptions(), rep)
    assert len(items) == 8 and rep.skipped == 0 and not rep.warnings
    no_image = f"in {root / 'images'}; not converted"
    assert issues(rep.errors) == [("IM0007", f"mask without an image: no image IM0007.* {no_image}"),
                                   ("us_2_0.png", f"mask without an image: no image us_2_0.* {no_image}"),
                                   ("us_4_1.dcm", f"mask without an image: no image us_4_1.* {no_image}")]
    shared = root / "shared"  # images and masks in one folder: the masks are the files with the suffix
    shared.mkdir()
    for name in ("us_0_0.dcm", "us_0_1.dcm"):
        (root / "images" / name).rename(shared / name)
    write_png(shared / "us_0_0_seg.png", disk(60, 80, 30, 40, 10))
    write_png(shared / "us_9_9_seg.png", disk(60, 80, 30, 40, 10))
    rep = ConversionReport()
    spleen_mod._scan_images(shared, shared, {}, None, SpleenConvertOptions(mask_suffix="_seg"), rep)
    assert issues(rep.errors) == [("us_0_1.dcm", f"no mask us_0_1_seg.png/.dcm in {shared}"),
                                   ("us_9_9_seg.png", f"mask without an image: no image us_9_9.* in {shared}; "
                                                      "not converted")]


def test_scan_images_refuses_two_images_with_one_stem(spleen_root):
    root = spleen_root
    write_png(root / "images" / "us_0_0.png", np.zeros((60, 80), np.uint8))
    with pytest.raises(OrgansegInputError, match=rf"^{re.escape(str(root / 'images'))}: two images share a file "
                                                 r"stem \(e\.g\. x\.dcm and x\.png\)$"):
        spleen_mod._scan_images(root / "images", root / "masks", {}, None,
                                SpleenConvertOptions(patient_regex=r"^us_(\d)_"), ConversionReport())


# ------------------------------------------------------------------ patient split


def test_patient_split_assignment_fractions_or_kfold():
    patients = [f"P{i}" for i in range(5)]
    full, assign = spleen_mod._patient_split(patients, SpleenConvertOptions(assignment={"P0": "val"}))
    assert full == assign == {"P0": "val"}
    full, assign = spleen_mod._patient_split(patients, SpleenConvertOptions(fractions={"train": 0.6, "val": 0.4}))
    assert full == assign and sorted(assign.values()) == ["train"] * 3 + ["val"] * 2
    full, assign = spleen_mod._patient_split(patients, SpleenConvertOptions(fold=2))
    assert full == {"k": 5, "seed": 0, "test": [], "val_fold": {"P0": 3, "P1": 4, "P2": 0, "P3": 2, "P4": 1}}
    assert assign == {"P0": "train", "P1": "train", "P2": "train", "P3": "val", "P4": "train"}


# ------------------------------------------------------------------ pass 2: read and check


def test_read_image_spacing_sources(spleen_root, tmp_path):
    f = spleen_root / "images" / "us_0_0.dcm"
    mask = np.zeros((60, 80), np.uint8)
    img, sp_mm, origin = spleen_mod._read_image(f, mask, None)
    assert img.shape == (60, 80) and sp_mm == pytest.approx(0.3) and origin == "UltrasoundRegion[0]"
    assert spleen_mod._read_image(f, mask, 0.25)[1:] == (0.25, "--spacing")
    write_png(tmp_path / "x.png", np.zeros((60, 80), np.uint8))
    assert spleen_mod._read_image(tmp_path / "x.png", mask, 0.5)[1:] == (0.5, "--spacing")
    with pytest.raises(OrgansegInputError, match=r"^no pixel spacing for a non-DICOM image; give --spacing$"):
        spleen_mod._read_image(tmp_path / "x.png", mask, None)


def test_load_item_checks_patient_and_size(spleen_root, tmp_path):
    root = spleen_root
    item = spleen_mod._SpleenItem(root / "images" / "us_1_0.dcm", "P1", root / "masks" / "us_1_0.png")
    sp, img, mask, sp_mm, origin = spleen_mod._load_item(item, {"P1": "val"}, SpleenConvertOptions())
    assert (sp, img.shape, sp_mm, origin) == ("val", (60, 80), pytest.approx(0.3), "UltrasoundRegion[0]")
    np.testing.assert_array_equal(mask, disk(60, 80, 30, 40, 10))
    with pytest.raises(OrgansegInputError, match=r"^patient 'P1' is not in the split assignment$"):
        spleen_mod._load_item(item, {"P2": "val"}, SpleenConvertOptions())
    write_png(tmp_path / "small.png", np.zeros((30, 40), np.uint8))
    small = spleen_mod._SpleenItem(item.image, "P1", tmp_path / "small.png")
    with pytest.raises(OrgansegInputError, match=r"^mask small\.png is 40x30, the image is 80x60 \(size mismatch\)$"):
        spleen_mod._load_item(small, {"P1": "val"}, SpleenConvertOptions())


# ------------------------------------------------------------------ whole runs


def test_spleen_converter_meta_spacing_and_patient_folds(spleen_root, tmp_path):
    root = spleen_root
    before = hash_tree(root)
    out = tmp_path / "mm"
    rep = convert_spleen(root / "images", root / "masks", root / "lengths.csv", out, kfold=5, fold=1,
                         progress=False)
    assert hash_tree(root) == before
    assert rep.ok, rep.summary()
    assert rep.converted == 10
    meta = meta_rows(out / "meta.csv")
    assert list(meta[0]) == ["filename", "split", "patient_id", "spacing_mm", "length_mm", "height", "width"]
    for r in meta:
        assert float(r["spacing_mm"]) == pytest.approx(0.3)  # 0.03 cm -> 0.3 mm
        p, k = int(r["filename"][3]), int(r["filename"][5])
        assert float(r["length_mm"]) == pytest.approx(80 + p + k / 10)
        assert r["patient_id"] == f"P{p}" and (r["height"], r["width"]) == ("60", "80")
        np.testing.assert_array_equal(read_binary_mask(out / "ann_dir" / r["split"] / r["filename"]),
                                      disk(60, 80, 30, 40, 10 + k))
    by_patient = {}
    for r in meta:
        assert by_patient.setdefault(r["patient_id"], r["split"]) == r["split"]  # no patient in two splits
    assert sorted(by_patient.values()).count("val") == 1  # 5 patients, 5 folds -> 1 validation patient
    doc = json.loads((out / "splits.json").read_text())
    assert sorted(doc["kfold"]["val_fold"]) == [f"P{p}" for p in range(5)]


def test_spleen_bad_spacing_missing_length_and_override(spleen_root, tmp_path):
    root = spleen_root
    _add_bad_images(root)
    rep = convert_spleen(root / "images", root / "masks", root / "lengths.csv", tmp_path / "o",
                         fractions={"train": 0.8, "val": 0.2}, progress=False)
    assert issues(rep.errors) == [
        ("mm_as_cm.dcm", f"no length_mm for mm_as_cm in {root / 'lengths.csv'}"),
        ("nocal.dcm", "no pixel spacing (no PixelSpacing and no ultrasound region calibrated in cm); give --spacing"),
    ]
    assert rep.converted == 10 and rep.exit_code() == 1
    rep2 = convert_spleen(root / "images", root / "masks", root / "lengths.csv", tmp_path / "o2", spacing=0.25,
                          allow_missing_length=True, kfold=3, progress=False)
    assert rep2.ok and rep2.converted == 12
    assert {r["spacing_mm"] for r in meta_rows(tmp_path / "o2" / "meta.csv")} == {"0.250000"}
    ds = pydicom.dcmread(root / "images" / "mm_as_cm.dcm")
    with pytest.raises(OrgansegInputError, match=r"^mm_as_cm\.dcm: implausible pixel spacing 30 mm from "
                                                 r"SequenceOfUltrasoundRegions\[0\]\.PhysicalDeltaX \(cm x 10\) "
                                                 r"\(expected 0\.01-5\.0 mm; wrong units\?\); override with --spacing$"):
        ultrasound_spacing_mm(ds, "mm_as_cm.dcm")


def test_options_form_equals_keyword_form(spleen_root, tmp_path):
    root = spleen_root
    kw = dict(kfold=2, fold=1, test_fraction=0.4, seed=3, progress=False)
    args = (root / "images", root / "masks", root / "lengths.csv")
    rep_kw = convert_spleen(*args, tmp_path / "kw", **kw)
    rep_opt = run_spleen_conversion(*args, tmp_path / "opt", SpleenConvertOptions(**kw))
    assert rep_kw.to_dict() == rep_opt.to_dict() and rep_kw.outputs == rep_opt.outputs
    assert hash_tree(tmp_path / "kw") == hash_tree(tmp_path / "opt")


@pytest.mark.parametrize(("name", "kw", "digest"), [
    ("kfold", dict(kfold=5, fold=1), "fa46b6ec0dd81b86eec557c64bbfdbb516267db7be1087bae21bea4d91935547"),
    ("regex_assignment", dict(patient_regex=r"^us_(\d)_", spacing=0.25,
                              assignment={"0": "train", "1": "val", "2": "test", "3": "train"}), "d26d0a1ea10c15ada38088bacfbbc57ee6ea45c42c709b378fdd28cf254fc38c"),
])
def test_output_is_unchanged_by_the_split_into_passes(spleen_root, tmp_path, name, kw, digest):
    """Digests of the output (decoded PNGs, meta.csv, COCO, splits.json) and report written by the
    converter before it was split into passes: the refactored converter writes the same."""
    root = spleen_root
    rep = convert_spleen(root / "images", root / "masks", root / "lengths.csv", tmp_path / name, progress=False, **kw)
    assert content_digest(tmp_path / name, rep, tmp_path) == digest
