"""organseg_plugins.core.metrics through its public API: hand-computed cases per family, peers (MONAI, medpy), conventions."""

from __future__ import annotations

import math
import subprocess
import sys

import cv2
import numpy as np
import pytest
from scipy import ndimage

from organseg_plugins.core import metrics as M
from organseg_plugins.core.errors import OrgansegInputError

REL = 1e-6


def _square(shape=(64, 64), r0=20, c0=20, size=20) -> np.ndarray:
    m = np.zeros(shape, np.uint8)
    m[r0 : r0 + size, c0 : c0 + size] = 1
    return m


def _blob(rng: np.random.Generator, shape, sigma, fill=0.35, base=None, jitter=0.0) -> np.ndarray:
    """Smooth random blob(s) covering about ``fill`` of the array; correlated with ``base`` if given."""
    noise = rng.standard_normal(shape)
    sm = ndimage.gaussian_filter(noise, sigma)
    if base is not None:
        sm = base + jitter * sm / sm.std()
    thr = np.quantile(sm, 1.0 - fill)
    return sm > thr, sm


def _pairs_2d():
    rng = np.random.default_rng(1234)
    out = []
    for i in range(4):
        g, field = _blob(rng, (72, 80), sigma=4.0)
        p, _ = _blob(rng, (72, 80), sigma=3.0, base=field / field.std(), jitter=0.35 + 0.1 * i)
        out.append((p, g))
    return out


def _pairs_3d():
    rng = np.random.default_rng(99)
    out = []
    for i in range(2):
        g, field = _blob(rng, (18, 36, 40), sigma=(1.5, 3.0, 3.0), fill=0.3)
        p, _ = _blob(rng, (18, 36, 40), sigma=2.0, base=field / field.std(), jitter=0.4 + 0.2 * i, fill=0.28)
        out.append((p, g))
    return out


# ------------------------------------------------------------------------------------------
# Hand-computed cases
# ------------------------------------------------------------------------------------------


def test_confusion_and_overlap_by_hand():
    pred = np.array([[1, 1, 0], [0, 1, 0]])
    gt = np.array([[1, 0, 0], [1, 1, 0]])
    # Cell by cell (row, col): (0,0) 1/1 TP; (0,1) 1/0 FP; (0,2) 0/0 TN;
    #                          (1,0) 0/1 FN; (1,1) 1/1 TP; (1,2) 0/0 TN.
    # -> TP=2, FP=1, FN=1, TN=2, N=6.
    assert M.confusion(pred, gt) == (2, 1, 1, 2)
    assert M.dice(pred, gt) == pytest.approx(2 * 2 / (3 + 3))  # 2TP/(|P|+|G|) = 4/6
    assert M.jaccard(pred, gt) == pytest.approx(2 / 4)  # TP/(TP+FP+FN)
    assert M.precision(pred, gt) == pytest.approx(2 / 3)
    assert M.recall(pred, gt) == pytest.approx(2 / 3)
    assert M.specificity(pred, gt) == pytest.approx(2 / 3)  # TN/(TN+FP)
    assert M.accuracy(pred, gt) == pytest.approx(4 / 6)
    # Po = 4/6; Pe = ((TP+FP)(TP+FN) + (FN+TN)(FP+TN))/N^2 = (3*3 + 3*3)/36 = 1/2
    # kappa = (2/3 - 1/2) / (1 - 1/2) = 1/3
    assert M.kappa(pred, gt) == pytest.approx(1 / 3)
    assert M.voe(pred, gt) == pytest.approx(0.5)
    assert M.rvd(pred, gt) == pytest.approx(0.0)


