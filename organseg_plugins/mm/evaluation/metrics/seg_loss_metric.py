"""Validation loss as an mmengine metric, so early stopping and best-checkpoint selection can monitor it.

mmseg's ``ValLoop`` runs ``predict`` and computes no loss. Liu et al. 2025 ("Attention residual network for
medical ultrasound image segmentation", Sci Rep 15:22155, "Datasets") stop training when the validation loss has
not decreased by 0.05 for 15 epochs and keep the checkpoint with the lowest validation loss. :class:`SegLossMetric`
evaluates a loss config (default the paper's CE + Dice) on the logits mmseg's ``predict`` leaves in each sample
(``seg_logits``, resized back to the original image size) against ``gt_sem_seg``, one image at a time, and
reports the mean over the validation images as ``val_loss``. Use it next to the usual metric::

    val_evaluator = [dict(type='OrganSegMetric'), dict(type='SegLossMetric')]
    custom_hooks = [dict(type='EarlyStoppingHook', monitor='val_loss', rule='less', min_delta=0.05, patience=15)]

It is computed at the original size on single images, so it is close to, not equal to, the training loss
(batch 2 at 512 x 512).
"""

from __future__ import annotations

import torch
from mmengine.evaluator import BaseMetric
from mmseg.registry import METRICS, MODELS


@METRICS.register_module()
class SegLossMetric(BaseMetric):
    """Mean per-image loss of the predicted logits (see the module docstring).

    Args:
        loss: loss config (an mmseg loss taking ``(logits (N,C,H,W), labels (N,H,W), ignore_index=)``).
        ignore_index: label left out of the loss.
        key: name of the reported value.
        collect_device / prefix: see :class:`mmengine.evaluator.BaseMetric`.
    """

    default_prefix = None

    def __init__(self, loss: dict | None = None, ignore_index: int = 255, key: str = "val_loss",
                 collect_device: str = "cpu", prefix: str | None = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.loss = MODELS.build(loss or dict(type="CEDiceLoss"))
        self.ignore_index = ignore_index
        self.key = key

    def process(self, data_batch, data_samples) -> None:
        """One loss value per image."""
        for sample in data_samples:
            if "seg_logits" not in sample:
                raise ValueError("SegLossMetric needs the logits of mmseg's predict (seg_logits) in each sample")
            logits = sample["seg_logits"]["data"].float()
            gt = sample["gt_sem_seg"]["data"].to(logits.device).long()
            if logits.shape[0] == 1:  # one sigmoid channel -> two-class logits (0, z)
                logits = torch.cat([torch.zeros_like(logits), logits], dim=0)
            with torch.no_grad():
                value = self.loss(logits[None], gt, ignore_index=self.ignore_index)
            self.results.append(float(value))

    def compute_metrics(self, results: list) -> dict[str, float]:
        """``{key: mean over images}``."""
        return {self.key: float(sum(results) / max(len(results), 1))}
