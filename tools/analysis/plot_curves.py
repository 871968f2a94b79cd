"""Plot training curves (losses, learning rate, validation metrics) of an mmengine work dir.

    python tools/analysis/plot_curves.py WORK_DIR [--out curves.png]

Reads the newest ``<WORK_DIR>/<timestamp>/vis_data/scalars.json`` that mmengine's LocalVisBackend writes.
Exit status 0 on success, 2 on a user error (e.g. no scalars.json) printed as one ``error: <message>`` line
(:mod:`organseg_plugins.core.cli`).
"""

from __future__ import annotations

import argparse
import glob
import json
import os.path as osp

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from organseg_plugins.core.cli import cli_main  # noqa: E402

#: per-image duplicates and secondary columns left out of the validation panel (still in scalars.json)
_VAL_CLUTTER = ("img_", "Precision.", "Recall.", "aAcc", "mPrecision", "mRecall")


def _is_loss(key: str) -> bool:
    """Loss terms as mmengine logs them: ``loss``, ``loss_g``, ``decode.loss_bce_dice``, ..."""
    return key.startswith("loss") or ".loss" in key


def read_scalars(work_dir: str) -> tuple[list[dict], list[dict]]:
    """Return (train records with 'iter', validation records with 'step') of the newest run."""
    files = sorted(glob.glob(osp.join(work_dir, "*", "vis_data", "scalars.json")))
    if not files:
        raise FileNotFoundError(f"no */vis_data/scalars.json under {work_dir} (is it an mmengine work dir?)")
    train, val = [], []
    with open(files[-1]) as f:
        for line in f:
            rec = json.loads(line)
            (train if any(_is_loss(k) for k in rec) else val).append(rec)
    return train, val


@cli_main
def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("work_dir")
    parser.add_argument("--out", default=None, help="PNG path (default WORK_DIR/training_curves.png)")
    args = parser.parse_args(argv)
    train, val = read_scalars(args.work_dir)
    loss_keys = sorted({k for r in train for k in r if _is_loss(k)})
    lr_keys = sorted({k for r in train for k in r if k == "lr" or k.endswith(".lr")})
    val_keys = sorted({k for r in val for k in r if k not in ("step", "iter", "epoch", "data_time", "time")
                       and isinstance(r[k], (int, float)) and not k.startswith(_VAL_CLUTTER)
                       and not k.endswith(".background")})
    fig, axes = plt.subplots(1, 3, figsize=(15, 4))
    for k in loss_keys:
        pts = [(r["iter"], r[k]) for r in train if k in r]
        axes[0].plot(*zip(*pts), label=k)
    axes[0].set(title="training losses", xlabel="iteration")
    axes[0].legend(fontsize=7)
    for k in lr_keys:  # one per optimizer (generator.lr, discriminators.lr for GANs)
        pts = [(r["iter"], r[k]) for r in train if k in r]
        axes[1].plot(*zip(*pts), label=k)
    axes[1].set(title="learning rate", xlabel="iteration")
    if len(lr_keys) > 1:
        axes[1].legend(fontsize=7)
    for k in val_keys:
        pts = [(r["step"], r[k]) for r in val if k in r]
        axes[2].plot(*zip(*pts), marker="o", label=k)
    axes[2].set(title="validation", xlabel="iteration")
    if val_keys:
        axes[2].legend(fontsize=7)
    fig.tight_layout()
    out = args.out or osp.join(args.work_dir, "training_curves.png")
    fig.savefig(out, dpi=100)
    print(f"saved {out}")


if __name__ == "__main__":
    main()