def test_kappa_voe_rvd_asymmetric_by_hand():
    pred = np.array([[1, 1, 1, 0]], bool)
    gt = np.array([[1, 0, 0, 0]], bool)
    pred2, gt2 = np.vstack([pred, np.zeros_like(pred)]), np.vstack([gt, np.zeros_like(gt)])
    # TP=1, FP=2, FN=0, TN=1+4=5, N=8
    # Po = 6/8 = 0.75; Pe = ((1+2)(1+0) + (0+5)(2+5)) / 64 = (3 + 35)/64 = 38/64
    # kappa = (48/64 - 38/64) / (26/64) = 10/26
    assert M.confusion(pred2, gt2) == (1, 2, 0, 5)
    assert M.kappa(pred2, gt2) == pytest.approx(10 / 26)
    assert M.voe(pred2, gt2) == pytest.approx(1 - 1 / 3)  # J = 1/3
    assert M.rvd(pred2, gt2) == pytest.approx((3 - 1) / 1)
    assert M.rvd(gt2, pred2) == pytest.approx((1 - 3) / 3)


@pytest.mark.parametrize("k", [1, 3, 5])
@pytest.mark.parametrize("spacing", [None, 0.7, (1.3, 0.5)])
def test_square_shift_hausdorff(k, spacing):
    gt = _square()
    pred = np.roll(gt, k, axis=1)  # shift right by k columns
    sx = 1.0 if spacing is None else (spacing if np.isscalar(spacing) else spacing[1])
    # The middle of G's left edge is k columns from P's left edge and >= 10 rows from any other
    # part of S(P), so max distance = k * column spacing (and symmetric for P's right edge).
    assert M.hausdorff_distance(pred, gt, spacing) == pytest.approx(k * sx)
    assert M.hausdorff_distance(gt, pred, spacing) == pytest.approx(k * sx)


def test_square_shift_directed_asd_by_hand():
    gt = _square()
    pred = np.roll(gt, 1, axis=1)
    # S(P) has 76 pixels. Distance to S(G): top/bottom rows of P: cols 21..39 lie on G's
    # top/bottom row (0), col 40 is 1 from (r, 39) -> 2 pixels at 1; right edge col 40 rows 21..38
    # is 1 from G's right edge -> 18 at 1; left edge col 21 rows 21..38 is 1 from G's left edge
    # col 20 -> 18 at 1. Sum = 2 + 18 + 18 = 38 -> mean 38/76 = 0.5.
    assert M.average_surface_distance(pred, gt, mode="pred_to_gt") == pytest.approx(0.5)
    assert M.average_surface_distance(pred, gt) == pytest.approx(0.5)  # symmetric case
    assert M.rmsd(pred, gt) == pytest.approx(math.sqrt(38 / 76))


def test_3d_box_shift_along_z_anisotropic():
    gt = np.zeros((24, 40, 40), np.uint8)
    gt[5:15, 10:30, 10:30] = 1
    for k in (1, 2, 3):
        pred = np.roll(gt, k, axis=0)
        spacing = (2.5, 0.8, 0.8)
        # The centre of G's bottom face (z=5) is k slices from P's bottom face and 10 voxels
        # (8 mm) in-plane from P's side faces -> HD = 2.5 k for k <= 3.
        assert M.hausdorff_distance(pred, gt, spacing) == pytest.approx(2.5 * k)
        res = M.compute_all(pred, gt, spacing)
        assert res["hd"] == pytest.approx(2.5 * k)
        assert res["dice"] == pytest.approx((10 - k) / 10)
        assert res["gt_volume"] == pytest.approx(10 * 20 * 20 * 2.5 * 0.8 * 0.8)


def _official_mask_to_boundary(mask: np.ndarray, dilation_ratio: float = 0.02) -> np.ndarray:
    """Transcription of boundary-iou-api ``mask_to_boundary`` (Cheng et al. 2021), the reference."""
    h, w = mask.shape
    img_diag = np.sqrt(h**2 + w**2)
    dilation = int(round(dilation_ratio * img_diag))
    if dilation < 1:
        dilation = 1
    new_mask = cv2.copyMakeBorder(mask, 1, 1, 1, 1, cv2.BORDER_CONSTANT, value=0)
    kernel = np.ones((3, 3), dtype=np.uint8)
    new_mask_erode = cv2.erode(new_mask, kernel, iterations=dilation)
    mask_erode = new_mask_erode[1 : h + 1, 1 : w + 1]
    return mask - mask_erode


