"""mmseg backbones of ARU-Net's baselines (U-Net++, Attention U-Net, SegNet; Liu et al. 2025, Table 2).

Each backbone returns its last full-resolution decoder map as a 1-tuple; pair it with mmseg's ``FCNHead`` with
``num_convs=0, concat_input=False`` (just the 1x1 ``conv_seg``), as ``configs/_base_/models/us_baselines.py``
does. The networks live in :mod:`organseg_plugins.core.models.us_baselines`.
"""

from __future__ import annotations

from collections.abc import Sequence

from mmengine.model import BaseModule
from mmseg.registry import MODELS
from torch import Tensor

from organseg_plugins.core.models.us_baselines import AttentionUNet, SegNet, UNetPlusPlus


class _FeatureBackbone(BaseModule):
    """Wrap a core network; ``forward`` returns ``(net.forward_features(x),)``."""

    def __init__(self, net, init_cfg: dict | None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.net = net
        self.net.classifier = None  # mmseg's conv_seg is the classifier

    def forward(self, x: Tensor) -> tuple[Tensor]:
        """``(features,)`` at the input resolution."""
        return (self.net.forward_features(x),)


@MODELS.register_module()
class UNetPlusPlusBackbone(_FeatureBackbone):
    """U-Net++ (Zhou et al. 2018) up to ``X^{0,4}``.

    Args:
        in_channels: image channels.
        widths: channels of the five levels.
        init_cfg: mmengine initialisation config.
    """

    def __init__(self, in_channels: int = 3, widths: Sequence[int] = (64, 128, 256, 512, 1024),
                 init_cfg: dict | None = None) -> None:
        super().__init__(UNetPlusPlus(in_channels, 2, widths), init_cfg)


@MODELS.register_module()
class AttentionUNetBackbone(_FeatureBackbone):
    """Attention U-Net (Oktay et al. 2018) up to the last decoder block.

    Args:
        in_channels: image channels.
        widths: channels of the five levels.
        init_cfg: mmengine initialisation config.
    """

    def __init__(self, in_channels: int = 3, widths: Sequence[int] = (64, 128, 256, 512, 1024),
                 init_cfg: dict | None = None) -> None:
        super().__init__(AttentionUNet(in_channels, 2, widths), init_cfg)


@MODELS.register_module()
class SegNetBackbone(_FeatureBackbone):
    """SegNet (Badrinarayanan et al. 2017), VGG16-BN encoder, up to the last decoder block.

    Args:
        in_channels: image channels.
        stages: ``((width, convolutions), ...)`` of the encoder.
        init_cfg: mmengine initialisation config.
    """

    def __init__(self, in_channels: int = 3,
                 stages: Sequence[Sequence[int]] = ((64, 2), (128, 2), (256, 3), (512, 3), (512, 3)),
                 init_cfg: dict | None = None) -> None:
        super().__init__(SegNet(in_channels, 2, [tuple(s) for s in stages]), init_cfg)
