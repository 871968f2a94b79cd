"""The liver paper's Table 6 layout: Sattari et al. 2025, "Liver margin segmentation in abdominal CT images
using U-Net and Detectron2", Sci Rep, Table 6.

One row per model: Mask IoU, Trimap IoU, F-measure (boundary) and Boundary IoU in %, each the mean over the
test images of a run's per-image CSV: detectron2's ``organ_masks_per_image.csv`` (``MaskIoU``,
``TrimapIoU``, ``Fmeasure``, ``BoundaryIoU``, already in %) or mmseg's ``per_image.csv`` of
``OrganSegMetric(boundary_metrics=True)`` (``iou`` in %, ``trimap_iou``/``boundary_f``/``boundary_iou``
as fractions). The pooled table is the same mean over every image of every fold.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..metrics.summary import summarize_values
from .layout import Layout, register_layout
from .records import RunRecord

__all__ = ["LIVER_TABLE6", "liver_cell", "liver_pooled", "liver_image_value"]

#: column -> (detectron2 column in %, mmseg column, mmseg scale to %)
_COLUMNS = {
    "Mask IoU (%)": ("MaskIoU", "iou", 1.0),
    "Trimap IoU (%)": ("TrimapIoU", "trimap_iou", 100.0),
    "F-measure (%)": ("Fmeasure", "boundary_f", 100.0),
    "Boundary IoU (%)": ("BoundaryIoU", "boundary_iou", 100.0),
}


def liver_image_value(row: dict, column: str) -> float | None:
    """One image's value of ``column`` (%), from either framework's per-image row."""
    d2_key, mm_key, scale = _COLUMNS[column]
    if d2_key in row:
        return float(row[d2_key])
    if mm_key in row and row[mm_key] != "":
        return scale * float(row[mm_key])
    return None


def _rows(run: RunRecord) -> list[dict]:
    return [r for r in run.per_image if r.get("class", "liver") not in ("background",)]


def _mean(rows: list[dict], column: str) -> float | None:
    vals = [v for v in (liver_image_value(r, column) for r in rows) if v is not None]
    return summarize_values(vals).mean if vals else None


def liver_cell(run: RunRecord, row: str, column: str) -> float | None:
    """Mean of ``column`` over the run's test images."""
    return _mean(_rows(run), column)


def liver_pooled(runs: Sequence[RunRecord]) -> dict[str, float]:
    """The means over every image of every run (all folds pooled)."""
    rows = [r for run in runs for r in _rows(run)]
    out = {c: v for c in _COLUMNS if (v := _mean(rows, c)) is not None}
    out["images"] = float(len(rows))
    return out


LIVER_TABLE6 = register_layout(Layout(
    name="liver_table6",
    title=("Sattari et al. 2025, \"Liver margin segmentation in abdominal CT images using U-Net and "
           "Detectron2\", Sci Rep, Table 6"),
    columns=tuple(_COLUMNS),
    row_labels=("",),
    cell=liver_cell,
    pooled_columns=(*_COLUMNS, "images"),
    pooled=liver_pooled,
    decimals={"images": 0},
))
