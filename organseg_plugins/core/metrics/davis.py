"""DAVIS boundary F-measure (contour accuracy ``F``), reproducing the official DAVIS evaluation exactly.

Why: video/organ segmentation papers that report the DAVIS ``F`` computed it with the official
toolkit (``davis2017-evaluation``, ``davis2017/metrics.py``: ``f_measure`` and ``_seg2bmap``), whose
boundary extraction (``seg2bmap``, 1-pixel boundaries offset half a pixel towards the origin) and
disk-dilation matching differ from the "boundary F within a pixel tolerance" of
:mod:`organseg_plugins.core.metrics`; numbers are only comparable when computed the same way.
This module is a standalone, vectorised re-implementation (numpy + OpenCV) of that definition,
computed on the union crop of a :class:`~.pair.MaskPair` (:func:`davis_prf`, the kernel that
:func:`~.suite.compute_all` shares), with the image-border rules carried over to the crop.

References:
    Perazzi, Pont-Tuset, McWilliams, Van Gool, Gross, Sorkine-Hornung (2016). "A Benchmark Dataset
    and Evaluation Methodology for Video Object Segmentation". CVPR 2016 (the ``F`` measure).
    Pont-Tuset, Perazzi, Caelles, Arbelaez, Sorkine-Hornung, Van Gool (2017). "The 2017 DAVIS
    Challenge on Video Object Segmentation". arXiv:1704.00675 (the evaluation toolkit).
    Martin, Fowlkes, Malik (2004). "Learning to detect natural image boundaries using local
    brightness, color, and texture cues". IEEE TPAMI (``seg2bmap``, from the BSDS benchmark).

Definition (DAVIS conventions, all reproduced):

* Boundary map ``seg2bmap(M)``: pixel ``(y, x)`` is a boundary pixel iff ``M[y, x]`` differs from
  its east ``M[y, x+1]``, south ``M[y+1, x]`` or south-east ``M[y+1, x+1]`` neighbour. On the last
  row only the east neighbour is compared, on the last column only the south one, and the
  bottom-right pixel is never a boundary pixel. (Equivalently: pad ``M`` by replicating its last
  row and column, then compare with the three neighbours.) Consequently a mask that fills the
  whole image has an empty boundary map, and the image border is never a boundary by itself.
* Tolerance ``bound_pix = bound_th`` if ``bound_th >= 1`` else ``ceil(bound_th * diagonal)``
  with ``diagonal = sqrt(H**2 + W**2)`` (DAVIS default ``bound_th = 0.008``).
* Matching: each boundary map is dilated (OpenCV ``cv2.dilate``, pixels outside the image ignored)
  with ``skimage.morphology.disk(bound_pix)``, i.e. the offsets ``(i, j)`` on the grid
  ``arange(-r, r + 1)`` with ``i**2 + j**2 <= r**2`` (for an integer ``r``: all integer offsets
  within Euclidean distance ``r``). A non-integer ``bound_th >= 1`` is used as given, as DAVIS does
  (skimage then builds the kernel on a half-integer grid; reproduced here).
* ``precision = |B(P) & dilate(B(G))| / |B(P)|``, ``recall = |B(G) & dilate(B(P))| / |B(G)|``.
* Empty boundary maps: both empty -> ``P = R = 1``; prediction empty only -> ``P = 1, R = 0``;
  ground truth empty only -> ``P = 0, R = 1`` (hence ``F = 0`` when exactly one is empty).
* ``F = 2 P R / (P + R)``, and ``F = 0`` when ``P + R == 0``.

Not supported (as in DAVIS ``f_measure``): void pixels (here: none) and inputs other than one 2-D
frame; loop over frames / objects in the caller.
"""

from __future__ import annotations

import math

import cv2
import numpy as np
from numpy.typing import ArrayLike

from ..errors import OrgansegInputError
from ..io.validate import as_binary_mask
from .pair import MaskPair

__all__ = ["seg2bmap", "boundary_precision_recall_f_davis", "boundary_f_measure_davis", "davis_bound_pix", "davis_prf"]


def _as_mask_2d(mask: ArrayLike, name: str) -> np.ndarray:
    """The one validator (0/1 or bool, 2-D; H x W x 1 accepted like DAVIS) as a bool array."""
    m = np.asarray(mask)
    if m.ndim == 3 and m.shape[2] == 1:  # DAVIS accepts H x W x 1
        m = m[:, :, 0]
    return as_binary_mask(m, name, ndim=(2,)).view(np.bool_)


