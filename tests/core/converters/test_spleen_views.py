"""Mid-coronal and transverse views: ellipsoid cross-sections with hand-computed areas and axes."""

from __future__ import annotations

import math

import numpy as np
import pytest

from organseg_plugins.core.converters.spleen_views import mid_views
from organseg_plugins.core.errors import OrgansegInputError
from organseg_plugins.core.phantoms.spleen3d import ellipsoid_mask


def test_views_of_an_ellipsoid_are_its_central_ellipses():
    # semi-axes 40 (z), 20 (y), 30 (x) mm at 1 mm voxels, views at 2 mm pixels:
    # coronal (z, x) ellipse area pi*40*30 = 3769.9 mm^2 = 942.5 px of 4 mm^2;
    # transverse (y, x) ellipse area pi*20*30 = 1885.0 mm^2 = 471.2 px
    m = ellipsoid_mask((40, 20, 30), 1.0)
    v = mid_views(m, 1.0, size=64, view_spacing=2.0)
    assert v.coronal.shape == v.transverse.shape == (64, 64) and v.clipped == ()
    assert v.coronal.sum() == pytest.approx(math.pi * 40 * 30 / 4, rel=0.03)
    assert v.transverse.sum() == pytest.approx(math.pi * 20 * 30 / 4, rel=0.03)
    # rows of the coronal view run along z: 80 mm / 2 mm = about 40 rows tall, 30 columns wide
    rows = np.flatnonzero(v.coronal.any(axis=1))
    cols = np.flatnonzero(v.coronal.any(axis=0))
    assert rows.size == pytest.approx(40, abs=2) and cols.size == pytest.approx(30, abs=2)
    assert v.get("coronal") is v.coronal


def test_anisotropic_voxels_keep_the_physical_size():
    # the same ellipsoid at (2, 1, 1) mm voxels gives the same views, up to the coarser z rasterisation (< 5%)
    a = mid_views(ellipsoid_mask((40, 20, 30), 1.0), 1.0, 64, 2.0)
    b = mid_views(ellipsoid_mask((40, 20, 30), (2.0, 1.0, 1.0)), (2.0, 1.0, 1.0), 64, 2.0)
    assert abs(int(a.coronal.sum()) - int(b.coronal.sum())) <= 0.05 * a.coronal.sum()
    assert abs(int(a.transverse.sum()) - int(b.transverse.sum())) <= 0.05 * a.transverse.sum()


def test_clipping_is_reported_and_bad_input_refused():
    # a 40 mm semi-axis does not fit a 16 px x 2 mm = 32 mm canvas
    v = mid_views(ellipsoid_mask((40, 20, 30), 1.0), 1.0, size=16, view_spacing=2.0)
    assert v.clipped == ("coronal", "transverse")
    with pytest.raises(OrgansegInputError, match=r"^3-D mask: the mask is empty \(no organ to slice\)$"):
        mid_views(np.zeros((5, 5, 5), np.uint8), 1.0)
    with pytest.raises(OrgansegInputError, match=r"^case7: mask has values \{255\} \(dtype uint8\); expected 0/1 "
                                                 r"\(a 0/255 mask: divide it by 255\)$"):
        mid_views(np.full((5, 5, 5), 255, np.uint8), 1.0, source="case7")


def test_mask_on_canvas_keeps_the_physical_area():
    # a 40 x 60 px rectangle of 0.5 mm pixels = 20 x 30 mm = 600 mm^2 -> 150 px of 2 mm, centred
    from organseg_plugins.core.converters.spleen_views import mask_on_canvas

    m = np.zeros((100, 120), np.uint8)
    m[20:60, 30:90] = 1
    c = mask_on_canvas(m, 0.5, 32, 2.0)
    assert c.shape == (32, 32) and c.sum() == pytest.approx(150, abs=16)
    rows, cols = np.flatnonzero(c.any(axis=1)), np.flatnonzero(c.any(axis=0))
    assert rows.size == pytest.approx(10, abs=1) and cols.size == pytest.approx(15, abs=1)
    assert abs((rows.min() + rows.max()) / 2 - 15.5) <= 1 and abs((cols.min() + cols.max()) / 2 - 15.5) <= 1
    with pytest.raises(OrgansegInputError, match=r"^img7: the mask is empty \(no organ\)$"):
        mask_on_canvas(np.zeros((8, 8), np.uint8), 1.0, 16, 1.0, source="img7")
