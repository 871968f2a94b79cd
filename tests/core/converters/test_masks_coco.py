"""Binary mask folders <-> COCO instances (organseg_plugins.core.converters.masks_coco)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from organseg_plugins.core.converters.masks_coco import coco_to_mask_dir, masks_dir_to_coco
from organseg_plugins.core.io.images import read_binary_mask
from tests.core.converters.helpers import disk, hash_tree, n_components, write_png


@pytest.fixture()
def mask_folder(tmp_path):
    rng = np.random.default_rng(3)
    imgs, msks = tmp_path / "images", tmp_path / "masks"
    truth = {}
    for i in range(6):  # organ-sized shapes (polygons through boundary-pixel centres lose < 5 % of them)
        h, w = 160 + 4 * i, 192
        m = np.zeros((h, w), np.uint8)
        if i > 0:
            m |= disk(h, w, 60, 60, 40 + i)
        if i % 2 == 0 and i > 0:
            m |= disk(h, w, h - 45, 150, 35)  # a second region (im0 stays empty)
        truth[f"im{i}"] = m
        write_png(imgs / f"im{i}.png", rng.integers(0, 255, (h, w), dtype=np.uint8))
        write_png(msks / f"im{i}.png", m * (255 if i == 3 else 1))
    return imgs, msks, truth


def test_masks_coco_masks_round_trip_rle_exact(mask_folder, tmp_path):
    imgs, msks, truth = mask_folder
    before = hash_tree(tmp_path)
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
    after = hash_tree(tmp_path)
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
            assert n_components(back) == n_components(m)


def test_masks_coco_bad_masks_reported(mask_folder, tmp_path):
    imgs, msks, _ = mask_folder
    write_png(msks / "im1.png", np.tile(np.array([0, 1, 2], np.uint8), (164, 64)))  # labels 0, 1, 2
    write_png(msks / "im2.png", np.zeros((10, 10), np.uint8))  # wrong size
    (msks / "im4.png").unlink()  # missing
    rep = masks_dir_to_coco(imgs, msks, tmp_path / "x.json", progress=False)
    assert rep.converted == 3 and rep.skipped == 3
    assert [(Path(e.path).name, e.message) for e in rep.errors] == [
        ("im4.png", f"no mask im4.png in {msks}"),
        ("im1.png", f"{msks / 'im1.png'}: mask has values {{0, 1, 2}} (dtype uint8); expected 0/1 (a label map: "
                    "choose the organ's value with label= / --label)"),
        ("im2.png", f"{msks / 'im2.png'}: mask size 10x10 differs from image im2.png size 192x168"),
    ]


def _coco_with_polygons(tmp_path):
    """A 2-image COCO file: one good polygon per image, plus on im_b a 2-point one and a zero-area one."""
    good = [[2.0, 2.0, 12.0, 2.0, 12.0, 12.0, 2.0, 12.0]]
    ann = {"category_id": 1, "iscrowd": 0, "bbox": [2, 2, 10, 10], "area": 100.0}
    coco = {
        "images": [{"id": 1, "file_name": "img/im_a.png", "height": 16, "width": 16},
                   {"id": 2, "file_name": "img/im_b.png", "height": 16, "width": 16}],
        "annotations": [{**ann, "id": 1, "image_id": 1, "segmentation": good},
                        {**ann, "id": 2, "image_id": 2, "segmentation": good},
                        {**ann, "id": 17, "image_id": 2, "segmentation": [[3.0, 3.0, 9.0, 9.0]]},
                        {**ann, "id": 18, "image_id": 2, "segmentation": good + [[1.0, 1.0, 5.0, 5.0, 9.0, 9.0]]},
                        {**ann, "id": 19, "image_id": 5, "segmentation": good}],
        "categories": [{"id": 1, "name": "liver"}],
    }
    js = tmp_path / "poly.json"
    js.write_text(json.dumps(coco))
    return js


def test_reverse_reports_degenerate_polygons_per_annotation(tmp_path):
    """A polygon of < 3 points or of zero area is an error naming the JSON, the image and the annotation id; its
    image gets no mask (not an empty or partial one), the other images are converted."""
    js = _coco_with_polygons(tmp_path)
    rep = coco_to_mask_dir(js, tmp_path / "back", progress=False)
    assert [str(e) for e in rep.errors] == [
        f"{js}: annotation id 19: its image id 5 is not in 'images'",
        f"{js}[img/im_b.png]: annotation id 17: polygon with 2 points (a polygon needs >= 3)",
        f"{js}[img/im_b.png]: annotation id 18: polygon 2 of 2 with zero area (its 3 points lie on one line)",
    ]
    assert rep.converted == 1 and rep.skipped == 1 and rep.exit_code() == 1
    assert rep.summary().splitlines()[0] == "converted 1, skipped 1, errors 3, warnings 0"
    assert sorted(p.name for p in (tmp_path / "back").iterdir()) == ["im_a.png"]


def test_reverse_cli_counts_the_degenerate_polygons_and_exits_1(tmp_path):
    from tests.conftest import run_tool

    js = _coco_with_polygons(tmp_path)
    proc = run_tool("datasets_prep/masks_to_coco.py", "--reverse", "--coco", str(js), "--out", str(tmp_path / "m"),
                    "--no-progress", check=False, timeout=300)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0] == "converted 1, skipped 1, errors 3, warnings 0"
    assert f"  ERROR: {js}[img/im_b.png]: annotation id 17: polygon with 2 points (a polygon needs >= 3)" in lines


def test_mask_without_its_image_is_an_error(mask_folder, tmp_path):
    imgs, msks, _ = mask_folder
    (imgs / "im5.png").unlink()  # its mask stays
    rep = masks_dir_to_coco(imgs, msks, tmp_path / "x.json", progress=False)
    assert [(Path(e.path).name, e.message) for e in rep.errors] == [
        ("im5.png", f"mask without an image: no image im5.* in {imgs}; not converted")]
    assert rep.converted == 5 and rep.skipped == 0 and rep.exit_code() == 1 and not rep.warnings
