"""mmseg adapter of the liver paper's U-Net (Table 4): the core network as backbone + a 1x1 decode head.

Split for mmseg's ``EncoderDecoder``: :class:`LiverUNetBackbone` is Table 4 up to the last 3x3
convolution (full-resolution 16-channel decoder map), :class:`LiverUNetHead` is the final 1x1
convolution to one sigmoid logit. All the logic lives in :mod:`organseg_plugins.core.models.liver_unet`.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from mmengine.model import BaseModule
from mmseg.models.decode_heads.decode_head import BaseDecodeHead
from mmseg.models.utils import resize
from mmseg.registry import MODELS
from mmseg.utils import SampleList
from torch import Tensor

from organseg_plugins.core.models.liver_unet import TABLE4_DROPOUT, LiverUNet

# The liver paper trains the U-Net with (binary) cross-entropy: BCE-with-logits on the single channel,
# mean over the non-ignored pixels (BCEDiceLoss without its Dice term).
BCE_LOSS = dict(type="BCEDiceLoss", bce_weight=1.0, dice_weight=0.0, loss_name="loss_bce")


@MODELS.register_module()
class LiverUNetBackbone(BaseModule):
    """Table 4's U-Net without the final 1x1 convolution (Sattari et al. 2025, Table 4).

    ``forward`` returns a 1-tuple with the last decoder feature map ``(N, base_channels, H, W)`` at the
    input resolution. H and W must be multiples of ``2 ** (num_levels - 1)``.

    Args:
        in_channels: image channels (1 for the grayscale CT slices).
        base_channels: filters of the first level (16 in Table 4).
        num_levels: encoder levels including the bottleneck (5 in Table 4).
        dropout: one dropout rate per level (paper: unstated; default 0.1, 0.1, 0.2, 0.2, 0.3).
        init: ``"he_normal"`` or ``"default"`` (see :class:`organseg_plugins.core.models.liver_unet.LiverUNet`).
        init_cfg: mmengine initialisation config (e.g. a local ``Pretrained`` checkpoint).
    """

    def __init__(self, in_channels: int = 1, base_channels: int = 16, num_levels: int = 5,
                 dropout: float | Sequence[float] = TABLE4_DROPOUT, init: str = "he_normal",
                 init_cfg: dict | None = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.net = LiverUNet(in_channels=in_channels, base_channels=base_channels, num_levels=num_levels,
                             dropout=dropout, out_channels=None, init=init)
        self.out_channels = base_channels

    def forward(self, x: Tensor) -> tuple[Tensor]:
        """``(features,)``: the final decoder map, ``(N, base_channels, H, W)``."""
        return (self.net.forward_features(x),)


@MODELS.register_module()
class LiverUNetHead(BaseDecodeHead):
    """Table 4's last row: a 1x1 convolution from the 16 decoder channels to one logit (no dropout).

    mmseg's binary path: ``num_classes=2, out_channels=1, threshold=0.5`` (sigmoid > 0.5 at
    inference). The default loss is binary cross-entropy on the logit (the paper's loss), see
    ``BCE_LOSS``; mmseg's default ``CrossEntropyLoss(use_sigmoid=False)`` would be constant on one channel.
    The logged ``acc_seg`` is the pixel accuracy of ``sigmoid > threshold`` (mmseg's top-1 accuracy of a
    single channel always predicts class 0, i.e. reports the background fraction).

    Args:
        in_channels: channels of the backbone output (16).
        channels: input channels of the 1x1 convolution; must equal ``in_channels`` (nothing between).
        num_classes / out_channels / threshold: see :class:`mmseg.models.decode_heads.decode_head.BaseDecodeHead`.
        dropout_ratio: dropout before the 1x1 convolution (Table 4: none, 0).
        loss_decode: loss config(s); default binary cross-entropy.
        **kwargs: further :class:`BaseDecodeHead` arguments (``ignore_index``, ``init_cfg``...).
    """

    def __init__(self, in_channels: int = 16, channels: int = 16, num_classes: int = 2, out_channels: int = 1,
                 threshold: float = 0.5, dropout_ratio: float = 0.0, loss_decode: dict | list | None = None,
                 **kwargs) -> None:
        if in_channels != channels:
            raise ValueError(f"LiverUNetHead is a single 1x1 convolution: channels ({channels}) must equal "
                             f"in_channels ({in_channels})")
        super().__init__(in_channels=in_channels, channels=channels, num_classes=num_classes,
                         out_channels=out_channels, threshold=threshold, dropout_ratio=dropout_ratio,
                         loss_decode=dict(BCE_LOSS) if loss_decode is None else loss_decode, **kwargs)

    def forward(self, inputs: Sequence[Tensor]) -> Tensor:
        """Logits ``(N, out_channels, H, W)`` of the selected backbone output (``in_index``)."""
        return self.cls_seg(self._transform_inputs(inputs))

    def loss_by_feat(self, seg_logits: Tensor, batch_data_samples: SampleList) -> dict:
        """mmseg's losses, with ``acc_seg`` (in %) of the thresholded sigmoid when ``out_channels == 1``."""
        losses = super().loss_by_feat(seg_logits, batch_data_samples)
        if self.out_channels == 1:
            label = self._stack_batch_gt(batch_data_samples)[:, 0]
            logits = resize(seg_logits, size=label.shape[1:], mode="bilinear", align_corners=self.align_corners)
            with torch.no_grad():
                valid = label != self.ignore_index
                hit = (logits[:, 0].sigmoid() > self.threshold) == (label == 1)
                losses["acc_seg"] = 100.0 * hit[valid].float().sum() / valid.sum().clamp_min(1)
        return losses
