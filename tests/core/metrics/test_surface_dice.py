"""Tests of organseg_plugins.core.metrics.surface_dice against MONAI 1.3 (``compute_surface_dice``, ``get_mask_edges``,
``get_surface_distance``) and DeepMind's surfel formulas, plus hand-derived cases and the empty-mask conventions."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from scipy import ndimage

from organseg_plugins.core.metrics import geometry, surfels
from organseg_plugins.core.metrics.pair import MaskPair
from organseg_plugins.core.metrics.surface_dice import (
    normalized_surface_dice,
    surfel_area_table,
    surfel_average_surface_distance,
    surfel_robust_hausdorff,
    surfel_surface_distances,
)

torch = pytest.importorskip("torch")
monai_metrics = pytest.importorskip("monai.metrics")
monai_utils = pytest.importorskip("monai.metrics.utils")

TOLS = (0.5, 1.0, 2.5, 4.0)


def _blob(rng: np.random.Generator, shape, sigma, fill) -> np.ndarray:
    sm = ndimage.gaussian_filter(rng.standard_normal(shape), sigma)
    return sm > np.quantile(sm, 1.0 - fill)


def _monai_nsd(pred, gt, tols, spacing, use_subvoxels) -> np.ndarray:
    """MONAI NSD of one binary pair at several tolerances: one channel per tolerance (the same mask),
    batch of 1, include_background=True so that every channel is a class."""
    n = len(tols)
    yp = torch.from_numpy(np.repeat(np.asarray(pred, np.float32)[None, None], n, axis=1))
    yg = torch.from_numpy(np.repeat(np.asarray(gt, np.float32)[None, None], n, axis=1))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = monai_metrics.compute_surface_dice(
            yp, yg, list(tols), include_background=True, distance_metric="euclidean",
            spacing=list(spacing), use_subvoxels=use_subvoxels,
        )
    return out[0].double().numpy()


def _random_cases():
    rng = np.random.default_rng(2021)
    cases = []
    for shape, spacing in (
        ((60, 70), (1.0, 1.0)),
        ((50, 80), (0.7, 1.3)),
        ((20, 30, 40), (1.0, 1.0, 1.0)),
        ((16, 40, 36), (2.5, 0.7, 0.9)),
    ):
        for i in range(3):
            sigma = (2.0, 3.0, 4.0)[i]
            gt = _blob(rng, shape, sigma, 0.3)
            if i == 0:  # perturbed copy: boundaries close to each other
                pred = ndimage.binary_dilation(np.roll(gt, 1, axis=-1))
            else:
                pred = _blob(rng, shape, sigma, 0.3) | (gt & (rng.random(shape) < 0.6))
            cases.append((pred, gt, spacing))
    return cases


# ------------------------------------------------------------------------------------------
# Against MONAI
# ------------------------------------------------------------------------------------------


def _nsd_by_path(pred, gt, tol, spacing, use_subvoxels, method, monkeypatch) -> float:
    """NSD with the nearest distances forced through one path of ``geometry.directed_distances``:
    ``"maps"`` (per-image / per-slice EDT where the spacing allows it, the default choice) or
    ``"kdtree"`` (the k-d tree over the scaled points for every spacing)."""
    with monkeypatch.context() as mp:
        if method == "kdtree":
            mp.setattr(geometry, "uses_maps", lambda spacing: False)
        return MaskPair(pred, gt, spacing).nsd(tol, use_subvoxels)


@pytest.mark.parametrize("use_subvoxels", [False, True])
def test_nsd_equals_monai_random_blobs(use_subvoxels, monkeypatch):
    max_diff = 0.0
    for pred, gt, spacing in _random_cases():
        want = _monai_nsd(pred, gt, TOLS, spacing, use_subvoxels)
        assert np.all(np.isfinite(want)) and np.ptp(want) > 0  # informative: not all 0 or 1
        for k, tol in enumerate(TOLS):
            got = normalized_surface_dice(pred, gt, tol, spacing, use_subvoxels=use_subvoxels)
            # both nearest-distance paths (k-d tree, EDT of the crop) give the same numbers
            for method in ("kdtree", "maps"):
                assert _nsd_by_path(pred, gt, tol, spacing, use_subvoxels, method, monkeypatch) == got
            max_diff = max(max_diff, abs(got - want[k]))
    assert max_diff < 1e-6, max_diff  # MONAI returns float32


def _liver_mask() -> tuple[np.ndarray, tuple[float, float]]:
    pydicom = pytest.importorskip("pydicom")
    from pydicom.data import get_testdata_file

    path = get_testdata_file("liver_1frame.dcm")
    if path is None:
        pytest.skip("pydicom test file liver_1frame.dcm is not available")
    ds = pydicom.dcmread(path)
    arr = np.asarray(ds.pixel_array)
    mask = (arr[0] if arr.ndim == 3 else arr) != 0
    px = ds.SharedFunctionalGroupsSequence[0].PixelMeasuresSequence[0].PixelSpacing
    return mask, (float(px[0]), float(px[1]))


def test_nsd_equals_monai_real_liver_mask():
    gt, spacing = _liver_mask()
    assert spacing == pytest.approx((0.810547, 0.810547))
    pred = np.roll(ndimage.binary_erosion(gt, iterations=2), (3, -4), axis=(0, 1))
    tols = (0.5, 1.0, 2.0, 4.0)
    for use_subvoxels in (False, True):
        want = _monai_nsd(pred, gt, tols, spacing, use_subvoxels)
        got = [normalized_surface_dice(pred, gt, t, spacing, use_subvoxels) for t in tols]
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-6)
        assert 0.05 < got[0] < got[-1] < 1.0


@pytest.mark.parametrize("spacing", [(1.0, 1.0), (0.7, 1.3), (1.0, 1.0, 1.0), (2.5, 0.7, 0.9), (0.3, 1.7, 1.1)])
def test_surfel_tables_equal_monai(spacing):
    got = surfel_area_table(spacing)
    table32, _ = monai_utils.get_code_to_measure_table(spacing)
    np.testing.assert_allclose(got, table32.double().numpy(), rtol=1e-6, atol=0)  # MONAI: float32
    if len(spacing) == 3:
        # every code's triangles (absolute normals) are MONAI's / DeepMind's, and in double
        # precision the areas agree to rounding
        normals = monai_utils._get_neighbour_code_to_normals_table().double().numpy()
        np.testing.assert_array_equal(surfels._NORMALS_3D, np.abs(normals))
        s0, s1, s2 = spacing
        ref = np.linalg.norm(normals * np.array([s1 * s2, s0 * s2, s0 * s1]), axis=-1).sum(-1)
        np.testing.assert_allclose(got, ref, rtol=1e-14, atol=0)


def _monai_surfels(pred, gt, spacing):
    """(d_pg, a_p, d_gp, a_g) from MONAI's pieces: subvoxel edges/areas + EDT distances (scan order)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        e_p, e_g, a_p, a_g = monai_utils.get_mask_edges(pred, gt, crop=True, spacing=spacing)
        d_pg = monai_utils.get_surface_distance(e_p, e_g, "euclidean", spacing)
        d_gp = monai_utils.get_surface_distance(e_g, e_p, "euclidean", spacing)
    return (np.asarray(d_pg, np.float64), np.asarray(a_p, np.float64)[e_p],
            np.asarray(d_gp, np.float64), np.asarray(a_g, np.float64)[e_g])


