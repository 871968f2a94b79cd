"""mmseg loss modules wrapping the framework-free losses of :mod:`organseg_plugins.core.losses.binary`."""

from __future__ import annotations

import torch.nn as nn
from mmseg.registry import MODELS
from torch import Tensor

from organseg_plugins.core.losses.binary import bce_dice_loss, l1_mask_loss


@MODELS.register_module()
class BCEDiceLoss(nn.Module):
    """BCE + Dice on a single-channel sigmoid output (spleen paper Eq. 1-3) for mmseg decode heads.

    Use it in a decode head with ``num_classes=2, out_channels=1, threshold=0.5`` and
    ``loss_decode=dict(type='BCEDiceLoss')``. The decode head passes its ``ignore_index``; pixels with
    that label are left out of both terms. Dice is computed per image and averaged; BCE is the mean
    over the batch's valid pixels (see :func:`organseg_plugins.core.losses.binary.bce_dice_loss`).

    mmseg's own ``DiceLoss`` is wrong for ``out_channels=1``: it one-hot encodes the target into
    ``num_classes + 1 = 2`` columns and keeps the first, i.e. the *background* indicator, so it
    pushes the foreground logit towards the background. This loss uses the 0/1 target directly.

    Args:
        bce_weight: weight of the BCE term.
        dice_weight: weight of the ``1 - Dice`` term.
        smooth: Dice smoothing (numerator and denominator).
        loss_weight: overall factor (mmseg convention).
        loss_name: key of the loss in the losses dict; must start with ``loss_`` to be back-propagated.
    """

    def __init__(self, bce_weight: float = 1.0, dice_weight: float = 1.0, smooth: float = 1.0,
                 loss_weight: float = 1.0, loss_name: str = "loss_bce_dice") -> None:
        super().__init__()
        self.bce_weight = float(bce_weight)
        self.dice_weight = float(dice_weight)
        self.smooth = float(smooth)
        self.loss_weight = float(loss_weight)
        self._loss_name = loss_name

    def forward(self, pred: Tensor, target: Tensor, weight: Tensor | None = None, ignore_index: int = 255,
                reduction_override: str | None = None, **kwargs) -> Tensor:
        """Loss of logits ``pred`` (N,1,H,W) against labels ``target`` (N,H,W).

        ``weight``: optional per-pixel weights (N,H,W) as produced by an mmseg pixel sampler.
        ``reduction_override``: ``'mean'`` (default), ``'sum'`` or ``'none'`` (per image).
        Other keyword arguments of the mmseg loss interface (``avg_factor``) are accepted and unused.
        """
        if pred.dim() == 4 and pred.shape[1] != 1:
            raise ValueError(f"BCEDiceLoss needs a single-channel output, got pred {tuple(pred.shape)}: "
                             "set the decode head's out_channels=1 (num_classes=2, threshold=0.5)")
        loss = bce_dice_loss(pred, target, bce_weight=self.bce_weight, dice_weight=self.dice_weight,
                             ignore_index=ignore_index, smooth=self.smooth,
                             reduction=reduction_override or "mean", weight=weight)
        return self.loss_weight * loss

    @property
    def loss_name(self) -> str:
        """Name of the loss item in the losses dict."""
        return self._loss_name

    def extra_repr(self) -> str:
        return (f"bce_weight={self.bce_weight}, dice_weight={self.dice_weight}, smooth={self.smooth}, "
                f"loss_weight={self.loss_weight}, loss_name={self._loss_name!r}")


@MODELS.register_module()
class MaskL1Loss(nn.Module):
    """L1 basic loss on a single-channel sigmoid output (Lian, Sun and Li 2025, Sci Rep, Eq. 1), for mmseg heads.

    The option beside the Dice basic loss of the adversarial-constraint U-Net configs; see
    :func:`organseg_plugins.core.losses.binary.l1_mask_loss`.

    Args:
        loss_weight: overall factor (mmseg convention).
        loss_name: key in the losses dict (must start with ``loss_``).
    """

    def __init__(self, loss_weight: float = 1.0, loss_name: str = "loss_l1") -> None:
        super().__init__()
        self.loss_weight = float(loss_weight)
        self._loss_name = loss_name

    def forward(self, pred: Tensor, target: Tensor, weight: Tensor | None = None, ignore_index: int = 255,
                reduction_override: str | None = None, **kwargs) -> Tensor:
        """Loss of logits ``pred`` (N,1,H,W) against labels ``target`` (N,H,W); ``weight`` is not supported."""
        if weight is not None:
            raise ValueError("MaskL1Loss takes no pixel weights (no pixel sampler)")
        return self.loss_weight * l1_mask_loss(pred, target, ignore_index=ignore_index,
                                               reduction=reduction_override or "mean")

    @property
    def loss_name(self) -> str:
        """Name of the loss item in the losses dict."""
        return self._loss_name
