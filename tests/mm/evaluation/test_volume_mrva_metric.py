"""VolumeMRVAMetric: the issue's hand case (90.0%), interval coverage, per-case CSV and PCA figure."""

from __future__ import annotations

import numpy as np
import pytest

import organseg_plugins.mm  # noqa: F401  (registers the metric)
from organseg_plugins.core.errors import OrgansegInputError
from organseg_plugins.core.io.tables import read_csv_rows
from organseg_plugins.mm.evaluation.metrics.volume_mrva_metric import CASE_COLUMNS, VolumeMRVAMetric


def _samples(with_ci: bool):
    out = []
    # v = 100, 200, 300; v' = 110, 180, 330 -> MRVA = 100 * (1 - 0.1) = 90.0%, MAE = (10 + 20 + 30) / 3 = 20 mL
    for i, (g, p) in enumerate([(100, 110), (200, 180), (300, 330)]):
        s = dict(name=f"c{i}", gt_volume=float(g), pred_volume=float(p))
        if with_ci:  # intervals [p - 15, p + 15]: contain 100 (95..125), not 200 (165..195), not 300 (315..345)
            s.update(lower=p - 15.0, upper=p + 15.0, mu=np.array([float(i), float(i) ** 2, 1.0]))
        out.append(s)
    return out


def test_hand_case_with_intervals(tmp_path):
    metric = VolumeMRVAMetric(out_dir=str(tmp_path))
    metric.process({}, _samples(True))
    res = metric.compute_metrics(metric.results)
    assert res["mrva"] == pytest.approx(90.0) and res["mae_ml"] == pytest.approx(20.0)
    assert res["ci_coverage"] == pytest.approx(100 / 3) and res["ci_width_ml"] == pytest.approx(30.0)
    rows = read_csv_rows(tmp_path / "volume_per_case.csv", required=CASE_COLUMNS)
    assert [r["covered"] for r in rows] == ["1", "0", "0"]
    assert [float(r["relative_accuracy_pct"]) for r in rows] == [90.0, 90.0, 90.0]
    assert (tmp_path / "latent_pca.png").is_file()


def test_point_predictions_only(tmp_path):
    metric = VolumeMRVAMetric(out_dir=str(tmp_path), csv_name="lin.csv")
    metric.process({}, _samples(False))
    res = metric.compute_metrics(metric.results)
    assert set(res) == {"mrva", "mae_ml"} and res["mrva"] == pytest.approx(90.0)
    assert read_csv_rows(tmp_path / "lin.csv")[0]["lower_ml"] == ""
    assert not (tmp_path / "latent_pca.png").exists()


def test_missing_reference_is_named():
    metric = VolumeMRVAMetric()
    with pytest.raises(OrgansegInputError, match="case c9"):
        metric.process({}, [dict(name="c9", pred_volume=1.0)])
    with pytest.raises(OrgansegInputError, match="no cases"):
        metric.compute_metrics([])
