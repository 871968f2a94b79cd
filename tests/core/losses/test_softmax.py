"""CE + Dice and focal Tversky over the softmax: MONAI equality and hand-computed values."""

import math

import pytest
import torch
from monai.losses import DiceCELoss, TverskyLoss

from organseg_plugins.core.losses.softmax import ce_dice_loss, focal_tversky_loss


def _data(seed=0, n=2, c=2, h=8, w=8):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, c, h, w, generator=g), torch.randint(0, c, (n, h, w), generator=g)


@pytest.mark.parametrize("batch", [True, False])
@pytest.mark.parametrize("c", [2, 3])
def test_ce_dice_equals_monai_dicece(batch, c):
    logits, target = _data(c=c)
    monai = DiceCELoss(softmax=True, to_onehot_y=True, include_background=True, batch=batch,
                       smooth_nr=1e-5, smooth_dr=1e-5, lambda_dice=0.5, lambda_ce=2.0)
    ours = ce_dice_loss(logits, target, ce_weight=2.0, dice_weight=0.5, smooth=1e-5, batch=batch)
    assert ours.item() == pytest.approx(monai(logits, target[:, None]).item(), rel=1e-5)


def test_ce_dice_without_background_equals_monai():
    logits, target = _data(seed=1, c=3)
    monai = DiceCELoss(softmax=True, to_onehot_y=True, include_background=False, batch=True)
    ours = ce_dice_loss(logits, target, include_background=False)
    assert ours.item() == pytest.approx(monai(logits, target[:, None]).item(), rel=1e-5)


def test_ce_dice_hand_computed_uniform_softmax():
    # zero logits: p = 0.5 for both classes; labels (1, 0, 0, 0) on one 2x2 image.
    # CE = ln 2. Dice class 1: 2*0.5 / (2 + 1) = 1/3; class 0: 2*1.5 / (2 + 3) = 3/5; mean 7/15.
    logits = torch.zeros(1, 2, 2, 2)
    target = torch.tensor([[[1, 0], [0, 0]]])
    loss = ce_dice_loss(logits, target, smooth=0.0)
    assert loss.item() == pytest.approx(math.log(2) + 1 - 7 / 15, rel=1e-6)


def test_ignored_pixels_change_nothing():
    logits, target = _data(seed=2)
    ignored = target.clone()
    ignored[:, 0, :] = 255
    a = ce_dice_loss(logits, ignored)
    logits2 = logits.clone()
    logits2[:, :, 0, :] = 100.0  # the ignored row's logits must not matter
    assert ce_dice_loss(logits2, ignored).item() == pytest.approx(a.item(), rel=1e-6)


def test_focal_tversky_hand_computed():
    # p = 0.5 everywhere, labels (1, 0, 0, 0). Class 1: TP 0.5, FP 1.5, FN 0.5; class 0: TP 1.5, FP 0.5, FN 1.5.
    # alpha on FP (paper convention), alpha=0.3, beta=0.7:
    #   TI_1 = 0.5 / (0.5 + 0.3*1.5 + 0.7*0.5) = 0.5/1.3;  TI_0 = 1.5 / (1.5 + 0.3*0.5 + 0.7*1.5) = 1.5/2.7
    #   gamma = 2: mean(sqrt(1 - 5/13), sqrt(1 - 5/9)) = mean(sqrt(8/13), 2/3)
    logits = torch.zeros(1, 2, 2, 2)
    target = torch.tensor([[[1, 0], [0, 0]]])
    loss = focal_tversky_loss(logits, target, alpha=0.3, beta=0.7, gamma=2.0, smooth=0.0)
    assert loss.item() == pytest.approx((math.sqrt(8 / 13) + 2 / 3) / 2, rel=1e-6)
    # alpha on FN (Abraham & Khan): TI_1 = 0.5 / (0.5 + 0.7*1.5 + 0.3*0.5) = 0.5/1.7;
    #   TI_0 = 1.5 / (1.5 + 0.7*0.5 + 0.3*1.5) = 1.5/2.3
    loss_fn = focal_tversky_loss(logits, target, alpha=0.3, beta=0.7, gamma=2.0, alpha_weighs="fn", smooth=0.0)
    assert loss_fn.item() == pytest.approx((math.sqrt(1 - 5 / 17) + math.sqrt(1 - 15 / 23)) / 2, rel=1e-6)


@pytest.mark.parametrize("batch", [True, False])
def test_focal_tversky_gamma_one_equals_monai_tversky(batch):
    logits, target = _data(seed=3, c=3)
    monai = TverskyLoss(softmax=True, to_onehot_y=True, alpha=0.2, beta=0.8, batch=batch)  # MONAI: alpha on FP
    ours = focal_tversky_loss(logits, target, alpha=0.2, beta=0.8, gamma=1.0, batch=batch)
    assert ours.item() == pytest.approx(monai(logits, target[:, None]).item(), rel=1e-5)


def test_bad_input_is_an_error():
    with pytest.raises(ValueError, match="expected 0..1"):
        ce_dice_loss(torch.zeros(1, 2, 2, 2), torch.full((1, 2, 2), 3))
    with pytest.raises(ValueError, match="alpha_weighs"):
        focal_tversky_loss(torch.zeros(1, 2, 2, 2), torch.zeros(1, 2, 2), alpha_weighs="tp")
