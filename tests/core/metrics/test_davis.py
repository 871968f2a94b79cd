"""Tests of organseg_plugins.core.metrics.davis: hand-derived cases, a slow independent reference of the
DAVIS definition (Perazzi et al. 2016; davis2017-evaluation ``f_measure`` / ``_seg2bmap``), real liver mask."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import ndimage

from organseg_plugins.core import metrics as M
from organseg_plugins.core.metrics import davis as davis_mod
from organseg_plugins.core.metrics.davis import (
    boundary_f_measure_davis,
    boundary_precision_recall_f_davis,
    davis_bound_pix,
    seg2bmap,
)
from organseg_plugins.core.metrics.pair import MaskPair

# ------------------------------------------------------------------------------------------
# Slow reference, written from the documented DAVIS algorithm (pixel loops + scipy EDT)
# ------------------------------------------------------------------------------------------


def _ref_seg2bmap(seg: np.ndarray) -> np.ndarray:
    """Pixel loop: boundary iff the pixel differs from E, S or SE; last row: E only; last column:
    S only; bottom-right pixel: never."""
    seg = seg.astype(bool)
    h, w = seg.shape
    out = np.zeros((h, w), bool)
    for y in range(h):
        for x in range(w):
            v = seg[y, x]
            if y == h - 1 and x == w - 1:
                b = False
            elif y == h - 1:
                b = v != seg[y, x + 1]
            elif x == w - 1:
                b = v != seg[y + 1, x]
            else:
                b = v != seg[y, x + 1] or v != seg[y + 1, x] or v != seg[y + 1, x + 1]
            out[y, x] = b
    return out


def _ref_prf_from_bmaps(bp: np.ndarray, bg: np.ndarray, radius: int) -> tuple[float, float, float]:
    """Match a boundary pixel iff some pixel of the other boundary is within Euclidean distance r
    (disk of integer radius r: offsets with i^2 + j^2 <= r^2), via the EDT of the other boundary."""
    n_p, n_g = int(bp.sum()), int(bg.sum())
    if n_p == 0 and n_g == 0:
        prec, rec = 1.0, 1.0
    elif n_p == 0:
        prec, rec = 1.0, 0.0
    elif n_g == 0:
        prec, rec = 0.0, 1.0
    else:
        d2_to_g = np.rint(ndimage.distance_transform_edt(~bg) ** 2)
        d2_to_p = np.rint(ndimage.distance_transform_edt(~bp) ** 2)
        prec = float(np.sum(d2_to_g[bp] <= radius * radius)) / n_p
        rec = float(np.sum(d2_to_p[bg] <= radius * radius)) / n_g
    f = 0.0 if prec + rec == 0 else 2 * prec * rec / (prec + rec)
    return prec, rec, f


def _ref_radius(shape, bound_th) -> int:
    r = bound_th if bound_th >= 1 else math.ceil(bound_th * math.sqrt(shape[0] ** 2 + shape[1] ** 2))
    assert float(r).is_integer()
    return int(r)


def _blob(rng: np.random.Generator, shape, sigma, fill) -> np.ndarray:
    sm = ndimage.gaussian_filter(rng.standard_normal(shape), sigma)
    return sm > np.quantile(sm, 1.0 - fill)


def _random_pairs():
    rng = np.random.default_rng(2016)
    shapes = [(40, 40), (64, 48), (37, 91), (80, 100), (100, 57)]
    pairs = []
    for i in range(20):
        shape = shapes[i % len(shapes)]
        sigma = (2.0, 3.5, 5.0)[i % 3]
        fill = (0.15, 0.3, 0.5, 0.7)[i % 4]
        gt = _blob(rng, shape, sigma, fill)
        if i % 4 == 0:  # a perturbed copy of gt (shift + erosion/dilation): boundaries mostly close
            pred = np.roll(gt, (int(rng.integers(-3, 4)), int(rng.integers(-3, 4))), axis=(0, 1))
            pred = ndimage.binary_dilation(pred) if i % 8 == 0 else ndimage.binary_erosion(pred)
        else:  # correlated random blob
            pred = _blob(rng, shape, sigma, fill) | (gt & (rng.random(shape) < 0.5))
        pairs.append((pred, gt))
    # touching the last row / column (the special DAVIS border rules) and the full image
    full = np.ones((30, 45), bool)
    edge = np.zeros((30, 45), bool)
    edge[10:, 20:] = True
    pairs += [(edge, full), (full, full), (edge, np.roll(edge, -2, axis=1))]
    return pairs


def test_random_blobs_equal_slow_reference():
    n_checked = 0
    for pred, gt in _random_pairs():
        bp, bg = _ref_seg2bmap(pred), _ref_seg2bmap(gt)
        np.testing.assert_array_equal(seg2bmap(pred), bp)
        np.testing.assert_array_equal(seg2bmap(gt), bg)
        for bound_th in (0.008, 2):
            want = _ref_prf_from_bmaps(bp, bg, _ref_radius(gt.shape, bound_th))
            got = boundary_precision_recall_f_davis(pred, gt, bound_th=bound_th)
            assert got == pytest.approx(want, abs=1e-12), (gt.shape, bound_th)
            assert boundary_f_measure_davis(pred, gt, bound_th) == got[2]
            n_checked += 1
    assert n_checked == 2 * 23


def test_suite_davis_from_distance_maps_equals_slow_reference():
    # compute_all on isotropic spacing has the distance maps to the voxel surfaces; away from the image border
    # DAVIS then classifies boundary pixels by those maps (matched at d <= r - 1, unmatched at d > r + sqrt(2))
    # and looks up only the pixels in between. Same pairs as above, framed by 3 background pixels so that the
    # fast path applies (checked), and tolerances from 0 to 9 px (ambiguous bands of every width).
    n_fast = 0
    for pred, gt in _random_pairs():
        pred = np.pad(pred, 3)
        gt = np.pad(gt, 3)
        bp, bg = _ref_seg2bmap(pred), _ref_seg2bmap(gt)
        for tol in (0.0, 1.0, 2.0, 4.0, 9.0):
            want = _ref_prf_from_bmaps(bp, bg, int(tol))
            out = M.compute_all(pred, gt, f_tolerance=tol)
            got = (out["boundary_precision"], out["boundary_recall"], out["boundary_f"])
            assert got == pytest.approx(want, abs=1e-12), (gt.shape, tol)
            pair = MaskPair(pred, gt)
            if pair.box is not None and not (pair.one_empty or pair.both_empty):
                pair.maps  # noqa: B018 - what compute_all's surface distances compute first
                n_fast += davis_mod._maps_apply(pair, tol)
    assert n_fast >= 5 * 20


# ------------------------------------------------------------------------------------------
# Hand-derived cases
# ------------------------------------------------------------------------------------------


def test_seg2bmap_hand_drawn_square():
    # 3x3 square at rows 1-3, cols 1-3 of a 5x6 image. A pixel is a boundary pixel iff it differs
    # from its E, S or SE neighbour: row 0, cols 0-3 see the square to the S/SE; in rows 1-3 the
    # pixel left of the square (col 0, differs from E) and the square's last column (col 3,
    # differs from E); row 3 cols 1-3 differ from S. Row 4 (last row, compares E only) and
    # col 5 (last column, compares S only) are all background -> 0. Result: the square's
    # outline shifted half a pixel towards the origin, a 4x4 ring of 12 pixels.
    m = np.zeros((5, 6), np.uint8)
    m[1:4, 1:4] = 1
    want = np.array(
        [
            [1, 1, 1, 1, 0, 0],
            [1, 0, 0, 1, 0, 0],
            [1, 0, 0, 1, 0, 0],
            [1, 1, 1, 1, 0, 0],
            [0, 0, 0, 0, 0, 0],
        ],
        bool,
    )
    got = seg2bmap(m)
    assert got.dtype == bool
    np.testing.assert_array_equal(got, want)


def test_seg2bmap_border_rules():
    # Single pixel in the bottom-right corner of a 4x4 image: (2,2) differs from its SE neighbour,
    # (2,3) is on the last column and differs from its S neighbour, (3,2) is on the last row and
    # differs from its E neighbour; (3,3) itself is never a boundary pixel.
    m = np.zeros((4, 4), bool)
    m[3, 3] = True
    want = np.zeros((4, 4), bool)
    want[2, 2] = want[2, 3] = want[3, 2] = True
    np.testing.assert_array_equal(seg2bmap(m), want)
    # Right half (cols 2-3) foreground: only col 1 differs from its E neighbour; col 3 (last column)
    # compares with S (same value) -> a single vertical line at col 1.
    m = np.zeros((4, 4), bool)
    m[:, 2:] = True
    want = np.zeros((4, 4), bool)
    want[:, 1] = True
    np.testing.assert_array_equal(seg2bmap(m), want)
    # a mask filling the image has no boundary at all (the image border is not a boundary)
    assert not seg2bmap(np.ones((7, 5))).any()
    # H x W x 1 is accepted like in DAVIS
    np.testing.assert_array_equal(seg2bmap(m[:, :, None]), want)


def test_seg2bmap_resized():
    # 6x6 mask, 3x3 square at rows/cols 1-3 -> the 4x4 ring at rows/cols 0-3 (as above). Mapped to
    # a 3x3 map, boundary pixel (y, x) -> (y // 2, x // 2) (BSDS: floor(y * height / h)), so the
    # ring lands on cells rows/cols 0-1: (0,0) <- (0,0); (0,1) <- (0,2); (1,0) <- (2,0); (1,1) <- (3,3).
    m = np.zeros((6, 6), bool)
    m[1:4, 1:4] = True
    small = seg2bmap(m, width=3, height=3)
    want = np.zeros((3, 3), bool)
    want[:2, :2] = True
    np.testing.assert_array_equal(small, want)
    with pytest.raises(ValueError, match="can't convert"):
        seg2bmap(m, width=7, height=7)  # larger than the mask
    with pytest.raises(ValueError, match="can't convert"):
        seg2bmap(m, width=3, height=2)  # other aspect ratio


def test_identical_masks_score_one():
    m = np.zeros((50, 70), bool)
    m[10:30, 20:45] = True
    assert boundary_precision_recall_f_davis(m, m) == (1.0, 1.0, 1.0)
    assert boundary_f_measure_davis(m.astype(np.uint8), m.astype(np.int64), bound_th=0) == 1.0


def test_square_shifted_beyond_tolerance():
    # 100x100 image: bound_pix = ceil(0.008 * sqrt(2) * 100) = ceil(1.131) = 2.
    # GT square rows/cols 30-49 -> seg2bmap ring rows 29-49 x cols 29-49 (21x21 ring, 80 pixels).
    # Prediction shifted 5 px right: ring rows 29-49 x cols 34-54 (80 pixels).
    # Pred pixels within distance 2 of the GT ring:
    #   top row (row 29): cols 34..51 (GT top row reaches col 49, +2) -> 18; bottom row (49): 18;
    #   left column (col 34, rows 30-48): 5 px from GT's left column (29); rows 30, 31 are 1 and 2
    #   px below GT's top row, rows 47, 48 are 2 and 1 px above its bottom row -> 4;
    #   right column (col 54): >= 5 px from everything -> 0.
    # precision = 40 / 80 = 0.5; by symmetry recall = 0.5; F = 0.5.
    gt = np.zeros((100, 100), bool)
    gt[30:50, 30:50] = True
    pred = np.roll(gt, 5, axis=1)
    assert davis_bound_pix(gt.shape) == 2
    assert boundary_precision_recall_f_davis(pred, gt) == pytest.approx((0.5, 0.5, 0.5), abs=1e-15)
    # with a 5-pixel tolerance every pixel of each ring is within reach -> 1
    assert boundary_f_measure_davis(pred, gt, bound_th=5) == 1.0


def test_empty_boundaries():
    z = np.zeros((20, 30), bool)
    sq = z.copy()
    sq[5:10, 5:12] = True
    assert boundary_precision_recall_f_davis(z, z) == (1.0, 1.0, 1.0)  # both empty
    assert boundary_precision_recall_f_davis(z, sq) == (1.0, 0.0, 0.0)  # nothing predicted
    assert boundary_precision_recall_f_davis(sq, z) == (0.0, 1.0, 0.0)  # nothing annotated
    full = np.ones_like(z)
    # a full-image mask has an empty boundary map: it counts as "empty" like in DAVIS
    assert boundary_precision_recall_f_davis(full, sq) == (1.0, 0.0, 0.0)
    assert boundary_f_measure_davis(full, z) == 1.0


def test_bound_pix_and_disk():
    # DAVIS 480p frames: diagonal sqrt(480^2 + 854^2) = 979.65 -> ceil(7.837) = 8 pixels
    assert davis_bound_pix((480, 854)) == 8
    assert davis_bound_pix((480, 854), 3) == 3
    assert davis_bound_pix((10, 10), 0) == 0
    for bad in (-0.1, math.nan, math.inf):
        with pytest.raises(ValueError, match="bound_th"):
            boundary_f_measure_davis(np.zeros((4, 4)), np.zeros((4, 4)), bound_th=bad)
    from organseg_plugins.core.metrics.davis import _disk

    skm = pytest.importorskip("skimage.morphology")
    for r in (0, 1, 2, 3, 5, 8, 13, 2.5, 1.5):
        np.testing.assert_array_equal(_disk(r), skm.disk(r))


def test_shape_errors():
    with pytest.raises(ValueError, match="same shape"):
        boundary_f_measure_davis(np.zeros((4, 4)), np.zeros((4, 5)))
    with pytest.raises(ValueError, match="2-D"):
        boundary_f_measure_davis(np.zeros((2, 4, 4)), np.zeros((2, 4, 4)))


# ------------------------------------------------------------------------------------------
# Real liver mask (pydicom test data, DICOM-SEG)
# ------------------------------------------------------------------------------------------


def _liver_mask() -> np.ndarray:
    pydicom = pytest.importorskip("pydicom")
    from pydicom.data import get_testdata_file

    path = get_testdata_file("liver_1frame.dcm")
    if path is None:
        pytest.skip("pydicom test file liver_1frame.dcm is not available")
    arr = np.asarray(pydicom.dcmread(path).pixel_array)
    mask = (arr[0] if arr.ndim == 3 else arr) != 0
    assert mask.shape == (512, 512) and 1000 < mask.sum() < mask.size // 2
    return mask


def _classic_boundary_f(pred: np.ndarray, gt: np.ndarray, tol: float) -> float:
    """The classic boundary F within a pixel tolerance: inner 4-connected boundaries
    (M XOR erode(M)) and Euclidean point distances <= tol."""
    bp = pred & ~ndimage.binary_erosion(pred)
    bg = gt & ~ndimage.binary_erosion(gt)
    prec = np.mean(ndimage.distance_transform_edt(~bg)[bp] <= tol)
    rec = np.mean(ndimage.distance_transform_edt(~bp)[bg] <= tol)
    return 2 * prec * rec / (prec + rec)


def test_real_liver_mask_differs_from_classic_boundary_f():
    gt = _liver_mask()
    pred = np.roll(ndimage.binary_erosion(gt, iterations=2), (3, -4), axis=(0, 1))
    radius = davis_bound_pix(gt.shape)
    assert radius == 6  # ceil(0.008 * sqrt(2) * 512) = ceil(5.79)
    bp_ref, bg_ref = _ref_seg2bmap(pred), _ref_seg2bmap(gt)  # pixel loops: computed once
    got = boundary_precision_recall_f_davis(pred, gt)
    assert got == pytest.approx(_ref_prf_from_bmaps(bp_ref, bg_ref, 6), abs=1e-12)
    assert 0.3 < got[2] < 1.0
    for tol in (2, 3, 6):  # 6 = the DAVIS default here; at 2, 3 px the perturbation is partly out of reach
        f_davis = boundary_f_measure_davis(pred, gt, bound_th=tol)
        assert f_davis == pytest.approx(_ref_prf_from_bmaps(bp_ref, bg_ref, tol)[2], abs=1e-12)
        f_classic = _classic_boundary_f(pred, gt, tol)
        assert abs(f_davis - f_classic) > 1e-3, (tol, f_davis, f_classic)
