"""Morphology and exact Euclidean distances on cropped masks: the kernels every metric family shares.

Both masks are cropped to the bounding box of their union plus a 1-voxel zero frame before any
morphology or distance transform (:func:`union_box`, :func:`padded_crop`), so cost scales with the
organ, not the image. Distances between two sets of grid points (voxel surfaces, DeepMind's surfels
on the corner grid) all come from :func:`directed_distances`, exact in every path:

* 2-D, isotropic spacing: OpenCV's Euclidean distance transform (``DIST_MASK_PRECISE``, float32 made
  exact by rounding the integer squared distance), read at the points of the other set;
* 3-D with equal in-plane spacing (isotropic or the usual CT/MR ``(sz, s, s)``): the same transform
  per slice, the z direction added by a pruned search over slice offsets evaluated only at the
  points (the separable form of the EDT);
* otherwise (anisotropic in-plane spacing): a k-d tree over the scaled point coordinates, the
  distance recomputed from the integer offset in ``scipy.ndimage.distance_transform_edt``'s
  operation order.
"""

from __future__ import annotations

import cv2
import numpy as np
from scipy.spatial import cKDTree

__all__ = ["union_box", "padded_crop", "surface", "edt_px_2d", "exact_px", "slice_sq_maps", "sparse_min_sq",
           "exact_distances", "nearest_distances", "coords", "uses_maps", "distance_map", "directed_distances",
           "erode_box"]

_KDTREE_PARALLEL_MIN = 20_000  # below this many query points threads cost more than they save

Maps = tuple[np.ndarray, np.ndarray]


def _first_last_slice(p: np.ndarray, g: np.ndarray) -> tuple[int, int] | None:
    """First and last index along axis 0 where ``p`` or ``g`` has a True, scanning in from both ends."""
    n = p.shape[0]
    lo = 0
    while lo < n and not (p[lo].any() or g[lo].any()):
        lo += 1
    if lo == n:
        return None
    hi = n - 1
    while not (p[hi].any() or g[hi].any()):
        hi -= 1
    return lo, hi


def _range(profile: np.ndarray) -> tuple[int, int]:
    idx = np.flatnonzero(profile)
    return int(idx[0]), int(idx[-1])


def union_box(p: np.ndarray, g: np.ndarray) -> list[tuple[int, int]] | None:
    """Inclusive per-axis index range of the union's bounding box, or None if both are empty.

    2-D: one projection per axis. 3-D: the slice range is found by scanning in from both ends (only
    the empty slices outside the organ and one slice each side are read), then the in-plane ranges
    from the projection of the slab onto the plane, so each mask is read about once.
    """
    if p.ndim == 2:
        rows = p.any(axis=1) | g.any(axis=1)
        if not rows.any():
            return None
        return [_range(rows), _range(p.any(axis=0) | g.any(axis=0))]
    zr = _first_last_slice(p, g)
    if zr is None:
        return None
    z0, z1 = zr
    proj = p[z0 : z1 + 1].any(axis=0) | g[z0 : z1 + 1].any(axis=0)
    return [zr, _range(proj.any(axis=1)), _range(proj.any(axis=0))]


def padded_crop(m: np.ndarray, box: list[tuple[int, int]]) -> np.ndarray:
    """``m`` cropped to ``box`` inside a 1-voxel frame of zeros (C-contiguous bool)."""
    out = np.zeros(tuple(hi - lo + 3 for lo, hi in box), dtype=bool)
    out[(slice(1, -1),) * m.ndim] = m[tuple(slice(lo, hi + 1) for lo, hi in box)]
    return out


def surface(m: np.ndarray) -> np.ndarray:
    """``m XOR erode(m, cross)`` for a mask with a zero frame (so no border special case).

    The surface S(M) of medpy, MONAI and the voxel-boundary NSD: foreground voxels with a
    face-connected background neighbour.
    """
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
    np.greater(core, inner, out=surf[core_sl])  # core & ~inner
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
    # float32 relative error < 2.5e-7 on d^2: rounding is exact below 1024^2 (and integers up to
    # 2^24 are exact in float32); no in-plane distance reaches that on slices below ~724 px a side
    small = (target.shape[1] - 1) ** 2 + (target.shape[2] - 1) ** 2 < 1024**2
    for z in np.flatnonzero(target.reshape(target.shape[0], -1).any(axis=1)):
        d = cv2.distanceTransform(
            np.logical_not(target[z]).view(np.uint8), cv2.DIST_L2, cv2.DIST_MASK_PRECISE
        )
        np.multiply(d, d, out=d)
        if small:
            np.rint(d, out=q[z])
        else:
            q[z] = np.where(d < 1024.0**2, np.rint(d), d)
    return q


