"""Test (and evaluate) a segmentor checkpoint with MMSegmentation's runner, like mmseg's ``tools/test.py``.

    python tools/test.py CONFIG CHECKPOINT [--work-dir W] [--out DIR] [--tta] [--show-dir DIR] [--cfg-options ...]

``--out DIR`` writes each predicted mask as ``DIR/<image stem>.png`` (class ids, 0/1 for the binary organ
models, at the image's original size: the masks the test metric scored), through the
``SegPredictionWriterHook`` of :mod:`organseg_plugins.mm.engine.hooks.prediction_writer_hook`.
``--tta`` runs test-time augmentation: the config's ``tta_pipeline`` (e.g. the dataset bases' horizontal
flips) merged by ``OrganSegTTAModel`` (:mod:`organseg_plugins.mm.models.segmentors.tta`; used in place of mmseg's
``SegTTAModel``, which mis-merges one-channel sigmoid heads), or by another ``tta_model`` the config names.
Exit status 0 on success, 2 on a user error printed as one ``error: <message>`` line
(:mod:`organseg_plugins.core.cli`).
"""

from __future__ import annotations

import argparse
import os
import os.path as osp

from mmengine.config import Config, DictAction
from mmengine.logging import print_log

from organseg_plugins.core.cli import cli_main
from organseg_plugins.core.errors import OrgansegInputError
from organseg_plugins.core.io.paths import check_output_dir
from organseg_plugins.mm.apis import build_runner, load_mm_config


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Test (and eval) a segmentor checkpoint")
    parser.add_argument("config", help="test config file path")
    parser.add_argument("checkpoint", help="checkpoint file")
    parser.add_argument("--work-dir", help="the dir to save the evaluation log and metrics")
    parser.add_argument("--out", metavar="DIR",
                        help="write the predicted masks as DIR/<image stem>.png (class ids: 0/1 for binary models)")
    parser.add_argument("--show", action="store_true", help="show prediction results")
    parser.add_argument("--show-dir", help="dir (inside the work dir) to save overlays of predictions")
    parser.add_argument("--wait-time", type=float, default=2, help="the interval of show (s)")
    parser.add_argument("--cfg-options", nargs="+", action=DictAction, help="override settings, key=value")
    parser.add_argument("--launcher", choices=["none", "pytorch", "slurm", "mpi"], default="none")
    parser.add_argument("--tta", action="store_true",
                        help="test-time augmentation (the config's tta_pipeline and tta_model)")
    parser.add_argument("--local_rank", "--local-rank", type=int, default=0)
    args = parser.parse_args(argv)
    if "LOCAL_RANK" not in os.environ:
        os.environ["LOCAL_RANK"] = str(args.local_rank)
    return args


def apply_tta(cfg: Config, config_path: str) -> None:
    """Replace the test pipeline by ``cfg.tta_pipeline`` and wrap ``cfg.model`` in the TTA model.

    mmseg's ``SegTTAModel`` (the ``tta_model`` of mmseg's ``default_runtime.py``) becomes
    ``OrganSegTTAModel``: SegTTAModel applies the sigmoid twice for one-channel heads (every pixel ends as
    foreground), cannot wrap the ``AdversarialSegmentor`` and drops the metainfo the metric reads.
    Any other ``tta_model`` type is used as configured.
    """
    if not cfg.get("tta_pipeline"):
        raise OrgansegInputError(f"{config_path}: --tta needs a tta_pipeline in the config (e.g. the TestTimeAug "
                                 "of flips in configs/_base_/datasets/spleen_us.py)")
    tta_model = dict(cfg.get("tta_model") or {})
    if tta_model.get("type", "SegTTAModel") in ("SegTTAModel", "mmseg.SegTTAModel"):
        if tta_model.get("type"):
            print_log("--tta: mmseg's SegTTAModel replaced by OrganSegTTAModel (correct for one-channel sigmoid "
                      "heads and AdversarialSegmentor)", logger="current")
        tta_model["type"] = "OrganSegTTAModel"
    tta_model["module"] = cfg.model
    cfg.test_dataloader.dataset.pipeline = cfg.tta_pipeline
    cfg.model = tta_model
    cfg.tta_model = tta_model


def build_cfg(args: argparse.Namespace) -> Config:
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
            raise OrgansegInputError(f"{args.config}: --show/--show-dir need default_hooks.visualization")
        hooks.visualization.draw = True
        if args.show:
            hooks.visualization.show = True
            hooks.visualization.wait_time = args.wait_time
        if args.show_dir:
            cfg.visualizer.save_dir = args.show_dir  # overlays land in <show_dir>/vis_data/vis_image/
            hooks.visualization.interval = 1  # every test image (mmseg's default of 50 skips most)
    if args.tta:
        apply_tta(cfg, args.config)
    if args.out is not None:
        check_output_dir(args.out, [], overwrite=True)  # the one output-folder guard (a file there is refused)
        # SegPredictionWriterHook is registered by organseg_plugins.mm (imported with organseg_plugins.mm.apis)
        cfg.custom_hooks = list(cfg.get("custom_hooks") or []) + [
            dict(type="SegPredictionWriterHook", out_dir=args.out)]
    return cfg


@cli_main
def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    cfg = build_cfg(args)
    build_runner(cfg).test()  # like mmseg's tools/test.py: runner_type from mmseg's RUNNERS


if __name__ == "__main__":
    main()
