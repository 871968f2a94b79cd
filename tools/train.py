"""Train a segmentor with MMSegmentation's runner (same command line as mmseg's ``tools/train.py``).

    python tools/train.py CONFIG [--work-dir W] [--resume] [--amp] [--track [BACKEND ...]] [--cfg-options k=v ...]
    torchrun --nproc_per_node 2 tools/train.py CONFIG --launcher pytorch   # multi-process (gloo on CPU)

Exit status 0 on success, 2 on a user error printed as one ``error: <message>`` line
(:mod:`organseg_plugins.core.cli`).

``--track`` (or the config variable ``tracking``, e.g. ``--cfg-options tracking=tensorboard,mlflow``) adds mmengine's
TensorBoard / MLflow (local store ``WORK_DIR/mlruns``) / offline W&B vis backends: every logged loss, learning rate
and validation metric goes to them (:func:`organseg_plugins.mm.apis.add_tracking`; README "Experiment tracking").
"""

from __future__ import annotations

import argparse
import logging
import os
import os.path as osp

from mmengine.config import Config, DictAction
from mmengine.logging import print_log

from organseg_plugins.core.cli import cli_main
from organseg_plugins.core.errors import OrgansegInputError
from organseg_plugins.mm.apis import TRACKERS, add_tracking, build_runner, load_mm_config


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Train a segmentor")
    parser.add_argument("config", help="train config file path")
    parser.add_argument("--work-dir", help="the dir to save logs and models")
    parser.add_argument("--resume", action="store_true", default=False,
                        help="resume from the latest checkpoint in the work_dir automatically")
    parser.add_argument("--amp", action="store_true", default=False,
                        help="enable automatic-mixed-precision training (CUDA only)")
    parser.add_argument("--track", nargs="*", choices=TRACKERS, metavar="BACKEND",
                        help="experiment tracking: log losses, lrs and validation metrics to these backends "
                             f"({', '.join(TRACKERS)}); alone: tensorboard, mlflow and wandb (offline) if installed")
    parser.add_argument("--cfg-options", nargs="+", action=DictAction,
                        help="override settings in the config, key=value, e.g. train_cfg.max_iters=2")
    parser.add_argument("--launcher", choices=["none", "pytorch", "slurm", "mpi"], default="none",
                        help="job launcher")
    parser.add_argument("--local_rank", "--local-rank", type=int, default=0)
    args = parser.parse_args(argv)
    if "LOCAL_RANK" not in os.environ:
        os.environ["LOCAL_RANK"] = str(args.local_rank)
    return args


def build_cfg(args: argparse.Namespace) -> Config:
    cfg = load_mm_config(args.config, args.cfg_options, args.launcher)
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get("work_dir", None) is None:
        cfg.work_dir = osp.join("./work_dirs", osp.splitext(osp.basename(args.config))[0])
    if args.amp:
        import torch

        if not torch.cuda.is_available():
            raise OrgansegInputError("--amp needs a CUDA device (mmengine's AmpOptimWrapper); none is available")
        if cfg.optim_wrapper.type == "AmpOptimWrapper":
            print_log("AMP training is already enabled in your config.", logger="current",
                      level=logging.WARNING)
        else:
            cfg.optim_wrapper.type = "AmpOptimWrapper"
            cfg.optim_wrapper.loss_scale = "dynamic"
    cfg.resume = args.resume
    add_tracking(cfg, (args.track or True) if args.track is not None else None)  # None: the config's `tracking`
    load_from = cfg.get("load_from")
    if load_from and "://" not in str(load_from) and not osp.isfile(load_from):
        raise OrgansegInputError(f"{args.config}: load_from checkpoint not found: {load_from} "
                                 "(train the earlier phase first, or pass --cfg-options load_from=PATH)")
    return cfg


@cli_main
def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    cfg = build_cfg(args)
    build_runner(cfg).train()  # like mmseg's tools/train.py: runner_type from mmseg's RUNNERS


if __name__ == "__main__":
    main()
