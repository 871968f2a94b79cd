"""Synthetic (prediction, ground truth) mask pairs for speed benchmarks and metric checks.

Each generator returns a :class:`MaskPair` of 0/1 ``uint8`` arrays of the same shape: an organ-like ground
truth and a prediction that overlaps it imperfectly (shifted, deformed, with a notch or a false-positive
island), so that every metric of :mod:`organseg_plugins.core.metrics` has work to do. The pair depends only
on the arguments (the random numbers come from ``numpy.random.default_rng(seed)``).

* :func:`perturbed_disc_pair` -- 2-D: a wobbly rotated ellipse ~150 px across at 512 x 512 and a second,
  differently wobbled one (the 2-D pair of ``tools/analysis/speed_metrics.py``);
* :func:`close_disc_pair` -- 2-D: the same ground truth and a prediction within about 2 px of it (a good
  model's output, the usual case at validation time);
* :func:`shifted_ellipsoid_pair` -- 3-D: an ellipsoid and a shifted, resized one whose slices are dilated at
  random, plus a false-positive box (the 3-D pair of ``tools/analysis/speed_metrics.py``);
* :func:`rough_ellipsoid_pair` -- 3-D: an ellipsoid with a smooth random boundary and its rolled copy,
  dilated in one corner (``tools/analysis/speed_volume_eval.py``'s pair).

The geometry is given at a reference size (512 px in-plane, 100 slices) and scaled to the requested one,
so at the defaults the pairs are exactly those the benchmarks have always timed.
"""

from __future__ import annotations

from typing import NamedTuple

import cv2
import numpy as np
from scipy import ndimage

__all__ = ["MaskPair", "close_disc_pair", "perturbed_disc_pair", "rough_ellipsoid_pair", "shifted_ellipsoid_pair"]

#: In-plane size (px) and slice count at which the geometry constants below are given.
_REF_SIZE = 512
_REF_SLICES = 100


class MaskPair(NamedTuple):
    """A prediction and its ground truth (0/1 ``uint8``, same shape); unpacks as ``pred, gt = pair``."""

    pred: np.ndarray
    gt: np.ndarray


def _check_shape(shape: tuple[int, ...], ndim: int) -> tuple[int, ...]:
    shape = tuple(int(s) for s in shape)
    if len(shape) != ndim or min(shape) < 1:
        raise ValueError(f"shape must be {ndim} positive sizes, got {shape}")
    return shape


def _span(lo: int, hi: int, f: float, by_length: bool = False) -> slice:
    """Reference indices ``lo:hi`` scaled by ``f`` (truncated), at least one index long.

    ``by_length`` scales the length ``hi - lo`` instead of the end (the 3-D box's convention).
    """
    start = int(lo * f)
    stop = start + max(1, int((hi - lo) * f)) if by_length else max(int(hi * f), start + 1)
    return slice(start, stop)


def _wobbly_ellipse(yy: np.ndarray, xx: np.ndarray, center: tuple[float, float], axes: tuple[float, float],
                    theta: float, wobble: list[tuple[int, float, float]]) -> np.ndarray:
    """Inside of an ellipse rotated by ``theta`` whose radius is modulated by ``1 + sum a cos(k phi + p)``."""
    dy, dx = yy - center[0], xx - center[1]
    c, s = np.cos(theta), np.sin(theta)
    u, v = (c * dx + s * dy) / axes[1], (-s * dx + c * dy) / axes[0]
    ang = np.arctan2(v, u)
    r = 1.0 + sum(a * np.cos(k * ang + p) for k, a, p in wobble)
    return (u * u + v * v) <= r * r


