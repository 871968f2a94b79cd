"""Write the predicted masks of a test run as PNG files (``tools/test.py --out DIR``).

:class:`SegPredictionWriterHook` reads, after each test iteration, every ``SegDataSample`` the model
returned (the same objects the evaluator has just scored, after any post-processing or
test-time-augmentation merge) and writes ``pred_sem_seg`` as ``<out_dir>/<image stem>.png``: a
single-channel 8-bit PNG of class ids at the image's original size (0/1 for the binary organ
models), written atomically.
"""

from __future__ import annotations

import os.path as osp
from pathlib import Path

import numpy as np
from mmengine.hooks import Hook
from mmseg.registry import HOOKS

from organseg_plugins.core.errors import OrgansegInputError
from organseg_plugins.core.io import atomic_imwrite_png
from organseg_plugins.core.io.paths import check_output_dir

__all__ = ["SegPredictionWriterHook", "mask_png_path"]


def mask_png_path(out_dir: str | Path, img_path: str) -> Path:
    """``<out_dir>/<stem of img_path>.png``."""
    return Path(out_dir) / (Path(img_path).stem + ".png")


@HOOKS.register_module()
class SegPredictionWriterHook(Hook):
    """Save each test prediction as ``<out_dir>/<stem>.png`` (class ids, uint8; 0/1 for binary models).

    Args:
        out_dir: output folder (created if missing).
        overwrite_same_stem: two test images with the same stem (e.g. in different sub-folders)
            would write the same file; by default that is an error naming both images.
    """

    priority = "LOW"

    def __init__(self, out_dir: str, overwrite_same_stem: bool = False) -> None:
        if not out_dir:
            raise ValueError("SegPredictionWriterHook needs out_dir")
        self.out_dir = Path(out_dir)
        self.overwrite_same_stem = overwrite_same_stem
        self._written: dict[Path, str] = {}

    def before_test(self, runner) -> None:
        check_output_dir(self.out_dir, [], overwrite=True)  # the one output-folder guard
        self.out_dir.mkdir(parents=True, exist_ok=True)
        self._written = {}

    def after_test_iter(self, runner, batch_idx: int, data_batch=None, outputs=None) -> None:
        for i, sample in enumerate(outputs or []):
            if "pred_sem_seg" not in sample:
                raise KeyError(f"test output {i} of batch {batch_idx} has no pred_sem_seg")
            img_path = sample.metainfo.get("img_path")
            if not img_path:
                raise KeyError(f"test output {i} of batch {batch_idx} has no img_path to name its mask")
            data = sample.pred_sem_seg.data
            if data.dim() == 3:
                if data.shape[0] != 1:
                    raise ValueError(f"{img_path}: pred_sem_seg has {data.shape[0]} channels, expected 1")
                data = data[0]
            labels = data.detach().cpu().numpy()
            if labels.size and (labels.min() < 0 or labels.max() > 255):
                raise ValueError(f"{img_path}: predicted class ids {labels.min()}..{labels.max()} do not fit uint8")
            path = mask_png_path(self.out_dir, img_path)
            other = self._written.get(path)
            if other is not None and other != img_path and not self.overwrite_same_stem:
                raise OrgansegInputError(f"test images {other} and {img_path} have the same stem: both would be "
                                         f"written to {path}")
            atomic_imwrite_png(path, np.ascontiguousarray(labels.astype(np.uint8)))
            self._written[path] = img_path

    def after_test(self, runner) -> None:
        runner.logger.info(f"SegPredictionWriterHook: {len(self._written)} predicted mask(s) written to "
                           f"{osp.abspath(self.out_dir)}")
