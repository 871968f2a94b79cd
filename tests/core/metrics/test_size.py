"""MRVA's hand case of the DeepSPV issue and the coverage of prediction intervals."""

from __future__ import annotations

import pytest

from organseg_plugins.core.errors import OrgansegInputError
from organseg_plugins.core.metrics import interval_coverage, mrva


def test_mrva_hand_case():
    # v = 100, 200, 300 and v' = 110, 180, 330: relative errors 0.1, 0.1, 0.1 -> MRVA = 90.0%
    assert mrva([110, 180, 330], [100, 200, 300]) == pytest.approx(90.0)


def test_interval_coverage_by_hand():
    # 100 in [90, 110] yes; 200 in [201, 250] no; 300 in [300, 300] yes (closed interval) -> 2/3
    assert interval_coverage([90, 201, 300], [110, 250, 300], [100, 200, 300]) == pytest.approx(200 / 3)
    with pytest.raises(OrgansegInputError, match="below"):
        interval_coverage([2], [1], [1])
    with pytest.raises(OrgansegInputError):
        interval_coverage([], [], [])
    with pytest.raises(OrgansegInputError):
        interval_coverage([1, 2], [3, 4], [1])