def test_boundary_iou_by_hand_and_identical():
    gt = np.zeros((100, 100), np.uint8)
    gt[10:30, 10:32] = 1  # 20 x 22
    pred = np.zeros_like(gt)
    pred[10:30, 10:30] = 1  # 20 x 20, inside gt
    assert M.boundary_iou(gt, gt) == 1.0
    # d = 2: band(P) = 400 - 16*16 = 144, band(G) = 440 - 16*18 = 152. band(P) minus the part of
    # G's interior (rows 12..27, cols 12..29) = band(P) minus rows 12..27 x cols 28..29 (32 px)
    # -> intersection 112, union 144 + 152 - 112 = 184.
    assert M.boundary_iou(pred, gt, width=2) == pytest.approx(112 / 184)
    # default d = round(0.02 * sqrt(2) * 100) = 3
    assert M.boundary_iou(pred, gt) == M.boundary_iou(pred, gt, width=3)
    assert M.boundary_iou(pred, gt) != M.boundary_iou(pred, gt, width=2)


@pytest.mark.parametrize("ratio", [0.005, 0.02, 0.05])
def test_boundary_iou_matches_official_algorithm(ratio):
    for pred, gt in _pairs_2d():
        pred, gt = pred.astype(np.uint8), gt.astype(np.uint8)
        bp = _official_mask_to_boundary(pred, ratio)
        bg = _official_mask_to_boundary(gt, ratio)
        ref = ((bp * bg) > 0).sum() / ((bp + bg) > 0).sum()
        assert M.boundary_iou(pred, gt, dilation_ratio=ratio) == pytest.approx(ref, rel=1e-12)


def test_boundary_iou_3d_matches_box_erosion_reference():
    # 3-D generalisation: band = M minus its erosion by the (2d+1)^3 box, zero outside the array
    for pred, gt in _pairs_3d():
        for d in (1, 2, 4):
            bp = pred & ~ndimage.minimum_filter(pred, size=2 * d + 1, mode="constant", cval=0)
            bg = gt & ~ndimage.minimum_filter(gt, size=2 * d + 1, mode="constant", cval=0)
            ref = np.count_nonzero(bp & bg) / np.count_nonzero(bp | bg)
            assert M.boundary_iou(pred, gt, width=d) == pytest.approx(ref, rel=1e-12)
        d_default = max(1, round(0.02 * np.linalg.norm(gt.shape)))
        assert M.boundary_iou(pred, gt) == M.boundary_iou(pred, gt, width=d_default)


def test_trimap_iou_by_hand():
    gt = np.zeros((100, 100), bool)
    gt[10:30, 10:30] = True
    pred = np.zeros_like(gt)
    pred[11:29, 11:29] = True  # gt eroded by one pixel
    # w = 2: band = pixels within 2 px of S(G) (G's outer ring, rows/cols 10 and 29).
    # G & band = G minus [13..26]^2 = 400 - 196 = 204; P & band = P minus [13..26]^2 = 324 - 196 = 128.
    assert M.trimap_iou(pred, gt, width=2) == pytest.approx(128 / 204)
    far = pred.copy()
    far[60:80, 60:80] = True  # a false positive far outside the band does not count
    assert M.trimap_iou(far, gt, width=2) == pytest.approx(128 / 204)
    assert M.jaccard(far, gt) < M.jaccard(pred, gt)
    assert M.trimap_iou(gt, gt, width=5) == 1.0


def test_trimap_iou_matches_bruteforce():
    for spacing_ndim_pairs in (_pairs_2d(), _pairs_3d()):
        for pred, gt in spacing_ndim_pairs:
            surf = gt ^ ndimage.binary_erosion(gt)
            band = ndimage.distance_transform_edt(~surf) <= 4
            ref = np.count_nonzero(pred & gt & band) / np.count_nonzero((pred | gt) & band)
            assert M.trimap_iou(pred, gt, width=4) == pytest.approx(ref, rel=1e-12)


