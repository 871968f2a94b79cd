"""BCE + Dice loss (spleen paper Eq. 1-3): hand-computed values, ignore handling, errors, gradients."""

import math

import pytest
import torch

from organseg_plugins.core.losses.binary import bce_dice_loss, l1_mask_loss

LN4 = math.log(4.0)  # sigmoid(ln 4) = 0.8, sigmoid(-ln 4) = 0.2, sigmoid(0) = 0.5


def _logits(rows):
    return torch.tensor(rows, dtype=torch.float32)[None, None]  # (1,1,H,W)


def test_hand_computed_2x2():
    # p = [[.8, .5], [.2, .5]], g = [[1, 1], [0, 0]]
    # BCE per pixel: -ln .8, -ln .5, -ln(1-.2) = -ln .8, -ln(1-.5) = -ln .5
    #   mean = (2*0.2231436 + 2*0.6931472) / 4 = 0.4581454
    # Dice = (2*sum(pg) + 1) / (sum p + sum g + 1) = (2*(.8+.5) + 1) / (2.0 + 2 + 1) = 3.6/5 = 0.72
    # L = 0.4581454 + (1 - 0.72) = 0.7381454
    logits = _logits([[LN4, 0.0], [-LN4, 0.0]])
    target = torch.tensor([[[1, 1], [0, 0]]])
    bce = (2 * -math.log(0.8) + 2 * -math.log(0.5)) / 4
    assert bce_dice_loss(logits, target).item() == pytest.approx(bce + 0.28, abs=1e-6)
    assert bce_dice_loss(logits, target).item() == pytest.approx(0.7381454, abs=1e-6)
    # the weights act on the two terms separately
    assert bce_dice_loss(logits, target, dice_weight=0).item() == pytest.approx(bce, abs=1e-6)
    assert bce_dice_loss(logits, target, bce_weight=0).item() == pytest.approx(0.28, abs=1e-6)
    assert bce_dice_loss(logits, target, bce_weight=2, dice_weight=3).item() == pytest.approx(
        2 * bce + 3 * 0.28, abs=1e-6)
    # (N,H,W) logits are accepted as well
    assert bce_dice_loss(logits[:, 0], target).item() == pytest.approx(0.7381454, abs=1e-6)


@pytest.mark.parametrize("ignored_logit", [-7.0, 0.0, 3.0, 25.0])
def test_ignored_pixel_is_out_of_both_terms(ignored_logit):
    # same as above but pixel (1,1) is 255: valid p = [.8, .5, .2], g = [1, 1, 0]
    # BCE = (-ln .8 - ln .5 - ln .8) / 3 = (2*0.2231436 + 0.6931472)/3 = 0.3798115   (3 valid pixels, not 4)
    # Dice = (2*1.3 + 1) / ((.8+.5+.2) + 2 + 1) = 3.6/4.5 = 0.8 -> dice loss 0.2
    # L = 0.5798115 whatever the ignored pixel's logit is
    logits = _logits([[LN4, 0.0], [-LN4, ignored_logit]]).requires_grad_()
    target = torch.tensor([[[1, 1], [0, 255]]])
    loss = bce_dice_loss(logits, target)
    assert loss.item() == pytest.approx((2 * -math.log(0.8) - math.log(0.5)) / 3 + 0.2, abs=1e-6)
    loss.backward()
    assert logits.grad[0, 0, 1, 1].item() == 0.0
    assert (logits.grad[0, 0].flatten()[:3] != 0).all()


def test_ignore_index_is_configurable():
    logits = _logits([[LN4, 0.0], [-LN4, 9.0]])
    target = torch.tensor([[[1, 1], [0, 7]]])
    with pytest.raises(ValueError, match="values"):
        bce_dice_loss(logits, target)  # 7 is not 0/1/255
    expected = (2 * -math.log(0.8) - math.log(0.5)) / 3 + 0.2
    assert bce_dice_loss(logits, target, ignore_index=7).item() == pytest.approx(expected, abs=1e-6)


