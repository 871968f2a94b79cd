"""Registered organ COCO datasets are checked against their images once, before detectron2 reads them."""

from __future__ import annotations

import json
import re
import shutil

import pytest
from detectron2.data import DatasetCatalog, MetadataCatalog

from organseg_plugins.core.errors import OrgansegInputError
from organseg_plugins.d2 import check_organ_datasets, register_organ_splits


@pytest.fixture()
def liver(phantom_root, tmp_path):
    root = tmp_path / "liver"
    shutil.copytree(phantom_root / "liver_ct", root)
    return root


def _prefix(tmp_path) -> str:
    """A dataset prefix of its own per test (DatasetCatalog is process-wide and registration idempotent)."""
    return "dstest_" + re.sub(r"\W", "_", tmp_path.name)


def test_valid_files_load_as_detectron2_loads_them(liver, tmp_path):
    prefix = _prefix(tmp_path)
    names = register_organ_splits(prefix, str(liver), "liver")
    assert names == [f"{prefix}_{s}" for s in ("test", "train", "val")]
    meta = MetadataCatalog.get(f"{prefix}_train")
    assert (meta.json_file, meta.image_root, meta.evaluator_type, meta.organ) == (
        str(liver / "annotations" / "instances_train.json"), str(liver), "coco", "liver")
    check_organ_datasets(names)
    dicts = DatasetCatalog.get(f"{prefix}_train")
    assert dicts and all(d["file_name"].startswith(str(liver)) and "annotations" in d for d in dicts)
    assert meta.thing_classes == ["liver"]


def test_a_missing_image_and_a_degenerate_polygon_are_listed_when_loaded(liver, tmp_path):
    js = liver / "annotations" / "instances_train.json"
    coco = json.loads(js.read_text())
    im1, im2 = coco["images"][:2]
    (liver / im1["file_name"]).unlink()
    ann = next(a for a in coco["annotations"] if a["image_id"] == im2["id"])
    ann["segmentation"] = [[3.0, 4.0, 9.0, 4.0]]  # detectron2 alone drops it and trains on one object less
    js.write_text(json.dumps(coco))
    prefix = _prefix(tmp_path)
    register_organ_splits(prefix, str(liver), "liver")
    expected = "\n".join([
        f"dataset '{prefix}_train': 2 problems in its COCO file {js} (images under {liver}):",
        f"{js}: image id {im1['id']} {im1['file_name']!r}: file not found under {liver}",
        f"{js}: annotation id {ann['id']} (image {im2['file_name']!r}): polygon with 2 points (a polygon needs >= 3)",
    ])
    with pytest.raises(OrgansegInputError, match=f"^{re.escape(expected)}$") as ei:
        DatasetCatalog.get(f"{prefix}_train")  # what detectron2's loader builders call, in the main process
    assert ei.value.lines == tuple(expected.splitlines())  # one error: line each on the command line
    with pytest.raises(OrgansegInputError, match=f"^{re.escape(expected)}$"):
        check_organ_datasets([f"{prefix}_train", f"{prefix}_test", "coco_2017_train"])  # builtin: detectron2's
    assert DatasetCatalog.get(f"{prefix}_test")  # the other splits are fine
