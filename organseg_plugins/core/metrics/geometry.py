"""Morphology and exact Euclidean distances on cropped masks: the kernels every metric family shares.

Both masks are cropped to the bounding box of their union plus a 1-voxel zero frame before any
morphology or distance transform (:func:`union_box`, :func:`padded_crop`), so cost scales with the
organ, not the image. Distances between two sets of grid points (voxel surfaces, DeepMind's surfels
on the corner grid) all come from :func:`directed_distances`, exact in every path:

* 2-D, isotropic spacing: OpenCV's Euclidean distance transform (``DIST_MASK_PRECISE``, float32 made
  exact by rounding the integer squared distance), read at the points of the other set;
* 3-D with equal in-plane spacing (isotropic or the usual CT/MR ``(sz, s, s)``): the same transform
  per slice (:class:`SliceMaps`: on each slice only over the box where the map is read, the rest
  computed on demand), the z direction added by a pruned search over slice offsets evaluated only
  at the points (the separable form of the EDT);
* otherwise (anisotropic in-plane spacing): a k-d tree over the scaled point coordinates, the
  distance recomputed from the integer offset in ``scipy.ndimage.distance_transform_edt``'s
  operation order.
"""

from __future__ import annotations

import math

import cv2
import numpy as np
from scipy.spatial import cKDTree

__all__ = ["union_box", "padded_crop", "surface", "edt_px_2d", "exact_px", "slice_sq_maps", "SliceMaps",
           "sparse_min_sq", "exact_distances", "nearest_distances", "coords", "uses_maps", "distance_map",
           "directed_distances", "within_2d", "erode_box"]

_KDTREE_PARALLEL_MIN = 20_000  # below this many query points threads cost more than they save
_BRUTE_PER_PIXEL = 1.0  # SliceMaps: point-wise work on a slice (points x columns or target pixels) per slice
# pixel beyond which the slice is transformed whole instead

Maps = tuple[np.ndarray, np.ndarray]
_CROSS = np.array([[0, 1, 0], [1, 1, 1], [0, 1, 0]], dtype=np.uint8)


def _first_last_slice(p: np.ndarray, g: np.ndarray) -> tuple[int, int] | None:
    """First and last index along axis 0 where ``p`` or ``g`` has a True, scanning in from both ends."""
    n = p.shape[0]
    lo = 0
    while lo < n and not (p[lo].any() or (g is not p and g[lo].any())):
        lo += 1
    if lo == n:
        return None
    hi = n - 1
    while not (p[hi].any() or (g is not p and g[hi].any())):
        hi -= 1
    return lo, hi


def _range(profile: np.ndarray) -> tuple[int, int]:
    idx = np.flatnonzero(profile)
    return int(idx[0]), int(idx[-1])


