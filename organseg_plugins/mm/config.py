"""Loading mmengine configs for the command-line tools, with errors that name the file.

:func:`load_mm_config` is what ``tools/train.py``, ``tools/test.py``, ``tools/denoise.py`` and
``tools/analysis/complexity.py`` use: a missing or broken config file becomes an
:class:`~organseg_plugins.core.errors.OrgansegInputError` (one ``error:`` line, see
:mod:`organseg_plugins.core.cli`), ``--cfg-options`` and the launcher are applied, and a ``pytorch``
launch works on a machine without CUDA (:func:`cpu_distributed`).
"""

from __future__ import annotations

import os.path as osp

from mmengine.config import Config

from organseg_plugins.core.errors import OrgansegInputError

__all__ = ["cpu_distributed", "load_mm_config"]


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
    discriminators are each synchronised across ranks (:mod:`organseg_plugins.mm.distributed`).
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
        # its D/G steps bypass forward(): ranks are kept equal by organseg_plugins.mm.distributed instead of DDP
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