def _disc_truth(size: int, seed: int) -> tuple[float, np.ndarray, np.ndarray, np.random.Generator, np.ndarray,
                                               list[tuple[int, float, float]]]:
    """The 2-D pairs' ground truth: (scale, row grid, column grid, the generator after its draws, mask, wobble)."""
    (size,) = _check_shape((size,), 1)
    rng = np.random.default_rng(seed)
    f = size / _REF_SIZE
    yy, xx = np.mgrid[:size, :size].astype(np.float64)
    wob_g = [(k, 0.04 / k, rng.uniform(0, 6.28)) for k in range(2, 7)]
    gt = _wobbly_ellipse(yy, xx, (256 * f, 250 * f), (62 * f, 78 * f), 0.3, wob_g)
    return f, yy, xx, rng, gt, wob_g


def perturbed_disc_pair(size: int = 512, seed: int = 0) -> MaskPair:
    """A 2-D organ-like ellipse and a deformed, shifted prediction of it.

    At ``size`` 512: ground truth centred at (256, 250) px with semi-axes 62 x 78 px rotated by 0.3 rad, its
    radius wobbled by harmonics 2-6; prediction centred at (259, 246), 60 x 80 px, 0.34 rad, harmonics 2-8,
    with a 6 x 20 px notch and an 8 x 12 px false-positive island. Other sizes scale every length by
    ``size / 512`` (box corners truncated, at least 1 px).

    Args:
        size: Height and width of the square image (px).
        seed: Seed of the harmonics' phases.

    Returns:
        The pair, ``size x size``.

    Raises:
        ValueError: ``size`` < 1.
    """
    f, yy, xx, rng, gt, _ = _disc_truth(size, seed)
    wob_p = [(k, 0.05 / k, rng.uniform(0, 6.28)) for k in range(2, 9)]
    pred = _wobbly_ellipse(yy, xx, (259 * f, 246 * f), (60 * f, 80 * f), 0.34, wob_p)
    pred[_span(300, 306, f), _span(180, 200, f)] = False  # a notch
    pred[_span(150, 158, f), _span(300, 312, f)] = True  # a false-positive island
    return MaskPair(pred.astype(np.uint8), gt.astype(np.uint8))


def close_disc_pair(size: int = 512, seed: int = 0) -> MaskPair:
    """The ground truth of :func:`perturbed_disc_pair` and a close prediction of it (a well-trained model's).

    The prediction is the same wobbled ellipse with its centre moved by (1, -1) px and both semi-axes 1 px
    shorter (at ``size`` 512; other sizes scale the lengths), so every boundary pixel lies within about 2 px of
    the ground truth's.

    Args:
        size: Height and width of the square image (px).
        seed: Seed of the harmonics' phases (the same as :func:`perturbed_disc_pair`'s).

    Returns:
        The pair, ``size x size``.

    Raises:
        ValueError: ``size`` < 1.
    """
    f, yy, xx, _, gt, wob_g = _disc_truth(size, seed)
    pred = _wobbly_ellipse(yy, xx, (257 * f, 249 * f), (61 * f, 77 * f), 0.3, wob_g)
    return MaskPair(pred.astype(np.uint8), gt.astype(np.uint8))


