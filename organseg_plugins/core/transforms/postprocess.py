"""Morphological post-processing of binary organ masks (framework-free: numpy, OpenCV, scipy).

Karimi et al. 2025, "Improving spleen segmentation in ultrasound images using a hybrid deep learning framework", Sci Rep ("Inference") thresholds the generator's probability map and
then cleans it morphologically. :func:`postprocess_mask` implements the steps after the threshold,
in this order, each one switchable:

1. keep the largest connected component (8-connectivity);
2. fill holes (background regions not connected to the image border, 4-connected background,
   the dual of 8-connected foreground);
3. a small morphological opening (erosion then dilation) with an elliptical kernel of the given
   radius (``cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2r+1, 2r+1))``; radius 1 is the 3x3 cross).

The order is the paper's. Note that the opening runs last, so in rare cases (a neck thinner than the
kernel) it may split the kept component again; use ``opening_radius=0`` or a smaller radius if a
single component is a hard requirement. An empty mask stays empty.
"""

from __future__ import annotations

import cv2
import numpy as np
from scipy import ndimage

from organseg_plugins.core.io.validate import as_binary_mask

__all__ = ["fill_holes", "keep_largest_component", "morphological_opening", "postprocess_mask"]


def _as_binary(mask: np.ndarray) -> np.ndarray:
    return as_binary_mask(mask, "postprocess_mask input", ndim=(2,)).view(np.bool_)


def keep_largest_component(mask: np.ndarray) -> np.ndarray:
    """Boolean mask of the largest 8-connected foreground component (ties: the first in raster order)."""
    mask = _as_binary(mask)
    if not mask.any():
        return mask.copy()
    n, labels, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    if n <= 2:  # background + one component
        return mask.copy()
    largest = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    return labels == largest


def fill_holes(mask: np.ndarray) -> np.ndarray:
    """Boolean mask with every background region not connected to the border filled."""
    return ndimage.binary_fill_holes(_as_binary(mask))


def morphological_opening(mask: np.ndarray, radius: int = 1) -> np.ndarray:
    """Opening with an elliptical kernel of ``radius`` pixels (0: unchanged); returns a boolean mask.

    OpenCV's default border handling is used: the image border does not erode objects touching it.
    """
    mask = _as_binary(mask)
    if radius < 0:
        raise ValueError(f"opening radius must be >= 0, got {radius}")
    if radius == 0 or not mask.any():
        return mask.copy()
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1, 2 * radius + 1))
    return cv2.morphologyEx(mask.astype(np.uint8), cv2.MORPH_OPEN, kernel).astype(bool)


def postprocess_mask(mask: np.ndarray, *, largest_component: bool = True, fill_holes: bool = True,
                     opening_radius: int = 1) -> np.ndarray:
    """Clean a thresholded binary 2D mask: largest component -> fill holes -> opening (see module doc).

    Args:
        mask: 2D array, bool or with values in {0, 1}.
        largest_component: keep only the largest 8-connected component.
        fill_holes: fill enclosed background.
        opening_radius: radius of the elliptical opening kernel; 0 switches it off.

    Returns:
        The cleaned mask with the input's dtype (bool stays bool; numbers are 0/1).

    Raises:
        ValueError: not 2D, values other than 0/1, negative radius.
    """
    binary = _as_binary(mask)
    if opening_radius < 0:
        raise ValueError(f"opening radius must be >= 0, got {opening_radius}")
    out = binary.copy()
    if out.any():
        if largest_component:
            out = keep_largest_component(out)
        if fill_holes:
            out = ndimage.binary_fill_holes(out)
        if opening_radius:
            out = morphological_opening(out, opening_radius)
    return out if np.asarray(mask).dtype == bool else out.astype(np.asarray(mask).dtype)
