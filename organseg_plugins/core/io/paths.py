"""Folder safety and file listing: outputs never inside inputs, clear errors for missing folders."""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path

from ..errors import OrgansegInputError

__all__ = ["check_output_dir", "require_dir", "safe_stem", "list_files"]

def _is_within(child: Path, parent: Path) -> bool:
    return child == parent or parent in child.parents

def check_output_dir(
    out_dir: str | os.PathLike,
    inputs: Sequence[str | os.PathLike],
    overwrite: bool = False,
) -> Path:
    """Refuse an output folder that could modify the input, or a non-empty one without ``overwrite``.

    Args:
        out_dir: Output folder (need not exist).
        inputs: Input folders or files. The output may not equal an input folder, lie inside one,
            or contain one (symbolic links are resolved before comparing).
        overwrite: Allow a non-empty output folder; files with the same names are replaced
            (atomically), other files are left alone.

    Returns:
        The output folder as given (a :class:`~pathlib.Path`).

    Raises:
        OrgansegInputError: On any of the conditions above, naming both paths.
    """
    out = Path(out_dir)
    out_res = out.resolve()
    for inp in inputs:
        if inp is None:
            continue
        ip = Path(inp).resolve()
        if ip.is_file() or (not ip.exists() and ip.suffix):
            if _is_within(ip, out_res):
                raise OrgansegInputError(
                    f"output folder {str(out)!r} contains the input file {str(inp)!r}; "
                    "choose an output folder outside the input (converters never write into their input)"
                )
            continue
        if _is_within(out_res, ip):
            raise OrgansegInputError(
                f"output folder {str(out)!r} is the input folder {str(inp)!r} or inside it; "
                "choose an output folder outside the input (converters never write into their input)"
            )
        if _is_within(ip, out_res):
            raise OrgansegInputError(
                f"output folder {str(out)!r} contains the input folder {str(inp)!r}; "
                "choose an output folder outside the input"
            )
    if out.exists():
        if not out.is_dir():
            raise OrgansegInputError(f"output {str(out)!r} exists and is not a folder")
        if any(out.iterdir()) and not overwrite:
            raise OrgansegInputError(
                f"output folder {str(out)!r} is not empty; choose a new folder or pass overwrite "
                "(--overwrite) to replace files of the same name"
            )
    return out

def require_dir(path: str | os.PathLike, what: str) -> Path:
    """Return ``path`` as a Path, or raise naming it if it is not an existing folder."""
    p = Path(path)
    if not p.exists():
        raise OrgansegInputError(f"{what} {str(p)!r} does not exist")
    if not p.is_dir():
        raise OrgansegInputError(f"{what} {str(p)!r} is not a folder")
    return p

def safe_stem(text: str) -> str:
    """File-name-safe version of ``text``: path separators and odd characters become ``_``."""
    s = re.sub(r"[^A-Za-z0-9._+-]+", "_", str(text).replace("\\", "/").replace("/", "_")).strip("._")
    if not s:
        raise OrgansegInputError(f"cannot make a file name out of {text!r}")
    return s

def list_files(folder: Path, exts: Sequence[str] | None = None, recursive: bool = False) -> list[Path]:
    """Sorted regular, non-hidden files of ``folder`` (optionally with one of ``exts``, lower-case)."""
    it = folder.rglob("*") if recursive else folder.iterdir()
    out = []
    for p in it:
        if not p.is_file() or any(part.startswith(".") for part in p.relative_to(folder).parts):
            continue
        if exts is not None and p.suffix.lower() not in exts:
            continue
        out.append(p)
    return sorted(out)
