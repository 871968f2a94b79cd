"""ARU-Net's baselines (U-Net++, Attention U-Net, SegNet): parameter counts from their definitions, shapes."""

import pytest
import torch

from organseg_plugins.core.models.us_baselines import AttentionUNet, SegNet, UNetPlusPlus

W = (64, 128, 256, 512, 1024)


def _count(m):
    return sum(p.numel() for p in m.parameters())


def _dc(cin, cout):  # double conv3x3 (no bias) + 2 BN
    return 9 * cin * cout + 2 * cout + 9 * cout * cout + 2 * cout


def _cbr(cin, cout):  # conv3x3 with bias + BN
    return 9 * cin * cout + cout + 2 * cout


# U-Net++: X^{i,0} = dc(w_{i-1} or 3, w_i); X^{i,j} = dc(j * w_i + w_{i+1}, w_i) for j = 1..4, i < 5 - j; 1x1 to 2.
UNETPP = (sum(_dc(3 if i == 0 else W[i - 1], W[i]) for i in range(5))
          + sum(_dc(W[i] * j + W[i + 1], W[i]) for j in range(1, 5) for i in range(5 - j)) + 64 * 2 + 2)
# Attention U-Net: encoder dc; per decoder level i = 3..0: up cbr(w_{i+1}, w_i), gate (two 1x1 w_i -> w_i/2 with
# bias + BN, psi 1x1 w_i/2 -> 1 with bias + BN), dc(2 w_i, w_i); 1x1 to 2.
ATTUNET = (sum(_dc(3 if i == 0 else W[i - 1], W[i]) for i in range(5))
           + sum(_cbr(W[i + 1], W[i]) + 2 * (W[i] * (W[i] // 2) + 3 * (W[i] // 2)) + (W[i] // 2 + 1 + 2)
                 + _dc(2 * W[i], W[i]) for i in range(4)) + 64 * 2 + 2)
# SegNet (VGG16-BN, all convs with bias): encoder 3-64-64 | 128x2 | 256x3 | 512x3 | 512x3; decoder mirrored.
SEGNET_ENC = (_cbr(3, 64) + _cbr(64, 64) + _cbr(64, 128) + _cbr(128, 128) + _cbr(128, 256) + 2 * _cbr(256, 256)
              + _cbr(256, 512) + 2 * _cbr(512, 512) + 3 * _cbr(512, 512))
SEGNET_DEC = (3 * _cbr(512, 512) + 2 * _cbr(512, 512) + _cbr(512, 256) + 2 * _cbr(256, 256) + _cbr(256, 128)
              + _cbr(128, 128) + _cbr(128, 64) + _cbr(64, 64) + _cbr(64, 64))
SEGNET = SEGNET_ENC + SEGNET_DEC + 64 * 2 + 2


@pytest.mark.parametrize("cls, expected", [(UNetPlusPlus, UNETPP), (AttentionUNet, ATTUNET), (SegNet, SEGNET)])
def test_parameter_counts(cls, expected):
    assert _count(cls()) == expected


def test_known_totals():
    # 36.6 M and 34.9 M are the sizes usually quoted for these two networks at 64..1024 widths
    assert (UNETPP, ATTUNET, SEGNET) == (36_622_402, 34_872_750, 29_480_194)


def test_shapes_small():
    x = torch.randn(1, 3, 32, 32)
    with torch.no_grad():
        assert UNetPlusPlus(widths=(4, 8, 16, 32, 64)).eval().forward_features(x).shape == (1, 4, 32, 32)
        assert AttentionUNet(widths=(4, 8, 16, 32, 64)).eval()(x).shape == (1, 2, 32, 32)
        assert SegNet(stages=((4, 2), (8, 2), (8, 3), (8, 3), (8, 3))).eval()(x).shape == (1, 2, 32, 32)
    with pytest.raises(ValueError, match="multiple of 16"):
        UNetPlusPlus(widths=(4, 8, 16, 32, 64))(torch.zeros(1, 3, 24, 24))
