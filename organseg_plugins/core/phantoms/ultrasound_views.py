"""Ultrasound-like renderings of the two spleen views (the image end of the image -> mask -> volume pipeline).

Yuan et al. 2025, "DeepSPV: a deep learning pipeline for 3D spleen volume estimation from 2D ultrasound
images" (Med Image Anal; arXiv 2411.11190) synthesise ultrasound images from CT-derived masks with a diffusion
model; here the project's procedural B-mode renderer (:func:`organseg_plugins.core.phantoms.organ_slices.ultrasound_image`)
stands in for it, so a segmentor can be trained and the whole pipeline run without patient data.
"""

from __future__ import annotations

import numpy as np

from organseg_plugins.core.converters.spleen_views import VIEW_NAMES, MidViews
from organseg_plugins.core.phantoms.organ_slices import ultrasound_image

__all__ = ["ultrasound_views"]


def ultrasound_views(views: MidViews, seed: int | tuple[int, ...]) -> dict[str, np.ndarray]:
    """B-mode images of the coronal and transverse masks, deterministic per ``seed``.

    Args:
        views: the two masks.
        seed: seed (or seed sequence) of the renderings; view ``k`` uses ``default_rng([*seed, k])``.

    Returns:
        ``{view: (size, size) uint8 image}`` for :data:`~organseg_plugins.core.converters.spleen_views.VIEW_NAMES`.
    """
    base = list(seed) if isinstance(seed, tuple) else [int(seed)]
    return {v: ultrasound_image(np.random.default_rng([*base, k]), views.get(v)) for k, v in enumerate(VIEW_NAMES)}
