"""CTVolumeMetric: slice predictions regrouped by case give the numbers of tools/evaluate_masks.py --volumes,
and the predicted volumes written back as NIfTI carry the source geometry."""

from __future__ import annotations

import csv

import cv2
import numpy as np
import pytest
import torch
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

import organseg_plugins.mm  # noqa: F401
from organseg_plugins.core.errors import OrgansegInputError
from organseg_plugins.core.io.tables import read_meta_csv
from organseg_plugins.core.io.volumes import check_same_geometry, read_label_volume, read_volume
from organseg_plugins.mm.evaluation.metrics.ct_volume_metric import CTVolumeMetric
from tests.conftest import run_tool

KEYS = ("dice", "voe", "rvd", "asd", "rmsd", "hd", "precision", "recall", "jaccard")


def _predict(gt: np.ndarray, k: int) -> np.ndarray:
    """A deterministic imperfect prediction: the mask shifted one column right, and emptied on slice 6."""
    p = np.roll(gt, 1, axis=1)
    return np.zeros_like(gt) if k == 6 else p


def _samples(root, split):
    meta = read_meta_csv(root / "meta.csv")
    out = []
    for name, row in sorted(meta.items(), reverse=True):  # any order: the metric sorts by slice index
        if row["split"] != split:
            continue
        gt = cv2.imread(str(root / "ann_dir" / split / name), cv2.IMREAD_UNCHANGED)
        s = SegDataSample(metainfo={"img_path": name, **{k: row[k] for k in (
            "case_id", "slice_index", "num_slices", "spacing_z_mm", "spacing_row_mm", "spacing_col_mm",
            "origin", "direction")}})
        s.gt_sem_seg = PixelData(data=torch.from_numpy(gt[None].astype(np.int64)))
        s.pred_sem_seg = PixelData(data=torch.from_numpy(_predict(gt, row["slice_index"])[None].astype(np.int64)))
        out.append(s.to_dict())
    return out


def test_metric_equals_evaluate_masks_volumes(ct_volume_root, tmp_path):
    root = ct_volume_root / "nih_pancreas"
    samples = _samples(root, "val") + _samples(root, "test")
    metric = CTVolumeMetric(method="refined", csv_file=str(tmp_path / "vol.csv"), nifti_dir=str(tmp_path / "nii"))
    metric.dataset_meta = {"classes": ("background", "pancreas")}
    metric.process({}, samples[:5])
    metric.process({}, samples[5:])
    res = metric.compute_metrics(metric.results)
    with open(tmp_path / "vol.csv") as fh:
        rows = {r["case"]: r for r in csv.DictReader(fh)}
    assert sorted(rows) == ["PANCREAS_0003", "PANCREAS_0004"]
    # the same volumes through tools/evaluate_masks.py --volumes (PNG slices <case>_sKKKK, spacing z y x)
    for split in ("val", "test"):
        for p in (root / "ann_dir" / split).glob("*.png"):
            gt = cv2.imread(str(p), cv2.IMREAD_UNCHANGED)
            (tmp_path / "pred").mkdir(exist_ok=True)
            (tmp_path / "gt").mkdir(exist_ok=True)
            cv2.imwrite(str(tmp_path / "pred" / p.name), _predict(gt, int(p.stem.rsplit("_s", 1)[1])))
            cv2.imwrite(str(tmp_path / "gt" / p.name), gt)
    run_tool("tools/evaluate_masks.py", str(tmp_path / "pred"), str(tmp_path / "gt"), "--volumes", "--spacing",
             "2.5", "0.8", "0.8", "--csv", str(tmp_path / "tool.csv"), "--no-progress")
    with open(tmp_path / "tool.csv") as fh:
        tool = {r["case"]: r for r in csv.DictReader(fh)}
    assert sorted(tool) == sorted(rows)
    for case in rows:
        for k in KEYS:
            assert float(rows[case][k]) == pytest.approx(float(tool[case][k]), rel=1e-9, abs=1e-12), (case, k)
    # the returned means are the CSV's, in % for overlap and mm for distances
    dsc = [float(r["dice"]) for r in rows.values()]
    assert res["vol_DSC"] == pytest.approx(100 * np.mean(dsc)) and res["vol_DSC_std"] == pytest.approx(
        100 * np.std(dsc, ddof=1))
    assert 0 < res["vol_DSC"] < 100 and res["vol_MSD"] > 0
    # NIfTI write-back: the prediction of case 3 on the grid of its source label (same geometry, same voxels)
    src = read_label_volume(ct_volume_root / "raw" / "nih" / "labels" / "label0003.nii.gz")
    pred = read_volume(tmp_path / "nii" / "PANCREAS_0003_pred.nii.gz")
    check_same_geometry(src, pred)
    expected = np.stack([_predict(src.array[k], k) for k in range(src.shape[0])])
    np.testing.assert_array_equal(pred.array, expected)


def test_missing_slices_and_metainfo_are_named(ct_volume_root):
    root = ct_volume_root / "nih_pancreas"
    metric = CTVolumeMetric()
    metric.dataset_meta = {"classes": ("background", "pancreas")}
    train = _samples(root, "train")  # the train split keeps organ slices +- 2 only: not whole volumes
    metric.process({}, train)
    with pytest.raises(OrgansegInputError, match="slices .* are missing"):
        metric.compute_metrics(metric.results)
    bad = dict(train[0])
    del bad["case_id"]
    with pytest.raises(OrgansegInputError, match="no case_id"):
        CTVolumeMetric().process({}, [bad])


def test_sliver07_scores_setting(ct_volume_root, tmp_path):
    """sliver07=True adds the Sliver07 points per volume (CSV) and their mean; the reference is a setting."""
    from organseg_plugins.core.evaluation.sliver07 import sliver07_scores

    root = ct_volume_root / "nih_pancreas"
    samples = _samples(root, "val") + _samples(root, "test")
    metric = CTVolumeMetric(csv_file=str(tmp_path / "vol.csv"), sliver07=True)
    metric.dataset_meta = {"classes": ("background", "pancreas")}
    metric.process({}, samples)
    res = metric.compute_metrics(metric.results)
    with open(tmp_path / "vol.csv") as fh:
        rows = list(csv.DictReader(fh))
    expected = [sliver07_scores({k: float(r[k]) for k in ("voe", "rvd", "asd", "rmsd", "hd")})["score"] for r in rows]
    assert [float(r["score"]) for r in rows] == pytest.approx(expected)
    assert res["vol_sliver07_score"] == pytest.approx(np.mean(expected))
    strict = CTVolumeMetric(sliver07_reference={"voe": 0.01, "rvd": 0.01, "asd": 0.1, "rmsd": 0.1, "hd": 1.0})
    strict.dataset_meta = metric.dataset_meta
    strict.process({}, samples)
    assert strict.compute_metrics(strict.results)["vol_sliver07_score"] < res["vol_sliver07_score"]
