"""Detectron2 evaluator for the liver paper's Table 6 (Mask IoU, Boundary IoU, Trimap IoU, F-measure)."""

from __future__ import annotations

import csv
import io
import itertools
import logging
import os

import numpy as np
from detectron2.data import DatasetCatalog
from detectron2.evaluation import DatasetEvaluator
from detectron2.utils import comm

from organseg_plugins.core import metrics as M
from organseg_plugins.core.io.atomic import atomic_write_text
from organseg_plugins.core.io.coco import segmentation_to_mask
from organseg_plugins.core.paper_tables.render import text_table

COLUMNS = {"MaskIoU": "jaccard", "BoundaryIoU": "boundary_iou", "TrimapIoU": "trimap_iou",
           "Fmeasure": "boundary_f", "PixelF1": "dice"}


class OrganMaskEvaluator(DatasetEvaluator):
    """Semantic mask quality of an instance model: union of predicted instances vs union of GT instances.

    Per image, instances scoring at least ``score_thresh`` are merged into one binary organ mask and
    compared with the union of the image's ground-truth instances using the framework-free metrics
    core: Mask IoU (Jaccard), Boundary IoU (Cheng et al. 2021, band 2% of the diagonal), Trimap IoU
    (band around the GT boundary), boundary F-measure (DAVIS by default) and pixel F1 (Dice), plus the
    normalised surface Dice (``NSD``, tolerance in pixels) when ``metric_kwargs`` has ``nsd_tolerance``.
    Reports the mean and std over images (the project's one summary; in %, like COCO AP) and writes the
    per-image values to
    ``<output_dir>/organ_masks_per_image.csv``.

    Args:
        dataset_name: a registered dataset (its dicts give the ground truth).
        score_thresh: minimum instance score to count as predicted organ.
        output_dir: where to write the per-image CSV (optional).
        distributed: gather results from all ranks.
        metric_kwargs: options of :func:`organseg_plugins.core.metrics.compute_all`
            (``dilation_ratio``, ``trimap_width``, ``f_tolerance`` ...).
    """

    def __init__(self, dataset_name: str, score_thresh: float = 0.5, output_dir: str | None = None,
                 distributed: bool = True, metric_kwargs: dict | None = None) -> None:
        self._dataset_name = dataset_name
        self._score_thresh = score_thresh
        self._output_dir = output_dir
        self._distributed = distributed
        self._metric_kwargs = dict(metric_kwargs or {})
        self._columns = dict(COLUMNS)
        if self._metric_kwargs.get("nsd_tolerance") is not None:
            self._columns["NSD"] = "nsd"
        self._gt = {d["image_id"]: d for d in DatasetCatalog.get(dataset_name)}
        self._logger = logging.getLogger(__name__)
        self._rows: list[dict] = []

    def reset(self) -> None:
        self._rows = []

    def _gt_mask(self, record: dict) -> np.ndarray:
        h, w = record["height"], record["width"]
        gt = np.zeros((h, w), bool)
        for ann in record.get("annotations", []):
            if not ann.get("iscrowd", 0):
                gt |= segmentation_to_mask(ann["segmentation"], h, w).astype(bool)
        return gt

    def process(self, inputs, outputs) -> None:
        for inp, out in zip(inputs, outputs):
            record = self._gt[inp["image_id"]]
            gt = self._gt_mask(record)
            inst = out["instances"].to("cpu")
            keep = inst.scores >= self._score_thresh
            if keep.any():
                pred = inst.pred_masks[keep].any(dim=0).numpy()
            else:
                pred = np.zeros_like(gt)
            if pred.shape != gt.shape:
                raise ValueError(f"{record['file_name']}: predicted mask {pred.shape} vs ground truth {gt.shape}")
            values = M.compute_all(pred, gt, boundary_metrics=True, **self._metric_kwargs)
            row = {"file_name": record["file_name"], "image_id": inp["image_id"],
                   "num_instances": int(keep.sum())}
            row.update({name: 100.0 * values[key] for name, key in self._columns.items()})
            self._rows.append(row)

    def evaluate(self) -> dict:
        rows = self._rows
        if self._distributed:
            comm.synchronize()
            rows = list(itertools.chain(*comm.gather(rows, dst=0)))
            if not comm.is_main_process():
                return {}
        if not rows:
            self._logger.warning(f"OrganMaskEvaluator: no images evaluated on {self._dataset_name}")
            return {}
        summaries = M.summarize_rows(rows, list(self._columns))  # the one summary: mean, std (ddof=1), n
        table = text_table(["metric (%)", "mean", "std", "n"],
                           [[name, f"{summ.mean:.2f}", f"{summ.std:.2f}", summ.n] for name, summ in summaries.items()],
                           align="lrrr", frame=True)
        self._logger.info(f"Organ mask metrics on {self._dataset_name} ({len(rows)} images, union of "
                          f"instances with score >= {self._score_thresh}; std over images, ddof=1):\n{table}")
        results = {name: summ.mean for name, summ in summaries.items()}
        results.update({f"{name}_std": summ.std for name, summ in summaries.items()})
        if self._output_dir:
            buf = io.StringIO()
            writer = csv.DictWriter(buf, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
            atomic_write_text(os.path.join(self._output_dir, "organ_masks_per_image.csv"), buf.getvalue())
        return {"organ_masks": results}
