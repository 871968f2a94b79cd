"""organseg_plugins.core.paper_tables.figures: the benchmark figures and one work dir's curves, as PNG files."""

import json

import numpy as np
import pytest

from organseg_plugins.core.errors import OrgansegInputError
from organseg_plugins.core.io.atomic import atomic_imwrite_png
from organseg_plugins.core.io.images import read_image_file
from organseg_plugins.core.paper_tables import collect_runs
from organseg_plugins.core.paper_tables.figures import method_order, paper_figures, plot_run_curves


def _png_size(path):
    img = read_image_file(path)
    return img.shape[1], img.shape[0]


def _bench(root, with_curves=True):
    data = root / "data"
    (data / "img_dir" / "test").mkdir(parents=True)
    (data / "ann_dir" / "test").mkdir(parents=True)
    mask = np.zeros((16, 16), np.uint8)
    mask[4:12, 4:12] = 1
    for i in range(3):
        atomic_imwrite_png(data / "img_dir" / "test" / f"im{i}.png", np.full((16, 16), 60 * i, np.uint8))
        atomic_imwrite_png(data / "ann_dir" / "test" / f"im{i}.png", mask)
    for method in ("a", "b"):
        wd = root / "bench" / method / "fold0_seed0"
        (wd / "test" / "pred").mkdir(parents=True)
        (wd / "state.json").write_text('{"state": "done"}')
        (wd / "job.json").write_text(f'{{"method": "{method}", "fold": 0, "seed": 0, "framework": "mmseg"}}')
        (wd / "test" / "per_image.csv").write_text("img_path,class,iou,dice\n" + "".join(
            f"{data / 'img_dir' / 'test' / f'im{i}.png'},spleen,{50 + i},{66 + i}\n" for i in range(3)))
        for i in range(3):
            atomic_imwrite_png(wd / "test" / "pred" / f"im{i}.png", mask)
        if with_curves:
            vis = wd / "train" / "20250101_000000" / "vis_data"
            vis.mkdir(parents=True)
            vis.joinpath("scalars.json").write_text(
                "".join(json.dumps({"loss": 1.0 / k, "lr": 0.01, "iter": k}) + "\n" for k in (1, 2))
                + json.dumps({"mDice": 70.0, "mIoU": 55.0, "step": 2}) + "\n")
    return root / "bench"


def test_paper_figures(tmp_path):
    out = tmp_path / "figs"
    paths = paper_figures([str(_bench(tmp_path))], str(out), rows=2)
    assert [p.rsplit("/", 1)[1] for p in paths] == ["boxplot_dice_iou.png", "training_curves.png",
                                                      "qualitative_grid.png"]
    assert _png_size(paths[0]) == (int((4 + 1.2 * 2) * 100), 400)  # figure inches x 100 dpi: 2 methods
    assert _png_size(paths[1]) == (1100, 400)
    assert _png_size(paths[2]) == (int(2.2 * 4 * 100), int(2.2 * 2 * 100))  # 2 rows; image, truth, a, b


def test_methods_and_missing_predictions(tmp_path):
    bench = _bench(tmp_path, with_curves=False)
    runs = collect_runs([str(bench)])
    assert method_order(runs) == ["a", "b"] and method_order(runs, ["b"]) == ["b"]
    with pytest.raises(OrgansegInputError, match="--methods: no finished run of 'c'"):
        method_order(runs, ["a", "c"])
    for method in ("a", "b"):
        for png in (bench / method / "fold0_seed0" / "test" / "pred").iterdir():
            png.unlink()
    with pytest.raises(OrgansegInputError, match=r"no test image has a prediction of every method"):
        paper_figures([str(bench)], str(tmp_path / "o"))


def test_plot_run_curves(tmp_path):
    wd = tmp_path / "wd"
    (wd / "20250101_000000" / "vis_data").mkdir(parents=True)
    (wd / "20250101_000000" / "vis_data" / "scalars.json").write_text(
        '{"loss": 1.0, "lr": 0.01, "iter": 1}\n{"loss": 0.5, "lr": 0.005, "iter": 2}\n{"mIoU": 50.0, "step": 2}\n')
    path = plot_run_curves(str(wd))
    assert path == str(wd / "training_curves.png") and _png_size(path) == (1500, 400)
    assert plot_run_curves(str(wd), str(tmp_path / "c.png")) == str(tmp_path / "c.png")
    with pytest.raises(FileNotFoundError, match="no \\*/vis_data/scalars.json under"):
        plot_run_curves(str(tmp_path / "none"))
