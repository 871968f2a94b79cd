"""Train/evaluate a Detectron2 model on organ data, with Detectron2's ``tools/train_net.py`` command line.

    python tools/train_net.py --config-file configs/liver/mask_rcnn_R_101_FPN_liver_phantom.yaml SOLVER.MAX_ITER 2
    python tools/train_net.py --config-file CFG --eval-only MODEL.WEIGHTS output/model_final.pth
    python tools/train_net.py --config-file CFG --num-gpus 8     # detectron2's launch(), one process per GPU
"""

from __future__ import annotations

import logging
import os
import os.path as osp
import sys

import torch
from detectron2.checkpoint import DetectionCheckpointer
from detectron2.engine import DefaultTrainer, default_argument_parser, default_setup, launch
from detectron2.evaluation import COCOEvaluator, DatasetEvaluators, verify_results
from detectron2.utils import comm
from detectron2.utils.logger import setup_logger

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from _common import fail_cleanly  # noqa: E402

from organseg_plugins.d2 import OrganMaskEvaluator, load_config, register_organ_splits  # noqa: E402


class Trainer(DefaultTrainer):
    """DefaultTrainer evaluating COCO AP and the organ mask metrics (liver paper, Table 6)."""

    @classmethod
    def build_evaluator(cls, cfg, dataset_name, output_folder=None):
        output_folder = output_folder or osp.join(cfg.OUTPUT_DIR, "inference")
        return DatasetEvaluators([
            COCOEvaluator(dataset_name, tasks=("bbox", "segm"), output_dir=output_folder),
            OrganMaskEvaluator(dataset_name, score_thresh=cfg.ORGANSEG.EVAL_SCORE_THRESH, output_dir=output_folder,
                               metric_kwargs=dict(trimap_width=cfg.ORGANSEG.TRIMAP_WIDTH,
                                                  dilation_ratio=cfg.ORGANSEG.BOUNDARY_DILATION_RATIO,
                                                  f_tolerance=cfg.ORGANSEG.F_TOLERANCE or None)),
        ])


def setup(args):
    """Create the config (ORGANSEG keys + yaml chain + opts), register the datasets, default_setup."""
    cfg = load_config(args.config_file, args.opts)
    if cfg.MODEL.DEVICE.startswith("cuda") and not torch.cuda.is_available():
        logging.getLogger("organseg").warning("CUDA is not available: running on the CPU")
        cfg.MODEL.DEVICE = "cpu"
    register_organ_splits(cfg.ORGANSEG.DATASET_PREFIX, cfg.ORGANSEG.DATA_ROOT, cfg.ORGANSEG.CATEGORY)
    cfg.freeze()
    default_setup(cfg, args)
    # detectron2 sets up its own loggers only; ours (e.g. OrganMaskEvaluator's table) go to the same outputs
    setup_logger(cfg.OUTPUT_DIR, distributed_rank=comm.get_rank(), name="organseg_plugins", abbrev_name="organseg")
    return cfg


def main(args):
    cfg = setup(args)
    if args.eval_only:
        if cfg.MODEL.WEIGHTS and not osp.isfile(cfg.MODEL.WEIGHTS):
            raise FileNotFoundError(f"MODEL.WEIGHTS not found: {cfg.MODEL.WEIGHTS}")
        model = Trainer.build_model(cfg)
        DetectionCheckpointer(model, save_dir=cfg.OUTPUT_DIR).resume_or_load(cfg.MODEL.WEIGHTS, resume=args.resume)
        res = Trainer.test(cfg, model)
        if cfg.TEST.AUG.ENABLED:
            res.update(Trainer.test_with_TTA(cfg, model))
        if torch.distributed.is_initialized() is False or torch.distributed.get_rank() == 0:
            verify_results(cfg, res)
        return res
    trainer = Trainer(cfg)
    trainer.resume_or_load(resume=args.resume)
    return trainer.train()


@fail_cleanly
def cli(argv: list[str] | None = None) -> None:
    args = default_argument_parser().parse_args(argv)
    if not osp.isfile(args.config_file):
        raise FileNotFoundError(f"config file not found: {args.config_file!r}")
    print("Command Line Args:", args)
    os.environ.setdefault("OMP_NUM_THREADS", str(os.cpu_count() or 1))
    launch(main, args.num_gpus, num_machines=args.num_machines, machine_rank=args.machine_rank,
           dist_url=args.dist_url, args=(args,))


if __name__ == "__main__":
    cli()
