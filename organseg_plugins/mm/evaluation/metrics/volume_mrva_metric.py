"""MRVA (and the interval coverage) of volume predictions as an mmengine metric, with a per-case CSV.

MRVA = mean over cases of ``(1 - |v' - v| / v) x 100%`` (Yuan et al. 2025, "DeepSPV: a deep learning pipeline
for 3D spleen volume estimation from 2D ultrasound images", Med Image Anal; arXiv 2411.11190), computed by
:func:`organseg_plugins.core.metrics.mrva`; the coverage of the 95% intervals by
:func:`organseg_plugins.core.metrics.interval_coverage`.
"""

from __future__ import annotations

import os.path as osp
from collections.abc import Sequence

import numpy as np
from mmengine.evaluator import BaseMetric
from mmengine.logging import MMLogger, print_log
from mmseg.registry import METRICS

from organseg_plugins.core.errors import OrgansegInputError
from organseg_plugins.core.evaluation.latent_pca import latent_pca, plot_latent_pca
from organseg_plugins.core.io.tables import write_csv
from organseg_plugins.core.metrics import interval_coverage, mrva

__all__ = ["CASE_COLUMNS", "VolumeMRVAMetric"]

#: Columns of the per-case CSV.
CASE_COLUMNS = ("name", "gt_volume_ml", "pred_volume_ml", "lower_ml", "upper_ml", "relative_accuracy_pct",
                "covered")


def _log_dir() -> str | None:
    """The folder of the current run's log file (``work_dir/<timestamp>``), if there is one."""
    try:
        log_file = MMLogger.get_current_instance().log_file
    except Exception:  # no logger yet (metric used outside a runner)
        return None
    return osp.dirname(log_file) if log_file else None


@METRICS.register_module()
class VolumeMRVAMetric(BaseMetric):
    """MRVA (%), interval coverage (%) and mean absolute error (mL) of volume predictions.

    Expects the ``predict`` dicts of :mod:`organseg_plugins.mm.models.volume_estimators` (``pred_volume``, ``gt_volume``,
    ``name``; ``lower``/``upper``/``mu`` when the model gives intervals). Reports ``mrva``, ``mae_ml`` and, with
    intervals, ``ci_coverage`` and ``ci_width_ml`` (mean interval width). Writes the per-case table
    ``csv_name`` and, with latents, the PCA figure ``pca_name`` into ``out_dir`` (default: the run's log folder
    ``work_dir/<timestamp>``; nothing is written without a folder).

    Args:
        out_dir: folder of the per-case CSV and the PCA figure (None: the run's log folder).
        csv_name: file name of the per-case CSV.
        pca_name: file name of the latent PCA figure (None: no figure).
        collect_device: see :class:`mmengine.evaluator.BaseMetric`.
        prefix: see :class:`mmengine.evaluator.BaseMetric`.
    """

    default_prefix = None

    def __init__(self, out_dir: str | None = None, csv_name: str = "volume_per_case.csv",
                 pca_name: str | None = "latent_pca.png", collect_device: str = "cpu",
                 prefix: str | None = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.out_dir, self.csv_name, self.pca_name = out_dir, csv_name, pca_name

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        """Keep each case's prediction."""
        for s in data_samples:
            if "gt_volume" not in s:
                raise OrgansegInputError(f"VolumeMRVAMetric: no reference volume for case {s.get('name', '?')}")
            self.results.append({k: s[k] for k in ("name", "pred_volume", "gt_volume", "lower", "upper", "mu")
                                 if k in s})

    def compute_metrics(self, results: list[dict]) -> dict[str, float]:
        """MRVA, MAE and (with intervals) the coverage; write the per-case CSV and the PCA figure."""
        if not results:
            raise OrgansegInputError("VolumeMRVAMetric: no cases were evaluated")
        gt = np.array([r["gt_volume"] for r in results], dtype=np.float64)
        pred = np.array([r["pred_volume"] for r in results], dtype=np.float64)
        out = {"mrva": mrva(pred, gt), "mae_ml": float(np.mean(np.abs(pred - gt)))}
        has_ci = all("lower" in r and "upper" in r for r in results)
        rows = [dict(name=r.get("name", ""), gt_volume_ml=f"{g:.3f}", pred_volume_ml=f"{p:.3f}",
                     relative_accuracy_pct=f"{100 * (1 - abs(p - g) / g):.3f}") for r, g, p in zip(results, gt, pred)]
        if has_ci:
            lo = np.array([r["lower"] for r in results], dtype=np.float64)
            hi = np.array([r["upper"] for r in results], dtype=np.float64)
            out["ci_coverage"] = interval_coverage(lo, hi, gt)
            out["ci_width_ml"] = float(np.mean(hi - lo))
            for row, lv, hv, g in zip(rows, lo, hi, gt):
                row.update(lower_ml=f"{lv:.3f}", upper_ml=f"{hv:.3f}", covered=int(lv <= g <= hv))
        folder = self.out_dir or _log_dir()
        logger = MMLogger.get_current_instance()
        if folder:
            path = write_csv(osp.join(folder, self.csv_name), CASE_COLUMNS, rows)
            print_log(f"per-case volumes: {path}", logger=logger)
            if self.pca_name and len(results) >= 2 and all("mu" in r for r in results):
                coords, explained = latent_pca(np.stack([np.asarray(r["mu"]) for r in results]))
                fig = plot_latent_pca(coords, gt, osp.join(folder, self.pca_name), explained)
                print_log(f"latent PCA figure: {fig}", logger=logger)
        ci = (f", 95% interval coverage {out['ci_coverage']:.1f}% (mean width {out['ci_width_ml']:.1f} mL)"
              if has_ci else "")
        print_log(f"{len(results)} case(s): MRVA {out['mrva']:.2f}%, MAE {out['mae_ml']:.1f} mL{ci}", logger=logger)
        return out
