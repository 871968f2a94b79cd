"""Ultrasound-like renderings of the views: deterministic per seed, organ brighter than its surroundings."""

from __future__ import annotations

import numpy as np

from organseg_plugins.core.converters.spleen_views import mid_views
from organseg_plugins.core.phantoms.spleen3d import ellipsoid_mask
from organseg_plugins.core.phantoms.ultrasound_views import ultrasound_views


def test_renderings_are_deterministic_and_show_the_organ():
    v = mid_views(ellipsoid_mask((40, 20, 30), 1.0), 1.0, 64, 2.0)
    a, b, c = ultrasound_views(v, (0, 1)), ultrasound_views(v, (0, 1)), ultrasound_views(v, (0, 2))
    assert set(a) == {"coronal", "transverse"}
    for view in a:
        img, mask = a[view], v.get(view).astype(bool)
        assert img.shape == (64, 64) and img.dtype == np.uint8
        assert np.array_equal(img, b[view]) and not np.array_equal(img, c[view])
        # the renderer's organ is brighter (texture ~118 vs tissue ~78 before attenuation and speckle)
        ring = np.zeros_like(mask)
        ys, xs = np.nonzero(mask)
        ring[max(ys.min() - 6, 0):ys.max() + 7, max(xs.min() - 6, 0):xs.max() + 7] = True
        assert img[mask].mean() > img[ring & ~mask].mean()
