"""Per-volume evaluation of slice-wise segmentations: rebuild each case's volume, score it in mm, summarise.

Lian, Sun and Li 2025, "Extracting organs of interest from medical images based on convolutional neural
network with auxiliary and refined constraints", Sci Rep, report per volume, mean +- std over volumes
(Table 1: NIH Pancreas-CT; Table 2: Sliver07): VOE, VD (signed relative volume difference), ASD,
RMSD, MSD (maximum symmetric surface distance; Table 1), RMSE, DSC, precision, recall and Jaccard.
Every value comes from the one metric suite (:func:`organseg_plugins.core.metrics.compute_all`, with
the volume's spacing ``(z, y, x)`` in mm) and the one summary
(:func:`organseg_plugins.core.metrics.summarize_rows`: mean, sample std ``ddof=1``, over finite values):

======== =================== =================================================================
column   compute_all key     definition
======== =================== =================================================================
VOE      ``voe``             1 - Jaccard
RVD      ``rvd``             (|P| - |G|) / |G| (signed; the paper's VD)
ASD      ``asd``             average symmetric surface distance, mm
RMSD     ``rmsd``            root-mean-square symmetric surface distance, mm
MSD      ``hd``              maximum symmetric surface distance (Hausdorff), mm
RMSE     (here)              **assumed definition** (the paper never defines it): sqrt(mean((P - G)^2))
                             over the volume's voxels, i.e. sqrt((FP + FN) / N)
DSC      ``dice``            2|P n G| / (|P| + |G|)
Prec.    ``precision``       TP / (TP + FP)
Recall   ``recall``          TP / (TP + FN)
Jaccard  ``jaccard``         |P n G| / |P u G|
======== =================== =================================================================

Volumes are rebuilt from their slices by the project's one stacking,
:func:`organseg_plugins.core.io.volumes.stack_slices` (re-exported here): slice ``k`` is ``array[k]`` of the
canonical LPS volume the converters cut, so the rebuilt volume lies on the source's grid.

Overlap values are fractions in the per-volume rows and CSV (like ``tools/evaluate_masks.py``), and
in % in the printed table (:func:`organseg_plugins.core.paper_tables.ct_volume.format_volume_table`), as in
the paper's tables.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from organseg_plugins.core.io.tables import write_csv
from organseg_plugins.core.io.volumes import stack_slices
from organseg_plugins.core.metrics import compute_all, summarize_rows

__all__ = ["VOLUME_COLUMNS", "PERCENT_COLUMNS", "stack_slices", "evaluate_volume", "summarize_volumes",
           "write_volume_csv"]

#: Table columns -> key in a per-volume row (compute_all's names, plus ``rmse``).
VOLUME_COLUMNS: dict[str, str] = {
    "VOE": "voe", "RVD": "rvd", "ASD": "asd", "RMSD": "rmsd", "MSD": "hd", "RMSE*": "rmse",
    "DSC": "dice", "Precision": "precision", "Recall": "recall", "Jaccard": "jaccard",
}

#: Columns shown in %.
PERCENT_COLUMNS = ("VOE", "RVD", "DSC", "Precision", "Recall", "Jaccard")


def evaluate_volume(pred: np.ndarray, gt: np.ndarray, spacing: Sequence[float] | None,
                    case: str = "", **kwargs: Any) -> dict[str, Any]:
    """One per-volume row: every :func:`compute_all` value plus ``rmse`` (assumed definition) and ``case``.

    Args:
        pred: binary ``(z, y, x)`` prediction.
        gt: binary ground truth, same shape.
        spacing: ``(z, y, x)`` mm (``None``: voxels).
        case: Case id.
        **kwargs: options of :func:`compute_all` (``boundary_metrics`` defaults to False here).
    """
    kwargs.setdefault("boundary_metrics", False)
    vals = compute_all(pred, gt, spacing, **kwargs)
    n = vals["tp"] + vals["fp"] + vals["fn"] + vals["tn"]
    vals["rmse"] = math.sqrt((vals["fp"] + vals["fn"]) / n) if n else 0.0
    return {"case": case, **vals}


def summarize_volumes(rows: Sequence[Mapping[str, Any]]) -> dict[str, dict[str, float]]:
    """``{column: Summary.as_dict()}`` for :data:`VOLUME_COLUMNS` over the per-volume rows."""
    summ = summarize_rows(rows, list(VOLUME_COLUMNS.values()))
    return {col: summ[key].as_dict() for col, key in VOLUME_COLUMNS.items()}


def write_volume_csv(path: str | os.PathLike, rows: Sequence[Mapping[str, Any]]) -> Any:
    """Per-volume CSV: ``case``, the spacing, then every :data:`VOLUME_COLUMNS` key (fractions, mm), atomically."""
    cols = ["case", "spacing_mm", *VOLUME_COLUMNS.values(), "pred_volume", "gt_volume"]
    cols += sorted(k for k in (rows[0] if rows else {}) if k.startswith("score"))  # Sliver07 points, if scored
    return write_csv(path, cols, [{c: (repr(r[c]) if isinstance(r.get(c), float) else r.get(c, "")) for c in cols}
                                  for r in rows])
