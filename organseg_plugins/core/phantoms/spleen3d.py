"""Procedural 3-D spleen-like shapes with known volumes, and voxelised ellipsoids (their analytic check).

The shapes stand in for the CT spleen segmentations from which Yuan et al. 2025, "DeepSPV: a deep learning
pipeline for 3D spleen volume estimation from 2D ultrasound images" (Med Image Anal; arXiv 2411.11190), take
their mid-coronal and transverse training views (Section 3, data): a smooth, curved (concave hilum), lobulated
(notched border) solid whose size spans normal to enlarged spleens (about 50-1500 mL), deterministic per seed.

Arrays are ``(z, y, x)`` = (cranio-caudal, antero-posterior, left-right), index 0 of ``z`` the cranial end;
``spacing`` is the voxel size in mm in the same order; a voxel belongs to a shape when its centre lies inside.
The *exact* volume of a generated shape is that of the voxelised solid the views are cut from
(``voxel count x voxel volume``); for an ellipsoid it converges to ``4/3 pi a b c`` as the voxels shrink
(``tests/core/spleen3d/test_shapes.py`` checks within 1.5% at 1 mm voxels for 30-60 mm semi-axes).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import ndimage

from organseg_plugins.core.errors import OrgansegInputError
from organseg_plugins.core.io.validate import as_spacing

__all__ = ["VOLUME_RANGE_ML", "SpleenShape", "ellipsoid_mask", "ellipsoid_volume_ml", "random_spleen",
           "voxel_volume_ml"]

#: Default range of the target volumes (mL): normal (~150 mL) to massive splenomegaly.
VOLUME_RANGE_ML = (50.0, 1500.0)


@dataclass(frozen=True)
class SpleenShape:
    """One voxelised 3-D shape.

    Attributes:
        mask: ``(z, y, x)`` uint8 0/1 array.
        spacing: voxel size in mm, ``(z, y, x)``.
        volume_ml: exact volume of the voxelised solid (voxel count x voxel volume / 1000).
        params: the generator's parameters (semi-axes in mm, bend, lobulation, angles, seed).
    """

    mask: np.ndarray
    spacing: tuple[float, float, float]
    volume_ml: float
    params: dict[str, Any] = field(default_factory=dict)


def voxel_volume_ml(mask: np.ndarray, spacing: float | Sequence[float]) -> float:
    """Volume of a 3-D mask in mL: ``count(mask) * prod(spacing) / 1000`` (spacing in mm)."""
    sp = as_spacing(spacing, 3, "voxel volume")
    return float(np.count_nonzero(mask)) * math.prod(sp) / 1000.0


def ellipsoid_volume_ml(semi_axes_mm: Sequence[float]) -> float:
    """Analytic volume ``4/3 pi a b c`` of an ellipsoid with semi-axes in mm, in mL."""
    a, b, c = (float(s) for s in semi_axes_mm)
    return 4.0 / 3.0 * math.pi * a * b * c / 1000.0


def _grid_mm(shape: Sequence[int], spacing: Sequence[float]) -> list[np.ndarray]:
    """Voxel-centre coordinates in mm, centred on the array centre, as broadcastable (z, y, x) arrays."""
    return [((np.arange(n) - (n - 1) / 2.0) * s).reshape([-1 if i == k else 1 for i in range(3)])
            for k, (n, s) in enumerate(zip(shape, spacing))]


def ellipsoid_mask(semi_axes_mm: Sequence[float], spacing: float | Sequence[float] = 1.0,
                   margin_vox: int = 2) -> np.ndarray:
    """Axis-aligned ellipsoid ``(z/a)^2 + (y/b)^2 + (x/c)^2 <= 1`` centred in the smallest grid holding it.

    Args:
        semi_axes_mm: ``(a, b, c)`` along ``(z, y, x)`` in mm (> 0).
        spacing: voxel size in mm, one float or ``(z, y, x)``.
        margin_vox: empty voxels added on each side.

    Returns:
        ``(z, y, x)`` uint8 0/1 mask.
    """
    sp = as_spacing(spacing, 3, "ellipsoid")
    axes = [float(a) for a in semi_axes_mm]
    if len(axes) != 3 or min(axes) <= 0:
        raise OrgansegInputError(f"ellipsoid: expected three positive semi-axes in mm, got {semi_axes_mm}")
    shape = [2 * (int(math.ceil(a / s)) + margin_vox) + 1 for a, s in zip(axes, sp)]
    z, y, x = _grid_mm(shape, sp)
    return ((z / axes[0]) ** 2 + (y / axes[1]) ** 2 + (x / axes[2]) ** 2 <= 1.0).astype(np.uint8)


def _rotation(tilt: float, twist: float) -> np.ndarray:
    """Columns = the shape's (long, width, thickness) axes in (z, y, x): tilt in the coronal (z, x) plane,
    then twist about the cranio-caudal axis."""
    ct, st, cw, sw = math.cos(tilt), math.sin(tilt), math.cos(twist), math.sin(twist)
    tilt_m = np.array([[ct, 0.0, -st], [0.0, 1.0, 0.0], [st, 0.0, ct]])  # (z, y, x) rotated about y
    twist_m = np.array([[1.0, 0.0, 0.0], [0.0, cw, -sw], [0.0, sw, cw]])  # about z
    # local (long, width, thickness) -> (z, x, y): long along z, width along x, thickness along y
    base = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, 1.0, 0.0]])
    return twist_m @ tilt_m @ base


def random_spleen(seed: int, spacing: float | Sequence[float] = 2.0,
                  volume_range_ml: Sequence[float] = VOLUME_RANGE_ML) -> SpleenShape:
    """A spleen-like solid: a bent, lobulated ellipsoid of a random target volume, voxelised at ``spacing``.

    Construction (all in mm, in the shape's own frame ``(u, v, w)`` = long, width, thickness axes):

    1. target volume ``V`` log-uniform in ``volume_range_ml``; axis ratios ``b/a`` in [0.5, 0.7],
       ``c/a`` in [0.28, 0.42] (adult spleens are about 11 x 7 x 4 cm); ``a`` from ``4/3 pi a b c = V``;
    2. bend (concave hilum): ``w -> w - kappa u^2 / a`` with ``kappa`` in [0.15, 0.4];
    3. lobulation: the implicit radius is scaled by ``1 + sum_k eps_k cos(k phi + phase_k)`` (``k = 2..4``,
       ``phi`` the angle around the long axis) minus 1-3 Gaussian notches on the anterior border
       (``v > 0``), the total modulation kept within [0.75, 1.25] so the solid stays star-shaped about
       its bent centre line; the largest 6-connected
       component is kept (the tips can leave an isolated voxel on the grid);
    4. orientation: long axis tilted 15-45 degrees from cranio-caudal towards left-right in the coronal
       plane, twisted -20..20 degrees about the cranio-caudal axis.

    The volume after bending and lobulation differs from ``V`` by a few percent; :attr:`SpleenShape.volume_ml`
    is the exact voxel volume, the ground truth of the views.

    Args:
        seed: seed of :func:`numpy.random.default_rng` (the output is a pure function of it and ``spacing``).
        spacing: voxel size in mm, one float or ``(z, y, x)``.
        volume_range_ml: ``(low, high)`` of the target volume in mL.

    Returns:
        The :class:`SpleenShape`.
    """
    sp = as_spacing(spacing, 3, "random_spleen")
    lo, hi = (float(v) for v in volume_range_ml)
    if not 0 < lo <= hi:
        raise OrgansegInputError(f"random_spleen: volume_range_ml must be 0 < low <= high, got {volume_range_ml}")
    rng = np.random.default_rng(seed)
    target = float(math.exp(rng.uniform(math.log(lo), math.log(hi))))
    rb, rc = rng.uniform(0.5, 0.7), rng.uniform(0.28, 0.42)
    a = (3.0 * target * 1000.0 / (4.0 * math.pi * rb * rc)) ** (1.0 / 3.0)
    b, c = rb * a, rc * a
    kappa = rng.uniform(0.15, 0.4)
    eps = rng.uniform(0.0, 0.06, 3)
    phases = rng.uniform(0.0, 2 * math.pi, 3)
    n_notch = int(rng.integers(1, 4))
    notch_u = rng.uniform(-0.6, 0.6, n_notch)
    notch_depth = rng.uniform(0.06, 0.12, n_notch)
    tilt, twist = math.radians(rng.uniform(15.0, 45.0)), math.radians(rng.uniform(-20.0, 20.0))
    rot = _rotation(tilt, twist)

    # grid: the bounding box of the enlarged ellipsoid (bend and lobulation included), per world axis
    reach = np.array([1.3 * a, 1.3 * b, 1.3 * c + kappa * a])
    half = np.sqrt((rot ** 2) @ (reach ** 2))
    shape = [2 * int(math.ceil(h / s)) + 3 for h, s in zip(half, sp)]
    z, y, x = _grid_mm(shape, sp)
    # world -> local: [u, v, w] = rot^T [z, y, x]
    u = rot[0, 0] * z + rot[1, 0] * y + rot[2, 0] * x
    v = rot[0, 1] * z + rot[1, 1] * y + rot[2, 1] * x
    w = rot[0, 2] * z + rot[1, 2] * y + rot[2, 2] * x
    w = w - kappa * u ** 2 / a  # bend
    phi = np.arctan2(w / c, v / b)
    mod = 1.0 + sum(e * np.cos(k * phi + p) for k, e, p in zip((2, 3, 4), eps, phases))
    front = np.clip(np.cos(phi), 0.0, None) ** 2  # the anterior (v > 0) border carries the notches
    for nu, nd in zip(notch_u, notch_depth):
        mod = mod - nd * front * np.exp(-0.5 * ((u / a - nu) / 0.07) ** 2)
    mod = np.clip(mod, 0.75, 1.25)
    inside = (u / a) ** 2 + (v / b) ** 2 + (w / c) ** 2 <= mod ** 2
    labels, n = ndimage.label(inside)  # drop the odd single voxel the tips leave behind on the grid
    if n > 1:
        inside = labels == 1 + int(np.argmax(np.bincount(labels.ravel())[1:]))
    mask = np.ascontiguousarray(inside, dtype=np.uint8)
    params = dict(seed=int(seed), target_volume_ml=target, semi_axes_mm=[a, b, c], bend=kappa,
                  lobulation=eps.tolist(), n_notches=n_notch, tilt_deg=math.degrees(tilt),
                  twist_deg=math.degrees(twist))
    return SpleenShape(mask=mask, spacing=sp, volume_ml=voxel_volume_ml(mask, sp), params=params)
