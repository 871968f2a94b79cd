"""ARU-Net (Liu et al. 2025, Sci Rep 15:22155): parameter counts of both presets, stage shapes, switches."""

import pytest
import torch

from organseg_plugins.core.models.aru_net import (
    ARUNet,
    ChannelAttention,
    MultiConvSelfAttention,
    SpatialAttention,
    aru_net_options,
)


def _count(module):
    return sum(p.numel() for p in module.parameters())


def _cbr(cin, cout, bias):
    return 9 * cin * cout + (cout if bias else 0) + 2 * cout  # conv3x3 (+ bias) + BN weight and bias


# ---- Parameter counts, 3 x 512 x 512 input, 2 classes, widths 64/128/256/512/1024 -------------------------------
# (the count does not depend on the input size; the model is only built)
# Encoder (both presets, bias-free convolutions feeding BN):
#   stem: cbr(3,64) 1,856 + cbr(64,64) 36,992                                                   =     38,848
#   residual unit c->c1: cbr(c,c1) + cbr(c1,c1) + 1x1 projection c*c1
#     64->128: 73,984 + 147,712 + 8,192 = 229,888; 128->256: 918,528; 256->512: 3,672,064; 512->1024: 14,684,160
#                                                                                   encoder    = 19,543,488
# SpConvMixer 1024 x 5 blocks, each: depthwise k*k*1024 + 1024 bias, BN 2,048, pointwise 1024*1024 + 1024, BN 2,048
#   paper (k=3): 5 * 1,063,936 = 5,319,680 + spatial attention 2*7*7 = 98                        =  5,319,778
#   code  (k=7): 5 * 1,104,896 = 5,524,480 + spatial attention 2*5*5 = 50                        =  5,524,530
# Decoder stage c->c' (1024->512, 512->256, 256->128, 128->64), convolutions with bias:
#   up: cbr(c, c') (+bias)  4,720,128 / 1,180,416 / 295,296 / 73,920            (sum 6,269,760)
#   fuse: cbr(2c', c')      4,720,128 / 1,180,416 / 295,296 / 73,920            (sum 6,269,760)
#   self-attention(c'): 1x1 c'^2+c' +BN 2c', 3x3 9c'^2+c' +2c', dilated 9c'^2+c' +2c', vote 2c'^2+c' (+BN 2c' code)
#     = 21c'^2 + 10c' (paper), 21c'^2 + 12c' (code):
#     paper stages 1-4: 5,510,144 + 1,378,816 + 345,344 + 86,656                 = 7,320,960
#     code stages 2-4 :             1,379,328 + 345,600 + 86,784                 = 1,811,712
#   channel attention on the 2c' fused channels, hidden 2c'/16:
#     paper (max FC, avg FC, out FC = 3 * 2c' * 2c'/16): 196,608 + 49,152 + 12,288 + 3,072 = 261,120
#     code  (SE, 2 FCs, built but never run):            131,072 + 32,768 +  8,192 + 2,048 = 174,080
# Classifier: 64*2 + 2                                                                     =        130
# paper: 19,543,488 + 5,319,778 + 6,269,760*2 + 7,320,960 + 261,120 + 130                  = 44,984,996
# code : 19,543,488 + 5,524,530 + 6,269,760*2 + 1,811,712 + 174,080 + 130                  = 39,593,460
ENCODER = (_cbr(3, 64, False) + _cbr(64, 64, False)
           + sum(_cbr(c, 2 * c, False) + _cbr(2 * c, 2 * c, False) + c * 2 * c for c in (64, 128, 256, 512)))
