"""What a job cost next to what it scored: ``<job>/cost.json``, written by the runner after the test.

Each of the job's two commands runs under :mod:`.probe` (``python -m organseg_plugins.core.benchmark.probe``),
which records its wall time, peak memory (process RSS; CUDA peak allocated when the command used CUDA) and
device in ``train_cost.json`` / ``test_cost.json``; this module adds the number of test samples (images,
volumes, cases) counted from the test outputs and writes::

    {"train": {probe record}, "test": {probe record},
     "test_samples": {"image": n, "volume": n, "case": n},     # the units the outputs give
     "test_s_per": {"image": s, ...}}                          # test wall time / samples of that unit

The test time per sample is the test command's whole wall time (start-up, model building and checkpoint
loading included) over its samples: an upper bound of the per-image inference time that approaches it with
many test images. A resumed job's train record covers the last (resumed) attempt only.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from ..io.atomic import atomic_write_json
from ..io.tables import read_csv_rows

__all__ = ["COST_FILE", "PROBE_MODULE", "count_test_samples", "probed", "read_cost", "write_cost"]

COST_FILE = "cost.json"
PROBE_MODULE = "organseg_plugins.core.benchmark.probe"


def probed(cmd: list[str], record: str | os.PathLike) -> list[str]:
    """``[python, SCRIPT, ARGS...]`` run under the probe, which writes ``record``."""
    return [cmd[0], "-m", PROBE_MODULE, str(record), *cmd[1:]]


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return doc if isinstance(doc, dict) else None


def _rows(path: Path) -> list[dict[str, str]]:
    try:
        return read_csv_rows(path)
    except Exception:  # an unreadable CSV counts no samples; the table reader reports it
        return []


def count_test_samples(test_dir: str | os.PathLike) -> dict[str, int]:
    """Test samples of a finished test run, per unit: ``image`` (distinct images of ``per_image.csv`` or
    detectron2's ``organ_masks_per_image.csv``), ``volume`` (rows of ``per_volume.csv``), ``case`` (rows of the
    newest ``<timestamp>/volume_per_case.csv``)."""
    test = Path(test_dir)
    out: dict[str, int] = {}
    images = test / "per_image.csv"
    d2 = sorted(test.glob("inference*/organ_masks_per_image.csv"))
    if images.is_file():
        rows = _rows(images)
        out["image"] = len({r.get("img_path") or r.get("file_name") or str(i) for i, r in enumerate(rows)})
    elif d2:
        out["image"] = len(_rows(d2[0]))
    if (test / "per_volume.csv").is_file():
        out["volume"] = len(_rows(test / "per_volume.csv"))
    cases = sorted(test.glob("*/volume_per_case.csv"))
    if cases:
        out["case"] = len(_rows(cases[-1]))
    return {k: v for k, v in out.items() if v > 0}


def write_cost(work_dir: str | os.PathLike, test_dir: str | os.PathLike, train_record: str | os.PathLike,
               test_record: str | os.PathLike) -> dict[str, Any]:
    """Combine the two probe records and the test sample counts into ``<work_dir>/cost.json``; return it."""
    train = _read_json(Path(train_record)) or {}
    test = _read_json(Path(test_record)) or {}
    samples = count_test_samples(test_dir)
    per = {unit: test["wall_s"] / n for unit, n in samples.items() if "wall_s" in test}
    doc = {"train": train, "test": test, "test_samples": samples, "test_s_per": per}
    atomic_write_json(Path(work_dir) / COST_FILE, doc, indent=1)
    return doc


def read_cost(work_dir: str | os.PathLike) -> dict[str, Any]:
    """A job's ``cost.json`` (``{}`` when there is none, e.g. a run made before costs were recorded)."""
    return _read_json(Path(work_dir) / COST_FILE) or {}