def _deepmind_asd(d, a) -> float:
    return float(np.sum(d * a) / np.sum(a))


def _deepmind_percentile(d, a, percent) -> float:
    order = np.lexsort((a, d))
    d, a = d[order], a[order]
    idx = np.searchsorted(np.cumsum(a) / np.sum(a), percent / 100.0)
    return float(d[min(idx, len(d) - 1)])


def test_surfel_distances_asd_hd_equal_monai_pieces():
    # MONAI 1.3 has no area-weighted ASD / HD; the reference is DeepMind's formulas applied to MONAI's
    # surfel areas (get_mask_edges(spacing=...)) and distances (get_surface_distance).
    max_d = max_asd = max_hd = 0.0
    for pred, gt, spacing in _random_cases()[::2]:
        ref = _monai_surfels(pred, gt, spacing)
        raw = MaskPair(pred, gt, spacing).surfels  # same corner grid and scan order as MONAI's crop
        for mine, theirs in zip(raw, ref):
            assert mine.shape == theirs.shape
            np.testing.assert_allclose(mine, theirs, rtol=1e-6, atol=0)
            max_d = max(max_d, float(np.max(np.abs(mine - theirs) / np.maximum(theirs, 1.0))))
        # the public function returns the same elements sorted by (distance, area) per direction
        d_pg, a_p, d_gp, a_g = surfel_surface_distances(pred, gt, spacing)
        for (d, a), (rd, ra) in (((d_pg, a_p), raw[:2]), ((d_gp, a_g), raw[2:])):
            assert np.all(np.diff(d) >= 0)
            o = np.lexsort((ra, rd))
            np.testing.assert_array_equal(d, rd[o])
            np.testing.assert_array_equal(a, ra[o])
        asd = surfel_average_surface_distance(pred, gt, spacing)
        want = (_deepmind_asd(ref[0], ref[1]), _deepmind_asd(ref[2], ref[3]))
        np.testing.assert_allclose(asd, want, rtol=1e-6)
        max_asd = max(max_asd, max(abs(x - y) for x, y in zip(asd, want)))
        for percent in (95, 50, 100):
            hd = surfel_robust_hausdorff(pred, gt, spacing, percent)
            want_hd = max(_deepmind_percentile(ref[0], ref[1], percent), _deepmind_percentile(ref[2], ref[3], percent))
            assert hd == pytest.approx(want_hd, rel=1e-6)
            max_hd = max(max_hd, abs(hd - want_hd))
        # HD100 is the plain maximum of the surfel distances
        assert surfel_robust_hausdorff(pred, gt, spacing, 100) == max(d_pg.max(), d_gp.max())
    assert max_d < 1e-6 and max_asd < 1e-5 and max_hd < 1e-5


