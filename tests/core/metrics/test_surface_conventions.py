"""The surface metrics' ``convention="surfel"`` and compute_all's NSD equal DeepMind's definitions
(tests/core/metrics/test_surface_dice.py checks those against MONAI)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from organseg_plugins.core import metrics as M
from organseg_plugins.core.metrics.surface_dice import (
    normalized_surface_dice,
    surfel_average_surface_distance,
    surfel_robust_hausdorff,
    surfel_surface_distances,
)


def _blob(shape, center, radii):
    grid = np.indices(shape, dtype=float)
    r = sum(((g - c) / s) ** 2 for g, c, s in zip(grid, center, radii))
    return (r <= 1).astype(np.uint8)


CASES = [
    (_blob((40, 50), (20, 24), (9, 14)), _blob((40, 50), (22, 27), (10, 12)), (0.8, 0.6)),
    (_blob((12, 30, 30), (6, 15, 14), (4, 9, 8)), _blob((12, 30, 30), (5, 16, 16), (4, 8, 9)), (2.5, 0.7, 0.9)),
]


@pytest.mark.parametrize("pred, gt, spacing", CASES)
def test_surfel_convention_equals_deepmind(pred, gt, spacing):
    pg, _ = surfel_average_surface_distance(pred, gt, spacing)
    assert M.average_surface_distance(pred, gt, spacing, "pred_to_gt", convention="surfel") == pytest.approx(pg)
    assert M.hd95(pred, gt, spacing, convention="surfel") == surfel_robust_hausdorff(pred, gt, spacing, 95)
    assert M.hausdorff_distance(pred, gt, spacing, convention="surfel") == surfel_robust_hausdorff(pred, gt, spacing, 100)
    # symmetric ASD: one area-weighted mean over the surfels of both surfaces
    d_pg, a_p, d_gp, a_g = surfel_surface_distances(pred, gt, spacing)
    sym = (np.dot(d_pg, a_p) + np.dot(d_gp, a_g)) / (a_p.sum() + a_g.sum())
    assert M.average_surface_distance(pred, gt, spacing, convention="surfel") == pytest.approx(sym, rel=1e-12)
    out = M.compute_all(pred, gt, spacing, surface_convention="surfel", nsd_tolerance=1.5, boundary_metrics=False)
    assert out["hd95"] == surfel_robust_hausdorff(pred, gt, spacing, 95)
    assert out["nsd"] == normalized_surface_dice(pred, gt, 1.5, spacing)
    # the voxel convention is a different number on the same pair
    assert M.average_surface_distance(pred, gt, spacing) != pytest.approx(sym, rel=1e-3)


def test_empty_and_bad_convention():
    z = np.zeros((8, 8), np.uint8)
    m = z.copy()
    m[2:5, 2:5] = 1
    assert M.hd95(z, z, convention="surfel") == 0.0
    assert math.isinf(M.average_surface_distance(m, z, convention="surfel"))
    assert M.compute_all(z, z, nsd_tolerance=1.0)["nsd"] == 1.0
    assert M.compute_all(m, z, nsd_tolerance=1.0)["nsd"] == 0.0
    with pytest.raises(ValueError, match="unknown surface convention"):
        M.rmsd(m, m, convention="mesh")
