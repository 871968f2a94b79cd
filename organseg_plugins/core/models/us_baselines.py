"""The baselines ARU-Net is compared with (Liu et al. 2025, "Attention residual network for medical ultrasound
image segmentation", Sci Rep 15:22155, Table 2) in plain PyTorch: U-Net++, Attention U-Net and SegNet.

Each returns the last full-resolution feature map from ``forward_features`` and logits from ``forward`` (a
1x1 classifier), so the mmseg adapter can split it into backbone + the usual 1x1 ``conv_seg`` head. Widths
default to the classic ``(64, 128, 256, 512, 1024)``; all blocks are conv3x3-BN-ReLU twice.

* :class:`UNetPlusPlus` -- Zhou et al. 2018, "UNet++: A nested U-Net architecture for medical image
  segmentation" (DLMIA): nested dense skip nodes ``X^{i,j} = conv(cat(X^{i,0..j-1}, up(X^{i+1,j-1})))``
  (bilinear x2 up-sampling); the output is ``X^{0,4}`` (no deep supervision).
* :class:`AttentionUNet` -- Oktay et al. 2018, "Attention U-Net: Learning where to look for the pancreas"
  (MIDL): additive attention gates ``x * sigmoid(psi(ReLU(W_x x + W_g g)))`` on each skip, the gating signal
  being the up-sampled decoder map (the common implementation); up-sampling nearest x2 + conv3x3-BN-ReLU.
* :class:`SegNet` -- Badrinarayanan et al. 2017, "SegNet: A deep convolutional encoder-decoder architecture for
  image segmentation" (TPAMI): VGG16-BN encoder (2-2-3-3-3 convolutions, 64-128-256-512-512), 2x2 max pooling
  with indices, max-unpooling decoder mirrored (no skip concatenation).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn

__all__ = ["AttentionGate", "AttentionUNet", "SegNet", "UNetPlusPlus", "double_conv"]


def double_conv(cin: int, cout: int) -> nn.Sequential:
    """conv3x3-BN-ReLU twice (``cin -> cout -> cout``)."""
    return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True),
                         nn.Conv2d(cout, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


def _five_widths(widths: Sequence[int]) -> list[int]:
    """The five level widths as ints (one rule for every five-level baseline)."""
    w = [int(c) for c in widths]
    if len(w) != 5:
        raise ValueError(f"widths must be 5 channel counts, got {w}")
    return w


def _check(x: Tensor, in_channels: int, divisor: int, name: str) -> None:
    if x.dim() != 4 or x.shape[1] != in_channels:
        raise ValueError(f"{name} expects (N, {in_channels}, H, W), got {tuple(x.shape)}")
    if x.shape[-2] % divisor or x.shape[-1] % divisor:
        raise ValueError(f"{name} input {x.shape[-2]}x{x.shape[-1]} is not a multiple of {divisor}")


class UNetPlusPlus(nn.Module):
    """U-Net++ (Zhou et al. 2018) without deep supervision; see the module docstring.

    Args:
        in_channels: image channels.
        num_classes: logits of ``forward``.
        widths: channels of the five levels.
    """

    size_divisor = 16

    def __init__(self, in_channels: int = 3, num_classes: int = 2, widths: Sequence[int] = (64, 128, 256, 512, 1024)
                 ) -> None:
        super().__init__()
        w = _five_widths(widths)
        self.in_channels, self.widths = in_channels, tuple(w)
        self.pool = nn.MaxPool2d(2, 2)
        self.nodes = nn.ModuleDict()
        for i in range(5):
            self.nodes[f"{i}_0"] = double_conv(in_channels if i == 0 else w[i - 1], w[i])
        for j in range(1, 5):
            for i in range(5 - j):
                self.nodes[f"{i}_{j}"] = double_conv(w[i] * j + w[i + 1], w[i])
        self.classifier = nn.Conv2d(w[0], num_classes, 1)

    def forward_features(self, x: Tensor) -> Tensor:
        """``X^{0,4}``: ``(N, widths[0], H, W)``."""
        _check(x, self.in_channels, self.size_divisor, "UNetPlusPlus")
        grid: dict[tuple[int, int], Tensor] = {}
        for i in range(5):
            grid[i, 0] = self.nodes[f"{i}_0"](x if i == 0 else self.pool(grid[i - 1, 0]))
        for j in range(1, 5):
            for i in range(5 - j):
                up = F.interpolate(grid[i + 1, j - 1], scale_factor=2, mode="bilinear", align_corners=False)
                grid[i, j] = self.nodes[f"{i}_{j}"](torch.cat([*(grid[i, k] for k in range(j)), up], dim=1))
        return grid[0, 4]

    def forward(self, x: Tensor) -> Tensor:
        """Logits ``(N, num_classes, H, W)``."""
        return self.classifier(self.forward_features(x))


class AttentionGate(nn.Module):
    """Additive attention gate (Oktay et al. 2018): ``x * sigmoid(BN(psi(ReLU(BN(W_x x) + BN(W_g g)))))``.

    Args:
        x_channels: channels of the skip map ``x``.
        g_channels: channels of the gating map ``g`` (same size as ``x``).
        inter_channels: channels of the intermediate map.
    """

    def __init__(self, x_channels: int, g_channels: int, inter_channels: int) -> None:
        super().__init__()
        self.w_x = nn.Sequential(nn.Conv2d(x_channels, inter_channels, 1), nn.BatchNorm2d(inter_channels))
        self.w_g = nn.Sequential(nn.Conv2d(g_channels, inter_channels, 1), nn.BatchNorm2d(inter_channels))
        self.psi = nn.Sequential(nn.Conv2d(inter_channels, 1, 1), nn.BatchNorm2d(1), nn.Sigmoid())

    def forward(self, x: Tensor, g: Tensor) -> Tensor:
        """``x`` scaled by the attention coefficients (same shape as ``x``)."""
        return x * self.psi(torch.relu(self.w_x(x) + self.w_g(g)))


class AttentionUNet(nn.Module):
    """Attention U-Net (Oktay et al. 2018); see the module docstring.

    Args:
        in_channels: image channels.
        num_classes: logits of ``forward``.
        widths: channels of the five levels.
    """

    size_divisor = 16

    def __init__(self, in_channels: int = 3, num_classes: int = 2, widths: Sequence[int] = (64, 128, 256, 512, 1024)
                 ) -> None:
        super().__init__()
        w = _five_widths(widths)
        self.in_channels, self.widths = in_channels, tuple(w)
        self.pool = nn.MaxPool2d(2, 2)
        self.enc = nn.ModuleList(double_conv(in_channels if i == 0 else w[i - 1], w[i]) for i in range(5))
        self.ups = nn.ModuleList(nn.Sequential(nn.Upsample(scale_factor=2, mode="nearest"),
                                               nn.Conv2d(w[i + 1], w[i], 3, padding=1), nn.BatchNorm2d(w[i]),
                                               nn.ReLU(inplace=True)) for i in range(3, -1, -1))
        self.gates = nn.ModuleList(AttentionGate(w[i], w[i], max(1, w[i] // 2)) for i in range(3, -1, -1))
        self.dec = nn.ModuleList(double_conv(2 * w[i], w[i]) for i in range(3, -1, -1))
        self.classifier = nn.Conv2d(w[0], num_classes, 1)

    def forward_features(self, x: Tensor) -> Tensor:
        """The last decoder map ``(N, widths[0], H, W)``."""
        _check(x, self.in_channels, self.size_divisor, "AttentionUNet")
        skips = []
        for i, block in enumerate(self.enc):
            x = block(x if i == 0 else self.pool(x))
            skips.append(x)
        x = skips.pop()
        for up, gate, dec in zip(self.ups, self.gates, self.dec):
            g = up(x)
            skip = skips.pop()
            x = dec(torch.cat([gate(skip, g), g], dim=1))
        return x

    def forward(self, x: Tensor) -> Tensor:
        """Logits ``(N, num_classes, H, W)``."""
        return self.classifier(self.forward_features(x))


_VGG16 = ((64, 2), (128, 2), (256, 3), (512, 3), (512, 3))


def _conv_stack(cin: int, cout: int, n: int) -> nn.Sequential:
    layers: list[nn.Module] = []
    for k in range(n):
        layers += [nn.Conv2d(cin if k == 0 else cout, cout, 3, padding=1), nn.BatchNorm2d(cout), nn.ReLU(inplace=True)]
    return nn.Sequential(*layers)


class SegNet(nn.Module):
    """SegNet (Badrinarayanan et al. 2017) with a VGG16-BN encoder; see the module docstring.

    The decoder of stage ``s`` unpools with the encoder's indices and applies as many conv3x3-BN-ReLU as the
    encoder stage, the last one mapping to the next (shallower) stage's width (64 for the first).

    Args:
        in_channels: image channels.
        num_classes: logits of ``forward``.
        stages: ``((width, convolutions), ...)`` of the encoder (VGG16: 64x2, 128x2, 256x3, 512x3, 512x3).
    """

    def __init__(self, in_channels: int = 3, num_classes: int = 2,
                 stages: Sequence[tuple[int, int]] = _VGG16) -> None:
        super().__init__()
        st = [(int(c), int(n)) for c, n in stages]
        self.in_channels, self.stages = in_channels, tuple(st)
        self.size_divisor = 2 ** len(st)
        self.enc = nn.ModuleList(_conv_stack(in_channels if i == 0 else st[i - 1][0], c, n) for i, (c, n) in enumerate(st))
        self.dec = nn.ModuleList()
        for i in range(len(st) - 1, -1, -1):
            c, n = st[i]
            out = st[i - 1][0] if i > 0 else st[0][0]
            layers = list(_conv_stack(c, c, n - 1)) if n > 1 else []
            layers += [nn.Conv2d(c, out, 3, padding=1), nn.BatchNorm2d(out), nn.ReLU(inplace=True)]
            self.dec.append(nn.Sequential(*layers))
        self.classifier = nn.Conv2d(st[0][0], num_classes, 1)

    def forward_features(self, x: Tensor) -> Tensor:
        """The last decoder map ``(N, stages[0] width, H, W)``."""
        _check(x, self.in_channels, self.size_divisor, "SegNet")
        pooled = []
        for block in self.enc:
            x = block(x)
            size = x.shape[-2:]
            x, idx = F.max_pool2d(x, 2, 2, return_indices=True)
            pooled.append((idx, size))
        for block in self.dec:
            idx, size = pooled.pop()
            x = block(F.max_unpool2d(x, idx, 2, 2, output_size=size))
        return x

    def forward(self, x: Tensor) -> Tensor:
        """Logits ``(N, num_classes, H, W)``."""
        return self.classifier(self.forward_features(x))
