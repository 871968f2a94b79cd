"""compute_all is one MaskPair: it validates and crops once, and every family (surface distances, NSD,
boundary F: DAVIS and distance variant, Boundary/Trimap IoU) gives exactly the single-metric functions'
values, which build their own pair and call the same kernels."""

from __future__ import annotations

import sys

import cv2
import numpy as np
import pytest
from scipy import ndimage

from organseg_plugins.core import metrics as M
from organseg_plugins.core.io import validate
from organseg_plugins.core.metrics import pair as pair_mod
from organseg_plugins.core.metrics.davis import _disk, boundary_precision_recall_f_davis, davis_prf, seg2bmap
from organseg_plugins.core.metrics.surface_dice import normalized_surface_dice


def _blob(rng: np.random.Generator, shape, sigma, fill=0.3) -> np.ndarray:
    sm = ndimage.gaussian_filter(rng.standard_normal(shape), sigma)
    return sm > np.quantile(sm, 1.0 - fill)


def _random_pairs(ndim: int, n: int = 3):
    """Correlated random blob pairs with anisotropic spacing, 2-D or 3-D."""
    rng = np.random.default_rng(2024 + ndim)
    shape = (70, 84) if ndim == 2 else (14, 40, 44)
    spacings = [(0.7, 1.3), (1.1, 0.6), (0.9, 0.9)] if ndim == 2 else [(2.5, 0.8, 0.8), (2.0, 0.7, 0.9),
                                                                         (1.2, 1.2, 1.2)]
    out = []
    for i in range(n):
        gt = _blob(rng, shape, 3.0 if ndim == 2 else (1.5, 3.0, 3.0))
        pred = _blob(rng, shape, 2.5 if ndim == 2 else 2.0) | (gt & (rng.random(shape) < 0.7))
        out.append((pred.astype(np.uint8), gt.astype(np.uint8), spacings[i % len(spacings)]))
    return out


def _count_validator_calls(monkeypatch) -> list[str]:
    """Wrap the one mask validator everywhere it is referenced; return the list of validated names."""
    calls: list[str] = []
    original = validate.as_binary_mask

    def counting(mask, source="mask", **kw):
        calls.append(source)
        return original(mask, source, **kw)

    for name, mod in list(sys.modules.items()):
        if name.startswith("organseg_plugins") and getattr(mod, "as_binary_mask", None) is original:
            monkeypatch.setattr(mod, "as_binary_mask", counting)
    return calls


@pytest.mark.parametrize("ndim", [2, 3])
def test_compute_all_validates_and_crops_once(monkeypatch, ndim):
    pred, gt, spacing = _random_pairs(ndim, 1)[0]
    calls = _count_validator_calls(monkeypatch)
    crops: list[int] = []
    original_box = pair_mod.union_box

    def counting_box(p, g):
        crops.append(1)
        return original_box(p, g)

    monkeypatch.setattr(pair_mod, "union_box", counting_box)
    for kwargs in ({}, {"nsd_tolerance": 1.5}, {"nsd_tolerance": 1.5, "nsd_subvoxels": True,
                                                 "surface_convention": "surfel", "f_method": "distance"}):
        calls.clear()
        crops.clear()
        out = M.compute_all(pred, gt, spacing, **kwargs)
        assert calls == ["pred", "gt"], (kwargs, calls)  # the old suite validated up to 8 times
        assert len(crops) == 1, kwargs
        assert 0.0 < out["boundary_f"] < 1.0 and 0.0 < out["dice"] < 1.0
    # the single-metric functions validate once too
    calls.clear()
    normalized_surface_dice(pred, gt, 1.5, spacing)
    M.boundary_precision_recall_f(pred, gt)
    assert calls == ["pred", "gt"] * 2


