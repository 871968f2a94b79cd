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