def shifted_ellipsoid_pair(shape: tuple[int, int, int] = (100, 512, 512), seed: int = 1,
                           dilate_fraction: float = 0.3) -> MaskPair:
    """A 3-D ellipsoid organ and a shifted, resized prediction with randomly dilated slices.

    At ``shape`` (100, 512, 512): ground truth centred at (50, 256, 250) voxels with semi-axes 30 x 62 x 78,
    prediction centred at (52, 259, 246) with 29 x 60 x 80; each prediction slice that holds the organ is
    dilated with a 5 x 5 elliptic kernel with probability ``dilate_fraction``; a 4 x 8 x 12 false-positive box
    sits at (40, 150, 300). Other shapes scale the geometry per axis (z by ``shape[0] / 100``, y and x by
    ``/ 512``; the box's corner and lengths truncated, at least 1 voxel); the kernel stays 5 x 5.

    Args:
        shape: ``(z, y, x)`` voxels.
        seed: Seed of the slice dilations.
        dilate_fraction: Probability that a prediction slice is dilated.

    Returns:
        The pair, of ``shape``.

    Raises:
        ValueError: ``shape`` is not three positive sizes.
    """
    shape = _check_shape(shape, 3)
    rng = np.random.default_rng(seed)
    fz, fy, fx = shape[0] / _REF_SLICES, shape[1] / _REF_SIZE, shape[2] / _REF_SIZE
    z = np.arange(shape[0], dtype=np.float32)[:, None, None]
    y = np.arange(shape[1], dtype=np.float32)[None, :, None]
    x = np.arange(shape[2], dtype=np.float32)[None, None, :]

    def ellipsoid(c: tuple[float, float, float], a: tuple[float, float, float]) -> np.ndarray:
        return ((z - c[0] * fz) / (a[0] * fz)) ** 2 + ((y - c[1] * fy) / (a[1] * fy)) ** 2 \
            + ((x - c[2] * fx) / (a[2] * fx)) ** 2 <= 1.0

    gt = ellipsoid((50, 256, 250), (30, 62, 78))
    pred = ellipsoid((52, 259, 246), (29, 60, 80))
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (5, 5))
    for zi in range(shape[0]):  # in-plane deformation of the prediction, slice by slice
        if pred[zi].any() and rng.random() < dilate_fraction:
            pred[zi] = cv2.dilate(pred[zi].view(np.uint8), kernel).view(bool)

    pred[_span(40, 44, fz, by_length=True), _span(150, 158, fy, by_length=True),
         _span(300, 312, fx, by_length=True)] = True
    return MaskPair(pred.astype(np.uint8), gt.astype(np.uint8))


def rough_ellipsoid_pair(shape: tuple[int, int, int] = (200, 512, 512), seed: int = 0,
                         shift: tuple[int, int, int] = (1, 3, -2), dilate_iterations: int = 2) -> MaskPair:
    """A 3-D ellipsoid with a smooth random boundary and a shifted, partly dilated copy as the prediction.

    Ground truth: the centred ellipsoid with semi-axes 0.3, 0.25 and 0.2 of ``shape`` whose implicit function
    gets smooth noise (an 8 x 16 x 16 grid of N(0, 0.08) values, linearly up-sampled to ``shape``). Prediction:
    the ground truth rolled by ``shift`` voxels, then dilated ``dilate_iterations`` times in its first third of
    slices and first half of rows.

    Args:
        shape: ``(z, y, x)`` voxels (each >= 1).
        seed: Seed of the boundary noise.
        shift: Roll of the prediction along ``(z, y, x)`` (voxels).
        dilate_iterations: Binary dilations of the prediction's corner (0: none).

    Returns:
        The pair, of ``shape``.

    Raises:
        ValueError: ``shape`` is not three positive sizes.
    """
    shape = _check_shape(shape, 3)
    rng = np.random.default_rng(seed)
    z, y, x = np.ogrid[:shape[0], :shape[1], :shape[2]]
    cz, cy, cx = (s / 2 for s in shape)
    r = ((z - cz) / (0.3 * shape[0])) ** 2 + ((y - cy) / (0.25 * shape[1])) ** 2 + ((x - cx) / (0.2 * shape[2])) ** 2
    grid = (8, 16, 16)
    noise = ndimage.zoom(rng.normal(0, 0.08, grid), [s / n for s, n in zip(shape, grid)], order=1)
    gt = (r + noise[: shape[0], : shape[1], : shape[2]] <= 1.0).astype(np.uint8)
    pred = np.roll(gt, tuple(shift), axis=(0, 1, 2))
    if dilate_iterations > 0:
        corner = (slice(0, shape[0] // 3), slice(0, shape[1] // 2))
        pred[corner] = ndimage.binary_dilation(pred[corner], iterations=dilate_iterations)
    return MaskPair(pred, gt)
