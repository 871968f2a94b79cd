"""Augmentation logic of the spleen paper's Table 1, in Ultralytics semantics (framework-free).

Table 1 of Karimi et al. 2025, "Improving spleen segmentation in ultrasound images using a hybrid deep learning framework", Sci Rep tunes Ultralytics' augmentation hyper-parameters:
``hsv_h 0.0179, hsv_s 0.9, hsv_v 0.317, translate 0.11, scale 0.494, fliplr 0.34, mosaic 0.856``.
This module holds the pure logic (parameter sampling from a given random generator, the affine matrix,
the HSV look-up tables, the warps); :mod:`organseg_plugins.mm.datasets.transforms.augment` wraps it as the mmseg
transforms ``HSVRandomAug`` and ``RandomTranslateScale``.

* HSV (Ultralytics ``augment_hsv``): gains ``r = uniform(-1, 1, 3) * [hgain, sgain, vgain] + 1``
  applied through 256-entry LUTs on OpenCV's 8-bit HSV channels: hue ``(x * r_h) % 180``, saturation
  and value ``clip(x * r, 0, 255)``. All-zero gains skip the colour round trip (exact identity).
* Translate/scale (the translate and scale part of Ultralytics ``random_perspective``; degrees, shear
  and perspective are 0 in the paper): scale factor ``s ~ uniform(1 - scale, 1 + scale)`` about the
  image centre ``((W-1)/2, (H-1)/2)``, translation ``(tx, ty) ~ uniform(-translate, translate) * (W, H)``
  pixels, output size = input size. Image: bilinear, border filled with ``img_pad_val`` (Ultralytics'
  grey 114). Masks: nearest neighbour (labels stay labels); mask pixels whose source lies outside the
  image get ``seg_pad_val`` (default 255 = mmseg's ignore label, so the padding is neither organ nor
  background in the loss; set it to 0 to count it as background).
* Horizontal flip ``p=0.34`` and the 4-image mosaic ``p=0.856`` need no code here: use mmseg's own
  ``dict(type='RandomFlip', prob=0.34)`` and ``dict(type='RandomMosaic', prob=0.856)``, the latter in
  a dataset wrapped by ``dict(type='MultiImageMixDataset', ...)`` (mmseg's mosaic needs the extra
  images that the wrapper supplies).

Random parameters are drawn from the ``rng`` argument: an ``np.random.Generator`` or anything with
its ``uniform(low, high, size)`` / ``random()`` methods (``np.random.RandomState``, the ``np.random``
module).
"""

from __future__ import annotations

import cv2
import numpy as np

__all__ = ["affine_matrix", "apply_hsv", "hsv_luts", "sample_affine_params", "sample_hsv_gains",
           "warp_image", "warp_mask"]

_CV_WARP_DTYPES = (np.uint8, np.uint16, np.int16, np.float32, np.float64)


# ----------------------------------------------------------------------------------------- HSV
def sample_hsv_gains(rng, hgain: float = 0.0179, sgain: float = 0.9, vgain: float = 0.317) -> np.ndarray:
    """Random multiplicative gains ``uniform(-1, 1, 3) * [hgain, sgain, vgain] + 1`` (Ultralytics)."""
    return np.asarray(rng.uniform(-1.0, 1.0, 3), dtype=np.float64) * np.array([hgain, sgain, vgain]) + 1.0


def hsv_luts(gains) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """uint8 look-up tables (hue, saturation, value) for the gains ``(r_h, r_s, r_v)``.

    OpenCV's 8-bit hue runs over 0..179, hence the modulo 180.
    """
    r = np.asarray(gains, dtype=np.float64)
    x = np.arange(256, dtype=np.float64)
    lut_h = ((x * r[0]) % 180).astype(np.uint8)
    lut_s = np.clip(x * r[1], 0, 255).astype(np.uint8)
    lut_v = np.clip(x * r[2], 0, 255).astype(np.uint8)
    return lut_h, lut_s, lut_v


