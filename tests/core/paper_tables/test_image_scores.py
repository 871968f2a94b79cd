"""organseg_plugins.core.paper_tables.image_scores: per-image Dice/IoU and the ground truth beside an image."""

from pathlib import Path

from organseg_plugins.core.paper_tables.image_scores import ground_truth_path, image_scores
from organseg_plugins.core.paper_tables.records import RunRecord


def test_image_scores_both_frameworks():
    mm = RunRecord("a", 0, 0, "w", "mmseg", None, {}, [{"img_path": "/d/img_dir/test/x.png", "class": "spleen",
                                                        "dice": 80.0, "iou": 66.0}], None, None)
    d2 = RunRecord("b", 0, 0, "w", "detectron2", None, {}, [{"file_name": "/d/y.png", "PixelF1": 90.0,
                                                             "MaskIoU": 81.0}], None, None)
    assert image_scores(mm) == [{"image": "/d/img_dir/test/x.png", "stem": "x", "dice": 80.0, "iou": 66.0}]
    assert image_scores(d2)[0]["dice"] == 90.0 and image_scores(d2)[0]["iou"] == 81.0


def test_ground_truth_path():
    assert ground_truth_path("/d/img_dir/test/x.jpg") == Path("/d/ann_dir/test/x.png")
