"""OrganMaskEvaluator with real detectron2 Instances on the registered phantom liver data."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from detectron2.data import DatasetCatalog
from detectron2.structures import Instances

from organseg_plugins.core import metrics as M
from organseg_plugins.core.io.coco import segmentation_to_mask
from organseg_plugins.d2 import OrganMaskEvaluator, register_organ_splits


@pytest.fixture(scope="module")
def liver(phantom_root):
    names = register_organ_splits("evaltest_liver", str(phantom_root / "liver_ct"), "liver")
    assert "evaltest_liver_test" in names
    return DatasetCatalog.get("evaltest_liver_test")


def instances(masks, scores):
    h, w = masks[0].shape
    inst = Instances((h, w))
    inst.pred_masks = torch.as_tensor(np.stack(masks)).bool()
    inst.scores = torch.tensor(scores, dtype=torch.float32)
    return inst


def gt_union(rec):
    m = np.zeros((rec["height"], rec["width"]), bool)
    for a in rec["annotations"]:
        m |= segmentation_to_mask(a["segmentation"], rec["height"], rec["width"]).astype(bool)
    return m


def test_union_of_instances_threshold_and_values(liver, tmp_path):
    ev = OrganMaskEvaluator("evaltest_liver_test", score_thresh=0.5, output_dir=str(tmp_path), distributed=False)
    ev.reset()
    rec0, rec1, rec2 = liver[:3]
    g0, g1, g2 = gt_union(rec0), gt_union(rec1), gt_union(rec2)
    # image 0: GT split into two instances by rows -> their union is perfect
    top, bottom = g0.copy(), g0.copy()
    top[g0.shape[0] // 2:] = False
    bottom[: g0.shape[0] // 2] = False
    ev.process([{"image_id": rec0["image_id"]}], [{"instances": instances([top, bottom], [0.9, 0.8])}])
    # image 1: the right prediction but below the score threshold -> empty prediction -> 0
    ev.process([{"image_id": rec1["image_id"]}], [{"instances": instances([g1], [0.3])}])
    # image 2: GT shifted by 3 px -> values equal the metrics core's
    shifted = np.roll(g2, 3, axis=1)
    ev.process([{"image_id": rec2["image_id"]}], [{"instances": instances([shifted], [0.99])}])
    res = ev.evaluate()["organ_masks"]
    ref = M.compute_all(shifted, g2)
    assert res["MaskIoU"] == pytest.approx(100 * (1 + 0 + ref["jaccard"]) / 3)
    assert res["BoundaryIoU"] == pytest.approx(100 * (1 + 0 + ref["boundary_iou"]) / 3)
    assert res["TrimapIoU"] == pytest.approx(100 * (1 + 0 + ref["trimap_iou"]) / 3)
    assert res["Fmeasure"] == pytest.approx(100 * (1 + 0 + ref["boundary_f"]) / 3)
    assert res["PixelF1"] == pytest.approx(100 * (1 + 0 + ref["dice"]) / 3)
    assert 0 < ref["boundary_iou"] < ref["jaccard"] < 1  # a 3-px shift hurts the boundary more
    lines = (tmp_path / "organ_masks_per_image.csv").read_text().splitlines()
    assert len(lines) == 4 and lines[0].startswith("file_name,image_id,num_instances,MaskIoU")
