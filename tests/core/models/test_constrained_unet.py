"""The adversarial-constraint U-Net: decoder stages at the documented resolutions and widths."""

from __future__ import annotations

import pytest
import torch

from organseg_plugins.core.models.constrained_unet import ConstrainedUNet


def test_default_stages_are_full_and_half_resolution():
    net = ConstrainedUNet(in_channels=1, base_channels=4, num_stages=5).eval()
    out5, out4 = net(torch.zeros(2, 1, 64, 64))
    # stage s has H / 2**(5 - s) rows and base * 2**(5 - s) channels: stage 5 -> 64 x 64 x 4, stage 4 -> 32 x 32 x 8
    assert out5.shape == (2, 4, 64, 64) and out4.shape == (2, 8, 32, 32)
    assert net.stage_channels(5) == 4 and net.stage_channels(4) == 8
    # five transposed convolutions (the paper's "five deconvolutional layers")
    assert sum(isinstance(m, torch.nn.ConvTranspose2d) for m in net.modules()) == 5


def test_depth_and_judged_stages_are_options():
    net = ConstrainedUNet(base_channels=4, num_stages=4, out_stages=(4, 3, 2), max_channels=16).eval()
    outs = net(torch.zeros(1, 1, 32, 32))
    # stage 4 of 4 = 32 px x 4 ch; stage 3 = 16 px x 8; stage 2 = 8 px x min(16, 16) = 16
    assert [tuple(o.shape[1:]) for o in outs] == [(4, 32, 32), (8, 16, 16), (16, 8, 8)]
    with pytest.raises(ValueError, match="multiple of 2\\*\\*num_stages = 16"):
        net(torch.zeros(1, 1, 24, 24))
    with pytest.raises(ValueError, match="out_stages"):
        ConstrainedUNet(num_stages=5, out_stages=(6,))
