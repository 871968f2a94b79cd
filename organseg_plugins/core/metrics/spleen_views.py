"""Clinical spleen measurements on the two 2-D views, and the ellipsoid volume formula.

The clinical standard the DeepSPV paper (Yuan et al. 2025, "DeepSPV: a deep learning pipeline for 3D spleen
volume estimation from 2D ultrasound images", Med Image Anal; arXiv 2411.11190) compares against is a linear
regression of the volume on the spleen length; the prolate-ellipsoid formula ``V = 0.523 L W T`` (``0.523``
~ ``pi / 6``) is the usual three-axis estimate. Here, on the views of :mod:`.views`:

* ``length_mm`` ``L``: maximum Feret diameter of the coronal view (the project's length measure,
  :func:`organseg_plugins.core.metrics.length.max_feret_diameter`);
* ``coronal_width_mm``: ``4 A_c / (pi L)``, the minor axis of the ellipse with the coronal area ``A_c`` and
  major axis ``L`` (the single-view width of the ``L x W`` regression);
* ``width_mm`` ``W``: maximum Feret diameter of the transverse view;
* ``thickness_mm`` ``T``: ``4 A_t / (pi W)`` from the transverse area ``A_t``, likewise.
"""

from __future__ import annotations

import math

import numpy as np

from organseg_plugins.core.errors import OrgansegInputError
from organseg_plugins.core.metrics.length import max_feret_diameter

__all__ = ["ELLIPSOID_COEFFICIENT", "MEASURE_NAMES", "ellipsoid_formula_ml", "view_measurements"]

#: Coefficient of the clinical ellipsoid formula ``V = 0.523 L W T``.
ELLIPSOID_COEFFICIENT = 0.523

#: Keys of :func:`view_measurements` (mm).
MEASURE_NAMES = ("length_mm", "coronal_width_mm", "width_mm", "thickness_mm")


def _axes(mask: np.ndarray, spacing: float, what: str) -> tuple[float, float]:
    if not np.asarray(mask).any():
        raise OrgansegInputError(f"{what}: the mask is empty (no organ to measure)")
    major = max_feret_diameter(mask, spacing)
    area = float(np.count_nonzero(mask)) * spacing * spacing
    minor = 4.0 * area / (math.pi * major) if major > 0 else 0.0
    return major, minor


def view_measurements(coronal: np.ndarray, transverse: np.ndarray | None, spacing: float) -> dict[str, float]:
    """Length, widths and thickness (mm) from the coronal and (optionally) transverse view.

    Args:
        coronal: coronal 0/1 mask.
        transverse: transverse 0/1 mask, or None (then ``width_mm`` and ``thickness_mm`` are NaN).
        spacing: pixel size of both views in mm.

    Returns:
        ``{name: value}`` for :data:`MEASURE_NAMES`.
    """
    length, cwidth = _axes(coronal, float(spacing), "coronal view")
    width, thick = _axes(transverse, float(spacing), "transverse view") if transverse is not None else (
        math.nan, math.nan)
    return dict(length_mm=length, coronal_width_mm=cwidth, width_mm=width, thickness_mm=thick)


def ellipsoid_formula_ml(length_mm: float, width_mm: float, thickness_mm: float) -> float:
    """``0.523 L W T`` in mL (the three axes in mm)."""
    return ELLIPSOID_COEFFICIENT * float(length_mm) * float(width_mm) * float(thickness_mm) / 1000.0
