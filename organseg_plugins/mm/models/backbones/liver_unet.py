"""mmseg adapter of the liver paper's U-Net (Table 4): the core network as backbone + a 1x1 decode head.

Split for mmseg's ``EncoderDecoder``: :class:`LiverUNetBackbone` is Table 4 up to the last 3x3
convolution (full-resolution 16-channel decoder map), :class:`LiverUNetHead` is the final 1x1
convolution to one sigmoid logit. All the logic lives in :mod:`organseg_plugins.core.models.liver_unet`.
"""

from __future__ import annotations

from collections.abc import Sequence

from mmengine.model import BaseModule
from mmseg.registry import MODELS
from torch import Tensor

from organseg_plugins.core.models.liver_unet import TABLE4_DROPOUT, LiverUNet


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
