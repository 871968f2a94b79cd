"""The project's one table renderer: a built paper table as Markdown, CSV (full precision: mean, std, n) and
LaTeX (booktabs), and the generic :func:`markdown_table` / :func:`text_table` every other printed table
uses (the t-test, DeepSPV and CT volume tables, the complexity table, the mask-evaluation summary).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from ..io.tables import csv_text
from ..metrics.summary import Summary
from .aggregate import PaperTable

__all__ = ["format_cell", "format_p", "format_p_value", "markdown_table", "text_table", "to_csv", "to_latex", "to_markdown"]

_RULES = {"l": "---", "r": "---:", "c": ":---:"}


def _aligns(align: str | Sequence[str] | None, n: int, default: str) -> list[str]:
    aligns = list(align) if align is not None else [default] * n
    if len(aligns) != n or any(a not in _RULES for a in aligns):
        raise ValueError(f"align needs one of 'l', 'r', 'c' per column ({n}), got {align!r}")
    return aligns


def markdown_table(header: Sequence[str], rows: Iterable[Sequence[object]],
                   align: str | Sequence[str] | None = None) -> str:
    """A GitHub Markdown table: ``| a | b |``, the rule line, one line per row (cells as ``str``).

    Args:
        header: Column titles.
        rows: Cells per row, as many as ``header`` (formatted by the caller; ``str()`` otherwise).
        align: One of ``"l"``, ``"r"``, ``"c"`` per column (a string such as ``"lrr"`` works), or None for
            plain ``---`` rules.

    Returns:
        The table, each line ending in a newline.

    Raises:
        ValueError: A row or ``align`` whose length differs from the header's.
    """
    rules = ["---"] * len(header) if align is None else [_RULES[a] for a in _aligns(align, len(header), "l")]
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(rules) + "|"]
    for row in rows:
        cells = [str(c) for c in row]
        if len(cells) != len(header):
            raise ValueError(f"row {cells} has {len(cells)} cells for {len(header)} columns")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def text_table(header: Sequence[str], rows: Iterable[Sequence[object]], align: str | Sequence[str] | None = None,
               sep: str = "  ", frame: bool = False) -> str:
    """A plain-text table for logs and terminals: padded columns, a rule under the header.

    Args:
        header: Column titles.
        rows: Cells per row (``str()`` of each), as many as ``header``.
        align: ``"l"`` or ``"r"`` per column (``"lrrr"`` works); default: every column left-aligned.
        sep: Column separator; the rule line repeats it with ``-`` for spaces and ``+`` for ``|``
            (``"  "`` -> one unbroken rule, ``" | "`` -> ``-+-`` crossings).
        frame: Box the table as log readers expect (``| a | b |`` lines between ``+---+---+`` rules, the
            separator ``" | "``): the look of the ``prettytable`` tables it replaces.

    Returns:
        The table without a trailing newline (unframed lines right-stripped).

    Raises:
        ValueError: A row or ``align`` whose length differs from the header's.
    """
    body = [[str(c) for c in row] for row in rows]
    for cells in body:
        if len(cells) != len(header):
            raise ValueError(f"row {cells} has {len(cells)} cells for {len(header)} columns")
    aligns = _aligns(align, len(header), "l")
    widths = [max([len(h)] + [len(r[i]) for r in body]) for i, h in enumerate(header)]
    sep = " | " if frame else sep

    def line(cells: Sequence[str]) -> str:
        text = sep.join(c.rjust(w) if a == "r" else c.ljust(w) for c, w, a in zip(cells, widths, aligns))
        return f"| {text} |" if frame else text.rstrip()

    rule = sep.replace(" ", "-").replace("|", "+").join("-" * w for w in widths)
    if frame:
        rule = f"+-{rule}-+"
        return "\n".join([rule, line(header), rule] + [line(r) for r in body] + [rule])
    return "\n".join([line(header), rule] + [line(r) for r in body])


def format_cell(cell: Summary | None, decimals: int, pm: str = " ± ") -> str:
    """``"91.20 ± 1.35"`` over several runs, ``"91.20"`` for one, ``""`` for a blank cell."""
    if cell is None:
        return ""
    text = f"{cell.mean:.{decimals}f}"
    return text + f"{pm}{cell.std:.{decimals}f}" if cell.n > 1 else text


def format_p(cell: Summary | None) -> str:
    """A p-value: ``"0.0123"``, ``"1.23e-05"`` below 0.001, ``"nan"`` (no variation), ``""`` for a blank cell."""
    return "" if cell is None else format_p_value(cell.mean)


def format_p_value(p: float) -> str:
    """A p-value: ``"0.0123"``, ``"1.23e-05"`` below 0.001, ``"nan"`` (no variation)."""
    return "nan" if p != p else (f"{p:.2e}" if p < 1e-3 else f"{p:.4f}")


def _text(table: PaperTable, cells: dict[str, Summary | None], column: str, pm: str = " ± ") -> str:
    lay = table.layout
    if column in lay.compare_columns:
        return format_p(cells[column])
    return format_cell(cells[column], lay.decimals_of(column), pm=pm)


def _has_labels(table: PaperTable) -> bool:
    return any(r.label for r in table.rows)


def _note(table: PaperTable) -> str:
    runs = sorted({r.runs for r in table.rows})
    if runs == [1]:
        text = "One run per method (± : the spread over its cases, where the layout gives one)."
    else:
        text = "Mean ± std (ddof=1) over each method's runs (folds x seeds; runs per method: " + \
            ", ".join(str(n) for n in runs) + ")."
    if table.reference is not None and table.layout.compare_columns:
        text += f" p-value columns: {table.reference} against each other method."
    return " ".join([text, *table.notes])


def to_markdown(table: PaperTable) -> str:
    """The table (and the pooled per-image table) as Markdown."""
    lay = table.layout
    head = ["Method"] + (["Class"] if _has_labels(table) else []) + list(lay.columns)
    rows = []
    for r in table.rows:
        first = r.method if r.label in ("", lay.row_labels[0]) else ""
        cells = [first] + ([r.label] if _has_labels(table) else [])
        rows.append(cells + [_text(table, r.cells, c) for c in lay.columns])
    parts = [f"**{lay.title}**\n\n" + markdown_table(head, rows), _note(table) + "\n"]
    if table.pooled:
        cols = list(lay.pooled_columns)
        pooled = [[method] + [f"{vals[c]:.{lay.decimals_of(c)}f}" if c in vals else "" for c in cols]
                  for method, vals in table.pooled.items()]
        parts += ["Pooled per-image mean (every test image of every fold together):\n",
                  markdown_table(["Method", *cols], pooled)]
    return "\n".join(parts)


def to_csv(table: PaperTable) -> str:
    """One line per printed row: method, row, runs, folds, then ``<column> mean``/``std``/``n`` (full precision);
    pooled per-image means follow as rows with ``row`` = ``pooled per-image``."""
    lay = table.layout
    cols = ["method", "row", "runs", "folds"]
    for c in lay.columns:
        cols += [f"{c} mean", f"{c} std", f"{c} n"]
    pooled_cols = [f"{c} mean" for c in lay.pooled_columns if f"{c} mean" not in cols]
    cols += pooled_cols
    out = []
    for r in table.rows:
        row = {"method": r.method, "row": r.label, "runs": r.runs, "folds": " ".join(map(str, r.folds))}
        for c in lay.columns:
            cell = r.cells[c]
            if cell is not None:
                row.update({f"{c} mean": repr(cell.mean), f"{c} std": repr(cell.std), f"{c} n": cell.n})
        out.append(row)
    for method, vals in table.pooled.items():
        out.append({"method": method, "row": "pooled per-image",
                    **{f"{c} mean": repr(v) for c, v in vals.items()}})
    return csv_text(cols, out)


def _tex(text: str) -> str:
    return text.replace("\\", "\\textbackslash{}").replace("%", "\\%").replace("_", "\\_").replace("&", "\\&") \
        .replace("#", "\\#").replace("±", "$\\pm$")


def to_latex(table: PaperTable) -> str:
    """The main table as a LaTeX ``table`` with a booktabs ``tabular`` (``\\pm`` between mean and std)."""
    lay = table.layout
    labels = _has_labels(table)
    head = ["Method"] + (["Class"] if labels else []) + list(lay.columns)
    lines = ["\\begin{table}[t]", "\\centering", f"\\caption{{{_tex(lay.title)}. {_tex(_note(table))}}}",
             "\\begin{tabular}{l" + ("l" if labels else "") + "r" * len(lay.columns) + "}", "\\toprule",
             " & ".join(_tex(h) for h in head) + " \\\\", "\\midrule"]
    for r in table.rows:
        first = r.method if r.label in ("", lay.row_labels[0]) else ""
        cells = [_tex(first)] + ([_tex(r.label)] if labels else [])
        cells += [_text(table, r.cells, c, pm=" $\\pm$ ") for c in lay.columns]
        lines.append(" & ".join(cells) + " \\\\")
    lines += ["\\bottomrule", "\\end{tabular}", "\\end{table}"]
    return "\n".join(lines) + "\n"
