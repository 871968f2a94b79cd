"""Shared fixtures: a small deterministic phantom dataset and helpers to run the repo's tools."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def phantom_root(tmp_path_factory) -> Path:
    """Small phantom set (spleen_us/ and liver_ct/), generated once per test session."""
    from organseg_plugins.core.phantoms import write_phantom_dataset

    root = tmp_path_factory.mktemp("phantom")
    write_phantom_dataset(root, num_spleen=12, num_liver=12, size=128, seed=0, progress=False)
    return root


def run_tool(*args: str, timeout: int = 900, env: dict | None = None, check: bool = True,
             cwd: Path = REPO) -> subprocess.CompletedProcess:
    """Run ``python <args>`` in the repo with this interpreter; return the completed process."""
    full_env = {**os.environ, "PYTHONUNBUFFERED": "1", "OMP_NUM_THREADS": "2", **(env or {})}
    proc = subprocess.run([sys.executable, *args], cwd=cwd, env=full_env, capture_output=True, text=True,
                          timeout=timeout)
    if check and proc.returncode != 0:
        raise AssertionError(f"{args} exited {proc.returncode}\nSTDOUT:\n{proc.stdout[-6000:]}\n"
                             f"STDERR:\n{proc.stderr[-6000:]}")
    return proc


def small_run_options(phantom_root: Path, iters: int = 2, dataset: str = "spleen_us") -> list[str]:
    """``--cfg-options`` shrinking a phantom mmseg config to ``iters`` iterations on ``phantom_root/dataset``,
    logging every iteration, in-process data loading (no workers)."""
    root = f"{phantom_root}/{dataset}"
    return ["--cfg-options", f"train_cfg.max_iters={iters}", f"train_cfg.val_interval={iters}",
            f"default_hooks.checkpoint.interval={iters}", "default_hooks.logger.interval=1",
            f"train_dataloader.dataset.data_root={root}", f"val_dataloader.dataset.data_root={root}",
            f"test_dataloader.dataset.data_root={root}",
            "train_dataloader.batch_size=2", "train_dataloader.num_workers=0",
            "train_dataloader.persistent_workers=False", "val_dataloader.num_workers=0",
            "val_dataloader.persistent_workers=False", "test_dataloader.num_workers=0",
            "test_dataloader.persistent_workers=False"]


@pytest.fixture(scope="session")
def ct_volume_root(tmp_path_factory) -> Path:
    """CT volume phantoms (4 cases of 12 x 64 x 64 voxels, 2.5 x 0.8 x 0.8 mm) as ROOT/raw/{nih,sliver07,msd},
    and ROOT/nih_pancreas: their NIH layout converted to mmseg slices (train: organ slices +- 2; val/test: all)."""
    from organseg_plugins.core.converters.ct_volumes import convert_ct_volumes
    from organseg_plugins.core.converters.splits import read_assignment
    from organseg_plugins.core.ct_volume_phantoms import write_ct_volume_phantoms

    root = tmp_path_factory.mktemp("ct_volumes")
    dirs = write_ct_volume_phantoms(root / "raw", num_cases=4, seed=0, shape=(12, 64, 64))
    convert_ct_volumes(dirs["nih"], root / "nih_pancreas", assignment=read_assignment(root / "raw" / "splits_nih.json"),
                       organ_margin=2, progress=False)
    return root


def ct_run_options(ct_volume_root: Path, iters: int = 2) -> list[str]:
    """``--cfg-options`` running a configs/ct_volume phantom config for ``iters`` iterations on ``ct_volume_root``."""
    root = f"{ct_volume_root}/nih_pancreas"
    return ["--cfg-options", f"train_cfg.max_iters={iters}", f"train_cfg.val_interval={iters}",
            f"default_hooks.checkpoint.interval={iters}", "default_hooks.logger.interval=1",
            f"train_dataloader.dataset.data_root={root}", f"val_dataloader.dataset.data_root={root}",
            f"test_dataloader.dataset.data_root={root}", "train_dataloader.batch_size=2"]