def apply_hsv(img: np.ndarray, gains) -> np.ndarray:
    """Apply HSV gains to a uint8 BGR image (H, W, 3); returns a new image.

    A single-channel image (H, W) or (H, W, 1) is treated as grey: its HSV has S = 0 and V = the
    grey value, so only the value LUT applies (the same result as the BGR round trip of a grey image).
    Gains of exactly 1 return an unchanged copy (no lossy colour-space round trip).
    """
    img = np.asarray(img)
    if img.dtype != np.uint8:
        raise ValueError(f"HSV augmentation needs a uint8 image, got {img.dtype}")
    r = np.asarray(gains, dtype=np.float64)
    if np.all(r == 1.0):
        return img.copy()
    lut_h, lut_s, lut_v = hsv_luts(r)
    if img.ndim == 2 or (img.ndim == 3 and img.shape[2] == 1):
        return cv2.LUT(img, lut_v).reshape(img.shape)
    if img.ndim != 3 or img.shape[2] != 3:
        raise ValueError(f"HSV augmentation needs an (H, W, 3) BGR image, got shape {img.shape}")
    hue, sat, val = cv2.split(cv2.cvtColor(img, cv2.COLOR_BGR2HSV))
    hsv = cv2.merge((cv2.LUT(hue, lut_h), cv2.LUT(sat, lut_s), cv2.LUT(val, lut_v)))
    return cv2.cvtColor(hsv, cv2.COLOR_HSV2BGR)


# ------------------------------------------------------------------------------ translate/scale
def sample_affine_params(rng, translate: float = 0.11, scale: float = 0.494) -> tuple[float, float, float]:
    """``(s, tx_frac, ty_frac)``: ``s ~ U(1-scale, 1+scale)``, ``t ~ U(-translate, translate)`` (fractions of W, H)."""
    if translate < 0 or scale < 0 or scale >= 1:
        raise ValueError(f"need translate >= 0 and 0 <= scale < 1, got translate={translate}, scale={scale}")
    s = float(rng.uniform(1.0 - scale, 1.0 + scale))
    tx = float(rng.uniform(-translate, translate))
    ty = float(rng.uniform(-translate, translate))
    return s, tx, ty


def affine_matrix(height: int, width: int, s: float = 1.0, tx: float = 0.0, ty: float = 0.0) -> np.ndarray:
    """2x3 float64 matrix (cv2.warpAffine convention, source -> destination): scale ``s`` about the centre
    ``((W-1)/2, (H-1)/2)``, then translate by ``(tx, ty)`` pixels (positive = right / down)."""
    cx, cy = (width - 1) / 2.0, (height - 1) / 2.0
    return np.array([[s, 0.0, (1.0 - s) * cx + tx],
                     [0.0, s, (1.0 - s) * cy + ty]], dtype=np.float64)


def warp_image(img: np.ndarray, matrix: np.ndarray, pad_val=114) -> np.ndarray:
    """Bilinear ``cv2.warpAffine`` keeping the size; outside pixels get ``pad_val`` (scalar or per channel)."""
    h, w = img.shape[:2]
    channels = 1 if img.ndim == 2 else img.shape[2]
    border = tuple(float(v) for v in np.broadcast_to(np.asarray(pad_val, dtype=np.float64), (min(channels, 4),)))
    out = cv2.warpAffine(img, np.asarray(matrix, dtype=np.float64), (w, h), flags=cv2.INTER_LINEAR,
                         borderMode=cv2.BORDER_CONSTANT, borderValue=border)
    return out.reshape(img.shape)


def warp_mask(mask: np.ndarray, matrix: np.ndarray, pad_val: int = 255) -> np.ndarray:
    """Nearest-neighbour ``cv2.warpAffine`` of a label map keeping its size and dtype; outside -> ``pad_val``."""
    h, w = mask.shape[:2]
    src = mask if mask.dtype in _CV_WARP_DTYPES else mask.astype(np.float32)  # e.g. int64 labels
    if src is not mask and mask.size and (np.abs(mask).max() >= 2 ** 24 or abs(pad_val) >= 2 ** 24):
        raise ValueError("label values too large for an exact float32 warp")
    out = cv2.warpAffine(src, np.asarray(matrix, dtype=np.float64), (w, h), flags=cv2.INTER_NEAREST,
                         borderMode=cv2.BORDER_CONSTANT, borderValue=float(pad_val))
    return out.reshape(mask.shape).astype(mask.dtype, copy=False)
