"""Tests for the dataset converters and split tools (organseg_plugins.core.converters, datasets_prep CLIs)."""

import csv
import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pydicom
import pytest
from pydicom.data import get_testdata_file

from organseg_plugins.core.converters.dicom import convert_dicom_cases
from organseg_plugins.core.converters.kitti import convert_kitti, parse_label_colors
from organseg_plugins.core.converters.masks_coco import coco_to_mask_dir, masks_dir_to_coco
from organseg_plugins.core.converters.report import ConversionReport
from organseg_plugins.core.converters.spleen import convert_spleen, ultrasound_spacing_mm
from organseg_plugins.core.converters.splits import (
    fold_assignment,
    kfold_cases,
    layout_mmseg,
    read_assignment,
    split_cases,
    split_counts,
    write_assignment,
)
from organseg_plugins.core.errors import OrgansegInputError
from organseg_plugins.core.io.coco import segmentation_to_mask
from organseg_plugins.core.io.dicom import apply_window, read_dicom_seg, rescale_to_hu
from organseg_plugins.core.io.images import read_binary_mask
from organseg_plugins.core.io.paths import check_output_dir
from organseg_plugins.core.io.validate import as_binary_mask

REPO = Path(__file__).resolve().parents[2]
CT_SMALL = get_testdata_file("CT_small.dcm")
LIVER_SEG = get_testdata_file("liver_1frame.dcm")


# ------------------------------------------------------------------ helpers


