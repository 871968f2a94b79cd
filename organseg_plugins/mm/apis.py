"""The adapter's API, as mmseg's ``mmseg.apis``: config loading, runner building, one model loader, the inferencer
(:func:`build_inferencer` and :func:`predict_masks`: the inference path that ``tools/infer.py`` runs and
``tools/analysis/speed_infer.py`` times).

Loading mmengine configs for the command-line tools, with errors that name the file.

:func:`load_mm_config` is what ``tools/train.py``, ``tools/test.py``, ``tools/denoise.py`` and
``organseg_plugins.mm.analysis.complexity`` use: a missing or broken config file becomes an
:class:`~organseg_plugins.core.errors.OrgansegInputError` (one ``error:`` line, see
:mod:`organseg_plugins.core.cli`), ``--cfg-options`` and the launcher are applied, and a ``pytorch``
launch works on a machine without CUDA (:func:`cpu_distributed`).
"""

from __future__ import annotations

import os.path as osp

import numpy as np
from mmcv.transforms import Compose
from mmengine.config import Config
from mmseg.apis import MMSegInferencer

from organseg_plugins.core.errors import OrgansegInputError

__all__ = ["OrganSegInferencer", "build_inferencer", "build_runner", "cpu_distributed", "inference_pipeline_config",
           "init_model", "load_mm_config", "predict_masks"]


def load_mm_config(path: str, cfg_options: dict | None = None, launcher: str = "none") -> Config:
    """Load an mmengine config and apply ``--cfg-options`` and the launcher, with clear errors.

    On a machine without CUDA a ``pytorch`` launch uses the gloo backend (NCCL needs GPUs).

    Args:
        path: config file.
        cfg_options: ``--cfg-options`` overrides (``DictAction`` output).
        launcher: ``none``, ``pytorch``, ``slurm`` or ``mpi`` (stored as ``cfg.launcher``).

    Raises:
        OrgansegInputError: the file is missing or cannot be loaded.

    An ``AdversarialSegmentor`` launched distributed gets ``model_wrapper_cfg =
    dict(type="AdversarialDistributedWrapper")`` (unless the config sets one): generator and
    discriminators are each synchronised across ranks (:mod:`organseg_plugins.mm.models.segmentors.distributed`).
    """
    if not osp.isfile(path):
        raise OrgansegInputError(f"config file not found: {path}")
    try:
        cfg = Config.fromfile(path)
    except Exception as err:  # mmengine raises many types here; all mean "this config file is broken"
        raise OrgansegInputError(f"{path}: cannot load config: {type(err).__name__}: {err}") from err
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    if (launcher != "none" and cfg.get("model", {}).get("type") == "AdversarialSegmentor"
            and cfg.get("model_wrapper_cfg") is None):
        # its D/G steps bypass forward(): ranks are kept equal by organseg_plugins.mm.models.segmentors.distributed instead of DDP
        cfg.model_wrapper_cfg = dict(type="AdversarialDistributedWrapper")
    cfg.launcher = launcher
    if launcher == "pytorch":
        cpu_distributed(cfg)
    return cfg


def cpu_distributed(cfg: Config) -> None:
    """Make mmengine's ``pytorch`` launcher work on a machine without CUDA (no-op with CUDA).

    mmengine 0.10.7 calls ``torch.cuda.set_device`` before ``init_process_group`` and wraps the
    model in DDP with ``device_ids=[local_rank]``; both fail on CPU. Here the process group is
    created with the gloo backend (the runner then skips its own init) and DDP gets ``device_ids=None``.
    """
    import torch
    import torch.distributed as dist

    if torch.cuda.is_available():
        return
    cfg.setdefault("env_cfg", {}).setdefault("dist_cfg", {})["backend"] = "gloo"
    if not dist.is_initialized():
        dist.init_process_group(backend="gloo")  # env:// from torchrun (RANK, WORLD_SIZE, MASTER_ADDR)
    if cfg.get("model_wrapper_cfg") is None:
        cfg.model_wrapper_cfg = dict(type="MMDistributedDataParallel", device_ids=None,
                                     broadcast_buffers=False,
                                     find_unused_parameters=cfg.get("find_unused_parameters", False))


