"""Data transforms for mmseg pipelines."""

from __future__ import annotations

import numpy as np
from mmcv.transforms import BaseTransform
from mmcv.transforms.utils import cache_randomness
from mmseg.registry import TRANSFORMS

from organseg_plugins.core.transforms import augment


def _seg_keys(results: dict) -> list[str]:
    """Every segmentation map in ``results``: the ``seg_fields`` entries plus ``gt_seg_map``."""
    keys = [k for k in results.get("seg_fields", []) if k in results]
    if "gt_seg_map" in results and "gt_seg_map" not in keys:
        keys.append("gt_seg_map")
    return keys


def _global_generator() -> np.random.Generator:
    """A fresh generator seeded from numpy's global RNG.

    mmengine seeds ``np.random`` (``randomness=dict(seed=...)``, and per dataloader worker), so drawing
    the seed with ``np.random.randint`` makes these transforms reproducible under mmengine's seeding.
    """
    return np.random.default_rng(np.random.randint(0, 2**31 - 1))


@TRANSFORMS.register_module()
class HSVRandomAug(BaseTransform):
    """Random hue/saturation/value gains, Ultralytics ``augment_hsv`` (spleen paper Table 1).

    Gains ``r = uniform(-1, 1, 3) * [hgain, sgain, vgain] + 1`` applied through look-up tables on the
    8-bit OpenCV HSV channels (hue modulo 180); see :mod:`organseg_plugins.core.transforms.augment`. Changes only
    ``results['img']`` (uint8 BGR (H, W, 3), or single-channel grey where only the value gain acts);
    segmentation maps are untouched. All-zero gains are an exact identity.

    Args:
        hgain / sgain / vgain: maximal relative change of hue, saturation, value (Table 1:
            0.0179 / 0.9 / 0.317).
        prob: probability to apply (Ultralytics always applies: 1.0).
    """

    def __init__(self, hgain: float = 0.0179, sgain: float = 0.9, vgain: float = 0.317, prob: float = 1.0) -> None:
        if min(hgain, sgain, vgain) < 0:
            raise ValueError(f"HSV gains must be >= 0, got {(hgain, sgain, vgain)}")
        if not 0.0 <= prob <= 1.0:
            raise ValueError(f"prob must be in [0, 1], got {prob}")
        self.hgain, self.sgain, self.vgain, self.prob = float(hgain), float(sgain), float(vgain), float(prob)

    @cache_randomness
    def _random_gains(self) -> np.ndarray | None:
        rng = _global_generator()
        if rng.random() >= self.prob:
            return None
        return augment.sample_hsv_gains(rng, self.hgain, self.sgain, self.vgain)

    def transform(self, results: dict) -> dict:
        if not (self.hgain or self.sgain or self.vgain):
            return results
        gains = self._random_gains()
        if gains is not None:
            results["img"] = augment.apply_hsv(results["img"], gains)
        return results

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(hgain={self.hgain}, sgain={self.sgain}, vgain={self.vgain}, "
                f"prob={self.prob})")


@TRANSFORMS.register_module()
class RandomTranslateScale(BaseTransform):
    """Random scale about the centre plus translation, Ultralytics ``translate``/``scale`` (Table 1).

    Scale factor ``s ~ uniform(1 - scale, 1 + scale)``, shift ``uniform(-translate, translate) * (W, H)``
    pixels, applied with ``cv2.warpAffine`` keeping the image size: bilinear for ``results['img']``,
    nearest neighbour for every segmentation map (``seg_fields`` and ``gt_seg_map``). Image pixels
    from outside the source get ``img_pad_val`` (Ultralytics' grey 114); **mask pixels from outside
    get ``seg_pad_val`` (default 255, mmseg's ignore label)**, so the padding counts neither as organ
    nor as background; use ``seg_pad_val=0`` to make it background. ``img_shape`` is unchanged; the
    matrix used is stored in ``results['translate_scale_matrix']``.

    Args:
        translate: maximal shift as a fraction of the width/height (Table 1: 0.11).
        scale: maximal relative scale change, ``0 <= scale < 1`` (Table 1: 0.494).
        prob: probability to apply.
        seg_pad_val: label for mask pixels from outside the image.
        img_pad_val: image fill value (scalar or per channel).
    """

    def __init__(self, translate: float = 0.11, scale: float = 0.494, prob: float = 1.0, seg_pad_val: int = 255,
                 img_pad_val=114) -> None:
        if translate < 0 or not 0 <= scale < 1:
            raise ValueError(f"need translate >= 0 and 0 <= scale < 1, got translate={translate}, scale={scale}")
        if not 0.0 <= prob <= 1.0:
            raise ValueError(f"prob must be in [0, 1], got {prob}")
        self.translate, self.scale, self.prob = float(translate), float(scale), float(prob)
        self.seg_pad_val = int(seg_pad_val)
        self.img_pad_val = img_pad_val

    @cache_randomness
    def _random_params(self) -> tuple[float, float, float] | None:
        rng = _global_generator()
        if rng.random() >= self.prob:
            return None
        return augment.sample_affine_params(rng, self.translate, self.scale)

    def transform(self, results: dict) -> dict:
        params = self._random_params()
        if params is None:
            return results
        s, tx, ty = params
        h, w = results["img"].shape[:2]
        matrix = augment.affine_matrix(h, w, s, tx * w, ty * h)
        results["img"] = augment.warp_image(results["img"], matrix, self.img_pad_val)
        for key in _seg_keys(results):
            results[key] = augment.warp_mask(results[key], matrix, self.seg_pad_val)
        results["translate_scale_matrix"] = matrix
        return results

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(translate={self.translate}, scale={self.scale}, prob={self.prob}, "
                f"seg_pad_val={self.seg_pad_val}, img_pad_val={self.img_pad_val})")