def test_boundary_f_measure_shift_within_and_beyond_tolerance():
    """The named distance variant (inner surface, Euclidean tolerance); DAVIS is tests/core/metrics/test_davis.py."""
    gt = _square()
    pred = np.roll(gt, 3, axis=1)
    assert M.boundary_f_measure(pred, gt, tolerance=3, method="distance") == 1.0  # every distance <= 3
    # tolerance 2: of the 76 surface pixels of P, the right edge (20 px, 3 from G's right edge)
    # and the left edge rows 23..36 (14 px, 3 from G's left edge, >= 3 from its top/bottom rows)
    # are unmatched -> precision = 42/76; recall is the same by mirror symmetry.
    p, r, f = M.boundary_precision_recall_f(pred, gt, tolerance=2, method="distance")
    assert (p, r) == (pytest.approx(42 / 76), pytest.approx(42 / 76))
    assert f == pytest.approx(42 / 76)
    # default t = ceil(0.008 * diag(64, 64)) = ceil(0.72) = 1
    assert M.boundary_f_measure(pred, gt, method="distance") == M.boundary_f_measure(pred, gt, tolerance=1,
                                                                                   method="distance")


def test_boundary_f_matches_bruteforce():
    for pred, gt in _pairs_2d() + _pairs_3d():
        sp = pred ^ ndimage.binary_erosion(pred)
        sg = gt ^ ndimage.binary_erosion(gt)
        t = 2.0
        prec = np.mean(ndimage.distance_transform_edt(~sg)[sp] <= t)
        rec = np.mean(ndimage.distance_transform_edt(~sp)[sg] <= t)
        p, r, f = M.boundary_precision_recall_f(pred, gt, tolerance=t, method="distance")
        assert (p, r) == (pytest.approx(prec, rel=1e-12), pytest.approx(rec, rel=1e-12))
        assert f == pytest.approx(2 * prec * rec / (prec + rec), rel=1e-12)


def test_boundary_f_default_is_davis_in_2d_and_distance_in_3d():
    from organseg_plugins.core.metrics.davis import boundary_f_measure_davis

    for pred, gt in _pairs_2d():
        assert M.boundary_f_measure(pred, gt) == boundary_f_measure_davis(pred, gt, 0.008)
        assert M.compute_all(pred, gt)["boundary_f"] == boundary_f_measure_davis(pred, gt, 0.008)
        assert M.boundary_f_measure(pred, gt, tolerance=2) == boundary_f_measure_davis(pred, gt, 2)
    for pred, gt in _pairs_3d():
        assert M.boundary_f_measure(pred, gt) == M.boundary_f_measure(pred, gt, method="distance")
        with pytest.raises(OrgansegInputError, match="defined on 2-D masks"):
            M.boundary_f_measure(pred, gt, method="davis")


def test_mple_mrva_by_hand():
    # |12-10|/10 = 0.2, |45-50|/50 = 0.1 -> mean 0.15 -> 15 %
    assert M.mple([12, 45], [10, 50]) == pytest.approx(15.0)
    # 1 - 20/100 = 0.8, 1 - 10/100 = 0.9 -> mean 0.85 -> 85 %
    assert M.mrva([120, 90], [100, 100]) == pytest.approx(85.0)
    assert M.mrva([100.0], [100.0]) == 100.0 and M.mple([7.0], [7.0]) == 0.0
    with pytest.raises(ValueError, match="2 predicted values but 3"):
        M.mple([1, 2], [1, 2, 3])
    with pytest.raises(ValueError, match="> 0"):
        M.mrva([1, 2], [0, 2])


def test_mask_volume():
    m = np.zeros((4, 5, 6), bool)
    m[1:3, 1:4, 2:6] = True  # 2*3*4 = 24 voxels
    assert M.mask_volume(m, (2.5, 0.8, 0.5)) == pytest.approx(24 * 2.5 * 0.8 * 0.5)


