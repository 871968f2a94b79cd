"""Tests of organseg_plugins.core.metrics.geometry kernels against the constructions they replace."""

from __future__ import annotations

import cv2
import numpy as np
from scipy import ndimage

from organseg_plugins.core.metrics.geometry import erode_box


def test_erode_box_2d_equals_boundary_iou_api_iterated_erosion():
    # boundary-iou-api erodes the zero-framed mask with the 3x3 kernel d times; the integral-image box test
    # must give the same set for every d, including boxes wider than the mask (everything erodes)
    rng = np.random.default_rng(21)
    n_nonempty = 0
    for i in range(40):
        shape = (int(rng.integers(5, 60)), int(rng.integers(5, 60)))
        sm = ndimage.gaussian_filter(rng.standard_normal(shape), float(rng.uniform(1, 5)))
        m = np.zeros((shape[0] + 2, shape[1] + 2), bool)  # the zero frame that MaskPair's crops carry
        m[1:-1, 1:-1] = sm > np.quantile(sm, float(rng.uniform(0.1, 0.8)))
        for d in (1, 2, 3, 7, 14, 40):
            want = cv2.erode(m.view(np.uint8), np.ones((3, 3), np.uint8), iterations=d).view(bool)
            got, where = erode_box(m, d)
            assert where == (slice(0, m.shape[0]), slice(0, m.shape[1]))
            np.testing.assert_array_equal(got, want, err_msg=f"case {i}, d={d}")
            n_nonempty += bool(want.any())
    assert n_nonempty > 40  # the sets compared are not all empty
