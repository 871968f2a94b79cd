"""A paper's table from finished runs, written as Markdown, CSV and LaTeX: what ``tools/analysis/paper_tables.py``
does, in one call (:func:`write_paper_table`).

The runs come from benchmark work roots, benchmark job dirs or plain work dirs (:func:`load_runs`). A layout with
params / FLOPs columns (``Layout.needs_complexity``, the spleen tables) gets them from a ``complexity`` callable
that sets ``run.extra["params_m"/"flops_g"]``; the core does not count FLOPs itself (that needs the framework:
``organseg_plugins.mm.analysis.complexity.add_run_complexity``). ``cost=True`` appends the cost columns (training
time, peak memory, test time per sample: :mod:`.cost`) to any layout.
"""

from __future__ import annotations

import os
import os.path as osp
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ..errors import OrgansegInputError
from ..io.atomic import atomic_write_text
from .aggregate import PaperTable, build_table
from .cost import cost_note, with_cost_columns
from .layout import get_layout, layout_names
from .records import RunRecord, collect_runs, read_run
from .render import to_csv, to_latex, to_markdown

__all__ = ["WrittenTable", "layouts_text", "load_runs", "write_paper_table"]

#: Sets ``run.extra["params_m"]`` and ``run.extra["flops_g"]`` of the runs (from their configs).
ComplexityFn = Callable[[list[RunRecord]], None]


@dataclass(frozen=True)
class WrittenTable:
    """Result of :func:`write_paper_table`: the table, its Markdown and the files written."""

    table: PaperTable
    markdown: str
    files: tuple[str, ...]

    def report(self) -> str:
        """The Markdown, then a ``written: OUT/<layout>.{md,csv,tex}`` line."""
        stem = osp.splitext(self.files[0])[0]
        return f"{self.markdown}\nwritten: {stem}.{{md,csv,tex}}"


def layouts_text() -> str:
    """One line per registered layout: ``name: title``."""
    return "\n".join(f"{name}: {get_layout(name).title}" for name in layout_names())


def _is_benchmark_root(path: str) -> bool:
    """Whether ``path`` holds benchmark jobs (``<method>/<job>/state.json``)."""
    return any(osp.isfile(osp.join(path, x, y, "state.json")) for x in os.listdir(path) if osp.isdir(osp.join(path, x))
               for y in os.listdir(osp.join(path, x)) if osp.isdir(osp.join(path, x, y)))


def load_runs(work_dirs: Sequence[str], methods: Sequence[str] | None = None) -> list[RunRecord]:
    """The finished runs of ``work_dirs``.

    Plain work dirs (no benchmark jobs below them) given with as many ``methods`` are read one each under those
    names; otherwise every finished run is collected under its own method name (:func:`collect_runs`).

    Raises:
        OrgansegInputError: A missing work dir or one without a finished run (named).
    """
    plain = [d for d in work_dirs if osp.isdir(d) and not _is_benchmark_root(d)]
    if methods and len(plain) == len(work_dirs) and len(methods) == len(plain):
        return [read_run(d, m) for d, m in zip(work_dirs, methods, strict=True)]
    return collect_runs(list(work_dirs))


def write_paper_table(work_dirs: Sequence[str], layout: str = "spleen_table2", methods: Sequence[str] | None = None,
                      reference: str | None = None, out: str | None = None,
                      complexity: ComplexityFn | None = None, cost: bool = False,
                      name: str | None = None) -> WrittenTable:
    """Build a layout's table from finished runs and write ``OUT/<layout>.md``, ``.csv`` and ``.tex``.

    Args:
        work_dirs: Benchmark work roots, job dirs or plain work dirs.
        layout: A registered layout name (:func:`layout_names`).
        methods: Row order (method names), or one name per plain work dir.
        reference: The method the layout's p-value columns test against the others (default: the first row).
        out: Output folder (default: the first work dir).
        complexity: Fills the params / FLOPs of the runs when the layout has those columns; None leaves them
            blank.
        cost: Append the cost columns (from each job's ``cost.json``; blank for runs without one).
        name: File stem of the outputs (default: the layout name), e.g. two tables of one layout.

    Returns:
        The table, its Markdown and the three files ``OUT/<name>.{md,csv,tex}``.

    Raises:
        OrgansegInputError: An unknown layout, a ``reference`` for a layout without p-value columns, a missing
            work dir, no finished runs, or a method or image missing (named).
    """
    lay = get_layout(layout)
    if reference is not None and lay.compare is None:
        raise OrgansegInputError(f"--reference: layout {lay.name!r} has no cross-method (p-value) columns")
    runs = load_runs(work_dirs, methods)
    if lay.needs_complexity and complexity is not None:
        complexity(runs)
    if cost:
        lay = with_cost_columns(lay)
    table = build_table(lay, runs, methods, reference=reference)
    if cost:
        wanted = set(methods or [r.method for r in runs])
        table.notes.append(cost_note([r for r in runs if r.method in wanted or lay.row_of(r) in wanted]))
    out = out or work_dirs[0]
    markdown = to_markdown(table)
    files: list[str] = []
    for ext, text in (("md", markdown), ("csv", to_csv(table)), ("tex", to_latex(table))):
        files.append(osp.join(out, f"{name or lay.name}.{ext}"))
        atomic_write_text(files[-1], text)
    return WrittenTable(table, markdown, tuple(files))