def sparse_min_sq(q: np.ndarray, flat: np.ndarray, wz: float, wyx: float, cap: float | None = None) -> np.ndarray:
    """``min over z' of wyx * q[z', y, x] + wz * (z - z')^2`` at the points with flat indices ``flat`` of ``q``.

    Exact 3-D squared distances at sparse points from per-slice maps: slices are visited in order
    of increasing ``|z - z'|`` and a point stops as soon as ``wz * dz^2`` exceeds its best value,
    so for surface-to-surface distances only a few slices are read per point. Loops over slice
    offsets, never over voxels. With ``cap``, a point also stops once its value is ``<= cap`` and
    the search ends at ``wz * dz^2 > cap``: values ``<= cap`` are exact, larger ones only known to
    be ``> cap`` (enough to count the points within a tolerance).
    """
    nz = q.shape[0]
    plane = q.shape[1] * q.shape[2]
    qf = q.reshape(-1)
    best = qf[flat].astype(np.float64)
    if wyx != 1.0:
        best *= wyx
    floor = 0.0 if cap is None else cap
    active = np.flatnonzero(best > max(wz, floor))
    fa = flat[active]
    za = fa // plane
    for dz in range(1, nz):
        dz2 = wz * dz * dz
        if cap is not None and dz2 > cap:
            break
        keep = best[active] > max(dz2, floor)
        if not keep.all():
            active, fa, za = active[keep], fa[keep], za[keep]
        if active.size == 0:
            break
        step = dz * plane
        for ok, fz in ((za >= dz, fa - step), (za < nz - dz, fa + step)):
            idx = active[ok]
            cand = qf[fz[ok]].astype(np.float64)
            if wyx != 1.0:
                cand *= wyx
            cand += dz2
            np.minimum(best[idx], cand, out=cand)
            best[idx] = cand
    return best


def exact_distances(offsets: np.ndarray, spacing: tuple[float, ...]) -> np.ndarray:
    """``sqrt(sum((k_i * s_i) ** 2))`` for integer offsets ``k`` (n, ndim), in scipy EDT's operation order."""
    acc = None
    for ax, s in enumerate(spacing):
        t = offsets[:, ax].astype(np.float64)
        t *= s
        t *= t
        acc = t if acc is None else acc + t
    assert acc is not None
    return np.sqrt(acc)


def nearest_distances(ps: np.ndarray, pd: np.ndarray, spacing: tuple[float, ...]) -> Maps:
    """Distances from each point of ``ps`` (n, ndim) to the nearest of ``pd`` and back (k-d tree, exact).

    The nearest point is found over the spacing-scaled coordinates; the distance is then recomputed
    from the integer offset (:func:`exact_distances`), so it is the same float as scipy's EDT gives.
    """
    sp = np.asarray(spacing, dtype=np.float64)
    xs, xd = ps * sp, pd * sp
    w_s = -1 if len(ps) >= _KDTREE_PARALLEL_MIN else 1
    w_d = -1 if len(pd) >= _KDTREE_PARALLEL_MIN else 1
    i_sd = cKDTree(xd).query(xs, k=1, workers=w_s)[1]
    i_ds = cKDTree(xs).query(xd, k=1, workers=w_d)[1]
    return exact_distances(pd[i_sd] - ps, spacing), exact_distances(ps[i_ds] - pd, spacing)


