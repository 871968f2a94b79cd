"""Pure-PyTorch networks of the papers (no framework import): discriminators for adversarial refinement."""

from __future__ import annotations

import torch
from torch import nn


class PatchGANDiscriminator(nn.Module):
    """Pix2Pix PatchGAN discriminator (Isola et al. 2017; spleen paper, phase 2).

    ``C64 - C128 - C256 - C512 - conv1``: 4x4 convolutions, stride 2 for the first ``num_layers``
    blocks and stride 1 for the last two (70x70 receptive field with the defaults), BatchNorm
    everywhere but the first block, LeakyReLU(0.2). Outputs one logit per patch (N, 1, h, w); the
    conditional discriminator receives ``concat(image, mask)`` (Eq. 7).

    Args:
        in_channels: image channels + mask channels (3 + 1 for a binary mask).
        base_channels: channels of the first block.
        num_layers: number of stride-2 blocks after the first (3 gives the 70x70 PatchGAN).
        norm: ``"bn"``, ``"in"`` or ``"none"``.
    """

    def __init__(self, in_channels: int = 4, base_channels: int = 64, num_layers: int = 3,
                 norm: str = "bn") -> None:
        super().__init__()

        def norm_layer(c: int) -> nn.Module:
            return {"bn": nn.BatchNorm2d, "in": nn.InstanceNorm2d}.get(norm, lambda _: nn.Identity())(c)

        layers: list[nn.Module] = [nn.Conv2d(in_channels, base_channels, 4, 2, 1), nn.LeakyReLU(0.2, True)]
        ch = base_channels
        for i in range(1, num_layers + 1):
            out = base_channels * min(2 ** i, 8)
            stride = 2 if i < num_layers else 1
            layers += [nn.Conv2d(ch, out, 4, stride, 1, bias=norm == "none"), norm_layer(out),
                       nn.LeakyReLU(0.2, True)]
            ch = out
        layers.append(nn.Conv2d(ch, 1, 4, 1, 1))
        self.model = nn.Sequential(*layers)
        for m in self.modules():  # Pix2Pix init: N(0, 0.02)
            if isinstance(m, nn.Conv2d):
                nn.init.normal_(m.weight, 0.0, 0.02)
                if m.bias is not None:
                    nn.init.zeros_(m.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model(x)


class ThreeConvDiscriminator(nn.Module):
    """Discriminator of the adversarial-constraint U-Net (Lian, Sun and Li 2025, "Extracting organs of interest from medical images based on convolutional neural network with auxiliary and refined constraints", Sci Rep).

    Three convolutions with 7x7, 5x5 and 4x4 kernels (strides unstated in the paper: 2), LeakyReLU,
    then global average pooling to one logit per image ("ending in a probability": apply a sigmoid,
    or use a BCE-with-logits loss as the training code does).

    Args:
        in_channels: channels of the judged map (mask probabilities; + image channels if conditional).
        channels: widths of the three convolutions.
        stride: stride of each convolution.
    """

    def __init__(self, in_channels: int = 1, channels: tuple[int, int, int] = (32, 64, 128), stride: int = 2) -> None:
        super().__init__()
        c1, c2, c3 = channels
        self.features = nn.Sequential(
            nn.Conv2d(in_channels, c1, 7, stride, 3), nn.LeakyReLU(0.2, True),
            nn.Conv2d(c1, c2, 5, stride, 2), nn.LeakyReLU(0.2, True),
            nn.Conv2d(c2, c3, 4, stride, 1), nn.LeakyReLU(0.2, True),
        )
        self.fc = nn.Linear(c3, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(self.features(x).mean(dim=(2, 3)))