@pytest.mark.parametrize("ndim", [2, 3])
def test_compute_all_equals_single_metric_functions(ndim):
    for pred, gt, spacing in _random_pairs(ndim):
        for tol in (0.8, 2.0):
            for sub in (False, True):
                out = M.compute_all(pred, gt, spacing, nsd_tolerance=tol, nsd_subvoxels=sub)
                assert out["nsd"] == normalized_surface_dice(pred, gt, tol, spacing, use_subvoxels=sub)
                assert 0.0 < out["nsd"] < 1.0
        methods = ("auto", "davis", "distance") if ndim == 2 else ("auto", "distance")
        for method in methods:
            for f_tol, ratio in ((None, 0.008), (2.0, 0.008), (None, 0.03)):
                out = M.compute_all(pred, gt, spacing, f_method=method, f_tolerance=f_tol,
                                    f_tolerance_ratio=ratio)
                want = M.boundary_precision_recall_f(pred, gt, f_tol, ratio, method)
                assert (out["boundary_precision"], out["boundary_recall"], out["boundary_f"]) == want
        out = M.compute_all(pred, gt, spacing)
        assert out["boundary_f"] == M.boundary_f_measure(pred, gt)
        assert out["boundary_iou"] == M.boundary_iou(pred, gt)
        assert out["trimap_iou"] == M.trimap_iou(pred, gt)
        for key, value in M.surface_metrics(pred, gt, spacing).items():
            assert out[key] == value, key
        surfel = M.compute_all(pred, gt, spacing, surface_convention="surfel")
        assert surfel["hd95"] == M.hd95(pred, gt, spacing, convention="surfel")
        assert surfel["asd"] == M.average_surface_distance(pred, gt, spacing, convention="surfel")


def _full_image_davis(pred: np.ndarray, gt: np.ndarray, bound_th: float) -> tuple[float, float, float]:
    """The DAVIS F on the whole image (seg2bmap of the full masks, full-size dilations)."""
    bp, bg = seg2bmap(pred), seg2bmap(gt)
    n_p, n_g = int(bp.sum()), int(bg.sum())
    if n_p == 0 or n_g == 0:
        prec, rec = (1.0 if n_p == 0 else 0.0), (1.0 if n_g == 0 else 0.0)
    else:
        r = bound_th if bound_th >= 1 else np.ceil(bound_th * np.hypot(*pred.shape))
        k = _disk(r)
        prec = np.count_nonzero(bp & (cv2.dilate(bg.astype(np.uint8), k) > 0)) / n_p
        rec = np.count_nonzero(bg & (cv2.dilate(bp.astype(np.uint8), k) > 0)) / n_g
    f = 2 * prec * rec / (prec + rec) if prec + rec > 0 else 0.0
    return float(prec), float(rec), float(f)


def test_davis_on_the_crop_equals_the_full_image_near_every_border():
    # the crop's frame must act as DAVIS's image border (replicated last row/column, no row above
    # the image) wherever the union box touches it
    rng = np.random.default_rng(3)
    shape = (30, 40)
    cases = []
    for sl in ((slice(0, 12), slice(5, 20)), (slice(18, 30), slice(5, 20)), (slice(5, 20), slice(0, 9)),
               (slice(5, 20), slice(30, 40)), (slice(0, 30), slice(0, 40)), (slice(20, 30), slice(31, 40)),
               (slice(0, 1), slice(0, 40)), (slice(29, 30), slice(3, 4)), (slice(0, 30), slice(39, 40))):
        g = np.zeros(shape, bool)
        g[sl] = True
        p = np.roll(g, (int(rng.integers(-2, 3)), int(rng.integers(-2, 3))), axis=(0, 1))
        noisy = g ^ (ndimage.binary_dilation(g) & (rng.random(shape) < 0.3))
        cases += [(p, g), (g, p), (noisy, g), (g, np.zeros(shape, bool)), (g, g)]
    for pred, gt in cases:
        for bound_th in (0.008, 0.05, 1, 2.5):
            want = _full_image_davis(pred, gt, bound_th)
            assert boundary_precision_recall_f_davis(pred, gt, bound_th) == pytest.approx(want, abs=1e-15)
            assert davis_prf(pair_mod.MaskPair(pred, gt), bound_th) == boundary_precision_recall_f_davis(
                pred, gt, bound_th)


def test_davis_kernel_refuses_volumes():
    v = np.zeros((3, 6, 6), bool)
    with pytest.raises(ValueError, match="defined on 2-D masks"):
        davis_prf(pair_mod.MaskPair(v, v))


def test_percentile_linear_is_numpy_percentile_bit_for_bit():
    from organseg_plugins.core.metrics.pair import percentile_linear

    rng = np.random.default_rng(11)
    for it in range(3000):
        n = int(rng.integers(1, 80))
        kind = it % 3
        if kind == 0:
            d = rng.random(n) * 10
        elif kind == 1:  # exact distances with ties, as surface distances have
            d = np.sqrt(rng.integers(0, 30, n).astype(float)) * 0.7
        else:
            d = rng.integers(0, 4, n).astype(float)
        for q in (95.0, 50.0, 0.0, 100.0, 99.9, float(rng.uniform(0, 100)), 90):
            assert percentile_linear(d, q) == float(np.percentile(d, q)), (n, q)


