"""organseg_plugins.core.paper_tables.cost: the optional cost columns of any paper table (off by default, on with
cost=True), from benchmark jobs' cost.json, in Markdown, CSV and LaTeX."""

from __future__ import annotations

import csv
import json

import pytest

from organseg_plugins.core.paper_tables import cost_columns, get_layout, with_cost_columns
from organseg_plugins.core.paper_tables.write import write_paper_table


def _job(root, method, fold, train_s, rss_mib, test_s, cuda_mib=None):
    wd = root / method / f"fold{fold}_seed0"
    (wd / "test").mkdir(parents=True)
    (wd / "state.json").write_text('{"state": "done"}')
    (wd / "job.json").write_text(json.dumps({"method": method, "fold": fold, "seed": 0, "framework": "mmseg"}))
    (wd / "test" / "per_image.csv").write_text("img_path,class,iou,trimap_iou,boundary_f,boundary_iou\n"
                                               "/d/a.png,liver,90,0.5,0.6,0.7\n/d/b.png,liver,70,0.5,0.6,0.7\n")
    train = {"wall_s": train_s, "peak_rss_mib": rss_mib, "device": "cpu", "torch_threads": 2}
    if cuda_mib is not None:
        train.update(device="cuda", cuda_device_name="GPU X", cuda_peak_allocated_mib=cuda_mib)
    (wd / "cost.json").write_text(json.dumps({"train": train, "test": {"wall_s": test_s},
                                              "test_samples": {"image": 2}, "test_s_per": {"image": test_s / 2}}))


def test_cost_columns_on_request(tmp_path):
    _job(tmp_path, "U-Net", 0, 600.0, 2048.0, 4.0)
    _job(tmp_path, "U-Net", 1, 1200.0, 3072.0, 8.0)
    _job(tmp_path, "Mask-R-CNN", 0, 60.0, 1024.0, 2.0, cuda_mib=4096.0)
    plain = write_paper_table([str(tmp_path)], "liver_table6", ["U-Net", "Mask-R-CNN"], out=str(tmp_path / "t"))
    assert "Train (min)" not in plain.markdown  # the paper's own layout
    written = write_paper_table([str(tmp_path)], "liver_table6", ["U-Net", "Mask-R-CNN"], out=str(tmp_path / "t"),
                                cost=True, name="with_cost")
    assert written.files[0] == str(tmp_path / "t" / "with_cost.md")
    md = written.markdown
    # U-Net: two folds -> mean +- std of 10 and 20 min, 2 and 3 GiB, 2 and 4 s per image; no CUDA
    assert "| U-Net | 80.00 ± 0.00 | 50.00 ± 0.00 | 60.00 ± 0.00 | 70.00 ± 0.00 | 15.0 ± 7.1 | 2.50 ± 0.71 |  | " \
           "3.000 ± 1.414 |" in md
    assert "| Mask-R-CNN | 80.00 | 50.00 | 60.00 | 70.00 | 1.0 | 1.00 | 4.00 | 1.000 |" in md
    assert "Device: cpu (2 threads), cuda (GPU X)." in md
    with open(tmp_path / "t" / "with_cost.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert float(rows[0]["Train (min) mean"]) == pytest.approx(15.0) and rows[0]["Train (min) n"] == "2"
    assert rows[0]["Train CUDA peak (GiB) mean"] == "" and float(rows[1]["Train CUDA peak (GiB) mean"]) == 4.0
    tex = (tmp_path / "t" / "with_cost.tex").read_text()
    assert "Test (s/image)" in tex and "15.0 $\\pm$ 7.1" in tex


def test_cost_layout_units_and_rows():
    assert cost_columns(get_layout("ct_volume_tables").sample_unit)[-1] == "Test (s/volume)"
    assert cost_columns(get_layout("deepspv_mrva").sample_unit)[-1] == "Test (s/case)"
    spleen = with_cost_columns(get_layout("spleen_table2"))
    assert spleen.columns[-4:] == cost_columns("image") and spleen.name == "spleen_table2"

    class Run:
        cost = {"train": {"wall_s": 60.0}}
        metrics: dict = {}
        extra: dict = {}

    assert spleen.cell(Run(), "All", "Train (min)") == 1.0
    assert spleen.cell(Run(), "spleen", "Train (min)") is None  # the method's last row only
    assert spleen.cell(Run(), "All", "Train CUDA peak (GiB)") is None


def test_runs_without_cost_json_leave_the_columns_blank(tmp_path):
    _job(tmp_path, "U-Net", 0, 1.0, 1.0, 1.0)
    (tmp_path / "U-Net" / "fold0_seed0" / "cost.json").unlink()
    md = write_paper_table([str(tmp_path)], "liver_table6", cost=True, out=str(tmp_path)).markdown
    assert "| U-Net | 80.00 | 50.00 | 60.00 | 70.00 |  |  |  |  |" in md
    assert "no cost.json found" in md
