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

:func:`evaluate_volumes` scores many volumes on several processes (one volume per worker at a time), with
the same rows, in the same order, as one process.

Overlap values are fractions in the per-volume rows and CSV (like ``tools/evaluate_masks.py``), and
in % in the printed table (:func:`organseg_plugins.core.paper_tables.ct_volume.format_volume_table`), as in
the paper's tables.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Mapping, Sequence
from functools import partial
from typing import Any

import numpy as np

from organseg_plugins.core.io.tables import write_csv
from organseg_plugins.core.io.volumes import stack_slices
from organseg_plugins.core.metrics import compute_all, summarize_rows
from organseg_plugins.core.parallel import map_cases, resolve_workers

__all__ = ["VOLUME_COLUMNS", "PERCENT_COLUMNS", "stack_slices", "evaluate_volume", "evaluate_volumes",
           "summarize_volumes", "write_volume_csv"]

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


def _pack(a: np.ndarray) -> Any:
    """A bool volume bit-packed for the trip to a worker (8x fewer bytes); anything else as it is."""
    a = np.asarray(a)
    return ("packed", np.packbits(a), a.shape) if a.dtype == np.bool_ else a


def _unpack(a: Any) -> np.ndarray:
    if isinstance(a, tuple) and a and a[0] == "packed":
        _, bits, shape = a
        return np.unpackbits(bits, count=int(np.prod(shape))).view(np.bool_).reshape(shape)
    return a


def _evaluate_item(kwargs: Mapping[str, Any], item: tuple) -> dict[str, Any]:
    case, pred, gt, spacing = item
    return evaluate_volume(_unpack(pred), _unpack(gt), spacing, case, **kwargs)


def evaluate_volumes(cases: Iterable[tuple[str, np.ndarray, np.ndarray, Sequence[float] | None]],
                     workers: int | None = 1, progress: bool = False, **kwargs: Any) -> list[dict[str, Any]]:
    """:func:`evaluate_volume` of every ``(case, pred, gt, spacing)``, on ``workers`` processes.

    Args:
        cases: ``(case id, binary (z, y, x) prediction, ground truth, (z, y, x) mm or None)`` per volume.
        workers: Processes (``None`` or 0: one per core; 1: this process).
        progress: Show a progress bar (volumes, with the time left).
        **kwargs: Options of :func:`evaluate_volume`.

    Returns:
        One row per volume, in the order of ``cases``; the same numbers for any ``workers``.
    """
    items = list(cases)
    if resolve_workers(workers) > 1 and len(items) > 1:
        items = [(c, _pack(p), _pack(g), sp) for c, p, g, sp in items]
    return list(map_cases(partial(_evaluate_item, dict(kwargs)), items, workers, progress=progress,
                          desc="evaluate volumes", unit="volume"))


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
