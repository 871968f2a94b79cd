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

__all__ = ["TRACKERS", "OrganSegInferencer", "add_tracking", "build_inferencer", "build_runner", "cpu_distributed",
           "default_trackers", "inference_pipeline_config", "init_model", "load_mm_config", "predict_masks"]


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


TRACKERS = ("tensorboard", "mlflow", "wandb")


def default_trackers() -> list[str]:
    """What ``--track`` alone (or ``tracking = True``) turns on: TensorBoard and MLflow, and Weights & Biases
    (offline) where ``wandb`` is importable (it is no dependency of the project)."""
    import importlib.util

    return ["tensorboard", "mlflow"] + (["wandb"] if importlib.util.find_spec("wandb") is not None else [])


def add_tracking(cfg: Config, backends: bool | str | list[str] | tuple[str, ...] | None = None) -> list[str]:
    """Experiment tracking through mmengine's own visualisation backends, appended to ``cfg.visualizer.vis_backends``.

    mmengine's ``LoggerHook`` sends what it logs to every vis backend (``Visualizer.add_scalars``): at each
    logged train iteration the losses and learning rates (a GAN's ``loss_d_*``/``loss_g_*`` and
    ``generator.lr``/``discriminators.lr``), at each validation every scalar the metrics return (step = the
    iteration), exactly the records of the run's ``vis_data/scalars.json``. Non-scalar metric values are not
    sent (mmengine keeps them out of the tag).

    Backends (each once; one already in the config is left as it is):

    - ``tensorboard``: ``TensorboardVisBackend``, event files in ``WORK_DIR/<timestamp>/vis_data/``
      (``tensorboard --logdir WORK_DIR``).
    - ``mlflow``: ``MLflowVisBackend``, one run per training in the local file store ``WORK_DIR/mlruns``
      (``cfg.tracking_uri``, a path or URI, chooses another store, e.g. one shared by a paper's phases),
      experiment = the config's name, run name = the work dir's, params = the flattened config, plus its text as
      ``config.py``. No files of the work dir are copied as artifacts (mmengine would copy every
      .json/.log/.py/yaml under the work dir, the store included, on every run).
    - ``wandb``: ``WandbVisBackend`` with ``mode="offline"`` (no network), in ``WORK_DIR/<timestamp>/vis_data/wandb/``
      (``wandb sync`` uploads it later); only where ``wandb`` is installed.

    Args:
        cfg: the config, ``work_dir`` already set (as ``tools/train.py`` does before calling this).
        backends: names of :data:`TRACKERS`; ``True`` for :func:`default_trackers`; None reads the config
            variable ``tracking`` (the same values), so a config file or
            ``--cfg-options tracking=tensorboard,mlflow`` turns tracking on. None, False or empty: nothing.

    Returns:
        The names whose backend was added.

    Raises:
        OrgansegInputError: an unknown name, ``wandb`` asked for but not installed, or no ``work_dir``.
    """
    import importlib.util

    if backends is None:
        backends = cfg.get("tracking")
    if backends is True:
        backends = default_trackers()
    if not backends:
        return []
    names = [backends] if isinstance(backends, str) else list(backends)
    unknown = [n for n in names if n not in TRACKERS]
    if unknown:
        raise OrgansegInputError(f"unknown tracking backend(s) {unknown}: choose from {list(TRACKERS)}")
    if "wandb" in names and importlib.util.find_spec("wandb") is None:
        raise OrgansegInputError("tracking backend 'wandb' needs the wandb package (pip install wandb); "
                                 "tensorboard and mlflow need nothing more")
    if not cfg.get("work_dir"):
        raise OrgansegInputError("experiment tracking needs the work_dir (--work-dir) to place its files")
    work_dir = osp.abspath(cfg.work_dir)
    exp_name = osp.splitext(osp.basename(cfg.filename))[0] if cfg.filename else osp.basename(work_dir)
    if cfg.get("visualizer") is None:
        cfg.visualizer = dict(type="Visualizer", vis_backends=[dict(type="LocalVisBackend")])  # the runner's default
    vis_backends = list(cfg.visualizer.get("vis_backends") or [])
    present = {str(b.get("type", "")).split(".")[-1] for b in vis_backends}
    added = []
    for name in dict.fromkeys(names):  # keep order, drop repeats
        if name == "tensorboard" and "TensorboardVisBackend" not in present:
            vis_backends.append(dict(type="TensorboardVisBackend"))
        elif name == "mlflow" and "MLflowVisBackend" not in present:
            uri = str(cfg.get("tracking_uri") or osp.join(work_dir, "mlruns"))
            store = dict(tracking_uri=uri) if "://" in uri and not uri.startswith("file:") else dict(
                save_dir=osp.abspath(uri[len("file://"):] if uri.startswith("file://") else uri))
            # run name: the work dir's (mlflow's own random names repeat in seeded runs)
            vis_backends.append(dict(type="MLflowVisBackend", exp_name=exp_name, run_name=osp.basename(work_dir),
                                     artifact_suffix=(), tags=dict(work_dir=work_dir, config=str(cfg.filename or "")),
                                     **store))
        elif name == "wandb" and "WandbVisBackend" not in present:
            vis_backends.append(dict(type="WandbVisBackend",
                                     init_kwargs=dict(mode="offline", project=exp_name, name=osp.basename(work_dir))))
        else:
            continue
        added.append(name)
    cfg.visualizer.vis_backends = vis_backends
    return added


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
        images: ``HxW`` or ``HxWx3`` arrays, already in the model's channels (1-channel models take ``HxW``;
            :func:`organseg_plugins.core.inference.contract.conform_slices` makes them).
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
        chunk = list(images[start:start + step])
        out = inferencer(chunk, batch_size=batch_size, return_datasamples=True)
        samples = out["predictions"] if isinstance(out, dict) else out
        samples = samples if isinstance(samples, list) else [samples]
        masks += [(s.pred_sem_seg.data[0].cpu().numpy() > 0).astype(np.uint8) for s in samples]
        bar.update(len(chunk))
    bar.close()
    return masks
