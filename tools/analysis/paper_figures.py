"""Figures of a benchmark, as PNG: per-method box plots of per-image Dice/IoU, several runs' training curves on
one axis, and a qualitative grid (image, ground truth, each method's prediction; same rows).

    python tools/analysis/paper_figures.py work_dirs/bench_spleen --out figures/ [--methods A B] [--rows 4]

Reads what ``tools/benchmark.py`` leaves: each job's ``per_image.csv`` (or detectron2's
``organ_masks_per_image.csv``), its training ``*/vis_data/scalars.json`` (as ``tools/analysis/plot_curves.py``)
and the masks of ``tools/test.py --out`` (``test/pred/<stem>.png``). Writes ``OUT/boxplot_dice_iou.png``,
``OUT/training_curves.png`` and ``OUT/qualitative_grid.png``.
Exit status 0 on success, 2 on a user error printed as one ``error:`` line.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import os.path as osp

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from organseg_plugins.core.cli import cli_main  # noqa: E402
from organseg_plugins.core.errors import OrgansegInputError  # noqa: E402
from organseg_plugins.core.io.images import read_image_file  # noqa: E402
from organseg_plugins.core.paper_tables import collect_runs, ground_truth_path, image_scores  # noqa: E402


def _plot_curves_module():
    path = osp.join(osp.dirname(osp.abspath(__file__)), "plot_curves.py")
    spec = importlib.util.spec_from_file_location("organseg_plot_curves_tool", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _methods(runs, wanted):
    order = list(wanted) if wanted else list(dict.fromkeys(r.method for r in runs))
    missing = [m for m in order if not any(r.method == m for r in runs)]
    if missing:
        raise OrgansegInputError(f"--methods: no finished run of {missing[0]!r}")
    return order


def box_plots(runs, methods, out: str) -> str:
    """Per-method box plots of per-image Dice and IoU (all folds pooled); returns the PNG path."""
    fig, axes = plt.subplots(1, 2, figsize=(4 + 1.2 * len(methods), 4))
    for ax, key in zip(axes, ("dice", "iou"), strict=True):
        data = [[s[key] for r in runs if r.method == m for s in image_scores(r)] for m in methods]
        ax.boxplot(data, showmeans=True)
        ax.set_xticks(range(1, len(methods) + 1), methods, rotation=20)
        ax.set(title=f"per-image {'Dice' if key == 'dice' else 'IoU'} (%)", ylim=(0, 100))
    fig.tight_layout()
    path = osp.join(out, "boxplot_dice_iou.png")
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def training_curves(runs, methods, out: str) -> str:
    """The training loss and the validation mDice/mIoU of every run on one axis each; returns the PNG path."""
    read_scalars = _plot_curves_module().read_scalars
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    for m in methods:
        for r in (r for r in runs if r.method == m):
            train_dir = osp.join(r.work_dir, "train")
            try:
                train, val = read_scalars(train_dir)
            except FileNotFoundError:
                continue
            label = f"{m} fold{r.fold} seed{r.seed}"
            keys = sorted({k for rec in train for k in rec if k.startswith("loss")})
            loss = "loss" if "loss" in keys else (keys[0] if keys else None)  # GANs log loss_g, loss_d...
            pts = [(rec["iter"], rec[loss]) for rec in train if loss in rec]
            label = f"{label} {loss}" if loss not in (None, "loss") else label
            if pts:
                axes[0].plot(*zip(*pts), label=label)
            key = next((k for k in ("mDice", "mIoU") if any(k in rec for rec in val)), None)
            if key:
                vpts = [(rec["step"], rec[key]) for rec in val if key in rec]
                axes[1].plot(*zip(*vpts), marker="o", label=f"{label} {key}")
    axes[0].set(title="training loss", xlabel="iteration")
    axes[1].set(title="validation", xlabel="iteration")
    for ax in axes:
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=7)
    fig.tight_layout()
    path = osp.join(out, "training_curves.png")
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def qualitative_grid(runs, methods, out: str, rows: int = 4) -> str:
    """Rows of test images (the first ``rows`` of the first fold every method predicted), columns image,
    ground truth and each method's predicted mask; returns the PNG path."""
    fold = min(r.fold for r in runs)
    preds = {m: next((r for r in runs if r.method == m and r.fold == fold and r.pred_dir), None) for m in methods}
    methods = [m for m in methods if preds[m] is not None]
    if not methods:
        raise OrgansegInputError("no run has predicted masks (test/pred/, tools/test.py --out)")
    first = preds[methods[0]]
    images = [s for s in image_scores(first)
              if all(osp.isfile(osp.join(preds[m].pred_dir, s["stem"] + ".png")) for m in methods)][:rows]
    if not images:
        raise OrgansegInputError(f"{first.work_dir}: no test image has a prediction of every method")
    cols = 2 + len(methods)
    fig, axes = plt.subplots(len(images), cols, figsize=(2.2 * cols, 2.2 * len(images)), squeeze=False)
    for i, s in enumerate(images):
        img = read_image_file(s["image"])
        gt_path = ground_truth_path(s["image"])
        panels = [(img, "image"), (read_image_file(gt_path) if gt_path.is_file() else np.zeros(img.shape[:2]),
                                   "ground truth")]
        panels += [(read_image_file(osp.join(preds[m].pred_dir, s["stem"] + ".png")), m) for m in methods]
        for j, (arr, title) in enumerate(panels):
            ax = axes[i, j]
            ax.imshow(arr, cmap="gray", vmin=0, vmax=255 if j == 0 else 1)
            ax.set_xticks([])
            ax.set_yticks([])
            if i == 0:
                ax.set_title(title, fontsize=9)
        axes[i, 0].set_ylabel(s["stem"], fontsize=7)
    fig.tight_layout()
    path = osp.join(out, "qualitative_grid.png")
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


@cli_main
def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("work_dirs", nargs="+", help="benchmark work roots or job dirs")
    p.add_argument("--out", default=None, help="output folder (default: the first work dir)")
    p.add_argument("--methods", nargs="+", default=None, help="methods and their order")
    p.add_argument("--rows", type=int, default=4, help="images in the qualitative grid")
    args = p.parse_args(argv)
    runs = collect_runs(args.work_dirs)
    methods = _methods(runs, args.methods)
    runs = [r for r in runs if r.method in methods]
    out = args.out or args.work_dirs[0]
    os.makedirs(out, exist_ok=True)
    for path in (box_plots(runs, methods, out), training_curves(runs, methods, out),
                 qualitative_grid(runs, methods, out, args.rows)):
        print(f"saved {path}")
    return 0


if __name__ == "__main__":
    main()
