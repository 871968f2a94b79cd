"""Paper tables: finished runs -> the layouts of the papers' tables (a registry; one module per paper)."""

from . import aru_net, ct_volume, deepspv, liver, spleen  # noqa: F401  (register their layouts)
from .aggregate import PaperTable, TableRow, build_table
from .cost import cost_columns, cost_note, cost_value, with_cost_columns
from .image_scores import ground_truth_path, image_scores
from .layout import Layout, get_layout, layout_names, register_layout
from .records import RunRecord, collect_runs, read_run
from .render import format_cell, to_csv, to_latex, to_markdown

__all__ = [
    "Layout", "PaperTable", "RunRecord", "TableRow", "build_table", "collect_runs", "cost_columns", "cost_note",
    "cost_value", "format_cell", "get_layout", "ground_truth_path", "image_scores",
    "layout_names", "read_run", "register_layout", "to_csv", "to_latex", "to_markdown",
    "with_cost_columns",
]
