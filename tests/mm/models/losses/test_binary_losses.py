"""BCEDiceLoss in mmseg: registry, a real decode head's loss_by_feat, and the 1-channel DiceLoss pitfall."""

import math

import pytest
import torch
from mmengine.registry import init_default_scope
from mmengine.structures import PixelData
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample

import organseg_plugins.mm  # noqa: F401  (registers BCEDiceLoss)
from organseg_plugins.core.losses.binary import bce_dice_loss
from organseg_plugins.mm.models.losses.binary_losses import (
    BCEDiceLoss,
    MaskL1Loss,
)

LN4 = math.log(4.0)


@pytest.fixture(autouse=True)
def _scope():
    init_default_scope("mmseg")


def _samples(labels):
    out = []
    for lab in labels:
        s = SegDataSample()
        s.gt_sem_seg = PixelData(data=lab[None].long())
        s.set_metainfo(dict(img_shape=tuple(lab.shape), ori_shape=tuple(lab.shape)))
        out.append(s)
    return out


def test_built_from_config_with_weights_and_name():
    loss = MODELS.build(dict(type="BCEDiceLoss", bce_weight=2.0, dice_weight=0.5, loss_weight=3.0,
                             loss_name="loss_seg"))
    assert isinstance(loss, BCEDiceLoss) and loss.loss_name == "loss_seg"
    torch.manual_seed(0)
    pred = torch.randn(2, 1, 6, 6)
    target = (torch.rand(2, 6, 6) > 0.5).long()
    target[0, 0, 0] = 255
    expected = 3.0 * bce_dice_loss(pred, target, bce_weight=2.0, dice_weight=0.5)
    assert loss(pred, target).item() == pytest.approx(expected.item(), rel=1e-6)
    # the head's ignore_index is honoured
    target[0, 0, 0] = 7  # the 255 becomes 7: with ignore_index=7 the loss must accept and ignore it
    assert loss(pred, target, ignore_index=7).item() == pytest.approx(
        3.0 * bce_dice_loss(pred, target, bce_weight=2.0, dice_weight=0.5, ignore_index=7).item(), rel=1e-6)
    with pytest.raises(ValueError, match="out_channels=1"):
        loss(torch.randn(2, 2, 6, 6), target)


def test_in_real_fcn_head_loss_by_feat():
    head = MODELS.build(dict(type="FCNHead", in_channels=8, channels=8, num_convs=1, num_classes=2, out_channels=1,
                             threshold=0.5, norm_cfg=dict(type="BN"), loss_decode=dict(type="BCEDiceLoss")))
    torch.manual_seed(0)
    labels = (torch.rand(2, 16, 16) > 0.6).long()
    labels[1, :3, :] = 255  # ignore band
    logits = torch.randn(2, 1, 16, 16, requires_grad=True)  # same size as the labels: the resize is identity
    losses = head.loss_by_feat(logits, _samples(labels))
    assert "loss_bce_dice" in losses
    expected = bce_dice_loss(logits.detach(), labels)
    assert losses["loss_bce_dice"].item() == pytest.approx(expected.item(), rel=1e-5)
    losses["loss_bce_dice"].backward()
    assert logits.grad.abs().sum() > 0
    assert (logits.grad[1, 0, :3] == 0).all()  # ignored pixels get no gradient
    # end to end through the head's convs: features -> loss -> parameter gradients
    feats = [torch.randn(2, 8, 8, 8)]
    head.train()
    out = head.loss(feats, _samples(labels), train_cfg=dict())
    out["loss_bce_dice"].backward()
    assert head.conv_seg.weight.grad is not None and head.conv_seg.weight.grad.abs().sum() > 0


def test_differs_from_mmseg_dice_loss_on_one_channel():
    # Input: one image, p = [[.8, .5], [.2, .5]] (logits ln4, 0, -ln4, 0), target g = [[1, 1], [0, 0]].
    # Hand value of the foreground Dice loss with smooth 1 (our BCEDiceLoss with bce_weight=0):
    #   1 - (2*(.8+.5) + 1) / ((.8+.5+.2+.5) + 2 + 1) = 1 - 3.6/5 = 0.28
    # mmseg's DiceLoss(naive_dice=True, eps=1) computes the same formula, but with out_channels=1 its
    # _expand_onehot_labels_dice one-hot encodes the target into num_classes + 1 = 2 columns and keeps
    # column 0, i.e. the BACKGROUND indicator (1 - g) = [[0, 0], [1, 1]]; so it scores p against the
    # background: 1 - (2*(.2+.5) + 1) / (2.0 + 2 + 1) = 1 - 2.4/5 = 0.52, and its gradient would push
    # the foreground logit towards the background.
    from mmseg.models.losses import DiceLoss

    pred = torch.tensor([[[[LN4, 0.0], [-LN4, 0.0]]]])
    target = torch.tensor([[[1, 1], [0, 0]]])
    ours = BCEDiceLoss(bce_weight=0.0, dice_weight=1.0)(pred, target).item()
    theirs = DiceLoss(use_sigmoid=True, naive_dice=True, eps=1.0)(pred, target).item()
    assert ours == pytest.approx(0.28, abs=1e-6)
    assert theirs != pytest.approx(0.28, abs=1e-3)
    assert theirs == pytest.approx(0.52, abs=1e-6)  # the background-vs-p value, as explained above


def test_mask_l1_loss_registered_and_weighted():
    init_default_scope("mmseg")
    loss = MODELS.build(dict(type="MaskL1Loss", loss_weight=2.0))
    assert isinstance(loss, MaskL1Loss) and loss.loss_name == "loss_l1"
    # p = 0.5 against (1, 0, 1, 1): mean |p - g| = 0.5; x 2
    value = loss(torch.zeros(1, 1, 2, 2), torch.tensor([[[1, 0], [1, 1]]]))
    assert float(value) == pytest.approx(1.0)