# ------------------------------------------------------------------------------------------
# Hand-derived cases
# ------------------------------------------------------------------------------------------


def _square(shape=(20, 20), r0=5, c0=5, size=10) -> np.ndarray:
    m = np.zeros(shape, bool)
    m[r0 : r0 + size, c0 : c0 + size] = True
    return m


def test_identical_masks_score_one():
    sq = _square()
    cube = np.zeros((8, 9, 10), np.uint8)
    cube[2:6, 3:7, 2:8] = 1
    for m, sp in ((sq, None), (sq, (0.5, 2.0)), (cube, (2.5, 0.7, 0.9))):
        for sub in (False, True):
            assert normalized_surface_dice(m, m, 0.1, sp, use_subvoxels=sub) == 1.0
        assert surfel_average_surface_distance(m, m, sp) == (0.0, 0.0)
        assert surfel_robust_hausdorff(m, m, sp) == 0.0


def test_square_shifted_3px_voxel_boundaries():
    # GT: 10x10 square rows/cols 5-14 of a 20x20 image; boundary M XOR erode(M) = its outer ring of
    # 4 * 10 - 4 = 36 pixels. Prediction: shifted 3 px right (cols 8-17), also 36 ring pixels.
    # Tolerance 1 px (spacing 1), prediction ring -> GT ring:
    #   top row (row 5, cols 8-17): cols 8-14 lie on GT's top row (d = 0), col 15 is 1 px from (5, 14),
    #   cols 16, 17 are 2 and 3 px away -> 8; bottom row (row 14) likewise -> 8;
    #   left column (col 8, rows 6-13): 3 px from GT's left column (col 5), but rows 6 and 13 are 1 px
    #   from GT's top / bottom rows -> 2; right column (col 17, rows 6-13): >= 3 px away -> 0.
    #   -> 18 of 36. GT -> prediction is the mirror image (shift -3): 18 of 36.
    # NSD = (18 + 18) / (36 + 36) = 0.5.
    gt = _square()
    pred = np.roll(gt, 3, axis=1)
    assert normalized_surface_dice(pred, gt, 1.0) == 0.5
    # Tolerance 3 px: every ring pixel is within 3 px (the side columns exactly 3 px apart) -> 1.
    assert normalized_surface_dice(pred, gt, 3.0) == 1.0
    # spacing scales distances: 1 px = 0.5 mm, so 0.5 mm tolerance is the 1-px case
    assert normalized_surface_dice(pred, gt, 0.5, spacing=0.5) == 0.5
    assert _monai_nsd(pred, gt, (1.0, 3.0), (1.0, 1.0), False).tolist() == [0.5, 1.0]


