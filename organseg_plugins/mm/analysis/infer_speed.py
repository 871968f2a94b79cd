"""Speed of the project's inference path against mmseg's own ``MMSegInferencer``, same model, slices and run.

Two checks (``tools/analysis/speed_infer.py``):

* :func:`infer_speed` (images): the model part alone on decoded images, the project's batched
  :class:`~organseg_plugins.mm.inference.Segmenter` against ``MMSegInferencer`` on the same arrays (in the
  model's channels), the best of ``repeat`` interleaved passes after one warm-up pass each
  (:func:`organseg_plugins.core.speed.best_times`).
* :func:`volume_speed` (``--volume``): a CT volume end to end, read -> masks + NIfTI + CSV. The project's
  path is ``tools/infer.py``'s (:func:`organseg_plugins.mm.inference.run_inference`: reader processes,
  batched model, background writer); mmseg's path reads the same file the same way
  (:func:`~organseg_plugins.core.inference.load_input` with the same window and channels), runs
  ``MMSegInferencer`` on those slices and writes the same outputs with the same functions, one step after
  the other. Each path runs in its own fresh process (its peak RSS is its own), after one warm-up batch;
  the masks of both are compared voxel by voxel. The volume is :func:`organseg_plugins.core.speed.
  synthetic_ct.write_synthetic_ct` (512 x 512 x 200 by default, or ``small``: 64 x 64 x 8) and the model
  the untrained (seeded) model of :data:`VOLUME_CONFIG` (the liver paper's Table 4 U-Net, 1 channel,
  512 x 512; ``small``: :data:`SMALL_CONFIG`, its 128 x 128 phantom variant), unless a config is given.

mmseg's inferencer gets the config with the project's annotation loader taken out of its test pipeline (it
only removes its own ``LoadAnnotations``).
"""

from __future__ import annotations

import math
import os
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from organseg_plugins.core.errors import OrgansegInputError
from organseg_plugins.core.speed import best_times

__all__ = ["InferSpeed", "SMALL_CONFIG", "VOLUME_CONFIG", "VolumeSpeed", "infer_speed", "mmseg_inferencer",
           "volume_speed"]

#: The model of the full-size volume check: a real 512 x 512 CT config (1 channel, window from its dataset base).
VOLUME_CONFIG = "configs/liver/unet_table4_1xb8-50e_liver-512x512.py"
#: The model of ``--small`` (the suite): the same U-Net at 128 x 128.
SMALL_CONFIG = "configs/liver/unet_table4_1xb4-600it_phantom-liver-128x128.py"
FULL_SHAPE = (200, 512, 512)
SMALL_SHAPE = (8, 64, 64)


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


def mmseg_inferencer(config: str, checkpoint: str | None, device: str = "cpu"):
    """mmseg's ``MMSegInferencer`` on ``config`` with the project's annotation loaders out of its test pipeline.

    Args:
        config: mmengine config file.
        checkpoint: ``.pth`` file (None: the weights as initialised).
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


def _segment_all(segmenter, images: list[np.ndarray], batch_size: int) -> list[np.ndarray]:
    out: list[np.ndarray] = []
    for start in range(0, len(images), batch_size):
        out += segmenter.predict(images[start:start + batch_size])
    return out


def infer_speed(config: str, checkpoint: str, inputs: Sequence[str], batch_size: int = 4, repeat: int = 3,
                device: str = "cpu") -> InferSpeed:
    """Time the project's model path and ``MMSegInferencer`` on every image or slice of ``inputs``.

    Both get the same arrays: each input read by :func:`~organseg_plugins.core.inference.load_input` with the
    config's CT window and put in the model's channels. Slices of one size are batched together.

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
    from organseg_plugins.core.inference import conform_slices, load_input
    from organseg_plugins.mm.inference import Segmenter, resolve_window

    if batch_size < 1 or repeat < 1:
        raise OrgansegInputError(f"--batch-size and --repeat must be >= 1, got {batch_size} and {repeat}")
    for path, what in ((config, "config"), (checkpoint, "checkpoint")):
        if not os.path.isfile(path):
            raise FileNotFoundError(f"{what} not found: {path}")
    ours = Segmenter.from_files(config, checkpoint, device)
    window, _ = resolve_window(ours.contract, None)
    groups: dict[tuple, list[np.ndarray]] = {}
    for path in inputs:
        item = load_input(path, window)
        conform_slices(item, ours.contract)
        for s in item.slices:
            groups.setdefault(s.shape, []).append(s)
    images = [s for g in groups.values() for s in g]
    theirs = mmseg_inferencer(config, checkpoint, device)
    t_ours, t_theirs = best_times(
        [lambda: [_segment_all(ours, g, batch_size) for g in groups.values()],
         lambda: theirs(images, batch_size=batch_size, return_datasamples=True)], repeat)
    return InferSpeed(len(images), batch_size, repeat, t_ours, t_theirs)


