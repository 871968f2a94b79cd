"""Organ length measurements on binary masks (e.g. spleen length in ultrasound).

Pixel ``(row, col)`` of a mask is treated as the point at its centre, ``(x, y) = (col, row)``;
distances are between pixel centres, converted to physical units with the pixel spacing.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from organseg_plugins.core.errors import OrgansegInputError
from organseg_plugins.core.io.validate import as_binary_mask, as_spacing

__all__ = ["max_feret_diameter", "ellipse_major_axis"]

Spacing = float | Sequence[float]


def _check_mask(mask: np.ndarray) -> np.ndarray:
    m = as_binary_mask(mask, "length measurement input", ndim=(2,)).view(np.bool_)
    if not m.any():
        raise OrgansegInputError("length measurement input: the mask is empty (no organ to measure)")
    return m


def _spacing_yx(spacing: Spacing) -> tuple[float, float]:
    """Return (row spacing, column spacing) from a scalar or a (row, col) pair (the one spacing check)."""
    sy, sx = as_spacing(spacing, 2, "length measurement")
    return sy, sx


def max_feret_diameter(mask: np.ndarray, spacing: Spacing = 1.0) -> float:
    """Maximum Feret diameter (caliper length) of a binary mask.

    Defined as the largest Euclidean distance between two pixel centres of the mask, which is
    attained between two vertices of the convex hull of the pixel centres, multiplied by the pixel
    spacing. Only the left-most and right-most pixel of each row can be hull vertices, so the hull
    is computed (``cv2.convexHull``, exact on integer coordinates) from those, and the pairwise
    distances between hull vertices are evaluated in one vectorised step.

    All connected components count: for a mask in two parts the diameter spans both. A single
    pixel has diameter 0; a horizontal 1x10 bar has diameter 9 (x spacing).

    Args:
        mask: HxW binary mask (values 0/1, or bool).
        spacing: Pixel spacing, a scalar (isotropic) or a ``(row, col)`` pair; the result is in
            the same unit (e.g. mm).

    Returns:
        The maximum Feret diameter as a float.

    Raises:
        ValueError: If the mask is not 2-D, not binary, or empty, or the spacing is invalid.
    """
    m = _check_mask(mask)
    sy, sx = _spacing_yx(spacing)
    rows = np.flatnonzero(m.any(axis=1))
    sub = m[rows]
    left = sub.argmax(axis=1)
    right = sub.shape[1] - 1 - sub[:, ::-1].argmax(axis=1)
    pts = np.concatenate(
        [np.stack([left, rows], axis=1), np.stack([right, rows], axis=1)], axis=0
    ).astype(np.int32)  # (x, y)
    hull = cv2.convexHull(pts.reshape(-1, 1, 2)).reshape(-1, 2).astype(np.float64)
    hull *= np.array([sx, sy])
    if len(hull) < 2:
        return 0.0
    diff = hull[:, None, :] - hull[None, :, :]
    return float(np.sqrt((diff**2).sum(axis=-1).max()))


def ellipse_major_axis(mask: np.ndarray, spacing: Spacing = 1.0) -> float:
    """Major-axis length (full length, not semi-axis) of the ellipse fitted to the mask outline.

    The outline is the largest external contour (by enclosed area, ties by number of points) from
    ``cv2.findContours(RETR_EXTERNAL, CHAIN_APPROX_NONE)``, i.e. the centres of the boundary
    pixels; ``cv2.fitEllipse`` (least squares) is fitted to it after scaling the points by the
    spacing, and the longer of its two axes is returned. Because the contour runs through boundary
    pixel centres, for a rasterised ellipse with semi-axes a > b the result is about 2a - 1 pixel.

    Args:
        mask: HxW binary mask (values 0/1, or bool).
        spacing: Pixel spacing, a scalar or a ``(row, col)`` pair.

    Returns:
        The fitted major-axis length in spacing units.

    Raises:
        ValueError: If the mask is not 2-D, not binary, empty, or its largest contour has fewer
            than 5 points (``cv2.fitEllipse`` needs 5).
    """
    m = _check_mask(mask).astype(np.uint8)
    sy, sx = _spacing_yx(spacing)
    contours, _ = cv2.findContours(m, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    largest = max(contours, key=lambda c: (abs(cv2.contourArea(c)), len(c)))
    if len(largest) < 5:
        raise ValueError(f"the largest contour has {len(largest)} points; fitting an ellipse needs 5")
    pts = largest.reshape(-1, 2).astype(np.float64) * np.array([sx, sy])
    (_, _), (d1, d2), _ = cv2.fitEllipse(pts.astype(np.float32))
    return float(max(d1, d2))
