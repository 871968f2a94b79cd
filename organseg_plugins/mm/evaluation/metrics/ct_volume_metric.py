"""mmseg evaluator metric that regroups slice predictions into volumes and reports per-volume metrics in mm.

The per-volume evaluation of Lian, Sun and Li 2025, "Extracting organs of interest from medical images
based on convolutional neural network with auxiliary and refined constraints", Sci Rep, Tables 1-2,
for slices written by ``datasets_prep/ct_volumes_to_mmseg.py``: each sample's metainfo carries its
``case_id``, ``slice_index``, ``num_slices`` and spacing (``spacing_z_mm``, ``spacing_row_mm``,
``spacing_col_mm``) from ``meta.csv`` (list them in ``PackSegInputs(meta_keys=...)``). The values and
the table come from :mod:`organseg_plugins.core.evaluation.volumes` and
:func:`organseg_plugins.core.paper_tables.ct_volume.format_volume_table`.
"""

from __future__ import annotations

import os.path as osp

import numpy as np
from mmengine.evaluator import BaseMetric
from mmengine.logging import MMLogger, print_log
from mmseg.registry import METRICS

from organseg_plugins.core.errors import OrgansegInputError
from organseg_plugins.core.evaluation.sliver07 import sliver07_scores
from organseg_plugins.core.evaluation.volumes import (
    PERCENT_COLUMNS,
    evaluate_volume,
    stack_slices,
    summarize_volumes,
    write_volume_csv,
)
from organseg_plugins.core.io.volume_write import write_nifti
from organseg_plugins.core.io.volumes import Volume
from organseg_plugins.core.metrics import summarize_rows
from organseg_plugins.core.paper_tables.ct_volume import format_volume_table

__all__ = ["CTVolumeMetric", "VOLUME_META_KEYS"]

#: Metainfo keys the metric reads (add them to ``PackSegInputs(meta_keys=...)``).
VOLUME_META_KEYS = ("case_id", "slice_index", "num_slices", "spacing_z_mm", "spacing_row_mm", "spacing_col_mm",
                    "origin", "direction", "storage_direction")


def _floats(text, n: int, what: str, where: str) -> tuple[float, ...] | None:
    if text is None or text == "":
        return None
    try:
        vals = tuple(float(v) for v in str(text).split())
    except ValueError:
        vals = ()
    if len(vals) != n:
        raise OrgansegInputError(f"{where}: {what} {text!r} must be {n} numbers")
    return vals


