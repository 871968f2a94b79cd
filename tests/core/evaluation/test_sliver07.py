"""Sliver07 points (Heimann et al. 2009): hand-computed cases."""

from __future__ import annotations

import math

import pytest

from organseg_plugins.core.errors import OrgansegInputError
from organseg_plugins.core.evaluation.sliver07 import SLIVER07_REFERENCE, sliver07_scores


def test_points_by_hand():
    # VOE 6.4 % = the rater's error -> 75; RVD -9.4 % (twice the reference, sign ignored) -> 100 - 50 = 50;
    # ASD 0 -> 100; RMSD 9 mm = 5 x 1.8 -> 100 - 125 < 0 -> 0; MSD 9.5 mm = half of 19 -> 87.5
    s = sliver07_scores({"voe": 0.064, "rvd": -0.094, "asd": 0.0, "rmsd": 9.0, "hd": 9.5})
    assert s["score_voe"] == pytest.approx(75.0)
    assert s["score_rvd"] == pytest.approx(50.0)
    assert s["score_asd"] == 100.0 and s["score_rmsd"] == 0.0
    assert s["score_hd"] == pytest.approx(87.5)
    assert s["score"] == pytest.approx((75 + 50 + 100 + 0 + 87.5) / 5)


def test_infinite_distance_and_custom_reference():
    s = sliver07_scores({"voe": 1.0, "rvd": -1.0, "asd": math.inf, "rmsd": math.inf, "hd": math.inf})
    assert s["score"] == 0.0
    assert sliver07_scores({"asd": 2.0}, {"asd": 2.0}) == {"score_asd": 75.0, "score": 75.0}
    assert set(SLIVER07_REFERENCE) == {"voe", "rvd", "asd", "rmsd", "hd"}
    with pytest.raises(OrgansegInputError, match="positive"):
        sliver07_scores({"asd": 1.0}, {"asd": 0.0})
    with pytest.raises(OrgansegInputError, match="needs 'rvd'"):
        sliver07_scores({"voe": 0.1})
