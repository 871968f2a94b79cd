"""OrganSegMetric through mmengine's Evaluator, checked against hand-computed values."""

from __future__ import annotations

import csv

import numpy as np
import pytest
import torch
from mmengine.evaluator import Evaluator
from mmengine.registry import init_default_scope
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

import organseg_plugins.mm  # noqa: F401  (registers)

init_default_scope("mmseg")


def sample(pred, gt, **meta):
    s = SegDataSample(metainfo=dict(img_path=f"img_{len(meta)}.png", **meta))
    s.pred_sem_seg = PixelData(data=torch.as_tensor(pred)[None])
    s.gt_sem_seg = PixelData(data=torch.as_tensor(gt)[None])
    return s


def two_images():
    # image A (4x4): GT organ = top-left 2x2, prediction = the whole top row
    #   TP = 2 (row 0, cols 0-1), FP = 2 (row 0, cols 2-3), FN = 2 (row 1, cols 0-1), TN = 10
    gt_a = np.zeros((4, 4), np.int64)
    gt_a[:2, :2] = 1
    pred_a = np.zeros((4, 4), np.int64)
    pred_a[0] = 1
    # image B (4x4): both empty -> TN = 16
    z = np.zeros((4, 4), np.int64)
    return [sample(pred_a, gt_a, spacing_mm=2.0, length_mm=5.0),
            sample(z, z, spacing_mm=2.0, length_mm=4.0, other=1)]


def evaluate(tmp_path=None, **kw):
    ev = Evaluator(dict(type="OrganSegMetric", **kw))
    ev.dataset_meta = dict(classes=("background", "organ"))
    ev.process(two_images())
    return ev.evaluate(2)


def test_pooled_per_image_kappa_and_mple():
    res = evaluate()
    # pooled organ: tp 2, fp 2, fn 2 -> IoU 2/6, Dice 4/8, P = R = 1/2
    assert res["IoU.organ"] == pytest.approx(100 / 3)
    assert res["Dice.organ"] == pytest.approx(50.0)
    assert res["Precision.organ"] == pytest.approx(50.0) and res["Recall.organ"] == pytest.approx(50.0)
    # pooled background: tp 26, fp 2, fn 2 -> IoU 26/30, Dice 52/56
    assert res["IoU.background"] == pytest.approx(100 * 26 / 30)
    assert res["Dice.background"] == pytest.approx(100 * 52 / 56)
    assert res["mIoU"] == pytest.approx((100 / 3 + 100 * 26 / 30) / 2)
    # per image organ IoU: A 1/3, B both empty -> 1 (convention) -> mean 2/3
    assert res["img_IoU.organ"] == pytest.approx(100 * 2 / 3)
    # kappa on cm [[26, 2], [2, 2]]: Po = 28/32, Pe = (28*28 + 4*4)/32^2 = 0.78125 -> 0.09375/0.21875
    assert res["kappa"] == pytest.approx(0.09375 / 0.21875)
    # lengths: A's prediction is a 4-pixel row: Feret 3 px x 2 mm = 6 vs 5 (20 %); B predicts nothing:
    # 0 vs 4 (100 %) -> MPLE 60 %
    assert res["MPLE"] == pytest.approx(60.0)


def test_surface_distances_and_csv(tmp_path):
    out = tmp_path / "per_image.csv"
    res = evaluate(surface_metrics=True, csv_file=str(out))
    # A: d(P->G) = 0,0,1,2 px; d(G->P) = 0,0,1,1 px; HD = 2 px x 2 mm = 4 mm, ASD = 5/8 px x 2 mm;
    # B: both empty -> 0. Means over the two images:
    assert res["HD.organ"] == pytest.approx(2.0)
    assert res["ASD.organ"] == pytest.approx(0.625)
    rows = list(csv.DictReader(out.open()))
    assert len(rows) == 2 and rows[0]["class"] == "organ"
    assert float(rows[0]["hd"]) == pytest.approx(4.0) and float(rows[0]["iou"]) == pytest.approx(100 / 3, rel=1e-4)


def test_ignore_index_masks_pixels_out():
    gt = np.array([[1, 255], [0, 0]])
    pred = np.array([[1, 1], [0, 0]])  # the predicted pixel under 255 must not count as FP
    ev = Evaluator(dict(type="OrganSegMetric"))
    ev.dataset_meta = dict(classes=("background", "organ"))
    ev.process([sample(pred, gt)])
    res = ev.evaluate(1)
    assert res["IoU.organ"] == pytest.approx(100.0)


def test_bad_labels_are_named():
    ev = Evaluator(dict(type="OrganSegMetric"))
    ev.dataset_meta = dict(classes=("background", "organ"))
    with pytest.raises(ValueError, match=r"labels \[0, 7\] outside 0..1"):
        ev.process([sample(np.zeros((2, 2), int), np.array([[0, 7], [0, 0]]))])


def test_all_pixels_ignored_is_an_error_not_nan():
    ev = Evaluator(dict(type="OrganSegMetric"))
    ev.dataset_meta = dict(classes=("background", "organ"))
    ev.process([sample(np.ones((2, 2), int), np.full((2, 2), 255))])
    with pytest.raises(ValueError, match="no labelled pixel in the 1 evaluated image"):
        ev.evaluate(1)


def test_one_length_for_several_organs_is_refused():
    ev = Evaluator(dict(type="OrganSegMetric"))
    ev.dataset_meta = dict(classes=("background", "liver", "spleen"))
    z = np.zeros((4, 4), np.int64)
    with pytest.raises(ValueError, match=r"one 'length_mm' per image but 2 organ classes \[1, 2\]"):
        ev.process([sample(z, z, length_mm=5.0)])
    # naming the organ makes it well defined
    ev = Evaluator(dict(type="OrganSegMetric", organ_classes=[2]))
    ev.dataset_meta = dict(classes=("background", "liver", "spleen"))
    ev.process([sample(z, z, length_mm=5.0)])
    assert ev.evaluate(1)["MPLE"] == pytest.approx(100.0)  # nothing predicted: length 0 vs 5
