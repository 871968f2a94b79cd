"""Degraded training pairs for DnCNN-SR: block-mean down-sampling plus Poisson or Gaussian noise
(Sattari et al. 2025, Methods; low-dose CT simulated with Poisson noise, the paper's Ref. 29)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from organseg_plugins.core.io.gray_slices import to_unit_float

NOISE_MODELS = ("poisson", "gaussian")


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
    hr = to_unit_float(clean)
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