# ------------------------------------------------------------------------------------------
# Empty-mask conventions
# ------------------------------------------------------------------------------------------


def test_both_empty_conventions():
    z = np.zeros((32, 32), np.uint8)
    r = M.compute_all(z, z, spacing=0.5)
    for key in (
        "dice",
        "jaccard",
        "precision",
        "recall",
        "kappa",
        "accuracy",
        "specificity",
        "boundary_iou",
        "trimap_iou",
        "boundary_f",
        "boundary_precision",
        "boundary_recall",
    ):
        assert r[key] == 1.0, key
    for key in (
        "voe",
        "rvd",
        "hd",
        "hd95",
        "asd",
        "asd_pred_to_gt",
        "asd_gt_to_pred",
        "rmsd",
        "assd_mean_of_directed",
        "tp",
        "fp",
        "fn",
    ):
        assert r[key] == 0.0, key
    assert r["tn"] == 32 * 32
    full = np.ones((8, 8), bool)
    assert M.kappa(full, full) == 1.0  # Pe = 1 too


@pytest.mark.parametrize("ndim", [2, 3])
def test_one_empty_conventions(ndim):
    shape = (20, 20) if ndim == 2 else (6, 20, 20)
    z = np.zeros(shape, bool)
    m = z.copy()
    m[(slice(2, 5),) * ndim] = True
    for pred, gt in ((m, z), (z, m)):
        r = M.compute_all(pred, gt, spacing=0.7)
        for key in ("dice", "jaccard", "kappa", "boundary_iou", "trimap_iou", "boundary_f"):
            assert r[key] == 0.0, key
        assert r["voe"] == 1.0
        for key in ("hd", "hd95", "asd", "asd_pred_to_gt", "asd_gt_to_pred", "rmsd"):
            assert r[key] == math.inf, key
    assert M.precision(z, m) == 0.0 and M.recall(m, z) == 0.0
    assert M.rvd(m, z) == math.inf and M.rvd(z, m) == -1.0
    d_pg, d_gp = M.surface_distances(m, z)
    assert d_gp.size == 0 and d_pg.size > 0 and np.isinf(d_pg).all()


def test_per_class_one_vs_rest():
    rng = np.random.default_rng(5)
    gt = rng.integers(0, 3, size=(40, 40))
    gt = ndimage.median_filter(gt, 5)
    pred = np.roll(gt, 2, axis=0)
    res = M.compute_per_class(pred, gt, [1, 2, 7], spacing=(0.5, 0.6))
    for c in (1, 2):
        ref = M.compute_all(pred == c, gt == c, spacing=(0.5, 0.6))
        assert res[c] == ref
    assert res[7]["dice"] == 1.0 and res[7]["hd"] == 0.0  # absent from both: both-empty
    with pytest.raises(ValueError, match="shape mismatch"):
        M.compute_per_class(pred, gt[:-1], [1])


def test_compute_all_equals_single_functions():
    for pred, gt in _pairs_2d()[:2]:
        r = M.compute_all(pred, gt, spacing=(0.7, 1.1))
        assert r["dice"] == M.dice(pred, gt)
        assert r["kappa"] == M.kappa(pred, gt)
        assert r["hd"] == M.hausdorff_distance(pred, gt, (0.7, 1.1))
        assert r["hd95"] == M.hd95(pred, gt, (0.7, 1.1))
        assert r["asd"] == M.average_surface_distance(pred, gt, (0.7, 1.1))
        assert r["boundary_iou"] == M.boundary_iou(pred, gt)
        assert r["trimap_iou"] == M.trimap_iou(pred, gt)
        assert r["boundary_f"] == M.boundary_f_measure(pred, gt)


def test_input_dtypes_accepted():
    pred, gt = _pairs_2d()[0]
    ref = M.compute_all(pred, gt)
    for dt in (np.uint8, np.int64, np.float32, np.float64, np.int8):
        assert M.compute_all(pred.astype(dt), gt.astype(dt)) == ref
    # non-contiguous views
    assert M.dice(pred.T, gt.T) == ref["dice"]