@pytest.mark.parametrize("ndim", [2, 3])
def test_distance_paths_agree(ndim, monkeypatch):
    """The 2-D trimap band (threshold of the cached map, or a disk dilation when no map exists) and the
    3-D boundary F (cached pixel distances, or the capped slice search) give the same numbers."""
    for pred, gt, spacing in _random_pairs(ndim):
        for width in (0.5, 2.0, 3.7, 5.0):
            fresh = pair_mod.MaskPair(pred, gt, spacing)
            cached = pair_mod.MaskPair(pred, gt, spacing)
            _ = cached.map_g, cached.dists_px
            assert fresh.trimap_iou(width) == cached.trimap_iou(width)
            for tol in (None, 1.0, 2.5, 6.0):
                assert (pair_mod.MaskPair(pred, gt, spacing).boundary_prf(tol, 0.008)
                        == cached.boundary_prf(tol, 0.008))


def _far_pairs():
    """3-D pairs with parts far from the other mask (a false-positive island, shrinking ends), so that the
    slice search reads slices outside their boxes: few points (searched one by one) and many (slices
    completed)."""
    from organseg_plugins.core.phantoms.mask_pairs import rough_ellipsoid_pair, shifted_ellipsoid_pair

    rng = np.random.default_rng(7)
    pairs = [tuple(shifted_ellipsoid_pair((30, 96, 96))), tuple(rough_ellipsoid_pair((24, 64, 64), seed=3))]
    for _ in range(6):
        shape = tuple(int(s) for s in rng.integers(6, 28, size=3))
        a = _blob(rng, shape, float(rng.uniform(1, 3)), float(rng.uniform(0.1, 0.4)))
        b = _blob(rng, shape, float(rng.uniform(1, 3)), float(rng.uniform(0.1, 0.4)))
        pairs.append((a, b | (rng.random(shape) < 0.002)))
    return pairs


@pytest.mark.parametrize("brute_per_pixel", [0.0, 1.0, 1e9])
def test_boxed_slice_maps_equal_the_whole_slice_transform(brute_per_pixel, monkeypatch):
    """SliceMaps computes each slice's transform only on a box and the rest on demand: the slice search gives
    the same floats as on the maps of whole slices (slice_sq_maps), with and without a cap."""
    from organseg_plugins.core.metrics import geometry

    # 0: every unknown read completes its slice; 1e9: every unknown read is searched point by point
    monkeypatch.setattr(geometry, "_BRUTE_PER_PIXEL", brute_per_pixel)

    class Whole:  # the dense maps: nothing unknown
        def __init__(self, target):
            self.q = geometry.slice_sq_maps(target)

    for pred, gt in _far_pairs():
        pair = pair_mod.MaskPair(pred, gt)
        if pair.box is None or pair.one_empty:
            continue
        s_p, s_g = pair.surfaces
        for src, dst, pts in ((s_p, s_g, pair.surface_index[0]), (s_g, s_p, pair.surface_index[1])):
            for wz, wyx in ((6.25, 0.64), (1.0, 1.0), (0.25, 1.0)):
                want = geometry.sparse_min_sq(Whole(dst), pts, wz, wyx)
                for margin in (0, 5):
                    got = geometry.sparse_min_sq(geometry.SliceMaps(dst, src, margin), pts, wz, wyx)
                    np.testing.assert_array_equal(got, want)
            for cap in (1.0, 9.0, 36.0):
                want = geometry.sparse_min_sq(Whole(dst), pts, 1.0, 1.0, cap) <= cap
                got = geometry.sparse_min_sq(geometry.SliceMaps(dst, src), pts, 1.0, 1.0, cap) <= cap
                np.testing.assert_array_equal(got, want)
        for width in (2.0, 5.0, 7.5):  # wider than the maps' margin: slices completed first
            whole = pair_mod.MaskPair(pred, gt)
            boxed = pair_mod.MaskPair(pred, gt)
            _ = boxed.dists_mm
            monkeypatch.setattr(whole, "map_g", geometry.SliceMaps(whole.surfaces[1], None, 10**6), raising=False)
            assert boxed.trimap_iou(width) == whole.trimap_iou(width)

