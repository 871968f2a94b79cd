"""tools/analysis/deepspv_table.py on hand-made per-case CSVs and a views table."""

from __future__ import annotations

from organseg_plugins.core.cli import EXIT_USER_ERROR
from organseg_plugins.core.io.tables import write_csv
from tests.conftest import run_tool

# the per-case columns of organseg_plugins.mm.evaluation.metrics.volume_mrva_metric (not imported: mmseg's import is slow)
CASE_COLUMNS = ("name", "gt_volume_ml", "pred_volume_ml", "lower_ml", "upper_ml", "relative_accuracy_pct", "covered")


def test_table_by_hand(tmp_path):
    # v = 100, 200, 300; v' = 110, 180, 330 -> MRVA 90.00; intervals cover 100 and 300, not 200 -> 66.67%
    rows = [dict(name="a", gt_volume_ml=100, pred_volume_ml=110, lower_ml=90, upper_ml=120),
            dict(name="b", gt_volume_ml=200, pred_volume_ml=180, lower_ml=170, upper_ml=190),
            dict(name="c", gt_volume_ml=300, pred_volume_ml=330, lower_ml=290, upper_ml=340)]
    write_csv(tmp_path / "rvae.csv", CASE_COLUMNS, rows)
    write_csv(tmp_path / "lin.csv", CASE_COLUMNS, [{k: v for k, v in r.items() if "_ml" not in k or "volume" in k}
                                                   for r in rows])
    # views table: L W T = 100, 50, 40 mm -> 0.523 * 200000 mm^3 / 1000 = 104.6 mL vs 104.6 -> MRVA 100%;
    # 100, 50, 20 -> 52.3 mL vs 104.6 mL -> 50%; mean 75.00
    (tmp_path / "views").mkdir()
    (tmp_path / "views" / "volumes.csv").write_text(
        "name,split,volume_ml,view_spacing_mm,length_mm,coronal_width_mm,width_mm,thickness_mm\n"
        "a,test,104.6,2,100,50,50,40\nb,test,104.6,2,100,50,50,20\nc,train,1,2,1,1,1,1\n")
    proc = run_tool("tools/analysis/deepspv_table.py", "--result", "RVAE", "single", str(tmp_path / "rvae.csv"),
                    "--result", "RVAE", "dual", str(tmp_path / "rvae.csv"),
                    "--result", "Length regression", "single", str(tmp_path / "lin.csv"),
                    "--views", str(tmp_path / "views"))
    lines = proc.stdout.splitlines()
    assert lines[2] == "| RVAE | 90.00 | 90.00 | 66.67 | 66.67 | 3/3 |"
    assert lines[3] == "| Length regression | 90.00 | - | n/a | - | 3 |"
    assert lines[4] == "| Ellipsoid formula 0.523 LWT | - | 75.00 | - | n/a | 2 |"


def test_bad_input_is_one_line(tmp_path):
    proc = run_tool("tools/analysis/deepspv_table.py", "--result", "X", "single", str(tmp_path / "none.csv"),
                    check=False)
    assert proc.returncode == EXIT_USER_ERROR and "none.csv" in proc.stderr and "Traceback" not in proc.stderr
    proc = run_tool("tools/analysis/deepspv_table.py", "--result", "X", "triple", str(tmp_path / "a.csv"), check=False)
    assert proc.returncode == EXIT_USER_ERROR and "view must be" in proc.stderr
    assert proc.stderr.strip() == f"error: {tmp_path / 'a.csv'}: view must be 'single' or 'dual', got 'triple'"
    proc = run_tool("tools/analysis/deepspv_table.py", check=False)
    assert proc.returncode == EXIT_USER_ERROR
    assert proc.stderr.strip() == "error: nothing to tabulate: give --result METHOD VIEW CSV and/or --views"
