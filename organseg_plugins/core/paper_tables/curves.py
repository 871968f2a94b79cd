"""Training curves of an mmengine work dir: the scalars ``LocalVisBackend`` writes to
``<work_dir>/<timestamp>/vis_data/scalars.json`` (one JSON record per line), split into training records (those
with a loss, keyed by ``iter``) and validation records (keyed by ``step``). Reads files only (no framework).
"""

from __future__ import annotations

import glob
import json
import os
import os.path as osp

from ..errors import OrgansegInputError

__all__ = ["VAL_CLUTTER", "is_loss", "lr_keys", "loss_keys", "read_scalars", "val_keys"]

#: per-image duplicates and secondary columns left out of a validation plot (still in scalars.json)
VAL_CLUTTER = ("img_", "Precision.", "Recall.", "aAcc", "mPrecision", "mRecall")
_NOT_SCORES = ("step", "iter", "epoch", "data_time", "time")


def is_loss(key: str) -> bool:
    """Whether a scalar is a loss term as mmengine logs them: ``loss``, ``loss_g``, ``decode.loss_bce_dice``, ..."""
    return key.startswith("loss") or ".loss" in key


def read_scalars(work_dir: str | os.PathLike) -> tuple[list[dict], list[dict]]:
    """The scalars of the newest run under ``work_dir``.

    Args:
        work_dir: An mmengine work dir (``<timestamp>/vis_data/scalars.json`` below it).

    Returns:
        ``(train, val)``: the records with a loss (each with ``iter``), and the others (validation, with
        ``step``), in file order.

    Raises:
        FileNotFoundError: No ``*/vis_data/scalars.json`` under ``work_dir``.
        OrgansegInputError: A line that is not JSON (file and line named).
    """
    files = sorted(glob.glob(osp.join(os.fspath(work_dir), "*", "vis_data", "scalars.json")))
    if not files:
        raise FileNotFoundError(f"no */vis_data/scalars.json under {work_dir} (is it an mmengine work dir?)")
    train, val = [], []
    with open(files[-1]) as f:
        for n, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except json.JSONDecodeError as err:
                raise OrgansegInputError(f"{files[-1]}:{n}: not a JSON record ({err.msg})") from None
            (train if any(is_loss(k) for k in rec) else val).append(rec)
    return train, val


def loss_keys(train: list[dict]) -> list[str]:
    """The loss terms logged in ``train`` records, sorted."""
    return sorted({k for r in train for k in r if is_loss(k)})


def lr_keys(train: list[dict]) -> list[str]:
    """The learning rates logged (``lr``, or one ``<optimizer>.lr`` per optimizer of a GAN), sorted."""
    return sorted({k for r in train for k in r if k == "lr" or k.endswith(".lr")})


def val_keys(val: list[dict]) -> list[str]:
    """The numeric validation scores worth a curve (no counters, timings, :data:`VAL_CLUTTER` or background)."""
    return sorted({k for r in val for k in r if k not in _NOT_SCORES and isinstance(r[k], (int, float))
                   and not k.startswith(VAL_CLUTTER) and not k.endswith(".background")})
