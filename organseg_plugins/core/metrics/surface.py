"""Surface distances in mm: Hausdorff (MSD), HD95, ASD, RMSD (medpy/MONAI conventions, documented).

Surface of a mask ``S(M) = M XOR erode(M)`` with the face-connected (cross) structuring element and
zero outside the array, exactly as medpy and MONAI compute it. ``d(A->B)`` is the multiset of
Euclidean distances (mm) from every surface voxel of A to the nearest surface voxel of B.

* HD95 default (``mode="max_directed"``) is ``max(P95(d(P->G)), P95(d(G->P)))`` = MONAI
  ``compute_hausdorff_distance(percentile=95)``; ``mode="pooled"`` = medpy ``hd95``.
* The symmetric ASD is pooled (Heimann et al. 2009, "Comparison and evaluation of methods for liver
  segmentation from CT datasets", IEEE TMI; Sliver07): ``(sum d(P->G) + sum d(G->P)) / (|S(P)| + |S(G)|)``
  = MONAI ``symmetric=True`` = medpy 0.5 ``assd``; ``mode="mean_of_directed"`` is medpy <= 0.4.
* ``convention="surfel"``: DeepMind's ``surface-distance`` convention (Nikolov et al. 2021, "Clinically
  applicable segmentation of head and neck anatomy for radiotherapy", J Med Internet Res): surfels on the
  voxel-corner grid weighted by their length/area; ASD is area-weighted, HD95 the robust Hausdorff
  (weighted percentile, no interpolation, max of the two directions), see :mod:`.surface_dice`.
* Empty masks: both empty -> 0, exactly one empty -> ``inf``.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from .pair import ASDMode, Convention, HD95Mode, MaskPair, Spacing

__all__ = ["surface_distances", "hausdorff_distance", "percentile_hausdorff_distance", "hd95",
           "average_surface_distance", "rmsd", "surface_metrics", "surface_values"]

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
    pair = MaskPair(pred, gt, spacing)
    if pair.both_empty:
        return np.zeros(0), np.zeros(0)
    if pair.one_empty:
        sp, sg = pair.surfaces
        return np.full(int(np.count_nonzero(sp)), np.inf), np.full(int(np.count_nonzero(sg)), np.inf)
    d_pg, d_gp = pair.dists_mm
    return d_pg.copy(), d_gp.copy()

def hausdorff_distance(
    pred: ArrayLike, gt: ArrayLike, spacing: Spacing = None, convention: Convention = "voxel"
) -> float:
    """Hausdorff distance = maximum symmetric surface distance (MSD, Sliver07): the worst error.

    ``HD = max(max d(P->G), max d(G->P))``; equals medpy ``hd`` and MONAI
    ``compute_hausdorff_distance``. 0 if both masks are empty, ``inf`` if exactly one is.

    Args:
        pred: binary prediction.
        gt: binary ground truth, same shape.
        spacing: voxel size in mm, one float or one per axis; None = 1.
        convention: ``"voxel"`` (surface voxels, MONAI/medpy; default) or ``"surfel"`` (DeepMind's
            area-weighted surfels, Nikolov et al. 2021).

    Returns:
        HD in mm.
    """
    return MaskPair(pred, gt, spacing).hd(convention)

def percentile_hausdorff_distance(
    pred: ArrayLike,
    gt: ArrayLike,
    spacing: Spacing = None,
    percentile: float = 95.0,
    mode: HD95Mode = "max_directed",
    convention: Convention = "voxel",
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
        convention: ``"voxel"`` (surface voxels, MONAI/medpy; default) or ``"surfel"`` (DeepMind's
            area-weighted surfels, Nikolov et al. 2021).

    Returns:
        The percentile Hausdorff distance in mm.
    """
    return MaskPair(pred, gt, spacing).hd_percentile(percentile, mode, convention)

def hd95(
    pred: ArrayLike, gt: ArrayLike, spacing: Spacing = None, mode: HD95Mode = "max_directed",
    convention: Convention = "voxel",
) -> float:
    """95th-percentile Hausdorff distance (HD95), the robust worst-case surface error.

    Default ``max(P95(d(P->G)), P95(d(G->P)))`` = MONAI ``compute_hausdorff_distance(percentile=95)``;
    ``mode="pooled"`` gives ``P95(d(P->G) U d(G->P))`` = medpy ``hd95``. See
    :func:`percentile_hausdorff_distance`.

    Args:
        pred: binary prediction.
        gt: binary ground truth, same shape.
        spacing: voxel size in mm, one float or one per axis; None = 1.
        mode: ``"max_directed"`` (MONAI, default) or ``"pooled"`` (medpy).
        convention: ``"voxel"`` (surface voxels, MONAI/medpy; default) or ``"surfel"`` (DeepMind's
            area-weighted surfels, Nikolov et al. 2021).

    Returns:
        HD95 in mm.
    """
    return MaskPair(pred, gt, spacing).hd_percentile(95.0, mode, convention)

def average_surface_distance(
    pred: ArrayLike, gt: ArrayLike, spacing: Spacing = None, mode: ASDMode = "symmetric",
    convention: Convention = "voxel",
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
        convention: ``"voxel"`` (surface voxels, MONAI/medpy; default) or ``"surfel"`` (DeepMind's
            area-weighted surfels, Nikolov et al. 2021).

    Returns:
        ASD in mm.
    """
    return MaskPair(pred, gt, spacing).asd(mode, convention)

def rmsd(pred: ArrayLike, gt: ArrayLike, spacing: Spacing = None, convention: Convention = "voxel") -> float:
    """Root-mean-square symmetric surface distance (RMSD, Sliver07): ASD that penalises outliers more.

    ``RMSD = sqrt((sum d(P->G)^2 + sum d(G->P)^2) / (|S(P)| + |S(G)|))``. 0 if both masks are
    empty, ``inf`` if exactly one is.

    Args:
        pred: binary prediction.
        gt: binary ground truth, same shape.
        spacing: voxel size in mm, one float or one per axis; None = 1.
        convention: ``"voxel"`` (surface voxels, MONAI/medpy; default) or ``"surfel"`` (DeepMind's
            area-weighted surfels, Nikolov et al. 2021).

    Returns:
        RMSD in mm.
    """
    return MaskPair(pred, gt, spacing).rmsd(convention)

def surface_metrics(
    pred: ArrayLike, gt: ArrayLike, spacing: Spacing = None, hd95_mode: HD95Mode = "max_directed",
    convention: Convention = "voxel",
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
        convention: ``"voxel"`` (surface voxels, MONAI/medpy; default) or ``"surfel"`` (DeepMind's
            area-weighted surfels, Nikolov et al. 2021).

    Returns:
        Metric name -> value in mm.
    """
    return surface_values(MaskPair(pred, gt, spacing), hd95_mode, convention)

def surface_values(pair: MaskPair, hd95_mode: HD95Mode, convention: Convention = "voxel") -> dict[str, float]:
    """The surface metrics of :func:`surface_metrics` from an existing :class:`MaskPair`."""
    return {
        "hd": pair.hd(convention),
        "hd95": pair.hd_percentile(95.0, hd95_mode, convention),
        "asd": pair.asd("symmetric", convention),
        "asd_pred_to_gt": pair.asd("pred_to_gt", convention),
        "asd_gt_to_pred": pair.asd("gt_to_pred", convention),
        "assd_mean_of_directed": pair.asd("mean_of_directed", convention),
        "rmsd": pair.rmsd(convention),
    }
