"""Mid-coronal and transverse 2-D views of a 3-D organ mask, on a fixed canvas in millimetres.

Yuan et al. 2025, "DeepSPV: a deep learning pipeline for 3D spleen volume estimation from 2D ultrasound
images" (Med Image Anal; arXiv 2411.11190) estimate the volume from the two standard ultrasound views, the
coronal and the transverse plane through the spleen, which they cut from CT segmentations for training. Here
both planes pass through the mask's centroid: the coronal view is the ``y`` (antero-posterior) plane shown as
rows ``z`` (cranial at the top) x columns ``x``; the transverse view is the ``z`` plane shown as rows ``y`` x
columns ``x``. Each is resampled (trilinear interpolation of the 0/1 mask, threshold 0.5) onto a
``size x size`` canvas of ``view_spacing`` mm pixels centred on the centroid, so the pixel size, not the
organ size, is the same for every case and the views keep the organ's physical scale.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from organseg_plugins.core.errors import OrgansegInputError
from organseg_plugins.core.io.validate import as_binary_mask, as_spacing

__all__ = ["VIEW_NAMES", "MidViews", "mask_on_canvas", "mid_views"]

#: The two views, in the channel order of the dual-view models.
VIEW_NAMES = ("coronal", "transverse")


@dataclass(frozen=True)
class MidViews:
    """The two views of one mask.

    Attributes:
        coronal: ``(size, size)`` uint8 0/1 mask (rows z, columns x).
        transverse: ``(size, size)`` uint8 0/1 mask (rows y, columns x).
        view_spacing: pixel size of both views in mm.
        centroid_vox: the centroid ``(z, y, x)`` in voxel indices the planes pass through.
        clipped: views whose organ touches the canvas border (the canvas is too small for the organ).
    """

    coronal: np.ndarray
    transverse: np.ndarray
    view_spacing: float
    centroid_vox: tuple[float, float, float]
    clipped: tuple[str, ...]

    def get(self, name: str) -> np.ndarray:
        """The view called ``name`` (one of :data:`VIEW_NAMES`)."""
        if name not in VIEW_NAMES:
            raise OrgansegInputError(f"unknown view {name!r}; expected one of {VIEW_NAMES}")
        return getattr(self, name)


def mid_views(mask: np.ndarray, spacing: float | Sequence[float], size: int = 128,
              view_spacing: float = 2.0, source: str = "3-D mask") -> MidViews:
    """Cut the mid-coronal and mid-transverse views of a 3-D mask.

    Args:
        mask: ``(z, y, x)`` binary mask (0/1 or bool), not empty.
        spacing: voxel size in mm, one float or ``(z, y, x)``.
        size: canvas height and width in pixels.
        view_spacing: canvas pixel size in mm (the field of view is ``size * view_spacing`` mm).
        source: what the mask is, for error messages (e.g. its file name).

    Returns:
        The :class:`MidViews`.
    """
    m = as_binary_mask(mask, source, ndim=(3,))
    sp = np.asarray(as_spacing(spacing, 3, source))
    if int(size) < 8 or not view_spacing > 0:
        raise OrgansegInputError(f"{source}: view size must be >= 8 px and view_spacing > 0, "
                                 f"got {size}, {view_spacing}")
    if not m.any():
        raise OrgansegInputError(f"{source}: the mask is empty (no organ to slice)")
    centroid = np.array(ndimage.center_of_mass(m))
    offsets = (np.arange(int(size)) - (int(size) - 1) / 2.0) * float(view_spacing)  # mm from the centre
    vol = m.astype(np.float32)

    def plane(row_axis: int, col_axis: int) -> np.ndarray:
        coords = np.empty((3, size, size))
        coords[:] = centroid[:, None, None]
        coords[row_axis] += (offsets / sp[row_axis])[:, None]
        coords[col_axis] += (offsets / sp[col_axis])[None, :]
        return (ndimage.map_coordinates(vol, coords, order=1, mode="constant", cval=0.0) >= 0.5).astype(np.uint8)

    views = {"coronal": plane(0, 2), "transverse": plane(1, 2)}
    clipped = tuple(k for k, v in views.items()
                    if v[0].any() or v[-1].any() or v[:, 0].any() or v[:, -1].any())
    return MidViews(coronal=views["coronal"], transverse=views["transverse"], view_spacing=float(view_spacing),
                    centroid_vox=tuple(float(c) for c in centroid), clipped=clipped)


def mask_on_canvas(mask: np.ndarray, spacing: float | Sequence[float], size: int, view_spacing: float,
                   source: str = "mask") -> np.ndarray:
    """Resample a 2-D mask of ``spacing`` mm pixels onto the views' canvas (``size`` px of ``view_spacing`` mm,
    centred on the mask's centroid; bilinear, threshold 0.5), e.g. a segmented ultrasound image for the RVAE.

    Args:
        mask: ``(H, W)`` 0/1 mask, not empty.
        spacing: its pixel size in mm, one float or ``(row, col)``.
        size: canvas size in pixels.
        view_spacing: canvas pixel size in mm.
        source: what the mask is, for error messages.

    Returns:
        ``(size, size)`` uint8 0/1 mask.
    """
    m = as_binary_mask(mask, source, ndim=(2,))
    sp = np.asarray(as_spacing(spacing, 2, source))
    if not m.any():
        raise OrgansegInputError(f"{source}: the mask is empty (no organ)")
    centroid = np.array(ndimage.center_of_mass(m))
    offsets = (np.arange(int(size)) - (int(size) - 1) / 2.0) * float(view_spacing)
    coords = np.empty((2, size, size))
    coords[0] = centroid[0] + (offsets / sp[0])[:, None]
    coords[1] = centroid[1] + (offsets / sp[1])[None, :]
    out = ndimage.map_coordinates(m.astype(np.float32), coords, order=1, mode="constant", cval=0.0)
    return (out >= 0.5).astype(np.uint8)
