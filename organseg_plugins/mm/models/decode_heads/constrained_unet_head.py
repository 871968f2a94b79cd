"""The constrained U-Net's heads (Lian, Sun and Li 2025): the final output and the stage-4 auxiliary output."""

from __future__ import annotations

from mmseg.registry import MODELS

from organseg_plugins.mm.models.decode_heads.liver_unet_head import LiverUNetHead

#: The basic loss of Eq. (1) read as the text says (Dice on the probability maps), one sigmoid channel.
DICE_LOSS = dict(type="BCEDiceLoss", bce_weight=0.0, dice_weight=1.0, loss_name="loss_dice")


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
