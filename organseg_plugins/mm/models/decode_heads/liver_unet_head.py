"""The 1x1 sigmoid head of the liver paper's U-Net (Sattari et al. 2025, Table 4) as an mmseg decode head."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from mmseg.models.decode_heads.decode_head import BaseDecodeHead
from mmseg.models.utils import resize
from mmseg.registry import MODELS
from mmseg.utils import SampleList
from torch import Tensor

# The liver paper trains the U-Net with (binary) cross-entropy: BCE-with-logits on the single channel,
# mean over the non-ignored pixels (BCEDiceLoss without its Dice term).
BCE_LOSS = dict(type="BCEDiceLoss", bce_weight=1.0, dice_weight=0.0, loss_name="loss_bce")


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
        init_cfg: mmengine initialisation of ``conv_seg``; default ``None``: PyTorch's default, as
            :class:`~organseg_plugins.core.models.liver_unet.LiverUNet` documents (mmseg's decode-head default,
            normal with std 0.01, starts every logit near 0 and the network predicts background only for the
            first few hundred iterations of a short schedule).
        **kwargs: further :class:`BaseDecodeHead` arguments (``ignore_index``...).
    """

    def __init__(self, in_channels: int = 16, channels: int = 16, num_classes: int = 2, out_channels: int = 1,
                 threshold: float = 0.5, dropout_ratio: float = 0.0, loss_decode: dict | list | None = None,
                 init_cfg: dict | list | None = None, **kwargs) -> None:
        if in_channels != channels:
            raise ValueError(f"LiverUNetHead is a single 1x1 convolution: channels ({channels}) must equal "
                             f"in_channels ({in_channels})")
        super().__init__(in_channels=in_channels, channels=channels, num_classes=num_classes,
                         out_channels=out_channels, threshold=threshold, dropout_ratio=dropout_ratio,
                         loss_decode=dict(BCE_LOSS) if loss_decode is None else loss_decode, init_cfg=init_cfg,
                         **kwargs)

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
