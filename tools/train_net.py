"""Train/evaluate a Detectron2 model on organ data, with Detectron2's ``tools/train_net.py`` command line.

    python tools/train_net.py --config-file configs/liver/mask_rcnn_R_101_FPN_liver_phantom.yaml SOLVER.MAX_ITER 2
    python tools/train_net.py --config-file CFG --eval-only MODEL.WEIGHTS output/model_final.pth
    python tools/train_net.py --config-file CFG --num-gpus 8     # detectron2's launch(), one process per GPU
    python tools/train_net.py --config-file CFG --eval-only MODEL.WEIGHTS W TEST.AUG.ENABLED True \
        TEST.AUG.MIN_SIZES "(448, 512, 576)" TEST.AUG.MAX_SIZE 1024   # + test-time augmentation

``TEST.AUG.ENABLED True`` adds an evaluation with detectron2's ``GeneralizedRCNNWithTTA`` (every
``TEST.AUG.MIN_SIZES`` shortest-edge size, each also horizontally flipped if ``TEST.AUG.FLIP``; boxes merged
with NMS, masks averaged) after ``--eval-only``'s plain evaluation or at the end of training; its results
carry a ``_TTA`` suffix and its files go to ``OUTPUT_DIR/inference_TTA``. detectron2's defaults
(400..1200 px) are sized for COCO: set the sizes around the config's ``INPUT.MIN_SIZE_TEST``.
Exit status 0 on success, 2 on a user error printed as one ``error: <message>`` line
(:mod:`organseg_plugins.core.cli`). The COCO files of ``DATASETS.TRAIN`` and ``DATASETS.TEST`` are checked
against their images first (missing images, sizes, categories, boxes, degenerate polygons): every problem is one
``error:`` line naming the JSON, the image and the annotation id.
"""

from __future__ import annotations

import logging
import os
import os.path as osp
from collections import OrderedDict

import torch
from detectron2.checkpoint import DetectionCheckpointer
from detectron2.engine import DefaultTrainer, default_argument_parser, default_setup, hooks, launch
from detectron2.evaluation import COCOEvaluator, DatasetEvaluators, verify_results
from detectron2.modeling import GeneralizedRCNNWithTTA
from detectron2.utils import comm
from detectron2.utils.logger import setup_logger

from organseg_plugins.core.cli import cli_main
from organseg_plugins.core.errors import OrgansegInputError
from organseg_plugins.d2 import OrganMaskEvaluator, check_organ_datasets, load_config, register_organ_splits


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
                                                  f_tolerance=cfg.ORGANSEG.F_TOLERANCE or None,
                                                  f_method=cfg.ORGANSEG.F_METHOD,
                                                  nsd_tolerance=cfg.ORGANSEG.NSD_TOLERANCE or None)),
        ])

    @classmethod
    def test_with_TTA(cls, cfg, model):  # noqa: N802  (detectron2's name)
        """Evaluate ``model`` wrapped in ``GeneralizedRCNNWithTTA`` (as detectron2's own tools/train_net.py).

        Results are keyed ``<dataset>_TTA``; evaluator files go to ``OUTPUT_DIR/inference_TTA``.
        """
        check_tta_config(cfg)
        logging.getLogger("detectron2.trainer").info(
            f"Running inference with test-time augmentation: shortest edge {tuple(cfg.TEST.AUG.MIN_SIZES)}, "
            f"max size {cfg.TEST.AUG.MAX_SIZE}, flip {cfg.TEST.AUG.FLIP}")
        tta_model = GeneralizedRCNNWithTTA(cfg, model)
        evaluators = [cls.build_evaluator(cfg, name, output_folder=osp.join(cfg.OUTPUT_DIR, "inference_TTA"))
                      for name in cfg.DATASETS.TEST]
        res = cls.test(cfg, tta_model, evaluators)
        return OrderedDict((k + "_TTA", v) for k, v in res.items())


def check_tta_config(cfg) -> None:
    """Refuse, in one line, the configs detectron2's ``GeneralizedRCNNWithTTA`` cannot run."""
    if not cfg.TEST.AUG.ENABLED:
        return
    problems = []
    if cfg.MODEL.META_ARCHITECTURE != "GeneralizedRCNN":
        problems.append(f"MODEL.META_ARCHITECTURE is {cfg.MODEL.META_ARCHITECTURE!r}, not 'GeneralizedRCNN'")
    if cfg.MODEL.KEYPOINT_ON:
        problems.append("MODEL.KEYPOINT_ON is set")
    if cfg.MODEL.LOAD_PROPOSALS:
        problems.append("MODEL.LOAD_PROPOSALS is set")
    if not len(cfg.TEST.AUG.MIN_SIZES):
        problems.append("TEST.AUG.MIN_SIZES is empty")
    if problems:
        raise OrgansegInputError("TEST.AUG.ENABLED: detectron2's test-time augmentation (GeneralizedRCNNWithTTA) "
                                 f"does not support this config: {'; '.join(problems)}")


def setup(args):
    """Create the config (ORGANSEG keys + yaml chain + opts), register the datasets, default_setup."""
    cfg = load_config(args.config_file, args.opts)
    if cfg.MODEL.DEVICE.startswith("cuda") and not torch.cuda.is_available():
        logging.getLogger("organseg").warning("CUDA is not available: running on the CPU")
        cfg.MODEL.DEVICE = "cpu"
    register_organ_splits(cfg.ORGANSEG.DATASET_PREFIX, cfg.ORGANSEG.DATA_ROOT, cfg.ORGANSEG.CATEGORY)
    check_tta_config(cfg)  # before any training, not after it
    # the COCO files against their images, every problem listed, before training (not in a DataLoader worker,
    # nor a broken test file at the end of training)
    check_organ_datasets([*cfg.DATASETS.TRAIN, *cfg.DATASETS.TEST])
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
    if cfg.TEST.AUG.ENABLED:  # after the last iteration (period 0), as in detectron2's tools/train_net.py
        trainer.register_hooks([hooks.EvalHook(0, lambda: trainer.test_with_TTA(cfg, trainer.model))])
    return trainer.train()


@cli_main
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
