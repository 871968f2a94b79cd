"""The whole metric suite for one pair (or per class of a label map), sharing one :class:`MaskPair`.

:func:`compute_all` validates and crops once; overlap, surface distances, NSD, Boundary/Trimap IoU
and the boundary F (DAVIS or distance variant) all read that pair's crops, cached surfaces and
cached distance maps, through the same pair-based kernels as the single-metric functions.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np
from numpy.typing import ArrayLike

from ..errors import OrgansegInputError
from .boundary import FMethod, boundary_prf_of_pair
from .pair import Convention, HD95Mode, MaskPair, Spacing
from .surface import surface_values

__all__ = ["compute_all", "compute_per_class"]

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
    f_method: FMethod = "auto",
    boundary_metrics: bool = True,
    nsd_tolerance: float | None = None,
    nsd_subvoxels: bool = False,
    surface_convention: Convention = "voxel",
) -> dict[str, float]:
    """Every metric of this module for one (pred, gt) pair: one validation, one crop, shared distances.

    Keys: ``tp fp fn tn`` (counts, as floats), ``dice jaccard precision recall specificity accuracy
    kappa voe rvd``, ``pred_volume gt_volume`` (mm^ndim), ``hd hd95 asd asd_pred_to_gt asd_gt_to_pred
    assd_mean_of_directed rmsd`` (mm), and unless ``boundary_metrics=False``: ``boundary_iou
    trimap_iou boundary_precision boundary_recall boundary_f`` (pixel-based; F = the DAVIS F-measure in 2-D),
    and ``nsd`` (normalised surface Dice) when ``nsd_tolerance`` is given. Definitions and empty-mask
    conventions are those of the single-metric functions.

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
        f_method: boundary F definition: ``"auto"`` (DAVIS in 2-D, distance variant in 3-D), ``"davis"``,
            ``"distance"`` (see :func:`~.boundary.boundary_precision_recall_f`).
        boundary_metrics: also compute the three boundary scores.
        nsd_tolerance: tolerance in mm of the normalised surface Dice (``nsd``); None: not computed.
        nsd_subvoxels: NSD on DeepMind's surfels (``use_subvoxels=True``) instead of voxel boundaries.
        surface_convention: ``"voxel"`` (MONAI/medpy surface voxels, default) or ``"surfel"`` (DeepMind's
            area-weighted surfels) for ``hd hd95 asd* rmsd``.

    Returns:
        Metric name -> value (Python floats).
    """
    pair = MaskPair(pred, gt, spacing)
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
    out.update(surface_values(pair, hd95_mode, surface_convention))
    if nsd_tolerance is not None:
        out["nsd"] = pair.nsd(nsd_tolerance, nsd_subvoxels)
    if boundary_metrics:
        out["boundary_iou"] = pair.boundary_iou(dilation_ratio, boundary_width)
        out["trimap_iou"] = pair.trimap_iou(trimap_width)
        bp, br, bf = boundary_prf_of_pair(pair, f_tolerance, f_tolerance_ratio, f_method)
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
