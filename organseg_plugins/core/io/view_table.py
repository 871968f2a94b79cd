"""The on-disk views dataset: ``coronal/<name>.png``, ``transverse/<name>.png`` and ``volumes.csv``.

Layout written by ``datasets_prep/spleen_views.py`` and read by the mmengine ``SpleenViewsDataset``::

    OUT/coronal/<name>.png       # 0/1 uint8 mid-coronal mask (size x size, view_spacing_mm pixels)
    OUT/transverse/<name>.png    # 0/1 uint8 mid-transverse mask
    OUT/images/<view>/<name>.png # optional ultrasound-like renderings of the views (uint8 grey)
    OUT/volumes.csv              # one row per case: VOLUME_COLUMNS

``volume_ml`` is the reference volume of the 3-D mask (voxel count x voxel volume); the measurement columns
are those of :func:`organseg_plugins.core.metrics.spleen_views.view_measurements` on the written views.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from organseg_plugins.core.converters.spleen_views import VIEW_NAMES, MidViews
from organseg_plugins.core.errors import OrgansegInputError
from organseg_plugins.core.io.atomic import atomic_imwrite_png
from organseg_plugins.core.io.tables import read_csv_rows, write_csv
from organseg_plugins.core.metrics.spleen_views import MEASURE_NAMES, view_measurements

__all__ = ["VOLUME_COLUMNS", "VOLUME_TABLE", "read_volume_table", "view_case_row", "write_view_case",
           "write_volume_table"]

#: Name of the per-case table.
VOLUME_TABLE = "volumes.csv"

#: Columns of ``volumes.csv``.
VOLUME_COLUMNS = ("name", "split", "volume_ml", "view_spacing_mm", *MEASURE_NAMES, "clipped", "source")


def write_view_case(out_dir: str | os.PathLike, name: str, views: MidViews,
                    images: Mapping[str, np.ndarray] | None = None) -> list[str]:
    """Write the two view masks (and images, when given) of one case; return the paths relative to ``out_dir``."""
    out, written = Path(out_dir), []
    for view in VIEW_NAMES:
        rel = f"{view}/{name}.png"
        atomic_imwrite_png(out / rel, views.get(view))
        written.append(rel)
    for view, img in (images or {}).items():
        rel = f"images/{view}/{name}.png"
        atomic_imwrite_png(out / rel, img)
        written.append(rel)
    return written


def view_case_row(name: str, split: str, volume_ml: float, views: MidViews, source: str = "") -> dict[str, Any]:
    """The ``volumes.csv`` row of one case (measurements rounded to 0.01 mm, volume to 0.001 mL)."""
    meas = view_measurements(views.coronal, views.transverse, views.view_spacing)
    row: dict[str, Any] = dict(name=name, split=split, volume_ml=f"{volume_ml:.3f}",
                               view_spacing_mm=f"{views.view_spacing:g}", clipped=";".join(views.clipped),
                               source=source)
    row.update({k: f"{v:.2f}" for k, v in meas.items()})
    return row


def write_volume_table(out_dir: str | os.PathLike, rows: Sequence[Mapping[str, Any]]) -> Path:
    """Write ``out_dir/volumes.csv`` atomically (rows sorted by name)."""
    return write_csv(Path(out_dir) / VOLUME_TABLE, VOLUME_COLUMNS, sorted(rows, key=lambda r: str(r["name"])))


def read_volume_table(path: str | os.PathLike, split: str | None = None) -> list[dict[str, Any]]:
    """Read and check ``volumes.csv``: numbers parsed, ``volume_ml`` and ``view_spacing_mm`` > 0.

    Args:
        path: the CSV file.
        split: keep only the rows of this split (None: all).

    Returns:
        One dict per row, ``volume_ml``/``view_spacing_mm``/measurements as floats.

    Raises:
        OrgansegInputError: missing columns, a non-positive volume or spacing, duplicate names (row named).
    """
    rows = read_csv_rows(path, required=("name", "split", "volume_ml", "view_spacing_mm"))
    out, seen = [], set()
    for i, r in enumerate(rows, start=2):
        row: dict[str, Any] = dict(r)
        for key in ("volume_ml", "view_spacing_mm", *MEASURE_NAMES):
            if key not in r:
                continue
            try:
                row[key] = float(r[key]) if r[key] != "" else math.nan
            except ValueError:
                raise OrgansegInputError(f"{path} row {i}: {key} is not a number: {r[key]!r}") from None
        for key in ("volume_ml", "view_spacing_mm"):
            if not (math.isfinite(row[key]) and row[key] > 0):
                raise OrgansegInputError(f"{path} row {i}: {key} must be a positive number, got {r[key]!r}")
        if row["name"] in seen:
            raise OrgansegInputError(f"{path} row {i}: duplicate case name {row['name']!r}")
        seen.add(row["name"])
        if split is None or row["split"] == split:
            out.append(row)
    return out