UPS = sum(_cbr(2 * c, c, True) for c in (512, 256, 128, 64))
PAPER = (ENCODER + 5 * (9 * 1024 + 1024 + 2048 + 1024 * 1024 + 1024 + 2048) + 98 + 2 * UPS
         + sum(21 * c * c + 10 * c for c in (512, 256, 128, 64)) + sum(3 * 2 * c * (2 * c // 16) for c in (512, 256, 128, 64))
         + 130)
CODE = (ENCODER + 5 * (49 * 1024 + 1024 + 2048 + 1024 * 1024 + 1024 + 2048) + 50 + 2 * UPS
        + sum(21 * c * c + 12 * c for c in (256, 128, 64)) + sum(2 * 2 * c * (2 * c // 16) for c in (512, 256, 128, 64))
        + 130)


def test_hand_counts_match_the_comment():
    assert ENCODER == 19_543_488
    assert PAPER == 44_984_996 and CODE == 39_593_460


@pytest.mark.parametrize("preset, expected", [("paper", 44_984_996), ("code", 39_593_460)])
def test_parameter_count_of_presets(preset, expected):
    assert _count(ARUNet(in_channels=3, num_classes=2, preset=preset)) == expected


def test_stage_shapes_scale_with_the_input():
    # 3 x 512 x 512 gives 64@512, 128@256, 256@128, 512@64, 1024@32; every map is input/stride, so a 3 x 64 x 64
    # input with the same widths gives 64@64, 128@32, 256@16, 512@8, 1024@4 (checked at small size for speed).
    torch.manual_seed(0)
    for preset in ("paper", "code"):
        net = ARUNet(preset=preset).eval()
        x = torch.randn(1, 3, 64, 64)
        with torch.no_grad():
            feats = net.encoder(x)
            assert [tuple(f.shape[1:]) for f in feats] == [(64, 64, 64), (128, 32, 32), (256, 16, 16),
                                                           (512, 8, 8), (1024, 4, 4)]
            assert net(x).shape == (1, 2, 64, 64)


def test_decoder_stage_shapes():
    net = ARUNet(widths=(4, 8, 16, 32, 64)).eval()
    seen = []
    for i, fuse in enumerate(net.decoder.fuse):
        fuse.register_forward_hook(lambda m, a, out, i=i: seen.append((i, tuple(out.shape[1:]))))
    with torch.no_grad():
        net(torch.randn(1, 3, 32, 32))
    # up-stage i halves the channels and doubles the size: 32@4, 16@8, 8@16, 4@32
    assert seen == [(0, (32, 4, 4)), (1, (16, 8, 8)), (2, (8, 16, 16)), (3, (4, 32, 32))]


def test_input_size_must_be_a_multiple_of_16():
    with pytest.raises(ValueError, match="multiple of 16"):
        ARUNet(widths=(4, 8, 16, 32, 64))(torch.zeros(1, 3, 24, 24))


def test_code_preset_builds_but_skips_mixer_and_channel_attention():
    torch.manual_seed(0)
    net = ARUNet(preset="code", widths=(4, 8, 16, 32, 64)).eval()
    x = torch.randn(1, 3, 32, 32)
    with torch.no_grad():
        before = net(x)
        for module in (net.encoder.bottleneck, *net.decoder.channel_attn):
            for p in module.parameters():
                p.add_(1.0)
        assert torch.equal(net(x), before)
    # the code's first up-stage has no self-attention
    assert isinstance(net.decoder.self_attn[0], torch.nn.Identity)
    assert all(isinstance(m, MultiConvSelfAttention) for m in net.decoder.self_attn[1:])


def test_ablation_switches_remove_their_parameters():
    w = (4, 8, 16, 32, 64)
    full = _count(ARUNet(widths=w))
    no_res = _count(ARUNet(widths=w, residual_encoder=False))
    assert full - no_res == 4 * 8 + 8 * 16 + 16 * 32 + 32 * 64  # the four 1x1 projections
    no_mixer = _count(ARUNet(widths=w, spconvmixer=False))
    assert full - no_mixer == 5 * (9 * 64 + 64 + 128 + 64 * 64 + 64 + 128) + 98
    plain = ARUNet(widths=w, residual_encoder=False, spconvmixer=False, channel_attention=False,
                   self_attention=False).eval()
    assert plain.encoder.bottleneck is None
    assert plain(torch.zeros(1, 3, 16, 16)).shape == (1, 2, 16, 16)


def test_spatial_attention_of_constant_map():
    # all channels equal to 1: max = mean = 1; zero kernel -> sigmoid(0) = 0.5 everywhere
    att = SpatialAttention(7)
    torch.nn.init.zeros_(att.conv.weight)
    assert torch.allclose(att(torch.ones(1, 3, 5, 5)), torch.full((1, 3, 5, 5), 0.5))


def test_channel_attention_zero_weights_halve():
    for kind in ("maxavg", "se"):
        ca = ChannelAttention(32, 16, kind)
        for p in ca.parameters():
            torch.nn.init.zeros_(p)
        x = torch.randn(2, 32, 3, 3)
        assert torch.allclose(ca(x), 0.5 * x)


def test_unknown_preset_and_options():
    with pytest.raises(ValueError, match="unknown ARU-Net preset"):
        aru_net_options("nope")
    with pytest.raises(ValueError, match="pool"):
        ARUNet(encoder=dict(pool="avg"))
