"""Volume-regression baselines of DeepSPV: torchvision CNNs on the views, linear regression on a measurement.

Yuan et al. 2025, "DeepSPV: a deep learning pipeline for 3D spleen volume estimation from 2D ultrasound
images" (Med Image Anal; arXiv 2411.11190) compare the RVAE with ResNet-18, VGG-16 and DenseNet-121 regressors
on the same masks, and with the clinical standard, a linear regression of the volume on the spleen length.

* :class:`CNNVolumeRegressor`: a torchvision network built from scratch (``weights=None``, no download),
  its first convolution taking ``in_channels`` views and its classifier replaced by one linear output (VGG-16:
  global average pooling + ``Linear(512, 1)`` in place of the 4096-wide classifier, which is sized for
  224-px ImageNet images, not masks).
* :class:`LinearVolumeRegressor`: ``v = a + b x`` on one scalar measurement ``x`` per case (the length, or
  length x width), fitted by gradient descent like the other models.
"""

from __future__ import annotations

import torch
import torchvision
from torch import Tensor, nn

__all__ = ["CNN_ARCHS", "CNNVolumeRegressor", "LinearVolumeRegressor"]

#: torchvision architectures of the baselines.
CNN_ARCHS = ("resnet18", "vgg16", "densenet121")


class CNNVolumeRegressor(nn.Module):
    """A torchvision classifier turned into a one-output regressor of the (scaled) volume.

    Args:
        arch: one of :data:`CNN_ARCHS`.
        in_channels: number of stacked views.
    """

    def __init__(self, arch: str = "resnet18", in_channels: int = 1) -> None:
        super().__init__()
        if arch not in CNN_ARCHS:
            raise ValueError(f"arch must be one of {CNN_ARCHS}, got {arch!r}")
        self.arch, self.in_channels = arch, int(in_channels)
        if arch == "resnet18":
            net = torchvision.models.resnet18(weights=None, num_classes=1)
            net.conv1 = nn.Conv2d(in_channels, 64, 7, 2, 3, bias=False)
        elif arch == "densenet121":
            net = torchvision.models.densenet121(weights=None, num_classes=1)
            net.features.conv0 = nn.Conv2d(in_channels, 64, 7, 2, 3, bias=False)
        else:
            net = torchvision.models.vgg16(weights=None)
            net.features[0] = nn.Conv2d(in_channels, 64, 3, 1, 1)
            net.avgpool = nn.AdaptiveAvgPool2d(1)
            net.classifier = nn.Sequential(nn.Flatten(), nn.Linear(512, 1))
        self.net = net

    def forward(self, x: Tensor) -> Tensor:
        """Scaled volume ``(N,)`` of views ``(N, in_channels, H, W)``."""
        return self.net(x).squeeze(-1)


class LinearVolumeRegressor(nn.Module):
    """``v = a + b x`` on one measurement ``x`` (already divided by its scale), ``a = b = 0`` at start."""

    def __init__(self) -> None:
        super().__init__()
        self.linear = nn.Linear(1, 1)
        nn.init.zeros_(self.linear.weight)
        nn.init.zeros_(self.linear.bias)

    def forward(self, x: Tensor) -> Tensor:
        """Scaled volume ``(N,)`` of measurements ``(N,)``."""
        return self.linear(x.float().view(-1, 1)).squeeze(-1)

    @torch.no_grad()
    def coefficients(self) -> tuple[float, float]:
        """``(a, b)``: intercept and slope."""
        return float(self.linear.bias), float(self.linear.weight)
