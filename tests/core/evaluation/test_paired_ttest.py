"""Paired t-test: hand-computed case, equality with scipy.stats.ttest_rel, image matching errors."""

import math

import numpy as np
import pytest
from scipy import stats

from organseg_plugins.core.errors import OrgansegInputError
from organseg_plugins.core.evaluation.paired_ttest import match_scores, paired_ttest, read_scores


def test_hand_computed():
    # d = (1, 2, 3): mean 2, s_d = 1, t = 2 / (1 / sqrt 3) = 2 sqrt 3 = 3.4641, df 2
    r = paired_ttest([2, 4, 6], [1, 2, 3])
    assert r.mean_diff == 2 and r.sd_diff == pytest.approx(1.0)
    assert r.t == pytest.approx(2 * math.sqrt(3)) and r.df == 2
    # one-sided p with 2 df: P(T > t) = (1 - t / sqrt(t^2 + 2)) / 2 = (1 - sqrt(12/14)) / 2
    assert r.p == pytest.approx((1 - math.sqrt(12 / 14)) / 2, rel=1e-9)


@pytest.mark.parametrize("alternative", ["greater", "less", "two-sided"])
def test_equals_scipy(alternative):
    rng = np.random.default_rng(0)
    a = rng.normal(0.7, 0.1, 40)
    b = a - rng.normal(0.02, 0.05, 40)
    ours = paired_ttest(a, b, alternative)
    ref = stats.ttest_rel(a, b, alternative=alternative)
    assert ours.t == pytest.approx(ref.statistic, rel=1e-12) and ours.p == pytest.approx(ref.pvalue, rel=1e-9)


def test_matching_and_csv(tmp_path):
    (tmp_path / "m.csv").write_text("img_path,class,iou\n/x/a.png,lesion,80\n/x/b.png,lesion,70\n"
                                    "/x/c.png,lesion,90\n/x/a.png,background,99\n")
    (tmp_path / "u.csv").write_text("img_path,class,iou\n/y/a.png,lesion,75\n/y/b.png,lesion,71\n")
    m = read_scores(tmp_path / "m.csv", "iou", cls="lesion")
    u = read_scores(tmp_path / "u.csv", "iou", cls="lesion")
    assert m == {"a.png": 80.0, "b.png": 70.0, "c.png": 90.0}
    with pytest.raises(OrgansegInputError, match=r"1 image\(s\) of m missing from u: \['c.png'\]"):
        match_scores(m, u, "m", "u")
    keys, x, y = match_scores({k: m[k] for k in ("a.png", "b.png")}, u)
    assert keys == ["a.png", "b.png"] and x == [80.0, 70.0] and y == [75.0, 71.0]
    with pytest.raises(OrgansegInputError, match=r"m.csv:5: image 'a.png' listed twice"):
        read_scores(tmp_path / "m.csv", "iou")
    # the Markdown table of these tests is organseg_plugins.core.paper_tables.aru_net.ttest_markdown (tested there)
