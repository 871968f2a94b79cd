"""Augmentation logic (spleen paper Table 1, Ultralytics semantics): LUTs, affine matrix, warps, sampling."""

import cv2
import numpy as np
import pytest

from organseg_plugins.core.transforms import augment as A


def _colour_image(seed=0, size=(24, 32)):
    return np.random.default_rng(seed).integers(0, 256, (*size, 3), dtype=np.uint8)


def test_hsv_luts_match_ultralytics_formula():
    lut_h, lut_s, lut_v = A.hsv_luts([1.5, 0.5, 2.0])
    assert lut_h.dtype == np.uint8
    assert lut_h[100] == 150 and lut_h[130] == int(195 % 180) == 15  # hue wraps modulo 180
    assert lut_s[200] == 100 and lut_v[100] == 200 and lut_v[200] == 255  # clipped
    ident = A.hsv_luts([1.0, 1.0, 1.0])
    np.testing.assert_array_equal(ident[1], np.arange(256))
    np.testing.assert_array_equal(ident[0][:180], np.arange(180))


def test_hsv_unit_gains_are_identity_and_value_gain_scales_grey():
    img = _colour_image()
    np.testing.assert_array_equal(A.apply_hsv(img, [1.0, 1.0, 1.0]), img)
    grey = np.full((4, 4, 3), 100, np.uint8)
    out = A.apply_hsv(grey, [1.0, 1.5, 1.2])  # S = 0 for grey: only V acts, 100 * 1.2 = 120
    np.testing.assert_array_equal(out, np.full((4, 4, 3), 120, np.uint8))
    # the single-channel shortcut equals the BGR round trip of a grey image
    g = np.random.default_rng(1).integers(0, 256, (8, 8), dtype=np.uint8)
    g3 = np.repeat(g[..., None], 3, axis=2)
    np.testing.assert_array_equal(A.apply_hsv(g, [1.1, 1.3, 0.7]), A.apply_hsv(g3, [1.1, 1.3, 0.7])[..., 0])


def test_hsv_hue_gain_changes_hue_of_colour_image():
    img = np.zeros((2, 2, 3), np.uint8)
    img[..., 2] = 200  # pure red: H = 0
    img[..., 1] = 100  # orange: H = 15 in OpenCV (30 deg / 2)
    h0 = cv2.cvtColor(img, cv2.COLOR_BGR2HSV)[0, 0, 0]
    out = A.apply_hsv(img, [2.0, 1.0, 1.0])
    h1 = cv2.cvtColor(out, cv2.COLOR_BGR2HSV)[0, 0, 0]
    assert int(h0) == 15 and abs(int(h1) - 2 * int(h0)) <= 1


def test_sampling_ranges_and_seed_determinism():
    gains = np.array([A.sample_hsv_gains(np.random.default_rng(i), 0.0179, 0.9, 0.317) for i in range(200)])
    assert (np.abs(gains - 1) <= [0.0179, 0.9, 0.317]).all()
    assert (np.abs(gains - 1).max(0) > [0.015, 0.8, 0.28]).all()  # the full range is used
    assert (A.sample_hsv_gains(np.random.default_rng(0), 0, 0, 0) == 1).all()
    params = np.array([A.sample_affine_params(np.random.default_rng(i), 0.11, 0.494) for i in range(200)])
    assert (np.abs(params[:, 0] - 1) <= 0.494).all() and (np.abs(params[:, 1:]) <= 0.11).all()
    assert A.sample_affine_params(np.random.default_rng(3)) == A.sample_affine_params(np.random.default_rng(3))
    assert A.sample_affine_params(np.random.default_rng(0), 0.0, 0.0) == (1.0, 0.0, 0.0)
    with pytest.raises(ValueError, match=r"need translate >= 0 and 0 <= scale < 1, got translate=0\.1, scale=1\.2"):
        A.sample_affine_params(np.random.default_rng(0), 0.1, 1.2)


def test_identity_affine_leaves_image_and_mask_unchanged():
    img = _colour_image()
    mask = np.zeros((24, 32), np.uint8)
    mask[5:15, 8:20] = 1
    m = A.affine_matrix(24, 32, 1.0, 0.0, 0.0)
    np.testing.assert_array_equal(m, [[1, 0, 0], [0, 1, 0]])
    np.testing.assert_array_equal(A.warp_image(img, m), img)
    np.testing.assert_array_equal(A.warp_mask(mask, m), mask)


def test_known_translation_moves_square():
    img = np.zeros((40, 50, 3), np.uint8)
    img[10:20, 10:20] = 255
    mask = np.zeros((40, 50), np.uint8)
    mask[10:20, 10:20] = 1
    m = A.affine_matrix(40, 50, 1.0, 7.0, -4.0)  # 7 px right, 4 px up
    out_img = A.warp_image(img, m, pad_val=114)
    out_mask = A.warp_mask(mask, m, pad_val=255)
    exp = np.zeros_like(mask)
    exp[6:16, 17:27] = 1
    exp[36:, :] = 255  # rows that came from below the image
    exp[:, :7] = 255  # columns that came from left of the image
    np.testing.assert_array_equal(out_mask, exp)
    assert set(np.unique(out_mask)) <= {0, 1, 255}
    assert (out_img[6:16, 17:27] == 255).all() and (out_img[20:30, 30:40] == 0).all()
    assert (out_img[37:, 20] == 114).all() and (out_img[20, :7] == 114).all()


def test_scaling_about_the_centre_keeps_labels():
    mask = np.zeros((41, 41), np.uint8)
    mask[15:26, 15:26] = 1  # 11x11 square centred on the centre pixel (20, 20)
    up = A.warp_mask(mask, A.affine_matrix(41, 41, 2.0))
    ys, xs = np.nonzero(up == 1)
    assert ys.mean() == pytest.approx(20, abs=0.5) and xs.mean() == pytest.approx(20, abs=0.5)
    assert 19 <= ys.max() - ys.min() + 1 <= 23  # about twice 11
    assert set(np.unique(up)) <= {0, 1}  # nothing from outside when zooming in
    down = A.warp_mask(mask, A.affine_matrix(41, 41, 0.5), pad_val=255)
    assert set(np.unique(down)) == {0, 1, 255}  # nearest: no interpolated labels; border = ignore
    assert down[0, 0] == 255 and down[20, 20] == 1
    # image: bilinear gives intermediate values; int64 masks keep their dtype
    img = np.zeros((41, 41), np.uint8)
    img[15:26, 15:26] = 200
    assert len(np.unique(A.warp_image(img, A.affine_matrix(41, 41, 1.37)))) > 3
    m64 = A.warp_mask(mask.astype(np.int64), A.affine_matrix(41, 41, 0.5), pad_val=255)
    assert m64.dtype == np.int64
    np.testing.assert_array_equal(m64, down)