def build_runner(cfg: Config):
    """The runner of ``cfg`` as mmseg's own tools build it: ``runner_type`` from mmseg's RUNNERS, else mmengine's."""
    from mmengine.runner import Runner
    from mmseg.registry import RUNNERS

    return RUNNERS.build(cfg) if "runner_type" in cfg else Runner.from_cfg(cfg)


def init_model(config: str, checkpoint: str | None = None, cfg_options: dict | None = None, device: str = "cpu"):
    """Build a config's model and load its checkpoint (mmseg's ``init_model`` with the project's errors).

    Args:
        config: mmengine config file.
        checkpoint: ``.pth`` file; None leaves the weights as initialised.
        cfg_options: ``--cfg-options`` overrides.
        device: torch device of the returned model.

    Returns:
        ``(cfg, model)``, the model in eval mode on ``device``.

    Raises:
        OrgansegInputError: missing config or checkpoint, or a checkpoint that does not fit the model
            (one line naming both files).
    """
    from mmengine.registry import init_default_scope
    from mmengine.runner import load_checkpoint
    from mmengine.utils import import_modules_from_strings
    from mmseg.registry import MODELS

    cfg = load_mm_config(config, cfg_options)
    if checkpoint is not None and not osp.isfile(checkpoint):
        raise OrgansegInputError(f"checkpoint not found: {checkpoint}")
    if cfg.get("custom_imports"):
        import_modules_from_strings(**cfg.custom_imports)
    init_default_scope(cfg.get("default_scope", "mmseg"))
    model = MODELS.build(cfg.model)
    if checkpoint is not None:
        try:
            load_checkpoint(model, checkpoint, map_location="cpu", strict=True, logger="silent")
        except (RuntimeError, KeyError, EOFError, ValueError) as err:
            raise OrgansegInputError(f"{checkpoint}: cannot load into {config}'s model: {err}") from err
    return cfg, model.to(device).eval()


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


def build_inferencer(config: str, checkpoint: str, device: str | None = None) -> OrganSegInferencer:
    """The project's :class:`OrganSegInferencer` on ``config`` + ``checkpoint`` (files checked first).

    Args:
        config: mmengine config file.
        checkpoint: ``.pth`` file.
        device: torch device; default ``cuda:0`` when available, else ``cpu``.

    Returns:
        The inferencer, its own progress bar off (:func:`predict_masks` shows one over every image).

    Raises:
        FileNotFoundError: A missing config or checkpoint (named).
    """
    for path, what in ((config, "config"), (checkpoint, "checkpoint")):
        if not osp.isfile(path):
            raise FileNotFoundError(f"{what} not found: {path}")
    import logging

    import torch
    from mmengine.logging import MMLogger

    MMLogger.get_current_instance().setLevel(logging.ERROR)
    if device is None:
        device = "cuda:0" if torch.cuda.is_available() else "cpu"
    inferencer = OrganSegInferencer(model=config, weights=checkpoint, device=device)
    inferencer.show_progress = False
    return inferencer


def predict_masks(inferencer: MMSegInferencer, images: list[np.ndarray], batch_size: int,
                  progress: bool = True) -> list[np.ndarray]:
    """0/1 organ masks (any non-background class) of ``images`` at input size, ``batch_size`` at a time.

    One inferencer call takes 16 batches (it batches internally; a call per batch pays its set-up each time).

    Args:
        inferencer: :func:`build_inferencer`'s (or any ``MMSegInferencer``).
        images: ``HxW`` or ``HxWx3`` arrays (gray images are repeated to 3 channels).
        batch_size: Images per forward pass.
        progress: Show a progress bar over the images.

    Returns:
        One ``uint8`` mask per image.
    """
    from tqdm import tqdm

    masks: list[np.ndarray] = []
    bar = tqdm(total=len(images), desc="infer", unit="img", disable=not progress)
    step = batch_size * 16
    for start in range(0, len(images), step):
        chunk = [img if img.ndim == 3 else np.repeat(img[..., None], 3, axis=2)
                 for img in images[start:start + step]]
        out = inferencer(chunk, batch_size=batch_size, return_datasamples=True)
        samples = out["predictions"] if isinstance(out, dict) else out
        samples = samples if isinstance(samples, list) else [samples]
        masks += [(s.pred_sem_seg.data[0].cpu().numpy() > 0).astype(np.uint8) for s in samples]
        bar.update(len(chunk))
    bar.close()
    return masks
