"""Job planning: methods x folds x seeds, each job one work dir and two independent commands (train, test).

A job's work dir is ``<work_root>/<method>/fold<k>_seed<s>`` with ``train/`` (the framework's own work dir:
checkpoints, logs) and ``test/`` (test log, ``per_image.csv`` and the other CSVs of the method's
``csv_options``, predicted masks in ``test/pred/``).
mmseg configs run through ``tools/train.py`` / ``tools/test.py``, detectron2 yamls through
``tools/train_net.py`` (training, then ``--eval-only`` on the final weights); a job whose work dir holds a
checkpoint resumes from it through the frameworks' ``--resume``.
"""

from __future__ import annotations

import json
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import OrgansegInputError
from .spec import BenchmarkSpec, MethodSpec

__all__ = ["Job", "last_checkpoint", "plan_jobs", "evaluation_command", "train_command"]

_PLACEHOLDER = re.compile(r"\{checkpoint:([A-Za-z0-9_.+-]+)\}")


@dataclass(frozen=True)
class Job:
    """One (method, fold, seed) run."""

    method: MethodSpec
    fold: int
    seed: int
    work_dir: str
    num_folds: int

    @property
    def key(self) -> str:
        """``method/fold<k>_seed<s>``, the job's name in progress lines and reports."""
        return f"{self.method.name}/fold{self.fold}_seed{self.seed}"

    @property
    def train_dir(self) -> str:
        """The framework's training work dir."""
        return os.path.join(self.work_dir, "train")

    @property
    def test_dir(self) -> str:
        """The test work dir (log, ``per_image.csv``, ``pred/``)."""
        return os.path.join(self.work_dir, "test")

    def describe(self) -> dict[str, Any]:
        """What :mod:`tools/analysis/paper_tables.py` needs to know about the job (written as ``job.json``)."""
        return {"method": self.method.name, "config": self.method.config, "framework": self.method.framework,
                "fold": self.fold, "seed": self.seed, "num_folds": self.num_folds}


def plan_jobs(spec: BenchmarkSpec) -> list[Job]:
    """All jobs of ``spec``, ordered fold, seed, method (so a method's ``after`` comes first)."""
    n = spec.data.num_folds or 0
    if spec.data.split_file and not n:
        n = _folds_in_split_file(spec)
    folds = spec.folds if spec.folds is not None else tuple(range(max(n, 1)))
    jobs = []
    for fold in folds:
        for seed in spec.seeds:
            for m in spec.methods:
                wd = os.path.join(spec.work_root, m.name, f"fold{fold}_seed{seed}")
                jobs.append(Job(method=m, fold=fold, seed=seed, work_dir=wd, num_folds=max(n, 1)))
    return jobs


def _folds_in_split_file(spec: BenchmarkSpec) -> int:
    path = str(spec.data.split_file)
    if path.lower().endswith(".json"):
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
        if "kfold" not in doc:
            raise OrgansegInputError(f"{spec.path}: data.split_file: {path} is not a k-fold assignment")
        return int(doc["kfold"]["k"])
    from ..io.tables import read_csv_rows

    folds = {r["fold"] for r in read_csv_rows(path, ("case_id", "fold")) if r["fold"] != "test"}
    return len(folds)


def last_checkpoint(framework: str, train_dir: str) -> str | None:
    """The newest checkpoint of a training work dir (mmengine's ``last_checkpoint`` file; detectron2's
    ``last_checkpoint`` names a file of the dir), or ``None``."""
    marker = Path(train_dir) / "last_checkpoint"
    if not marker.is_file():
        return None
    name = marker.read_text(encoding="utf-8").strip()
    path = name if framework == "mmseg" and os.path.isabs(name) else str(Path(train_dir) / os.path.basename(name))
    return path if os.path.isfile(path) else None


