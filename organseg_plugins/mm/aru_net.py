"""mmseg adapter of ARU-Net (Liu et al. 2025, Sci Rep 15:22155): encoder as backbone, decoder as decode head.

:class:`ARUNetBackbone` is the stem, the four pool + residual stages and the SpConvMixer bottleneck (five maps at
strides 1..16); :class:`ARUNetHead` is the attention decoder plus mmseg's ``conv_seg`` (the 1x1 classifier).
All the logic lives in :mod:`organseg_plugins.core.models.aru_net`; ``preset='paper'`` (default) or ``'code'``
(the authors' released code) fills the open choices, keyword ``options`` override single ones.
"""

from __future__ import annotations

from collections.abc import Sequence

from mmengine.model import BaseModule
from mmseg.models.decode_heads.decode_head import BaseDecodeHead
from mmseg.registry import MODELS
from torch import Tensor

from organseg_plugins.core.models.aru_net import ARUNetDecoder, ARUNetEncoder, aru_net_options

WIDTHS = (64, 128, 256, 512, 1024)
# The paper's loss: CE + Dice over the softmax of both classes (authors' code: 1:1, Dice incl. background).
CE_DICE_LOSS = dict(type="CEDiceLoss", ce_weight=1.0, dice_weight=1.0)


@MODELS.register_module()
class ARUNetBackbone(BaseModule):
    """ARU-Net encoder + SpConvMixer bottleneck (Liu et al. 2025, "Encoder", "SpConvMixer block").

    Args:
        in_channels: image channels (3).
        widths: channels of the five levels.
        preset: ``'paper'`` or ``'code'`` (see :data:`organseg_plugins.core.models.aru_net.PRESETS`).
        residual_encoder: ablation switch (False: plain U-Net encoder blocks).
        spconvmixer: ablation switch (False: no bottleneck).
        options: overrides of the preset's encoder options (``pool``, ``mixer_kernel``, ``mixer_residual``,
            ``spatial_kernel``, ``run_spatial_attention``, ``run_mixer``, ``build_unused``, ``init``, ``mixer_depth``).
        init_cfg: mmengine initialisation config (e.g. a local checkpoint).
    """

    def __init__(self, in_channels: int = 3, widths: Sequence[int] = WIDTHS, preset: str = "paper",
                 residual_encoder: bool = True, spconvmixer: bool = True, options: dict | None = None,
                 init_cfg: dict | None = None) -> None:
        super().__init__(init_cfg=init_cfg)
        enc = {**aru_net_options(preset)["encoder"], **(options or {})}
        self.net = ARUNetEncoder(in_channels, widths, residual_encoder=residual_encoder, spconvmixer=spconvmixer,
                                 **enc)

    def forward(self, x: Tensor) -> tuple[Tensor, ...]:
        """Five feature maps ``(feat1, ..., feat5)`` at strides 1, 2, 4, 8, 16."""
        return tuple(self.net(x))


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
