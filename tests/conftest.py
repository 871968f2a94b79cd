"""Shared fixtures: a small deterministic phantom dataset and helpers to run the repo's tools."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

if os.environ.get("PYTEST_XDIST_WORKER"):
    # tools/run_tests.sh runs one pytest-xdist worker per core: one OpenMP/BLAS thread per worker (and per tool
    # it starts) instead of every worker's torch spreading over all cores; measured on 2 cores, 2 threads per
    # worker stretched the real-CT training from 174 s to 492 s. An explicit setting is kept.
    for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ.setdefault(_var, "1")


def pytest_collection_modifyitems(config, items):
    """The end-to-end (``slow``) tests first, in their file order, so that they start early. ``tools/run_tests.sh``
    runs ``--dist load --maxschedchunk 1``: each worker takes the next test when it is free, so the long tests
    spread over the workers and the short ones even out the end (under ``--dist worksteal`` they all landed in the
    first worker's half and the fresh-clone run of 2026-12-03 finished on the real-CT test)."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)  # stable: file order kept within


@pytest.fixture(scope="session")
def phantom_root(tmp_path_factory) -> Path:
    """Small phantom set (spleen_us/ and liver_ct/), generated once per test session."""
    from organseg_plugins.core.phantoms.organ_slices import write_phantom_dataset

    root = tmp_path_factory.mktemp("phantom")
    write_phantom_dataset(root, num_spleen=12, num_liver=12, size=128, seed=0, progress=False)
    return root


@pytest.fixture(scope="session")
def reference_data() -> dict[str, Path]:
    """Real medical files by key (organseg_plugins.core.io.reference_data): fetched by tools/run_tests.sh into
    $ORGANSEG_DATA_CACHE or ~/.cache/organseg_plugins/reference_data; here a no-op on that warm cache, and
    the download itself for a bare ``pytest`` on a cold one (never at import time)."""
    from organseg_plugins.core.io.reference_data import fetch

    return fetch()


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


def mm_scalars(work_dir: Path) -> list[dict]:
    """The scalar records of the latest mmengine run in ``work_dir``: one per logged train iteration (losses,
    ``lr``, ``step`` = iteration) and one per validation (the metrics, ``step``), as mmengine's LocalVisBackend
    writes them to ``WORK_DIR/<timestamp>/vis_data/scalars.json``."""
    files = sorted(Path(work_dir).glob("*/vis_data/scalars.json"))
    assert files, f"no */vis_data/scalars.json under {work_dir}: {sorted(Path(work_dir).rglob('*'))[:20]}"
    return [json.loads(line) for line in files[-1].read_text().splitlines() if line.strip()]


def mm_test_metrics(work_dir: Path) -> dict:
    """The metrics of the latest ``tools/test.py`` run in ``work_dir``, as mmengine's LoggerHook dumps them after
    the test epoch to ``WORK_DIR/<timestamp>/<timestamp>.json``."""
    files = sorted(p for p in Path(work_dir).glob("*/*.json") if p.stem == p.parent.name)
    assert files, f"no <timestamp>/<timestamp>.json under {work_dir}: {sorted(Path(work_dir).rglob('*'))[:20]}"
    return json.loads(files[-1].read_text())


def scalar_series(records: list[dict], key: str) -> dict[int, float]:
    """``{step: value}`` of ``key`` over the records of :func:`mm_scalars` that hold it."""
    return {int(r["step"]): float(r[key]) for r in records if key in r}


def assert_values_in(values: dict, keys, lo: float = -math.inf, hi: float = math.inf) -> None:
    """Each of ``keys`` is in ``values`` and is a finite number in ``[lo, hi]`` (a NaN or a word fails)."""
    for key in keys:
        assert key in values, (key, sorted(values))
        v = float(values[key])
        assert math.isfinite(v) and lo <= v <= hi, f"{key} = {v}, expected a finite value in [{lo}, {hi}]"


def assert_finite_losses(records: list[dict], keys, steps) -> None:
    """Each loss of ``keys`` was logged at every train iteration of ``steps``, and each value is finite."""
    for key in keys:
        series = scalar_series(records, key)
        assert sorted(series) == sorted(steps), (key, sorted(series), sorted(steps))
        assert all(math.isfinite(v) for v in series.values()), (key, series)


def assert_organ_metrics(metrics: dict, classes, mple: bool = False) -> None:
    """OrganSegMetric's values are numbers in their ranges: pooled precision/recall/IoU/Dice per class and their
    class means in [0, 100] %, kappa in [-1, 1], MPLE (``mple``) a finite percentage >= 0."""
    assert_values_in(metrics, [f"{m}.{c}" for m in ("Precision", "Recall", "IoU", "Dice") for c in classes]
                     + ["mPrecision", "mRecall", "mIoU", "mDice", "aAcc"], 0.0, 100.0)
    assert_values_in(metrics, ["kappa"], -1.0, 1.0)
    if mple:
        assert_values_in(metrics, ["MPLE"], 0.0)


def printed_row(text: str, first_cell: str) -> list[str]:
    """The cells of the last printed table row (``a | b | c`` or ``| a | b |``) whose first cell is ``first_cell``."""
    rows = [[c.strip() for c in line.strip().strip("|").split("|")] for line in text.splitlines() if "|" in line]
    rows = [r for r in rows if r[0] == first_cell]
    assert rows, f"no printed table row {first_cell!r} in:\n{text[-3000:]}"
    return rows[-1]


@pytest.fixture(scope="session")
def ct_volume_root(tmp_path_factory) -> Path:
    """CT volume phantoms (4 cases of 12 x 64 x 64 voxels, 2.5 x 0.8 x 0.8 mm) as ROOT/raw/{nih,sliver07,msd},
    and ROOT/nih_pancreas: their NIH layout converted to mmseg slices (train: organ slices +- 2; val/test: all)."""
    from organseg_plugins.core.converters.ct_volumes import convert_ct_volumes
    from organseg_plugins.core.converters.splits import read_assignment
    from organseg_plugins.core.phantoms.ct_volumes import write_ct_volume_phantoms

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