def _fill(value: Any, job: Job, data_root: str, work_root: str, jobs: dict[tuple[str, int, int], Job]) -> Any:
    if not isinstance(value, str):
        return value

    def ckpt(match: re.Match) -> str:
        dep = jobs.get((match.group(1), job.fold, job.seed))
        if dep is None:
            raise OrgansegInputError(f"{job.key}: {{checkpoint:{match.group(1)}}}: no such method in the spec")
        path = last_checkpoint(dep.method.framework, dep.train_dir)
        if path is None:
            raise OrgansegInputError(f"{job.key}: {{checkpoint:{match.group(1)}}}: {dep.key} has no checkpoint yet")
        return path

    value = _PLACEHOLDER.sub(ckpt, value)
    return value.replace("{fold}", str(job.fold)).replace("{seed}", str(job.seed)).replace(
        "{work_root}", work_root).replace("{data_root}", data_root)


def _cfg_value(value: Any) -> str:
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(_cfg_value(v) for v in value) + "]"
    return str(value)


def _options(spec: BenchmarkSpec, job: Job, data_root: str, jobs: dict) -> tuple[dict[str, Any], dict[str, Any]]:
    m = job.method
    cfg = {k: data_root for k in m.data_root_keys}
    cfg.update({"randomness.seed": job.seed})
    cfg.update(spec.cfg_options)
    cfg.update(m.cfg_options)
    cfg.update(spec.override_cfg_options)
    opts = {"ORGANSEG.DATA_ROOT": data_root, "SEED": job.seed, **spec.opts, **m.opts, **spec.override_opts}
    fill = {k: _fill(v, job, data_root, spec.work_root, jobs) for k, v in cfg.items()}
    return fill, {k: _fill(v, job, data_root, spec.work_root, jobs) for k, v in opts.items()}


def _index(spec: BenchmarkSpec) -> dict[tuple[str, int, int], Job]:
    return {(j.method.name, j.fold, j.seed): j for j in plan_jobs(spec)}


def train_command(spec: BenchmarkSpec, job: Job, data_root: str, python: str = sys.executable,
                  tools_dir: str = "tools") -> list[str]:
    """The training command of ``job``, resuming from the work dir's last checkpoint when there is one.

    mmengine resumes from ``load_from`` when that is set (e.g. a phase-2 config's phase-1 weights), so a
    resumed mmseg job gets ``--resume`` with ``load_from=<its last checkpoint>``; detectron2's ``--resume``
    reads ``OUTPUT_DIR/last_checkpoint`` itself and falls back to ``MODEL.WEIGHTS``.
    """
    cfg, opts = _options(spec, job, data_root, _index(spec))
    if job.method.framework == "mmseg":
        resume = last_checkpoint("mmseg", job.train_dir)
        extra = ["--resume"] if resume else []
        if resume:
            cfg["load_from"] = resume
        return [python, os.path.join(tools_dir, "train.py"), job.method.config, "--work-dir", job.train_dir,
                *extra, "--cfg-options", *[f"{k}={_cfg_value(v)}" for k, v in cfg.items()]]
    pairs = [x for k, v in {**opts, "OUTPUT_DIR": job.train_dir}.items() for x in (k, _cfg_value(v))]
    return [python, os.path.join(tools_dir, "train_net.py"), "--config-file", job.method.config, "--resume", *pairs]


def evaluation_command(spec: BenchmarkSpec, job: Job, data_root: str, checkpoint: str, python: str = sys.executable,
                 tools_dir: str = "tools") -> list[str]:
    """The test command of ``job`` on ``checkpoint``: metrics, ``per_image.csv`` and predicted masks."""
    cfg, opts = _options(spec, job, data_root, _index(spec))
    if job.method.framework == "mmseg":
        cfg.update({k: os.path.join(job.test_dir, name) for k, name in job.method.csv_options.items()})
        out = ["--out", os.path.join(job.test_dir, "pred")] if job.method.predictions else []
        return [python, os.path.join(tools_dir, "test.py"), job.method.config, checkpoint, "--work-dir",
                job.test_dir, *out, "--cfg-options", *[f"{k}={_cfg_value(v)}" for k, v in cfg.items()]]
    pairs = [x for k, v in {**opts, "MODEL.WEIGHTS": checkpoint, "OUTPUT_DIR": job.test_dir}.items()
             for x in (k, _cfg_value(v))]
    return [python, os.path.join(tools_dir, "train_net.py"), "--config-file", job.method.config, "--eval-only", *pairs]