@METRICS.register_module()
class CTVolumeMetric(BaseMetric):
    """Per-volume VOE, RVD, ASD, RMSD, MSD, RMSE (assumed), DSC, precision, recall, Jaccard (Tables 1-2).

    Args:
        organ_class: label of the organ in the predictions (1).
        method: name of the table row (e.g. ``basic``, ``auxiliary``, ``refined``).
        csv_file: write the per-volume rows (fractions and mm) to this CSV.
        nifti_dir: write each predicted volume as ``<case>_pred.nii.gz`` with the source geometry
            (``origin``/``direction`` metainfo of the canonical LPS grid; with ``storage_direction`` also
            in the source file's voxel order, i.e. its affine), aligned with the image in 3D Slicer / ITK-SNAP.
        metric_kwargs: options of :func:`organseg_plugins.core.metrics.compute_all`.
        collect_device / prefix: see :class:`mmengine.evaluator.BaseMetric`.
        sliver07: also the Sliver07 points per volume (Heimann et al. 2009; ``score*`` CSV columns,
            ``vol_sliver07_score``), see :func:`organseg_plugins.core.evaluation.sliver07.sliver07_scores`.
        sliver07_reference: the reference (second-rater) values, a setting; implies ``sliver07``.
    """

    default_prefix = None

    def __init__(self, organ_class: int = 1, method: str = "model", csv_file: str | None = None,
                 nifti_dir: str | None = None, metric_kwargs: dict | None = None, collect_device: str = "cpu",
                 prefix: str | None = None, sliver07: bool = False, sliver07_reference: dict | None = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.organ_class = int(organ_class)
        self.method = method
        self.csv_file = csv_file
        self.nifti_dir = nifti_dir
        self.metric_kwargs = dict(metric_kwargs or {})
        self.sliver07 = bool(sliver07 or sliver07_reference)
        self.sliver07_reference = sliver07_reference

    def process(self, data_batch, data_samples) -> None:
        """Keep each slice's prediction and ground truth (bit-packed) with its case, index and geometry."""
        for sample in data_samples:
            name = sample.get("img_path", f"#{len(self.results)}")
            missing = [k for k in ("case_id", "slice_index") if sample.get(k) is None]
            if missing:
                raise OrgansegInputError(f"{name}: no {'/'.join(missing)} in the sample metainfo: use a meta.csv from "
                                         "datasets_prep/ct_volumes_to_mmseg.py and list VOLUME_META_KEYS in "
                                         "PackSegInputs(meta_keys=...)")
            pred = sample["pred_sem_seg"]["data"].squeeze(0).cpu().numpy() == self.organ_class
            gt = sample["gt_sem_seg"]["data"].squeeze(0).cpu().numpy() == self.organ_class
            if pred.shape != gt.shape:
                raise OrgansegInputError(f"{name}: prediction shape {pred.shape} != ground truth {gt.shape}")
            sp = [sample.get(k) for k in ("spacing_z_mm", "spacing_row_mm", "spacing_col_mm")]
            self.results.append(dict(
                case=str(sample["case_id"]), index=int(sample["slice_index"]), shape=pred.shape,
                num_slices=sample.get("num_slices"), pred=np.packbits(pred), gt=np.packbits(gt),
                spacing=None if any(v is None for v in sp) else tuple(float(v) for v in sp),
                origin=sample.get("origin"), direction=sample.get("direction"),
                storage_direction=sample.get("storage_direction"), name=name))

    def compute_metrics(self, results: list) -> dict[str, float]:
        """Rebuild the volumes, score each, print the table, write CSV / NIfTI; return the means."""
        logger = MMLogger.get_current_instance()
        cases: dict[str, list[dict]] = {}
        for r in results:
            cases.setdefault(r["case"], []).append(r)
        rows = []
        for case, recs in sorted(cases.items()):
            by_index = {}
            for r in recs:
                if r["index"] in by_index:  # a distributed sampler pads with repeats: same slice, keep one
                    continue
                n = int(np.prod(r["shape"]))
                by_index[r["index"]] = r
            first = recs[0]
            n = int(np.prod(first["shape"]))
            pred = stack_slices({i: np.unpackbits(r["pred"], count=n).reshape(r["shape"]) for i, r in by_index.items()},
                                first["num_slices"], case)
            gt = stack_slices({i: np.unpackbits(r["gt"], count=n).reshape(r["shape"]) for i, r in by_index.items()},
                              first["num_slices"], case)
            row = evaluate_volume(pred, gt, first["spacing"], case, **self.metric_kwargs)
            row["spacing_mm"] = "" if first["spacing"] is None else " ".join(f"{v:g}" for v in first["spacing"])
            if self.sliver07:
                row.update(sliver07_scores(row, self.sliver07_reference))
            rows.append(row)
            if self.nifti_dir:
                origin = _floats(first["origin"], 3, "origin", first["name"]) or (0.0, 0.0, 0.0)
                direction = _floats(first["direction"], 9, "direction", first["name"]) or (1, 0, 0, 0, 1, 0, 0, 0, 1)
                storage = _floats(first.get("storage_direction"), 9, "storage_direction", first["name"])
                vol = Volume(pred.astype(np.uint8), first["spacing"] or (1.0, 1.0, 1.0), origin, direction,
                             storage_direction=storage)
                write_nifti(vol, osp.join(self.nifti_dir, f"{case}_pred.nii.gz"))
        summary = summarize_volumes(rows)
        print_log(f"per-volume metrics ({len(rows)} volumes):\n" + format_volume_table(summary, self.method),
                  logger=logger)
        if self.csv_file:
            write_volume_csv(self.csv_file, rows)
            print_log(f"per-volume rows: {self.csv_file}", logger=logger)
        out = {}
        if self.sliver07:
            pts = summarize_rows(rows, ["score"])["score"]
            print_log(f"Sliver07 score (Heimann et al. 2009): {pts.mean:.2f} +- {pts.std:.2f} over {pts.n} volume(s)",
                      logger=logger)
            out["vol_sliver07_score"], out["vol_sliver07_score_std"] = pts.mean, pts.std
        for col, s in summary.items():
            f = 100.0 if col in PERCENT_COLUMNS else 1.0
            key = col.rstrip("*")
            out[f"vol_{key}"] = s["mean"] * f
            out[f"vol_{key}_std"] = s["std"] * f
        return out
