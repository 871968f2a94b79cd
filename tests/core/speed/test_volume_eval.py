"""organseg_plugins.core.speed.volume_eval: the per-volume evaluation's speed check and its report."""

import re

import pytest

from organseg_plugins.core.errors import OrgansegInputError
from organseg_plugins.core.phantoms.mask_pairs import rough_ellipsoid_pair
from organseg_plugins.core.speed.volume_eval import VolumeEvalSpeed, volume_eval_speed


def test_report_by_hand():
    r = VolumeEvalSpeed((4, 8, 8), (2.5, 0.8, 0.8), 40, regroup_s=0.001, ours_s=0.004, monai_s=0.010,
                        ours={"hd": 2.0, "asd": 0.5, "dice": 0.9}, monai={"hd": 2.0, "asd": 0.4, "dice": 0.9})
    assert r.max_rel_diff == pytest.approx(0.25)  # ASD: |0.5 - 0.4| / 0.4
    lines = r.report().splitlines()
    assert lines[0] == "volume 4x8x8, spacing (2.5, 0.8, 0.8) mm, |G| = 40 voxels"
    assert lines[1].startswith("regroup 4 slices:") and lines[1].endswith("1.0 ms")
    assert "(MSD 2.000, ASD 0.5000 mm, DSC 0.90000)" in lines[2] and lines[2].split()[4] == "4.0"
    assert lines[4] == ("ratio MONAI / ours (suite): 2.50x; ratio MONAI / (regroup + suite): 2.00x; "
                        "max relative difference of MSD/ASD/DSC: 2.50e-01")


def test_small_volume_agrees_with_monai():
    pytest.importorskip("monai")
    r = volume_eval_speed((10, 40, 40), reps=1)
    _, gt = rough_ellipsoid_pair((10, 40, 40))
    assert r.gt_voxels == int(gt.sum()) and r.shape == (10, 40, 40)
    assert r.max_rel_diff < 1e-6 and 0 < r.ours["dice"] < 1
    assert min(r.regroup_s, r.ours_s, r.monai_s) > 0
    assert re.search(r"\|G\| = \d+ voxels", r.report())


@pytest.mark.parametrize("shape, reps, message", [
    ((0, 8, 8), 1, r"--shape needs three positive sizes Z Y X, got \(0, 8, 8\)"),
    ((8, 8), 1, r"--shape needs three positive sizes Z Y X, got \(8, 8\)"),
    ((8, 8, 8), 0, "--reps must be >= 1, got 0"),
])
def test_bad_arguments(shape, reps, message):
    with pytest.raises(OrgansegInputError, match=message):
        volume_eval_speed(shape, reps)
