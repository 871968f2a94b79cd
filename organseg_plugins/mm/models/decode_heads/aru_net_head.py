"""ARU-Net's decoder as an mmseg decode head (Liu et al. 2025, "Attention residual network for medical
ultrasound image segmentation", Sci Rep 15:22155): multi-conv self-attention after up-sampling, channel
attention at fusion."""

from __future__ import annotations

from collections.abc import Sequence

from mmseg.models.decode_heads.decode_head import BaseDecodeHead
from mmseg.registry import MODELS
from torch import Tensor

from organseg_plugins.core.models.aru_net import ARUNetDecoder, aru_net_options
from organseg_plugins.mm.models.backbones.aru_net import WIDTHS

# The paper's loss: CE + Dice over the softmax of both classes (authors' code: 1:1, Dice incl. background).
CE_DICE_LOSS = dict(type="CEDiceLoss", ce_weight=1.0, dice_weight=1.0)


@MODELS.register_module()
class ARUNetHead(BaseDecodeHead):
    """ARU-Net decoder (up-sampling, multi-conv self-attention, channel attention, conv block) + ``conv_seg``.

    Args:
        in_channels: the five backbone widths.
        channels: width of the last decoder map (= ``in_channels[0]``), input of ``conv_seg``.
        preset: ``'paper'`` or ``'code'``.
        channel_attention / self_attention: ablation switches.
        options: overrides of the preset's decoder options (``channel_attention_type``, ``ca_ratio``,
            ``sa_stages``, ``sa_vote_bn``, ``run_channel_attention``, ``build_unused``, ``init``).
        num_classes: 2 (background, lesion; softmax).
        dropout_ratio: dropout before ``conv_seg`` (ARU-Net: none).
        loss_decode: default CE + Dice over the softmax (:data:`CE_DICE_LOSS`).
        **kwargs: further :class:`BaseDecodeHead` arguments.
    """

    def __init__(self, in_channels: Sequence[int] = WIDTHS, channels: int = 64, preset: str = "paper",
                 channel_attention: bool = True, self_attention: bool = True, options: dict | None = None,
                 num_classes: int = 2, dropout_ratio: float = 0.0, loss_decode: dict | list | None = None,
                 **kwargs) -> None:
        in_channels = list(in_channels)
        if len(in_channels) != 5 or channels != in_channels[0]:
            raise ValueError(f"ARUNetHead needs the 5 backbone widths and channels == in_channels[0], got "
                             f"in_channels={in_channels}, channels={channels}")
        kwargs.setdefault("in_index", [0, 1, 2, 3, 4])
        kwargs.setdefault("input_transform", "multiple_select")
        super().__init__(in_channels=in_channels, channels=channels, num_classes=num_classes,
                         dropout_ratio=dropout_ratio,
                         loss_decode=dict(CE_DICE_LOSS) if loss_decode is None else loss_decode, **kwargs)
        dec = {**aru_net_options(preset)["decoder"], **(options or {})}
        self.decoder = ARUNetDecoder(in_channels, channel_attention=channel_attention,
                                     self_attention=self_attention, **dec)

    def forward(self, inputs: Sequence[Tensor]) -> Tensor:
        """Logits ``(N, num_classes, H, W)`` at the input resolution."""
        return self.cls_seg(self.decoder(self._transform_inputs(inputs)))
