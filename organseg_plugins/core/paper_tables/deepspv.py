"""DeepSPV's MRVA table layout: Yuan et al. 2025, "DeepSPV: a deep learning pipeline for 3D spleen volume
estimation from 2D ultrasound images", Med Image Anal (arXiv 2411.11190), results tables.

One row per method: MRVA (%) single view and dual view, and the 95% interval coverage (%) of each view (blank
for a method without intervals), from a run's ``<timestamp>/volume_per_case.csv`` (``VolumeMRVAMetric``; scored
by :mod:`organseg_plugins.core.spleen3d.mrva_scores`, as ``tools/analysis/deepspv_table.py`` does), else its
logged ``mrva`` / ``ci_coverage``. A run's view is the word ``single`` or ``dual`` in its method name (e.g.
``RVAE-dual``, ``RVAE (single view)``), else in its config's file name (``...-dual.py``), else single; the
row is the method name without that word, so a method's single- and dual-view runs share a row. With
several folds, mean +- std over folds; the pooled table scores every case of every fold together.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from ..spleen3d.mrva_scores import case_scores
from .layout import Layout, register_layout
from .records import RunRecord

__all__ = ["DEEPSPV_MRVA", "VIEWS", "deepspv_cell", "deepspv_pooled", "deepspv_row", "run_view"]

VIEWS = ("single", "dual")
#: column -> (view, score: "mrva" or "coverage")
_COLUMNS = {
    "MRVA single view (%)": ("single", "mrva"), "MRVA dual view (%)": ("dual", "mrva"),
    "95% CI coverage single (%)": ("single", "coverage"), "95% CI coverage dual (%)": ("dual", "coverage"),
}
_LOGGED = {"mrva": "mrva", "coverage": "ci_coverage"}
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
))
