"""Size measures: mask volume, MPLE (Karimi et al. 2025, Eq. 8) and MRVA (Yuan et al. 2025, DeepSPV)."""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike

from ..errors import OrgansegInputError
from ..io.validate import as_spacing
from .pair import Spacing, as_bool_mask

__all__ = ["interval_coverage", "mask_volume", "mple", "mrva"]

def mask_volume(mask: ArrayLike, spacing: Spacing = None) -> float:
    """Physical size of a mask (area in mm^2 for 2-D, volume in mm^3 for 3-D), the input of MRVA.

    ``V = |M| * prod(spacing)``.

    Args:
        mask: binary mask (2-D or 3-D).
        spacing: voxel size in mm, one float or one per axis; None = 1 (voxel count).

    Returns:
        The size in mm^ndim.
    """
    m = as_bool_mask(mask, "mask")
    if m.ndim not in (2, 3):
        raise OrgansegInputError(f"expected a 2-D or 3-D mask, got shape {m.shape}")
    return float(np.count_nonzero(m)) * math.prod(as_spacing(spacing, m.ndim))

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
    lengths ``l`` (e.g. from :func:`organseg_plugins.core.metrics.length.max_feret_diameter`).

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

def interval_coverage(lower: ArrayLike, upper: ArrayLike, ref_values: ArrayLike) -> float:
    """Coverage of prediction intervals: the percentage of cases whose reference lies in ``[lower, upper]``.

    For the 95% confidence intervals of DeepSPV (Yuan et al. 2025) a calibrated model covers about 95%.

    Args:
        lower: lower bound per case.
        upper: upper bound per case (>= lower).
        ref_values: reference value per case, same order.

    Returns:
        Coverage in percent.
    """
    lo = np.asarray(lower, dtype=np.float64).ravel()
    hi = np.asarray(upper, dtype=np.float64).ravel()
    r = np.asarray(ref_values, dtype=np.float64).ravel()
    if not lo.shape == hi.shape == r.shape:
        raise OrgansegInputError(f"interval coverage: {lo.size} lower, {hi.size} upper and {r.size} reference values")
    if r.size == 0:
        raise OrgansegInputError("interval coverage: no cases")
    if (hi < lo).any():
        raise OrgansegInputError("interval coverage: an upper bound is below its lower bound")
    return float(100.0 * np.mean((lo <= r) & (r <= hi)))
