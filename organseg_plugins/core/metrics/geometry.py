"""Morphology and exact Euclidean distances on cropped masks: the kernels every metric family shares.

Both masks are cropped to the bounding box of their union plus a 1-voxel zero frame before any
morphology or distance transform. 2-D distance maps come from OpenCV's exact Euclidean distance
transform (``DIST_MASK_PRECISE``, float32 made exact by rounding the integer squared distance). In 3-D
the same transform runs per slice and the z direction is added by a pruned search over slice
offsets evaluated only at surface voxels (exact, the separable form of the EDT). Anisotropic
in-plane spacing uses a k-d tree over the scaled surface coordinates instead, also exact.
"""

from __future__ import annotations

import cv2
import numpy as np
from scipy.spatial import cKDTree

__all__ = ["union_box", "padded_crop", "surface", "edt_px_2d", "exact_px", "slice_sq_maps", "sparse_min_sq",
           "nearest_distances", "erode_box"]

_KDTREE_PARALLEL_MIN = 20_000  # below this many query points threads cost more than they save

def union_box(p: np.ndarray, g: np.ndarray) -> list[tuple[int, int]] | None:
    """Inclusive per-axis index range of the union's bounding box, or None if both are empty.

    The range of axis k is found on the slab already narrowed along axes < k, so for a volume
    whose organ fills a small part of the array only the first pass reads the whole array.
    """
    box: list[tuple[int, int]] = []
    for ax in range(p.ndim):
        other = tuple(i for i in range(p.ndim) if i != ax)
        prof = np.flatnonzero(p.any(axis=other) | g.any(axis=other))
        if prof.size == 0:
            return None
        lo, hi = int(prof[0]), int(prof[-1])
        box.append((lo, hi))
        sl = tuple(slice(lo, hi + 1) if i == ax else slice(None) for i in range(p.ndim))
        p, g = p[sl], g[sl]
    return box

def padded_crop(m: np.ndarray, box: list[tuple[int, int]]) -> np.ndarray:
    """``m`` cropped to ``box`` inside a 1-voxel frame of zeros (C-contiguous bool)."""
    out = np.zeros(tuple(hi - lo + 3 for lo, hi in box), dtype=bool)
    out[(slice(1, -1),) * m.ndim] = m[tuple(slice(lo, hi + 1) for lo, hi in box)]
    return out

def surface(m: np.ndarray) -> np.ndarray:
    """``m XOR erode(m, cross)`` for a mask with a zero frame (so no border special case)."""
    nd = m.ndim
    core_sl = (slice(1, -1),) * nd
    core = m[core_sl]
    inner = core.copy()
    for ax in range(nd):
        for start in (0, 2):
            sl = [slice(1, -1)] * nd
            sl[ax] = slice(start, start + core.shape[ax])
            inner &= m[tuple(sl)]
    surf = np.zeros_like(m)
    surf[core_sl] = core & ~inner
    return surf

def edt_px_2d(target: np.ndarray) -> np.ndarray:
    """Exact Euclidean distance (pixels, float32) from every pixel to the nearest True of ``target``."""
    src = np.logical_not(target).view(np.uint8)
    return cv2.distanceTransform(src, cv2.DIST_L2, cv2.DIST_MASK_PRECISE)

def exact_px(d32: np.ndarray) -> np.ndarray:
    """Float32 OpenCV pixel distances -> exact float64 ``sqrt(integer)`` values.

    OpenCV's precise transform is exact up to float32 rounding (relative error < 1e-7); the true
    squared distance between pixel centres is an integer, so rounding it recovers the exact value
    (safe while the rounding error of ``d**2`` stays < 0.5, i.e. for d below ~1000 pixels; larger
    distances keep the float32 value).
    """
    d = d32.astype(np.float64)
    return np.where(d < 1024.0, np.sqrt(np.rint(d * d)), d)

