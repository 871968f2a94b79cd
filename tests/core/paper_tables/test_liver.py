"""organseg_plugins.core.paper_tables.liver: the liver paper's Table 6 cells from either framework's CSV."""

import pytest

from organseg_plugins.core.paper_tables.liver import liver_cell, liver_image_value, liver_pooled
from organseg_plugins.core.paper_tables.records import RunRecord


def _run(rows, fw="detectron2"):
    return RunRecord("m", 0, 0, "w", fw, None, {}, rows, None, None)


def test_detectron2_and_mmseg_rows():
    assert liver_image_value({"MaskIoU": 88.0}, "Mask IoU (%)") == 88.0
    assert liver_image_value({"iou": 88.0, "trimap_iou": 0.5}, "Trimap IoU (%)") == 50.0
    assert liver_image_value({"iou": 88.0}, "Boundary IoU (%)") is None


def test_mean_over_images_and_pooled():
    a = _run([{"MaskIoU": 80.0, "TrimapIoU": 60.0, "Fmeasure": 70.0, "BoundaryIoU": 50.0},
              {"MaskIoU": 90.0, "TrimapIoU": 70.0, "Fmeasure": 80.0, "BoundaryIoU": 60.0}])
    b = _run([{"class": "liver", "iou": 70.0, "trimap_iou": 0.8, "boundary_f": 0.9, "boundary_iou": 0.7}], "mmseg")
    assert liver_cell(a, "", "Mask IoU (%)") == 85.0
    assert liver_cell(b, "", "Trimap IoU (%)") == pytest.approx(80.0)
    pooled = liver_pooled([a, b])
    assert pooled["Mask IoU (%)"] == 80.0  # (80 + 90 + 70) / 3
    assert pooled["images"] == 3.0
