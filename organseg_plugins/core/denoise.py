"""DnCNN-SR: joint CT denoising and x2 super-resolution of Sattari et al. 2025, "Liver margin segmentation in abdominal CT images using U-Net and Detectron2", Sci Rep (Methods).

The paper describes the network only in words: inputs normalised to ``[0, 1]``, a *contracting path* of
strided convolutions, a *bottleneck* of dilated convolutions ("noise mapping"), an *expanding path* of
transposed convolutions with skip connections from the contracting path ("super-resolution"), trained
with MSE + SSIM and evaluated by PSNR and SSIM. It gives no widths, depths, degradation model or loss
weights; the choices made here (all constructor/function arguments) are:

* The network predicts a **residual over a bicubic upsampling** of its input (ResNet-style global skip,
  the "inspired by ... ResNet" of the paper): ``out = bicubic_x2(x) + f(x)``. The last convolution is
  zero-initialised, so an untrained net is exactly the bicubic baseline and training can only start
  from there.
* Widths ``base_channels * 2**i`` per level, two stride-2 levels, bottleneck dilations ``1, 2, 4, 2, 1``
  with a residual connection, no normalisation layers (identical train/eval behaviour).
* Training pairs (:func:`degrade`): the clean slice is the high-resolution target, the input is its
  ``scale x scale`` block mean with Poisson (low-dose-like, as in the paper's Ref. 29) or Gaussian noise.

Metrics (Wang et al. 2004 for SSIM; the usual PSNR)::

    PSNR(x, y) = 10 log10(L^2 / MSE(x, y))                                  (L = data_range)
    SSIM(x, y) = mean over windows of
                 (2 mu_x mu_y + C1)(2 sigma_xy + C2) / ((mu_x^2 + mu_y^2 + C1)(sigma_x^2 + sigma_y^2 + C2))
                 C1 = (0.01 L)^2, C2 = (0.03 L)^2, 11x11 Gaussian window with sigma 1.5
    loss = w_mse * MSE(pred, target) + w_ssim * (1 - SSIM(pred, target))    (paper: "MSE and SSIM")

SSIM uses only windows that lie fully inside the image (as ``skimage.metrics.structural_similarity``
with ``gaussian_weights=True, sigma=1.5, use_sample_covariance=False``, which crops the border it pads).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .errors import OrgansegInputError
from .io.images import read_image_file

__all__ = [
    "ssim",
    "psnr",
    "mse_ssim_terms",
    "mse_ssim_loss",
    "degrade",
    "super_resolve",
    "read_gray_slice",
    "to_image_dtype",
    "NOISE_MODELS",
]

NOISE_MODELS = ("poisson", "gaussian")
_REDUCTIONS = ("mean", "none")


# --------------------------------------------------------------------------------------------
# network
# --------------------------------------------------------------------------------------------


# --------------------------------------------------------------------------------------------
# metrics and loss
# --------------------------------------------------------------------------------------------


def _check_pair(x: Tensor, y: Tensor, name: str) -> None:
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
    _check_pair(x, y, "ssim")
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
    _check_pair(x, y, "psnr")
    mse = ((x.double() - y.double()) ** 2).mean(dim=(1, 2, 3))
    return _reduce(10.0 * torch.log10(data_range ** 2 / mse), reduction)


def mse_ssim_terms(pred: Tensor, target: Tensor, data_range: float = 1.0) -> tuple[Tensor, Tensor]:
    """The two terms of the DnCNN-SR loss: ``(MSE(pred, target), 1 - SSIM(pred, target))``, batch means.

    Args:
        pred: (N,C,H,W) network output.
        target: (N,C,H,W) clean high-resolution image.
        data_range: Dynamic range for SSIM's constants.

    Returns:
        The MSE and the SSIM loss as scalar tensors (differentiable).
    """
    _check_pair(pred, target, "mse_ssim_loss")
    return F.mse_loss(pred, target), 1.0 - ssim(pred, target, data_range=data_range)


def mse_ssim_loss(pred: Tensor, target: Tensor, data_range: float = 1.0, mse_weight: float = 1.0,
                  ssim_weight: float = 1.0) -> Tensor:
    """DnCNN-SR training loss ``w_mse * MSE + w_ssim * (1 - SSIM)`` (paper: "a combination of MSE and SSIM").

    Args:
        pred: (N,C,H,W) network output.
        target: (N,C,H,W) clean high-resolution image.
        data_range: Dynamic range for SSIM's constants.
        mse_weight: Weight of the MSE term (unstated in the paper: 1).
        ssim_weight: Weight of the ``1 - SSIM`` term (unstated in the paper: 1).

    Returns:
        Scalar loss.
    """
    mse, ssim_loss = mse_ssim_terms(pred, target, data_range)
    return mse_weight * mse + ssim_weight * ssim_loss


# --------------------------------------------------------------------------------------------
# training pairs and inference
# --------------------------------------------------------------------------------------------


def degrade(clean: np.ndarray, rng: np.random.Generator | int | Sequence[int], noise: str = "poisson",
            sigma: float = 0.1, scale: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """Make a (noisy low-resolution, clean high-resolution) training pair from a clean slice.

    ``hr`` is ``clean`` (in [0, 1]) cropped to a multiple of ``scale``; ``lr`` is its ``scale x scale``
    block mean (area down-sampling) plus noise, clipped to [0, 1]:

    * ``"gaussian"``: ``lr + sigma * N(0, 1)``;
    * ``"poisson"``: ``Poisson(lr * peak) / peak`` with ``peak = 1 / sigma^2`` photons at intensity 1, a
      low-dose-CT-like signal-dependent noise (std ``sigma * sqrt(lr)``; the paper's Ref. 29 simulates
      low-dose CT with Poisson noise).

    Args:
        clean: HxW image, float in [0, 1] or uint8 (divided by 255) or uint16 (divided by 65535).
        rng: A :class:`numpy.random.Generator`, or a seed (int or sequence) for ``np.random.default_rng``:
            the same seed gives the same pair.
        noise: ``"poisson"`` or ``"gaussian"``.
        sigma: Noise standard deviation at intensity 1 (0 for no noise).
        scale: Integer down-sampling factor (>= 1).

    Returns:
        ``(lr, hr)``: float32 arrays of shapes ``(H // scale, W // scale)`` and
        ``(H // scale * scale, W // scale * scale)``.
    """
    if noise not in NOISE_MODELS:
        raise ValueError(f"noise must be one of {NOISE_MODELS}, got {noise!r}")
    if sigma < 0:
        raise ValueError(f"sigma must be >= 0, got {sigma}")
    if int(scale) != scale or scale < 1:
        raise ValueError(f"scale must be a positive integer, got {scale}")
    clean = np.asarray(clean)
    if clean.ndim != 2:
        raise ValueError(f"degrade expects an HxW grey image, got shape {clean.shape}")
    if clean.shape[0] < scale or clean.shape[1] < scale:
        raise ValueError(f"image of shape {clean.shape} is smaller than the scale {scale}")
    if not isinstance(rng, np.random.Generator):
        rng = np.random.default_rng(rng)
    hr = _to_unit_float(clean)
    h, w = (hr.shape[0] // scale) * scale, (hr.shape[1] // scale) * scale
    hr = hr[:h, :w]
    lr = hr.astype(np.float64).reshape(h // scale, scale, w // scale, scale).mean(axis=(1, 3))
    if sigma > 0:
        if noise == "gaussian":
            lr = lr + sigma * rng.standard_normal(lr.shape)
        else:
            peak = 1.0 / sigma ** 2
            lr = rng.poisson(np.clip(lr, 0.0, None) * peak) / peak
    return np.clip(lr, 0.0, 1.0).astype(np.float32), np.ascontiguousarray(hr, dtype=np.float32)


def _to_unit_float(img: np.ndarray) -> np.ndarray:
    if img.dtype == np.uint8:
        return img.astype(np.float32) / 255.0
    if img.dtype == np.uint16:
        return img.astype(np.float32) / 65535.0
    if img.dtype == bool or np.issubdtype(img.dtype, np.integer):
        raise ValueError(f"integer images must be uint8 or uint16, got {img.dtype}")
    return img.astype(np.float32, copy=False)


def read_gray_slice(path: str | os.PathLike) -> tuple[np.ndarray, np.dtype]:
    """Read a grey image slice (PNG/TIFF/...; 8 or 16 bit) as float32 in [0, 1].

    Colour images are converted to grey (OpenCV's BGR -> grey weights).

    Args:
        path: Image file.

    Returns:
        ``(image, dtype)``: the HxW float32 image and the file's dtype (uint8 or uint16), to write the
        result back at the same bit depth with :func:`to_image_dtype`.

    Raises:
        OrgansegInputError: Naming the file, if it is missing, empty, not decodable or not 8/16 bit.
    """


    path = Path(path)
    img = read_image_file(path)
    if img.dtype not in (np.uint8, np.uint16):
        raise OrgansegInputError(f"image file {str(path)!r} has pixel type {img.dtype}; expected 8 or 16 bit")
    if img.ndim == 3:
        code = cv2.COLOR_BGRA2GRAY if img.shape[2] == 4 else cv2.COLOR_BGR2GRAY
        img = img[..., 0] if img.shape[2] == 1 else cv2.cvtColor(img, code)
    return _to_unit_float(img), img.dtype


def to_image_dtype(img: np.ndarray, dtype: np.dtype | type = np.uint8) -> np.ndarray:
    """Convert a float image in [0, 1] to uint8 (x255) or uint16 (x65535), clipped and rounded.

    Args:
        img: Float image.
        dtype: ``np.uint8`` or ``np.uint16``.

    Returns:
        The integer image.
    """
    dtype = np.dtype(dtype)
    if dtype not in (np.uint8, np.uint16):
        raise ValueError(f"dtype must be uint8 or uint16, got {dtype}")
    top = float(np.iinfo(dtype).max)
    return np.clip(np.rint(np.asarray(img, dtype=np.float64) * top), 0, top).astype(dtype)


@torch.no_grad()
def super_resolve(net: nn.Module, image: np.ndarray, device: str | torch.device = "cpu") -> np.ndarray:
    """Run a trained DnCNN-SR on one HxW float image in [0, 1]; return the restored image clipped to [0, 1].

    Args:
        net: The network (put in eval mode here).
        image: HxW float image in [0, 1].
        device: Device to run on.

    Returns:
        The float32 output of shape ``scale * (H, W)``.
    """
    image = np.asarray(image, dtype=np.float32)
    if image.ndim != 2:
        raise ValueError(f"super_resolve expects an HxW image, got shape {image.shape}")
    net.eval()
    x = torch.from_numpy(np.ascontiguousarray(image))[None, None].to(device)
    out = net(x).clamp_(0.0, 1.0)
    return out[0, 0].float().cpu().numpy()