def union_box(p: np.ndarray, g: np.ndarray) -> list[tuple[int, int]] | None:
    """Inclusive per-axis index range of the union's bounding box, or None if both are empty (``g`` may be ``p``).

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
    proj = p[z0 : z1 + 1].any(axis=0)
    if g is not p:
        proj |= g[z0 : z1 + 1].any(axis=0)
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
    u = m.view(np.uint8)
    if m.ndim == 2:
        return np.greater(u, cv2.erode(u, _CROSS))  # core & ~inner (the zero frame erodes to zero)
    nz, ny, nx = m.shape
    # in-plane cross on the (Z*H, W) image: a slice's first/last row only meets the zero frame rows of its
    # neighbours, as at the array border; then the z neighbours
    inner = cv2.erode(u.reshape(nz * ny, nx), _CROSS).reshape(nz, ny, nx)
    inner[1:-1] &= u[:-2]
    inner[1:-1] &= u[2:]
    return np.greater(u, inner)  # core & ~inner (frame slices: m is zero there)


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
    inv = np.logical_not(target).view(np.uint8)
    for z in np.flatnonzero(target.reshape(target.shape[0], -1).any(axis=1)):
        d = cv2.distanceTransform(inv[z], cv2.DIST_L2, cv2.DIST_MASK_PRECISE)
        np.multiply(d, d, out=d)
        if small:
            np.rint(d, out=q[z])
        else:
            q[z] = np.where(d < 1024.0**2, np.rint(d), d)
    return q


def _first_last(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """First and last True index along axis 1 of a 2-D bool array (0 and ``n - 1`` for an all-False row)."""
    n = rows.shape[1]
    return np.argmax(rows, axis=1), n - 1 - np.argmax(rows[:, ::-1], axis=1)


def _near_slices(a: np.ndarray, reach: int) -> np.ndarray:
    """``out[z] = a[z - reach] | ... | a[z + reach]`` for a (Z, n) bool array (slices beyond the ends absent)."""
    out = a.copy()
    for dz in range(1, min(reach, a.shape[0] - 1) + 1):
        out[dz:] |= a[:-dz]
        out[:-dz] |= a[dz:]
    return out


class SliceMaps:
    """Per-slice exact squared in-plane distances (pixels^2) to ``target``, computed only where they are read.

    ``q`` holds the values of :func:`slice_sq_maps` (an exact integer as float32, ``inf`` on slices without
    target), except that each slice's transform first runs only on a box: the bounding box of the slice's
    target grown by ``margin`` pixels, joined with the bounding box of ``near`` (the points that read the
    map) in slices ``z - reach .. z + reach`` -- about half the slice area for an organ, whose
    cross-section shrinks towards its ends. Outside the box ``q`` is NaN (unknown): :meth:`values_at` computes
    it where it is needed, :meth:`complete` for whole slices. An unknown value is bounded from below by
    :meth:`lower_bound` (the squared gap to the slice's target bounding box), so a search reads it only when
    it could lower a distance, and it exceeds ``margin^2`` (so any test ``q <= r^2`` with ``r < margin + 1``
    reads NaN as False correctly).
    """

    def __init__(self, target: np.ndarray, near: np.ndarray | None = None, margin: int = 0, reach: int = 1) -> None:
        nz, ny, nx = target.shape
        self.shape = target.shape
        self.margin = int(margin)
        self._inv = np.logical_not(target).view(np.uint8)
        rows, cols = target.any(axis=2), target.any(axis=1)  # (Z, H), (Z, W)
        self.has = rows.any(axis=1)
        #: the target's bounding box per slice (meaningless where ``has`` is False)
        self.ty0, self.ty1 = _first_last(rows)
        self.tx0, self.tx1 = _first_last(cols)
        # the box: the target's bounding box grown by the margin, joined with the near points' one
        by0 = np.maximum(self.ty0 - self.margin, 0)
        by1 = np.minimum(self.ty1 + self.margin, ny - 1)
        bx0 = np.maximum(self.tx0 - self.margin, 0)
        bx1 = np.minimum(self.tx1 + self.margin, nx - 1)
        if near is not None:
            n_rows = _near_slices(near.any(axis=2), reach)
            n_cols = _near_slices(near.any(axis=1), reach)
            has_near = n_rows.any(axis=1)
            ny0, ny1 = _first_last(n_rows)
            nx0, nx1 = _first_last(n_cols)
            by0 = np.where(has_near, np.minimum(by0, ny0), by0)
            by1 = np.where(has_near, np.maximum(by1, ny1), by1)
            bx0 = np.where(has_near, np.minimum(bx0, nx0), bx0)
            bx1 = np.where(has_near, np.maximum(bx1, nx1), bx1)
        self.box = (by0, by1, bx0, bx1)
        self.q = np.full(target.shape, np.nan, dtype=np.float32)
        self.q[~self.has] = np.inf
        self.complete_slices = ~self.has  # slices whose every value is known
        self._coords: dict[int, tuple[np.ndarray, np.ndarray]] = {}  # target pixels of a slice searched point-wise
        self._profiles: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}  # see _profile
        self._work: dict[int, int] = {}  # point-target pairs searched per slice (beyond a budget: completed)
        # float32 relative error < 2.5e-7 on d^2: rounding is exact below 1024^2 (and integers up to
        # 2^24 are exact in float32); no in-plane distance reaches that on slices below ~724 px a side
        self._small = (ny - 1) ** 2 + (nx - 1) ** 2 < 1024**2
        for z in np.flatnonzero(self.has):
            y0, y1, x0, x1 = int(by0[z]), int(by1[z]) + 1, int(bx0[z]), int(bx1[z]) + 1
            self._fill(z, y0, y1, x0, x1)
            if y0 == 0 and x0 == 0 and y1 == ny and x1 == nx:
                self.complete_slices[z] = True

    def _fill(self, z: int, y0: int, y1: int, x0: int, x1: int) -> None:
        """Exact squared distances on ``[y0, y1) x [x0, x1)`` of slice ``z``, which holds all of its target."""
        d = cv2.distanceTransform(np.ascontiguousarray(self._inv[z, y0:y1, x0:x1]), cv2.DIST_L2,
                                  cv2.DIST_MASK_PRECISE)
        np.multiply(d, d, out=d)
        out = self.q[z, y0:y1, x0:x1]
        if self._small:
            np.rint(d, out=out)
        else:
            out[...] = np.where(d < 1024.0**2, np.rint(d), d)

    def values_at(self, flat: np.ndarray) -> np.ndarray:
        """Exact ``q`` (float32) at flat indices whose slices hold target, computing what is unknown.

        A point outside every column's target span (above its topmost or below its bottommost target pixel, as
        a point beyond the organ is) gets ``min over columns c of (c - x)^2 + gap_c^2`` from the slice's column
        profile; the others are searched against each target pixel of the slice. Once that work on a slice
        exceeds about one transform of it, the slice is completed (:meth:`complete`) and read.
        """
        v = self.q.reshape(-1)[flat]
        unknown = np.flatnonzero(np.isnan(v))
        if unknown.size == 0:
            return v
        plane = self.shape[1] * self.shape[2]
        zs = flat[unknown] // plane
        order = np.argsort(zs, kind="stable")
        cuts = np.flatnonzero(np.diff(zs[order])) + 1
        for part in np.split(order, cuts):
            z = int(zs[part[0]])
            at = unknown[part]
            if not self.complete_slices[z] and self._small and self._work.get(z, 0) <= _BRUTE_PER_PIXEL * plane:
                y, x = np.divmod((flat[at] - z * plane).astype(np.int32), self.shape[2])
                cols, top, bottom = self._profile(z)
                self._work[z] = self._work.get(z, 0) + at.size * cols.size
                gap = np.maximum(np.maximum(top[None, :] - y[:, None], y[:, None] - bottom[None, :]), 0)
                outside = ~(gap == 0).any(axis=1)  # exact: the column's nearest target is its top or bottom one
                dx = cols[None, :] - x[:, None]
                v[at[outside]] = (gap[outside] ** 2 + dx[outside] ** 2).min(axis=1)
                at, y, x = at[~outside], y[~outside], x[~outside]
                if at.size == 0:
                    continue
                ty, tx = self._coords[z]
                work = self._work.get(z, 0) + at.size * ty.size  # point-target pairs searched in this slice so far
                if work <= _BRUTE_PER_PIXEL * plane:
                    self._work[z] = work
                    v[at] = ((y[:, None] - ty[None, :]) ** 2 + (x[:, None] - tx[None, :]) ** 2).min(axis=1)
                    continue
            self.complete(np.array([z]))  # (large slices too: the values as the transform rounds them)
            v[at] = self.q.reshape(-1)[flat[at]]
        return v

    def _profile(self, z: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The columns of slice ``z`` holding target, with their topmost and bottommost target rows (int32)."""
        if z not in self._coords:
            t = np.logical_not(self._inv[z])
            ty, tx = np.nonzero(t)
            self._coords[z] = ty.astype(np.int32), tx.astype(np.int32)
            cols = np.flatnonzero(t.any(axis=0))
            top = np.argmax(t[:, cols], axis=0)
            bottom = t.shape[0] - 1 - np.argmax(t[::-1, cols], axis=0)
            self._profiles[z] = cols.astype(np.int32), top.astype(np.int32), bottom.astype(np.int32)
        return self._profiles[z]

    def complete(self, slices: np.ndarray) -> None:
        """Compute the whole of each of ``slices`` (slice indices) that is not complete yet."""
        for z in np.unique(slices):
            if not self.complete_slices[z]:
                self._fill(int(z), 0, self.shape[1], 0, self.shape[2])
                self.complete_slices[z] = True

    def lower_bound(self, flat: np.ndarray) -> np.ndarray:
        """A lower bound (pixels^2, int64) of ``q`` at flat indices whose slice holds target: the squared gap
        from the point to the slice's target bounding box."""
        plane = self.shape[1] * self.shape[2]
        z, rest = np.divmod(flat, plane)
        y, x = np.divmod(rest, self.shape[2])
        gy = np.maximum(np.maximum(self.ty0[z] - y, y - self.ty1[z]), 0)
        gx = np.maximum(np.maximum(self.tx0[z] - x, x - self.tx1[z]), 0)
        return gy * gy + gx * gx

    def ensure_margin(self, m: int) -> None:
        """Complete every slice whose box does not cover its target's bounding box grown by ``m`` pixels, so that
        every unknown value exceeds ``m^2``."""
        if m <= self.margin:
            return
        ny, nx = self.shape[1], self.shape[2]
        by0, by1, bx0, bx1 = self.box
        short = ((by0 > np.maximum(self.ty0 - m, 0)) | (by1 < np.minimum(self.ty1 + m, ny - 1))
                 | (bx0 > np.maximum(self.tx0 - m, 0)) | (bx1 < np.minimum(self.tx1 + m, nx - 1)))
        self.complete(np.flatnonzero(short & ~self.complete_slices))
        self.margin = max(self.margin, m)


