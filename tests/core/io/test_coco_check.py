"""check_coco_file: a COCO file checked against its images, one line per problem (organseg_plugins.core.io.coco)."""

from __future__ import annotations

import json
import re
import shutil

import numpy as np
import pytest
from PIL import Image

from organseg_plugins.core.io.coco import (
    check_coco_file,
    polygon_problem,
    polygons_to_mask,
    segmentation_problems,
)


@pytest.fixture()
def liver(phantom_root, tmp_path):
    """A copy of the liver phantom (img_dir/{split}, annotations/instances_{split}.json) and its train COCO dict."""
    root = tmp_path / "liver"
    shutil.copytree(phantom_root / "liver_ct", root)
    js = root / "annotations" / "instances_train.json"
    return root, js, json.loads(js.read_text())


def _write(js, coco):
    js.write_text(json.dumps(coco))


def test_the_phantom_files_are_valid(phantom_root):
    root = phantom_root / "liver_ct"
    for js in sorted((root / "annotations").glob("instances_*.json")):
        assert check_coco_file(js, root) == []


def test_every_problem_one_line_naming_json_image_and_id(liver):
    root, js, coco = liver
    im1, im2 = coco["images"][:2]
    (root / im1["file_name"]).unlink()                                 # an image that is not there
    im2["width"] += 3                                                   # a size that is not the file's
    ann = next(a for a in coco["annotations"] if a["image_id"] == im2["id"])
    base = {k: v for k, v in ann.items() if k not in ("id", "segmentation")}
    coco["annotations"] += [
        {**base, "id": 901, "segmentation": [[10, 10, 20, 20]]},               # 2 points
        {**base, "id": 902, "segmentation": [[5, 5, 9, 9, 13, 13]],           # 3 points on one line
         "category_id": 7},                                                    # and an unknown category
        {**{k: v for k, v in base.items() if k != "bbox"}, "id": 903,          # no bbox
         "segmentation": [[0, 0, 8, 0, 8, 8]]},
        {**base, "id": 904, "image_id": 999, "segmentation": [[0, 0, 8, 0, 8, 8]]},  # an unknown image
        {**base, "id": 901, "segmentation": [[0, 0, 8, 0, 8, 8]]},                  # a repeated id
    ]
    _write(js, coco)
    a2 = f"annotation id {{}} (image {im2['file_name']!r})"
    size = f"{im2['width'] - 3}x{im2['height']}"
    assert check_coco_file(js, root) == [f"{js}: {p}" for p in [
        f"image id {im1['id']} {im1['file_name']!r}: file not found under {root}",
        f"image id {im2['id']} {im2['file_name']!r}: the file is {size} (width x height) but the JSON says "
        f"width {im2['width']}, height {im2['height']}",
        f"{a2.format(ann['id'])}: RLE size [{im2['height']}, {im2['width'] - 3}] (height, width) differs from the "
        f"image's [{im2['height']}, {im2['width']}]",
        f"{a2.format(901)}: polygon with 2 points (a polygon needs >= 3)",
        f"{a2.format(902)}: unknown category id 7 (categories: [1])",
        f"{a2.format(902)}: polygon with zero area (its 3 points lie on one line)",
        f"{a2.format(903)}: no 'bbox'",
        "annotation id 904: its image id 999 is not in 'images'",
        "annotation id 901 is used twice (annotation ids must be unique)",
    ]]


def test_duplicate_ids_categories_and_unreadable_files(liver, tmp_path):
    root, js, coco = liver
    coco["images"].append(dict(coco["images"][0], file_name="img_dir/train/other.png"))  # its id again
    coco["images"].append(dict(coco["images"][1], id=77))                                 # its file again
    coco["categories"].append({"id": 1, "name": "liver2"})
    _write(js, coco)
    first, second = coco["images"][:2]
    assert check_coco_file(js, root) == [f"{js}: {p}" for p in [
        "category id 1 is listed twice",
        f"image id {first['id']} is listed twice ({first['file_name']!r} and 'img_dir/train/other.png')",
        f"image file {second['file_name']!r} is listed twice (image ids {second['id']} and 77)",
    ]]
    (tmp_path / "broken.json").write_text("{not json")
    (problem,) = check_coco_file(tmp_path / "broken.json", root)
    assert re.fullmatch(rf"{re.escape(str(tmp_path / 'broken.json'))}: cannot parse the COCO JSON \(.*\)", problem)
    assert check_coco_file(tmp_path / "none.json", root) == [f"{tmp_path / 'none.json'}: COCO file does not exist"]


def test_a_wrong_image_root_is_one_line(liver, tmp_path):
    root, js, coco = liver
    im = coco["images"][0]
    assert check_coco_file(js, tmp_path) == [
        f"{js}: none of its {len(coco['images'])} image files is under {tmp_path} (e.g. image id {im['id']} "
        f"{im['file_name']!r}); is the image root right?"]


def test_unreadable_image_and_exif_rotated_jpeg(liver):
    root, js, coco = liver
    im1, im2 = coco["images"][:2]
    (root / im1["file_name"]).write_bytes(b"not an image")
    # a JPEG stored 64 high x 32 wide with EXIF orientation 6 (rotate 90): detectron2 loads it 64 wide x 32 high
    exif = Image.Exif()
    exif[0x0112] = 6
    Image.fromarray(np.zeros((im2["width"], im2["height"] // 2), np.uint8)).save(root / "rot.jpg", exif=exif)
    im2["file_name"], im2["height"] = "rot.jpg", im2["height"] // 2
    coco["annotations"] = []
    _write(js, coco)
    (problem,) = check_coco_file(js, root)
    assert problem.startswith(f"{js}: image id {im1['id']} {im1['file_name']!r}: cannot read the image header (")
    assert check_coco_file(js, root, check_sizes=False) == []


@pytest.mark.parametrize(("poly", "why"), [
    ([1, 2, 3, 4], "with 2 points (a polygon needs >= 3)"),
    ([1, 2], "with 1 point (a polygon needs >= 3)"),
    ([1, 2, 3, 4, 5], "with an odd number of coordinates (5)"),
    ([0, 0, 1, 1, 2, 2, 5, 5], "with zero area (its 4 points lie on one line)"),
    ([3, 3, 3, 3, 3, 3], "with zero area (its 3 points are one point)"),
    ([0, 0, 1, float("nan"), 2, 0], "with a coordinate that is not a finite number"),
    ({"x": 1}, "is a dict, not a [x0, y0, x1, y1, ...] list"),
    ([0, 0, 4, 0, 4, 4], None),
    ([0, 0, 2, 2, 2, 0, 0, 2], None),  # a bow tie: signed area 0, but two triangles (pycocotools fills them)
])
def test_polygon_problem(poly, why):
    assert polygon_problem(poly) == why
    if why is None:  # usable polygons rasterise to something, as the check promises
        assert polygons_to_mask([poly], 8, 8).any()


def test_segmentation_problems():
    assert segmentation_problems([[0, 0, 4, 0, 4, 4], [1, 1, 2, 2]]) == [
        "polygon 2 of 2 with 2 points (a polygon needs >= 3)"]
    assert segmentation_problems([]) == ["empty segmentation (no polygon)"]
    assert segmentation_problems(None) == ["no 'segmentation'"]
    assert segmentation_problems({"size": [4, 5], "counts": "x"}, 4, 5) == []
    assert segmentation_problems({"size": [4, 5]}) == ["RLE segmentation without 'size' and 'counts'"]
    assert segmentation_problems([1, 2, 3, 4, 5, 6]) == [
        "segmentation is one flat list of numbers; COCO polygons are a list of lists [[x0, y0, ...], ...]"]
