"""organseg_plugins.core.paper_tables.deepspv: DeepSPV's MRVA table (Yuan et al. 2025, Med Image Anal) from
the per-case CSVs of VolumeMRVAMetric."""

import pytest

from organseg_plugins.core.errors import OrgansegInputError
from organseg_plugins.core.io.tables import write_csv
from organseg_plugins.core.paper_tables import build_table, get_layout, read_run, to_markdown
from organseg_plugins.core.paper_tables.deepspv import (
    deepspv_csv_table,
    deepspv_pooled,
    deepspv_row,
    run_view,
)

# the per-case columns of organseg_plugins.mm.evaluation.metrics.volume_mrva_metric (not imported: mmseg's import is slow)
CASE_COLUMNS = ("name", "gt_volume_ml", "pred_volume_ml", "lower_ml", "upper_ml", "relative_accuracy_pct", "covered")
ROWS = [dict(name="a", gt_volume_ml=100, pred_volume_ml=110, lower_ml=90, upper_ml=120),
        dict(name="b", gt_volume_ml=200, pred_volume_ml=180, lower_ml=170, upper_ml=190),
        dict(name="c", gt_volume_ml=300, pred_volume_ml=330, lower_ml=290, upper_ml=340)]


def _work_dir(root, name, rows):
    (root / name / "20250101_000000").mkdir(parents=True)
    write_csv(root / name / "20250101_000000" / "volume_per_case.csv", CASE_COLUMNS, rows)
    return read_run(root / name, name)


def test_view_and_row_from_the_name():
    run = lambda m, cfg=None: type("R", (), {"method": m, "config": cfg})()  # noqa: E731
    assert run_view(run("RVAE-dual")) == "dual" and deepspv_row(run("RVAE-dual")) == "RVAE"
    assert run_view(run("RVAE (single view)")) == "single" and deepspv_row(run("RVAE (single view)")) == "RVAE"
    assert run_view(run("rvae", "configs/deepspv/rvae_1xb16-200e_spleen-views-128-dual.py")) == "dual"
    assert run_view(run("Dualnet")) == "single" and deepspv_row(run("Dualnet")) == "Dualnet"


def test_table_by_hand(tmp_path):
    single = _work_dir(tmp_path, "RVAE-single", ROWS)
    dual = _work_dir(tmp_path, "RVAE-dual", [dict(r, pred_volume_ml=r["gt_volume_ml"], upper_ml=r["upper_ml"] + 20)
                                          for r in ROWS])
    no_ci = _work_dir(tmp_path, "Length regression", [{k: v for k, v in r.items() if "er_ml" not in k} for r in ROWS])
    table = build_table(get_layout("deepspv_mrva"), [single, dual, no_ci])
    # single: v = 100, 200, 300; v' = 110, 180, 330 -> 1 - 0.1, 0.1, 0.1 -> MRVA 90.00; intervals cover 100 and
    # 300, not 200 -> 66.67%; dual: v' = v -> 100.00, upper + 20 mL -> [170, 210] covers 200 too -> 100.00
    lines = to_markdown(table).splitlines()
    assert lines[4] == "| RVAE | 90.00 | 100.00 | 66.67 | 100.00 |"
    assert lines[5] == "| Length regression | 90.00 |  |  |  |"
    pooled = deepspv_pooled([single, dual])
    assert pooled["MRVA single view (%)"] == pytest.approx(90.0) and pooled["cases dual"] == 3.0


def test_methods_order_by_run_names(tmp_path):
    single = _work_dir(tmp_path, "a", ROWS)
    dual = _work_dir(tmp_path, "b", ROWS)
    single.method, dual.method = "RVAE single", "RVAE dual"
    table = build_table(get_layout("deepspv_mrva"), [single, dual], ["RVAE single", "RVAE dual"])
    assert [r.method for r in table.rows] == ["RVAE"] and table.rows[0].runs == 2


def test_csv_table_by_hand(tmp_path):
    """The table of tools/analysis/deepspv_table.py: the same scores as the layout's, its own cells."""
    write_csv(tmp_path / "rvae.csv", CASE_COLUMNS, ROWS)
    write_csv(tmp_path / "lin.csv", CASE_COLUMNS, [{k: v for k, v in r.items() if "er_ml" not in k} for r in ROWS])
    text = deepspv_csv_table([("RVAE", "dual", tmp_path / "rvae.csv"), ("Length", "single", tmp_path / "lin.csv")])
    assert text.splitlines() == [
        "| Method | MRVA single view (%) | MRVA dual view (%) | 95% CI coverage single (%) | "
        "95% CI coverage dual (%) | cases |",
        "|---|---|---|---|---|---|",
        "| RVAE | - | 90.00 | - | 66.67 | 3 |",
        "| Length | 90.00 | - | n/a | - | 3 |",
    ]
    with pytest.raises(OrgansegInputError, match="nothing to tabulate"):
        deepspv_csv_table([])
    with pytest.raises(OrgansegInputError, match=r"rvae.csv: view must be 'single' or 'dual', got 'both'"):
        deepspv_csv_table([("RVAE", "both", tmp_path / "rvae.csv")])
