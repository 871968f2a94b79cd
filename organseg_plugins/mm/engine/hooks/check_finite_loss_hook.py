"""Training hooks for mmengine runners."""

from __future__ import annotations

import math

from mmengine.hooks import Hook
from mmseg.registry import HOOKS


@HOOKS.register_module()
class CheckFiniteLossHook(Hook):
    """Stop training at the first NaN/inf loss, naming the iteration, the loss terms and the images.

    A diverged run otherwise keeps writing checkpoints full of NaNs (mmengine does not check).

    Args:
        interval: check every ``interval`` iterations (1 = every step).
    """

    priority = "VERY_LOW"

    def __init__(self, interval: int = 1) -> None:
        self.interval = interval

    def after_train_iter(self, runner, batch_idx: int, data_batch=None, outputs=None) -> None:
        if not outputs or not self.every_n_train_iters(runner, self.interval):
            return
        losses = {k: float(v) for k, v in outputs.items() if k.startswith("loss") or ".loss" in k}
        bad = {k: v for k, v in losses.items() if not math.isfinite(v)}
        if bad:
            paths = []
            for sample in (data_batch or {}).get("data_samples", []):
                paths.append(sample.metainfo.get("img_path", "?"))
            raise FloatingPointError(
                f"non-finite loss at iteration {runner.iter + 1}: {bad}; batch images: {paths}. "
                "Lower the learning rate, check the inputs for NaN, or enable gradient clipping."
            )
