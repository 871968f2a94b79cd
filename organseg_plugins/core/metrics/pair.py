"""A validated (pred, gt) pair with lazily computed, cached crops, surfaces and distances.

Every metric family (overlap, surface distances, NSD, the boundary scores including DAVIS F) reads
the same :class:`MaskPair`: the masks are validated once, cropped once (union bounding box plus a
zero frame), each surface is extracted once and each distance map / distance set computed once.
The single-metric functions build a pair and call the same pair-based kernel as
:func:`~.suite.compute_all`, so every metric has one implementation.
"""

from __future__ import annotations

import math
from functools import cached_property
from typing import Literal, NamedTuple

import numpy as np
from numpy.typing import ArrayLike

from ..errors import OrgansegInputError
from ..io.validate import Spacing, as_binary_mask, as_spacing
from .geometry import (
    SliceMaps,
    directed_distances,
    distance_map,
    erode_box,
    padded_crop,
    sparse_min_sq,
    surface,
    union_box,
    uses_maps,
    within_2d,
)
from .surfels import surfels_of_crops, weighted_percentile

__all__ = ["MaskPair", "Confusion", "Spacing", "HD95Mode", "ASDMode", "Convention", "TOL_EPS", "TRIMAP_MARGIN",
           "safe_div", "as_bool_mask", "percentile_linear"]


def as_bool_mask(mask: ArrayLike, name: str) -> np.ndarray:
    """The one mask validator (:func:`~organseg_plugins.core.io.validate.as_binary_mask`) as a bool view."""
    return as_binary_mask(mask, name).view(np.bool_)


HD95Mode = Literal["max_directed", "pooled"]
Convention = Literal["voxel", "surfel"]

ASDMode = Literal["symmetric", "pred_to_gt", "gt_to_pred", "mean_of_directed"]

TOL_EPS = 1e-6  # absorbs float32 rounding of OpenCV distances in "distance <= tolerance" tests
TRIMAP_MARGIN = 5  # pixels around S(G) that the 3-D distance maps to S(G) always cover (the default Trimap width)

def safe_div(num: float, den: float, both_empty: float) -> float:
    return float(num) / float(den) if den else both_empty


def percentile_linear(d: np.ndarray, q: float) -> float:
    """``float(np.percentile(d, q))`` (``method="linear"``), bit for bit, without its per-call overhead.

    numpy's steps for a 1-D float array: virtual index ``v = (n - 1) * (q / 100)``, the order
    statistics ``a = d_(floor v)`` and ``b = d_(floor v + 1)`` (the maximum when ``v >= n - 1``), and
    the interpolation ``a + (b - a) t`` for ``t = v - floor v < 0.5``, else ``b - (b - a)(1 - t)``.
    ``q`` must be in [0, 100] and ``d`` non-empty without NaN.
    """
    n = d.size
    v = (n - 1) * (q / 100)
    if v >= n - 1:
        return float(d.max())
    lo = math.floor(v)
    part = np.partition(d, (lo, lo + 1))
    a, b = float(part[lo]), float(part[lo + 1])
    t = v - lo
    diff = b - a
    return b - diff * (1 - t) if t >= 0.5 else a + diff * t


def _wsum(values: np.ndarray, weights: np.ndarray | None) -> float:
    """``sum(weights * values)`` (``weights`` None: unit weights) with numpy's pairwise summation: the same bits in
    any process, whatever its BLAS threads."""
    return float(np.sum(values if weights is None else values * weights))


def _wcount(values: np.ndarray, weights: np.ndarray | None) -> float:
    """``sum(weights)``: the number of ``values`` for unit weights (``weights`` None)."""
    return float(values.size) if weights is None else float(np.sum(weights))