def _hash_tree(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def _png(path: Path, arr: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    assert cv2.imwrite(str(path), arr)


def _meta(path: Path) -> list[dict]:
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


def _n_components(mask: np.ndarray) -> int:
    return cv2.connectedComponents(mask.astype(np.uint8), connectivity=8)[0] - 1


def _disk(h, w, cy, cx, r):
    yy, xx = np.mgrid[0:h, 0:w]
    return ((yy - cy) ** 2 + (xx - cx) ** 2 <= r * r).astype(np.uint8)


def _errors_for(report: ConversionReport, name: str) -> list[str]:
    return [e.message for e in report.errors if Path(e.path).name == name or name in e.path]


# ------------------------------------------------------------------ shared helpers


def test_converter_mask_rules():
    """Converters read other tools' exports: 0/255 and grey-as-RGB are converted, the rest refused."""
    def to_mask(m, src, label=None):
        return as_binary_mask(m, src, label=label, allow_255=True, ndim=(2,), grey_rgb=True)

    m01 = np.array([[0, 1], [1, 0]], np.uint8)
    np.testing.assert_array_equal(to_mask(m01, "a"), m01)
    np.testing.assert_array_equal(to_mask(m01 * 255, "b"), m01)  # explicit 0/255 binary
    np.testing.assert_array_equal(to_mask(np.dstack([m01 * 255] * 3), "c"), m01)
    np.testing.assert_array_equal(to_mask(np.array([[0, 2], [7, 2]]), "d", label=2), [[0, 1], [0, 1]])
    for bad, what in ((np.array([[0, 1], [255, 0]], np.uint8), "{0, 1, 255}"),
                      (np.array([[0, 128], [255, 0]], np.uint8), "{0, 128, 255}")):
        with pytest.raises(OrgansegInputError, match="bad.png") as ei:
            to_mask(bad, "bad.png")
        assert what in str(ei.value)
    with pytest.raises(OrgansegInputError, match="colour"):
        to_mask(np.dstack([m01, m01 * 0, m01]), "rgb.png")


def test_output_dir_inside_input_is_refused(tmp_path):
    (tmp_path / "in").mkdir()
    for bad in (tmp_path / "in", tmp_path / "in" / "out", tmp_path):
        with pytest.raises(OrgansegInputError):
            check_output_dir(bad, [tmp_path / "in"])
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("x")
    with pytest.raises(OrgansegInputError, match="not empty"):
        check_output_dir(tmp_path / "full", [tmp_path / "in"])
    check_output_dir(tmp_path / "full", [tmp_path / "in"], overwrite=True)


# ------------------------------------------------------------------ KITTI


H, W = 48, 64
LIVER, KIDNEY = 1, 2


def _kitti_export(root: Path) -> dict[str, np.ndarray]:
    """Tiny CVAT-like KITTI export; returns the expected liver union per item id."""
    (root).mkdir(parents=True, exist_ok=True)
    (root / "label_colors.txt").write_text("0 0 0 background\n# a comment\n\n255 0 0 liver\n0 255 0 kidney\n")
    sub = root / "default"
    rng = np.random.default_rng(0)
    expected = {}

    def item(name, parts, kidney=None, semantic=True, instance=True, rgb=False, img_shape=(H, W)):
        img = rng.integers(0, 255, img_shape + (3,), dtype=np.uint8)
        _png(sub / "image_2" / f"{name}.png", img)
        sem = np.zeros((H, W), np.uint8)
        inst = np.zeros((H, W), np.uint16)
        union = np.zeros((H, W), np.uint8)
        for iid, m in parts:
            sem[m > 0] = LIVER
            inst[m > 0] = LIVER * 256 + iid
            union |= m
        if kidney is not None:
            sem[kidney > 0] = KIDNEY
            inst[kidney > 0] = KIDNEY * 256 + 1
        if semantic:
            _png(sub / "semantic" / f"{name}.png", sem)
        if instance:
            _png(sub / "instance" / f"{name}.png", inst)
        if rgb:
            colors = np.array([[0, 0, 0], [0, 0, 255], [0, 255, 0]], np.uint8)  # BGR of the label colours
            _png(sub / "semantic_rgb" / f"{name}.png", colors[sem])
        expected[name] = union

    left = _disk(H, W, 20, 14, 9)
    right = _disk(H, W, 26, 46, 11)
    item("case01_s001", [(1, left), (2, right)], kidney=_disk(H, W, 40, 30, 4))  # one liver, two regions
    item("case01_s002", [(1, _disk(H, W, 24, 30, 12))])
    item("case02_s001", [])  # unannotated: CVAT writes no label files
    for d in ("semantic", "instance"):
        (sub / d / "case02_s001.png").unlink()
    item("case02_s002", [(1, _disk(H, W, 20, 20, 8))], semantic=False, instance=False, rgb=True)  # rgb only
    item("case03_s001", [(1, left)], img_shape=(H + 2, W))  # size mismatch -> error
    return expected


@pytest.fixture()
def kitti_root(tmp_path):
    root = tmp_path / "kitti"
    expected = _kitti_export(root)
    return root, expected


def test_parse_label_colors(kitti_root):
    labels = parse_label_colors(kitti_root[0] / "label_colors.txt")
    assert [(lab.id, lab.name, lab.color) for lab in labels] == [
        (0, "background", (0, 0, 0)), (1, "liver", (255, 0, 0)), (2, "kidney", (0, 255, 0))]


def test_kitti_two_part_liver_is_one_annotation(kitti_root, tmp_path):
    root, expected = kitti_root
    before = _hash_tree(root)
    out = tmp_path / "out"
    rep = convert_kitti(root, out, "Liver", progress=False)
    assert _hash_tree(root) == before  # input unchanged
    # the mis-sized item is reported by name and skipped, the others converted
    assert rep.converted == 4 and rep.skipped == 1
    assert len(rep.errors) == 1 and "case03_s001" in rep.errors[0].path and "differs" in rep.errors[0].message
    assert rep.exit_code() == 1 and rep.exit_code(ignore_errors=True) == 0
    coco = json.loads((out / "annotations" / "instances_train.json").read_text())
    assert [c["name"] for c in coco["categories"]] == ["liver"]
    by_name = {Path(im["file_name"]).stem: im for im in coco["images"]}
    assert set(by_name) == {"case01_s001", "case01_s002", "case02_s001", "case02_s002"}
    for name, im in by_name.items():
        anns = [a for a in coco["annotations"] if a["image_id"] == im["id"]]
        union = expected[name]
        if not union.any():
            assert anns == []
            continue
        assert len(anns) == 1, name  # ONE liver = ONE annotation
        assert isinstance(anns[0]["segmentation"], dict)  # compressed RLE by default
        dec = segmentation_to_mask(anns[0]["segmentation"], H, W)
        np.testing.assert_array_equal(dec, union)
        assert anns[0]["area"] == union.sum()
        np.testing.assert_array_equal(read_binary_mask(out / "ann_dir" / "train" / f"{name}.png"), union)
        # image copied byte for byte
        assert (out / "img_dir" / "train" / f"{name}.png").read_bytes() == \
            (root / "default" / "image_2" / f"{name}.png").read_bytes()
    two = [a for a in coco["annotations"] if a["image_id"] == by_name["case01_s001"]["id"]][0]
    assert _n_components(segmentation_to_mask(two["segmentation"], H, W)) == 2
    # the kidney is not part of the liver annotation
    assert not (segmentation_to_mask(two["segmentation"], H, W) & _disk(H, W, 40, 30, 4)).any()
    meta = {r["filename"]: r for r in _meta(out / "meta.csv")}
    assert meta["case01_s001.png"]["n_parts"] == "2" and meta["case01_s001.png"]["n_objects"] == "1"
    assert not (out / "img_dir" / "train" / "case03_s001.png").exists()


def test_kitti_keep_instances_polygons_and_splits(kitti_root, tmp_path):
    root, expected = kitti_root
    out = tmp_path / "out"
    rep = convert_kitti(root, out, "liver", keep_instances=True, polygons=True, progress=False,
                        assignment={"case01": "train", "case02": "val", "case03": "test"},
                        case_regex=r"^(case\d+)_")
    assert rep.skipped == 1
    tr = json.loads((out / "annotations" / "instances_train.json").read_text())
    im = [i for i in tr["images"] if "case01_s001" in i["file_name"]][0]
    anns = [a for a in tr["annotations"] if a["image_id"] == im["id"]]
    assert len(anns) == 2  # one per instance id
    for a in anns:
        assert isinstance(a["segmentation"], list) and len(a["segmentation"]) == 1
    val = json.loads((out / "annotations" / "instances_val.json").read_text())
    assert sorted(Path(i["file_name"]).stem for i in val["images"]) == ["case02_s001", "case02_s002"]
    assert (out / "img_dir" / "val" / "case02_s002.png").exists()
    # merged polygons: one annotation with one polygon per region, IoU with the truth > 0.95
    out2 = tmp_path / "out2"
    convert_kitti(root, out2, "liver", polygons=True, progress=False)
    tr2 = json.loads((out2 / "annotations" / "instances_train.json").read_text())
    im2 = [i for i in tr2["images"] if "case01_s001" in i["file_name"]][0]
    anns2 = [a for a in tr2["annotations"] if a["image_id"] == im2["id"]]
    assert len(anns2) == 1
    a2 = anns2[0]
    assert len(a2["segmentation"]) == 2
    dec = segmentation_to_mask(a2["segmentation"], H, W)
    truth = expected["case01_s001"]
    assert not (dec & ~truth.astype(bool)).sum() > 0.05 * truth.sum()  # tiny disks: see the polygon test below
    assert _n_components(dec) == 2


def test_kitti_bad_inputs(kitti_root, tmp_path):
    root, _ = kitti_root
    with pytest.raises(OrgansegInputError, match="spleen.*background.*liver.*kidney"):
        convert_kitti(root, tmp_path / "o", "spleen", progress=False)
    with pytest.raises(OrgansegInputError, match="inside"):
        convert_kitti(root, root / "out", "liver", progress=False)
    # semantic and instance disagree -> that image is reported
    sem = cv2.imread(str(root / "default" / "semantic" / "case01_s002.png"), cv2.IMREAD_UNCHANGED)
    sem[0, 0] = LIVER
    _png(root / "default" / "semantic" / "case01_s002.png", sem)
    (root / "default" / "image_2" / "case01_s003.png").write_bytes(b"not a png")  # corrupt image
    rep = convert_kitti(root, tmp_path / "o2", "liver", dry_run=True, progress=False)
    assert any("disagree" in m for m in _errors_for(rep, "case01_s002"))
    assert any("decoded" in m for m in _errors_for(rep, "case01_s003"))
    assert rep.converted == 3 and rep.dry_run and not (tmp_path / "o2").exists()


# ------------------------------------------------------------------ DICOM


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


def test_window_math_by_hand():
    # level 50, width 400 -> [-150, 250] HU maps linearly onto 0..255
    hu = np.array([-1000.0, -150.0, 0.0, 50.0, 209.0, 250.0, 3000.0])
    np.testing.assert_array_equal(apply_window(hu, 50, 400), [0, 0, 96, 128, 229, 255, 255])
    np.testing.assert_array_equal(rescale_to_hu(np.array([1013, 0]), 1, -1024), [-11, -1024])
    np.testing.assert_array_equal(rescale_to_hu(np.array([10]), 2.5, -5), [20])
    with pytest.raises(OrgansegInputError):
        apply_window(hu, 40, 0)


@pytest.fixture()
def ct_root(tmp_path):
    """Case c01: 3 CT_small slices (files named against the z order) with PNG masks; case c02 with problems."""
    root = tmp_path / "ct"
    raw = pydicom.dcmread(CT_SMALL).pixel_array
    masks = {}
    # file names in reverse z order, to check the sorting by position
    for k, (name, z) in enumerate((("IM3", -65.7), ("IM2", -70.7), ("IM1", -75.7))):
        _ct_slice(root / "c01" / "images" / f"{name}.dcm", instance=3 - k, z=z, uid=f"1.2.3.1.{3 - k}")
        m = _disk(128, 128, 40 + 10 * k, 64, 15)
        masks[name] = m
        _png(root / "c01" / "masks" / f"{name}.png", m * 255)  # 0/255 masks are converted
    # c02: per-slice DICOM masks aligned by position; one slice without mask, one mask of another size,
    # one unreadable file, one extra mask
    for i, z in enumerate((0.0, 5.0, 10.0, 15.0)):
        _ct_slice(root / "c02" / "images" / f"s{i}.dcm", instance=i + 1, z=z, uid=f"1.2.3.2.{i + 1}")
    _mask_dicom(root / "c02" / "masks" / "mask_a.dcm", 0.0, _disk(128, 128, 64, 64, 20), 1)
    _mask_dicom(root / "c02" / "masks" / "mask_b.dcm", 5.0, _disk(64, 64, 32, 32, 10), 2)  # wrong size
    _mask_dicom(root / "c02" / "masks" / "mask_c.dcm", 15.0, _disk(128, 128, 30, 30, 9), 4)
    _mask_dicom(root / "c02" / "masks" / "mask_x.dcm", 40.0, _disk(128, 128, 30, 30, 9), 9)  # extra
    (root / "c02" / "images" / "broken.dcm").write_bytes(b"\x00" * 10)
    # slice s2 (z=10) has no mask
    return root, raw, masks


def test_dicom_series_windowing_spacing_and_order(ct_root, tmp_path):
    root, raw, masks = ct_root
    before = _hash_tree(root)
    out = tmp_path / "png"
    rep = convert_dicom_cases(root, out, progress=False)
    assert _hash_tree(root) == before
    meta = _meta(out / "meta.csv")
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
    assert any("no mask" in m for m in _errors_for(rep, "s2.dcm"))
    assert any("size mismatch" in m for m in _errors_for(rep, "s1.dcm"))
    assert any("not a DICOM" in m or "cannot read" in m for m in _errors_for(rep, "broken.dcm"))
    assert any("extra mask" in m for m in _errors_for(rep, "mask_x.dcm"))
    c02 = {r["source_file"]: r for r in meta if r["case_id"] == "c02"}
    assert set(c02) == {"c02/images/s0.dcm", "c02/images/s3.dcm"}
    assert c02["c02/images/s3.dcm"]["mask_file"] == "c02/masks/mask_c.dcm"
    stem = c02["c02/images/s3.dcm"]["filename"]
    np.testing.assert_array_equal(read_binary_mask(out / "ann_dir" / "train" / stem), _disk(128, 128, 30, 30, 9))
    assert rep.converted == 5 and rep.exit_code() == 1
    coco = json.loads((out / "annotations" / "instances_train.json").read_text())
    assert len(coco["images"]) == 5 and len(coco["annotations"]) == 5


def test_dicom_gap_missing_empty_and_options(ct_root, tmp_path):
    root, _, _ = ct_root
    shutil.rmtree(root / "c02")
    (root / "c01" / "images" / "IM2.dcm").unlink()  # a hole in the series
    rep = convert_dicom_cases(root, tmp_path / "o", level=40, width=80, progress=False)
    assert any("gap" in w.message for w in rep.warnings)
    assert any("matches no image" in e.message for e in rep.errors)  # IM2.png now has no slice
    meta = _meta(tmp_path / "o" / "meta.csv")
    assert {r["window_width"] for r in meta} == {"80"}
    # dry run writes nothing; images only works without masks
    rep2 = convert_dicom_cases(root, tmp_path / "dry", images_only=True, dry_run=True, progress=False)
    assert rep2.converted == 2 and rep2.ok and not (tmp_path / "dry").exists()


def test_dicom_seg_liver_1frame():
    seg = read_dicom_seg(LIVER_SEG)
    assert seg.masks.shape == (1, 512, 512) and seg.masks.dtype == np.uint8
    assert set(np.unique(seg.masks).tolist()) == {0, 1} and seg.masks.sum() > 1000
    assert seg.spacing == pytest.approx((0.810547, 0.810547))
    assert seg.segment_label == "Liver" and seg.segment_number == 1
    assert seg.ref_uids == ["1.2.392.200103.20080913.113635.2.2009.6.22.21.43.10.23433.1"]
    assert seg.positions[0] == pytest.approx((-235.2, -226.8, -128.69))
    assert any("per-frame" in w for w in seg.warnings)  # 3 per-frame items for 1 frame
    assert read_dicom_seg(LIVER_SEG, segment="liver").masks.shape == (1, 512, 512)
    with pytest.raises(OrgansegInputError, match="segment"):
        read_dicom_seg(LIVER_SEG, segment=2)
    with pytest.raises(OrgansegInputError, match="not a DICOM Segmentation"):
        read_dicom_seg(CT_SMALL)


def test_dicom_seg_as_mask_source(tmp_path):
    root = tmp_path / "segcase"
    base = "1.2.392.200103.20080913.113635.2.2009.6.22.21.43.10."
    pix = np.full((512, 512), 1024, np.int16)
    for k, (n, z) in enumerate(((23433, -128.69), (23432, -127.69), (23431, -126.69))):
        _ct_slice(root / "p1" / "images" / f"{n}.dcm", instance=k + 1, z=z, uid=f"{base}{n}.1",
                  pixels=pix, spacing=0.810547)
    (root / "p1" / "masks").mkdir(parents=True)
    shutil.copy(LIVER_SEG, root / "p1" / "masks" / "seg.dcm")
    rep = convert_dicom_cases(root, tmp_path / "out", progress=False)
    assert rep.ok, rep.summary()
    assert rep.converted == 3 and rep.notes.get("slice not covered by the DICOM-SEG: empty mask") == 2
    meta = _meta(tmp_path / "out" / "meta.csv")
    assert [float(r["spacing_mm"]) for r in meta] == pytest.approx([0.810547] * 3)
    truth = read_dicom_seg(LIVER_SEG).masks[0]
    first = read_binary_mask(tmp_path / "out" / "ann_dir" / "train" / "p1_0000.png")  # z = -128.69
    np.testing.assert_array_equal(first, truth)
    assert not read_binary_mask(tmp_path / "out" / "ann_dir" / "train" / "p1_0001.png").any()
    # a SEG whose referenced slice is absent is reported per file
    (root / "p1" / "images" / "23433.dcm").unlink()
    _ct_slice(root / "p1" / "images" / "other.dcm", instance=1, z=-140.0, uid="1.2.3.99", pixels=pix,
              spacing=0.810547)
    rep2 = convert_dicom_cases(root, tmp_path / "out2", progress=False)
    assert any("matches no image slice" in m for m in _errors_for(rep2, "seg.dcm"))


# ------------------------------------------------------------------ masks <-> COCO


@pytest.fixture()
def mask_folder(tmp_path):
    rng = np.random.default_rng(3)
    imgs, msks = tmp_path / "images", tmp_path / "masks"
    truth = {}
    for i in range(6):  # organ-sized shapes (polygons through boundary-pixel centres lose < 5 % of them)
        h, w = 160 + 4 * i, 192
        m = np.zeros((h, w), np.uint8)
        if i > 0:
            m |= _disk(h, w, 60, 60, 40 + i)
        if i % 2 == 0 and i > 0:
            m |= _disk(h, w, h - 45, 150, 35)  # a second region (im0 stays empty)
        truth[f"im{i}"] = m
        _png(imgs / f"im{i}.png", rng.integers(0, 255, (h, w), dtype=np.uint8))
        _png(msks / f"im{i}.png", m * (255 if i == 3 else 1))
    return imgs, msks, truth


def test_masks_coco_masks_round_trip_rle_exact(mask_folder, tmp_path):
    imgs, msks, truth = mask_folder
    before = _hash_tree(tmp_path)
    js = tmp_path / "coco" / "train.json"
    rep = masks_dir_to_coco(imgs, msks, js, category="liver", progress=False)
    assert rep.ok and rep.converted == 6 and rep.extra["annotations"] == 5  # im0 has an empty mask
    coco = json.loads(js.read_text())
    assert all(isinstance(a["segmentation"], dict) for a in coco["annotations"])
    assert len({a["image_id"] for a in coco["annotations"]}) == 5  # one annotation per mask
    rep2 = coco_to_mask_dir(js, tmp_path / "back", progress=False)
    assert rep2.ok and rep2.converted == 6
    for name, m in truth.items():
        np.testing.assert_array_equal(read_binary_mask(tmp_path / "back" / f"{name}.png"), m)
    after = _hash_tree(tmp_path)
    assert {k: v for k, v in after.items() if k in before} == before


def test_masks_coco_polygons_approximate(mask_folder, tmp_path):
    imgs, msks, truth = mask_folder
    js = tmp_path / "poly.json"
    masks_dir_to_coco(imgs, msks, js, polygons=True, progress=False)
    coco = json.loads(js.read_text())
    for ann in coco["annotations"]:
        assert isinstance(ann["segmentation"], list)
    coco_to_mask_dir(js, tmp_path / "back", progress=False)
    for name, m in truth.items():
        back = read_binary_mask(tmp_path / "back" / f"{name}.png")
        if m.any():
            assert (back & m).sum() / (back | m).sum() > 0.95, name
            assert _n_components(back) == _n_components(m)


def test_masks_coco_bad_masks_reported(mask_folder, tmp_path):
    imgs, msks, _ = mask_folder
    _png(msks / "im1.png", np.tile(np.array([0, 1, 2], np.uint8), (164, 64)))  # labels 0, 1, 2
    _png(msks / "im2.png", np.zeros((10, 10), np.uint8))  # wrong size
    (msks / "im4.png").unlink()  # missing
    rep = masks_dir_to_coco(imgs, msks, tmp_path / "x.json", progress=False)
    assert rep.converted == 3 and rep.skipped == 3
    assert any("values" in m for m in _errors_for(rep, "im1.png"))
    assert any("differs" in m for m in _errors_for(rep, "im2.png"))
    assert any("no mask" in m for m in _errors_for(rep, "im4.png"))


# ------------------------------------------------------------------ splits


CASES = [f"case{i:02d}" for i in range(25)]


def test_split_cases_disjoint_deterministic_and_sized():
    a = split_cases(CASES, {"train": 0.6, "val": 0.2, "test": 0.2}, seed=1)
    assert set(a) == set(CASES)  # every case exactly once, hence in exactly one split
    assert sorted(a.values()).count("train") == 15 and list(a.values()).count("test") == 5
    assert split_cases(list(reversed(CASES)) + CASES[:3], {"train": 0.6, "val": 0.2, "test": 0.2}, seed=1) == a
    assert split_cases(CASES, {"train": 0.6, "val": 0.2, "test": 0.2}, seed=2) != a
    assert split_counts(4, {"train": 0.9, "val": 0.05, "test": 0.05}) == {"train": 2, "val": 1, "test": 1}
    with pytest.raises(OrgansegInputError):
        split_cases(CASES, {"train": 0.8, "val": 0.3})
    strata = {c: ("benign" if i % 3 else "malignant") for i, c in enumerate(CASES)}
    s = split_cases(CASES, {"train": 0.7, "val": 0.1, "test": 0.2}, seed=0, strata=strata)
    for k in ("benign", "malignant"):
        assert any(s[c] == "test" for c in CASES if strata[c] == k)


def test_kfold_every_case_validation_exactly_once():
    kf = kfold_cases(CASES, k=5, seed=0, test_fraction=0.2)
    assert len(kf["test"]) == 5
    rest = [c for c in CASES if c not in kf["test"]]
    seen = []
    for f in range(5):
        a = fold_assignment(kf, f)
        val = [c for c, s in a.items() if s == "val"]
        assert len(val) == 4  # 80:20 of the 20 non-test cases
        assert not set(val) & set(kf["test"]) and {c for c, s in a.items() if s == "test"} == set(kf["test"])
        seen += val
    assert sorted(seen) == sorted(rest)
    assert kfold_cases(CASES, 5, 0, 0.2) == kf
    with pytest.raises(OrgansegInputError):
        fold_assignment(kf, 5)


def test_assignment_files_round_trip(tmp_path):
    a = split_cases(CASES, seed=0)
    for ext in ("json", "csv"):
        write_assignment(tmp_path / f"a.{ext}", a, {"seed": 0})
        assert read_assignment(tmp_path / f"a.{ext}") == a
    kf = kfold_cases(CASES, 5, 3)
    for ext in ("json", "csv"):
        write_assignment(tmp_path / f"k.{ext}", kf)
        assert read_assignment(tmp_path / f"k.{ext}", fold=2) == fold_assignment(kf, 2)
        with pytest.raises(OrgansegInputError, match="fold"):
            read_assignment(tmp_path / f"k.{ext}")


def test_layout_mmseg_from_flat_folder(tmp_path):
    flat_i, flat_m = tmp_path / "flat" / "images", tmp_path / "flat" / "masks"
    for c in range(6):
        for s in range(3):
            _png(flat_i / f"pat{c}_img{s}.png", np.full((20, 24), 10 * c + s, np.uint8))
            _png(flat_m / f"pat{c}_img{s}.png", _disk(20, 24, 10, 12, 3 + s) * 255)
    _png(flat_m / "pat5_img2.png", np.full((20, 24), 7, np.uint8))  # not a binary mask
    before = _hash_tree(tmp_path / "flat")
    assign = split_cases([f"pat{c}" for c in range(6)], {"train": 0.5, "val": 0.25, "test": 0.25}, seed=0)
    out = tmp_path / "mm"
    rep = layout_mmseg(flat_i, flat_m, out, assign, r"^(pat\d+)_", category="spleen", progress=False)
    assert _hash_tree(tmp_path / "flat") == before
    assert rep.converted == 17 and rep.skipped == 1 and "pat5_img2" in rep.errors[0].path
    case_split = {}
    for sp in ("train", "val", "test"):
        for p in (out / "img_dir" / sp).glob("*.png"):
            case = p.name.split("_")[0]
            assert case_split.setdefault(case, sp) == sp  # no case in two splits
            assert assign[case] == sp
            np.testing.assert_array_equal(read_binary_mask(out / "ann_dir" / sp / p.name),
                                          _disk(20, 24, 10, 12, 3 + int(p.stem[-1])))
    meta = _meta(out / "meta.csv")
    assert {r["case_id"] for r in meta} == set(case_split) and len(meta) == 17
    assert json.loads((out / "splits.json").read_text())["cases"] == assign


# ------------------------------------------------------------------ spleen


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
            m = _disk(60, 80, 30, 40, 10 + k)
            if p == 4 and k == 1:
                _us_dicom(root / "masks" / f"{stem}.dcm", m * 255, f"P{p}", None)  # DICOM mask, 0/255
            else:
                _png(root / "masks" / f"{stem}.png", m * 255)
            lengths.append(f"{stem}.dcm,{80 + p + k / 10:.1f}")
    (root / "lengths.csv").write_text("filename,length_mm\n" + "\n".join(lengths) + "\n")
    return root


def test_spleen_converter_meta_spacing_and_patient_folds(spleen_root, tmp_path):
    root = spleen_root
    before = _hash_tree(root)
    out = tmp_path / "mm"
    rep = convert_spleen(root / "images", root / "masks", root / "lengths.csv", out, kfold=5, fold=1,
                         progress=False)
    assert _hash_tree(root) == before
    assert rep.ok, rep.summary()
    assert rep.converted == 10
    meta = _meta(out / "meta.csv")
    assert list(meta[0]) == ["filename", "split", "patient_id", "spacing_mm", "length_mm", "height", "width"]
    for r in meta:
        assert float(r["spacing_mm"]) == pytest.approx(0.3)  # 0.03 cm -> 0.3 mm
        p, k = int(r["filename"][3]), int(r["filename"][5])
        assert float(r["length_mm"]) == pytest.approx(80 + p + k / 10)
        assert r["patient_id"] == f"P{p}" and (r["height"], r["width"]) == ("60", "80")
        np.testing.assert_array_equal(read_binary_mask(out / "ann_dir" / r["split"] / r["filename"]),
                                      _disk(60, 80, 30, 40, 10 + k))
    by_patient = {}
    for r in meta:
        assert by_patient.setdefault(r["patient_id"], r["split"]) == r["split"]  # no patient in two splits
    assert sorted(by_patient.values()).count("val") == 1  # 5 patients, 5 folds -> 1 validation patient
    doc = json.loads((out / "splits.json").read_text())
    assert sorted(doc["kfold"]["val_fold"]) == [f"P{p}" for p in range(5)]


def test_spleen_bad_spacing_missing_length_and_override(spleen_root, tmp_path):
    root = spleen_root
    img = np.zeros((60, 80), np.uint8)
    _us_dicom(root / "images" / "nocal.dcm", img, "P9", None)  # no calibration
    _png(root / "masks" / "nocal.png", _disk(60, 80, 30, 40, 5))
    _us_dicom(root / "images" / "mm_as_cm.dcm", img, "P9", 3.0)  # 30 mm per pixel: implausible
    _png(root / "masks" / "mm_as_cm.png", _disk(60, 80, 30, 40, 5))
    with open(root / "lengths.csv", "a") as fh:
        fh.write("nocal.dcm,90\n")
    rep = convert_spleen(root / "images", root / "masks", root / "lengths.csv", tmp_path / "o",
                         fractions={"train": 0.8, "val": 0.2}, progress=False)
    assert any("no pixel spacing" in m for m in _errors_for(rep, "nocal.dcm"))
    assert any("no length_mm" in m for m in _errors_for(rep, "mm_as_cm.dcm"))
    assert rep.converted == 10 and rep.exit_code() == 1
    rep2 = convert_spleen(root / "images", root / "masks", root / "lengths.csv", tmp_path / "o2", spacing=0.25,
                          allow_missing_length=True, kfold=3, progress=False)
    assert rep2.ok and rep2.converted == 12
    assert {r["spacing_mm"] for r in _meta(tmp_path / "o2" / "meta.csv")} == {"0.250000"}
    ds = pydicom.dcmread(root / "images" / "mm_as_cm.dcm")
    with pytest.raises(OrgansegInputError, match="implausible"):
        ultrasound_spacing_mm(ds, "mm_as_cm.dcm")


# ------------------------------------------------------------------ CLIs


CLIS = ("kitti_to_coco", "dicom_to_png", "masks_to_coco", "make_splits", "spleen_to_mmseg")


def _cli(*args):
    return subprocess.run([sys.executable, *args], cwd=REPO, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("name", CLIS)
def test_cli_help(name):
    proc = _cli(f"datasets_prep/{name}.py", "--help")
    assert proc.returncode == 0 and "--dry-run" in proc.stdout and "Exit status" in proc.stdout


def test_cli_kitti_dry_run_and_exit_codes(kitti_root, tmp_path):
    root, _ = kitti_root
    out = tmp_path / "cli"
    proc = _cli("datasets_prep/kitti_to_coco.py", "--root", str(root), "--out", str(out), "--class", "liver",
                "--dry-run", "--no-progress")
    assert proc.returncode == 1, proc.stderr  # the mis-sized image is an error
    assert "would convert 4, skipped 1" in proc.stdout and "case03_s001" in proc.stdout
    assert not out.exists()
    proc = _cli("datasets_prep/kitti_to_coco.py", "--root", str(root), "--out", str(out), "--class", "liver",
                "--no-progress", "--ignore-errors", "--report", str(tmp_path / "rep.json"))
    assert proc.returncode == 0 and (out / "annotations" / "instances_train.json").exists()
    assert json.loads((tmp_path / "rep.json").read_text())["skipped"] == 1
    proc = _cli("datasets_prep/kitti_to_coco.py", "--root", str(root), "--out", str(root / "x"), "--class", "liver")
    assert proc.returncode == 2 and proc.stderr.startswith("error:") and "Traceback" not in proc.stderr


def test_cli_make_splits_layout(tmp_path):
    flat_i, flat_m = tmp_path / "i", tmp_path / "m"
    for c in range(5):
        _png(flat_i / f"p{c}_1.png", np.zeros((8, 8), np.uint8))
        _png(flat_m / f"p{c}_1.png", np.eye(8, dtype=np.uint8))
    proc = _cli("datasets_prep/make_splits.py", "--images", str(flat_i), "--masks", str(flat_m), "--case-regex",
                r"^(p\d+)_", "--kfold", "5", "--fold", "3", "--out", str(tmp_path / "s.json"),
                "--layout", str(tmp_path / "mm"), "--no-progress")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    kf = json.loads((tmp_path / "s.json").read_text())["kfold"]
    val_case = [c for c, f in kf["val_fold"].items() if f == 3]
    assert [p.stem.split("_")[0] for p in (tmp_path / "mm" / "img_dir" / "val").glob("*.png")] == val_case
    assert len(list((tmp_path / "mm" / "ann_dir" / "train").glob("*.png"))) == 4
