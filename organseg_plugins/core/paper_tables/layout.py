"""A paper's table layout and the registry of layouts: one small layout per paper, so later papers plug in.

A layout says which columns a table has, which sub-rows each method gets (e.g. the classes) and how one
run gives one cell; :mod:`.aggregate` turns the runs of a method into mean +- std over folds. A layout may
also have cross-method columns (a test of the reference method against each other method: ``compare``) and
group runs into rows by something other than their method name (``group``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ..errors import OrgansegInputError
from ..metrics.summary import Summary
from .records import RunRecord

__all__ = ["Layout", "get_layout", "layout_names", "register_layout"]

#: ``cell(run, row_label, column) -> value`` (``None`` when the run lacks it), or a :class:`Summary` over the
#: run's cases (volumes) shown as mean +- std when the method has a single run.
CellFn = Callable[[RunRecord, str, str], "float | Summary | None"]
#: ``pooled(runs) -> {column: value}``: per-image means over all the runs' images (every fold pooled).
PooledFn = Callable[[Sequence[RunRecord]], "dict[str, float]"]
#: ``compare(reference_runs, method_runs) -> {column: value}``: the cross-method columns of one method's row
#: (e.g. a paired test's p-value against the reference); the reference's own row leaves them blank.
CompareFn = Callable[[Sequence[RunRecord], Sequence[RunRecord]], "dict[str, float | None]"]
#: ``group(run) -> row name``: the table row a run belongs to (default: ``run.method``).
GroupFn = Callable[[RunRecord], str]


@dataclass(frozen=True)
class Layout:
    """One paper table.

    Attributes:
        name: Registry key (``--layout``).
        title: Caption: the paper (author, year, title) and table.
        columns: Column labels, in order.
        row_labels: Sub-rows of each method (``("",)`` for one row per method).
        cell: Value of one cell for one run.
        pooled_columns: Columns of the pooled per-image table (empty: none).
        pooled: The pooled per-image means of a method's runs.
        decimals: Decimals per column (default 2).
        needs_complexity: The table has params (M) / FLOPs (G) columns (``run.extra["params_m"/"flops_g"]``).
        constant_columns: Columns that are one value per method (a model's size), printed without a std.
        compare_columns: Columns (among ``columns``) filled by ``compare`` instead of ``cell``: p-values, printed
            as ``0.0123`` or ``1.23e-05``.
        compare: The cross-method columns of a method's row against the reference method's runs.
        group: The row a run belongs to (``None``: its method name).
        sample_unit: What one test sample of the paper is (``"image"``, ``"volume"``, ``"case"``): the unit of the
            optional test-time cost column (:mod:`.cost`).
    """

    name: str
    title: str
    columns: tuple[str, ...]
    row_labels: tuple[str, ...]
    cell: CellFn
    pooled_columns: tuple[str, ...] = ()
    pooled: PooledFn | None = None
    decimals: dict[str, int] | None = None
    needs_complexity: bool = False
    constant_columns: tuple[str, ...] = ()
    compare_columns: tuple[str, ...] = ()
    compare: CompareFn | None = None
    group: GroupFn | None = None
    sample_unit: str = "image"

    def row_of(self, run: RunRecord) -> str:
        """The row name of ``run`` (``group(run)``, else its method)."""
        return self.group(run) if self.group is not None else run.method

    def decimals_of(self, column: str) -> int:
        """Decimals of ``column`` (2 by default)."""
        return (self.decimals or {}).get(column, 2)


_LAYOUTS: dict[str, Layout] = {}


def register_layout(layout: Layout) -> Layout:
    """Add ``layout`` to the registry (a name registered twice is an error)."""
    if layout.name in _LAYOUTS:
        raise ValueError(f"layout {layout.name!r} registered twice")
    _LAYOUTS[layout.name] = layout
    return layout


def layout_names() -> list[str]:
    """The registered layout names, sorted."""
    return sorted(_LAYOUTS)


def get_layout(name: str) -> Layout:
    """The layout called ``name``.

    Raises:
        OrgansegInputError: Unknown name (the known ones listed).
    """
    if name not in _LAYOUTS:
        raise OrgansegInputError(f"unknown table layout {name!r} (known: {', '.join(layout_names())})")
    return _LAYOUTS[name]
