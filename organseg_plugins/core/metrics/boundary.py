"""Boundary-quality scores in pixels: Boundary IoU, trimap IoU and the boundary F-measure.

* Boundary IoU: Cheng et al. 2021, "Boundary IoU: Improving Object-Centric Image Segmentation
  Evaluation" (CVPR): IoU of the bands within d = ratio x image diagonal inside each mask.
* Trimap IoU: IoU restricted to a band of ``width`` pixels around the ground-truth boundary.
* Boundary F-measure: the DAVIS definition by default (Perazzi et al. 2016, "A Benchmark Dataset and
  Evaluation Methodology for Video Object Segmentation", CVPR); see :func:`boundary_f_measure`.
"""

from __future__ import annotations

import math
from typing import Literal

from numpy.typing import ArrayLike

from ..errors import OrgansegInputError
from .davis import davis_prf
from .pair import MaskPair

__all__ = ["FMethod", "boundary_iou", "trimap_iou", "boundary_precision_recall_f", "boundary_prf_of_pair",
           "boundary_f_measure"]

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
    return MaskPair(pred, gt).boundary_iou(dilation_ratio, width)

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
    return MaskPair(pred, gt).trimap_iou(width)

FMethod = Literal["auto", "davis", "distance"]


def _f_method(method: str, ndim: int) -> str:
    if method not in ("auto", "davis", "distance"):
        raise OrgansegInputError(f"unknown boundary F method {method!r}: use 'auto', 'davis' or 'distance'")
    if method == "auto":
        return "davis" if ndim == 2 else "distance"
    if method == "davis" and ndim != 2:
        raise OrgansegInputError("the DAVIS boundary F-measure is defined on 2-D masks; use method='distance' "
                                 "(or 'auto') for volumes")
    return method


def boundary_precision_recall_f(
    pred: ArrayLike,
    gt: ArrayLike,
    tolerance: float | None = None,
    tolerance_ratio: float = 0.008,
    method: FMethod = "auto",
) -> tuple[float, float, float]:
    """Boundary precision, recall and F-measure of the contours (DAVIS ``F``, Perazzi et al. 2016).

    ``method="davis"`` (the default for 2-D masks, ``"auto"``) is the official DAVIS evaluation
    (davis2017-evaluation ``metrics.f_measure``; Perazzi et al. 2016, "A Benchmark Dataset and
    Evaluation Methodology for Video Object Segmentation", CVPR): ``seg2bmap`` boundaries on the
    pixel grid, matched within a disk of radius ``ceil(tolerance_ratio * diagonal)`` (``bound_th``
    0.008) or ``tolerance`` pixels; see :mod:`.davis`. ``method="distance"`` (the default for 3-D
    volumes, where DAVIS has no definition) uses the inner 4-connected surface ``S(M)`` of the
    distance metrics: ``precision = |{s in S(P): dist(s, S(G)) <= t}| / |S(P)|``, recall symmetric.
    Both: ``F = 2 P R / (P + R)`` (0 if P + R = 0); both empty -> (1, 1, 1); empty prediction ->
    (1, 0, 0); empty ground truth -> (0, 1, 0).

    Args:
        pred: binary prediction.
        gt: binary ground truth, same shape.
        tolerance: matching distance ``t`` in pixels (overrides ``tolerance_ratio``).
        tolerance_ratio: ``t`` as a fraction of the image diagonal (rounded up; DAVIS: 0.008).
        method: ``"auto"``, ``"davis"`` or ``"distance"`` (see above).

    Returns:
        ``(precision, recall, f)``, each in [0, 1].
    """
    return boundary_prf_of_pair(MaskPair(pred, gt), tolerance, tolerance_ratio, method)


def boundary_prf_of_pair(
    pair: MaskPair,
    tolerance: float | None = None,
    tolerance_ratio: float = 0.008,
    method: FMethod = "auto",
) -> tuple[float, float, float]:
    """The kernel of :func:`boundary_precision_recall_f` on an existing :class:`~.pair.MaskPair`.

    DAVIS reads the pair's crop (:func:`~.davis.davis_prf`), the distance variant its cached pixel
    distances between the voxel surfaces; arguments as :func:`boundary_precision_recall_f`.
    """
    if _f_method(method, pair.ndim) == "davis":
        if tolerance is not None:
            if not (math.isfinite(tolerance) and tolerance >= 0):
                raise OrgansegInputError(f"tolerance must be a finite number >= 0 pixels, got {tolerance}")
            bound_th = float(tolerance) if tolerance >= 1 else 0.0  # a disk of radius < 1 is one pixel
        else:
            if not (math.isfinite(tolerance_ratio) and 0 <= tolerance_ratio < 1):
                raise OrgansegInputError(f"tolerance_ratio must be in [0, 1), got {tolerance_ratio}")
            bound_th = tolerance_ratio
        return davis_prf(pair, bound_th)
    return pair.boundary_prf(tolerance, tolerance_ratio)


def boundary_f_measure(
    pred: ArrayLike,
    gt: ArrayLike,
    tolerance: float | None = None,
    tolerance_ratio: float = 0.008,
    method: FMethod = "auto",
) -> float:
    """Boundary F-measure (DAVIS ``F``), the contour accuracy; see :func:`boundary_precision_recall_f`.

    Args:
        pred: binary prediction.
        gt: binary ground truth, same shape.
        tolerance: matching distance in pixels (overrides ``tolerance_ratio``).
        tolerance_ratio: tolerance as a fraction of the image diagonal (DAVIS: 0.008).
        method: ``"auto"`` (DAVIS in 2-D, distance variant in 3-D), ``"davis"`` or ``"distance"``.

    Returns:
        F in [0, 1].
    """
    return boundary_precision_recall_f(pred, gt, tolerance, tolerance_ratio, method)[2]
