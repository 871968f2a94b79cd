"""CVAT KITTI 1.0 export -> COCO + mmseg layout (organseg_plugins.core.converters.kitti), and its CLI.

The scan, the per-image check and the write are tested on their own, then whole runs; a golden
digest pins a run's output to what the converter wrote before its split into passes.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import cv2
import numpy as np
import pytest

from organseg_plugins.core.converters import kitti as kitti_mod
from organseg_plugins.core.converters.kitti import (
    KittiConvertOptions,
    convert_kitti,
    parse_label_colors,
    run_kitti_conversion,
)
from organseg_plugins.core.converters.report import ConversionReport
from organseg_plugins.core.errors import OrgansegInputError
from organseg_plugins.core.io.coco import segmentation_to_mask
from organseg_plugins.core.io.images import read_binary_mask
from organseg_plugins.core.io.layout import MMSegLayoutWriter
from tests.conftest import run_tool
from tests.core.converters.helpers import (
    content_digest,
    disk,
    hash_tree,
    issues,
    meta_rows,
    n_components,
    write_png,
)

H, W = 48, 64
LIVER, KIDNEY = 1, 2


# ------------------------------------------------------------------ helpers
















def _kitti_export(root: Path) -> dict[str, np.ndarray]:
    """Tiny CVAT-like KITTI export; returns the expected liver union per item id."""
    (root).mkdir(parents=True, exist_ok=True)
    (root / "label_colors.txt").write_text("0 0 0 background\n# a comment\n\n255 0 0 liver\n0 255 0 kidney\n")
    sub = root / "default"
    rng = np.random.default_rng(0)
    expected = {}

    def item(name, parts, kidney=None, semantic=True, instance=True, rgb=False, img_shape=(H, W)):
        img = rng.integers(0, 255, img_shape + (3,), dtype=np.uint8)
        write_png(sub / "image_2" / f"{name}.png", img)
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
            write_png(sub / "semantic" / f"{name}.png", sem)
        if instance:
            write_png(sub / "instance" / f"{name}.png", inst)
        if rgb:
            colors = np.array([[0, 0, 0], [0, 0, 255], [0, 255, 0]], np.uint8)  # BGR of the label colours
            write_png(sub / "semantic_rgb" / f"{name}.png", colors[sem])
        expected[name] = union

    left = disk(H, W, 20, 14, 9)
    right = disk(H, W, 26, 46, 11)
    item("case01_s001", [(1, left), (2, right)], kidney=disk(H, W, 40, 30, 4))  # one liver, two regions
    item("case01_s002", [(1, disk(H, W, 24, 30, 12))])
    item("case02_s001", [])  # unannotated: CVAT writes no label files
    for d in ("semantic", "instance"):
        (sub / d / "case02_s001.png").unlink()
    item("case02_s002", [(1, disk(H, W, 20, 20, 8))], semantic=False, instance=False, rgb=True)  # rgb only
    item("case03_s001", [(1, left)], img_shape=(H + 2, W))  # size mismatch -> error
    return expected


@pytest.fixture()
def kitti_root(tmp_path):
    root = tmp_path / "kitti"
    expected = _kitti_export(root)
    return root, expected


def _items(root: Path) -> dict[str, kitti_mod._KittiItem]:
    return {it.item_id: it for it in kitti_mod._scan_subset("default", root / "default", ConversionReport())}


# ------------------------------------------------------------------ labels


def test_parse_label_colors(kitti_root):
    labels = parse_label_colors(kitti_root[0] / "label_colors.txt")
    assert [(lab.id, lab.name, lab.color) for lab in labels] == [
        (0, "background", (0, 0, 0)), (1, "liver", (255, 0, 0)), (2, "kidney", (0, 255, 0))]


def test_organ_label_refuses_the_background(kitti_root):
    root, _ = kitti_root
    labels, label = kitti_mod._organ_label(root, "LIVER", None)
    assert len(labels) == 3 and (label.id, label.name) == (1, "liver")
    with pytest.raises(OrgansegInputError,
                       match=r"^class 'Background' has id 0, which KITTI reserves for the background$"):
        kitti_mod._organ_label(root, "Background", None)


# ------------------------------------------------------------------ scan


def test_scan_subset_lists_items_and_orphan_label_maps(kitti_root):
    root, expected = kitti_root
    write_png(root / "default" / "instance" / "sub" / "orphan.png", np.zeros((4, 4), np.uint16))
    rep = ConversionReport()
    items = kitti_mod._scan_subset("default", root / "default", rep)
    assert [it.item_id for it in items] == sorted(expected)
    assert all(it.subset == "default" and it.image == root / "default" / "image_2" / f"{it.item_id}.png"
               for it in items)
    assert issues(rep.errors) == [("orphan.png", "label map without an image in image_2/")] and rep.skipped == 0


def test_scan_subset_repeated_item_id(kitti_root):
    root, _ = kitti_root
    (root / "default" / "image_2" / "case01_s001.jpg").write_bytes(b"x")
    rep = ConversionReport()
    items = kitti_mod._scan_subset("default", root / "default", rep)
    assert [it.image.name for it in items if it.item_id == "case01_s001"] == ["case01_s001.jpg"]
    assert issues(rep.errors) == [("case01_s001.png", "two images with item id 'case01_s001'")]
    assert rep.skipped == 1


# ------------------------------------------------------------------ per-image check


def test_item_objects_merged_or_per_instance(kitti_root):
    root, expected = kitti_root
    labels, label = kitti_mod._organ_label(root, "liver", None)
    items = _items(root)
    rep = ConversionReport()
    objs = kitti_mod._item_objects(items["case01_s001"], (H, W), labels, label, False, rep)
    assert [iid for iid, _ in objs] == [0]
    np.testing.assert_array_equal(objs[0][1], expected["case01_s001"])
    objs = kitti_mod._item_objects(items["case01_s001"], (H, W), labels, label, True, rep)
    assert [iid for iid, _ in objs] == [1, 2]
    np.testing.assert_array_equal(objs[0][1] | objs[1][1], expected["case01_s001"])
    assert kitti_mod._item_objects(items["case02_s001"], (H, W), labels, label, False, rep) == []
    assert rep.notes == {"image without label files (CVAT writes none for unannotated images): empty mask": 1}
    objs = kitti_mod._item_objects(items["case02_s002"], (H, W), labels, label, False, rep)  # from semantic_rgb
    np.testing.assert_array_equal(objs[0][1], expected["case02_s002"])
    assert rep.ok and not rep.warnings
    with pytest.raises(OrgansegInputError, match=r"^instance map 64x48 differs from the image size 64x50$"):
        kitti_mod._item_objects(items["case03_s001"], (H + 2, W), labels, label, False, rep)


def test_load_item_split_and_name_collision(kitti_root):
    root, _ = kitti_root
    labels, label = kitti_mod._organ_label(root, "liver", None)
    item = _items(root)["case02_s002"]
    opts = KittiConvertOptions(assignment={"case02": "val"}, case_regex=r"^(case\d+)_")
    loaded = kitti_mod._load_item(item, labels, label, {}, opts, ConversionReport())
    assert (loaded.stem, loaded.split, loaded.case_id, loaded.image.shape) == ("case02_s002", "val", "case02", (H, W, 3))
    with pytest.raises(OrgansegInputError, match=r"^output name case02_s002\.png collides with elsewhere\.png$"):
        kitti_mod._load_item(item, labels, label, {"case02_s002": "elsewhere.png"}, opts, ConversionReport())
    with pytest.raises(OrgansegInputError, match=r"^case02_s002: case 'case02' is not in the split assignment$"):
        kitti_mod._load_item(item, labels, label, {}, KittiConvertOptions(assignment={"case01": "train"},
                                                                          case_regex=r"^(case\d+)_"),
                             ConversionReport())


# ------------------------------------------------------------------ write


def test_add_image_copies_png_bytes_and_counts_parts(kitti_root, tmp_path):
    root, expected = kitti_root
    labels, label = kitti_mod._organ_label(root, "liver", None)
    item = _items(root)["case01_s001"]
    loaded = kitti_mod._load_item(item, labels, label, {}, KittiConvertOptions(), ConversionReport())
    writer = MMSegLayoutWriter(tmp_path / "out")
    rep = ConversionReport()
    kitti_mod._add_image(item, loaded, label, writer, rep)
    assert rep.converted == 1 and rep.notes == {"liver in several regions kept as one object": 1}
    assert writer.rows == [{"case_id": None, "kitti_subset": "default", "kitti_id": "case01_s001", "n_objects": 1,
                            "n_parts": 2, "height": H, "width": W, "filename": "case01_s001.png",
                            "split": "train"}]
    assert (tmp_path / "out" / "img_dir" / "train" / "case01_s001.png").read_bytes() == item.image.read_bytes()
    np.testing.assert_array_equal(read_binary_mask(tmp_path / "out" / "ann_dir" / "train" / "case01_s001.png"),
                                  expected["case01_s001"])


# ------------------------------------------------------------------ whole runs


def test_kitti_two_part_liver_is_one_annotation(kitti_root, tmp_path):
    root, expected = kitti_root
    before = hash_tree(root)
    out = tmp_path / "out"
    rep = convert_kitti(root, out, "Liver", progress=False)
    assert hash_tree(root) == before  # input unchanged
    # the mis-sized item is reported by name and skipped, the others converted
    assert rep.converted == 4 and rep.skipped == 1
    assert [(e.path, e.message) for e in rep.errors] == [
        (str(root / "default" / "image_2" / "case03_s001.png"), "instance map 64x48 differs from the image size 64x50")]
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
    assert n_components(segmentation_to_mask(two["segmentation"], H, W)) == 2
    # the kidney is not part of the liver annotation
    assert not (segmentation_to_mask(two["segmentation"], H, W) & disk(H, W, 40, 30, 4)).any()
    meta = {r["filename"]: r for r in meta_rows(out / "meta.csv")}
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
    assert n_components(dec) == 2


def test_kitti_bad_inputs(kitti_root, tmp_path):
    root, _ = kitti_root
    with pytest.raises(OrgansegInputError, match=rf"^{re.escape(str(root / 'label_colors.txt'))}: no class "
                                                 r"'spleen'; the classes are \['background', 'liver', 'kidney'\]$"):
        convert_kitti(root, tmp_path / "o", "spleen", progress=False)
    inside = (f"output folder {str(root / 'out')!r} is the input folder {str(root)!r} or inside it; choose an "
              "output folder outside the input (converters never write into their input)")
    with pytest.raises(OrgansegInputError, match=rf"^{re.escape(inside)}$"):
        convert_kitti(root, root / "out", "liver", progress=False)
    # semantic and instance disagree -> that image is reported
    sem = cv2.imread(str(root / "default" / "semantic" / "case01_s002.png"), cv2.IMREAD_UNCHANGED)
    sem[0, 0] = LIVER
    write_png(root / "default" / "semantic" / "case01_s002.png", sem)
    (root / "default" / "image_2" / "case01_s003.png").write_bytes(b"not a png")  # corrupt image
    rep = convert_kitti(root, tmp_path / "o2", "liver", dry_run=True, progress=False)
    assert issues(rep.errors) == [
        ("case01_s002.png", "semantic and instance maps disagree on 1 pixel(s) of class 1"),
        ("case01_s003.png", "cannot be decoded as an image (corrupt or not an image)"),
        ("case03_s001.png", "instance map 64x48 differs from the image size 64x50"),
    ]
    assert rep.converted == 3 and rep.dry_run and not (tmp_path / "o2").exists()


def test_options_form_equals_keyword_form(kitti_root, tmp_path):
    root, _ = kitti_root
    kw = dict(polygons=True, keep_instances=True, assignment={"case01": "val", "case02": "train", "case03": "test"},
              case_regex=r"^(case\d+)_", progress=False)
    rep_kw = convert_kitti(root, tmp_path / "kw", "liver", **kw)
    rep_opt = run_kitti_conversion(root, tmp_path / "opt", "liver", KittiConvertOptions(**kw))
    assert rep_kw.to_dict() == rep_opt.to_dict() and rep_kw.outputs == rep_opt.outputs
    assert hash_tree(tmp_path / "kw") == hash_tree(tmp_path / "opt")


@pytest.mark.parametrize(("name", "kw", "digest"), [
    ("merged_rle", {}, "a13fd36a66a3dc7f87612eba6b89cb84c2f3484a2cb997829e992bdb6620a246"),
    ("instances_polygons", dict(keep_instances=True, polygons=True, case_regex=r"^(case\d+)_",
                                assignment={"case01": "train", "case02": "val", "case03": "test"}), "6d8f1ea3e7342f266621ae1e7a11ba26b780dd95dd887f75d412edc7c054141c"),
])
def test_output_is_unchanged_by_the_split_into_passes(kitti_root, tmp_path, name, kw, digest):
    """Digests of the output (decoded PNGs, meta.csv, COCO) and report written by the converter before
    it was split into passes: the refactored converter writes the same."""
    root, _ = kitti_root
    rep = convert_kitti(root, tmp_path / name, "liver", progress=False, **kw)
    assert content_digest(tmp_path / name, rep, tmp_path) == digest


# ------------------------------------------------------------------ CLI


def test_cli_kitti_dry_run_and_exit_codes(kitti_root, tmp_path):
    root, _ = kitti_root
    out = tmp_path / "cli"
    proc = run_tool("datasets_prep/kitti_to_coco.py", "--root", str(root), "--out", str(out), "--class", "liver",
                    "--dry-run", "--no-progress", check=False)
    assert proc.returncode == 1, proc.stderr  # the mis-sized image is an error
    lines = proc.stdout.splitlines()
    assert "dry run (nothing written): would convert 4, skipped 1, errors 1, warnings 0" in lines
    assert (f"  ERROR: {root / 'default' / 'image_2' / 'case03_s001.png'}: instance map 64x48 differs from the "
            "image size 64x50") in lines
    assert not out.exists()
    proc = run_tool("datasets_prep/kitti_to_coco.py", "--root", str(root), "--out", str(out), "--class", "liver",
                    "--no-progress", "--ignore-errors", "--report", str(tmp_path / "rep.json"), check=False)
    assert proc.returncode == 0 and (out / "annotations" / "instances_train.json").exists()
    assert json.loads((tmp_path / "rep.json").read_text())["skipped"] == 1
    proc = run_tool("datasets_prep/kitti_to_coco.py", "--root", str(root), "--out", str(root / "x"), "--class",
                    "liver", check=False)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stderr.splitlines() == [
        f"error: output folder {str(root / 'x')!r} is the input folder {str(root)!r} or inside it; choose an "
        "output folder outside the input (converters never write into their input)"]
