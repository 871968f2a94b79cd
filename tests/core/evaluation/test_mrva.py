"""organseg_plugins.core.evaluation.mrva: MRVA and interval coverage of per-case volumes."""

import pytest

from organseg_plugins.core.errors import OrgansegInputError
from organseg_plugins.core.evaluation.mrva import case_scores, read_case_scores


def test_case_scores_by_hand():
    rows = [dict(gt_volume_ml="100", pred_volume_ml="110", lower_ml="90", upper_ml="120"),
            dict(gt_volume_ml="200", pred_volume_ml="180", lower_ml="170", upper_ml="190")]
    s = case_scores(rows, "x.csv")
    # relative accuracies 90 % and 90 % -> MRVA 90; 100 in [90, 120], 200 not in [170, 190] -> coverage 50 %
    assert s.mrva == pytest.approx(90.0) and s.coverage == pytest.approx(50.0) and s.cases == 2
    assert case_scores([dict(gt_volume_ml=100, pred_volume_ml=50, lower_ml="")], "y").coverage is None


def test_errors_name_the_source(tmp_path):
    with pytest.raises(OrgansegInputError, match="x.csv: not a number"):
        case_scores([dict(gt_volume_ml="abc", pred_volume_ml="1")], "x.csv")
    with pytest.raises(OrgansegInputError, match="none.csv"):
        read_case_scores(tmp_path / "none.csv")