def test_surfels_single_pixel_shifted():
    # One pixel at (5, 5); its surfels are the 4 corners (5..6) x (5..6) of the corner grid, each a
    # cut-corner contour piece of length 0.5 * sqrt(1 + 1) = sqrt(2) / 2. The prediction shifted by 2
    # columns has corners (5..6) x (7..8): per direction the distances are 1, 1 (the inner corner
    # column) and 2, 2 (the outer one).
    gt = np.zeros((12, 12), bool)
    gt[5, 5] = True
    pred = np.roll(gt, 2, axis=1)
    d_pg, a_p, d_gp, a_g = surfel_surface_distances(pred, gt)
    for d, a in ((d_pg, a_p), (d_gp, a_g)):
        np.testing.assert_array_equal(d, [1.0, 1.0, 2.0, 2.0])
        np.testing.assert_allclose(a, [math.sqrt(2) / 2] * 4, rtol=1e-15)
    assert surfel_average_surface_distance(pred, gt) == (1.5, 1.5)
    # cumulative weight 0.25, 0.5, 0.75, 1: the 95th percentile is the 4th surfel (2), the 50th the
    # 2nd (searchsorted left: cum 0.5 >= 0.5) -> 1
    assert surfel_robust_hausdorff(pred, gt, percent=95) == 2.0
    assert surfel_robust_hausdorff(pred, gt, percent=50) == 1.0
    # NSD at 1 px: half of each side's weight -> 0.5; at 2 px -> 1
    assert normalized_surface_dice(pred, gt, 1.0, use_subvoxels=True) == pytest.approx(0.5, abs=1e-15)
    assert normalized_surface_dice(pred, gt, 2.0, use_subvoxels=True) == 1.0


def test_surfel_weights_hand_counted():
    # 2-D: the 10x10 square's contour on the corner grid: per side 9 straight pieces of length 1 plus
    # 4 cut corners of sqrt(2)/2 -> 36 + 2 sqrt(2) (with spacing (a, b): 18 a + 18 b + 4 * 0.5 sqrt(a^2 + b^2)).
    sq = _square()
    _, a_p, _, a_g = surfel_surface_distances(sq, sq)
    assert a_p.size == 40 and a_p.sum() == pytest.approx(36 + 2 * math.sqrt(2), rel=1e-14)
    _, a_p, _, _ = surfel_surface_distances(sq, sq, (0.5, 2.0))
    assert a_p.sum() == pytest.approx(18 * 0.5 + 18 * 2.0 + 2 * math.hypot(0.5, 2.0), rel=1e-14)
    # 3-D: one voxel -> its 8 corners, each a corner-cut triangle with normal (1/8, 1/8, 1/8):
    # area 0.125 * ||(s1 s2, s0 s2, s0 s1)||.
    v = np.zeros((3, 3, 3), bool)
    v[1, 1, 1] = True
    s0, s1, s2 = 2.5, 0.7, 0.9
    _, a_p, _, _ = surfel_surface_distances(v, v, (s0, s1, s2))
    np.testing.assert_allclose(a_p, [0.125 * math.sqrt((s1 * s2) ** 2 + (s0 * s2) ** 2 + (s0 * s1) ** 2)] * 8,
                               rtol=1e-14)
    # 3x3x3 cube, spacing 1: the 4x4x4 corner grid minus its 8 interior corners = 56 surfels:
    # 8 cube corners (1 voxel in the neighbourhood, area sqrt(3)/8), 24 edge points (2 voxels, a
    # quad of area sqrt(2)/2) and 24 face points (4 voxels, a unit square) -> sqrt(3) + 12 sqrt(2) + 24.
    c = np.zeros((5, 5, 5), bool)
    c[1:4, 1:4, 1:4] = True
    _, a_p, _, _ = surfel_surface_distances(c, c)
    assert a_p.size == 56
    assert a_p.sum() == pytest.approx(math.sqrt(3) + 12 * math.sqrt(2) + 24, rel=1e-14)