# ------------------------------------------------------------------------------------------------
# a volume, end to end
# ------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class VolumeSpeed:
    """Result of :func:`volume_speed`."""

    shape: tuple[int, int, int]
    config: str
    device: str
    batch_size: int
    ours_s: float
    mmseg_s: float
    ours_rss_mib: float
    ours_reader_rss_mib: float
    mmseg_rss_mib: float
    precision: str
    voxels_differ: int
    voxels: int

    @property
    def slices(self) -> int:
        """Slices of the volume."""
        return self.shape[0]

    @property
    def ours_slices_per_s(self) -> float:
        return self.slices / self.ours_s

    @property
    def mmseg_slices_per_s(self) -> float:
        return self.slices / self.mmseg_s

    @property
    def ratio(self) -> float:
        """Project slices/s / MMSegInferencer slices/s (> 1: the project is faster)."""
        return self.ours_slices_per_s / self.mmseg_slices_per_s

    def report(self) -> str:
        """The lines ``tools/analysis/speed_infer.py --volume`` prints."""
        z, y, x = self.shape
        same = ("identical" if self.voxels_differ == 0 else
                f"{self.voxels_differ} of {self.voxels} voxels differ (float rounding at the threshold)")
        return "\n".join([
            f"volume {x}x{y}x{z} (synthetic CT, NIfTI), {self.config} (untrained weights unless given), "
            f"batch {self.batch_size}, device {self.device}, project precision {self.precision}; end to end: "
            "read -> masks + NIfTI + CSV + overlays",
            f"slices/s project: {self.ours_slices_per_s:.3f} ({self.ours_s:.2f}s; peak RSS {self.ours_rss_mib:.0f} MiB"
            f" + reader process {self.ours_reader_rss_mib:.0f} MiB)",
            f"slices/s MMSegInferencer: {self.mmseg_slices_per_s:.3f} ({self.mmseg_s:.2f}s; peak RSS "
            f"{self.mmseg_rss_mib:.0f} MiB)",
            f"ratio: {self.ratio:.3f} (project / MMSegInferencer slices/s; > 1: the project is faster)",
            f"masks: {same}",
        ])


def _peak_rss_mib() -> tuple[float, float]:
    """Peak RSS of this process and of its largest finished child, MiB (Linux: ru_maxrss in KiB)."""
    import resource
    import sys

    scale = 1 / 1024 / 1024 if sys.platform == "darwin" else 1 / 1024
    return (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale,
            resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * scale)


def _run_path(kind: str, config: str, checkpoint: str | None, volume: str, out: str, batch_size: int, device: str,
              workers: int, progress: bool, results) -> None:
    """One path in a fresh process: build, warm up on one batch, then time the volume end to end."""
    try:
        import logging

        from mmengine.logging import MMLogger

        from organseg_plugins.core.inference import (
            MEASURE_COLUMNS,
            conform_slices,
            load_input,
            measure_rows,
            write_masks,
        )
        from organseg_plugins.core.io.tables import write_csv
        from organseg_plugins.mm.inference import InferenceOptions, Segmenter, resolve_window, run_inference

        MMLogger.get_current_instance().setLevel(logging.ERROR)
        if kind == "project":
            seg = Segmenter.from_files(config, checkpoint, device)
            h, w = seg.contract.train_size or (64, 64)
            warm = np.zeros((h, w) if seg.contract.channels == 1 else (h, w, 3), np.uint8)
            seg.predict([warm] * batch_size)
            t0 = time.perf_counter()
            run_inference(config, checkpoint, [volume], out, InferenceOptions(
                batch_size=batch_size, device=device, workers=workers, progress=progress), segmenter=seg,
                echo_warnings=False)
            seconds, precision = time.perf_counter() - t0, seg.precision
        else:
            from organseg_plugins.core.inference.contract import contract_from_config
            from organseg_plugins.mm.apis import load_mm_config, predict_masks

            contract = contract_from_config(load_mm_config(config), config)
            theirs = mmseg_inferencer(config, checkpoint, device)
            h, w = contract.train_size or (64, 64)
            warm = np.zeros((h, w) if contract.channels == 1 else (h, w, 3), np.uint8)
            theirs([warm] * batch_size, batch_size=batch_size, return_datasamples=True)
            window, _ = resolve_window(contract, None)
            t0 = time.perf_counter()
            item = load_input(volume, window)
            conform_slices(item, contract)
            masks = predict_masks(theirs, item.slices, batch_size, progress=progress)
            Path(out).mkdir(parents=True, exist_ok=True)
            write_masks(item, masks, out)
            write_csv(Path(out) / "measurements.csv", MEASURE_COLUMNS, measure_rows(item, masks))
            seconds, precision = time.perf_counter() - t0, "fp32"
        results.put((kind, seconds, *_peak_rss_mib(), precision, None))
    except BaseException as exc:  # reported by the parent
        results.put((kind, math.nan, 0.0, 0.0, "", f"{type(exc).__name__}: {exc}"))


