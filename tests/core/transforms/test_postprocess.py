"""Morphological post-processing: largest component, hole filling, opening, switches, empty mask."""

import numpy as np
import pytest

from organseg_plugins.core.transforms.postprocess import postprocess_mask


def _two_blobs():
    m = np.zeros((30, 30), np.uint8)
    m[2:12, 2:12] = 1  # 100 px
    m[18:24, 18:24] = 1  # 36 px
    return m


def _ring():
    m = np.zeros((20, 20), np.uint8)
    m[4:16, 4:16] = 1
    m[8:12, 8:12] = 0  # a 4x4 hole
    return m


def _square_with_spur():
    m = np.zeros((20, 20), np.uint8)
    m[5:15, 5:12] = 1
    m[9, 12:18] = 1  # 1-pixel-wide horizontal spur, 6 px long
    return m


def test_largest_component_kept():
    m = _two_blobs()
    out = postprocess_mask(m, fill_holes=False, opening_radius=0)
    assert out.dtype == np.uint8
    assert out.sum() == 100 and out[2:12, 2:12].all() and not out[18:24, 18:24].any()


def test_diagonal_touch_is_one_component_8_connectivity():
    m = np.zeros((10, 10), np.uint8)
    m[1:4, 1:4] = 1  # 9 px
    m[4:6, 4:6] = 1  # 4 px touching the first only at a corner
    m[7:9, 0:2] = 1  # 4 px, separate
    out = postprocess_mask(m, fill_holes=False, opening_radius=0)
    assert out.sum() == 13 and not out[7:9, 0:2].any()


def test_ring_gets_filled():
    m = _ring()
    out = postprocess_mask(m, largest_component=False, opening_radius=0)
    assert out[4:16, 4:16].all() and out.sum() == 144
    # a notch open to the outside is not a hole
    m[8:12, 4:8] = 0  # cut the ring open to the left at rows 8..11
    m[8:12, 0:4] = 0
    out = postprocess_mask(m, largest_component=False, opening_radius=0)
    assert not out[9, 9]


def test_spur_removed_by_opening():
    m = _square_with_spur()
    out = postprocess_mask(m, largest_component=False, fill_holes=False, opening_radius=1)
    # opening with the 3x3 cross: erosion keeps a pixel only if its 4 neighbours are set, so the
    # spur (no vertical neighbours) vanishes except its root (9,12), re-grown by the dilation from the
    # surviving square pixel (9,11) whose right neighbour is the spur; the square's 4 corner pixels are
    # rounded off (the dilation of the eroded 8x5 core by a cross does not reach the corners).
    expected = np.zeros_like(m)
    expected[5:15, 5:12] = 1
    expected[[5, 5, 14, 14], [5, 11, 5, 11]] = 0
    expected[9, 12] = 1
    np.testing.assert_array_equal(out, expected)
    assert not out[9, 13:18].any()  # the spur is gone
    # with the opening off the spur stays
    assert postprocess_mask(m, opening_radius=0)[9, 12:18].all()


def test_full_pipeline_on_combined_mask():
    m = np.zeros((40, 40), np.uint8)
    m[4:20, 4:20] = 1
    m[10:13, 10:13] = 0  # hole
    m[12, 20:26] = 1  # spur
    m[30:34, 30:34] = 1  # small extra blob
    out = postprocess_mask(m)
    # largest component (drops the small blob) -> fill the hole -> opening (drops the spur but its
    # root pixel (12,20), rounds the square's 4 corners; see test_spur_removed_by_opening)
    expected = np.zeros_like(m)
    expected[4:20, 4:20] = 1
    expected[[4, 4, 19, 19], [4, 19, 4, 19]] = 0
    expected[12, 20] = 1
    np.testing.assert_array_equal(out, expected)


def test_switches_off_do_nothing():
    m = _two_blobs()
    m[5, 5] = 0  # a hole inside the large blob
    m[20, 24:28] = 1  # a spur on the small blob
    out = postprocess_mask(m, largest_component=False, fill_holes=False, opening_radius=0)
    np.testing.assert_array_equal(out, m)
    assert out is not m


def test_empty_stays_empty_and_dtypes():
    for dtype in (np.uint8, bool, np.int64):
        empty = np.zeros((16, 16), dtype)
        out = postprocess_mask(empty)
        assert out.dtype == dtype and not out.any()
    out = postprocess_mask(_ring().astype(bool), opening_radius=0)
    assert out.dtype == bool and out[4:16, 4:16].all() and out.sum() == 144


def test_larger_radius_removes_thicker_structures():
    m = np.zeros((30, 30), np.uint8)
    m[5:25, 5:15] = 1
    m[14:17, 15:25] = 1  # 3-pixel-thick arm: survives r=1, removed by r=2 (5x5 ellipse)
    assert postprocess_mask(m, opening_radius=1)[15, 15:25].all()
    assert not postprocess_mask(m, opening_radius=2)[15, 17:25].any()


def test_errors():
    with pytest.raises(ValueError, match="expected a 2-D mask"):
        postprocess_mask(np.zeros((2, 4, 4), np.uint8))
    with pytest.raises(ValueError, match="expected 0/1"):
        postprocess_mask(np.array([[0, 255], [0, 0]], np.uint8))
    with pytest.raises(ValueError, match="radius"):
        postprocess_mask(np.zeros((4, 4), np.uint8), opening_radius=-1)
