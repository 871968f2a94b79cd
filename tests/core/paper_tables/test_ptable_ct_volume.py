"""organseg_plugins.core.paper_tables.ct_volume: the CT-volume paper's Tables 1-2 from per-volume rows."""

import math

import pytest

from organseg_plugins.core.paper_tables import build_table, get_layout, to_markdown
from organseg_plugins.core.paper_tables.ct_volume import ct_volume_cell, ct_volume_pooled
from organseg_plugins.core.paper_tables.records import RunRecord


def _run(fold, dices):
    vols = [{"case": f"c{i}", "dice": d, "voe": 1 - d / (2 - d), "asd": 1.5, "hd": 9.0} for i, d in enumerate(dices)]
    return RunRecord("refined", fold, 0, "w", "mmseg", None, {}, [], None, None, per_volume=vols)


def test_single_run_mean_std_over_volumes():
    cell = ct_volume_cell(_run(0, [0.8, 0.9]), "", "DSC (%)")
    assert cell.mean == pytest.approx(85.0) and cell.std == pytest.approx(math.sqrt(50.0))
    table = build_table(get_layout("ct_volume_tables"), [_run(0, [0.8, 0.9])])
    # VOE 1 - 0.8/1.2 = 33.33 % and 1 - 0.9/1.1 = 18.18 %: mean 25.76, std 15.15 / sqrt(2) = 10.71
    assert "| refined | 25.76 ± 10.71 | " in to_markdown(table)
    assert table.rows[0].cells["Recall (%)"] is None  # not in the rows: blank


def test_folds_mean_of_fold_means_and_pooled():
    runs = [_run(0, [0.8, 0.9]), _run(1, [0.6])]
    cell = build_table(get_layout("ct_volume_tables"), runs).rows[0].cells["DSC (%)"]
    assert cell.mean == pytest.approx((85.0 + 60.0) / 2) and cell.n == 2
    pooled = ct_volume_pooled(runs)
    assert pooled["DSC (%)"] == pytest.approx((80 + 90 + 60) / 3) and pooled["volumes"] == 3.0
