"""mmseg loss modules wrapping :mod:`organseg_plugins.core.losses.softmax` (CE + Dice, focal Tversky)."""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn as nn
from mmseg.registry import MODELS
from torch import Tensor

from organseg_plugins.core.losses.softmax import ce_dice_loss, focal_tversky_loss


class _SoftmaxLoss(nn.Module):
    """Shared mmseg loss interface: ``forward(pred, target, weight=None, ignore_index=255, ...)``."""

    def __init__(self, loss_weight: float, loss_name: str) -> None:
        super().__init__()
        self.loss_weight = float(loss_weight)
        self._loss_name = loss_name

    @property
    def loss_name(self) -> str:
        """Name of the loss item in the losses dict (must start with ``loss_``)."""
        return self._loss_name


@MODELS.register_module()
class CEDiceLoss(_SoftmaxLoss):
    """Cross-entropy + soft Dice over the softmax of all classes (Liu et al. 2025, "Loss function").

    See :func:`organseg_plugins.core.losses.softmax.ce_dice_loss`; the defaults are the authors' code (Dice over all
    classes incl. background, pooled over the batch, smooth 1e-5, weights 1:1). The per-pixel ``weight`` of an
    mmseg pixel sampler is not supported (an error).

    Args:
        ce_weight / dice_weight / smooth / include_background / batch: see ``ce_dice_loss``.
        class_weight: optional per-class CE weights.
        loss_weight: overall factor; loss_name: key in the losses dict.
    """

    def __init__(self, ce_weight: float = 1.0, dice_weight: float = 1.0, smooth: float = 1e-5,
                 include_background: bool = True, batch: bool = True, class_weight: Sequence[float] | None = None,
                 loss_weight: float = 1.0, loss_name: str = "loss_ce_dice") -> None:
        super().__init__(loss_weight, loss_name)
        self.options = dict(ce_weight=float(ce_weight), dice_weight=float(dice_weight), smooth=float(smooth),
                            include_background=bool(include_background), batch=bool(batch))
        self.class_weight = None if class_weight is None else torch.tensor(class_weight, dtype=torch.float32)

    def forward(self, pred: Tensor, target: Tensor, weight: Tensor | None = None, ignore_index: int = 255,
                **kwargs) -> Tensor:
        """Loss of logits ``(N, C, H, W)`` against labels ``(N, H, W)``."""
        if weight is not None:
            raise ValueError("CEDiceLoss does not take per-pixel weights (no pixel sampler)")
        return self.loss_weight * ce_dice_loss(pred, target, class_weight=self.class_weight,
                                               ignore_index=ignore_index, **self.options)


@MODELS.register_module()
class FocalTverskyLoss(_SoftmaxLoss):
    """Focal Tversky loss (Abraham & Khan 2019, Eq. 3-4) over the softmax; the alternative of Liu et al. 2025.

    ``alpha`` weighs the **false positives** by default (``alpha_weighs='fp'``, Liu et al.'s wording and MONAI's);
    ``alpha_weighs='fn'`` is Abraham & Khan's convention. See
    :func:`organseg_plugins.core.losses.softmax.focal_tversky_loss`.

    Args:
        alpha / beta / gamma / alpha_weighs / smooth / include_background / batch: see ``focal_tversky_loss``.
        loss_weight: overall factor; loss_name: key in the losses dict.
    """

    def __init__(self, alpha: float = 0.3, beta: float = 0.7, gamma: float = 4.0 / 3.0, alpha_weighs: str = "fp",
                 smooth: float = 1e-5, include_background: bool = True, batch: bool = True,
                 loss_weight: float = 1.0, loss_name: str = "loss_focal_tversky") -> None:
        super().__init__(loss_weight, loss_name)
        if alpha_weighs not in ("fp", "fn"):
            raise ValueError(f"alpha_weighs must be 'fp' or 'fn', got {alpha_weighs!r}")
        self.options = dict(alpha=float(alpha), beta=float(beta), gamma=float(gamma), alpha_weighs=alpha_weighs,
                            smooth=float(smooth), include_background=bool(include_background), batch=bool(batch))

    def forward(self, pred: Tensor, target: Tensor, weight: Tensor | None = None, ignore_index: int = 255,
                **kwargs) -> Tensor:
        """Loss of logits ``(N, C, H, W)`` against labels ``(N, H, W)``."""
        if weight is not None:
            raise ValueError("FocalTverskyLoss does not take per-pixel weights (no pixel sampler)")
        return self.loss_weight * focal_tversky_loss(pred, target, ignore_index=ignore_index, **self.options)