def volume_speed(config: str | None = None, checkpoint: str | None = None, small: bool = False,
                 shape: tuple[int, int, int] | None = None, batch_size: int = 4, device: str = "cpu",
                 workers: int = 1, progress: bool = True, work_dir: str | None = None) -> VolumeSpeed:
    """Time a CT volume end to end, the project's path against ``MMSegInferencer`` (see the module docstring).

    Args:
        config: The model's config (default :data:`VOLUME_CONFIG`, ``small``: :data:`SMALL_CONFIG`).
        checkpoint: Its weights (default: the untrained model, seeded, saved once for both paths).
        small: 64 x 64 x 8 voxels (the test suite) instead of 512 x 512 x 200.
        shape: Other ``(z, y, x)``.
        batch_size: Slices per forward pass, both paths.
        device: ``cpu``, ``cuda`` ...
        workers: Reader processes of the project's path.
        progress: Progress bars (with the time left) of both paths.
        work_dir: Where the volume and outputs go (default: a temporary folder, removed).

    Raises:
        OrgansegInputError: A missing config or checkpoint; a path that failed (its error).
    """
    import multiprocessing as mp

    import torch

    config = config or (SMALL_CONFIG if small else VOLUME_CONFIG)
    shape = tuple(int(v) for v in (shape or (SMALL_SHAPE if small else FULL_SHAPE)))  # type: ignore[assignment]
    if not os.path.isfile(config):
        raise OrgansegInputError(f"config not found: {config}")
    if checkpoint is not None and not os.path.isfile(checkpoint):
        raise OrgansegInputError(f"checkpoint not found: {checkpoint}")
    if batch_size < 1:
        raise OrgansegInputError(f"--batch-size must be >= 1, got {batch_size}")
    with tempfile.TemporaryDirectory(prefix="speed_infer_", dir=work_dir) as tmp:
        root = Path(tmp)
        from organseg_plugins.core.speed.synthetic_ct import write_synthetic_ct

        volume = str(write_synthetic_ct(root / "ct.nii.gz", shape))  # type: ignore[arg-type]
        if checkpoint is None:
            from organseg_plugins.mm.apis import init_model

            torch.manual_seed(0)
            _, model = init_model(config)
            checkpoint = str(root / "untrained.pth")
            torch.save({"state_dict": model.state_dict()}, checkpoint)
            del model
        ctx = mp.get_context("spawn")
        results = ctx.Queue()
        got = {}
        for kind in ("MMSegInferencer", "project"):
            proc = ctx.Process(target=_run_path, args=(kind, config, checkpoint, volume, str(root / kind), batch_size,
                                                       device, workers, progress, results))
            proc.start()
            got[kind] = results.get()
            proc.join()
            if got[kind][-1] is not None:
                raise OrgansegInputError(f"{kind} path failed: {got[kind][-1]}")
        from organseg_plugins.core.io import read_nifti

        a = read_nifti(root / "project" / "masks" / "ct.nii.gz").array
        b = read_nifti(root / "MMSegInferencer" / "masks" / "ct.nii.gz").array
        differ = int((a != b).sum()) if a.shape == b.shape else int(a.size)
    _, ours_s, ours_rss, reader_rss, precision, _ = got["project"]
    _, mmseg_s, mmseg_rss, _, _, _ = got["MMSegInferencer"]
    return VolumeSpeed(shape, config, device, batch_size, ours_s, mmseg_s, ours_rss, reader_rss, mmseg_rss,  # type: ignore[arg-type]
                       precision, differ, int(a.size))
