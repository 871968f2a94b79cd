"""A method's runs to one table row: each cell the mean +- std (ddof=1) over its runs (folds x seeds); a
layout whose cells are per-case summaries (volumes) shows a single run's mean +- std over its cases.

The pooled per-image means (every image of every fold together) are a table of their own, so a reader
never confuses "mean over folds" with "mean over images".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from ..errors import OrgansegInputError
from ..metrics.summary import Summary, summarize_values
from .layout import Layout
from .records import RunRecord

__all__ = ["PaperTable", "TableRow", "build_table"]


@dataclass
class TableRow:
    """One printed row: a method (and sub-row label) with a :class:`Summary` per column (``None``: blank)."""

    method: str
    label: str
    cells: dict[str, Summary | None]
    runs: int
    folds: tuple[int, ...]


@dataclass
class PaperTable:
    """A built table: the layout, its rows, and the pooled per-image means per method."""

    layout: Layout
    rows: list[TableRow]
    pooled: dict[str, dict[str, float]] = field(default_factory=dict)


def build_table(layout: Layout, runs: Sequence[RunRecord], methods: Sequence[str] | None = None) -> PaperTable:
    """Group ``runs`` by method (in ``methods`` order, else first seen) and aggregate each cell.

    Raises:
        OrgansegInputError: No runs, or a requested method without runs.
    """
    if not runs:
        raise OrgansegInputError("no finished runs to tabulate")
    order = list(methods) if methods else list(dict.fromkeys(r.method for r in runs))
    rows: list[TableRow] = []
    pooled: dict[str, dict[str, float]] = {}
    for method in order:
        mine = sorted((r for r in runs if r.method == method), key=lambda r: (r.fold, r.seed))
        if not mine:
            raise OrgansegInputError(f"method {method!r}: no finished run (have: {sorted({r.method for r in runs})})")
        folds = tuple(sorted({r.fold for r in mine}))
        for label in layout.row_labels:
            cells: dict[str, Summary | None] = {}
            for col in layout.columns:
                vals = [v for v in (layout.cell(r, label, col) for r in mine) if v is not None]
                if col in layout.constant_columns:
                    vals = vals[:1]
                if len(vals) == 1 and isinstance(vals[0], Summary):
                    cells[col] = vals[0]  # one run: the spread over its cases (volumes)
                else:
                    means = [v.mean if isinstance(v, Summary) else v for v in vals]
                    cells[col] = summarize_values(means) if means else None
            rows.append(TableRow(method=method, label=label, cells=cells, runs=len(mine), folds=folds))
        if layout.pooled is not None and any(r.per_image or r.per_volume for r in mine):
            pooled[method] = layout.pooled(mine)
    return PaperTable(layout=layout, rows=rows, pooled=pooled)