def sparse_min_sq(maps: SliceMaps, flat: np.ndarray, wz: float, wyx: float, cap: float | None = None) -> np.ndarray:
    """``min over z' of wyx * q[z', y, x] + wz * (z - z')^2`` at the points with flat indices ``flat`` of ``maps.q``.

    Exact 3-D squared distances at sparse points from per-slice maps (:class:`SliceMaps`): slices
    are visited in order of increasing ``|z - z'|`` and a point stops as soon as ``wz * dz^2``
    exceeds its best value, so for surface-to-surface distances only a few slices are read per
    point. Loops over slice offsets, never over voxels. A value not computed yet (outside its
    slice's box) is computed (:meth:`SliceMaps.values_at`) only if its lower bound could lower the
    point's best value. With ``cap``, a point also stops once its value is ``<= cap`` and the search ends
    at ``wz * dz^2 > cap``: values ``<= cap`` are exact, larger ones only known to be ``> cap``
    (enough to count the points within a tolerance).
    """
    q = maps.q
    nz = q.shape[0]
    plane = q.shape[1] * q.shape[2]
    qf = q.reshape(-1)

    def read(f: np.ndarray, dz2: float, bound: np.ndarray | None) -> np.ndarray:
        v = qf[f].astype(np.float64)
        unknown = np.flatnonzero(np.isnan(v))
        if unknown.size:
            fu = f[unknown]
            if bound is not None:  # only where the value could beat the point's best (and the cap)
                low = maps.lower_bound(fu) * wyx + dz2
                need = low < bound[unknown]
                if cap is not None:
                    need &= low <= cap
                v[unknown[~need]] = np.inf  # >= the best value: changes nothing
                unknown, fu = unknown[need], fu[need]
            v[unknown] = maps.values_at(fu)
        if wyx != 1.0:
            v *= wyx
        return v

    best = read(flat, 0.0, None)
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
            cur = best[idx]
            cand = read(fz[ok], dz2, cur)
            cand += dz2
            np.minimum(cur, cand, out=cand)
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


