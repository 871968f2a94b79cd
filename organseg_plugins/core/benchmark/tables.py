"""The ``table`` section of a spec: its paper tables written after the jobs, from the jobs that are done.

Each table goes to ``<work_root>/tables/<name>.{md,csv,tex}`` through
:func:`organseg_plugins.core.paper_tables.write.write_paper_table`, its rows the table's methods that have a
finished job (rows without one are named in the result, not invented); the params/FLOPs columns come from a
``complexity`` factory the caller gives (the framework's counter), the cost columns from each job's
``cost.json`` when the table (or the caller) asks for them.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field

from ..paper_tables.records import RunRecord
from ..paper_tables.write import WrittenTable, write_paper_table
from .plan import plan_jobs
from .spec import BenchmarkSpec, TableSpec
from .state import read_state

__all__ = ["SpecTable", "tables_dir", "write_spec_tables"]

#: ``complexity_for((H, W))`` -> the callable that fills ``run.extra["params_m"/"flops_g"]`` at that input size.
ComplexityFactory = Callable[[tuple[int, int]], Callable[[list[RunRecord]], None]]


@dataclass
class SpecTable:
    """One written table of a spec: the table, the rows left out (no finished job) and why."""

    spec: TableSpec
    written: WrittenTable | None
    missing: list[str] = field(default_factory=list)

    def report(self) -> str:
        """The Markdown and the files written, or why nothing was written; the missing rows named."""
        if self.written is None:
            return f"table {self.spec.name}: not written (no finished job of {', '.join(self.spec.methods)})"
        text = self.written.report()
        if self.missing:
            text += f"\ntable {self.spec.name}: rows without a finished job left out: {', '.join(self.missing)}"
        return text


def tables_dir(spec: BenchmarkSpec) -> str:
    """``<work_root>/tables``."""
    return os.path.join(spec.work_root, "tables")


def _finished(spec: BenchmarkSpec) -> set[str]:
    return {j.method.name for j in plan_jobs(spec) if read_state(j.work_dir)["state"] == "done"}


def write_spec_tables(spec: BenchmarkSpec, complexity_for: ComplexityFactory | None = None,
                      cost: bool = False) -> list[SpecTable]:
    """Write every table of ``spec`` from its finished jobs.

    Args:
        spec: The spec (its ``tables``).
        complexity_for: Makes the params/FLOPs filler for a table's ``shape`` (None: those columns stay blank).
        cost: Add the cost columns to every table (also on when the table's own ``cost`` is true).

    Raises:
        OrgansegInputError: What :func:`write_paper_table` raises for a table (e.g. an image missing from one
            method's per-image CSV for the paired t-test).
    """
    done = _finished(spec)
    out: list[SpecTable] = []
    for table in spec.tables:
        rows = [m for m in table.methods if m in done]
        missing = [m for m in table.methods if m not in done]
        if not rows:
            out.append(SpecTable(table, None, missing))
            continue
        fill = complexity_for(table.shape) if complexity_for is not None and table.shape else None
        reference = table.reference if table.reference in rows else None
        written = write_paper_table([spec.work_root], table.layout, rows, reference, tables_dir(spec),
                                    complexity=fill, cost=cost or table.cost, name=table.name)
        out.append(SpecTable(table, written, missing))
    return out
