"""mmseg's ``MMSegInferencer`` for the project's configs: annotation loaders (``LoadBinaryAnnotations``) left out
of the test pipeline, as mmseg's own inferencer leaves out its ``LoadAnnotations``."""

from __future__ import annotations

from mmcv.transforms import Compose
from mmseg.apis import MMSegInferencer

__all__ = ["OrganSegInferencer", "inference_pipeline_config"]


def inference_pipeline_config(pipeline_cfg: list) -> list:
    """The test pipeline without any ``*Annotation(s)`` loader and with mmseg's ``InferencerLoader`` first.

    Raises:
        ValueError: No ``LoadImageFromFile`` in the pipeline.
    """
    steps = [dict(t) for t in pipeline_cfg if "Annotation" not in str(t.get("type", ""))]
    loaders = [i for i, t in enumerate(steps) if t.get("type") in ("LoadImageFromFile", "mmseg.LoadImageFromFile")]
    if not loaders:
        raise ValueError("LoadImageFromFile is not found in the test pipeline")
    steps[loaders[0]]["type"] = "InferencerLoader"
    return steps


class OrganSegInferencer(MMSegInferencer):
    """``MMSegInferencer`` whose pipeline drops the project's annotation loaders (the model, its
    ``postprocessor`` and mmseg's batching and pre-processing are mmseg's)."""

    def _init_pipeline(self, cfg) -> Compose:
        return Compose(inference_pipeline_config(cfg.test_dataloader.dataset.pipeline))