def distance_map(target: np.ndarray, near: np.ndarray | None = None, margin: int = 0) -> np.ndarray | SliceMaps:
    """Pixel distance map to ``target``: 2-D Euclidean (:func:`edt_px_2d`, the whole crop), 3-D per-slice squared
    (:class:`SliceMaps`, computed around the target grown by ``margin`` and the points of ``near``)."""
    return edt_px_2d(target) if target.ndim == 2 else SliceMaps(target, near, margin)


def directed_distances(
    src: np.ndarray,
    dst: np.ndarray,
    spacing: tuple[float, ...],
    maps: tuple[np.ndarray | SliceMaps, np.ndarray | SliceMaps] | None = None,
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
        maps: ``(distance_map(src, dst), distance_map(dst, src))`` if already computed (read when :func:`uses_maps`).
        index: ``(np.flatnonzero(src), np.flatnonzero(dst))`` if already computed.

    Returns:
        ``(d(src -> dst), d(dst -> src))``.
    """
    i_src, i_dst = index if index is not None else (np.flatnonzero(src), np.flatnonzero(dst))
    if not uses_maps(spacing):
        return nearest_distances(coords(i_src, src.shape), coords(i_dst, dst.shape), spacing)
    m_src, m_dst = maps if maps is not None else (distance_map(src, dst), distance_map(dst, src))
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


def within_2d(target: np.ndarray, r2: float) -> np.ndarray:
    """Pixels whose squared Euclidean distance to a True pixel of ``target`` is ``<= r2`` (2-D).

    The dilation of ``target`` by the disk of integer offsets ``i^2 + j^2 <= r2`` (OpenCV); the same
    set as thresholding the exact squared distance map, without computing the map.
    """
    r = int(math.floor(math.sqrt(max(r2, 0.0))))
    grid = np.arange(-r, r + 1)
    kernel = ((grid[:, None] ** 2 + grid[None, :] ** 2) <= r2).astype(np.uint8)
    return cv2.dilate(target.view(np.uint8), kernel).view(np.bool_)


def erode_box(m: np.ndarray, d: int) -> tuple[np.ndarray, tuple[slice, ...]]:
    """Erosion by a (2d+1)^n box (= d iterations of the 3^n box) of a mask with a zero frame.

    Returned as ``(block, where)``: the eroded mask is ``block`` on ``m[where]`` and zero elsewhere
    (in 3-D the erosion is usually a small core, so only that block is stored and counted).

    2-D: a pixel stays iff the sum of the mask over its ``(2d+1)^2`` box, read from OpenCV's integral
    image, is ``(2d+1)^2`` (boxes reaching past the array hold its zero surround, so those pixels go): the
    set that boundary-iou-api's ``cv2.erode`` with the 3x3 kernel and ``d`` iterations gives (on fresh
    512x512 pairs: 0.15 against 0.27 ms on a close prediction, equal on a perturbed one); ``where`` is the
    whole crop. 3-D: the box is
    separable; z first: ``(D, H*W)`` is eroded along z by OpenCV, then the in-plane erosion runs
    only on the bounding box of that result (inside a zero frame), as ``(D'*H', W')`` with a
    ``(2d+1)^2`` box. Because every slice, row and column of those blocks starts and ends with a
    zero, a window that runs past a slice in the flattened views always covers a zero, exactly as a
    window running past the array would.
    """
    full = tuple(slice(0, n) for n in m.shape)
    if m.ndim == 2:
        h, w = m.shape
        k = 2 * d + 1
        out = np.zeros(m.shape, dtype=bool)
        if k <= h and k <= w:
            ii = cv2.integral(m.view(np.uint8))  # ii[y, x] = sum of m[:y, :x]
            box = ii[k:, k:] - ii[:-k, k:] - ii[k:, :-k] + ii[:-k, :-k]  # box sums centred on [d, h-d) x [d, w-d)
            np.equal(box, k * k, out=out[d : h - d, d : w - d])
        return out, full
    nz, ny, nx = m.shape
    k = 2 * d + 1
    ez = cv2.erode(m.view(np.uint8).reshape(nz, ny * nx), np.ones((k, 1), np.uint8)).reshape(nz, ny, nx)
    box = union_box(ez, ez)  # the bounding box of ez alone
    if box is None:
        return np.zeros((0, 0, 0), dtype=bool), (slice(0, 0),) * 3
    block = padded_crop(ez.view(np.bool_), box)  # the frame lies inside m: ez is zero on m's frame
    bz, by, bx = block.shape
    out = cv2.erode(block.view(np.uint8).reshape(bz * by, bx), np.ones((k, k), np.uint8))
    return out.reshape(bz, by, bx).view(np.bool_), tuple(slice(lo - 1, hi + 2) for lo, hi in box)
