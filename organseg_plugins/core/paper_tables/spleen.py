"""The spleen paper's Tables 2-3 layout: Karimi et al. 2025, "Improving spleen segmentation in ultrasound
images using a hybrid deep learning framework", Sci Rep, Tables 2 and 3.

Per method three rows (background, spleen, All = the mean over the two classes) of precision, recall and
IoU (%, pooled over the test images: the confusion summed over the set, as ``OrganSegMetric`` reports
``Precision.<class>``/``mPrecision``), and on the All row Cohen's kappa, mDice (%), params (M), FLOPs (G;
the counter convention of :mod:`organseg_plugins.mm.analysis.complexity`) and MPLE (%). The pooled per-image table gives
the mean over every test image of every fold of the spleen class's IoU/Dice/precision/recall
(``per_image.csv``), named apart from the fold means.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..metrics.summary import summarize_values
from .layout import Layout, register_layout
from .records import RunRecord

__all__ = ["SPLEEN_TABLE2", "spleen_cell", "spleen_pooled"]

_CLASSES = {"background": "background", "spleen": "spleen", "All": None}
_PER_CLASS = {"Precision (%)": "Precision", "Recall (%)": "Recall", "IoU (%)": "IoU"}
_ALL_ONLY = {"kappa": "kappa", "mDice (%)": "mDice", "MPLE (%)": "MPLE"}
_COMPLEXITY = {"Params (M)": "params_m", "FLOPs (G)": "flops_g"}
_POOLED = {"img IoU spleen (%)": "iou", "img Dice spleen (%)": "dice", "img Precision spleen (%)": "precision",
           "img Recall spleen (%)": "recall"}


def spleen_cell(run: RunRecord, row: str, column: str) -> float | None:
    """One cell of Tables 2-3 for one run (``None`` where the table leaves it blank or the run lacks it)."""
    if column in _PER_CLASS:
        cls = _CLASSES[row]
        key = f"{_PER_CLASS[column]}.{cls}" if cls else f"m{_PER_CLASS[column]}"
        return run.metrics.get(key)
    if row != "All":
        return None
    if column in _ALL_ONLY:
        return run.metrics.get(_ALL_ONLY[column])
    return run.extra.get(_COMPLEXITY[column])


def spleen_pooled(runs: Sequence[RunRecord]) -> dict[str, float]:
    """Mean over every spleen-class row of the runs' ``per_image.csv`` (all folds pooled)."""
    rows = [r for run in runs for r in run.per_image if r.get("class") == "spleen"]
    out = {label: summarize_values(r[key] for r in rows).mean for label, key in _POOLED.items()}
    out["images"] = float(len(rows))
    return out


SPLEEN_TABLE2 = register_layout(Layout(
    name="spleen_table2",
    title=("Karimi et al. 2025, \"Improving spleen segmentation in ultrasound images using a hybrid deep "
           "learning framework\", Sci Rep, Tables 2-3"),
    columns=(*_PER_CLASS, *_ALL_ONLY, *_COMPLEXITY),
    row_labels=tuple(_CLASSES),
    cell=spleen_cell,
    pooled_columns=(*_POOLED, "images"),
    pooled=spleen_pooled,
    decimals={"kappa": 4, "images": 0},
    needs_complexity=True,
    constant_columns=tuple(_COMPLEXITY),
))
