"""Tests for organseg_plugins.core.coco and the COCO files of the phantom datasets."""

import csv
import json

import cv2
import numpy as np
import pytest
from pycocotools import mask as mask_utils
from pycocotools.coco import COCO
from scipy import ndimage

from organseg_plugins.core.converters.cases import SPLITS
from organseg_plugins.core.io.coco import (
    coco_to_masks,
    mask_to_polygons,
    mask_to_rle,
    masks_to_coco,
    polygons_to_mask,
    rle_to_mask,
)
from organseg_plugins.core.io.images import read_binary_mask
from organseg_plugins.core.phantoms.organ_slices import write_phantom_dataset


def _iou(a, b):
    return (a & b).sum() / max((a | b).sum(), 1)


@pytest.mark.parametrize("seed", range(5))
def test_rle_round_trip_exact(seed):
    rng = np.random.default_rng(seed)
    h, w = rng.integers(1, 60, 2)
    m = (rng.random((h, w)) < rng.uniform(0, 1)).astype(np.uint8)
    rle = mask_to_rle(m)
    assert isinstance(rle["counts"], str)
    assert rle["size"] == [int(h), int(w)]
    rle = json.loads(json.dumps(rle))  # JSON-serialisable
    back = rle_to_mask(rle)
    assert back.dtype == np.uint8 and back.shape == m.shape
    np.testing.assert_array_equal(back, m)
    # same as pycocotools' own decoding of the str counts
    np.testing.assert_array_equal(mask_utils.decode({"size": rle["size"], "counts": rle["counts"].encode()}), m)


def test_rle_empty_full_and_bool():
    for m in (np.zeros((7, 9), np.uint8), np.ones((7, 9), np.uint8)):
        np.testing.assert_array_equal(rle_to_mask(mask_to_rle(m)), m)
    b = np.eye(6, dtype=bool)
    np.testing.assert_array_equal(rle_to_mask(mask_to_rle(b)), b.astype(np.uint8))
    with pytest.raises(ValueError, match=r"mask has values \{2\}.*expected 0/1"):
        mask_to_rle(np.full((3, 3), 2, np.uint8))


def test_uncompressed_rle_and_size_check():
    m = np.zeros((4, 3), np.uint8)
    m[1:3, 1] = 1  # column-major runs: col0 4 zeros, col1 1 zero 2 ones 1 zero, col2 4 zeros
    rle = {"size": [4, 3], "counts": [5, 2, 5]}
    np.testing.assert_array_equal(rle_to_mask(rle), m)
    with pytest.raises(ValueError, match=r"RLE size \[4, 3\] does not match the given height/width \[5, 3\]"):
        rle_to_mask(mask_to_rle(m), height=5, width=3)


def test_polygons_two_parts_and_rasterise_back():
    m = np.zeros((120, 160), np.uint8)
    cv2.ellipse(m, (40, 60), (30, 45), 0, 0, 360, 1, -1)
    cv2.ellipse(m, (120, 60), (25, 40), 20, 0, 360, 1, -1)
    polys = mask_to_polygons(m)
    assert len(polys) == 2
    assert all(len(p) >= 6 and len(p) % 2 == 0 for p in polys)
    back = polygons_to_mask(polys, 120, 160)
    assert back.dtype == np.uint8 and set(np.unique(back)) <= {0, 1}
    assert _iou(back.astype(bool), m.astype(bool)) > 0.95
    assert polygons_to_mask([], 5, 6).shape == (5, 6)


def test_masks_to_coco_area_bbox_and_pycocotools(tmp_path):
    a = np.zeros((10, 12), np.uint8)
    a[2:6, 3:10] = 1  # rows 2..5, cols 3..9 -> bbox [3, 2, 7, 4], area 28
    b = np.zeros((10, 12), np.uint8)
    b[0:2, 0:2] = 1
    b[8:10, 10:12] = 1  # two parts -> still one annotation
    empty = np.zeros((10, 12), np.uint8)
    coco = masks_to_coco(
        [{"file_name": "a.png", "mask": a}, {"file_name": "b.png", "mask": b}, {"file_name": "c.png", "mask": empty}],
        [{"id": 1, "name": "spleen"}],
    )
    assert [im["id"] for im in coco["images"]] == [1, 2, 3]
    assert len(coco["annotations"]) == 2
    ann_a, ann_b = coco["annotations"]
    assert ann_a["bbox"] == [3.0, 2.0, 7.0, 4.0] and ann_a["area"] == 28
    assert ann_b["bbox"] == [0.0, 0.0, 12.0, 10.0] and ann_b["area"] == 8
    assert all(an["iscrowd"] == 0 and an["category_id"] == 1 for an in coco["annotations"])
    assert isinstance(ann_a["segmentation"]["counts"], str)

    p = tmp_path / "c.json"
    p.write_text(json.dumps(coco))
    api = COCO(str(p))
    np.testing.assert_array_equal(api.annToMask(api.loadAnns(api.getAnnIds(imgIds=[1]))[0]), a)
    np.testing.assert_array_equal(coco_to_masks(coco, 2), b)
    np.testing.assert_array_equal(coco_to_masks(coco, 3), empty)
    with pytest.raises(KeyError, match="image id 99 not in the COCO dict"):
        coco_to_masks(coco, 99)


