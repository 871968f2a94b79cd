"""Tests for organseg_plugins.core.metrics.length (Feret diameter and fitted-ellipse major axis)."""

import math

import cv2
import numpy as np
import pytest

from organseg_plugins.core.metrics.length import ellipse_major_axis, max_feret_diameter


def _brute_force_feret(mask: np.ndarray, spacing=(1.0, 1.0)) -> float:
    ys, xs = np.nonzero(mask)
    pts = np.stack([ys * spacing[0], xs * spacing[1]], axis=1).astype(float)
    d = pts[:, None, :] - pts[None, :, :]
    return float(np.sqrt((d**2).sum(-1)).max())


def test_horizontal_and_vertical_bars():
    m = np.zeros((5, 20), np.uint8)
    m[2, 3:13] = 1  # 1x10 bar: centres 3..12
    assert max_feret_diameter(m) == pytest.approx(9.0)
    assert max_feret_diameter(m, spacing=0.5) == pytest.approx(4.5)
    assert max_feret_diameter(m.T.copy(), spacing=2.0) == pytest.approx(18.0)


def test_single_pixel_is_zero():
    m = np.zeros((4, 4), np.uint8)
    m[1, 2] = 1
    assert max_feret_diameter(m) == 0.0


def test_right_triangle_3_4_5():
    m = np.zeros((6, 7), np.uint8)
    m[1, 1] = m[1, 5] = m[4, 1] = 1  # legs 4 (x) and 3 (y) between pixel centres
    assert max_feret_diameter(m) == pytest.approx(5.0)
    assert max_feret_diameter(m, spacing=0.7) == pytest.approx(3.5)
    # anisotropic (row, col) spacing: legs 3*2 and 4*1
    assert max_feret_diameter(m, spacing=(2.0, 1.0)) == pytest.approx(math.hypot(6.0, 4.0))


def test_filled_rectangle_diagonal_and_bool_input():
    m = np.zeros((10, 12), bool)
    m[2:7, 1:9] = True  # 5 rows x 8 cols -> centres span 4 x 7
    assert max_feret_diameter(m) == pytest.approx(math.hypot(4, 7))


def test_two_components_span_both():
    m = np.zeros((20, 30), np.uint8)
    m[0:3, 0:3] = 1
    m[15:20, 25:30] = 1
    assert max_feret_diameter(m) == pytest.approx(math.hypot(19, 29))


@pytest.mark.parametrize("seed", range(8))
def test_matches_brute_force_on_random_masks(seed):
    rng = np.random.default_rng(seed)
    m = (rng.random((23, 31)) < rng.uniform(0.02, 0.4)).astype(np.uint8)
    m[rng.integers(0, 23), rng.integers(0, 31)] = 1
    for sp in [(1.0, 1.0), (0.5, 1.5)]:
        assert max_feret_diameter(m, spacing=sp) == pytest.approx(_brute_force_feret(m, sp), rel=1e-12)


def test_rotated_ellipse_lengths():
    m = np.zeros((200, 200), np.uint8)
    cv2.ellipse(m, (100, 100), (70, 28), 30, 0, 360, 1, thickness=-1)
    assert max_feret_diameter(m, 0.4) == pytest.approx(140 * 0.4, rel=0.02)
    assert ellipse_major_axis(m) == pytest.approx(140, rel=0.02)
    assert ellipse_major_axis(m, spacing=0.4) == pytest.approx(140 * 0.4, rel=0.02)


def test_ellipse_major_axis_uses_largest_contour():
    m = np.zeros((200, 200), np.uint8)
    cv2.ellipse(m, (80, 100), (60, 20), 0, 0, 360, 1, thickness=-1)
    cv2.circle(m, (180, 20), 8, 1, thickness=-1)
    assert ellipse_major_axis(m) == pytest.approx(120, rel=0.02)


@pytest.mark.parametrize("fn", [max_feret_diameter, ellipse_major_axis])
def test_errors(fn):
    with pytest.raises(ValueError, match="empty"):
        fn(np.zeros((5, 5), np.uint8))
    bad = np.zeros((5, 5), np.uint8)
    bad[2, 2] = 255
    with pytest.raises(ValueError, match="expected 0/1"):
        fn(bad)
    with pytest.raises(ValueError, match="2-D"):
        fn(np.ones((3, 3, 3), np.uint8))
    with pytest.raises(ValueError, match="spacing"):
        fn(np.ones((9, 9), np.uint8), spacing=0.0)


def test_ellipse_needs_five_points():
    m = np.zeros((5, 5), np.uint8)
    m[2, 2] = 1
    with pytest.raises(ValueError, match="5"):
        ellipse_major_axis(m)
