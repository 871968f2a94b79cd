"""3-D spleen phantoms: voxelised ellipsoids against 4/3 pi a b c, and the random spleen's properties."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import ndimage

from organseg_plugins.core.errors import OrgansegInputError
from organseg_plugins.core.phantoms.spleen3d import (
    ellipsoid_mask,
    ellipsoid_volume_ml,
    random_spleen,
    voxel_volume_ml,
)


def test_ellipsoid_volume_by_hand():
    # 4/3 pi 10 * 10 * 10 mm^3 = 4188.79 mm^3 = 4.18879 mL
    assert ellipsoid_volume_ml((10, 10, 10)) == pytest.approx(4.18879, abs=1e-5)
    # 2 x 3 x 4 voxels of 1 x 2 x 5 mm = 24 voxels * 10 mm^3 = 240 mm^3 = 0.24 mL
    assert voxel_volume_ml(np.ones((2, 3, 4), np.uint8), (1, 2, 5)) == pytest.approx(0.24)


@pytest.mark.parametrize("axes, spacing", [((60, 40, 30), 1.0), ((45, 35, 55), (1.0, 0.8, 1.2)),
                                           ((30, 30, 30), 1.0)])
def test_voxel_count_matches_the_analytic_ellipsoid(axes, spacing):
    # the voxel-centre rasterisation converges to the analytic volume; at >= 25 voxels per semi-axis the
    # error is a surface effect ~ (surface x spacing / volume) / few, well under 1.5%
    mask = ellipsoid_mask(axes, spacing)
    assert mask.dtype == np.uint8 and set(np.unique(mask)) == {0, 1}
    assert voxel_volume_ml(mask, spacing) == pytest.approx(ellipsoid_volume_ml(axes), rel=0.015)


def test_ellipsoid_extent_along_each_axis():
    # a = 10 mm along z at 1 mm: the central column holds the voxel centres -10..10 -> 21 voxels
    m = ellipsoid_mask((10, 6, 4), 1.0)
    cz, cy, cx = (s // 2 for s in m.shape)
    assert m[:, cy, cx].sum() == 21 and m[cz, :, cx].sum() == 13 and m[cz, cy, :].sum() == 9


def test_random_spleen_is_deterministic_connected_and_in_range():
    vols = []
    for seed in range(12):
        s = random_spleen(seed, 3.0)
        again = random_spleen(seed, 3.0)
        assert np.array_equal(s.mask, again.mask) and s.volume_ml == again.volume_ml
        assert s.volume_ml == pytest.approx(np.count_nonzero(s.mask) * 27 / 1000)  # 3 mm voxels: 27 mm^3
        _, n = ndimage.label(s.mask)
        assert n == 1
        # the solid never touches the grid border
        assert not (s.mask[0].any() or s.mask[-1].any() or s.mask[:, 0].any() or s.mask[:, -1].any()
                    or s.mask[:, :, 0].any() or s.mask[:, :, -1].any())
        # bending and lobulation change the target volume by a few percent only
        assert s.volume_ml == pytest.approx(s.params["target_volume_ml"], rel=0.12)
        vols.append(s.volume_ml)
    assert min(vols) >= 40 and max(vols) <= 1700
    assert len(set(vols)) == 12


def test_random_spleen_volume_range_and_bad_input():
    s = random_spleen(3, 2.0, volume_range_ml=(200, 200))
    assert s.params["target_volume_ml"] == pytest.approx(200)
    assert s.volume_ml == pytest.approx(200, rel=0.12)
    assert math.isclose(s.params["semi_axes_mm"][0] * s.params["semi_axes_mm"][1] * s.params["semi_axes_mm"][2]
                        * 4 / 3 * math.pi / 1000, 200, rel_tol=1e-9)
    with pytest.raises(OrgansegInputError, match=r"volume_range_ml must be 0 < low <= high, got \(0, 10\)"):
        random_spleen(0, 2.0, volume_range_ml=(0, 10))
    with pytest.raises(OrgansegInputError, match=r"expected three positive semi-axes in mm, got \(10, -1, 3\)"):
        ellipsoid_mask((10, -1, 3))
