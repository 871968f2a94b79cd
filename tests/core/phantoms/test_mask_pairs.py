"""organseg_plugins.core.phantoms.mask_pairs: deterministic (prediction, ground truth) pairs for speed checks.

The voxel counts are pinned: at these sizes they are those of the generators the speed scripts always used
(``tools/analysis/speed_metrics.py``'s 2-D/3-D pairs, ``tools/analysis/speed_volume_eval.py``'s volume; checked
equal array by array when the generators moved here)."""

import numpy as np
import pytest

from organseg_plugins.core.metrics import compute_all
from organseg_plugins.core.phantoms.mask_pairs import (
    MaskPair,
    close_disc_pair,
    perturbed_disc_pair,
    rough_ellipsoid_pair,
    shifted_ellipsoid_pair,
)


def _counts(pair: MaskPair) -> tuple[int, int, int]:
    return int(pair.pred.sum()), int(pair.gt.sum()), int((pair.pred & pair.gt).sum())


@pytest.mark.parametrize("make, args, counts", [
    (perturbed_disc_pair, (64,), (239, 239, 224)),
    (perturbed_disc_pair, (512,), (15181, 15198, 14134)),
    (shifted_ellipsoid_pair, ((12, 64, 64),), (1211, 1156, 1059)),
    (rough_ellipsoid_pair, ((12, 48, 48),), (1747, 1747, 1205)),
])
def test_pinned_and_deterministic(make, args, counts):
    pair = make(*args)
    assert _counts(pair) == counts
    assert pair.pred.dtype == pair.gt.dtype == np.uint8 and set(np.unique(pair.pred)) <= {0, 1}
    again = make(*args)
    np.testing.assert_array_equal(again.pred, pair.pred)
    np.testing.assert_array_equal(again.gt, pair.gt)
    pred, gt = pair  # unpacks like the (pred, gt) tuples it replaces
    assert pred is pair.pred and gt is pair.gt


def test_seed_changes_the_pair():
    assert _counts(perturbed_disc_pair(64, seed=1)) != _counts(perturbed_disc_pair(64, seed=0))
    assert not np.array_equal(rough_ellipsoid_pair((12, 48, 48), seed=1).gt, rough_ellipsoid_pair((12, 48, 48)).gt)
    a, b = shifted_ellipsoid_pair((12, 64, 64), seed=5), shifted_ellipsoid_pair((12, 64, 64), seed=6)
    np.testing.assert_array_equal(a.gt, b.gt)  # the seed only picks the dilated slices of the prediction
    assert not np.array_equal(a.pred, b.pred)


def test_geometry_of_the_2d_pair():
    pred, gt = perturbed_disc_pair(512)
    ys, xs = np.nonzero(gt)
    assert abs(ys.mean() - 256) < 3 and abs(xs.mean() - 250) < 3  # centred at (256, 250)
    assert 140 < xs.max() - xs.min() < 170  # ~150 px across
    assert pred[150:158, 300:312].all() and not gt[150:158, 300:312].any()  # the false-positive island
    assert not pred[300:306, 180:200].any()  # the notch
    dice = compute_all(pred, gt)["dice"]
    assert 0.9 < dice < 0.95  # imperfect, as a segmentation


def test_close_pair_shares_the_ground_truth_and_stays_within_two_pixels():
    far, close = perturbed_disc_pair(512), close_disc_pair(512)
    np.testing.assert_array_equal(close.gt, far.gt)
    values = compute_all(close.pred, close.gt)
    # centre moved by (1, -1) px and semi-axes 1 px shorter: a boundary pixel moves by at most
    # |(1, -1)| + 1 ~ 2.4 px; HD on the pixel grid is sqrt of an integer, so <= sqrt(8) = 2.83
    assert 1.0 <= values["hd"] <= 8**0.5
    assert values["dice"] > 0.97 and values["boundary_f"] > 0.99  # within DAVIS's 6-px tolerance: all matched
    np.testing.assert_array_equal(close_disc_pair(512).pred, close.pred)  # deterministic


def test_options_of_the_3d_pairs():
    none = shifted_ellipsoid_pair((12, 64, 64), dilate_fraction=0.0)
    every = shifted_ellipsoid_pair((12, 64, 64), dilate_fraction=1.0)
    assert (every.pred >= none.pred).all() and every.pred.sum() > none.pred.sum()
    pred, gt = rough_ellipsoid_pair((12, 48, 48), shift=(0, 0, 0), dilate_iterations=0)
    np.testing.assert_array_equal(pred, gt)
    pred, gt = rough_ellipsoid_pair((12, 48, 48), shift=(0, 2, 0), dilate_iterations=0)
    np.testing.assert_array_equal(pred, np.roll(gt, 2, axis=1))


@pytest.mark.parametrize("make, shape", [(perturbed_disc_pair, 0), (shifted_ellipsoid_pair, (4, 8)),
                                         (rough_ellipsoid_pair, (0, 8, 8))])
def test_bad_shapes(make, shape):
    with pytest.raises(ValueError, match="shape must be [13] positive sizes"):
        make(shape)
