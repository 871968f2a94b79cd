"""DeepSPV's MRVA table layout: Yuan et al. 2025, "DeepSPV: a deep learning pipeline for 3D spleen volume
estimation from 2D ultrasound images", Med Image Anal (arXiv 2411.11190), results tables.

One row per method: MRVA (%) single view and dual view, and the 95% interval coverage (%) of each view (blank
for a method without intervals), from a run's ``<timestamp>/volume_per_case.csv`` (``VolumeMRVAMetric``; scored
by :mod:`organseg_plugins.core.evaluation.mrva`, as ``tools/analysis/deepspv_table.py`` does), else its
logged ``mrva`` / ``ci_coverage``. A run's view is the word ``single`` or ``dual`` in its method name (e.g.
``RVAE-dual``, ``RVAE (single view)``), else in its config's file name (``...-dual.py``), else single; the
row is the method name without that word, so a method's single- and dual-view runs share a row. With
several folds, mean +- std over folds; the pooled table scores every case of every fold together.

The same table from per-case CSV files named on the command line (``tools/analysis/deepspv_table.py``), with
the parameter-free ellipsoid formula ``0.523 L W T`` of a views dataset as a row of its own, is
:func:`deepspv_csv_table`.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Sequence
from pathlib import Path

from organseg_plugins.core.evaluation.mrva import (
    VolumeScores,
    case_scores,
    ellipsoid_scores,
    read_case_scores,
)

from ..errors import OrgansegInputError
from .layout import Layout, register_layout
from .records import RunRecord
from .render import markdown_table

__all__ = ["DEEPSPV_MRVA", "ELLIPSOID_ROW", "VIEWS", "deepspv_cell", "deepspv_csv_table", "deepspv_pooled",
           "deepspv_row", "run_view"]

VIEWS = ("single", "dual")
#: column -> (view, score: "mrva" or "coverage")
_COLUMNS = {
    "MRVA single view (%)": ("single", "mrva"), "MRVA dual view (%)": ("dual", "mrva"),
    "95% CI coverage single (%)": ("single", "coverage"), "95% CI coverage dual (%)": ("dual", "coverage"),
}
_LOGGED = {"mrva": "mrva", "coverage": "ci_coverage"}
#: Row name of the ellipsoid formula in :func:`deepspv_csv_table`.
ELLIPSOID_ROW = "Ellipsoid formula 0.523 LWT"
_VIEW_WORD = re.compile(r"[\s_\-(\[]*(?<![A-Za-z0-9])(single|dual)([\s_\-]*views?)?(?![A-Za-z0-9])[)\]]*",
                        re.IGNORECASE)


def run_view(run: RunRecord) -> str:
    """``"single"`` or ``"dual"``: the view word of the run's method name, else of its config file name."""
    for text in (run.method, Path(run.config).stem if run.config else ""):
        m = _VIEW_WORD.search(text)
        if m:
            return m.group(1).lower()
    return "single"


def deepspv_row(run: RunRecord) -> str:
    """The row of a run: its method name without the view word (``"RVAE-dual"`` -> ``"RVAE"``)."""
    return _VIEW_WORD.sub("", run.method).strip() or run.method


def deepspv_cell(run: RunRecord, row: str, column: str) -> float | None:
    """MRVA or coverage (%) of the run, in the columns of its view only (``None`` elsewhere or lacking)."""
    view, score = _COLUMNS[column]
    if run_view(run) != view:
        return None
    if run.per_case:
        scores = case_scores(run.per_case, run.per_case_file or run.work_dir)
        return scores.mrva if score == "mrva" else scores.coverage
    return run.metrics.get(_LOGGED[score])


def deepspv_pooled(runs: Sequence[RunRecord]) -> dict[str, float]:
    """MRVA and coverage over every case of every run of each view (all folds pooled), and the case counts."""
    out: dict[str, float] = {}
    for view in VIEWS:
        rows = [r for run in runs if run_view(run) == view for r in run.per_case]
        if not rows:
            continue
        files = sorted({run.per_case_file or run.work_dir for run in runs if run_view(run) == view})
        scores = case_scores(rows, ", ".join(files))
        out[f"MRVA {view} view (%)"] = scores.mrva
        if scores.coverage is not None:
            out[f"95% CI coverage {view} (%)"] = scores.coverage
        out[f"cases {view}"] = float(scores.cases)
    return out


DEEPSPV_MRVA = register_layout(Layout(
    name="deepspv_mrva",
    title=("Yuan et al. 2025, \"DeepSPV: a deep learning pipeline for 3D spleen volume estimation from 2D "
           "ultrasound images\", Med Image Anal, MRVA results tables"),
    columns=tuple(_COLUMNS),
    row_labels=("",),
    cell=deepspv_cell,
    pooled_columns=(*_COLUMNS, "cases single", "cases dual"),
    pooled=deepspv_pooled,
    decimals={"cases single": 0, "cases dual": 0},
    group=deepspv_row,
    sample_unit="case",
))


def _csv_cell(scores: VolumeScores | None, score: str) -> str:
    if scores is None:
        return "-"  # the method was not run on this view
    v, missing = (scores.mrva, "-") if score == "mrva" else (scores.coverage, "n/a")  # n/a: no interval
    return missing if v is None or math.isnan(v) else f"{v:.2f}"


def deepspv_csv_table(results: Sequence[tuple[str, str, str | os.PathLike]],
                      views_root: str | os.PathLike | None = None, split: str = "test") -> str:
    """The DeepSPV table from per-case CSVs: one row per method, MRVA and coverage per view, and the cases.

    Args:
        results: ``(method, view, per-case CSV)`` triples, view ``"single"`` or ``"dual"``; a method's views
            share its row (``VolumeMRVAMetric``'s ``volume_per_case.csv``).
        views_root: A views dataset folder (``volumes.csv``): adds the ellipsoid formula (dual view) as
            the last row.
        split: The split of ``views_root`` scored by the ellipsoid formula.

    Returns:
        The Markdown table (``-``: view not run, ``n/a``: no interval; cases as ``single/dual``).

    Raises:
        OrgansegInputError: Nothing to tabulate, an unknown view, or a missing or malformed CSV (named).
    """
    if not results and not views_root:
        raise OrgansegInputError("nothing to tabulate: give --result METHOD VIEW CSV and/or --views")
    table: dict[str, dict[str, VolumeScores]] = {}
    for method, view, path in results:
        if view not in VIEWS:
            raise OrgansegInputError(f"{path}: view must be 'single' or 'dual', got {view!r}")
        table.setdefault(method, {})[view] = read_case_scores(path)
    if views_root:
        table[ELLIPSOID_ROW] = {"dual": ellipsoid_scores(views_root, split)}
    rows = []
    for method, per_view in table.items():
        cells = [_csv_cell(per_view.get(view), score) for view, score in _COLUMNS.values()]
        rows.append([method, *cells, "/".join(str(per_view[v].cases) for v in VIEWS if v in per_view)])
    return markdown_table(["Method", *_COLUMNS, "cases"], rows)
