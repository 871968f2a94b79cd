"""Inference post-processing of mmseg predictions (spleen paper: threshold -> morphology)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from mmseg.registry import MODELS

from organseg_plugins.core.transforms.postprocess import postprocess_mask


@MODELS.register_module()
class OrganMaskPostProcessor:
    """Clean each organ's mask in ``SegDataSample.pred_sem_seg`` with :func:`~organseg_plugins.core.transforms.postprocess.postprocess_mask`.

    For every class id in ``organ_classes`` (in the given order) the binary mask ``label == c`` is
    post-processed (largest 8-connected component, hole filling, elliptical opening). Pixels the
    step removes become background ``0``; pixels it adds (filled holes, which can only grow into
    the organ's interior) are set to ``c`` only where the current label is background, so another
    organ class enclosed by this one is never overwritten. The threshold itself is the decode head's
    (``threshold=0.5`` with ``out_channels=1``), applied before this runs. Only ``pred_sem_seg`` is
    changed (in place, same device and dtype); ``seg_logits`` are left as predicted.

    Args:
        organ_classes: class ids to clean (background 0 is never an organ class).
        largest_component / fill_holes / opening_radius: see
            :func:`organseg_plugins.core.transforms.postprocess.postprocess_mask`.
        enabled: ``False`` returns the samples untouched (to compare with/without post-processing).
    """

    def __init__(self, organ_classes: Sequence[int] = (1,), largest_component: bool = True,
                 fill_holes: bool = True, opening_radius: int = 1, enabled: bool = True) -> None:
        self.organ_classes = tuple(int(c) for c in organ_classes)
        if 0 in self.organ_classes:
            raise ValueError("organ_classes must not contain the background class 0")
        if opening_radius < 0:
            raise ValueError(f"opening_radius must be >= 0, got {opening_radius}")
        self.largest_component = bool(largest_component)
        self.fill_holes = bool(fill_holes)
        self.opening_radius = int(opening_radius)
        self.enabled = bool(enabled)

    def process_label_map(self, labels: np.ndarray) -> np.ndarray:
        """Post-process a 2D integer label map; returns a new array of the same dtype."""
        out = labels.copy()
        for c in self.organ_classes:
            binary = out == c
            if not binary.any():
                continue
            cleaned = postprocess_mask(binary, largest_component=self.largest_component,
                                       fill_holes=self.fill_holes, opening_radius=self.opening_radius)
            out[binary & ~cleaned] = 0
            out[cleaned & ~binary & (out == 0)] = c
        return out

    def __call__(self, data_samples: list) -> list:
        """Modify each sample's ``pred_sem_seg.data`` (1, H, W) in place; return the same list."""
        if not self.enabled:
            return data_samples
        for i, sample in enumerate(data_samples):
            if "pred_sem_seg" not in sample:
                raise KeyError(f"data sample {i} has no pred_sem_seg to post-process")
            data = sample.pred_sem_seg.data
            if data.dim() != 3 or data.shape[0] != 1:
                raise ValueError(f"pred_sem_seg.data must be (1, H, W), got {tuple(data.shape)}")
            labels = data[0].detach().cpu().numpy()
            new = self.process_label_map(labels)
            data[0].copy_(torch.from_numpy(new).to(device=data.device, dtype=data.dtype))
        return data_samples

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(organ_classes={self.organ_classes}, "
                f"largest_component={self.largest_component}, fill_holes={self.fill_holes}, "
                f"opening_radius={self.opening_radius}, enabled={self.enabled})")
