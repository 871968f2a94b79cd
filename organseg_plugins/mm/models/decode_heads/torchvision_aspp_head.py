"""Decode heads of the spleen paper's Table 2 baselines as the authors counted them (``configs/spleen/baselines/paper``).

Karimi et al. 2025 (Sci Rep, spleen ultrasound) report Params/FLOPs for DeepLabV3 that match torchvision's
``deeplabv3_resnet50/101`` (without the auxiliary FCN head), not mmseg's ``ASPPHead``. mmseg has no such head, so
:class:`TorchvisionASPPHead` rebuilds torchvision's ``DeepLabHead`` from mmseg parts.
"""

from __future__ import annotations

from mmcv.cnn import ConvModule
from mmseg.models.decode_heads.aspp_head import ASPPHead
from mmseg.registry import MODELS
from torch import nn


@MODELS.register_module()
class TorchvisionASPPHead(ASPPHead):
    """torchvision's DeepLabV3 head (``torchvision.models.segmentation.deeplabv3.DeepLabHead``) in mmseg terms.

    Same ASPP branches as :class:`mmseg.models.decode_heads.ASPPHead` (image pooling + a 1x1 and three dilated
    3x3 convolutions, ``channels`` wide; torchvision: 256, rates 12/24/36), but the fusion differs: mmseg fuses
    the five branches with one 3x3 convolution (``5*channels -> channels``); torchvision projects them with a
    1x1 convolution (+ dropout 0.5) and then applies a 3x3 convolution (``channels -> channels``) before the
    1x1 classifier (mmseg's ``conv_seg``). For 256 channels that is 0.92 M parameters instead of 2.95 M.

    Args:
        project_dropout: dropout after the 1x1 projection (torchvision: 0.5).
        **kwargs: :class:`ASPPHead`'s arguments (``dilations``, ``in_channels``, ``channels``, ...).
    """

    def __init__(self, project_dropout: float = 0.5, **kwargs) -> None:
        super().__init__(**kwargs)
        conv = dict(conv_cfg=self.conv_cfg, norm_cfg=self.norm_cfg, act_cfg=self.act_cfg)
        self.bottleneck = nn.Sequential(
            ConvModule((len(self.dilations) + 1) * self.channels, self.channels, 1, **conv),
            nn.Dropout(project_dropout),
            ConvModule(self.channels, self.channels, 3, padding=1, **conv),
        )
