"""DnCNN-SR: the denoising + x2 super-resolution CNN of Sattari et al. 2025 ("Liver margin segmentation
in abdominal CT images using U-Net and Detectron2", Sci Rep), pre-processing of the CT slices.

Strided-conv contracting path, dilated-conv bottleneck, transposed-conv expanding path with skips;
the network predicts a residual over the bicubic x2 upsampling of its input.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn

__all__ = ["DnCNNSR", "upsample"]


def upsample(x: Tensor, scale: int = 2, mode: str = "bicubic") -> Tensor:
    """Interpolate ``x`` (N,C,H,W) by an integer ``scale`` (``align_corners=False``); the SR baseline.

    Args:
        x: Image batch.
        scale: Integer up-sampling factor (1 returns ``x``).
        mode: ``"bicubic"``, ``"bilinear"`` or ``"nearest"``.

    Returns:
        The (N,C,scale*H,scale*W) interpolation (bicubic may overshoot ``[0, 1]``; clamp for display).
    """
    if scale == 1:
        return x
    kwargs = {} if mode == "nearest" else {"align_corners": False}
    return F.interpolate(x, scale_factor=scale, mode=mode, **kwargs)

class _DilatedBottleneck(nn.Module):
    """Dilated 3x3 convolutions with ReLU and a residual connection (the paper's "noise mapping")."""

    def __init__(self, channels: int, dilations: Sequence[int]) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        for d in dilations:
            layers += [nn.Conv2d(channels, channels, 3, padding=int(d), dilation=int(d)), nn.ReLU(inplace=True)]
        self.body = nn.Sequential(*layers)

    def forward(self, x: Tensor) -> Tensor:
        return x + self.body(x)

class DnCNNSR(nn.Module):
    """Denoising + super-resolution CNN of the liver paper (Methods, "DnCNN-SR"), output ``scale`` x the input.

    ``out = upsample(x, scale) + tail(expand(bottleneck(contract(head(x)))))``: a head of two 3x3
    convolutions; ``num_down`` contracting levels, each a stride-2 3x3 convolution doubling the width
    and a 3x3 convolution; a bottleneck of dilated 3x3 convolutions (``dilations``) with a residual
    connection; an expanding path of 2x2/2 transposed convolutions, each followed by concatenation with
    the contracting path's feature map of that resolution (skip connection) and a 3x3 convolution;
    ``log2(scale)`` super-resolution stages (4x4/2 transposed convolution + ReLU) above the input
    resolution; a zero-initialised 3x3 convolution to ``in_channels`` predicting the residual.
    All activations are ReLU. Inputs of any size work: they are padded (replicate) to a multiple of
    ``2**num_down`` and the output is cropped back to ``scale * (H, W)``.

    Args:
        in_channels: Image channels (1 for CT).
        base_channels: Width of the full-resolution level (doubled at each contracting level).
        num_down: Number of stride-2 contracting levels.
        dilations: Dilation of each bottleneck convolution.
        scale: Super-resolution factor, a power of 2 (1 = denoising only).
        upsample_mode: Interpolation of the global residual path (``"bicubic"``/``"bilinear"``).
    """

    def __init__(self, in_channels: int = 1, base_channels: int = 32, num_down: int = 2,
                 dilations: Sequence[int] = (1, 2, 4, 2, 1), scale: int = 2, upsample_mode: str = "bicubic") -> None:
        super().__init__()
        if scale < 1 or scale & (scale - 1):
            raise ValueError(f"scale must be a power of 2 (1, 2, 4, ...), got {scale}")
        if num_down < 1:
            raise ValueError(f"num_down must be >= 1, got {num_down}")
        if upsample_mode not in ("bicubic", "bilinear"):
            raise ValueError(f"upsample_mode must be 'bicubic' or 'bilinear', got {upsample_mode!r}")
        self.in_channels, self.scale, self.num_down, self.upsample_mode = in_channels, scale, num_down, upsample_mode
        widths = [base_channels * 2 ** i for i in range(num_down + 1)]

        def conv(cin: int, cout: int, stride: int = 1) -> nn.Sequential:
            return nn.Sequential(nn.Conv2d(cin, cout, 3, stride=stride, padding=1), nn.ReLU(inplace=True))

        self.head = nn.Sequential(conv(in_channels, widths[0]), conv(widths[0], widths[0]))
        self.down = nn.ModuleList(
            nn.Sequential(conv(widths[i], widths[i + 1], stride=2), conv(widths[i + 1], widths[i + 1]))
            for i in range(num_down))
        self.bottleneck = _DilatedBottleneck(widths[-1], dilations)
        self.up = nn.ModuleList(
            nn.Sequential(nn.ConvTranspose2d(widths[i + 1], widths[i], 2, stride=2), nn.ReLU(inplace=True))
            for i in reversed(range(num_down)))
        self.fuse = nn.ModuleList(conv(2 * widths[i], widths[i]) for i in reversed(range(num_down)))
        self.sr = nn.Sequential(*[
            nn.Sequential(nn.ConvTranspose2d(widths[0], widths[0], 4, stride=2, padding=1), nn.ReLU(inplace=True))
            for _ in range(int(math.log2(scale)))])
        self.tail = nn.Conv2d(widths[0], in_channels, 3, padding=1)
        for m in self.modules():
            if isinstance(m, nn.Conv2d | nn.ConvTranspose2d):
                nn.init.kaiming_normal_(m.weight, nonlinearity="relu")
                nn.init.zeros_(m.bias)
        nn.init.zeros_(self.tail.weight)  # untrained net == the bicubic baseline

    def forward(self, x: Tensor) -> Tensor:
        """Map a degraded (N,C,H,W) batch in [0, 1] to its (N,C,scale*H,scale*W) restoration (not clamped)."""
        if x.dim() != 4 or x.shape[1] != self.in_channels:
            raise ValueError(f"DnCNNSR expects (N,{self.in_channels},H,W) input, got {tuple(x.shape)}")
        h, w = x.shape[-2:]
        m = 2 ** self.num_down
        ph, pw = (-h) % m, (-w) % m
        xp = F.pad(x, (0, pw, 0, ph), mode="replicate") if ph or pw else x
        feats = [self.head(xp)]
        for down in self.down:
            feats.append(down(feats[-1]))
        y = self.bottleneck(feats[-1])
        for up, fuse, skip in zip(self.up, self.fuse, reversed(feats[:-1])):
            y = fuse(torch.cat([up(y), skip], dim=1))
        y = self.tail(self.sr(y))
        out = upsample(xp, self.scale, self.upsample_mode) + y
        return out[..., : h * self.scale, : w * self.scale]
