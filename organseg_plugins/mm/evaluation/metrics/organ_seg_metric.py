"""mmseg evaluator metric that reports the papers' tables from the framework-free metrics core."""

from __future__ import annotations

import csv
import io
import os.path as osp
from collections import OrderedDict

import numpy as np
from mmengine.evaluator import BaseMetric
from mmengine.logging import MMLogger, print_log
from mmseg.registry import METRICS

from organseg_plugins.core import metrics as M
from organseg_plugins.core.errors import OrgansegInputError
from organseg_plugins.core.io.atomic import atomic_write_text
from organseg_plugins.core.metrics.length import ellipse_major_axis, max_feret_diameter
from organseg_plugins.core.paper_tables.render import text_table

SURFACE_KEYS = ("hd", "hd95", "asd", "rmsd")
BOUNDARY_KEYS = ("boundary_iou", "trimap_iou", "boundary_f")


@METRICS.register_module()
class OrganSegMetric(BaseMetric):
    """Per-class and mean overlap, kappa, surface/boundary distances and organ-length error (MPLE).

    Reports, as the papers do, both conventions and names them apart:
    ``pooled`` metrics sum the confusion over the dataset (mmseg's IoUMetric and the spleen paper's
    Table 2: per class ``IoU.<class>`` etc. plus the class mean ``mIoU``), and ``img_`` metrics average
    per-image values (``img_mDice``; per-volume tables of the liver/pancreas papers). Overlap values are
    in %, kappa in [-1, 1], distances in mm (spacing from the sample metainfo ``spacing_key``; pixels if
    absent), MPLE in % (spleen paper Eq. 8: length = maximum Feret diameter of the predicted organ
    mask x spacing, or the ellipse-fit major axis, vs the metainfo ``length_key``).

    Args:
        ignore_index: GT label excluded from every count.
        surface_metrics: also HD, HD95, ASD, RMSD per image and organ class (mean over images).
        boundary_metrics: also Boundary IoU, Trimap IoU, boundary F (DAVIS in 2-D) per image and organ class.
        nsd_tolerance_mm: also the normalised surface Dice at this tolerance in mm (``NSD.<class>``, %).
        organ_classes: class ids that get surface/boundary/length metrics (default: all but 0).
        spacing_key: metainfo key of the pixel spacing in mm (float or per-axis tuple).
        length_key: metainfo key of the true organ length in mm; MPLE when present.
        length_method: ``"feret"`` (default) or ``"ellipse"``.
        csv_file: write one row per image (and class) with every value, for later statistics.
        metric_kwargs: options of :func:`organseg_plugins.core.metrics.compute_all`.
        collect_device / prefix: see :class:`mmengine.evaluator.BaseMetric`.
    """

    default_prefix = None

    def __init__(self, ignore_index: int = 255, surface_metrics: bool = False, boundary_metrics: bool = False,
                 organ_classes: list[int] | None = None, spacing_key: str = "spacing_mm",
                 length_key: str = "length_mm", length_method: str = "feret", csv_file: str | None = None,
                 nsd_tolerance_mm: float | None = None,
                 metric_kwargs: dict | None = None, collect_device: str = "cpu", prefix: str | None = None,
                 **kwargs) -> None:
        if kwargs:  # mmseg's tools pass e.g. output_dir/keep_results to IoUMetric; a typo must not pass silently
            raise OrgansegInputError(
                f"OrganSegMetric: unknown option(s) {sorted(kwargs)}; valid options are ignore_index, "
                "surface_metrics, boundary_metrics, organ_classes, spacing_key, length_key, length_method, "
                "csv_file, nsd_tolerance_mm, metric_kwargs, collect_device, prefix (predicted masks: tools/test.py --out DIR)")
        super().__init__(collect_device=collect_device, prefix=prefix)
        if length_method not in ("feret", "ellipse"):
            raise ValueError(f"length_method must be 'feret' or 'ellipse', got {length_method!r}")
        self.ignore_index = ignore_index
        self.surface_metrics = surface_metrics
        self.boundary_metrics = boundary_metrics
        self.organ_classes = organ_classes
        self.spacing_key = spacing_key
        self.length_key = length_key
        self.length_method = length_method
        self.csv_file = csv_file
        self.metric_kwargs = dict(metric_kwargs or {})
        self.nsd_tolerance_mm = nsd_tolerance_mm
        if nsd_tolerance_mm is not None:
            self.metric_kwargs["nsd_tolerance"] = float(nsd_tolerance_mm)

    def _organs(self, num_classes: int) -> list[int]:
        return list(self.organ_classes) if self.organ_classes is not None else list(range(1, num_classes))

    def process(self, data_batch, data_samples) -> None:
        """Per image: the confusion matrix, and the distance/boundary/length values of organ classes."""
        num_classes = len(self.dataset_meta["classes"])
        for sample in data_samples:
            pred = sample["pred_sem_seg"]["data"].squeeze(0).cpu().numpy().astype(np.int64)
            gt = sample["gt_sem_seg"]["data"].squeeze(0).cpu().numpy().astype(np.int64)
            name = sample.get("img_path", f"#{len(self.results)}")
            if pred.shape != gt.shape:
                raise ValueError(f"{name}: prediction shape {pred.shape} != ground truth {gt.shape}")
            valid = gt != self.ignore_index
            if gt[valid].size and (gt[valid].max() >= num_classes or gt[valid].min() < 0):
                raise ValueError(f"{sample.get('seg_map_path', name)}: labels {np.unique(gt[valid]).tolist()} "
                                 f"outside 0..{num_classes - 1} (and ignore {self.ignore_index})")
            cm = np.bincount(num_classes * gt[valid] + pred[valid],
                             minlength=num_classes ** 2).reshape(num_classes, num_classes)
            spacing = sample.get(self.spacing_key)
            rec = dict(img_path=name, cm=cm, spacing=spacing, per_class={})
            pred_v, gt_v = np.where(valid, pred, -1), np.where(valid, gt, -1)
            organs = self._organs(num_classes)
            if sample.get(self.length_key) is not None and len(organs) > 1:
                raise OrgansegInputError(
                    f"{name}: one '{self.length_key}' per image but {len(organs)} organ classes {organs}; "
                    "MPLE needs one organ: set OrganSegMetric(organ_classes=[k]) or drop the length column")
            for c in organs:
                vals = {}
                if self.surface_metrics or self.boundary_metrics or self.nsd_tolerance_mm is not None:
                    allm = M.compute_all(pred_v == c, gt_v == c, spacing, boundary_metrics=self.boundary_metrics,
                                         **self.metric_kwargs)
                    keys = (SURFACE_KEYS if self.surface_metrics else ()) + \
                           (BOUNDARY_KEYS if self.boundary_metrics else ()) + \
                           (("nsd",) if self.nsd_tolerance_mm is not None else ())
                    vals.update({k: allm[k] for k in keys})
                if sample.get(self.length_key) is not None and pred.ndim == 2:
                    organ = pred_v == c
                    measure = max_feret_diameter if self.length_method == "feret" else ellipse_major_axis
                    px = spacing if spacing is not None else 1.0  # invalid spacing raises, naming the value
                    vals["length_pred"] = measure(organ, px) if organ.any() else 0.0
                    vals["length_true"] = float(sample[self.length_key])
                rec["per_class"][c] = vals
            self.results.append(rec)

    def compute_metrics(self, results: list) -> dict[str, float]:
        """Pool, average, print the table (rows: classes + "All") and optionally write the CSV."""
        logger = MMLogger.get_current_instance()
        classes = list(self.dataset_meta["classes"])
        k = len(classes)
        cm = sum(r["cm"] for r in results)
        if cm.sum() == 0:
            raise OrgansegInputError(f"OrganSegMetric: no labelled pixel in the {len(results)} evaluated image(s) "
                                     f"(every ground-truth pixel equals ignore_index={self.ignore_index})")
        pooled = M.overlap_from_confusion_matrix(cm)
        per_img = [M.overlap_from_confusion_matrix(r["cm"]) for r in results]
        out: dict[str, float] = OrderedDict()
        for key, label in (("precision", "Precision"), ("recall", "Recall"), ("iou", "IoU"), ("dice", "Dice")):
            for i, name in enumerate(classes):
                out[f"{label}.{name}"] = 100 * float(pooled[key][i])
            out[f"m{label}"] = 100 * float(pooled[key].mean())
        for key, label in (("iou", "IoU"), ("dice", "Dice")):
            stack = np.stack([p[key] for p in per_img])  # images x classes
            for i, name in enumerate(classes):
                summ = M.summarize_values(100 * stack[:, i])  # the one summary: mean, std (ddof=1)
                out[f"img_{label}.{name}"] = summ.mean
                out[f"img_{label}_std.{name}"] = summ.std
            out[f"img_m{label}"] = 100 * float(stack.mean())
        out["aAcc"] = 100 * float(np.trace(cm) / cm.sum())
        out["kappa"] = M.kappa_from_confusion_matrix(cm)
        organs = self._organs(k)
        dist_names = [n for n in SURFACE_KEYS + BOUNDARY_KEYS + ("nsd",) if any(n in r["per_class"].get(organs[0], {})
                                                                     for r in results)] if organs else []
        for c in organs:
            for n in dist_names:
                scale = 100.0 if n in BOUNDARY_KEYS + ("nsd",) else 1.0
                summ = M.summarize_values(scale * r["per_class"][c][n] for r in results)
                out[f"{n.upper()}.{classes[c]}"] = summ.mean  # over the images with a finite value
                out[f"{n.upper()}_std.{classes[c]}"] = summ.std
                if summ.n_inf:
                    out[f"{n.upper()}_inf_cases.{classes[c]}"] = float(summ.n_inf)
        lengths = [(r["per_class"][c]["length_pred"], r["per_class"][c]["length_true"])
                   for r in results for c in organs if "length_true" in r["per_class"].get(c, {})]
        if lengths:
            lp, lt = map(np.asarray, zip(*lengths))
            out["MPLE"] = M.mple(lp, lt)
        self._print_table(out, classes, organs, dist_names, logger)
        if self.csv_file:
            self._write_csv(results, classes, organs)
        return dict(out)

    def _print_table(self, out, classes, organs, dist_names, logger) -> None:
        header = ["Class", "Precision", "Recall", "IoU", "Dice", "img IoU", "img Dice"] + [n.upper() for n in dist_names]
        rows = []
        for i, name in enumerate(classes + ["All"]):
            key = name if i < len(classes) else None
            row = [name] + [f"{out[f'{m}.{key}' if key else f'm{m}']:.2f}" for m in ("Precision", "Recall", "IoU", "Dice")]
            row += [f"{out[f'img_{m}.{key}' if key else f'img_m{m}']:.2f}" for m in ("IoU", "Dice")]
            row += [f"{out[f'{n.upper()}.{name}']:.2f}" if i in organs else "" for n in dist_names]
            rows.append(row)
        table = text_table(header, rows, align="l" + "r" * (len(header) - 1), frame=True)
        extra = f"kappa: {out['kappa']:.4f}  aAcc: {out['aAcc']:.2f}"
        if "MPLE" in out:
            extra += f"  MPLE: {out['MPLE']:.2f}%"
        print_log("pooled = confusion summed over the dataset; img = mean over images; distances in mm\n"
                  + table + "\n" + extra, logger=logger)

    def _write_csv(self, results, classes, organs) -> None:
        buf = io.StringIO()
        fields = ["img_path", "class", "spacing", "iou", "dice", "precision", "recall"]
        extra = sorted({k for r in results for c in organs for k in r["per_class"].get(c, {})})
        writer = csv.DictWriter(buf, fieldnames=fields + extra)
        writer.writeheader()
        for r in results:
            ov = M.overlap_from_confusion_matrix(r["cm"])
            for c in organs:
                row = dict(img_path=r["img_path"], **{"class": classes[c]}, spacing=r["spacing"],
                           **{m: f"{100 * ov[m][c]:.4f}" for m in ("iou", "dice", "precision", "recall")})
                row.update({k: f"{v:.6g}" for k, v in r["per_class"][c].items()})
                writer.writerow(row)
        atomic_write_text(self.csv_file, buf.getvalue())
        print_log(f"per-image results written to {osp.abspath(self.csv_file)}", logger="current")