# ------------------------------------------------------------------------------------------
# Agreement with medpy and MONAI
# ------------------------------------------------------------------------------------------


def _medpy():
    return pytest.importorskip("medpy.metric.binary")


def _monai_surface(pred: np.ndarray, gt: np.ndarray, spacing) -> dict[str, float]:
    mm = pytest.importorskip("monai.metrics")
    torch = pytest.importorskip("torch")
    yp = torch.from_numpy(pred[None, None].astype(np.float32))
    yg = torch.from_numpy(gt[None, None].astype(np.float32))
    from monai.metrics.utils import get_edge_surface_distance

    kw = {"include_background": True, "spacing": spacing}
    # MONAI's own directed distance sets (what compute_hausdorff_distance uses), in float64, so
    # that its HD95 convention is checked without the float32 rounding of torch.quantile
    _, dists, _ = get_edge_surface_distance(yp[0, 0], yg[0, 0], spacing=spacing, symmetric=True)
    return {
        "hd": float(mm.compute_hausdorff_distance(yp, yg, **kw)),
        "hd95": float(mm.compute_hausdorff_distance(yp, yg, percentile=95, **kw)),
        "hd95_f64": max(float(np.percentile(d.double().numpy(), 95)) for d in dists),
        "asd": float(mm.compute_average_surface_distance(yp, yg, symmetric=True, **kw)),
        "asd_pred_to_gt": float(mm.compute_average_surface_distance(yp, yg, symmetric=False, **kw)),
    }


def _check_against_peers(pred, gt, spacing):
    mb = _medpy()
    ours = M.compute_all(pred, gt, spacing=spacing)
    assert ours["dice"] == pytest.approx(mb.dc(pred, gt), rel=REL)
    assert ours["jaccard"] == pytest.approx(mb.jc(pred, gt), rel=REL)
    assert ours["precision"] == pytest.approx(mb.precision(pred, gt), rel=REL)
    assert ours["recall"] == pytest.approx(mb.recall(pred, gt), rel=REL)
    assert ours["hd"] == pytest.approx(mb.hd(pred, gt, voxelspacing=spacing), rel=REL)
    assert ours["asd_pred_to_gt"] == pytest.approx(mb.asd(pred, gt, voxelspacing=spacing), rel=REL)
    assert ours["asd_gt_to_pred"] == pytest.approx(mb.asd(gt, pred, voxelspacing=spacing), rel=REL)
    # medpy 0.5 assd pools both directed sets (= our default); medpy <= 0.4 averaged the two means
    assert ours["asd"] == pytest.approx(mb.assd(pred, gt, voxelspacing=spacing), rel=REL)
    mean_of_means = (mb.asd(pred, gt, voxelspacing=spacing) + mb.asd(gt, pred, voxelspacing=spacing)) / 2
    assert ours["assd_mean_of_directed"] == pytest.approx(mean_of_means, rel=REL)
    assert M.hd95(pred, gt, spacing, mode="pooled") == pytest.approx(
        mb.hd95(pred, gt, voxelspacing=spacing), rel=REL
    )
    # RMSD from medpy's own directed distance arrays
    sd = getattr(mb, "__surface_distances")
    d1, d2 = sd(pred, gt, spacing, 1), sd(gt, pred, spacing, 1)
    assert ours["rmsd"] == pytest.approx(math.sqrt(np.mean(np.concatenate([d1, d2]) ** 2)), rel=REL)
    ours_d1, ours_d2 = M.surface_distances(pred, gt, spacing)
    np.testing.assert_allclose(np.sort(ours_d1), np.sort(d1), rtol=REL)
    np.testing.assert_allclose(np.sort(ours_d2), np.sort(d2), rtol=REL)
    mon = _monai_surface(pred, gt, spacing)
    for key in ("hd", "asd", "asd_pred_to_gt"):
        assert ours[key] == pytest.approx(mon[key], rel=REL), key
    assert ours["hd95"] == pytest.approx(mon["hd95_f64"], rel=REL)
    # MONAI computes the percentile with torch.quantile in float32: equal up to float32 precision
    assert ours["hd95"] == pytest.approx(mon["hd95"], rel=1e-5)
    return ours


