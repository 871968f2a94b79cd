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