def seg2bmap(mask: ArrayLike, width: int | None = None, height: int | None = None) -> np.ndarray:
    """1-pixel-wide boundary map of a binary mask, as DAVIS/BSDS ``seg2bmap`` (Martin et al. 2004).

    A pixel is a boundary pixel iff it differs from its east, south or south-east neighbour (last
    row: east only; last column: south only; bottom-right pixel: never), so boundaries lie half a
    pixel towards the origin from the true contour. See the module docstring.

    Args:
        mask: binary 2-D mask ``(H, W)`` (bool or 0/1; ``H x W x 1`` accepted).
        width: width of the returned map, ``<= W`` (default ``W``).
        height: height of the returned map, ``<= H`` (default ``H``); the aspect ratio must match
            ``W / H`` within 0.01. When smaller than the mask, boundary pixel ``(y, x)`` is mapped
            to ``(floor(y * height / H), floor(x * width / W))``, the mapping of the original BSDS
            MATLAB ``seg2bmap``. (The DAVIS Python port writes ``(y - 1) + height / h`` for
            ``(y - 1) * height / h`` there; DAVIS never calls it with another size, so its scores
            are unaffected.)

    Returns:
        Boolean boundary map of shape ``(height, width)``.

    Raises:
        ValueError: if the mask is not 2-D or the requested size is larger than the mask or has
            another aspect ratio.
    """
    seg = _as_mask_2d(mask, "mask")
    h, w = seg.shape
    width = w if width is None else int(width)
    height = h if height is None else int(height)
    if width < 1 or height < 1 or width > w or height > h or abs(width / height - w / h) > 0.01:
        raise OrgansegInputError(f"can't convert a {w}x{h} mask to a {width}x{height} boundary map")
    # Replicating the last row/column reproduces the DAVIS border rules (see module docstring).
    p = np.pad(seg, ((0, 1), (0, 1)), mode="edge")
    b = (seg != p[:-1, 1:]) | (seg != p[1:, :-1]) | (seg != p[1:, 1:])
    if width == w and height == h:
        return b
    ys, xs = np.nonzero(b)
    out = np.zeros((height, width), dtype=bool)
    out[(ys * height) // h, (xs * width) // w] = True
    return out


def davis_bound_pix(shape: tuple[int, ...], bound_th: float = 0.008) -> float:
    """DAVIS tolerance in pixels: ``bound_th`` if ``>= 1``, else ``ceil(bound_th * image diagonal)``.

    Args:
        shape: image shape ``(H, W)``.
        bound_th: tolerance in pixels (``>= 1``) or as a fraction of the diagonal (``< 1``).

    Returns:
        The disk radius ``bound_pix`` (a float, as in DAVIS).

    Raises:
        ValueError: if ``bound_th`` is negative or not finite.
    """
    bt = float(bound_th)
    if not (math.isfinite(bt) and bt >= 0):
        raise OrgansegInputError(f"bound_th must be a finite number >= 0, got {bound_th}")
    if bt >= 1:
        return bt
    return float(math.ceil(bt * math.hypot(*shape[:2])))


def _disk(radius: float) -> np.ndarray:
    """``skimage.morphology.disk(radius)`` (uint8): grid ``arange(-r, r+1)``, ``x^2 + y^2 <= r^2``."""
    grid = np.arange(-radius, radius + 1)
    return ((grid[:, None] ** 2 + grid[None, :] ** 2) <= radius**2).astype(np.uint8)


def boundary_precision_recall_f_davis(
    pred: ArrayLike, gt: ArrayLike, bound_th: float = 0.008
) -> tuple[float, float, float]:
    """Boundary precision, recall and F-measure exactly as the official DAVIS ``f_measure``.

    Perazzi et al. 2016 (CVPR), "A Benchmark Dataset and Evaluation Methodology for Video Object
    Segmentation"; toolkit of Pont-Tuset et al. 2017, "The 2017 DAVIS Challenge on Video Object
    Segmentation". Boundaries from :func:`seg2bmap`, matched within a disk of radius
    ``bound_pix`` (see :func:`davis_bound_pix`). Empty boundary maps: both -> ``(1, 1, 1)``, only
    the prediction's -> ``(1, 0, 0)``, only the ground truth's -> ``(0, 1, 0)``.

    Args:
        pred: binary predicted mask ``(H, W)``.
        gt: binary ground-truth mask, same shape.
        bound_th: tolerance: pixels if ``>= 1``, else a fraction of the image diagonal.

    Returns:
        ``(precision, recall, f)``, floats in [0, 1].

    Raises:
        ValueError: on shape mismatch, non-2-D masks or a negative / non-finite ``bound_th``.
    """
    p = _as_mask_2d(pred, "pred")
    g = _as_mask_2d(gt, "gt")
    if p.shape != g.shape:
        raise OrgansegInputError(f"pred and gt must have the same shape, got {p.shape} and {g.shape}")
    davis_bound_pix(p.shape, bound_th)  # refuse a bad bound_th even for empty masks
    return davis_prf(MaskPair.from_validated(p, g), bound_th)


def _crop_bmap(c: np.ndarray, box: list[tuple[int, int]], shape: tuple[int, ...]) -> np.ndarray:
    """:func:`seg2bmap` of the full mask, on the framed crop ``c`` of the pair (one row/column shorter).

    The crop holds the union's bounding box inside a 1-pixel zero frame, so every boundary pixel of
    the full map lies in it, except that the frame must behave like the image border where the box
    touches it: below / right of the image DAVIS replicates the last row / column (so the frame is
    replaced by a copy), and the frame row above / column left of the image does not exist (its
    boundary pixels are dropped). Elsewhere the frame is real background, as in the image.
    """
    (y0, y1), (x0, x1) = box
    if y1 == shape[0] - 1 or x1 == shape[1] - 1:
        c = c.copy()
        if y1 == shape[0] - 1:
            c[-1, :] = c[-2, :]
        if x1 == shape[1] - 1:
            c[:, -1] = c[:, -2]
    a = c[:-1, :-1]
    b = (a != c[:-1, 1:]) | (a != c[1:, :-1]) | (a != c[1:, 1:])
    if y0 == 0:
        b[0, :] = False
    if x0 == 0:
        b[:, 0] = False
    return b


#: Away from the image border every seg2bmap pixel lies within sqrt(2) of the voxel surface S(M), and every
#: S(M) pixel within 1 of a seg2bmap pixel (see :func:`_matched`).
_BMAP_TO_SURFACE = math.sqrt(2.0)
_SURFACE_TO_BMAP = 1.0
_MAP_EPS = 1e-3  # far above the float32 error of OpenCV's distances (< 1e-7 relative), far below any gap


def _maps_apply(pair: MaskPair, radius: float) -> bool:
    """Whether :func:`_matched` may replace the disk dilations: the pair's 2-D distance maps to its voxel
    surfaces are already computed (the surface distances on isotropic spacing compute them), the disk has an
    integer radius (a non-integer one has skimage's half-integer grid) and the union's box keeps off the image
    border (there DAVIS's border rules drop boundary pixels and the bounds of :func:`_matched` fail)."""
    if not (pair.computed("map_p") and pair.computed("map_g")) or not float(radius).is_integer():
        return False
    assert pair.box is not None
    (y0, y1), (x0, x1) = pair.box
    return y0 > 0 and x0 > 0 and y1 < pair.shape[0] - 1 and x1 < pair.shape[1] - 1


def _matched(b_src: np.ndarray, to_surface: np.ndarray, b_dst: np.ndarray, r: int) -> int:
    """``|b_src & dilate(b_dst, disk(r))|`` from the distance map to the voxel surface of dst, mostly without
    the dilation.

    Away from the image border, a seg2bmap pixel of M differs from its east, south or south-east neighbour,
    so it, its east or south neighbour (distance 1) or its south-east one (``sqrt(2)``) is in the voxel
    surface S(M); a pixel of S(M) has a background face neighbour, so it or its west or north neighbour
    (distance 1) is a seg2bmap pixel. With ``d`` a pixel's distance to S(dst), its distance to the boundary
    map of dst is hence in ``[d - sqrt(2), d + 1]``: ``d <= r - 1`` is matched, ``d > r + sqrt(2)`` is not, and
    only the pixels in between are looked up exactly (:func:`_disk_hits`).

    Args:
        b_src: boundary map (crop without its last row and column) whose pixels are counted.
        to_surface: Euclidean pixel distances (float32) to S(dst) on the crop.
        b_dst: boundary map of dst, same grid as ``b_src``.
        r: the integer disk radius.
    """
    ys, xs = np.divmod(np.flatnonzero(b_src), b_src.shape[1])
    d = to_surface[ys, xs]
    sure = d <= r - _SURFACE_TO_BMAP - _MAP_EPS
    near = np.flatnonzero(~sure & (d <= r + _BMAP_TO_SURFACE + _MAP_EPS))
    n = int(np.count_nonzero(sure))
    if near.size:
        n += int(np.count_nonzero(_disk_hits(ys[near], xs[near], b_dst, r)))
    return n


def _disk_hits(ys: np.ndarray, xs: np.ndarray, b: np.ndarray, r: int) -> np.ndarray:
    """For each pixel ``(ys, xs)``: whether a True of ``b`` lies in the disk of integer radius ``r`` around it.

    The disk ``i^2 + j^2 <= r^2`` is a stack of ``2r + 1`` row runs ``|j| <= isqrt(r^2 - i^2)``; a run holds a
    True iff the row's prefix count rises across it, so each point costs ``2(2r + 1)`` reads of the row prefix
    counts of ``b`` (zero-padded by ``r``; from OpenCV's integral image), instead of a dilation of the crop.
    """
    padded = cv2.copyMakeBorder(b.view(np.uint8), r, r, r, r, cv2.BORDER_CONSTANT, value=0)
    ii = cv2.integral(padded)  # ii[y, x] = sum of padded[:y, :x]
    prefix = ii[1:] - ii[:-1]  # prefix[y, x] = sum of padded[y, :x]
    width = prefix.shape[1]
    dy = np.arange(-r, r + 1)
    half = np.array([math.isqrt(r * r - i * i) for i in range(-r, r + 1)])
    base = ((ys + r) * width + xs + r)[:, None]
    flat = prefix.reshape(-1)
    return (flat.take(base + dy * width + half + 1) > flat.take(base + dy * width - half)).any(axis=1)


def davis_prf(pair: MaskPair, bound_th: float = 0.008) -> tuple[float, float, float]:
    """DAVIS ``(precision, recall, F)`` of a 2-D :class:`~.pair.MaskPair`, computed on its crop.

    The kernel behind :func:`boundary_precision_recall_f_davis` and :func:`~.suite.compute_all`.
    Only boundary pixels are read and only boundary pixels feed the dilations, so working on the
    union crop is exact (``cv2.dilate`` ignores pixels outside the array).

    Args:
        pair: a 2-D mask pair (the image diagonal is that of ``pair.shape``).
        bound_th: tolerance: pixels if ``>= 1``, else a fraction of the image diagonal.

    Returns:
        ``(precision, recall, f)``, floats in [0, 1].
    """
    if pair.ndim != 2:
        raise OrgansegInputError(f"the DAVIS boundary F-measure is defined on 2-D masks, got shape {pair.shape}")
    radius = davis_bound_pix(pair.shape, bound_th)
    if pair.box is None:
        n_p = n_g = 0
    else:
        assert pair.p is not None and pair.g is not None
        bp, bg = _crop_bmap(pair.p, pair.box, pair.shape), _crop_bmap(pair.g, pair.box, pair.shape)
        n_p, n_g = int(np.count_nonzero(bp)), int(np.count_nonzero(bg))
    if n_p == 0 or n_g == 0:
        prec = 1.0 if n_p == 0 else 0.0
        rec = 1.0 if n_g == 0 else 0.0
    elif _maps_apply(pair, radius):
        prec = _matched(bp, pair.map_g, bg, int(radius)) / n_p
        rec = _matched(bg, pair.map_p, bp, int(radius)) / n_g
    else:
        kernel = _disk(radius)
        g_dil = cv2.dilate(bg.view(np.uint8), kernel).view(np.bool_)
        p_dil = cv2.dilate(bp.view(np.uint8), kernel).view(np.bool_)
        prec = np.count_nonzero(np.logical_and(bp, g_dil)) / n_p
        rec = np.count_nonzero(np.logical_and(bg, p_dil)) / n_g
    f = 2.0 * prec * rec / (prec + rec) if prec + rec > 0 else 0.0
    return float(prec), float(rec), float(f)


def boundary_f_measure_davis(pred: ArrayLike, gt: ArrayLike, bound_th: float = 0.008) -> float:
    """DAVIS boundary F-measure (contour accuracy), identical to the official ``f_measure``.

    ``F = 2 P R / (P + R)`` (0 if ``P + R == 0``) of the boundary precision/recall of
    :func:`boundary_precision_recall_f_davis` (Perazzi et al. 2016, CVPR; Pont-Tuset et al. 2017,
    "The 2017 DAVIS Challenge on Video Object Segmentation"). Both boundaries empty -> 1.0; exactly
    one empty -> 0.0.

    Args:
        pred: binary predicted mask ``(H, W)``.
        gt: binary ground-truth mask, same shape.
        bound_th: tolerance: pixels if ``>= 1``, else a fraction of the image diagonal (DAVIS 0.008).

    Returns:
        F in [0, 1].

    Raises:
        ValueError: on shape mismatch, non-2-D masks or a negative / non-finite ``bound_th``.
    """
    return boundary_precision_recall_f_davis(pred, gt, bound_th)[2]
