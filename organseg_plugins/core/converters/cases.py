"""Case (patient) ids from file names and the split each file goes to (no case in two splits)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path

from ..errors import OrgansegInputError
from ..io.layout import SPLITS

__all__ = ["SPLITS", "case_id_from_name", "split_for_name", "parse_fractions"]

def case_id_from_name(name: str, pattern: str | re.Pattern[str]) -> str:
    """Case (patient) id of a file name, from a regular expression.

    The expression is searched (``re.search``) in the file name without its folder. The case id
    is the named group ``case`` (or ``patient``) if present, else group 1, else the whole match.

    Args:
        name: File name or path.
        pattern: Regular expression, e.g. ``r"^(case\\d+)_"`` or ``r"(?P<case>p\\d+)"``.

    Returns:
        The case id (non-empty).

    Raises:
        OrgansegInputError: If the expression does not match (naming the file and the expression).
    """
    rx = re.compile(pattern) if isinstance(pattern, str) else pattern
    base = Path(name).name
    m = rx.search(base)
    if m is None:
        raise OrgansegInputError(f"{name}: file name does not match the case regex {rx.pattern!r}")
    groups = m.groupdict()
    for key in ("case", "patient"):
        if groups.get(key):
            return groups[key]
    if m.re.groups >= 1 and m.group(1):
        return m.group(1)
    if not m.group(0):
        raise OrgansegInputError(f"{name}: the case regex {rx.pattern!r} matched an empty string")
    return m.group(0)

def split_for_name(
    name: str,
    default: str,
    assignment: Mapping[str, str] | None = None,
    case_regex: str | None = None,
    case_id: str | None = None,
) -> tuple[str, str | None]:
    """Split (and case id) of one file.

    Args:
        name: File name (for the regex and error messages).
        default: Split used when there is no ``assignment``.
        assignment: Optional ``{case_id: split}`` (from :mod:`.splits`).
        case_regex: Regex giving the case id from the name (see :func:`case_id_from_name`).
        case_id: Case id known otherwise (e.g. a DICOM case folder); wins over the regex.

    Returns:
        ``(split, case_id)`` (case id ``None`` if unknown).

    Raises:
        OrgansegInputError: If an assignment is given but the case id is unknown or not in it.
    """
    cid = case_id
    if cid is None and case_regex:
        cid = case_id_from_name(name, case_regex)
    if assignment is None:
        return default, cid
    if cid is None:
        raise OrgansegInputError(f"{name}: a split assignment needs a case id (give --case-regex)")
    if cid not in assignment:
        raise OrgansegInputError(f"{name}: case {cid!r} is not in the split assignment")
    return assignment[cid], cid

def parse_fractions(values: Sequence[float], names: Sequence[str] = SPLITS) -> dict[str, float]:
    """``[0.7, 0.15, 0.15]`` -> ``{"train": 0.7, "val": 0.15, "test": 0.15}`` (missing trailing = 0)."""
    vals = [float(v) for v in values]
    if len(vals) > len(names):
        raise OrgansegInputError(f"at most {len(names)} fractions ({', '.join(names)}), got {vals}")
    vals += [0.0] * (len(names) - len(vals))
    return dict(zip(names, vals, strict=True))
