"""Cost next to accuracy: optional columns of any paper table from each run's ``cost.json`` (written by the
benchmark runner, :mod:`organseg_plugins.core.benchmark.cost`), off in the paper's own layout and added by
``tools/analysis/paper_tables.py --cost`` / ``tools/benchmark.py --cost``:

* ``Train (min)``: the training command's wall time;
* ``Train peak RSS (GiB)``: the training process's peak resident set size;
* ``Train CUDA peak (GiB)``: ``torch.cuda.max_memory_allocated`` of training (blank for a CPU run);
* ``Test (s/<unit>)``: the test command's wall time (start-up included) over its test samples, the unit the
  layout's paper counts (``Layout.sample_unit``: image, volume or case).

Like the params/FLOPs columns they sit on a method's last sub-row (the spleen tables' ``All``); with several
folds they are mean +- std over the folds like every other cell. The note under the table names the devices.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from .layout import Layout
from .records import RunRecord

__all__ = ["cost_columns", "cost_note", "cost_value", "with_cost_columns"]

_GIB = 1024.0


def cost_columns(unit: str = "image") -> tuple[str, ...]:
    """The cost column titles for a layout whose test sample is ``unit``."""
    return ("Train (min)", "Train peak RSS (GiB)", "Train CUDA peak (GiB)", f"Test (s/{unit})")


def cost_value(run: RunRecord, column: str, unit: str = "image") -> float | None:
    """One cost cell of ``run`` (``None`` when its ``cost.json`` lacks it, e.g. CUDA peak on a CPU run)."""
    train, test = run.cost.get("train") or {}, run.cost.get("test") or {}
    train_min, rss, cuda, per = cost_columns(unit)
    if column == train_min:
        return train["wall_s"] / 60.0 if "wall_s" in train else None
    if column == rss:
        return train["peak_rss_mib"] / _GIB if "peak_rss_mib" in train else None
    if column == cuda:
        return train["cuda_peak_allocated_mib"] / _GIB if "cuda_peak_allocated_mib" in train else None
    if column == per:
        value = (run.cost.get("test_s_per") or {}).get(unit)
        if value is None and "wall_s" in test and (run.cost.get("test_samples") or {}).get(unit):
            value = test["wall_s"] / run.cost["test_samples"][unit]
        return value
    raise KeyError(column)


def with_cost_columns(layout: Layout) -> Layout:
    """``layout`` with the cost columns appended (same name; every other cell as before)."""
    cols = cost_columns(layout.sample_unit)
    last = layout.row_labels[-1]
    inner = layout.cell

    def cell(run: RunRecord, row: str, column: str):  # noqa: ANN202  (the layout's CellFn)
        if column in cols:
            return cost_value(run, column, layout.sample_unit) if row == last else None
        return inner(run, row, column)

    decimals = {**(layout.decimals or {}), cols[0]: 1, cols[1]: 2, cols[2]: 2, cols[3]: 3}
    return replace(layout, columns=(*layout.columns, *cols), cell=cell, decimals=decimals)


def cost_note(runs: Sequence[RunRecord]) -> str:
    """The sentence under a table with cost columns: what they measure and on which devices."""
    devices = sorted({_device(r) for r in runs if r.cost})
    where = ", ".join(devices) if devices else "no cost.json found (runs made before costs were recorded)"
    return ("Cost columns: training wall time, peak RSS and CUDA peak allocated of the training process; test wall "
            f"time (start-up included) per test sample. Device: {where}.")


def _device(run: RunRecord) -> str:
    train = run.cost.get("train") or {}
    if train.get("device") == "cuda":
        return f"cuda ({train.get('cuda_device_name', '?')})"
    threads = train.get("torch_threads")
    return f"cpu ({threads} threads)" if threads else str(train.get("device", "?"))
