"""Finished runs read from their work dirs: the test metrics and the per-image rows, whichever framework.

A run is a benchmark job dir (``job.json``, ``state.json``, ``test/``; see
:mod:`organseg_plugins.core.benchmark`) or any plain work dir of ``tools/test.py`` /
``tools/train_net.py``. Read from it:

* mmseg: the newest ``<timestamp>/<timestamp>.json`` of the test work dir (the metrics mmengine's
  ``LoggerHook`` dumps after testing: ``IoU.spleen``, ``kappa``, ``MPLE`` ...), else the newest
  ``*/vis_data/scalars.json`` record with metrics (a training run's last validation); ``per_image.csv``
  (``OrganSegMetric(csv_file=...)``: one row per image and organ class) and ``per_volume.csv``
  (``CTVolumeMetric(csv_file=...)``: one row per volume), when there; the newest
  ``<timestamp>/volume_per_case.csv`` (``VolumeMRVAMetric``: one row per case, ``gt_volume_ml``,
  ``pred_volume_ml``, ``lower_ml``, ``upper_ml``), when there.
* detectron2: ``inference/organ_masks_per_image.csv`` (``OrganMaskEvaluator``: ``MaskIoU``, ``TrimapIoU``,
  ``Fmeasure``, ``BoundaryIoU`` ... in %) and ``metrics.json`` (its last record with metrics).
* a benchmark job's ``cost.json`` (:mod:`organseg_plugins.core.benchmark.cost`: train/test wall time, peak
  memory, device, test samples), when there, as ``RunRecord.cost``.
"""

from __future__ import annotations

import glob
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import OrgansegInputError
from ..io.tables import read_csv_rows

__all__ = ["RunRecord", "collect_runs", "read_run"]


@dataclass
class RunRecord:
    """One finished run: method, fold, seed, its test metrics and per-image rows."""

    method: str
    fold: int
    seed: int
    work_dir: str
    framework: str
    config: str | None
    metrics: dict[str, float]
    per_image: list[dict[str, Any]]
    per_image_file: str | None
    pred_dir: str | None
    extra: dict[str, float] = field(default_factory=dict)
    per_volume: list[dict[str, Any]] = field(default_factory=list)
    per_case: list[dict[str, Any]] = field(default_factory=list)
    per_case_file: str | None = None
    cost: dict[str, Any] = field(default_factory=dict)


def _numbers(row: dict[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in row.items():
        try:
            out[k] = float(v)
        except ValueError:
            out[k] = v
    return out


def _json_metrics(files: list[str]) -> dict[str, float]:
    for path in sorted(files, key=os.path.getmtime, reverse=True):
        try:
            lines = [ln for ln in Path(path).read_text(encoding="utf-8").splitlines() if ln.strip()]
        except OSError:
            continue
        for line in reversed(lines):
            try:
                rec = json.loads(line)
            except ValueError:
                continue
            if isinstance(rec, dict) and any(k.startswith(("mIoU", "IoU.", "kappa", "organ_masks", "mrva")) for k in rec):
                return {k: float(v) for k, v in rec.items() if isinstance(v, (int, float))}
    return {}


def _cost(wd: Path) -> dict[str, Any]:
    try:
        doc = json.loads((wd / "cost.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return doc if isinstance(doc, dict) else {}


def read_run(work_dir: str | os.PathLike, method: str | None = None) -> RunRecord:
    """Read one run's results.

    Args:
        work_dir: A benchmark job dir or a plain test/train work dir.
        method: Row name for a plain work dir (default: the folder name).

    Raises:
        OrgansegInputError: The folder is missing, or holds neither test metrics nor per-image rows.
    """
    wd = Path(work_dir)
    if not wd.is_dir():
        raise OrgansegInputError(f"{wd}: work dir not found")
    job: dict[str, Any] = {}
    if (wd / "job.json").is_file():
        job = json.loads((wd / "job.json").read_text(encoding="utf-8"))
    test = wd / "test" if (wd / "test").is_dir() else wd
    framework = job.get("framework") or ("detectron2" if list(test.glob("**/organ_masks_per_image.csv"))
                                         else "mmseg")
    per_image_file: str | None = None
    if framework == "detectron2":
        hits = sorted(test.glob("inference*/organ_masks_per_image.csv")) or sorted(test.glob("**/organ_masks_per_image.csv"))
        per_image_file = str(hits[0]) if hits else None
        metrics = _json_metrics([str(p) for p in test.glob("metrics.json")])
    else:
        if (test / "per_image.csv").is_file():
            per_image_file = str(test / "per_image.csv")
        metrics = _json_metrics(glob.glob(str(test / "*" / "*.json")))
        if not metrics:
            metrics = _json_metrics(glob.glob(str(test / "*" / "vis_data" / "scalars.json")))
    per_image = [_numbers(r) for r in read_csv_rows(per_image_file)] if per_image_file else []
    cases = sorted(test.glob("volume_per_case.csv")) or sorted(test.glob("*/volume_per_case.csv"))
    per_case_file = str(cases[-1]) if cases else None  # the newest <timestamp> folder
    if not metrics and not per_image and not per_case_file and not (test / "per_volume.csv").is_file():
        raise OrgansegInputError(f"{wd}: no test metrics (<timestamp>/<timestamp>.json, vis_data/scalars.json, "
                                 "metrics.json) and no per-image CSV: is it a finished run?")
    pred = test / "pred"
    per_volume = [_numbers(r) for r in read_csv_rows(test / "per_volume.csv")] if (test / "per_volume.csv").is_file() \
        else []
    return RunRecord(method=method or job.get("method") or wd.name, fold=int(job.get("fold", 0)),
                     seed=int(job.get("seed", 0)), work_dir=str(wd), framework=framework, config=job.get("config"),
                     metrics=metrics, per_image=per_image, per_image_file=per_image_file,
                     pred_dir=str(pred) if pred.is_dir() else None, per_volume=per_volume,
                     per_case=read_csv_rows(per_case_file) if per_case_file else [], per_case_file=per_case_file,
                     cost=_cost(wd))


def collect_runs(paths: list[str | os.PathLike]) -> list[RunRecord]:
    """Every finished run under ``paths``: benchmark roots (their ``*/*/state.json`` jobs in state ``done``),
    benchmark job dirs, or plain work dirs.

    Raises:
        OrgansegInputError: A path that does not exist or has no finished run.
    """
    records: list[RunRecord] = []
    for path in paths:
        p = Path(path)
        if not p.is_dir():
            raise OrgansegInputError(f"{p}: work dir not found")
        states = sorted(p.glob("*/*/state.json"))
        if states:
            done = [s.parent for s in states if json.loads(s.read_text(encoding="utf-8")).get("state") == "done"]
            if not done:
                raise OrgansegInputError(f"{p}: no finished job (every */*/state.json is pending, running or failed)")
            records += [read_run(d) for d in done]
        else:
            records.append(read_run(p))
    return records
