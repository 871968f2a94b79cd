"""OrganSegMetric (mmseg), OrganMaskEvaluator (detectron2) and tools/evaluate_masks.py report the same
mean and std for the same masks: all three call the one summary (sample std, ddof=1)."""

from __future__ import annotations

import csv

import numpy as np
import pytest
import torch
from detectron2.data import DatasetCatalog
from detectron2.structures import Instances
from mmengine.evaluator import Evaluator
from mmengine.registry import init_default_scope
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

import organseg_plugins.mm  # noqa: F401  (registers)
from organseg_plugins.core.io import encode_png
from organseg_plugins.core.metrics.surface_dice import normalized_surface_dice
from organseg_plugins.d2 import OrganMaskEvaluator
from tests.conftest import run_tool


def _pairs(n=5, size=48, seed=3):
    """n (pred, gt) pairs of different quality: gt a random rectangle, pred a shifted and cut copy."""
    rng = np.random.default_rng(seed)
    out = []
    for k in range(n):
        gt = np.zeros((size, size), np.uint8)
        y, x = rng.integers(4, 16, 2)
        gt[y:y + rng.integers(12, 28), x:x + rng.integers(12, 28)] = 1
        pred = np.roll(gt, k, axis=1)
        pred[: y + k] = 0
        out.append((pred, gt))
    return out


def test_same_mean_and_std_in_all_three(tmp_path):
    pairs = _pairs()
    # 1) tools/evaluate_masks.py on folders of PNGs
    (tmp_path / "pred").mkdir()
    (tmp_path / "gt").mkdir()
    for i, (p, g) in enumerate(pairs):
        (tmp_path / "pred" / f"c{i}.png").write_bytes(encode_png(p))
        (tmp_path / "gt" / f"c{i}.png").write_bytes(encode_png(g))
    run_tool("tools/evaluate_masks.py", str(tmp_path / "pred"), str(tmp_path / "gt"), "--no-progress",
             "--summary-csv", str(tmp_path / "summary.csv"), "--nsd-tolerance", "2")
    summary = {r["metric"]: r for r in csv.DictReader(open(tmp_path / "summary.csv"))}
    tool_mean, tool_std = float(summary["jaccard"]["mean"]), float(summary["jaccard"]["std"])
    # 2) OrganSegMetric through mmengine's Evaluator (per-image IoU of the organ class, in %)
    init_default_scope("mmseg")
    ev = Evaluator(dict(type="OrganSegMetric", nsd_tolerance_mm=2.0))
    ev.dataset_meta = dict(classes=("background", "organ"))
    samples = []
    for i, (p, g) in enumerate(pairs):
        s = SegDataSample(metainfo=dict(img_path=f"c{i}.png"))
        s.pred_sem_seg = PixelData(data=torch.as_tensor(p.astype(np.int64))[None])
        s.gt_sem_seg = PixelData(data=torch.as_tensor(g.astype(np.int64))[None])
        samples.append(s)
    ev.process(samples)
    mm = ev.evaluate(len(samples))
    # 3) OrganMaskEvaluator with real detectron2 Instances on a registered dataset
    name = "one_summary_test"
    DatasetCatalog.register(name, lambda: [{"image_id": i, "file_name": f"c{i}.png", "height": g.shape[0],
                                            "width": g.shape[1], "annotations": [
                                                {"segmentation": _rle(g), "iscrowd": 0}]}
                                           for i, (_, g) in enumerate(pairs)])
    d2 = OrganMaskEvaluator(name, distributed=False, metric_kwargs=dict(nsd_tolerance=2.0))
    d2.reset()
    for i, (p, _) in enumerate(pairs):
        inst = Instances(p.shape)
        inst.pred_masks = torch.as_tensor(p[None]).bool()
        inst.scores = torch.tensor([0.9])
        d2.process([{"image_id": i}], [{"instances": inst}])
    res = d2.evaluate()["organ_masks"]
    ious = [float((p & g).sum() / (p | g).sum()) for p, g in pairs]
    assert tool_mean == pytest.approx(np.mean(ious))
    assert tool_std == pytest.approx(np.std(ious, ddof=1))
    assert mm["img_IoU.organ"] == pytest.approx(100 * tool_mean)
    assert mm["img_IoU_std.organ"] == pytest.approx(100 * tool_std)
    assert res["MaskIoU"] == pytest.approx(100 * tool_mean)
    assert res["MaskIoU_std"] == pytest.approx(100 * tool_std)
    # NSD at 2 mm (spacing 1): the same per-image values in all three
    nsd = [normalized_surface_dice(p, g, 2.0) for p, g in pairs]
    assert float(summary["nsd"]["mean"]) == pytest.approx(np.mean(nsd))
    assert float(summary["nsd"]["std"]) == pytest.approx(np.std(nsd, ddof=1))
    assert mm["NSD.organ"] == pytest.approx(100 * np.mean(nsd))
    assert mm["NSD_std.organ"] == pytest.approx(100 * np.std(nsd, ddof=1))
    assert res["NSD"] == pytest.approx(100 * np.mean(nsd)) and res["NSD_std"] == pytest.approx(100 * np.std(nsd, ddof=1))
    assert 0 < min(nsd) < max(nsd)  # the cases differ, so the std is a real check


def _rle(mask):
    from organseg_plugins.core.io import mask_to_rle

    return mask_to_rle(mask)