# ------------------------------------------------------------------------------------------
# Empty masks, input handling, errors
# ------------------------------------------------------------------------------------------


def test_empty_masks():
    z = np.zeros((10, 12), bool)
    sq = _square((10, 12), 2, 3, 4)
    for sub in (False, True):
        assert normalized_surface_dice(z, z, 1.0, use_subvoxels=sub) == 1.0  # both empty
        assert normalized_surface_dice(z, sq, 1.0, use_subvoxels=sub) == 0.0
        assert normalized_surface_dice(sq, z, 1.0, use_subvoxels=sub) == 0.0
        # MONAI differs for both empty (nan) and agrees for one empty (0)
        assert np.isnan(_monai_nsd(z, z, (1.0,), (1.0, 1.0), sub)[0])
        assert _monai_nsd(z, sq, (1.0,), (1.0, 1.0), sub)[0] == 0.0
        assert _monai_nsd(sq, z, (1.0,), (1.0, 1.0), sub)[0] == 0.0
    out = surfel_surface_distances(z, z)
    assert all(a.size == 0 for a in out)
    d_pg, a_p, d_gp, a_g = surfel_surface_distances(z, sq)  # DeepMind: the other side is inf
    assert d_pg.size == a_p.size == 0 and a_g.size == d_gp.size == 16 and np.all(np.isinf(d_gp))
    assert surfel_average_surface_distance(z, z) == (0.0, 0.0)
    assert surfel_average_surface_distance(sq, z) == (math.inf, math.inf)
    assert surfel_robust_hausdorff(z, z) == 0.0
    assert surfel_robust_hausdorff(z, sq) == math.inf


def test_input_types_and_spacing_forms():
    rng = np.random.default_rng(7)
    gt = _blob(rng, (30, 40), 3, 0.3)
    pred = np.roll(gt, 2, axis=0)
    ref = normalized_surface_dice(pred, gt, 1.5)
    assert normalized_surface_dice(pred.astype(np.uint8), gt.astype(np.int64), 1.5) == ref
    assert normalized_surface_dice(pred, gt, 1.5, spacing=1) == ref
    assert normalized_surface_dice(pred, gt, 1.5, spacing=(1.0, 1.0)) == ref
    assert normalized_surface_dice(pred, gt, 1.5, spacing=np.array([1.0, 1.0])) == ref
    assert normalized_surface_dice(pred, gt, 3.0, spacing=2.0) == ref  # distances scale with spacing
    assert 0 < ref < 1


def test_errors():
    a = np.zeros((6, 6), bool)
    with pytest.raises(ValueError, match="shape mismatch"):
        normalized_surface_dice(a, np.zeros((6, 7)), 1.0)
    with pytest.raises(ValueError, match="2-D or 3-D"):
        normalized_surface_dice(np.zeros(6), np.zeros(6), 1.0)
    with pytest.raises(ValueError, match="2-D or 3-D"):
        surfel_surface_distances(np.zeros((2, 2, 2, 2)), np.zeros((2, 2, 2, 2)))
    for tol in (0.0, -1.0, math.nan, math.inf):
        with pytest.raises(ValueError, match="tolerance"):
            normalized_surface_dice(a, a, tol)
    for sp in ((1.0, 0.0), (1.0, -2.0), (math.nan, 1.0), (1.0, math.inf), 0.0):
        with pytest.raises(ValueError, match="spacing"):
            normalized_surface_dice(a, a, 1.0, spacing=sp)
        with pytest.raises(ValueError, match="spacing"):
            surfel_average_surface_distance(a, a, sp)
    with pytest.raises(ValueError, match="has 3 values but the masks are 2-D"):
        normalized_surface_dice(a, a, 1.0, spacing=(1.0, 1.0, 1.0))
    for pc in (-1, 100.5, math.nan):
        with pytest.raises(ValueError, match="percent"):
            surfel_robust_hausdorff(a, a, percent=pc)
    with pytest.raises(ValueError, match="spacing"):
        surfel_area_table((1.0, 2.0, 3.0, 4.0))