def test_empty_mask():
    # g = 0 everywhere, p = .2 everywhere (2x2): BCE = -ln .8 = 0.2231436
    # Dice = (0 + 1) / (0.8 + 0 + 1) = 1/1.8 -> dice loss = 0.8/1.8 = 0.4444444
    target = torch.zeros(1, 2, 2, dtype=torch.long)
    loss = bce_dice_loss(torch.full((1, 1, 2, 2), -LN4), target)
    assert loss.item() == pytest.approx(-math.log(0.8) + 0.8 / 1.8, abs=1e-6)
    # empty target and (near) empty prediction: both terms ~0 thanks to smooth
    assert bce_dice_loss(torch.full((1, 1, 2, 2), -30.0), target).item() == pytest.approx(0.0, abs=1e-6)
    # a fully ignored image: nothing to learn, loss 0 (and no NaN)
    assert bce_dice_loss(torch.randn(1, 1, 2, 2), torch.full((1, 2, 2), 255)).item() == 0.0


def test_dice_is_per_image_not_pooled():
    # image A (3x3): p = .8 on its single foreground pixel, .2 elsewhere (8 pixels), g = that pixel
    #   sum pg = .8, sum p = .8 + 8*.2 = 2.4, sum g = 1 -> Dice_A = (1.6+1)/(2.4+1+1) = 2.6/4.4
    # image B (3x3): p = .5 everywhere, g = all 1: sum pg = 4.5, sum p = 4.5, sum g = 9
    #   Dice_B = (9+1)/(4.5+9+1) = 10/14.5
    # dice loss = mean(1 - Dice_A, 1 - Dice_B); a pooled Dice would be (2*5.3+1)/(6.9+10+1) = 11.6/17.9
    # BCE over all 18 pixels: A gives 9 * -ln .8, B gives 9 * -ln .5
    la = torch.full((3, 3), -LN4)
    la[1, 1] = LN4
    ga = torch.zeros(3, 3, dtype=torch.long)
    ga[1, 1] = 1
    logits = torch.stack([la, torch.zeros(3, 3)])[:, None]
    target = torch.stack([ga, torch.ones(3, 3, dtype=torch.long)])
    bce = (9 * -math.log(0.8) + 9 * -math.log(0.5)) / 18
    dice_a, dice_b = 2.6 / 4.4, 10 / 14.5
    per_image_dice_loss = ((1 - dice_a) + (1 - dice_b)) / 2
    loss = bce_dice_loss(logits, target)
    assert loss.item() == pytest.approx(bce + per_image_dice_loss, abs=1e-6)
    assert loss.item() != pytest.approx(bce + 1 - 11.6 / 17.9, abs=1e-4)
    # reduction 'none': one value per image (its own BCE mean + its Dice loss); 'sum' adds them
    none = bce_dice_loss(logits, target, reduction="none")
    assert none.shape == (2,)
    assert none[0].item() == pytest.approx(-math.log(0.8) + 1 - dice_a, abs=1e-6)
    assert none[1].item() == pytest.approx(-math.log(0.5) + 1 - dice_b, abs=1e-6)
    assert bce_dice_loss(logits, target, reduction="sum").item() == pytest.approx(none.sum().item(), abs=1e-6)


def test_pixel_weight_zero_equals_ignore():
    logits = _logits([[LN4, 0.0], [-LN4, 2.0]])
    target = torch.tensor([[[1, 1], [0, 0]]])
    w = torch.tensor([[[1.0, 1.0], [1.0, 0.0]]])
    ignored = torch.tensor([[[1, 1], [0, 255]]])
    assert bce_dice_loss(logits, target, weight=w).item() == pytest.approx(
        bce_dice_loss(logits, ignored).item(), abs=1e-6)


