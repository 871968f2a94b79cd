"""tools/analysis/paper_tables.py and tools/analysis/paper_figures.py on hand-made work dirs (values hand-computed);
the end-to-end run on real jobs is in test_benchmark_tool.py."""

from __future__ import annotations

import csv

import numpy as np
from conftest import run_tool

from organseg_plugins.core.io.atomic import atomic_imwrite_png


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
