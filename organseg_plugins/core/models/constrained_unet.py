"""The U-Net constrained by discriminators (Lian, Sun and Li 2025), in plain PyTorch, exposing decoder stages.

Lian, Sun and Li 2025, "Extracting organs of interest from medical images based on convolutional
neural network with auxiliary and refined constraints", Sci Rep, build on U-Net (Ronneberger et al.
2015) and speak of segmentors "with five and four deconvolutional layers" (Fig. 1): the basic loss
and discriminator D1 take the probability maps of the fifth deconvolutional layer (the output), D2
and a second basic loss those of the fourth (Eq. 4). The paper gives no widths, depth or norms. The
reading here (every choice an option):

* ``num_stages`` = 5 down-samplings and 5 decoder stages; decoder stage ``s`` (1..5) is a 2x2
  stride-2 transposed convolution ("deconvolutional layer") + concatenation with the encoder map of
  the same size + two 3x3 conv-BN-ReLU; its output has ``H / 2**(num_stages - s)`` rows, so stage 5 is
  at full resolution and stage 4 at half resolution.
* Encoder level ``l`` (0..5): two 3x3 conv-BN-ReLU with ``min(base_channels * 2**l, max_channels)``
  channels, max-pooling 2x2 between levels; the input size must be a multiple of ``2**num_stages``.
* :meth:`ConstrainedUNet.forward` returns the outputs of the decoder stages in ``out_stages`` (default
  ``(5, 4)``: the final map for the main head, the fourth stage for the refined constraint's own
  prediction head); heads are 1x1 convolutions outside this module.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

__all__ = ["ConstrainedUNet", "DEFAULT_OUT_STAGES"]

#: Decoder stages returned by default: the output (5th deconvolution) and the stage D2 judges (4th).
DEFAULT_OUT_STAGES = (5, 4)


def _block(cin: int, cout: int, norm: bool) -> nn.Sequential:
    layers: list[nn.Module] = []
    for c in (cin, cout):
        layers += [nn.Conv2d(c, cout, 3, padding=1, bias=not norm)]
        if norm:
            layers.append(nn.BatchNorm2d(cout))
        layers.append(nn.ReLU(inplace=True))
    return nn.Sequential(*layers)


class ConstrainedUNet(nn.Module):
    """U-Net returning the feature maps of chosen decoder stages (see the module docstring).

    Args:
        in_channels: image channels (1 for CT slices).
        base_channels: channels of the full-resolution level.
        num_stages: number of down-samplings = decoder stages (the paper's 5 deconvolutional layers).
        out_stages: decoder stages (1..num_stages) to return, in this order.
        max_channels: channel cap of the deep levels.
        norm: BatchNorm after each 3x3 convolution.
    """

    def __init__(self, in_channels: int = 1, base_channels: int = 32, num_stages: int = 5,
                 out_stages: Sequence[int] = DEFAULT_OUT_STAGES, max_channels: int = 512, norm: bool = True) -> None:
        super().__init__()
        if num_stages < 1:
            raise ValueError(f"num_stages must be >= 1, got {num_stages}")
        stages = [int(s) for s in out_stages]
        if not stages or any(not 1 <= s <= num_stages for s in stages) or len(set(stages)) != len(stages):
            raise ValueError(f"out_stages must be distinct stages in 1..{num_stages}, got {list(out_stages)}")
        self.num_stages = int(num_stages)
        self.out_stages = tuple(stages)
        widths = [min(base_channels * 2 ** level, max_channels) for level in range(num_stages + 1)]
        self.widths = widths
        self.encoder = nn.ModuleList([_block(in_channels, widths[0], norm)] +
                                     [_block(widths[i - 1], widths[i], norm) for i in range(1, num_stages + 1)])
        self.pool = nn.MaxPool2d(2)
        self.up = nn.ModuleList()
        self.decoder = nn.ModuleList()
        for s in range(1, num_stages + 1):  # stage s brings level num_stages - s + 1 up to level num_stages - s
            deep, skip = widths[num_stages - s + 1], widths[num_stages - s]
            self.up.append(nn.ConvTranspose2d(deep, skip, 2, stride=2))
            self.decoder.append(_block(2 * skip, skip, norm))

    def stage_channels(self, stage: int) -> int:
        """Channels of decoder stage ``stage``'s output."""
        return self.widths[self.num_stages - stage]

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        """``[feature map of stage s for s in out_stages]``; stage ``s`` has ``H / 2**(num_stages - s)`` rows."""
        factor = 2 ** self.num_stages
        if x.shape[-1] % factor or x.shape[-2] % factor:
            raise ValueError(f"input size {tuple(x.shape[-2:])} must be a multiple of 2**num_stages = {factor} "
                             "(pad it: SegDataPreProcessor(size_divisor=...))")
        skips = []
        for level, enc in enumerate(self.encoder):
            x = enc(x if level == 0 else self.pool(x))
            skips.append(x)
        outs: dict[int, torch.Tensor] = {}
        for s in range(1, self.num_stages + 1):
            x = self.decoder[s - 1](torch.cat([self.up[s - 1](x), skips[self.num_stages - s]], dim=1))
            outs[s] = x
        return [outs[s] for s in self.out_stages]
