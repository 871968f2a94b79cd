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

Overlap values are fractions in the per-volume rows and CSV (like ``tools/evaluate_masks.py``), and
in % in the printed table, as in the paper's tables.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from .errors import OrgansegInputError
from .io.tables import write_csv
from .metrics import compute_all, summarize_rows

__all__ = ["VOLUME_COLUMNS", "PERCENT_COLUMNS", "stack_slices", "evaluate_volume", "summarize_volumes",
           "format_volume_table", "write_volume_csv"]

#: Table columns -> key in a per-volume row (compute_all's names, plus ``rmse``).
VOLUME_COLUMNS: dict[str, str] = {
    "VOE": "voe", "RVD": "rvd", "ASD": "asd", "RMSD": "rmsd", "MSD": "hd", "RMSE*": "rmse",
    "DSC": "dice", "Precision": "precision", "Recall": "recall", "Jaccard": "jaccard",
}

#: Columns shown in %.
PERCENT_COLUMNS = ("VOE", "RVD", "DSC", "Precision", "Recall", "Jaccard")


def stack_slices(slices: Mapping[int, np.ndarray], num_slices: int | None, case: str) -> np.ndarray:
    """Stack ``{slice index: 2-D mask}`` into a ``(z, y, x)`` volume in slice order.

    Args:
        slices: The case's slices by index (0-based position in the volume).
        num_slices: Slices of the source volume (``None``: ``max index + 1``); every index must be there.
        case: Case id, for the error message.

    Raises:
        OrgansegInputError: A missing slice, an index out of range or slices of different sizes.
    """
    if not slices:
        raise OrgansegInputError(f"case {case}: no slices")
    n = int(num_slices) if num_slices is not None else max(slices) + 1
    missing = sorted(set(range(n)) - set(slices))
    extra = sorted(set(slices) - set(range(n)))
    if missing or extra:
        raise OrgansegInputError(f"case {case}: slices {missing[:10]} of 0..{n - 1} are missing"
                                 + (f", indices {extra[:10]} out of range" if extra else "")
                                 + " (per-volume metrics need whole volumes: evaluate on a split with every slice)")
    shapes = {np.asarray(m).shape for m in slices.values()}
    if len(shapes) != 1:
        raise OrgansegInputError(f"case {case}: slices of different sizes {sorted(shapes)}")
    return np.stack([np.asarray(slices[i]) for i in range(n)])


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


def format_volume_table(summary: Mapping[str, Mapping[str, float]], method: str = "model") -> str:
    """One row ``method | VOE ... Jaccard`` as ``mean +- std`` (% or mm), the layout of Tables 1-2.

    A column whose statistics leave out volumes (infinite distance: one mask empty) says so.
    """
    heads = ["Method"] + [f"{c} (%)" if c in PERCENT_COLUMNS else f"{c} (mm)" if c in ("ASD", "RMSD", "MSD") else c
                          for c in summary]
    cells = [method]
    for col, s in summary.items():
        f = 100.0 if col in PERCENT_COLUMNS else 1.0
        cell = f"{s['mean'] * f:.2f} +- {s['std'] * f:.2f}" if math.isfinite(s["mean"]) else str(s["mean"])
        if s.get("n_inf"):
            cell += f" ({int(s['n_inf'])} inf)"
        cells.append(cell)
    widths = [max(len(h), len(c)) for h, c in zip(heads, cells)]
    line = " | ".join(h.ljust(w) for h, w in zip(heads, widths))
    row = " | ".join(c.ljust(w) for c, w in zip(cells, widths))
    n = int(next(iter(summary.values()))["n"]) if summary else 0
    return (f"{line}\n{'-+-'.join('-' * w for w in widths)}\n{row}\n"
            f"mean +- std (ddof=1) over {n} volume(s); *RMSE: assumed definition sqrt(mean((P-G)^2)), "
            "the paper does not define it")


def write_volume_csv(path: str | os.PathLike, rows: Sequence[Mapping[str, Any]]) -> Any:
    """Per-volume CSV: ``case``, the spacing, then every :data:`VOLUME_COLUMNS` key (fractions, mm), atomically."""
    cols = ["case", "spacing_mm", *VOLUME_COLUMNS.values(), "pred_volume", "gt_volume"]
    cols += sorted(k for k in (rows[0] if rows else {}) if k.startswith("score"))  # Sliver07 points, if scored
    return write_csv(path, cols, [{c: (repr(r[c]) if isinstance(r.get(c), float) else r.get(c, "")) for c in cols}
                                  for r in rows])
