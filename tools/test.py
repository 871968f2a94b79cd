"""Test (and evaluate) a segmentor checkpoint with MMSegmentation's runner, like mmseg's ``tools/test.py``.

    python tools/test.py CONFIG CHECKPOINT [--work-dir W] [--show-dir DIR] [--out DIR] [--cfg-options ...]
"""

from __future__ import annotations

import argparse
import os
import os.path as osp
import sys

from mmengine.config import DictAction
from mmengine.runner import Runner

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from _common import fail_cleanly, load_mm_config  # noqa: E402


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Test (and eval) a segmentor checkpoint")
    parser.add_argument("config", help="test config file path")
    parser.add_argument("checkpoint", help="checkpoint file")
    parser.add_argument("--work-dir", help="the dir to save the evaluation log and metrics")
    parser.add_argument("--out", help="dir to write predicted masks (test_evaluator keep_results)")
    parser.add_argument("--show", action="store_true", help="show prediction results")
    parser.add_argument("--show-dir", help="dir (inside the work dir) to save overlays of predictions")
    parser.add_argument("--wait-time", type=float, default=2, help="the interval of show (s)")
    parser.add_argument("--cfg-options", nargs="+", action=DictAction, help="override settings, key=value")
    parser.add_argument("--launcher", choices=["none", "pytorch", "slurm", "mpi"], default="none")
    parser.add_argument("--tta", action="store_true", help="test time augmentation")
    parser.add_argument("--local_rank", "--local-rank", type=int, default=0)
    args = parser.parse_args(argv)
    if "LOCAL_RANK" not in os.environ:
        os.environ["LOCAL_RANK"] = str(args.local_rank)
    return args


@fail_cleanly
def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    cfg = load_mm_config(args.config, args.cfg_options, args.launcher)
    if not osp.isfile(args.checkpoint):
        raise FileNotFoundError(f"checkpoint not found: {args.checkpoint}")
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get("work_dir", None) is None:
        cfg.work_dir = osp.join("./work_dirs", osp.splitext(osp.basename(args.config))[0])
    cfg.load_from = args.checkpoint
    if args.show or args.show_dir:
        hooks = cfg.default_hooks
        if "visualization" not in hooks:
            raise ValueError(f"{args.config}: --show/--show-dir need default_hooks.visualization")
        hooks.visualization.draw = True
        if args.show:
            hooks.visualization.show = True
            hooks.visualization.wait_time = args.wait_time
        if args.show_dir:
            cfg.visualizer.save_dir = args.show_dir  # overlays land in <show_dir>/vis_data/vis_image/
            hooks.visualization.interval = 1  # every test image (mmseg's default of 50 skips most)
    if args.tta:
        cfg.test_dataloader.dataset.pipeline = cfg.tta_pipeline
        cfg.tta_model.module = cfg.model
        cfg.model = cfg.tta_model
    if args.out is not None:
        cfg.test_evaluator["output_dir"] = args.out
        cfg.test_evaluator["keep_results"] = True
    runner = Runner.from_cfg(cfg)
    runner.test()


if __name__ == "__main__":
    main()
