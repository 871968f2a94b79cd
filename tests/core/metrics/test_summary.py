"""The one summary: mean and sample std over finite values, inf and NaN counted apart."""

from __future__ import annotations

import math

import numpy as np
import pytest

from organseg_plugins.core.metrics import STD_DDOF, summarize_rows, summarize_values


def test_hand_case():
    # finite values 1, 2, 3: mean 2; sample variance ((1-2)^2 + 0 + (3-2)^2) / (3 - 1) = 1 -> std 1
    s = summarize_values([1.0, 2.0, math.inf, 3.0, math.nan])
    assert (s.mean, s.std, s.min, s.max, s.n, s.n_inf, s.n_nan) == (2.0, 1.0, 1.0, 3.0, 5, 1, 1)
    assert STD_DDOF == 1
    assert s.std == pytest.approx(np.std([1, 2, 3], ddof=1))


def test_single_and_no_finite_case():
    assert summarize_values([4.0]).std == 0.0
    s = summarize_values([math.inf, math.inf])
    assert math.isinf(s.mean) and s.n_inf == 2
    assert math.isnan(summarize_values([]).mean)


def test_rows():
    rows = [{"dice": 0.5, "hd": 1.0}, {"dice": 0.7, "hd": math.inf}]
    out = summarize_rows(rows, ["dice", "hd"])
    assert out["dice"].mean == pytest.approx(0.6) and out["dice"].std == pytest.approx(math.sqrt(0.02))
    assert out["hd"].mean == 1.0 and out["hd"].n_inf == 1