def slice_sq_maps(target: np.ndarray) -> np.ndarray:
    """Per-slice exact squared in-plane distance (pixels^2) to ``target``, for a (Z, H, W) volume.

    ``Q[z, y, x] = min over target pixels (y', x') of slice z of (y - y')^2 + (x - x')^2`` (an
    integer, recovered exactly from OpenCV's float32 transform), ``inf`` on slices without target.
    The 3-D squared distance with spacing (sz, s, s) is then
    ``min over z' of s^2 Q[z', y, x] + sz^2 (z - z')^2`` (the separable form of the EDT).
    """
    q = np.full(target.shape, np.inf, dtype=np.float32)
    for z in np.flatnonzero(target.reshape(target.shape[0], -1).any(axis=1)):
        d = cv2.distanceTransform(
            np.logical_not(target[z]).view(np.uint8), cv2.DIST_L2, cv2.DIST_MASK_PRECISE
        )
        np.multiply(d, d, out=d)
        # float32 relative error < 2.5e-7 on d^2: rounding is exact below 1024^2 (and integers
        # up to 2^24 are exact in float32)
        q[z] = np.where(d < 1024.0**2, np.rint(d), d)
    return q

def sparse_min_sq(q: np.ndarray, pts: np.ndarray, wz: float, wyx: float) -> np.ndarray:
    """``min over z' of wyx * q[z', y, x] + wz * (z - z')^2`` at the points ``pts`` (n, 3).

    Exact 3-D squared distances at sparse points from per-slice maps: slices are visited in order
    of increasing ``|z - z'|`` and a point stops as soon as ``wz * dz^2`` exceeds its best value,
    so for surface-to-surface distances only a few slices are read per point. Loops over slice
    offsets, never over voxels.
    """
    z, y, x = pts[:, 0], pts[:, 1], pts[:, 2]
    best = wyx * q[z, y, x].astype(np.float64)
    active = np.arange(len(pts))
    nz = q.shape[0]
    for dz in range(1, nz):
        dz2 = wz * dz * dz
        active = active[best[active] > dz2]
        if active.size == 0:
            break
        za = z[active]
        for zz in (za - dz, za + dz):
            ok = (zz >= 0) & (zz < nz)
            idx = active[ok]
            cand = wyx * q[zz[ok], y[idx], x[idx]].astype(np.float64) + dz2
            best[idx] = np.minimum(best[idx], cand)
    return best

def nearest_distances(
    src: np.ndarray, dst: np.ndarray, scale: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray]:
    """Distances from each True voxel of ``src`` to the nearest of ``dst`` and vice versa (k-d tree)."""
    ps = np.argwhere(src).astype(np.float64)
    pd = np.argwhere(dst).astype(np.float64)
    if scale is not None:
        ps *= scale
        pd *= scale
    w_s = -1 if len(ps) >= _KDTREE_PARALLEL_MIN else 1
    w_d = -1 if len(pd) >= _KDTREE_PARALLEL_MIN else 1
    d_sd = cKDTree(pd).query(ps, k=1, workers=w_s)[0]
    d_ds = cKDTree(ps).query(pd, k=1, workers=w_d)[0]
    return d_sd, d_ds

def erode_box(m: np.ndarray, d: int) -> np.ndarray:
    """Erosion by a (2d+1)^n box (= d iterations of the 3^n box) of a mask with a zero frame.

    2-D: ``cv2.erode`` with the 3x3 kernel and ``d`` iterations, as boundary-iou-api does (OpenCV
    merges the iterations into one separable box). 3-D: the box is separable, and because every
    slice, row and column of the padded crop starts and ends with a zero, a window that runs past
    a slice in the flattened views below always covers a zero, exactly as a window running past
    the array would; so ``(D*H, W)`` is eroded in-plane and ``(D, H*W)`` along z, both by OpenCV.
    """
    if m.ndim == 2:
        return cv2.erode(m.view(np.uint8), np.ones((3, 3), np.uint8), iterations=d).view(np.bool_)
    nz, ny, nx = m.shape
    k = 2 * d + 1
    inplane = cv2.erode(m.view(np.uint8).reshape(nz * ny, nx), np.ones((k, k), np.uint8))
    out = cv2.erode(inplane.reshape(nz, ny * nx), np.ones((k, 1), np.uint8))
    return out.reshape(nz, ny, nx).view(np.bool_)
