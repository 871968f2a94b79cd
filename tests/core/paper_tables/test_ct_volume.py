"""organseg_plugins.core.paper_tables.ct_volume: the CT-volume paper's Tables 1-2 from per-volume rows."""

import math

import numpy as np
import pytest

from organseg_plugins.core.evaluation.volumes import evaluate_volume, summarize_volumes
from organseg_plugins.core.paper_tables import build_table, get_layout, to_markdown
from organseg_plugins.core.paper_tables.ct_volume import ct_volume_cell, ct_volume_pooled, format_volume_table
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


def test_format_volume_table_of_one_evaluation():
    """CTVolumeMetric's logged table (moved here from tests/core/evaluation/test_volumes.py with the function)."""
    g = np.zeros((2, 4, 4), np.uint8)
    g[:, 1:3, 1:3] = 1
    rows = [evaluate_volume(g, g, (1, 1, 1), "a"), evaluate_volume(np.zeros_like(g), g, (1, 1, 1), "b")]
    text = format_volume_table(summarize_volumes(rows), "refined")
    assert "DSC (%)" in text and "50.00 +- 70.71" in text and "(1 inf)" in text and "assumed definition" in text
    head, rule, row, note = text.splitlines()
    cells = [c.strip() for c in row.split(" | ")]
    heads = [h.strip() for h in head.split(" | ")]
    assert heads[:4] == ["Method", "VOE (%)", "RVD (%)", "ASD (mm)"] and cells[0] == "refined"
    assert cells[heads.index("DSC (%)")] == "50.00 +- 70.71"
    assert cells[heads.index("ASD (mm)")] == "0.00 +- 0.00 (1 inf)"  # the empty prediction left out, said so
    crossings = [i for i, c in enumerate(rule) if c == "+"]  # columns padded to one width in every line
    assert crossings == [i for i, c in enumerate(head) if c == "|"] == [i for i, c in enumerate(row) if c == "|"]
    assert note.startswith("mean +- std (ddof=1) over 2 volume(s)")
