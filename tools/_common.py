"""Shared bits of the command-line tools: clean error reporting and config loading."""

from __future__ import annotations

import functools
import os
import os.path as osp
import sys
from collections.abc import Callable

from organseg_plugins.core.errors import OrgansegInputError

#: Errors caused by the user's files or settings: printed as one line, no traceback
#: (set ORGANSEG_DEBUG=1 to see the traceback).
USER_ERRORS = (OrgansegInputError, FileNotFoundError, NotADirectoryError)


def fail_cleanly(main: Callable) -> Callable:
    """Run ``main``; turn user errors into ``error: <message>`` on stderr and exit status 1."""

    @functools.wraps(main)
    def wrapper(*args, **kwargs):
        try:
            return main(*args, **kwargs)
        except USER_ERRORS as err:
            if os.environ.get("ORGANSEG_DEBUG"):
                raise
            print(f"error: {err}", file=sys.stderr)
            raise SystemExit(1) from None

    return wrapper


def load_mm_config(path: str, cfg_options: dict | None = None, launcher: str = "none"):
    """Load an mmengine config and apply ``--cfg-options`` and the launcher, with clear errors.

    On a machine without CUDA a ``pytorch`` launch uses the gloo backend (NCCL needs GPUs).
    """
    from mmengine.config import Config

    if not osp.isfile(path):
        raise OrgansegInputError(f"config file not found: {path}")
    try:
        cfg = Config.fromfile(path)
    except Exception as err:  # mmengine raises many types here; all mean "this config file is broken"
        raise OrgansegInputError(f"{path}: cannot load config: {type(err).__name__}: {err}") from err
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    if launcher != "none" and cfg.get("model", {}).get("type") == "AdversarialSegmentor":
        raise OrgansegInputError(f"{path}: AdversarialSegmentor (a GAN phase) trains in one process; "
                                 "run it without --launcher pytorch / torchrun")
    cfg.launcher = launcher
    if launcher == "pytorch":
        _cpu_distributed(cfg)
    return cfg


def _cpu_distributed(cfg) -> None:
    """Make mmengine's ``pytorch`` launcher work on a machine without CUDA.

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