def test_peers_random_2d():
    spacings = [None, 0.7, (0.7, 1.3), (2.0, 0.45)]
    for (pred, gt), spacing in zip(_pairs_2d(), spacings):
        ours = _check_against_peers(pred, gt, spacing)
        # the conventions really differ on these shapes, so the checks above can tell them apart
        assert ours["hd95"] != pytest.approx(M.hd95(pred, gt, spacing, mode="pooled"), rel=1e-4)
        assert ours["asd"] != pytest.approx(ours["assd_mean_of_directed"], rel=1e-4)


def test_peers_random_3d():
    # (sz, s, s): per-slice EDT + z search; isotropic; in-plane anisotropic: k-d tree path
    for (pred, gt), spacing in zip(_pairs_3d() * 2, [(2.5, 0.8, 0.8), 1.5, (2.0, 0.7, 0.9), None]):
        _check_against_peers(pred, gt, spacing)


def test_peers_3d_island_and_empty_slices():
    # target surfaces absent from most slices and a far false-positive island: exercises the
    # slice search (points whose own slice has no target surface) against medpy/MONAI
    gt = np.zeros((30, 40, 44), bool)
    gt[4:9, 10:25, 12:30] = True
    pred = np.roll(gt, (1, 2, -1), axis=(0, 1, 2))
    pred[22:25, 30:36, 2:6] = True
    pred[6, 5:30, 35] = True  # a thin spur
    for spacing in ((3.0, 0.6, 0.6), (1.0, 1.0, 1.0), (0.5, 2.0, 2.0)):
        ours = _check_against_peers(pred, gt, spacing)
        assert ours["hd"] > 15 * spacing[0]
    surf = gt ^ ndimage.binary_erosion(gt)
    band = ndimage.distance_transform_edt(~surf) <= 3
    ref = np.count_nonzero(pred & gt & band) / np.count_nonzero((pred | gt) & band)
    assert M.trimap_iou(pred, gt, width=3) == pytest.approx(ref, rel=1e-12)


def _liver_mask() -> tuple[np.ndarray, tuple[float, float]]:
    pydicom = pytest.importorskip("pydicom")
    from pydicom.data import get_testdata_file

    path = get_testdata_file("liver_1frame.dcm")
    if path is None:
        pytest.skip("pydicom test file liver_1frame.dcm is not bundled")
    ds = pydicom.dcmread(path)
    mask = np.asarray(ds.pixel_array).astype(bool)
    assert mask.shape == (512, 512) and 1000 < mask.sum() < mask.size // 2
    try:
        px = ds.SharedFunctionalGroupsSequence[0].PixelMeasuresSequence[0].PixelSpacing
        spacing = (float(px[0]), float(px[1]))
    except (AttributeError, IndexError, KeyError):
        spacing = (0.7, 0.7)
    return mask, spacing


def test_peers_real_liver_mask():
    gt, spacing = _liver_mask()
    shifted = np.roll(gt, (3, -4), axis=(0, 1))
    eroded = ndimage.binary_erosion(gt, iterations=3)
    bumped = ndimage.binary_dilation(gt, iterations=2) & ~np.roll(gt, 6, axis=1)
    for pred, sp in ((shifted, spacing), (eroded, (0.8, 1.3)), (bumped, spacing)):
        _check_against_peers(pred, gt, sp)


# ------------------------------------------------------------------------------------------
# Bad input
# ------------------------------------------------------------------------------------------


def test_error_shape_mismatch():
    with pytest.raises(ValueError, match=r"pred has shape \(10, 10\) but gt has shape \(10, 11\)"):
        M.dice(np.zeros((10, 10)), np.zeros((10, 11)))


