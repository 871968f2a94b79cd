"""mmseg adapter of ARU-Net (Liu et al. 2025, Sci Rep 15:22155): encoder as backbone, decoder as decode head.

:class:`ARUNetBackbone` is the stem, the four pool + residual stages and the SpConvMixer bottleneck (five maps at
strides 1..16); :class:`ARUNetHead` is the attention decoder plus mmseg's ``conv_seg`` (the 1x1 classifier).
All the logic lives in :mod:`organseg_plugins.core.models.aru_net`; ``preset='paper'`` (default) or ``'code'``
(the authors' released code) fills the open choices, keyword ``options`` override single ones.
"""

from __future__ import annotations

from collections.abc import Sequence

from mmengine.model import BaseModule
from mmseg.registry import MODELS
from torch import Tensor

from organseg_plugins.core.models.aru_net import ARUNetEncoder, aru_net_options

WIDTHS = (64, 128, 256, 512, 1024)


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