def coords(flat: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Integer coordinates (n, ndim) of flat indices into an array of ``shape`` (``np.argwhere`` order)."""
    return np.stack(np.unravel_index(flat, shape), axis=1)


def uses_maps(spacing: tuple[float, ...]) -> bool:
    """Whether :func:`directed_distances` reads per-slice/per-image distance maps for this spacing.

    True for 2-D isotropic and for 3-D with equal in-plane spacing; False means the k-d tree path.
    """
    if len(spacing) == 2:
        return spacing[0] == spacing[1]
    return spacing[1] == spacing[2]


def distance_map(target: np.ndarray) -> np.ndarray:
    """Pixel distance map to ``target``: 2-D Euclidean (:func:`edt_px_2d`), 3-D per-slice squared (:func:`slice_sq_maps`)."""
    return edt_px_2d(target) if target.ndim == 2 else slice_sq_maps(target)


def directed_distances(
    src: np.ndarray,
    dst: np.ndarray,
    spacing: tuple[float, ...],
    maps: Maps | None = None,
    index: Maps | None = None,
) -> Maps:
    """Exact Euclidean distances from each True element of ``src`` to the nearest True of ``dst`` and back.

    The common kernel of every distance-based metric (HD, HD95, ASD, RMSD, NSD, the distance
    variant of the boundary F, the surfel conventions). Both sets must be non-empty and on the same
    grid; results are in ``spacing`` units (float64), in C scan order of the points.

    Args:
        src: boolean point set (2-D or 3-D grid).
        dst: boolean point set on the same grid.
        spacing: grid step per axis.
        maps: ``(distance_map(src), distance_map(dst))`` if already computed (read when :func:`uses_maps`).
        index: ``(np.flatnonzero(src), np.flatnonzero(dst))`` if already computed.

    Returns:
        ``(d(src -> dst), d(dst -> src))``.
    """
    i_src, i_dst = index if index is not None else (np.flatnonzero(src), np.flatnonzero(dst))
    if not uses_maps(spacing):
        return nearest_distances(coords(i_src, src.shape), coords(i_dst, dst.shape), spacing)
    m_src, m_dst = maps if maps is not None else (distance_map(src), distance_map(dst))
    if src.ndim == 2:
        d_sd, d_ds = exact_px(m_dst.reshape(-1)[i_src]), exact_px(m_src.reshape(-1)[i_dst])
        s = spacing[0]
        if s != 1.0:
            d_sd *= s
            d_ds *= s
        return d_sd, d_ds
    sz, s = spacing[0], spacing[1]
    wz, wyx = sz * sz, s * s
    d_sd = sparse_min_sq(m_dst, i_src, wz, wyx)
    d_ds = sparse_min_sq(m_src, i_dst, wz, wyx)
    return np.sqrt(d_sd, out=d_sd), np.sqrt(d_ds, out=d_ds)


def erode_box(m: np.ndarray, d: int) -> tuple[np.ndarray, tuple[slice, ...]]:
    """Erosion by a (2d+1)^n box (= d iterations of the 3^n box) of a mask with a zero frame.

    Returned as ``(block, where)``: the eroded mask is ``block`` on ``m[where]`` and zero elsewhere
    (in 3-D the erosion is usually a small core, so only that block is stored and counted).

    2-D: ``cv2.erode`` with the 3x3 kernel and ``d`` iterations, as boundary-iou-api does (OpenCV
    merges the iterations into one separable box); ``where`` is the whole crop. 3-D: the box is
    separable; z first: ``(D, H*W)`` is eroded along z by OpenCV, then the in-plane erosion runs
    only on the bounding box of that result (inside a zero frame), as ``(D'*H', W')`` with a
    ``(2d+1)^2`` box. Because every slice, row and column of those blocks starts and ends with a
    zero, a window that runs past a slice in the flattened views always covers a zero, exactly as a
    window running past the array would.
    """
    full = tuple(slice(0, n) for n in m.shape)
    if m.ndim == 2:
        return cv2.erode(m.view(np.uint8), np.ones((3, 3), np.uint8), iterations=d).view(np.bool_), full
    nz, ny, nx = m.shape
    k = 2 * d + 1
    ez = cv2.erode(m.view(np.uint8).reshape(nz, ny * nx), np.ones((k, 1), np.uint8)).reshape(nz, ny, nx)
    box = union_box(ez, ez)
    if box is None:
        return np.zeros((0, 0, 0), dtype=bool), (slice(0, 0),) * 3
    block = padded_crop(ez.view(np.bool_), box)  # the frame lies inside m: ez is zero on m's frame
    bz, by, bx = block.shape
    out = cv2.erode(block.view(np.uint8).reshape(bz * by, bx), np.ones((k, k), np.uint8))
    return out.reshape(bz, by, bx).view(np.bool_), tuple(slice(lo - 1, hi + 2) for lo, hi in box)
