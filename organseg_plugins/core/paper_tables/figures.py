"""A benchmark's figures as PNG files, and the training curves of one work dir.

From what ``tools/benchmark.py`` leaves (:func:`~organseg_plugins.core.paper_tables.records.collect_runs`): each
job's per-image CSV, its training scalars (:mod:`.curves`) and the masks of ``tools/test.py --out``
(``test/pred/<stem>.png``):

* :func:`box_plots` -- per-method box plots of per-image Dice and IoU (all folds pooled);
* :func:`training_curves` -- every run's training loss and validation mDice/mIoU on one axis each;
* :func:`qualitative_grid` -- rows of test images: image, ground truth and each method's prediction;
* :func:`paper_figures` -- the three of them (``tools/analysis/paper_figures.py``);
* :func:`plot_run_curves` -- one work dir's losses, learning rates and validation scores
  (``tools/analysis/plot_curves.py``).

Drawn with matplotlib's object API (``matplotlib.figure.Figure``, no pyplot state or GUI backend), imported
when a figure is drawn.
"""

from __future__ import annotations

import os
import os.path as osp
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from ..errors import OrgansegInputError
from ..io.images import read_image_file
from .curves import loss_keys, lr_keys, read_scalars, val_keys
from .image_scores import ground_truth_path, image_scores
from .records import RunRecord, collect_runs

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["box_plots", "method_order", "paper_figures", "plot_run_curves", "qualitative_grid", "training_curves"]


def _figure(figsize: tuple[float, float]) -> Figure:
    from matplotlib.figure import Figure

    return Figure(figsize=figsize)


def _save(fig: Figure, path: str) -> str:
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    return path


def method_order(runs: Sequence[RunRecord], wanted: Sequence[str] | None = None) -> list[str]:
    """The methods to draw: ``wanted`` in its order, else every method of ``runs`` in first-seen order.

    Raises:
        OrgansegInputError: A wanted method without a finished run.
    """
    order = list(wanted) if wanted else list(dict.fromkeys(r.method for r in runs))
    missing = [m for m in order if not any(r.method == m for r in runs)]
    if missing:
        raise OrgansegInputError(f"--methods: no finished run of {missing[0]!r}")
    return order


def box_plots(runs: Sequence[RunRecord], methods: Sequence[str], out: str) -> str:
    """Per-method box plots of per-image Dice and IoU (all folds pooled).

    Args:
        runs: The runs (:func:`collect_runs`).
        methods: The boxes, in order.
        out: Output folder.

    Returns:
        The path of ``OUT/boxplot_dice_iou.png``.
    """
    fig = _figure((4 + 1.2 * len(methods), 4))
    axes = fig.subplots(1, 2)
    for ax, key in zip(axes, ("dice", "iou"), strict=True):
        data = [[s[key] for r in runs if r.method == m for s in image_scores(r)] for m in methods]
        ax.boxplot(data, showmeans=True)
        ax.set_xticks(range(1, len(methods) + 1), methods, rotation=20)
        ax.set(title=f"per-image {'Dice' if key == 'dice' else 'IoU'} (%)", ylim=(0, 100))
    return _save(fig, osp.join(out, "boxplot_dice_iou.png"))


def training_curves(runs: Sequence[RunRecord], methods: Sequence[str], out: str) -> str:
    """The training loss and the validation mDice/mIoU of every run on one axis each.

    A run without training scalars (``<work_dir>/train/*/vis_data/scalars.json``) is left out. A GAN's curve
    is its first loss term (``loss_d``, ``loss_g``, ...) when no plain ``loss`` is logged.

    Args:
        runs: The runs (:func:`collect_runs`).
        methods: The methods drawn, in order.
        out: Output folder.

    Returns:
        The path of ``OUT/training_curves.png``.
    """
    fig = _figure((11, 4))
    axes = fig.subplots(1, 2)
    for m in methods:
        for r in (r for r in runs if r.method == m):
            try:
                train, val = read_scalars(osp.join(r.work_dir, "train"))
            except FileNotFoundError:
                continue
            label = f"{m} fold{r.fold} seed{r.seed}"
            keys = loss_keys(train)
            loss = "loss" if "loss" in keys else (keys[0] if keys else None)
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
    return _save(fig, osp.join(out, "training_curves.png"))


def qualitative_grid(runs: Sequence[RunRecord], methods: Sequence[str], out: str, rows: int = 4) -> str:
    """Rows of test images (the first ``rows`` of the first fold that every method predicted), columns image,
    ground truth and each method's predicted mask.

    Args:
        runs: The runs (:func:`collect_runs`).
        methods: The mask columns, in order (methods without predicted masks are left out).
        out: Output folder.
        rows: Images shown.

    Returns:
        The path of ``OUT/qualitative_grid.png``.

    Raises:
        OrgansegInputError: No run has predicted masks, or no test image has a prediction of every method.
    """
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
    fig = _figure((2.2 * cols, 2.2 * len(images)))
    axes = fig.subplots(len(images), cols, squeeze=False)
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
    return _save(fig, osp.join(out, "qualitative_grid.png"))


def paper_figures(work_dirs: Sequence[str], out: str | None = None, methods: Sequence[str] | None = None,
                  rows: int = 4) -> list[str]:
    """The box plots, the training curves and the qualitative grid of the finished runs under ``work_dirs``.

    Args:
        work_dirs: Benchmark work roots or job dirs.
        out: Output folder (created; default: the first work dir).
        methods: Methods and their order (default: all, first seen first).
        rows: Images in the qualitative grid.

    Returns:
        The three PNG paths.

    Raises:
        OrgansegInputError: A missing work dir, no finished runs, an unknown method, or no predicted masks.
    """
    runs = collect_runs(work_dirs)
    order = method_order(runs, methods)
    runs = [r for r in runs if r.method in order]
    out = out or work_dirs[0]
    os.makedirs(out, exist_ok=True)
    return [box_plots(runs, order, out), training_curves(runs, order, out), qualitative_grid(runs, order, out, rows)]


def plot_run_curves(work_dir: str, out: str | None = None) -> str:
    """One work dir's training losses, learning rate(s) and validation scores, three panels side by side.

    Args:
        work_dir: An mmengine work dir (its newest ``<timestamp>/vis_data/scalars.json``).
        out: PNG path (default ``WORK_DIR/training_curves.png``).

    Returns:
        The PNG path.

    Raises:
        FileNotFoundError: No ``scalars.json`` under ``work_dir``.
    """
    train, val = read_scalars(work_dir)
    fig = _figure((15, 4))
    axes = fig.subplots(1, 3)
    for k in loss_keys(train):
        axes[0].plot(*zip(*[(r["iter"], r[k]) for r in train if k in r]), label=k)
    axes[0].set(title="training losses", xlabel="iteration")
    axes[0].legend(fontsize=7)
    lrs = lr_keys(train)
    for k in lrs:  # one per optimizer (generator.lr, discriminators.lr for GANs)
        axes[1].plot(*zip(*[(r["iter"], r[k]) for r in train if k in r]), label=k)
    axes[1].set(title="learning rate", xlabel="iteration")
    if len(lrs) > 1:
        axes[1].legend(fontsize=7)
    scores = val_keys(val)
    for k in scores:
        axes[2].plot(*zip(*[(r["step"], r[k]) for r in val if k in r]), marker="o", label=k)
    axes[2].set(title="validation", xlabel="iteration")
    if scores:
        axes[2].legend(fontsize=7)
    return _save(fig, out or osp.join(work_dir, "training_curves.png"))
