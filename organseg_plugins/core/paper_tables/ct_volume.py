"""The CT-volume paper's Tables 1-2 layout: Lian, Sun and Li 2025, "Extracting organs of interest from medical
images based on convolutional neural network with auxiliary and refined constraints", Sci Rep, Tables 1-2.

One row per model: VOE, RVD, ASD, RMSD, MSD, DSC, precision, recall and Jaccard, mean +- std over the test
volumes (``per_volume.csv`` of ``CTVolumeMetric(csv_file=...)``: fractions and mm; shown in % for the overlap
columns, mm for the distances). With several folds, each fold's mean over volumes, then mean +- std over folds.

One evaluation run's summary, as ``CTVolumeMetric`` logs it, is :func:`format_volume_table`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from organseg_plugins.core.evaluation.volumes import PERCENT_COLUMNS

from ..metrics.summary import Summary, summarize_values
from .layout import Layout, register_layout
from .records import RunRecord
from .render import text_table

__all__ = ["CT_VOLUME_TABLES", "ct_volume_cell", "ct_volume_pooled", "format_volume_table"]

#: column -> (per-volume CSV key, scale)
_COLUMNS = {
    "VOE (%)": ("voe", 100.0), "RVD (%)": ("rvd", 100.0), "ASD (mm)": ("asd", 1.0), "RMSD (mm)": ("rmsd", 1.0),
    "MSD (mm)": ("hd", 1.0), "DSC (%)": ("dice", 100.0), "Precision (%)": ("precision", 100.0),
    "Recall (%)": ("recall", 100.0), "Jaccard (%)": ("jaccard", 100.0),
}


def _values(runs: Sequence[RunRecord], column: str) -> list[float]:
    key, scale = _COLUMNS[column]
    return [scale * float(r[key]) for run in runs for r in run.per_volume if r.get(key, "") != ""]


def ct_volume_cell(run: RunRecord, row: str, column: str) -> Summary | None:
    """The run's mean +- std over its volumes of ``column`` (``None`` without per-volume rows)."""
    vals = _values([run], column)
    return summarize_values(vals) if vals else None


def ct_volume_pooled(runs: Sequence[RunRecord]) -> dict[str, float]:
    """Means over every volume of every fold."""
    out = {c: summarize_values(v).mean for c in _COLUMNS if (v := _values(runs, c))}
    out["volumes"] = float(sum(len(r.per_volume) for r in runs))
    return out


CT_VOLUME_TABLES = register_layout(Layout(
    name="ct_volume_tables",
    title=("Lian, Sun and Li 2025, \"Extracting organs of interest from medical images based on convolutional "
           "neural network with auxiliary and refined constraints\", Sci Rep, Tables 1-2"),
    columns=tuple(_COLUMNS),
    row_labels=("",),
    cell=ct_volume_cell,
    pooled_columns=(*_COLUMNS, "volumes"),
    pooled=ct_volume_pooled,
    decimals={"volumes": 0},
    sample_unit="volume",
))


def format_volume_table(summary: Mapping[str, Mapping[str, float]], method: str = "model") -> str:
    """One row ``method | VOE ... Jaccard`` as ``mean +- std`` (% or mm), the layout of Tables 1-2, and a note.

    Args:
        summary: ``{column: Summary.as_dict()}`` of
            :func:`organseg_plugins.core.evaluation.volumes.summarize_volumes` (fractions and mm).
        method: The row's name.

    Returns:
        The plain-text table (a column whose statistics leave out volumes, an infinite distance because one
        mask is empty, says so) and a line on the statistics and the assumed RMSE definition.
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
    n = int(next(iter(summary.values()))["n"]) if summary else 0
    return (text_table(heads, [cells], sep=" | ") + f"\nmean +- std (ddof=1) over {n} volume(s); *RMSE: assumed "
            "definition sqrt(mean((P-G)^2)), the paper does not define it")
