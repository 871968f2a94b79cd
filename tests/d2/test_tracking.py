"""Detectron2 runs write TensorBoard events (DefaultTrainer's own TensorboardXWriter) into OUTPUT_DIR: every
scalar of its metrics.json (losses, lr, and the final evaluation: COCO AP and the organ mask metrics), read back
with TensorBoard's event reader."""

from __future__ import annotations

import json

import numpy as np
import pytest

from tests.conftest import run_tool

CFG = "configs/liver/mask_rcnn_R_101_FPN_liver_phantom.yaml"
#: The writers do not depend on the model, the CPU time does: one iteration of a small Mask R-CNN (ResNet-18,
#: 64-channel FPN and heads, the config's GroupNorm), 128 px, few proposals; SEED fixes the run.
TINY = ["SEED", "0", "SOLVER.MAX_ITER", "1", "DATALOADER.NUM_WORKERS", "0",
        "INPUT.MIN_SIZE_TRAIN", "(128,)", "INPUT.MAX_SIZE_TRAIN", "128", "INPUT.MIN_SIZE_TEST", "128",
        "INPUT.MAX_SIZE_TEST", "128", "MODEL.RESNETS.DEPTH", "18", "MODEL.RESNETS.RES2_OUT_CHANNELS", "64",
        "MODEL.FPN.OUT_CHANNELS", "64", "MODEL.ROI_BOX_HEAD.CONV_DIM", "64", "MODEL.ROI_BOX_HEAD.FC_DIM", "128",
        "MODEL.ROI_MASK_HEAD.CONV_DIM", "64", "MODEL.RPN.PRE_NMS_TOPK_TRAIN", "200",
        "MODEL.RPN.POST_NMS_TOPK_TRAIN", "100", "MODEL.RPN.PRE_NMS_TOPK_TEST", "100",
        "MODEL.RPN.POST_NMS_TOPK_TEST", "50", "MODEL.ROI_HEADS.BATCH_SIZE_PER_IMAGE", "32"]

@pytest.mark.slow
def test_train_net_writes_tensorboard_events(phantom_root, tmp_path):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    out = tmp_path / "out"
    run_tool("tools/train_net.py", "--config-file", CFG, "ORGANSEG.DATA_ROOT", f"{phantom_root}/liver_ct",
             "OUTPUT_DIR", str(out), *TINY)
    assert len(list(out.glob("events.out.tfevents.*"))) == 1, sorted(p.name for p in out.iterdir())
    acc = EventAccumulator(str(out), size_guidance={"scalars": 0})
    acc.Reload()
    tb = {tag: {e.step: e.value for e in acc.Scalars(tag)} for tag in acc.Tags()["scalars"]}
    records = [json.loads(line) for line in (out / "metrics.json").read_text().splitlines() if line.strip()]
    keys = {k for r in records for k in r if k != "iteration"}
    assert {"total_loss", "loss_mask", "lr", "segm/AP", "organ_masks/MaskIoU", "organ_masks/BoundaryIoU"} <= keys
    for rec in records:
        for key, value in rec.items():
            if key == "iteration":
                continue
            assert rec["iteration"] in tb.get(key, {}), (key, rec["iteration"], tb.get(key))
            logged = np.float32(tb[key][rec["iteration"]])
            assert logged == np.float32(value) or (np.isnan(logged) and np.isnan(value)), (key, value, logged)
