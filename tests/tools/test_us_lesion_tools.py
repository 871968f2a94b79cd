"""datasets_prep/make_lesion_phantoms.py + us_lesions_to_mmseg.py busi, and tools/analysis/paired_ttest.py."""

import pytest
from scipy import stats

from organseg_plugins.core.cli import EXIT_USER_ERROR
from organseg_plugins.core.io.tables import read_csv_rows
from tests.conftest import run_tool


def test_phantoms_then_busi_conversion(tmp_path):
    run_tool("datasets_prep/make_lesion_phantoms.py", "--out", str(tmp_path / "raw"), "--benign", "5",
             "--malignant", "3", "--normal", "2", "--height", "64", "--width", "64", timeout=300)
    proc = run_tool("datasets_prep/us_lesions_to_mmseg.py", "busi", "--root", str(tmp_path / "raw" / "busi"),
                    "--out", str(tmp_path / "busi"), "--no-progress", timeout=300)
    assert "converted 8, skipped 0" in proc.stdout  # normal excluded
    rows = read_csv_rows(tmp_path / "busi" / "meta.csv")
    assert len(rows) == 8  # the count it printed: 5 benign + 3 malignant
    proc = run_tool("datasets_prep/us_lesions_to_mmseg.py", "busi", "--root", str(tmp_path / "nope"),
                    "--out", str(tmp_path / "o2"), check=False, timeout=300)
    errors = [ln for ln in proc.stderr.splitlines() if ln.startswith("error:")]
    assert proc.returncode == EXIT_USER_ERROR and len(errors) == 1 and str(tmp_path / "nope") in errors[0]


def test_paired_ttest_tool(tmp_path):
    a, b = [81.0, 70.5, 90.2, 66.0, 75.5], [78.0, 71.0, 85.0, 60.0, 74.0]
    for name, vals in (("aru", a), ("unet", b)):
        rows = "".join(f"/d/img{i}.png,lesion,{v}\n" for i, v in enumerate(vals))
        (tmp_path / f"{name}.csv").write_text("img_path,class,iou\n" + rows)
    proc = run_tool("tools/analysis/paired_ttest.py", str(tmp_path / "aru.csv"), str(tmp_path / "unet.csv"),
                    "--class", "lesion", "--names", "ARU-Net", "U-Net", "--out", str(tmp_path / "t.md"), timeout=300)
    ref = stats.ttest_rel(a, b, alternative="greater")
    row = proc.stdout.splitlines()[2].split("|")
    assert row[1].strip() == "U-Net" and float(row[6]) == pytest.approx(ref.statistic, abs=1e-3)
    assert float(row[8]) == pytest.approx(ref.pvalue, rel=1e-3)
    assert (tmp_path / "t.md").read_text() == proc.stdout  # --out: the printed table
    assert row[2:6] == [" 5 ", f" {sum(a) / 5:.4f} ", f" {sum(b) / 5:.4f} ", f" {(sum(a) - sum(b)) / 5:+.4f} "]
    (tmp_path / "short.csv").write_text("img_path,class,iou\n/d/img0.png,lesion,1\n")
    proc = run_tool("tools/analysis/paired_ttest.py", str(tmp_path / "aru.csv"), str(tmp_path / "short.csv"),
                    check=False, timeout=300)
    assert proc.returncode == EXIT_USER_ERROR and "img1.png" in proc.stderr and "unmatched" in proc.stderr
    assert proc.stderr.strip() == (f"error: unmatched images: 4 image(s) of {tmp_path / 'aru.csv'} missing from "
                                   f"{tmp_path / 'short.csv'}: ['img1.png', 'img2.png', 'img3.png', 'img4.png']")
