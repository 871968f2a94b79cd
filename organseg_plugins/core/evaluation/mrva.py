"""A method's MRVA and 95% interval coverage from its per-case volumes: the cells of the DeepSPV table
(Yuan et al. 2025, "DeepSPV: a deep learning pipeline for 3D spleen volume estimation from 2D ultrasound
images", Med Image Anal; arXiv 2411.11190, results tables), shared by ``tools/analysis/deepspv_table.py`` and
the ``deepspv_mrva`` paper-table layout. No framework imports.

The per-case rows are those ``VolumeMRVAMetric`` writes (``volume_per_case.csv``: ``gt_volume_ml``,
``pred_volume_ml`` and, for a model with intervals, ``lower_ml``/``upper_ml``); the parameter-free ellipsoid
formula ``0.523 L W T`` is scored from a views dataset's ``volumes.csv``.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from organseg_plugins.core.errors import OrgansegInputError
from organseg_plugins.core.io.tables import read_csv_rows
from organseg_plugins.core.io.view_table import VOLUME_TABLE, read_volume_table
from organseg_plugins.core.metrics import interval_coverage, mrva
from organseg_plugins.core.metrics.spleen_views import ellipsoid_formula_ml

__all__ = ["CASE_REQUIRED", "VolumeScores", "case_scores", "ellipsoid_scores", "read_case_scores"]

#: Columns a per-case CSV must have.
CASE_REQUIRED = ("gt_volume_ml", "pred_volume_ml")


@dataclass(frozen=True)
class VolumeScores:
    """MRVA (%), the 95% interval coverage (%; ``None``: the method gives no interval) and the case count."""

    mrva: float
    coverage: float | None
    cases: int


def case_scores(rows: Sequence[dict], source: str | os.PathLike) -> VolumeScores:
    """Score per-case rows (strings or numbers), ``source`` naming them in errors.

    Raises:
        OrgansegInputError: No rows, a missing column, or a value that is not a number (naming ``source``).
    """
    if not rows:
        raise OrgansegInputError(f"{source}: no cases")
    missing = [c for c in CASE_REQUIRED if c not in rows[0]]
    if missing:
        raise OrgansegInputError(f"{source}: per-case CSV lacks the column(s) {missing}")
    try:
        gt = np.array([float(r["gt_volume_ml"]) for r in rows])
        pred = np.array([float(r["pred_volume_ml"]) for r in rows])
        has_ci = all(r.get("lower_ml", "") != "" for r in rows)
        cov = (interval_coverage([float(r["lower_ml"]) for r in rows], [float(r["upper_ml"]) for r in rows], gt)
               if has_ci else None)
    except ValueError as exc:
        raise OrgansegInputError(f"{source}: not a number ({exc})") from None
    return VolumeScores(mrva(pred, gt), cov, len(rows))


def read_case_scores(path: str | os.PathLike) -> VolumeScores:
    """:func:`case_scores` of a per-case CSV file.

    Raises:
        OrgansegInputError: A missing or malformed CSV (named).
    """
    return case_scores(read_csv_rows(path, required=CASE_REQUIRED), path)


def ellipsoid_scores(root: str | os.PathLike, split: str) -> VolumeScores:
    """The ellipsoid formula ``0.523 L W T`` on the ``split`` rows of ``root/volumes.csv`` (dual view).

    Raises:
        OrgansegInputError: No rows of ``split``, or width/thickness missing.
    """
    table = Path(root) / VOLUME_TABLE
    rows = read_volume_table(table, split)
    if not rows:
        raise OrgansegInputError(f"{table}: no rows of split {split!r}")
    gt = np.array([r["volume_ml"] for r in rows])
    pred = np.array([ellipsoid_formula_ml(r["length_mm"], r["width_mm"], r["thickness_mm"]) for r in rows])
    if not np.isfinite(pred).all():
        raise OrgansegInputError(f"{table}: width/thickness missing for the ellipsoid formula")
    return VolumeScores(mrva(pred, gt), None, len(rows))
