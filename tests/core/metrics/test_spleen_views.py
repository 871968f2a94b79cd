"""Length, width, thickness on the views and the 0.523 L W T ellipsoid formula, by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from organseg_plugins.core.errors import OrgansegInputError
from organseg_plugins.core.metrics.spleen_views import (
    ELLIPSOID_COEFFICIENT,
    ellipsoid_formula_ml,
    view_measurements,
)


def test_rectangles_by_hand():
    # coronal: 10 rows x 4 columns at 2 mm; Feret = diagonal between pixel centres sqrt(9^2 + 3^2) px
    cor = np.zeros((20, 20), np.uint8)
    cor[2:12, 5:9] = 1
    tra = np.zeros((20, 20), np.uint8)
    tra[5:7, 3:13] = 1  # 2 rows x 10 columns
    m = view_measurements(cor, tra, 2.0)
    assert m["length_mm"] == pytest.approx(2 * math.sqrt(81 + 9))
    # width = 4 A / (pi L): A = 40 px * 4 mm^2 = 160 mm^2
    assert m["coronal_width_mm"] == pytest.approx(4 * 160 / (math.pi * m["length_mm"]))
    assert m["width_mm"] == pytest.approx(2 * math.sqrt(81 + 1))
    assert m["thickness_mm"] == pytest.approx(4 * 80 / (math.pi * m["width_mm"]))


def test_single_view_and_empty_masks():
    cor = np.zeros((8, 8), np.uint8)
    cor[1:3, 1:7] = 1
    m = view_measurements(cor, None, 1.0)
    assert math.isnan(m["width_mm"]) and math.isnan(m["thickness_mm"])
    with pytest.raises(OrgansegInputError, match="empty"):
        view_measurements(np.zeros((8, 8), np.uint8), None, 1.0)


def test_ellipsoid_formula_by_hand():
    # 0.523 * 100 * 50 * 40 mm^3 = 104600 mm^3 = 104.6 mL; pi/6 = 0.5236 ~ 0.523
    assert ellipsoid_formula_ml(100, 50, 40) == pytest.approx(104.6)
    assert ELLIPSOID_COEFFICIENT == pytest.approx(math.pi / 6, abs=1e-3)
