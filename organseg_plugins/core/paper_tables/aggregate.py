"""A method's runs to one table row: each cell the mean +- std (ddof=1) over its runs (folds x seeds); a
layout whose cells are per-case summaries (volumes) shows a single run's mean +- std over its cases.

A layout's cross-method columns (``Layout.compare``: e.g. a paired test's p-value) compare the reference
method (the first row, or ``reference``) with each other method; the reference's own row leaves them blank.

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
    reference: str | None = None
    notes: list[str] = field(default_factory=list)


def build_table(layout: Layout, runs: Sequence[RunRecord], methods: Sequence[str] | None = None,
                reference: str | None = None) -> PaperTable:
    """Group ``runs`` by row (``layout.row_of``: the method; in ``methods`` order, else first seen) and
    aggregate each cell; fill the layout's cross-method columns against ``reference`` (default: the first row).

    Raises:
        OrgansegInputError: No runs, a requested method without runs, or a ``reference`` that is not a row.
    """
    if not runs:
        raise OrgansegInputError("no finished runs to tabulate")
    by_row: dict[str, list[RunRecord]] = {}
    for r in runs:
        by_row.setdefault(layout.row_of(r), []).append(r)
    row_of_method = {r.method: layout.row_of(r) for r in runs}  # a method name given for its row
    order = list(dict.fromkeys(row_of_method.get(m, m) for m in methods)) if methods else list(by_row)
    if reference is not None and reference not in order:
        raise OrgansegInputError(f"reference method {reference!r} is not a row of the table (rows: {order})")
    ref = (reference or order[0]) if layout.compare is not None else None
    rows: list[TableRow] = []
    pooled: dict[str, dict[str, float]] = {}
    for method in order:
        mine = sorted(by_row.get(method, []), key=lambda r: (r.fold, r.seed))
        if not mine:
            raise OrgansegInputError(f"method {method!r}: no finished run (have: {sorted(by_row)})")
        folds = tuple(sorted({r.fold for r in mine}))
        versus: dict[str, float | None] = {}
        if ref is not None and method != ref:
            versus = layout.compare(sorted(by_row[ref], key=lambda r: (r.fold, r.seed)), mine)
        for label in layout.row_labels:
            cells: dict[str, Summary | None] = {}
            for col in layout.columns:
                if col in layout.compare_columns:
                    v = versus.get(col) if label == layout.row_labels[0] else None
                    cells[col] = summarize_values([v]) if v is not None else None
                    continue
                vals = [v for v in (layout.cell(r, label, col) for r in mine) if v is not None]
                if col in layout.constant_columns:
                    vals = vals[:1]
                if len(vals) == 1 and isinstance(vals[0], Summary):
                    cells[col] = vals[0]  # one run: the spread over its cases (volumes)
                else:
                    means = [v.mean if isinstance(v, Summary) else v for v in vals]
                    cells[col] = summarize_values(means) if means else None
            rows.append(TableRow(method=method, label=label, cells=cells, runs=len(mine), folds=folds))
        if layout.pooled is not None and any(r.per_image or r.per_volume or r.per_case for r in mine):
            pooled[method] = layout.pooled(mine)
    return PaperTable(layout=layout, rows=rows, pooled=pooled, reference=ref)
