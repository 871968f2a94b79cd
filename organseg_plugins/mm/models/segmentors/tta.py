"""Test-time augmentation (flips) for the project's segmentors: ``tools/test.py --tta``.

mmseg 1.2.2's :class:`~mmseg.models.segmentors.SegTTAModel` does not fit the organ models:

* with one sigmoid output channel (``out_channels=1``, the SegFormer BCE-Dice and liver U-Net heads) the
  ``seg_logits`` it merges are already probabilities (``BaseSegmentor.postprocess_result`` applies the
  sigmoid), and it applies the sigmoid again: every pixel ends above 0.5, i.e. foreground;
* it reads ``module.out_channels`` / ``module.decode_head``, which the
  :class:`~organseg_plugins.mm.engine.optimizers.multi_module_constructor.AdversarialSegmentor` (Pix2Pix phase) keeps in its ``generator``,
  and it drops that model's post-processing (applied per augmentation to ``pred_sem_seg`` only);
* the merged sample keeps only ``img_path`` of the metainfo, so :class:`OrganSegMetric` loses
  ``spacing_mm`` / ``length_mm`` (distances and MPLE).

:class:`OrganSegTTAModel` averages the per-augmentation class probabilities (softmax for several
channels, the stored sigmoid for one), thresholds/argmaxes them like the segmentor's head, applies the
model's ``postprocessor`` if it has one, and keeps the un-augmented sample's metainfo. Augmented
predictions are already mapped back to the original image (un-flipped, un-resized) by the segmentor's
``postprocess_result`` using the ``flip``/``flip_direction`` metainfo, so ``PackSegInputs`` of the
``tta_pipeline`` must keep those keys.
"""

from __future__ import annotations

import torch
from mmengine.structures import PixelData
from mmseg.models.segmentors import SegTTAModel
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample

__all__ = ["OrganSegTTAModel", "segmentor_of"]


def segmentor_of(model):
    """The mmseg segmentor that owns the decode head: ``model`` itself or its ``generator`` (GAN phases)."""
    if hasattr(model, "decode_head"):
        return model
    gen = getattr(model, "generator", None)
    if gen is not None and hasattr(gen, "decode_head"):
        return gen
    raise TypeError(f"{type(model).__name__} has no decode_head (nor a generator with one): "
                    "test-time augmentation needs an mmseg segmentor")


@MODELS.register_module()
class OrganSegTTAModel(SegTTAModel):
    """Flip/scale TTA that merges class probabilities correctly for sigmoid and softmax heads.

    Args:
        module: the segmentor config (``tools/test.py --tta`` puts ``cfg.model`` here).
        data_preprocessor: ignored when ``module`` has its own (the runner fills in the configs' top-level
            ``data_preprocessor`` variable, which may be an upstream base's, not the model's).
    """

    def __init__(self, module, data_preprocessor=None) -> None:
        if isinstance(module, dict) and module.get("data_preprocessor") is not None:
            data_preprocessor = None
        super().__init__(module=module, data_preprocessor=data_preprocessor)
        segmentor_of(self.module)  # fail at build time, naming the model

    def merge_preds(self, data_samples_list):
        seg = segmentor_of(self.module)
        binary = seg.out_channels == 1
        merged = []
        for samples in data_samples_list:
            probs = None
            for s in samples:
                logits = s.seg_logits.data
                # postprocess_result stores sigmoid probabilities for one channel, raw logits for several
                p = logits.float() if binary else logits.float().softmax(dim=0)
                probs = p if probs is None else probs + p
            probs = probs / len(samples)
            if binary:
                pred = (probs > seg.decode_head.threshold).to(torch.int64)
            else:
                pred = probs.argmax(dim=0, keepdim=True)
            first = samples[0]
            out = SegDataSample(metainfo=dict(first.metainfo))
            out.set_metainfo(dict(flip=False, flip_direction=None))
            out.pred_sem_seg = PixelData(data=pred)
            out.seg_logits = PixelData(data=probs)
            if "gt_sem_seg" in first:
                out.gt_sem_seg = first.gt_sem_seg
            merged.append(out)
        post = getattr(self.module, "postprocessor", None)
        if post is not None:
            merged = post(merged)
        return merged
