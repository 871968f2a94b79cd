"""tools/analysis/paper_tables.py and tools/analysis/paper_figures.py on hand-made work dirs (values hand-computed);
the end-to-end run on real jobs is in test_benchmark_tool.py."""

from __future__ import annotations

import csv

import numpy as np
import pytest

from organseg_plugins.core.io.atomic import atomic_imwrite_png
from tests.conftest import run_tool


def _d2_dir(root, name, rows):
    (root / name / "inference").mkdir(parents=True)
    lines = ["file_name,image_id,num_instances,MaskIoU,BoundaryIoU,TrimapIoU,Fmeasure,PixelF1"]
    lines += [",".join(map(str, r)) for r in rows]
    (root / name / "inference" / "organ_masks_per_image.csv").write_text("\n".join(lines) + "\n")
    return root / name


def test_liver_table6_from_plain_work_dirs(tmp_path):
    a = _d2_dir(tmp_path, "d2", [("x.png", 1, 1, 90.0, 60.0, 70.0, 80.0, 94.0), ("y.png", 2, 1, 80.0, 50.0, 60.0, 70.0, 88.0)])
    b = _d2_dir(tmp_path, "d2b", [("x.png", 1, 1, 70.0, 40.0, 50.0, 60.0, 82.0)])
    out = tmp_path / "tables"
    proc = run_tool("tools/analysis/paper_tables.py", str(a), str(b), "--layout", "liver_table6", "--methods",
                    "Mask R-CNN", "U-Net", "--out", str(out))
    assert "| Mask R-CNN | 85.00 | 65.00 | 75.00 | 55.00 |" in proc.stdout  # means over the two images
    assert "| U-Net | 70.00 | 50.00 | 60.00 | 40.00 |" in proc.stdout
    with open(out / "liver_table6.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert rows[0]["Mask IoU (%) mean"] == "85.0" and rows[0]["runs"] == "1"
    assert (out / "liver_table6.tex").read_text().count("\\\\") >= 3


def test_unknown_layout_is_one_line(tmp_path):
    a = _d2_dir(tmp_path, "d2", [("x.png", 1, 1, 90.0, 60.0, 70.0, 80.0, 94.0)])
    proc = run_tool("tools/analysis/paper_tables.py", str(a), "--layout", "nope", check=False)
    assert proc.returncode == 2 and proc.stderr.strip().startswith("error: unknown table layout 'nope'")


def test_figures_from_hand_made_jobs(tmp_path):
    data = tmp_path / "data" / "img_dir" / "test"
    data.mkdir(parents=True)
    (tmp_path / "data" / "ann_dir" / "test").mkdir(parents=True)
    mask = np.zeros((16, 16), np.uint8)
    mask[4:12, 4:12] = 1
    for i in range(2):
        atomic_imwrite_png(data / f"im{i}.png", np.full((16, 16), 80 * i, np.uint8))
        atomic_imwrite_png(tmp_path / "data" / "ann_dir" / "test" / f"im{i}.png", mask)
    for method in ("a", "b"):
        wd = tmp_path / "bench" / method / "fold0_seed0"
        (wd / "test" / "pred").mkdir(parents=True)
        (wd / "state.json").write_text('{"state": "done"}')
        (wd / "job.json").write_text(f'{{"method": "{method}", "fold": 0, "seed": 0, "framework": "mmseg"}}')
        (wd / "test" / "per_image.csv").write_text(
            "img_path,class,iou,dice\n" + "".join(f"{data / f'im{i}.png'},spleen,50,66.7\n" for i in range(2)))
        for i in range(2):
            atomic_imwrite_png(wd / "test" / "pred" / f"im{i}.png", mask)
    out = tmp_path / "figs"
    proc = run_tool("tools/analysis/paper_figures.py", str(tmp_path / "bench"), "--out", str(out))
    assert proc.stdout.count("saved ") == 3
    assert all((out / n).stat().st_size > 2000 for n in ("boxplot_dice_iou.png", "training_curves.png",
                                                          "qualitative_grid.png"))


def _busi_dir(root, name, ious, images=("a.png", "b.png", "c.png")):
    wd = root / name
    (wd / "20250101_000000").mkdir(parents=True)
    (wd / "20250101_000000" / "20250101_000000.json").write_text(
        '{"aAcc": 96.0, "mPrecision": 90.0, "mRecall": 88.0, "mIoU": 84.0, "mDice": 91.0}\n')
    (wd / "per_image.csv").write_text("img_path,class,spacing,iou,dice,precision,recall\n" + "".join(
        f"/d/img_dir/test/{im},lesion,,{iou},{2 * iou / (1 + iou / 100)},90,80\n" for im, iou in zip(images, ious)))
    return wd


def test_aru_net_table4_with_reference(tmp_path):
    from scipy import stats

    a = _busi_dir(tmp_path, "aru", [80.0, 70.0, 90.0])
    b = _busi_dir(tmp_path, "unet", [70.0, 65.0, 80.0])
    out = tmp_path / "tables"
    proc = run_tool("tools/analysis/paper_tables.py", str(a), str(b), "--layout", "aru_net_table4", "--methods",
                    "ARU-Net", "U-Net", "--reference", "ARU-Net", "--out", str(out))
    # U-Net row: per-image lesion IoU (70 + 65 + 80) / 3 = 71.67; p of ARU-Net > U-Net: d = 10, 5, 10 -> t = 5, df 2
    p = stats.ttest_rel([80, 70, 90], [70, 65, 80], alternative="greater").pvalue
    row = next(ln for ln in proc.stdout.splitlines() if ln.startswith("| U-Net |"))
    assert row.startswith("| U-Net | 96.00 | 90.00 | 88.00 | 84.00 | 91.00 | 90.00 | 80.00 | 71.67 |")
    assert f"| {p:.4f} |" in row
    with open(out / "aru_net_table4.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert float(rows[1]["p IoU (one-sided) mean"]) == pytest.approx(p) and rows[0]["p IoU (one-sided) mean"] == ""


def test_aru_net_unmatched_image_is_one_line(tmp_path):
    a = _busi_dir(tmp_path, "aru", [80.0, 70.0, 90.0])
    b = _busi_dir(tmp_path, "unet", [70.0, 65.0], images=("a.png", "b.png"))
    proc = run_tool("tools/analysis/paper_tables.py", str(a), str(b), "--layout", "aru_net_table4", check=False)
    err = proc.stderr.strip()
    assert proc.returncode == 2 and err.startswith("error: unmatched images") and "\n" not in err
    assert "c.png" in err and str(a / "per_image.csv") in err


def test_deepspv_mrva_from_benchmark_root(tmp_path):
    cases = "name,gt_volume_ml,pred_volume_ml,lower_ml,upper_ml,relative_accuracy_pct,covered\n"
    for method, view, preds in (("rvae", "single", (110, 180)), ("rvae", "dual", (100, 200))):
        wd = tmp_path / "bench" / f"{method}-{view}" / "fold0_seed0"
        (wd / "test" / "20250101_000000").mkdir(parents=True)
        (wd / "state.json").write_text('{"state": "done"}')
        (wd / "job.json").write_text(f'{{"method": "{method}-{view}", "fold": 0, "seed": 0, "framework": "mmseg", '
                                     f'"config": "configs/deepspv/rvae_spleen-views-128-{view}.py"}}')
        (wd / "test" / "20250101_000000" / "volume_per_case.csv").write_text(
            cases + f"a,100,{preds[0]},90,120,,\nb,200,{preds[1]},170,190,,\n")
    proc = run_tool("tools/analysis/paper_tables.py", str(tmp_path / "bench"), "--layout", "deepspv_mrva",
                    "--out", str(tmp_path / "t"))
    # single: 1 - 10/100 = 90 %, 1 - 20/200 = 90 % -> 90.00; dual exact -> 100.00; 100 covered, 200 not -> 50.00
    assert "| rvae | 90.00 | 100.00 | 50.00 | 50.00 |" in proc.stdout
    assert (tmp_path / "t" / "deepspv_mrva.tex").is_file()
    proc = run_tool("tools/analysis/paper_tables.py", str(tmp_path / "bench"), "--layout", "deepspv_mrva",
                    "--reference", "rvae", check=False)
    assert proc.returncode == 2 and "no cross-method" in proc.stderr
