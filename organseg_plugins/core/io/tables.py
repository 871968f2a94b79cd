"""CSV in and out: deterministic, atomic writing and a reader that names the file and the column.

``meta.csv`` files (one row per image: ``filename``, ``split``, per-image values such as
``spacing_mm`` and ``length_mm``) are read here, and their numeric columns are checked by
:func:`read_meta_csv`, so a NaN, zero or negative spacing is reported with the file and row.
"""

from __future__ import annotations

import csv
import io
import math
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from ..errors import OrgansegInputError
from .atomic import atomic_write_text

__all__ = ["csv_text", "write_csv", "read_csv_rows", "read_meta_csv", "POSITIVE_META_COLUMNS"]

def csv_text(columns: Sequence[str], rows: Iterable[Mapping[str, Any]]) -> str:
    """Deterministic CSV text (``\\n`` line ends); missing values become empty cells."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(columns)
    for r in rows:
        w.writerow(["" if r.get(c) is None else r.get(c) for c in columns])
    return buf.getvalue()

def write_csv(path: str | os.PathLike, columns: Sequence[str], rows: Iterable[Mapping[str, Any]]) -> Path:
    """Write :func:`csv_text` atomically."""
    return atomic_write_text(path, csv_text(columns, rows))

def read_csv_rows(path: str | os.PathLike, required: Sequence[str] = ()) -> list[dict[str, str]]:
    """Read a CSV with a header into dicts, checking the ``required`` columns.

    Raises:
        OrgansegInputError: Missing/empty/undecodable file or missing columns (named).
    """
    p = Path(path)
    if not p.is_file():
        raise OrgansegInputError(f"{p}: CSV file does not exist")
    try:
        text = p.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise OrgansegInputError(f"{p}: cannot read the CSV file ({exc})") from exc
    reader = csv.DictReader(io.StringIO(text))
    if reader.fieldnames is None:
        raise OrgansegInputError(f"{p}: CSV file is empty (no header)")
    header = [h.strip() for h in reader.fieldnames]
    missing = [c for c in required if c not in header]
    if missing:
        raise OrgansegInputError(f"{p}: CSV lacks the column(s) {missing}; header is {header}")
    rows = []
    for row in reader:
        rows.append({(k or "").strip(): (v or "").strip() for k, v in row.items() if k is not None})
    return rows


#: ``meta.csv`` columns that must hold a positive finite number when present and non-empty.
POSITIVE_META_COLUMNS: tuple[str, ...] = (
    "spacing_mm", "spacing_row_mm", "spacing_col_mm", "slice_thickness_mm", "length_mm", "volume_ml",
)


def _number(text: str) -> int | float | str:
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        return text


def read_meta_csv(path: str | os.PathLike, key: str = "filename") -> dict[str, dict[str, Any]]:
    """Read a ``meta.csv`` into ``{row[key]: {column: value}}``, numbers parsed, values checked.

    An empty cell gives ``None`` (the sample has no such value; metrics skip it). A cell of one of
    :data:`POSITIVE_META_COLUMNS` that is not a positive finite number (NaN, 0, -1, ``abc``) is an
    error naming the file, the row and the column, as is a duplicate or empty ``key``.

    Args:
        path: The CSV file.
        key: The column that identifies a row (default ``filename``).

    Returns:
        Row key -> {column: int, float, str or None}.

    Raises:
        OrgansegInputError: Missing/unreadable file, missing ``key`` column, a bad value or a
            duplicate key (one line naming the file and row).
    """
    rows = read_csv_rows(path, required=(key,))
    out: dict[str, dict[str, Any]] = {}
    for i, row in enumerate(rows, start=2):  # row 1 is the header
        name = row.get(key, "")
        if not name:
            raise OrgansegInputError(f"{path}: row {i} has an empty {key!r}")
        if name in out:
            raise OrgansegInputError(f"{path}: row {i} repeats {key} {name!r}")
        values: dict[str, Any] = {}
        for col, text in row.items():
            if col == key:
                continue
            if text == "":
                values[col] = None
                continue
            val = _number(text)
            if col in POSITIVE_META_COLUMNS:
                if not isinstance(val, int | float) or not math.isfinite(val) or val <= 0:
                    raise OrgansegInputError(
                        f"{path}: row {i} ({name}) has {col}={text!r}; expected a positive number "
                        "(fix the value or leave the cell empty)"
                    )
            values[col] = val
        out[name] = values
    return out