def test_error_0_255_mask():
    m = np.zeros((8, 8), np.uint8)
    m[2:4, 2:4] = 255
    with pytest.raises(ValueError, match=r"values \{0, 255\} \(dtype uint8\); expected 0/1 \(a 0/255 mask"):
        M.compute_all(m, m // 255)
    labels = np.zeros((8, 8), np.int32)
    labels[0, 0], labels[1, 1] = 1, 2
    with pytest.raises(OrgansegInputError, match=r"gt: mask has values \{0, 1, 2\}.*label map"):
        M.dice(m // 255, labels)


def test_error_nan_and_fractional():
    m = np.zeros((8, 8))
    bad = m.copy()
    bad[1, 1] = np.nan
    with pytest.raises(ValueError, match="pred: mask contains NaN"):
        M.hausdorff_distance(bad, m)
    half = m.copy()
    half[0, 0] = 0.5
    with pytest.raises(ValueError, match=r"values \{0, 0.5\}"):
        M.dice(m, half)


@pytest.mark.parametrize(
    "spacing, msg",
    [
        (0.0, "positive"),
        (-1.0, "positive"),
        (float("nan"), "positive"),
        (float("inf"), "positive"),
        ((1.0, 0.0), "positive"),
        ((1.0, 1.0, 1.0), "3 values but the masks are 2-D"),
        ("abc", "number"),
    ],
)
def test_error_spacing(spacing, msg):
    m = _square()
    with pytest.raises(ValueError, match=msg):
        M.hausdorff_distance(m, m, spacing)


def test_error_unknown_modes():
    z = np.zeros((6, 6), bool)
    with pytest.raises(ValueError, match="unknown HD percentile mode"):
        M.hd95(z, z, mode="medpy")
    with pytest.raises(ValueError, match="unknown ASD mode"):
        M.average_surface_distance(z, z, mode="both")


def test_error_ndim_and_size():
    with pytest.raises(ValueError, match="2-D or 3-D"):
        M.dice(np.zeros(5), np.zeros(5))
    with pytest.raises(ValueError, match="pred: mask is empty"):
        M.dice(np.zeros((0, 3)), np.zeros((0, 3)))


def test_core_imports_no_framework():
    code = (
        "import sys, organseg_plugins.core.metrics\n"
        "bad = [m for m in ('torch', 'mmengine', 'mmseg', 'mmcv', 'detectron2') if m in sys.modules]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_confusion_matrix_overlap_and_kappa_equal_the_mask_functions():
    """The pooled (confusion-matrix) forms used by OrganSegMetric agree with the mask functions for K = 2."""
    rng = np.random.default_rng(7)
    pred, gt = rng.random((32, 32)) > 0.6, rng.random((32, 32)) > 0.5
    cm = np.bincount(2 * gt.ravel().astype(int) + pred.ravel().astype(int), minlength=4).reshape(2, 2)
    ov = M.overlap_from_confusion_matrix(cm)
    assert ov["iou"][1] == pytest.approx(M.jaccard(pred, gt), rel=1e-12)
    assert ov["dice"][1] == pytest.approx(M.dice(pred, gt), rel=1e-12)
    assert ov["precision"][1] == pytest.approx(M.precision(pred, gt), rel=1e-12)
    assert ov["recall"][1] == pytest.approx(M.recall(pred, gt), rel=1e-12)
    assert ov["iou"][0] == pytest.approx(M.jaccard(~pred, ~gt), rel=1e-12)  # background = one-vs-rest
    assert M.kappa_from_confusion_matrix(cm) == pytest.approx(M.kappa(pred, gt), rel=1e-12)
    # a class absent from GT and prediction scores 1; an all-zero matrix is an error
    assert M.overlap_from_confusion_matrix([[5, 0], [0, 0]])["iou"].tolist() == [1.0, 1.0]
    with pytest.raises(ValueError, match="no pixel"):
        M.kappa_from_confusion_matrix(np.zeros((2, 2)))
