"""Small helpers shared by the converter tests: write a PNG, draw a disk, read meta.csv, hash a folder."""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Iterable
from pathlib import Path

import cv2
import numpy as np

from organseg_plugins.core.converters.report import ConversionReport, FileIssue


def hash_tree(root: Path) -> dict[str, str]:
    """``{relative path: SHA-256}`` of every file under ``root``."""
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def content_digest(out: Path, report: ConversionReport, tmp: Path) -> str:
    """SHA-256 of a converter's output folder and report.

    PNG files count as their decoded pixels (shape, dtype, values), so the digest does not depend on
    the PNG encoder's settings; other files (meta.csv, COCO JSON, splits.json) as their bytes; the
    report as its JSON with ``tmp`` replaced by a placeholder.
    """
    h = hashlib.sha256()
    for p in sorted(out.rglob("*")) if out.exists() else []:
        if p.is_file():
            h.update(p.relative_to(out).as_posix().encode())
            if p.suffix == ".png":
                a = cv2.imread(str(p), cv2.IMREAD_UNCHANGED)
                h.update(f"{a.shape}{a.dtype}".encode() + a.tobytes())
            else:
                h.update(p.read_bytes())
    h.update(json.dumps(report.to_dict(), sort_keys=True).replace(str(tmp), "<TMP>").encode())
    return h.hexdigest()


def write_png(path: Path, arr: np.ndarray) -> None:
    """Write ``arr`` as a PNG, creating the folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    assert cv2.imwrite(str(path), arr)


def meta_rows(path: Path) -> list[dict]:
    """Rows of a ``meta.csv`` as written (strings), in file order."""
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


def n_components(mask: np.ndarray) -> int:
    """Number of 8-connected foreground regions."""
    return cv2.connectedComponents(mask.astype(np.uint8), connectivity=8)[0] - 1


def disk(h: int, w: int, cy: float, cx: float, r: float) -> np.ndarray:
    """HxW 0/1 uint8 disk of radius ``r`` centred at ``(cy, cx)``."""
    yy, xx = np.mgrid[0:h, 0:w]
    return ((yy - cy) ** 2 + (xx - cx) ** 2 <= r * r).astype(np.uint8)


def issues(items: Iterable[FileIssue]) -> list[tuple[str, str]]:
    """``(file name, message)`` of report errors or warnings, in report order."""
    return [(Path(i.path).name, i.message) for i in items]
