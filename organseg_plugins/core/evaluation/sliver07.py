"""Sliver07 scores: each volume metric mapped to 0-100 points against the human second rater.

Heimann et al. 2009, "Comparison and evaluation of methods for liver segmentation from CT datasets",
IEEE Trans Med Imaging 28(8):1251-1265 (the Sliver07 challenge): a metric value ``m`` scores
``max(0, 100 - 25 * |m| / ref)`` points, so a perfect result gets 100 and one as far off as the
second human rater's average error ``ref`` gets 75; the case's score is the mean of the five metric
scores. The reference values are a setting (:data:`SLIVER07_REFERENCE`, the paper's: VOE 6.4 %,
RVD 4.7 %, ASD 1.0 mm, RMSD 1.8 mm, MSD 19 mm) so other organs or raters can be scored the same way.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from organseg_plugins.core.errors import OrgansegInputError

__all__ = ["SLIVER07_REFERENCE", "sliver07_scores"]

#: Second-rater errors of Heimann et al. 2009 (Table 2): per-volume row key -> reference value, in the
#: row's units (VOE and RVD as fractions, distances in mm).
SLIVER07_REFERENCE: dict[str, float] = {"voe": 0.064, "rvd": 0.047, "asd": 1.0, "rmsd": 1.8, "hd": 19.0}


def sliver07_scores(row: Mapping[str, float], reference: Mapping[str, float] | None = None) -> dict[str, float]:
    """Sliver07 points of one volume: ``{"score_voe", ..., "score_hd", "score"}`` (the last is their mean).

    Args:
        row: A per-volume row with the keys of ``reference`` (VOE/RVD as fractions, distances in mm;
            RVD's sign is ignored). An infinite distance (one mask empty) scores 0.
        reference: Metric key -> reference value (> 0); default :data:`SLIVER07_REFERENCE`.

    Raises:
        OrgansegInputError: A reference value that is not positive, or a row without a reference key.
    """
    ref = dict(SLIVER07_REFERENCE if reference is None else reference)
    out: dict[str, float] = {}
    for key, r in ref.items():
        if not (math.isfinite(float(r)) and float(r) > 0):
            raise OrgansegInputError(f"Sliver07 reference for {key!r} must be a positive number, got {r!r}")
        if key not in row:
            raise OrgansegInputError(f"Sliver07 score needs {key!r} in the per-volume row (has {sorted(row)})")
        m = abs(float(row[key]))
        out[f"score_{key}"] = 0.0 if not math.isfinite(m) else max(0.0, 100.0 - 25.0 * m / float(r))
    out["score"] = sum(out.values()) / len(ref)
    return out