class MaskPair:
    """A validated (pred, gt) pair with lazily computed, cached intermediate results."""

    def __init__(self, pred: ArrayLike, gt: ArrayLike, spacing: Spacing = None) -> None:
        """Validate both masks (the one validator), check shapes and spacing, crop once.

        Args:
            pred: binary prediction, 2-D ``(H, W)`` or 3-D ``(D, H, W)``.
            gt: binary ground truth, same shape.
            spacing: voxel size in mm, one float or one per axis; None = 1.

        Raises:
            OrgansegInputError: non-binary masks, shape mismatch, not 2-D/3-D, or invalid spacing.
        """
        self._setup(as_bool_mask(pred, "pred"), as_bool_mask(gt, "gt"), spacing)

    @classmethod
    def from_validated(cls, p: np.ndarray, g: np.ndarray, spacing: Spacing = None) -> MaskPair:
        """A pair of bool masks that the caller already passed through the validator (no second check)."""
        pair = cls.__new__(cls)
        pair._setup(p, g, spacing)
        return pair

    def _setup(self, p: np.ndarray, g: np.ndarray, spacing: Spacing) -> None:
        if p.shape != g.shape:
            raise OrgansegInputError(f"shape mismatch: pred has shape {p.shape} but gt has shape {g.shape}")
        if p.ndim not in (2, 3):
            raise OrgansegInputError(f"expected 2-D or 3-D masks, got shape {p.shape}")
        if p.size == 0:
            raise OrgansegInputError(f"masks are empty arrays (shape {p.shape})")
        self.shape: tuple[int, ...] = p.shape
        self.ndim: int = p.ndim
        self.size: int = int(p.size)
        self.spacing: tuple[float, ...] = as_spacing(spacing, p.ndim)
        self.isotropic: bool = all(s == self.spacing[0] for s in self.spacing)
        #: inclusive index range per axis of the union's bounding box (None: both masks empty);
        #: ``self.p`` / ``self.g`` are the masks on that box inside a 1-voxel zero frame
        self.box: list[tuple[int, int]] | None = union_box(p, g)
        self.p: np.ndarray | None
        self.g: np.ndarray | None
        if self.box is None:
            self.p = self.g = None
            self.n_p = self.n_g = self.tp = 0
        else:
            self.p = padded_crop(p, self.box)
            self.g = padded_crop(g, self.box)
            self.n_p = int(np.count_nonzero(self.p))
            self.n_g = int(np.count_nonzero(self.g))
            self.tp = int(np.count_nonzero(np.logical_and(self.p, self.g)))

    def computed(self, name: str) -> bool:
        """Whether the cached result ``name`` (``map_p``, ``map_g``, ``dists_px``...) exists already: a metric with a
        cheaper route of its own reuses it when it is there, and never computes it only to read it."""
        return name in self.__dict__

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
        return safe_div(2 * self.tp, self.n_p + self.n_g, 1.0)

    def jaccard(self) -> float:
        return safe_div(self.tp, self.n_p + self.n_g - self.tp, 1.0)

    def precision(self) -> float:
        if self.both_empty:
            return 1.0
        return safe_div(self.tp, self.n_p, 0.0)

    def recall(self) -> float:
        if self.both_empty:
            return 1.0
        return safe_div(self.tp, self.n_g, 0.0)

    def specificity(self) -> float:
        c = self.confusion
        return safe_div(c.tn, c.tn + c.fp, 1.0)

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
        """Voxel surfaces ``S(M) = M XOR erode(M, cross)`` of pred and gt on the framed crop."""
        assert self.p is not None and self.g is not None
        return surface(self.p), surface(self.g)

    @cached_property
    def map_p(self) -> np.ndarray | SliceMaps:
        """Pixel distance map to the surface of pred, read at the surface of gt (see :func:`~.geometry.distance_map`)."""
        return distance_map(self.surfaces[0], self.surfaces[1])

    @cached_property
    def map_g(self) -> np.ndarray | SliceMaps:
        """Pixel distance map to the surface of gt, read at the surface of pred (see :func:`~.geometry.distance_map`).

        In 3-D its slices also cover :data:`TRIMAP_MARGIN` pixels around the surface of gt, so that the
        Trimap band of the default width is read from it as it is.
        """
        return distance_map(self.surfaces[1], self.surfaces[0], TRIMAP_MARGIN)

    @property
    def maps(self) -> tuple[np.ndarray | SliceMaps, np.ndarray | SliceMaps]:
        """Pixel distance maps to the surface of pred and of gt, over the crop.

        2-D: Euclidean pixel distances (float32, OpenCV). 3-D: per-slice squared in-plane pixel
        distances, computed where they are read (:class:`~.geometry.SliceMaps`).
        """
        return self.map_p, self.map_g

    @cached_property
    def surface_index(self) -> tuple[np.ndarray, np.ndarray]:
        """Flat indices (into the crop) of the surface voxels of pred and of gt, in scan order."""
        sp, sg = self.surfaces
        return np.flatnonzero(sp), np.flatnonzero(sg)

    @cached_property
    def dists_px(self) -> tuple[np.ndarray, np.ndarray]:
        """(d(P->G), d(G->P)) in pixels (float64). Requires both masks non-empty."""
        return directed_distances(*self.surfaces, (1.0,) * self.ndim, self.maps, self.surface_index)

    @cached_property
    def dists_mm(self) -> tuple[np.ndarray, np.ndarray]:
        """(d(P->G), d(G->P)) in mm (float64). Requires both masks non-empty."""
        if self.isotropic:
            d_pg, d_gp = self.dists_px
            s = self.spacing[0]
            return (d_pg * s, d_gp * s) if s != 1.0 else (d_pg, d_gp)
        maps = self.maps if uses_maps(self.spacing) else None
        return directed_distances(*self.surfaces, self.spacing, maps, self.surface_index)

    def distance_or_convention(self) -> float | None:
        """0 if both empty, inf if exactly one is empty, None if distances must be computed."""
        if self.both_empty:
            return 0.0
        if self.one_empty:
            return math.inf
        return None

    @cached_property
    def surfels(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """DeepMind surfels of both crops in scan order: (d(P->G), areas of P, d(G->P), areas of G).

        Requires at least one mask non-empty; a direction towards an empty surface is ``inf``.
        """
        assert self.p is not None and self.g is not None
        return surfels_of_crops(self.p, self.g, self.spacing)

    def _weighted(self, convention: Convention) -> tuple[np.ndarray, np.ndarray | None, np.ndarray, np.ndarray | None]:
        """Distances and weights per direction: voxel surfaces (weights None: unit) or surfels (areas)."""
        if convention == "voxel":
            d_pg, d_gp = self.dists_mm
            return d_pg, None, d_gp, None
        if convention == "surfel":
            return self.surfels
        raise OrgansegInputError(f"unknown surface convention {convention!r}: use 'voxel' or 'surfel'")

    def _moments(self, convention: Convention) -> tuple[float, float, float, float, float, float]:
        """Weighted sums per direction, once per convention: ``sum w d``, ``sum w``, ``sum w d^2`` (P->G, G->P)."""
        cache = self.__dict__.setdefault("_moments_cache", {})
        if convention not in cache:
            d_pg, w_pg, d_gp, w_gp = self._weighted(convention)
            # numpy's pairwise sums, not BLAS dot products: a dot's summation order follows the BLAS thread
            # count, so a worker process (one thread) and the main process differed in the last bits on
            # 200x512x512 volumes; these sums are the same in every process
            cache[convention] = (_wsum(d_pg, w_pg), _wcount(d_pg, w_pg), _wsum(d_gp, w_gp), _wcount(d_gp, w_gp),
                                 _wsum(d_pg * d_pg, w_pg), _wsum(d_gp * d_gp, w_gp))
        return cache[convention]

    def hd(self, convention: Convention = "voxel") -> float:
        c = self.distance_or_convention()
        if c is not None:
            return c
        d_pg, _, d_gp, _ = self._weighted(convention)
        return float(max(d_pg.max(), d_gp.max()))

    def hd_percentile(self, q: float, mode: HD95Mode, convention: Convention = "voxel") -> float:
        if not 0.0 <= q <= 100.0:
            raise OrgansegInputError(f"percentile must be in [0, 100], got {q}")
        if mode not in ("max_directed", "pooled"):
            raise OrgansegInputError(f"unknown HD percentile mode {mode!r}: use 'max_directed' or 'pooled'")
        c = self.distance_or_convention()
        if c is not None:
            return c
        d_pg, w_pg, d_gp, w_gp = self._weighted(convention)
        if w_pg is None or w_gp is None:  # voxel surfaces: linear interpolation (numpy, MONAI, medpy)
            if mode == "max_directed":
                return max(percentile_linear(d_pg, q), percentile_linear(d_gp, q))
            return percentile_linear(np.concatenate([d_pg, d_gp]), q)
        if mode == "max_directed":  # DeepMind compute_robust_hausdorff
            return max(weighted_percentile(d_pg, w_pg, q), weighted_percentile(d_gp, w_gp, q))
        return weighted_percentile(np.concatenate([d_pg, d_gp]), np.concatenate([w_pg, w_gp]), q)

    def asd(self, mode: ASDMode, convention: Convention = "voxel") -> float:
        if mode not in ("symmetric", "pred_to_gt", "gt_to_pred", "mean_of_directed"):
            raise OrgansegInputError(
                f"unknown ASD mode {mode!r}: use 'symmetric', 'pred_to_gt', 'gt_to_pred' or 'mean_of_directed'"
            )
        c = self.distance_or_convention()
        if c is not None:
            return c
        s_pg, n_pg, s_gp, n_gp, _, _ = self._moments(convention)
        m_pg, m_gp = s_pg / n_pg, s_gp / n_gp
        if mode == "symmetric":
            return float((s_pg + s_gp) / (n_pg + n_gp))
        if mode == "pred_to_gt":
            return float(m_pg)
        if mode == "gt_to_pred":
            return float(m_gp)
        return float((m_pg + m_gp) / 2.0)  # mean_of_directed

    def rmsd(self, convention: Convention = "voxel") -> float:
        c = self.distance_or_convention()
        if c is not None:
            return c
        _, n_pg, _, n_gp, q_pg, q_gp = self._moments(convention)
        return float(math.sqrt((q_pg + q_gp) / (n_pg + n_gp)))

    def nsd(self, tolerance: float, use_subvoxels: bool = False) -> float:
        """Normalised surface Dice at ``tolerance`` mm (see :func:`~.surface_dice.normalized_surface_dice`).

        Distances are compared with the tolerance in float32, as MONAI does, so ties at exactly
        ``tolerance`` resolve as there.
        """
        tol = float(tolerance)
        if not (math.isfinite(tol) and tol > 0):
            raise OrgansegInputError(f"tolerance must be positive and finite, got {tolerance}")
        if self.both_empty:
            return 1.0
        if self.one_empty:
            return 0.0
        t32 = np.float32(tol)
        if use_subvoxels:
            d_pg, a_p, d_gp, a_g = self.surfels
            num = a_p[d_pg.astype(np.float32) <= t32].sum() + a_g[d_gp.astype(np.float32) <= t32].sum()
            return float(num / (a_p.sum() + a_g.sum()))
        d_pg, d_gp = self.dists_mm
        num = int(np.count_nonzero(d_pg.astype(np.float32) <= t32)) + int(np.count_nonzero(d_gp.astype(np.float32) <= t32))
        return num / (d_pg.size + d_gp.size)

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
        # bands B(M) = M minus its erosion E(M) (E(M) within M); counted without building them:
        # |B(P) & B(G)| = |P & G| - |G & E(P)| - |P & E(G)| + |E(P) & E(G)|
        ep, wp = erode_box(self.p, d)
        eg, wg = erode_box(self.g, d)
        g_ep = np.count_nonzero(np.logical_and(self.g[wp], ep))
        p_eg = np.count_nonzero(np.logical_and(self.p[wg], eg))
        lo = [max(a.start, b.start) for a, b in zip(wp, wg)]
        hi = [min(a.stop, b.stop) for a, b in zip(wp, wg)]
        ep_eg = 0
        if all(a < b for a, b in zip(lo, hi)):
            sub_p = tuple(slice(a - w.start, b - w.start) for a, b, w in zip(lo, hi, wp))
            sub_g = tuple(slice(a - w.start, b - w.start) for a, b, w in zip(lo, hi, wg))
            ep_eg = np.count_nonzero(np.logical_and(ep[sub_p], eg[sub_g]))
        inter = self.tp - g_ep - p_eg + ep_eg
        union = (self.n_p - np.count_nonzero(ep)) + (self.n_g - np.count_nonzero(eg)) - inter
        return int(inter) / int(union)

    def trimap_iou(self, width: float) -> float:
        if not (math.isfinite(width) and width >= 0):
            raise OrgansegInputError(f"trimap width must be a finite number >= 0 pixels, got {width}")
        if self.both_empty:
            return 1.0
        if self.one_empty:
            return 0.0
        assert self.p is not None and self.g is not None
        w2 = width * width + TOL_EPS  # band: exact squared pixel distance to S(G) <= w^2
        if self.ndim == 2:
            if self.computed("map_g"):  # already computed (isotropic surface distances): threshold it
                # s <= w2 for the integer squared distance s = d^2 <=> d <= sqrt(floor(w2) + 0.5): the
                # float32 error of d (< 1e-7 relative) is far below the gap to the next integer's root
                band = self.map_g <= math.sqrt(math.floor(w2) + 0.5)
            else:  # a disk dilation of S(G) costs less than the distance map
                band = within_2d(self.surfaces[1], w2)
        else:
            maps = self.map_g
            assert isinstance(maps, SliceMaps)
            reach = int(math.floor(width))
            maps.ensure_margin(reach)  # an unknown value is then > width^2: NaN <= w2 reads False, rightly
            q = maps.q  # squared in-plane distances per slice; add (z - z')^2 across slices
            band = q <= w2
            for dz in range(1, min(reach, q.shape[0] - 1) + 1):
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
        lim = tol + TOL_EPS
        if self.ndim == 3 and not self.computed("dists_px"):
            # only "within lim" is needed: a search over at most lim slice offsets per point
            i_p, i_g = self.surface_index
            cap = lim * lim
            m_p, m_g = self.maps
            assert isinstance(m_p, SliceMaps) and isinstance(m_g, SliceMaps)
            prec = np.count_nonzero(sparse_min_sq(m_g, i_p, 1.0, 1.0, cap) <= cap) / i_p.size
            rec = np.count_nonzero(sparse_min_sq(m_p, i_g, 1.0, 1.0, cap) <= cap) / i_g.size
        else:
            d_pg, d_gp = self.dists_px
            prec = np.count_nonzero(d_pg <= lim) / d_pg.size
            rec = np.count_nonzero(d_gp <= lim) / d_gp.size
        f = 2 * prec * rec / (prec + rec) if prec + rec > 0 else 0.0
        return float(prec), float(rec), float(f)

class Confusion(NamedTuple):
    """Pixel/voxel confusion counts of a binary prediction against the ground truth."""

    tp: int
    fp: int
    fn: int
    tn: int
