"""Speed of the project's inference path against mmseg's own ``MMSegInferencer``, same model, images and run.

The project's path is :func:`organseg_plugins.mm.apis.build_inferencer` + :func:`~organseg_plugins.mm.apis.predict_masks`
(what ``tools/infer.py`` runs). mmseg's inferencer gets the config with the project's annotation loader taken out
of its test pipeline (it only removes its own ``LoadAnnotations``); both see the same 3-channel arrays; the best of
``repeat`` timed passes, interleaved, after one warm-up pass each, is compared
(:func:`organseg_plugins.core.speed.best_times`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from organseg_plugins.core.errors import OrgansegInputError
from organseg_plugins.core.inference import load_input
from organseg_plugins.core.speed import best_times

__all__ = ["InferSpeed", "infer_speed", "mmseg_inferencer"]


@dataclass(frozen=True)
class InferSpeed:
    """Result of :func:`infer_speed`: best seconds of each path over all the images."""

    images: int
    batch_size: int
    repeat: int
    ours_s: float
    mmseg_s: float

    @property
    def ratio(self) -> float:
        """Project time / mmseg time (< 1: the project's path is faster)."""
        return self.ours_s / self.mmseg_s

    def report(self) -> str:
        """Two lines: the times, then ``ratio (project / mmseg): X``."""
        return (f"{self.images} image(s), batch {self.batch_size}, best of {self.repeat}: tools/infer.py "
                f"{self.ours_s:.3f}s, MMSegInferencer {self.mmseg_s:.3f}s\n"
                f"ratio (project / mmseg): {self.ratio:.3f}")


def mmseg_inferencer(config: str, checkpoint: str, device: str = "cpu"):
    """mmseg's ``MMSegInferencer`` on ``config`` with the project's annotation loaders out of its test pipeline.

    Args:
        config: mmengine config file.
        checkpoint: ``.pth`` file.
        device: torch device.

    Returns:
        The inferencer, its progress bar off.
    """
    import logging

    from mmengine.config import Config
    from mmengine.logging import MMLogger
    from mmseg.apis import MMSegInferencer

    from organseg_plugins.mm.apis import inference_pipeline_config

    MMLogger.get_current_instance().setLevel(logging.ERROR)
    cfg = Config.fromfile(config)
    pipeline = inference_pipeline_config(cfg.test_dataloader.dataset.pipeline)
    pipeline[0]["type"] = "LoadImageFromFile"  # MMSegInferencer swaps it for its InferencerLoader itself
    cfg.test_dataloader.dataset.pipeline = pipeline
    theirs = MMSegInferencer(model=cfg, weights=checkpoint, device=device)
    theirs.show_progress = False
    return theirs


def infer_speed(config: str, checkpoint: str, inputs: Sequence[str], batch_size: int = 4, repeat: int = 3,
                device: str = "cpu") -> InferSpeed:
    """Time the project's inference path and ``MMSegInferencer`` on every image or slice of ``inputs``.

    Args:
        config: mmengine config file.
        checkpoint: ``.pth`` file.
        inputs: Image files, DICOM files or series folders, NIfTI files (every slice is an image).
        batch_size: Images per forward pass, both paths.
        repeat: Timed passes of each (the best is kept).
        device: torch device.

    Returns:
        The times.

    Raises:
        OrgansegInputError: ``batch_size`` or ``repeat`` < 1.
        FileNotFoundError: A missing input, config or checkpoint (named).
    """
    from organseg_plugins.mm.apis import build_inferencer, predict_masks

    if batch_size < 1 or repeat < 1:
        raise OrgansegInputError(f"--batch-size and --repeat must be >= 1, got {batch_size} and {repeat}")
    images = [s if s.ndim == 3 else np.repeat(s[..., None], 3, axis=2)
              for path in inputs for s in load_input(path).slices]
    ours = build_inferencer(config, checkpoint, device)
    theirs = mmseg_inferencer(config, checkpoint, device)
    t_ours, t_theirs = best_times([lambda: predict_masks(ours, images, batch_size, progress=False),
                                   lambda: theirs(images, batch_size=batch_size, return_datasamples=True)], repeat)
    return InferSpeed(len(images), batch_size, repeat, t_ours, t_theirs)
