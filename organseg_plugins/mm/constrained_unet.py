"""mmseg adapter of the adversarial-constraint U-Net (Lian, Sun and Li 2025): backbone + per-stage 1x1 heads.

:class:`ConstrainedUNetBackbone` returns the decoder stages of
:class:`organseg_plugins.core.models.constrained_unet.ConstrainedUNet` listed in ``out_stages``
(default ``(5, 4)``); :class:`ConstrainedUNetHead` is a 1x1 convolution to one sigmoid logit on one
of them (``in_index``). In an mmseg ``EncoderDecoder`` the ``decode_head`` reads stage 5 (``in_index=0``,
the output, judged by D1) and the ``auxiliary_head`` stage 4 (``in_index=1``: the refined constraint's
own prediction head, judged by D2 through ``AdversarialSegmentor``'s ``source="auxiliary_head"``).
"""

from __future__ import annotations

from collections.abc import Sequence

from mmengine.model import BaseModule
from mmseg.registry import MODELS
from torch import Tensor

from organseg_plugins.core.models.constrained_unet import DEFAULT_OUT_STAGES, ConstrainedUNet

from .liver_unet import LiverUNetHead

__all__ = ["ConstrainedUNetBackbone", "ConstrainedUNetHead"]

#: The basic loss of Eq. (1) read as the text says (Dice on the probability maps), one sigmoid channel.
DICE_LOSS = dict(type="BCEDiceLoss", bce_weight=0.0, dice_weight=1.0, loss_name="loss_dice")


@MODELS.register_module()
class ConstrainedUNetBackbone(BaseModule):
    """The U-Net as an mmseg backbone: a tuple of decoder-stage maps (see :class:`ConstrainedUNet`).

    Args:
        in_channels / base_channels / num_stages / out_stages / max_channels / norm: of :class:`ConstrainedUNet`.
        init_cfg: mmengine init config (default: PyTorch's initialisation).
    """

    def __init__(self, in_channels: int = 1, base_channels: int = 32, num_stages: int = 5,
                 out_stages: Sequence[int] = DEFAULT_OUT_STAGES, max_channels: int = 512, norm: bool = True,
                 init_cfg: dict | None = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.net = ConstrainedUNet(in_channels, base_channels, num_stages, out_stages, max_channels, norm)

    def forward(self, x: Tensor) -> tuple[Tensor, ...]:
        """Decoder-stage maps in ``out_stages`` order."""
        return tuple(self.net(x))


@MODELS.register_module()
class ConstrainedUNetHead(LiverUNetHead):
    """A 1x1 convolution to one sigmoid logit on decoder stage ``in_index`` (default loss: Dice, Eq. 1).

    ``in_channels`` must equal the stage's channels (``base_channels * 2**(num_stages - stage)``, capped).
    For ``loss_decode`` use ``DICE_LOSS`` (default), ``dict(type="MaskL1Loss")`` (Eq. 1 as written), or any
    single-channel loss; the loss weight of the stage-4 head is ``w3`` of Eq. 4.
    """

    def __init__(self, in_channels: int = 32, channels: int | None = None, num_classes: int = 2,
                 out_channels: int = 1, threshold: float = 0.5, loss_decode: dict | list | None = None,
                 **kwargs) -> None:
        super().__init__(in_channels=in_channels, channels=in_channels if channels is None else channels,
                         num_classes=num_classes, out_channels=out_channels, threshold=threshold,
                         loss_decode=dict(DICE_LOSS) if loss_decode is None else loss_decode, **kwargs)
