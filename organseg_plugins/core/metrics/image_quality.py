"""Image-quality scores of restored images: SSIM (Wang et al. 2004) and PSNR, batched torch tensors.

Used by the DnCNN-SR loss and metric (Sattari et al. 2025, Methods)."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

_REDUCTIONS = ("mean", "none")


def check_image_pair(x: Tensor, y: Tensor, name: str) -> None:
    if not isinstance(x, Tensor) or not isinstance(y, Tensor):
        raise TypeError(f"{name} expects torch tensors, got {type(x).__name__} and {type(y).__name__}")
    if x.shape != y.shape:
        raise ValueError(f"{name}: shapes differ: {tuple(x.shape)} vs {tuple(y.shape)}")
    if x.dim() != 4:
        raise ValueError(f"{name} expects (N,C,H,W) tensors, got shape {tuple(x.shape)}")


def _reduce(values: Tensor, reduction: str) -> Tensor:
    if reduction not in _REDUCTIONS:
        raise ValueError(f"reduction must be one of {_REDUCTIONS}, got {reduction!r}")
    return values.mean() if reduction == "mean" else values


def _gaussian_window(size: int, sigma: float, dtype: torch.dtype, device: torch.device) -> Tensor:
    r = torch.arange(size, dtype=torch.float64) - (size - 1) / 2
    g = torch.exp(-(r ** 2) / (2 * sigma ** 2))
    g = g / g.sum()
    return torch.outer(g, g).to(dtype=dtype, device=device)


def ssim(x: Tensor, y: Tensor, data_range: float = 1.0, win_size: int = 11, sigma: float = 1.5,
         k1: float = 0.01, k2: float = 0.03, reduction: str = "mean") -> Tensor:
    """Structural similarity (Wang et al. 2004, Eq. 13) with an 11x11 Gaussian window (sigma 1.5).

    ``SSIM = mean_w [(2 mu_x mu_y + C1)(2 sigma_xy + C2)] / [(mu_x^2 + mu_y^2 + C1)(sigma_x^2 + sigma_y^2 + C2)]``,
    ``C1 = (k1 L)^2``, ``C2 = (k2 L)^2``, local statistics Gaussian-weighted (population covariance), averaged
    over the windows fully inside the image and over channels. Differentiable (used in the loss).

    Args:
        x: (N,C,H,W) images, H and W >= ``win_size``.
        y: (N,C,H,W) reference images.
        data_range: ``L``, the dynamic range of the images (1 for [0, 1]).
        win_size: Gaussian window size (odd).
        sigma: Gaussian window standard deviation.
        k1: Stability constant of the luminance term.
        k2: Stability constant of the contrast-structure term.
        reduction: ``"mean"`` over the batch (a scalar) or ``"none"`` (one value per image, shape (N,)).

    Returns:
        SSIM in [-1, 1]; 1 for identical images.
    """
    check_image_pair(x, y, "ssim")
    if win_size % 2 != 1:
        raise ValueError(f"ssim: win_size must be odd, got {win_size}")
    if min(x.shape[-2:]) < win_size:
        raise ValueError(f"ssim: images of size {tuple(x.shape[-2:])} are smaller than the "
                         f"{win_size}x{win_size} window")
    dtype = x.dtype if x.dtype in (torch.float32, torch.float64) else torch.float32
    x, y = x.to(dtype), y.to(dtype)
    c = x.shape[1]
    win = _gaussian_window(win_size, sigma, dtype, x.device).expand(c, 1, win_size, win_size)

    def filt(t: Tensor) -> Tensor:
        return F.conv2d(t, win, groups=c)

    mu_x, mu_y = filt(x), filt(y)
    mu_xx, mu_yy, mu_xy = mu_x * mu_x, mu_y * mu_y, mu_x * mu_y
    s_xx = filt(x * x) - mu_xx
    s_yy = filt(y * y) - mu_yy
    s_xy = filt(x * y) - mu_xy
    c1, c2 = (k1 * data_range) ** 2, (k2 * data_range) ** 2
    s_map = ((2 * mu_xy + c1) * (2 * s_xy + c2)) / ((mu_xx + mu_yy + c1) * (s_xx + s_yy + c2))
    return _reduce(s_map.mean(dim=(1, 2, 3)), reduction)


def psnr(x: Tensor, y: Tensor, data_range: float = 1.0, reduction: str = "mean") -> Tensor:
    """Peak signal-to-noise ratio ``10 log10(L^2 / MSE)`` in dB, per image; ``inf`` for identical images.

    Args:
        x: (N,C,H,W) images.
        y: (N,C,H,W) reference images.
        data_range: ``L``, the dynamic range of the images (1 for [0, 1]).
        reduction: ``"mean"`` of the per-image PSNRs (a scalar) or ``"none"`` (shape (N,)).

    Returns:
        PSNR in dB (float64).
    """
    check_image_pair(x, y, "psnr")
    mse = ((x.double() - y.double()) ** 2).mean(dim=(1, 2, 3))
    return _reduce(10.0 * torch.log10(data_range ** 2 / mse), reduction)
