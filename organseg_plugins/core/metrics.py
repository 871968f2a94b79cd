"""Binary segmentation metrics for organ masks (2-D images and 3-D volumes), numpy/scipy/OpenCV only.

Why this module exists: papers report overlap (Dice, Jaccard, kappa, VOE, RVD), surface distances
in millimetres (ASD, RMSD, Hausdorff/MSD, HD95) and boundary-quality scores (Boundary IoU, trimap
IoU, boundary F-measure), and the peer libraries (MONAI, medpy) disagree on several conventions
and are slow. Here every convention is written down, checked against the peer it matches in
``tests/core/test_metrics.py``, and the whole suite for a 512x512 pair costs a few milliseconds.

Conventions (all functions):

* Masks are binary arrays of the same shape, 2-D ``(H, W)`` or 3-D ``(D, H, W)``; foreground = 1.
  ``bool`` and integer/float arrays holding only 0/1 are accepted; anything else (a 0/255 mask, a
  label map, NaN) raises :class:`~organseg_plugins.core.errors.OrgansegInputError` (a ``ValueError``).
* ``spacing`` is the pixel/voxel size in mm, in array-axis order (``(z, y, x)`` for a volume): one
  float (isotropic) or one positive finite value per axis. ``None`` means 1 (distances in pixels).
  Only the surface distances and volumes use it; the boundary scores (Boundary IoU, trimap IoU,
  boundary F-measure) are defined in pixels, like in the papers that introduced them.
* Surface of a mask ``S(M) = M XOR erode(M)`` with the face-connected (cross) structuring element
  and zero outside the array, exactly as medpy (``__surface_distances``) and MONAI
  (``get_mask_edges``) compute it. ``d(A->B)`` is the multiset of Euclidean distances (mm) from every
  surface voxel of A to the nearest surface voxel of B.
* Empty masks: both empty -> overlap scores 1 (Dice, Jaccard, precision, recall, kappa, boundary
  scores), VOE/RVD 0 and all distances 0. Exactly one empty -> overlap scores 0, VOE 1 and all
  distances ``inf``; RVD is ``inf`` when only the ground truth is empty and -1 when only the
  prediction is. (medpy returns Dice 0 and raises for distances on empty masks; MONAI returns
  nan/inf with a warning.)
* Cohen's kappa is 1 whenever the chance agreement ``Pe`` is 1, which only happens when both masks
  are the same constant image (both empty, or both full): perfect agreement.
* HD95 default (``mode="max_directed"``) is ``max(P95(d(P->G)), P95(d(G->P)))`` with linear
  interpolation, which equals MONAI ``compute_hausdorff_distance(percentile=95)``;
  ``mode="pooled"`` is ``P95(d(P->G) U d(G->P))`` which equals medpy ``hd95``.
* The symmetric ASD is pooled (Heimann et al. 2009, Sliver07):
  ``(sum d(P->G) + sum d(G->P)) / (|S(P)| + |S(G)|)`` = MONAI
  ``compute_average_surface_distance(symmetric=True)`` = medpy 0.5.x ``assd`` (which concatenates
  the two directed sets). medpy <= 0.4 ``assd`` was instead the mean of the two directed means,
  ``(mean d(P->G) + mean d(G->P)) / 2`` (``mode="mean_of_directed"`` here, to reproduce papers that
  used it); the two differ whenever the surfaces have different sizes. medpy
  ``asd(result, reference)`` is the directed ``mean d(P->G)`` (``mode="pred_to_gt"``).

Implementation: both masks are cropped to the bounding box of their union plus a 1-voxel zero
frame before any morphology or distance transform (every metric here is unchanged by this crop);
surfaces are computed once. 2-D distance maps come from OpenCV's exact Euclidean distance
transform (``DIST_MASK_PRECISE``, float32 made exact by rounding the integer squared distance) and
are only read at surface pixels. In 3-D the same transform runs per slice and the z direction is
added by a pruned search over slice offsets evaluated only at surface voxels (exact, the separable
form of the EDT). Anisotropic in-plane spacing (2-D ``(sy, sx)`` with ``sy != sx``, or 3-D with
``sy != sx``) uses a k-d tree over the scaled surface coordinates instead, also exact.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from functools import cached_property
from typing import Literal, NamedTuple

import cv2
import numpy as np
from numpy.typing import ArrayLike
from scipy.spatial import cKDTree

from organseg_plugins.core.errors import OrgansegInputError

__all__ = [
    "Confusion",
    "confusion",
    "dice",
    "jaccard",
    "iou",
    "precision",
    "recall",
    "specificity",
    "accuracy",
    "kappa",
    "overlap_from_confusion_matrix",
    "kappa_from_confusion_matrix",
    "voe",
    "rvd",
    "surface_distances",
    "hausdorff_distance",
    "percentile_hausdorff_distance",
    "hd95",
    "average_surface_distance",
    "rmsd",
    "surface_metrics",
    "boundary_iou",
    "trimap_iou",
    "boundary_precision_recall_f",
    "boundary_f_measure",
    "mask_volume",
    "mple",
    "mrva",
    "compute_all",
    "compute_per_class",
]

Spacing = float | Sequence[float] | None
HD95Mode = Literal["max_directed", "pooled"]
ASDMode = Literal["symmetric", "pred_to_gt", "gt_to_pred", "mean_of_directed"]

_KDTREE_PARALLEL_MIN = 20_000  # below this many query points threads cost more than they save
_TOL_EPS = 1e-6  # absorbs float32 rounding of OpenCV distances in "distance <= tolerance" tests


# --------------------------------------------------------------------------------------------
# Input validation
# --------------------------------------------------------------------------------------------


def _fmt_value(v: float) -> str:
    f = float(v)
    return str(int(f)) if f.is_integer() else repr(f)


def _values_text(arr: np.ndarray, limit: int = 8) -> tuple[str, set[float]]:
    vals = np.unique(arr)
    shown = ", ".join(_fmt_value(v) for v in vals[:limit])
    if vals.size > limit:
        shown += f", ... ({vals.size} distinct values)"
    return "{" + shown + "}", {float(v) for v in vals[: limit + 1]}


def _as_mask(mask: ArrayLike, name: str) -> np.ndarray:
    """Validate a binary mask and return it as a bool array (a zero-copy view when possible)."""
    arr = np.asarray(mask)
    if arr.dtype == np.bool_:
        return arr
    kind = arr.dtype.kind
    if kind not in "iuf":
        raise OrgansegInputError(f"{name} has dtype {arr.dtype}: expected a bool, integer or float 0/1 mask")
    if arr.size == 0:
        return arr.astype(bool)  # the size check in _Pair reports it
    if kind == "f":
        if np.isnan(arr).any():
            raise OrgansegInputError(f"{name} contains NaN: expected a binary 0/1 mask")
        bad = bool(((arr != 0) & (arr != 1)).any())
    elif kind == "u":
        bad = bool(arr.max() > 1)
    else:
        bad = bool(arr.min() < 0 or arr.max() > 1)
    if bad:
        text, found = _values_text(arr)
        if found <= {0.0, 255.0}:
            hint = " (a 0/255 mask? divide by 255)"
        elif all(v.is_integer() for v in found):
            hint = " (a label map? use compute_per_class with the class ids)"
        else:
            hint = " (probabilities? threshold them first)"
        raise OrgansegInputError(f"{name} has values {text}: expected 0/1{hint}")
    if arr.dtype.itemsize == 1:
        return arr.view(np.bool_)  # int8/uint8 holding only 0/1: same bytes as bool
    return arr != 0


def _as_spacing(spacing: Spacing, ndim: int) -> tuple[float, ...]:
    """Validate ``spacing`` and return one positive finite float per axis."""
    if spacing is None:
        return (1.0,) * ndim
    if np.ndim(spacing) == 0:
        try:
            vals = (float(spacing),) * ndim  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise OrgansegInputError(
                f"spacing must be a number or a sequence of numbers, got {spacing!r}"
            ) from None
    else:
        try:
            vals = tuple(float(s) for s in np.asarray(spacing, dtype=float).ravel())
        except (TypeError, ValueError):
            raise OrgansegInputError(
                f"spacing must be a number or a sequence of numbers, got {spacing!r}"
            ) from None
        if np.ndim(spacing) != 1 or len(vals) != ndim:
            raise OrgansegInputError(
                f"spacing {spacing!r} has {len(vals)} values but the masks are {ndim}-D: "
                f"give one value per array axis or a single float"
            )
    for v in vals:
        if not math.isfinite(v) or v <= 0:
            raise OrgansegInputError(f"spacing must be positive and finite (mm per voxel), got {spacing!r}")
    return vals


def _union_box(p: np.ndarray, g: np.ndarray) -> list[tuple[int, int]] | None:
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


def _padded_crop(m: np.ndarray, box: list[tuple[int, int]]) -> np.ndarray:
    """``m`` cropped to ``box`` inside a 1-voxel frame of zeros (C-contiguous bool)."""
    out = np.zeros(tuple(hi - lo + 3 for lo, hi in box), dtype=bool)
    out[(slice(1, -1),) * m.ndim] = m[tuple(slice(lo, hi + 1) for lo, hi in box)]
    return out


# --------------------------------------------------------------------------------------------
# Morphology and distances on the padded crops
# --------------------------------------------------------------------------------------------


def _surface(m: np.ndarray) -> np.ndarray:
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


def _edt_px_2d(target: np.ndarray) -> np.ndarray:
    """Exact Euclidean distance (pixels, float32) from every pixel to the nearest True of ``target``."""
    src = np.logical_not(target).view(np.uint8)
    return cv2.distanceTransform(src, cv2.DIST_L2, cv2.DIST_MASK_PRECISE)


def _exact_px(d32: np.ndarray) -> np.ndarray:
    """Float32 OpenCV pixel distances -> exact float64 ``sqrt(integer)`` values.

    OpenCV's precise transform is exact up to float32 rounding (relative error < 1e-7); the true
    squared distance between pixel centres is an integer, so rounding it recovers the exact value
    (safe while the rounding error of ``d**2`` stays < 0.5, i.e. for d below ~1000 pixels; larger
    distances keep the float32 value).
    """
    d = d32.astype(np.float64)
    return np.where(d < 1024.0, np.sqrt(np.rint(d * d)), d)


def _slice_sq_maps(target: np.ndarray) -> np.ndarray:
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


def _sparse_min_sq(q: np.ndarray, pts: np.ndarray, wz: float, wyx: float) -> np.ndarray:
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


def _nearest_distances(
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


def _erode_box(m: np.ndarray, d: int) -> np.ndarray:
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


def _safe_div(num: float, den: float, both_empty: float) -> float:
    return float(num) / float(den) if den else both_empty


# --------------------------------------------------------------------------------------------
# The shared per-pair state
# --------------------------------------------------------------------------------------------


class _Pair:
    """A validated (pred, gt) pair with lazily computed, cached intermediate results."""

    def __init__(self, pred: ArrayLike, gt: ArrayLike, spacing: Spacing = None) -> None:
        p = _as_mask(pred, "pred")
        g = _as_mask(gt, "gt")
        if p.shape != g.shape:
            raise OrgansegInputError(f"shape mismatch: pred has shape {p.shape} but gt has shape {g.shape}")
        if p.ndim not in (2, 3):
            raise OrgansegInputError(f"expected 2-D or 3-D masks, got shape {p.shape}")
        if p.size == 0:
            raise OrgansegInputError(f"masks are empty arrays (shape {p.shape})")
        self.shape: tuple[int, ...] = p.shape
        self.ndim: int = p.ndim
        self.size: int = int(p.size)
        self.spacing: tuple[float, ...] = _as_spacing(spacing, p.ndim)
        self.isotropic: bool = all(s == self.spacing[0] for s in self.spacing)
        box = _union_box(p, g)
        if box is None:
            self.p = self.g = None
            self.n_p = self.n_g = self.tp = 0
        else:
            self.p = _padded_crop(p, box)
            self.g = _padded_crop(g, box)
            self.n_p = int(np.count_nonzero(self.p))
            self.n_g = int(np.count_nonzero(self.g))
            self.tp = int(np.count_nonzero(self.p & self.g))

    # ---- overlap -------------------------------------------------------------------------

    @property
    def both_empty(self) -> bool:
        return self.n_p == 0 and self.n_g == 0

    @property
    def one_empty(self) -> bool:
        return (self.n_p == 0) != (self.n_g == 0)

    @property
    def confusion(self) -> Confusion:
        tp = self.tp
        fp = self.n_p - tp
        fn = self.n_g - tp
        return Confusion(tp, fp, fn, self.size - tp - fp - fn)

    def dice(self) -> float:
        return _safe_div(2 * self.tp, self.n_p + self.n_g, 1.0)

    def jaccard(self) -> float:
        return _safe_div(self.tp, self.n_p + self.n_g - self.tp, 1.0)

    def precision(self) -> float:
        if self.both_empty:
            return 1.0
        return _safe_div(self.tp, self.n_p, 0.0)

    def recall(self) -> float:
        if self.both_empty:
            return 1.0
        return _safe_div(self.tp, self.n_g, 0.0)

    def specificity(self) -> float:
        c = self.confusion
        return _safe_div(c.tn, c.tn + c.fp, 1.0)

    def accuracy(self) -> float:
        c = self.confusion
        return (c.tp + c.tn) / self.size

    def kappa(self) -> float:
        tp, fp, fn, tn = self.confusion
        n = self.size
        pe_num = (tp + fp) * (tp + fn) + (fn + tn) * (fp + tn)  # exact Python ints
        if pe_num == n * n:  # Pe = 1: both masks the same constant image -> perfect agreement
            return 1.0
        po = (tp + tn) / n
        pe = pe_num / (n * n)
        return (po - pe) / (1.0 - pe)

    def rvd(self) -> float:
        if self.n_g == 0:
            return 0.0 if self.n_p == 0 else math.inf
        return (self.n_p - self.n_g) / self.n_g

    # ---- surfaces and distances ----------------------------------------------------------

    @cached_property
    def surfaces(self) -> tuple[np.ndarray, np.ndarray]:
        assert self.p is not None and self.g is not None
        return _surface(self.p), _surface(self.g)

    @cached_property
    def _maps(self) -> tuple[np.ndarray, np.ndarray]:
        """Distance maps to the surface of pred and of gt, over the crop.

        2-D: Euclidean pixel distances (float32, OpenCV). 3-D: per-slice squared in-plane pixel
        distances (:func:`_slice_sq_maps`).
        """
        sp, sg = self.surfaces
        if self.ndim == 2:
            return _edt_px_2d(sp), _edt_px_2d(sg)
        return _slice_sq_maps(sp), _slice_sq_maps(sg)

    @cached_property
    def _surface_points(self) -> tuple[np.ndarray, np.ndarray]:
        sp, sg = self.surfaces
        return np.argwhere(sp), np.argwhere(sg)

    def _dists_3d(self, wz: float, wyx: float) -> tuple[np.ndarray, np.ndarray]:
        q_p, q_g = self._maps
        pts_p, pts_g = self._surface_points
        return np.sqrt(_sparse_min_sq(q_g, pts_p, wz, wyx)), np.sqrt(_sparse_min_sq(q_p, pts_g, wz, wyx))

    @cached_property
    def dists_px(self) -> tuple[np.ndarray, np.ndarray]:
        """(d(P->G), d(G->P)) in pixels (float64). Requires both masks non-empty."""
        sp, sg = self.surfaces
        if self.ndim == 2:
            to_p, to_g = self._maps
            return _exact_px(to_g[sp]), _exact_px(to_p[sg])
        return self._dists_3d(1.0, 1.0)

    @cached_property
    def dists_mm(self) -> tuple[np.ndarray, np.ndarray]:
        """(d(P->G), d(G->P)) in mm (float64). Requires both masks non-empty."""
        if self.isotropic:
            d_pg, d_gp = self.dists_px
            s = self.spacing[0]
            return (d_pg * s, d_gp * s) if s != 1.0 else (d_pg, d_gp)
        if self.ndim == 3 and self.spacing[1] == self.spacing[2]:  # the usual CT/MR case
            sz, s = self.spacing[0], self.spacing[1]
            return self._dists_3d(sz * sz, s * s)
        sp, sg = self.surfaces
        return _nearest_distances(sp, sg, np.asarray(self.spacing))

    def _distance_or_convention(self) -> float | None:
        """0 if both empty, inf if exactly one is empty, None if distances must be computed."""
        if self.both_empty:
            return 0.0
        if self.one_empty:
            return math.inf
        return None

    def hd(self) -> float:
        c = self._distance_or_convention()
        if c is not None:
            return c
        d_pg, d_gp = self.dists_mm
        return float(max(d_pg.max(), d_gp.max()))

    def hd_percentile(self, q: float, mode: HD95Mode) -> float:
        if not 0.0 <= q <= 100.0:
            raise OrgansegInputError(f"percentile must be in [0, 100], got {q}")
        if mode not in ("max_directed", "pooled"):
            raise OrgansegInputError(f"unknown HD percentile mode {mode!r}: use 'max_directed' or 'pooled'")
        c = self._distance_or_convention()
        if c is not None:
            return c
        d_pg, d_gp = self.dists_mm
        if mode == "max_directed":
            return float(max(np.percentile(d_pg, q), np.percentile(d_gp, q)))
        return float(np.percentile(np.concatenate([d_pg, d_gp]), q))

    def asd(self, mode: ASDMode) -> float:
        if mode not in ("symmetric", "pred_to_gt", "gt_to_pred", "mean_of_directed"):
            raise OrgansegInputError(
                f"unknown ASD mode {mode!r}: use 'symmetric', 'pred_to_gt', 'gt_to_pred' or 'mean_of_directed'"
            )
        c = self._distance_or_convention()
        if c is not None:
            return c
        d_pg, d_gp = self.dists_mm
        if mode == "symmetric":
            return float((d_pg.sum() + d_gp.sum()) / (d_pg.size + d_gp.size))
        if mode == "pred_to_gt":
            return float(d_pg.mean())
        if mode == "gt_to_pred":
            return float(d_gp.mean())
        return float((d_pg.mean() + d_gp.mean()) / 2.0)  # mean_of_directed

    def rmsd(self) -> float:
        c = self._distance_or_convention()
        if c is not None:
            return c
        d_pg, d_gp = self.dists_mm
        return float(math.sqrt((np.dot(d_pg, d_pg) + np.dot(d_gp, d_gp)) / (d_pg.size + d_gp.size)))

    # ---- boundary scores (pixel units) ---------------------------------------------------

    @property
    def diagonal(self) -> float:
        return float(np.linalg.norm(self.shape))

    def boundary_iou(self, dilation_ratio: float, width: int | None) -> float:
        if width is None:
            if not (math.isfinite(dilation_ratio) and dilation_ratio >= 0):
                raise OrgansegInputError(f"dilation_ratio must be >= 0, got {dilation_ratio}")
            d = max(1, int(round(dilation_ratio * self.diagonal)))
        else:
            if int(width) != width or width < 1:
                raise OrgansegInputError(f"boundary width must be an integer >= 1 pixel, got {width}")
            d = int(width)
        if self.both_empty:
            return 1.0
        if self.one_empty:
            return 0.0
        assert self.p is not None and self.g is not None
        bp = self.p & ~_erode_box(self.p, d)
        bg = self.g & ~_erode_box(self.g, d)
        inter = np.count_nonzero(bp & bg)
        union = np.count_nonzero(bp | bg)
        return inter / union

    def trimap_iou(self, width: float) -> float:
        if not (math.isfinite(width) and width >= 0):
            raise OrgansegInputError(f"trimap width must be a finite number >= 0 pixels, got {width}")
        if self.both_empty:
            return 1.0
        if self.one_empty:
            return 0.0
        assert self.p is not None and self.g is not None
        if self.ndim == 2:
            band = self._maps[1] <= width + _TOL_EPS
        else:
            q = self._maps[1]  # squared in-plane distances per slice; add (z - z')^2 across slices
            w2 = width * width + _TOL_EPS
            band = q <= w2
            for dz in range(1, min(int(math.floor(width)), q.shape[0] - 1) + 1):
                near = q <= w2 - dz * dz
                band[dz:] |= near[:-dz]
                band[:-dz] |= near[dz:]
        inter = np.count_nonzero(self.p & self.g & band)
        union = np.count_nonzero((self.p | self.g) & band)
        return inter / union

    def boundary_prf(self, tolerance: float | None, tolerance_ratio: float) -> tuple[float, float, float]:
        if tolerance is None:
            if not (math.isfinite(tolerance_ratio) and tolerance_ratio >= 0):
                raise OrgansegInputError(f"tolerance_ratio must be >= 0, got {tolerance_ratio}")
            tol = float(math.ceil(tolerance_ratio * self.diagonal))
        else:
            if not (math.isfinite(tolerance) and tolerance >= 0):
                raise OrgansegInputError(f"tolerance must be a finite number >= 0 pixels, got {tolerance}")
            tol = float(tolerance)
        if self.both_empty:
            return 1.0, 1.0, 1.0
        if self.n_p == 0:
            return 1.0, 0.0, 0.0  # DAVIS: nothing predicted -> precision 1, recall 0
        if self.n_g == 0:
            return 0.0, 1.0, 0.0
        d_pg, d_gp = self.dists_px
        lim = tol + _TOL_EPS
        prec = np.count_nonzero(d_pg <= lim) / d_pg.size
        rec = np.count_nonzero(d_gp <= lim) / d_gp.size
        f = 2 * prec * rec / (prec + rec) if prec + rec > 0 else 0.0
        return float(prec), float(rec), float(f)


# --------------------------------------------------------------------------------------------
# Public API: overlap
# --------------------------------------------------------------------------------------------


class Confusion(NamedTuple):
    """Pixel/voxel confusion counts of a binary prediction against the ground truth."""

    tp: int
    fp: int
    fn: int
    tn: int


def confusion(pred: ArrayLike, gt: ArrayLike) -> Confusion:
    """Confusion counts, the base of every overlap score.

    ``TP = |P & G|``, ``FP = |P & ~G|``, ``FN = |~P & G|``, ``TN = |~P & ~G|``; they sum to the
    number of pixels/voxels N.

    Args:
        pred: binary prediction (2-D or 3-D, 0/1 or bool).
        gt: binary ground truth, same shape.

    Returns:
        ``Confusion(tp, fp, fn, tn)`` as Python ints.

    Raises:
        OrgansegInputError: shape mismatch or non-binary input (a ``ValueError``).
    """
    return _Pair(pred, gt).confusion


def dice(pred: ArrayLike, gt: ArrayLike) -> float:
    """Dice similarity coefficient (= F1 of the foreground), the most reported overlap score.

    ``Dice = 2 TP / (2 TP + FP + FN) = 2 |P & G| / (|P| + |G|)``; 1.0 when both masks are empty
    (medpy ``dc`` returns 0 there), 0.0 when exactly one is.

    Args:
        pred: binary prediction.
        gt: binary ground truth, same shape.

    Returns:
        Dice in [0, 1].
    """
    return _Pair(pred, gt).dice()


def jaccard(pred: ArrayLike, gt: ArrayLike) -> float:
    """Jaccard index / intersection over union, the overlap score of the segmentation benchmarks.

    ``J = TP / (TP + FP + FN) = |P & G| / |P | G|``; 1.0 when both masks are empty.

    Args:
        pred: binary prediction.
        gt: binary ground truth, same shape.

    Returns:
        Jaccard in [0, 1].
    """
    return _Pair(pred, gt).jaccard()


iou = jaccard


def precision(pred: ArrayLike, gt: ArrayLike) -> float:
    """Precision (positive predictive value): how much of the prediction is organ.

    ``precision = TP / (TP + FP)``; 1.0 when both masks are empty, 0.0 when only the prediction is
    empty (no positive predictions; medpy returns 0 there too).

    Args:
        pred: binary prediction.
        gt: binary ground truth, same shape.

    Returns:
        Precision in [0, 1].
    """
    return _Pair(pred, gt).precision()


def recall(pred: ArrayLike, gt: ArrayLike) -> float:
    """Recall (sensitivity): how much of the organ was found.

    ``recall = TP / (TP + FN)``; 1.0 when both masks are empty, 0.0 when only the ground truth is.

    Args:
        pred: binary prediction.
        gt: binary ground truth, same shape.

    Returns:
        Recall in [0, 1].
    """
    return _Pair(pred, gt).recall()


def specificity(pred: ArrayLike, gt: ArrayLike) -> float:
    """Specificity (true negative rate), reported next to sensitivity in clinical papers.

    ``specificity = TN / (TN + FP)``; 1.0 when the ground truth covers the whole image and the
    prediction does too (no negatives).

    Args:
        pred: binary prediction.
        gt: binary ground truth, same shape.

    Returns:
        Specificity in [0, 1].
    """
    return _Pair(pred, gt).specificity()


def accuracy(pred: ArrayLike, gt: ArrayLike) -> float:
    """Pixel accuracy (dominated by background for small organs; reported for completeness).

    ``accuracy = (TP + TN) / N``.

    Args:
        pred: binary prediction.
        gt: binary ground truth, same shape.

    Returns:
        Accuracy in [0, 1].
    """
    return _Pair(pred, gt).accuracy()


def kappa(pred: ArrayLike, gt: ArrayLike) -> float:
    """Cohen's kappa: agreement corrected for the agreement expected by chance.

    ``kappa = (Po - Pe) / (1 - Pe)`` with ``Po = (TP + TN) / N`` and
    ``Pe = ((TP + FP)(TP + FN) + (FN + TN)(FP + TN)) / N^2``. When ``Pe = 1`` (both masks the same
    constant image, e.g. both empty) kappa is defined as 1.0 (perfect agreement).

    Args:
        pred: binary prediction.
        gt: binary ground truth, same shape.

    Returns:
        Kappa in [-1, 1].
    """
    return _Pair(pred, gt).kappa()


def overlap_from_confusion_matrix(cm: ArrayLike) -> dict[str, np.ndarray]:
    """Per-class precision, recall, IoU and Dice (one-vs-rest) of a ``K x K`` confusion matrix.

    Rows are ground-truth classes, columns predictions (``cm[g, p]`` pixels), so that a dataset's matrix is
    the sum of its images' (the "pooled" convention of mmseg's IoUMetric and the spleen paper's Table 2).
    A class absent from both ground truth and prediction scores 1 (the empty-mask convention above).

    Args:
        cm: non-negative counts, shape ``(K, K)``.

    Returns:
        ``{"precision", "recall", "iou", "dice"}``, each an array of ``K`` fractions.
    """
    cm = np.asarray(cm, dtype=np.float64)
    if cm.ndim != 2 or cm.shape[0] != cm.shape[1] or (cm < 0).any():
        raise OrgansegInputError(f"confusion matrix must be square and non-negative, got shape {cm.shape}")
    tp = np.diag(cm)
    fp = cm.sum(0) - tp
    fn = cm.sum(1) - tp

    def ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
        return np.where(den > 0, num / np.maximum(den, 1e-300), 1.0)

    return dict(precision=ratio(tp, tp + fp), recall=ratio(tp, tp + fn), iou=ratio(tp, tp + fp + fn),
                dice=ratio(2 * tp, 2 * tp + fp + fn))


def kappa_from_confusion_matrix(cm: ArrayLike) -> float:
    """Cohen's kappa ``(Po - Pe) / (1 - Pe)`` of a ``K x K`` confusion matrix (1 when ``Pe == 1``).

    For ``K = 2`` this equals :func:`kappa` of the two masks. Raises on an all-zero matrix (no pixel).
    """
    cm = np.asarray(cm, dtype=np.float64)
    n = cm.sum()
    if n <= 0:
        raise OrgansegInputError("kappa of an empty confusion matrix (no pixel counted)")
    po = np.trace(cm) / n
    pe = float((cm.sum(0) * cm.sum(1)).sum()) / n**2
    return 1.0 if pe >= 1.0 else float((po - pe) / (1.0 - pe))


def voe(pred: ArrayLike, gt: ArrayLike) -> float:
    """Volumetric overlap error (Sliver07), the complement of Jaccard.

    ``VOE = 1 - |P & G| / |P | G|``; 0.0 when both masks are empty, 1.0 when exactly one is.

    Args:
        pred: binary prediction.
        gt: binary ground truth, same shape.

    Returns:
        VOE in [0, 1] (multiply by 100 for the percentage of the Sliver07 tables).
    """
    return 1.0 - _Pair(pred, gt).jaccard()


def rvd(pred: ArrayLike, gt: ArrayLike) -> float:
    """Relative volume difference (signed; Sliver07): over- (>0) or under- (<0) segmentation.

    ``RVD = (|P| - |G|) / |G|``; 0.0 when both masks are empty, ``inf`` when only the ground truth
    is empty, -1.0 when only the prediction is. Spacing cancels, so it is not needed.

    Args:
        pred: binary prediction.
        gt: binary ground truth, same shape.

    Returns:
        RVD as a fraction (multiply by 100 for percent).
    """
    return _Pair(pred, gt).rvd()


# --------------------------------------------------------------------------------------------
# Public API: surface distances
# --------------------------------------------------------------------------------------------


def surface_distances(
    pred: ArrayLike, gt: ArrayLike, spacing: Spacing = None
) -> tuple[np.ndarray, np.ndarray]:
    """Directed surface distances, the raw material of ASD/RMSD/HD/HD95 (for custom statistics).

    ``d(P->G)[i] = min_j ||(s_i - t_j) * spacing||`` over surface voxels ``s_i`` of P and ``t_j`` of
    G, surface ``S(M) = M XOR erode(M, cross)``; the same multisets as medpy's
    ``__surface_distances(pred, gt)`` and MONAI's ``get_surface_distance`` (order may differ).

    Args:
        pred: binary prediction.
        gt: binary ground truth, same shape.
        spacing: voxel size in mm, one float or one per axis; None = 1.

    Returns:
        ``(d_pred_to_gt, d_gt_to_pred)`` float64 arrays in mm. Both empty arrays if both masks are
        empty; if exactly one mask is empty, the surface voxels of the other map to ``inf``.
    """
    pair = _Pair(pred, gt, spacing)
    if pair.both_empty:
        return np.zeros(0), np.zeros(0)
    if pair.one_empty:
        sp, sg = pair.surfaces
        return np.full(int(np.count_nonzero(sp)), np.inf), np.full(int(np.count_nonzero(sg)), np.inf)
    d_pg, d_gp = pair.dists_mm
    return d_pg.copy(), d_gp.copy()


def hausdorff_distance(pred: ArrayLike, gt: ArrayLike, spacing: Spacing = None) -> float:
    """Hausdorff distance = maximum symmetric surface distance (MSD, Sliver07): the worst error.

    ``HD = max(max d(P->G), max d(G->P))``; equals medpy ``hd`` and MONAI
    ``compute_hausdorff_distance``. 0 if both masks are empty, ``inf`` if exactly one is.

    Args:
        pred: binary prediction.
        gt: binary ground truth, same shape.
        spacing: voxel size in mm, one float or one per axis; None = 1.

    Returns:
        HD in mm.
    """
    return _Pair(pred, gt, spacing).hd()


def percentile_hausdorff_distance(
    pred: ArrayLike,
    gt: ArrayLike,
    spacing: Spacing = None,
    percentile: float = 95.0,
    mode: HD95Mode = "max_directed",
) -> float:
    """Percentile Hausdorff distance, a Hausdorff distance robust to a few outlier voxels.

    ``mode="max_directed"`` (default): ``max(Pq(d(P->G)), Pq(d(G->P)))`` = MONAI
    ``compute_hausdorff_distance(percentile=q)``. ``mode="pooled"``: ``Pq(d(P->G) U d(G->P))`` =
    medpy ``hd95`` for q = 95. ``Pq`` is ``numpy.percentile`` with linear interpolation.
    0 if both masks are empty, ``inf`` if exactly one is.

    Args:
        pred: binary prediction.
        gt: binary ground truth, same shape.
        spacing: voxel size in mm, one float or one per axis; None = 1.
        percentile: q in [0, 100].
        mode: ``"max_directed"`` (MONAI) or ``"pooled"`` (medpy).

    Returns:
        The percentile Hausdorff distance in mm.
    """
    return _Pair(pred, gt, spacing).hd_percentile(percentile, mode)


def hd95(pred: ArrayLike, gt: ArrayLike, spacing: Spacing = None, mode: HD95Mode = "max_directed") -> float:
    """95th-percentile Hausdorff distance (HD95), the robust worst-case surface error.

    Default ``max(P95(d(P->G)), P95(d(G->P)))`` = MONAI ``compute_hausdorff_distance(percentile=95)``;
    ``mode="pooled"`` gives ``P95(d(P->G) U d(G->P))`` = medpy ``hd95``. See
    :func:`percentile_hausdorff_distance`.

    Args:
        pred: binary prediction.
        gt: binary ground truth, same shape.
        spacing: voxel size in mm, one float or one per axis; None = 1.
        mode: ``"max_directed"`` (MONAI, default) or ``"pooled"`` (medpy).

    Returns:
        HD95 in mm.
    """
    return _Pair(pred, gt, spacing).hd_percentile(95.0, mode)


def average_surface_distance(
    pred: ArrayLike, gt: ArrayLike, spacing: Spacing = None, mode: ASDMode = "symmetric"
) -> float:
    """Average surface distance (ASD/ASSD), the typical boundary error in mm.

    ``mode="symmetric"`` (default, Heimann et al. 2009 / Sliver07, = MONAI
    ``compute_average_surface_distance(symmetric=True)`` = medpy 0.5.x ``assd``):
    ``(sum d(P->G) + sum d(G->P)) / (|S(P)| + |S(G)|)``.
    ``"pred_to_gt"``: ``mean d(P->G)`` = medpy ``asd(pred, gt)`` = MONAI
    ``compute_average_surface_distance(symmetric=False)``; ``"gt_to_pred"``: ``mean d(G->P)``;
    ``"mean_of_directed"``: ``(mean d(P->G) + mean d(G->P)) / 2`` = medpy <= 0.4 ``assd`` (differs
    from the pooled mean when the two surfaces have different sizes; medpy 0.5 switched to pooled). 0 if both masks are empty,
    ``inf`` if exactly one is.

    Args:
        pred: binary prediction.
        gt: binary ground truth, same shape.
        spacing: voxel size in mm, one float or one per axis; None = 1.
        mode: one of ``"symmetric"``, ``"pred_to_gt"``, ``"gt_to_pred"``, ``"mean_of_directed"``.

    Returns:
        ASD in mm.
    """
    return _Pair(pred, gt, spacing).asd(mode)


def rmsd(pred: ArrayLike, gt: ArrayLike, spacing: Spacing = None) -> float:
    """Root-mean-square symmetric surface distance (RMSD, Sliver07): ASD that penalises outliers more.

    ``RMSD = sqrt((sum d(P->G)^2 + sum d(G->P)^2) / (|S(P)| + |S(G)|))``. 0 if both masks are
    empty, ``inf`` if exactly one is.

    Args:
        pred: binary prediction.
        gt: binary ground truth, same shape.
        spacing: voxel size in mm, one float or one per axis; None = 1.

    Returns:
        RMSD in mm.
    """
    return _Pair(pred, gt, spacing).rmsd()


def surface_metrics(
    pred: ArrayLike, gt: ArrayLike, spacing: Spacing = None, hd95_mode: HD95Mode = "max_directed"
) -> dict[str, float]:
    """All surface-distance metrics from one surface extraction (cheaper than calling each).

    Keys: ``hd`` (= MSD), ``hd95`` (``hd95_mode``), ``asd`` (pooled symmetric), ``asd_pred_to_gt``,
    ``asd_gt_to_pred``, ``assd_mean_of_directed`` (medpy <= 0.4 ``assd``), ``rmsd``; see the functions of
    the same names for the definitions.

    Args:
        pred: binary prediction.
        gt: binary ground truth, same shape.
        spacing: voxel size in mm, one float or one per axis; None = 1.
        hd95_mode: ``"max_directed"`` (MONAI, default) or ``"pooled"`` (medpy).

    Returns:
        Metric name -> value in mm.
    """
    return _surface_dict(_Pair(pred, gt, spacing), hd95_mode)


def _surface_dict(pair: _Pair, hd95_mode: HD95Mode) -> dict[str, float]:
    return {
        "hd": pair.hd(),
        "hd95": pair.hd_percentile(95.0, hd95_mode),
        "asd": pair.asd("symmetric"),
        "asd_pred_to_gt": pair.asd("pred_to_gt"),
        "asd_gt_to_pred": pair.asd("gt_to_pred"),
        "assd_mean_of_directed": pair.asd("mean_of_directed"),
        "rmsd": pair.rmsd(),
    }


# --------------------------------------------------------------------------------------------
# Public API: boundary scores (pixel units)
# --------------------------------------------------------------------------------------------


def boundary_iou(
    pred: ArrayLike, gt: ArrayLike, dilation_ratio: float = 0.02, width: int | None = None
) -> float:
    """Boundary IoU (Cheng et al., CVPR 2021): IoU of the inner boundary bands, sensitive to contours.

    Band of a mask ``B(M) = M - erode(M)`` with ``d`` iterations of a 3x3 (3x3x3 in 3-D) box and zero
    outside the image, as in the official boundary-iou-api ``mask_to_boundary`` (image padded by one
    zero pixel, ``cv2.erode``); ``d = max(1, round(dilation_ratio * image diagonal))`` or ``width``.
    ``Boundary IoU = |B(P) & B(G)| / |B(P) | B(G)|``. 1.0 if both masks are empty, 0.0 if one is.
    For volumes the diagonal is that of the whole array and the band is 3-D (a generalisation; the
    paper is 2-D).

    Args:
        pred: binary prediction.
        gt: binary ground truth, same shape.
        dilation_ratio: band width as a fraction of the image diagonal (paper: 0.02).
        width: explicit band width ``d`` in pixels (overrides ``dilation_ratio``).

    Returns:
        Boundary IoU in [0, 1].
    """
    return _Pair(pred, gt).boundary_iou(dilation_ratio, width)


def trimap_iou(pred: ArrayLike, gt: ArrayLike, width: float = 5.0) -> float:
    """Trimap IoU: IoU restricted to a band around the ground-truth contour, sensitive to contours.

    ``band = {x : dist(x, S(G)) <= width}`` (Euclidean, pixels; ``S(G)`` the inner surface of G);
    ``trimap IoU = |P & G & band| / |(P | G) & band|``. 1.0 if both masks are empty, 0.0 if one is.

    Args:
        pred: binary prediction.
        gt: binary ground truth, same shape.
        width: band half-width ``w`` in pixels.

    Returns:
        Trimap IoU in [0, 1].
    """
    return _Pair(pred, gt).trimap_iou(width)


def boundary_precision_recall_f(
    pred: ArrayLike, gt: ArrayLike, tolerance: float | None = None, tolerance_ratio: float = 0.008
) -> tuple[float, float, float]:
    """Boundary precision, recall and F-measure (Perazzi et al. 2016, DAVIS ``F``) of the contours.

    With 1-pixel boundaries ``S(P)``, ``S(G)`` (inner, 4-connected surface) and tolerance ``t``:
    ``precision = |{s in S(P): dist(s, S(G)) <= t}| / |S(P)|``, recall symmetric,
    ``F = 2 P R / (P + R)`` (0 if P + R = 0). ``t = ceil(tolerance_ratio * image diagonal)`` (DAVIS:
    0.008) unless ``tolerance`` (pixels) is given. Empty masks follow DAVIS: both empty -> (1, 1, 1);
    empty prediction -> (1, 0, 0); empty ground truth -> (0, 1, 0). DAVIS extracts boundaries with
    ``seg2bmap`` and matches with a disk dilation; here the boundary is the same surface as for the
    distances, so values are close to but not identical with the DAVIS toolkit.

    Args:
        pred: binary prediction.
        gt: binary ground truth, same shape.
        tolerance: matching distance ``t`` in pixels (overrides ``tolerance_ratio``).
        tolerance_ratio: ``t`` as a fraction of the image diagonal.

    Returns:
        ``(precision, recall, f)``, each in [0, 1].
    """
    return _Pair(pred, gt).boundary_prf(tolerance, tolerance_ratio)


def boundary_f_measure(
    pred: ArrayLike, gt: ArrayLike, tolerance: float | None = None, tolerance_ratio: float = 0.008
) -> float:
    """Boundary F-measure (DAVIS ``F``), the contour accuracy; see :func:`boundary_precision_recall_f`.

    ``F = 2 P R / (P + R)`` of boundary precision P and recall R at tolerance ``t`` pixels.

    Args:
        pred: binary prediction.
        gt: binary ground truth, same shape.
        tolerance: matching distance in pixels (overrides ``tolerance_ratio``).
        tolerance_ratio: tolerance as a fraction of the image diagonal (DAVIS: 0.008).

    Returns:
        F in [0, 1].
    """
    return _Pair(pred, gt).boundary_prf(tolerance, tolerance_ratio)[2]


# --------------------------------------------------------------------------------------------
# Public API: per-case size errors over a data set
# --------------------------------------------------------------------------------------------


def mask_volume(mask: ArrayLike, spacing: Spacing = None) -> float:
    """Physical size of a mask (area in mm^2 for 2-D, volume in mm^3 for 3-D), the input of MRVA.

    ``V = |M| * prod(spacing)``.

    Args:
        mask: binary mask (2-D or 3-D).
        spacing: voxel size in mm, one float or one per axis; None = 1 (voxel count).

    Returns:
        The size in mm^ndim.
    """
    m = _as_mask(mask, "mask")
    if m.ndim not in (2, 3):
        raise OrgansegInputError(f"expected a 2-D or 3-D mask, got shape {m.shape}")
    return float(np.count_nonzero(m)) * math.prod(_as_spacing(spacing, m.ndim))


def _paired_positive(pred: ArrayLike, ref: ArrayLike, what: str) -> tuple[np.ndarray, np.ndarray]:
    p = np.asarray(pred, dtype=np.float64).ravel()
    r = np.asarray(ref, dtype=np.float64).ravel()
    if p.shape != r.shape:
        raise OrgansegInputError(f"{what}: {p.size} predicted values but {r.size} reference values")
    if p.size == 0:
        raise OrgansegInputError(f"{what}: no cases")
    if not (np.isfinite(p).all() and np.isfinite(r).all()):
        raise OrgansegInputError(f"{what}: values must be finite (found NaN or inf)")
    if (r <= 0).any():
        raise OrgansegInputError(f"{what}: reference values must be > 0, got {r[r <= 0][:5].tolist()}")
    return p, r


def mple(pred_lengths: ArrayLike, ref_lengths: ArrayLike) -> float:
    """Mean percentage length error (MPLE, spleen-length papers, Eq. 8): organ length accuracy.

    ``MPLE = 100% * (1/n) * sum_i |l'_i - l_i| / l_i`` with predicted lengths ``l'`` and reference
    lengths ``l`` (e.g. from :func:`organseg_plugins.core.measure.max_feret_diameter`).

    Args:
        pred_lengths: predicted length per case.
        ref_lengths: reference length per case (> 0), same order.

    Returns:
        MPLE in percent (0 = perfect).
    """
    p, r = _paired_positive(pred_lengths, ref_lengths, "MPLE")
    return float(100.0 * np.mean(np.abs(p - r) / r))


def mrva(pred_volumes: ArrayLike, ref_volumes: ArrayLike) -> float:
    """Mean relative volume accuracy (MRVA, DeepSPV): organ volume accuracy over cases.

    ``MRVA = 100% * (1/n) * sum_i (1 - |v'_i - v_i| / v_i)`` with predicted volumes ``v'`` and
    reference volumes ``v`` (e.g. from :func:`mask_volume`); a case with an error above 100%
    contributes a negative term.

    Args:
        pred_volumes: predicted volume per case.
        ref_volumes: reference volume per case (> 0), same order.

    Returns:
        MRVA in percent (100 = perfect).
    """
    p, r = _paired_positive(pred_volumes, ref_volumes, "MRVA")
    return float(100.0 * np.mean(1.0 - np.abs(p - r) / r))


# --------------------------------------------------------------------------------------------
# Public API: the whole suite
# --------------------------------------------------------------------------------------------


def compute_all(
    pred: ArrayLike,
    gt: ArrayLike,
    spacing: Spacing = None,
    *,
    hd95_mode: HD95Mode = "max_directed",
    dilation_ratio: float = 0.02,
    boundary_width: int | None = None,
    trimap_width: float = 5.0,
    f_tolerance: float | None = None,
    f_tolerance_ratio: float = 0.008,
    boundary_metrics: bool = True,
) -> dict[str, float]:
    """Every metric of this module for one (pred, gt) pair, sharing the crop, surfaces and distances.

    Keys: ``tp fp fn tn`` (counts, as floats), ``dice jaccard precision recall specificity accuracy
    kappa voe rvd``, ``pred_volume gt_volume`` (mm^ndim), ``hd hd95 asd asd_pred_to_gt asd_gt_to_pred
    assd_mean_of_directed rmsd`` (mm), and unless ``boundary_metrics=False``: ``boundary_iou
    trimap_iou boundary_precision boundary_recall boundary_f`` (pixel-based). Definitions and empty-
    mask conventions are those of the single-metric functions (module docstring).

    Args:
        pred: binary prediction (2-D or 3-D).
        gt: binary ground truth, same shape.
        spacing: voxel size in mm, one float or one per axis; None = 1.
        hd95_mode: ``"max_directed"`` (MONAI, default) or ``"pooled"`` (medpy).
        dilation_ratio: Boundary IoU band width as a fraction of the image diagonal.
        boundary_width: explicit Boundary IoU band width in pixels (overrides the ratio).
        trimap_width: trimap band half-width in pixels.
        f_tolerance: boundary F-measure tolerance in pixels (overrides the ratio).
        f_tolerance_ratio: boundary F-measure tolerance as a fraction of the image diagonal.
        boundary_metrics: also compute the three boundary scores.

    Returns:
        Metric name -> value (Python floats).
    """
    pair = _Pair(pred, gt, spacing)
    c = pair.confusion
    jac = pair.jaccard()
    voxel = math.prod(pair.spacing)
    out: dict[str, float] = {
        "tp": float(c.tp),
        "fp": float(c.fp),
        "fn": float(c.fn),
        "tn": float(c.tn),
        "dice": pair.dice(),
        "jaccard": jac,
        "precision": pair.precision(),
        "recall": pair.recall(),
        "specificity": pair.specificity(),
        "accuracy": pair.accuracy(),
        "kappa": pair.kappa(),
        "voe": 1.0 - jac,
        "rvd": pair.rvd(),
        "pred_volume": pair.n_p * voxel,
        "gt_volume": pair.n_g * voxel,
    }
    out.update(_surface_dict(pair, hd95_mode))
    if boundary_metrics:
        out["boundary_iou"] = pair.boundary_iou(dilation_ratio, boundary_width)
        out["trimap_iou"] = pair.trimap_iou(trimap_width)
        bp, br, bf = pair.boundary_prf(f_tolerance, f_tolerance_ratio)
        out["boundary_precision"], out["boundary_recall"], out["boundary_f"] = bp, br, bf
    return out


def _as_labels(labels: ArrayLike, name: str) -> np.ndarray:
    arr = np.asarray(labels)
    if arr.dtype == np.bool_ or arr.dtype.kind in "iu":
        return arr
    if arr.dtype.kind == "f":
        if np.isnan(arr).any():
            raise OrgansegInputError(f"{name} contains NaN: expected an integer label map")
        if not np.array_equal(arr, np.round(arr)):
            raise OrgansegInputError(f"{name} has non-integer values: expected an integer label map")
        return arr
    raise OrgansegInputError(f"{name} has dtype {arr.dtype}: expected an integer label map")


def compute_per_class(
    pred_labels: ArrayLike,
    gt_labels: ArrayLike,
    class_ids: Iterable[int],
    spacing: Spacing = None,
    **kwargs: object,
) -> dict[int, dict[str, float]]:
    """Multi-class evaluation by one-vs-rest binarisation, one :func:`compute_all` per class.

    For class ``c``: ``P_c = (pred_labels == c)``, ``G_c = (gt_labels == c)``; a class absent from
    both maps gets the both-empty conventions (overlap 1, distances 0).

    Args:
        pred_labels: integer label map (2-D or 3-D).
        gt_labels: integer label map, same shape.
        class_ids: the class ids to evaluate (e.g. ``[1, 2, 3]`` to skip background 0).
        spacing: voxel size in mm, one float or one per axis; None = 1.
        **kwargs: keyword options of :func:`compute_all`.

    Returns:
        Class id -> metric dict of :func:`compute_all`.
    """
    p = _as_labels(pred_labels, "pred_labels")
    g = _as_labels(gt_labels, "gt_labels")
    if p.shape != g.shape:
        raise OrgansegInputError(
            f"shape mismatch: pred_labels has shape {p.shape} but gt_labels has shape {g.shape}"
        )
    ids = [int(c) for c in class_ids]
    if not ids:
        raise OrgansegInputError("class_ids is empty: give the class ids to evaluate")
    return {c: compute_all(p == c, g == c, spacing, **kwargs) for c in ids}  # type: ignore[arg-type]