def test_non_binary_pixel_weights_count_once_in_each_dice_sum():
    # p = [[.8, .5], [.2, .5]], g = [[1, 1], [0, 0]], w = [[2, 1], [1, .5]] (smooth = 1)
    # weighted Dice = (2*(2*.8 + 1*.5) + 1) / ((2*.8 + .5 + .2 + .5*.5) + (2 + 1) + 1) = 5.2 / 6.55
    # weighted BCE  = (2*-ln .8 + -ln .5 + -ln .8 + .5*-ln .5) / (2 + 1 + 1 + .5)
    logits = _logits([[LN4, 0.0], [-LN4, 0.0]])
    target = torch.tensor([[[1, 1], [0, 0]]])
    w = torch.tensor([[[2.0, 1.0], [1.0, 0.5]]])
    bce = (3 * -math.log(0.8) + 1.5 * -math.log(0.5)) / 4.5
    dice = 5.2 / 6.55
    assert bce_dice_loss(logits, target, weight=w).item() == pytest.approx(bce + 1 - dice, abs=1e-6)
    # a perfect, confident prediction scores Dice ~1 whatever the weights
    perfect = _logits([[20.0, 20.0], [-20.0, -20.0]])
    assert bce_dice_loss(perfect, target, weight=w, bce_weight=0).item() == pytest.approx(0.0, abs=1e-6)


def test_gradient_flows_and_decreases_loss():
    torch.manual_seed(0)
    logits = torch.randn(2, 1, 8, 8, requires_grad=True)
    target = (torch.rand(2, 8, 8) > 0.5).long()
    loss = bce_dice_loss(logits, target)
    loss.backward()
    assert logits.grad is not None and torch.isfinite(logits.grad).all()
    assert (logits.grad.abs() > 0).all()
    # gradient descent: the foreground gets pushed up, the background down
    g = logits.grad[:, 0]
    assert (g[target == 1] < 0).all() and (g[target == 0] > 0).all()
    with torch.no_grad():
        stepped = logits - 10.0 * logits.grad
    assert bce_dice_loss(stepped, target).item() < loss.item()


def test_errors():
    logits = torch.zeros(1, 1, 2, 2)
    with pytest.raises(ValueError, match="values"):
        bce_dice_loss(logits, torch.tensor([[[0, 2], [1, 0]]]))
    with pytest.raises(ValueError, match="values"):  # a 0/255 mask with ignore 255 is fine, but 0/254 not
        bce_dice_loss(logits, torch.tensor([[[0, 254], [1, 0]]]))
    with pytest.raises(ValueError, match="NaN in logits"):
        bce_dice_loss(torch.tensor([[[[0.0, float("nan")], [0.0, 0.0]]]]), torch.zeros(1, 2, 2, dtype=torch.long))
    with pytest.raises(ValueError, match="out_channels=1"):
        bce_dice_loss(torch.zeros(1, 2, 2, 2), torch.zeros(1, 2, 2, dtype=torch.long))
    with pytest.raises(ValueError, match="shape"):
        bce_dice_loss(logits, torch.zeros(1, 3, 3, dtype=torch.long))
    with pytest.raises(ValueError, match="reduction"):
        bce_dice_loss(logits, torch.zeros(1, 2, 2, dtype=torch.long), reduction="avg")


def test_l1_mask_loss_is_mean_abs_probability_error():
    # logits 0 -> p = 0.5 everywhere; image 1 target (1, 0, ignore, 1): |0.5-1| + |0.5-0| + |0.5-1| over 3 valid = 0.5
    # image 2: logit ln 3 -> p = 0.75 against 1 on all 4 pixels -> 0.25; mean over images = 0.375
    logits = torch.zeros(2, 1, 2, 2)
    logits[1] = math.log(3.0)
    target = torch.tensor([[[1, 0], [255, 1]], [[1, 1], [1, 1]]])
    assert float(l1_mask_loss(logits, target)) == pytest.approx(0.375)
    assert l1_mask_loss(logits, target, reduction="none").tolist() == pytest.approx([0.5, 0.25])