def test_coco_to_masks_union_and_category_filter():
    h, w = 12, 12
    m1 = np.zeros((h, w), np.uint8)
    m1[1:3, 1:3] = 1
    m2 = np.zeros((h, w), np.uint8)
    m2[5:7, 5:7] = 1
    m3 = np.zeros((h, w), np.uint8)
    m3[7:12, 0:5] = 1
    polys = mask_to_polygons(m3)
    p3 = polygons_to_mask(polys, h, w)
    assert p3.sum() > 0 and not (p3 & ~m3.astype(bool)).any()
    coco = {
        "images": [{"id": 1, "file_name": "x.png", "height": h, "width": w}],
        "annotations": [
            {"id": 1, "image_id": 1, "category_id": 1, "segmentation": mask_to_rle(m1)},
            {"id": 2, "image_id": 1, "category_id": 2, "segmentation": polys},
            {"id": 3, "image_id": 1, "category_id": 2, "segmentation": mask_to_rle(m2)},
        ],
    }
    np.testing.assert_array_equal(coco_to_masks(coco, 1, category_id=1), m1)
    np.testing.assert_array_equal(coco_to_masks(coco, 1, category_id=2), m2 | p3)
    np.testing.assert_array_equal(coco_to_masks(coco, 1), m1 | m2 | p3)


@pytest.fixture(scope="module")
def phantom_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("phantom_coco")
    write_phantom_dataset(out, num_spleen=8, num_liver=16, size=160, seed=3, progress=False)
    return out


@pytest.mark.parametrize("ds,cat", [("spleen_us", "spleen"), ("liver_ct", "liver")])
def test_phantom_coco_matches_png_masks(phantom_dir, ds, cat):
    root = phantom_dir / ds
    seen = set()
    for sp in SPLITS:
        api = COCO(str(root / "annotations" / f"instances_{sp}.json"))
        assert [c["name"] for c in api.loadCats(api.getCatIds())] == [cat]
        assert api.getCatIds() == [1]
        for img_id in api.getImgIds():
            info = api.loadImgs([img_id])[0]
            assert info["file_name"].startswith(f"img_dir/{sp}/")
            assert (root / info["file_name"]).is_file()
            png = read_binary_mask(root / info["file_name"].replace("img_dir/", "ann_dir/", 1))
            anns = api.loadAnns(api.getAnnIds(imgIds=[img_id]))
            assert len(anns) == 1  # every phantom image contains the organ, as ONE annotation
            ann = anns[0]
            assert ann["iscrowd"] == 0
            decoded = mask_utils.decode({"size": ann["segmentation"]["size"], "counts": ann["segmentation"]["counts"].encode()})
            np.testing.assert_array_equal(decoded, png)
            assert ann["area"] == png.sum()
            ys, xs = np.nonzero(png)
            assert ann["bbox"] == [xs.min(), ys.min(), xs.max() - xs.min() + 1, ys.max() - ys.min() + 1]
            seen.add(info["file_name"])
    with open(root / "meta.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert seen == {f"img_dir/{r['split']}/{r['filename']}" for r in rows}


def test_split_liver_is_one_annotation_with_two_components(phantom_dir):
    root = phantom_dir / "liver_ct"
    with open(root / "meta.csv", newline="") as fh:
        rows = {(r["split"], r["filename"]): r for r in csv.DictReader(fh)}
    n_split = 0
    for sp in SPLITS:
        coco = json.loads((root / "annotations" / f"instances_{sp}.json").read_text())
        for im in coco["images"]:
            row = rows[(sp, im["file_name"].split("/")[-1])]
            anns = [a for a in coco["annotations"] if a["image_id"] == im["id"]]
            assert len(anns) == 1
            _, n_comp = ndimage.label(coco_to_masks(coco, im["id"]), structure=np.ones((3, 3)))
            assert n_comp == int(row["n_parts"])
            if int(row["n_parts"]) == 2:
                n_split += 1
                _, n4 = ndimage.label(rle_to_mask(anns[0]["segmentation"]))  # 4-connectivity too
                assert n4 == 2
    assert n_split >= 3  # every 4th of the 16 slices
