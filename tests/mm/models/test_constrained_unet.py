"""ConstrainedUNetBackbone / ConstrainedUNetHead in mmseg: stage 5 feeds the decode head, stage 4 its own head."""

from __future__ import annotations

import torch
from mmengine.registry import init_default_scope
from mmseg.registry import MODELS

import organseg_plugins.mm  # noqa: F401

init_default_scope("mmseg")


def test_heads_on_stages_5_and_4():
    backbone = MODELS.build(dict(type="ConstrainedUNetBackbone", base_channels=4, num_stages=5)).eval()
    feats = backbone(torch.zeros(1, 1, 64, 64))
    # stage 5: 64 x 64 x 4 channels; stage 4: 32 x 32 x 8 (base * 2**(5 - 4))
    assert [tuple(f.shape[1:]) for f in feats] == [(4, 64, 64), (8, 32, 32)]
    main = MODELS.build(dict(type="ConstrainedUNetHead", in_channels=4, in_index=0))
    aux = MODELS.build(dict(type="ConstrainedUNetHead", in_channels=8, in_index=1))
    assert main(feats).shape == (1, 1, 64, 64) and aux(feats).shape == (1, 1, 32, 32)
    # default basic loss: Dice on the single sigmoid channel (BCE weight 0)
    assert main.loss_decode.loss_name == "loss_dice" and main.loss_decode.bce_weight == 0.0
