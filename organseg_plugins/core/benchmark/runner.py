"""The runner loop: each job's train and test commands as subprocesses, skipping finished jobs, resuming
killed ones, reporting failed ones while the others go on; ``parallel`` jobs at a time.

Each command's output goes to ``<work dir>/train.log`` / ``test.log`` (appended, so a resumed job keeps the
log of the killed attempt). Each command runs under :mod:`.probe` (wall time, peak RSS, CUDA peak, device); a
finished job gets ``cost.json`` (:mod:`.cost`) next to its ``state.json``. A job with ``after`` waits until
that method's job of the same fold and seed is done (read from its state file, so it also works across Slurm
array tasks) and fails if that one failed.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import OrgansegInputError
from .cost import probed, write_cost
from .folds import fold_data_root
from .plan import Job, evaluation_command, last_checkpoint, plan_jobs, train_command
from .progress import progress_line, remaining_estimate
from .spec import BenchmarkSpec
from .state import is_alive, read_state, write_job_file, write_state

__all__ = ["BenchmarkResult", "run_benchmark", "run_job"]


@dataclass
class BenchmarkResult:
    """Outcome of :func:`run_benchmark`: job keys per outcome and the failure messages."""

    done: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)


def _run(cmd: Sequence[str], log_path: Path, env: dict[str, str]) -> int:
    with open(log_path, "a", encoding="utf-8") as log:
        log.write(f"\n$ {' '.join(cmd)}\n")
        log.flush()
        return subprocess.run(list(cmd), stdout=log, stderr=subprocess.STDOUT, env=env, check=False).returncode


def _pythonpath() -> str:
    """``PYTHONPATH`` for a job: the repository first (``-m organseg_plugins.core.benchmark.probe``), then the
    caller's."""
    root = str(Path(__file__).resolve().parents[3])
    rest = os.environ.get("PYTHONPATH", "")
    return os.pathsep.join([root] + ([rest] if rest else []))


def _last_error(log_path: Path) -> str:
    """The log's last ``error:`` line (the tools' one-line user errors), else its last non-empty line."""
    try:
        lines = [ln.strip() for ln in log_path.read_text(encoding="utf-8", errors="replace").splitlines() if ln.strip()]
    except OSError:
        return ""
    errors = [ln for ln in lines if ln.startswith("error:")]
    return (errors or lines or [""])[-1][:300]


def _wait_for(dep: Job, poll_s: float) -> str:
    while True:
        state = read_state(dep.work_dir)["state"]
        if state in ("done", "failed"):
            return state
        time.sleep(poll_s)


def _test_checkpoint(job: Job) -> str | None:
    if job.method.framework == "detectron2":
        final = Path(job.train_dir) / "model_final.pth"
        return str(final) if final.is_file() else last_checkpoint("detectron2", job.train_dir)
    return last_checkpoint("mmseg", job.train_dir)


def run_job(spec: BenchmarkSpec, job: Job, python: str = sys.executable, tools_dir: str = "tools",
            fold_lock: threading.Lock | None = None, poll_s: float = 1.0) -> tuple[str, str]:
    """Run one job (train, then test) unless it is done.

    Returns:
        ``(outcome, message)``: outcome ``"done"``, ``"skipped"`` or ``"failed"``.
    """
    state = read_state(job.work_dir)
    if state["state"] == "done":
        return "skipped", "already done"
    if state["state"] == "running" and state.get("host") == os.uname().nodename and is_alive(state.get("pid")) \
            and state.get("pid") != os.getpid():
        return "skipped", f"running in process {state.get('pid')}"
    if job.method.after is not None:
        dep = next(j for j in plan_jobs(spec) if j.method.name == job.method.after and j.fold == job.fold
                   and j.seed == job.seed)
        if _wait_for(dep, poll_s) != "done":
            Path(job.work_dir).mkdir(parents=True, exist_ok=True)
            write_state(job.work_dir, "failed", phase="after", message=f"{dep.key} failed")
            return "failed", f"needs {dep.key}, which failed"
    Path(job.work_dir).mkdir(parents=True, exist_ok=True)
    write_job_file(job.work_dir, job.describe())
    try:
        if fold_lock is not None:
            with fold_lock:
                data_root = fold_data_root(spec.data, job.fold, spec.work_root)
        else:
            data_root = fold_data_root(spec.data, job.fold, spec.work_root)
        resumed = _test_checkpoint(job)
        write_state(job.work_dir, "running", pid=os.getpid(), host=os.uname().nodename, phase="train",
                    resumed_from=resumed)
        env = {**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONPATH": _pythonpath()}
        train_cost, test_cost = Path(job.work_dir) / "train_cost.json", Path(job.work_dir) / "test_cost.json"
        rc = _run(probed(train_command(spec, job, data_root, python, tools_dir), train_cost),
                  Path(job.work_dir) / "train.log", env)
        if rc != 0:
            write_state(job.work_dir, "failed", phase="train", returncode=rc, log="train.log")
            log_path = Path(job.work_dir) / "train.log"
            return "failed", f"train exited {rc}: {_last_error(log_path)} (see {log_path})"
        ckpt = _test_checkpoint(job)
        if ckpt is None:
            write_state(job.work_dir, "failed", phase="train", message="no checkpoint after training")
            return "failed", f"no checkpoint in {job.train_dir} after training"
        write_state(job.work_dir, "running", pid=os.getpid(), host=os.uname().nodename, phase="test",
                    resumed_from=resumed)
        rc = _run(probed(evaluation_command(spec, job, data_root, ckpt, python, tools_dir), test_cost),
                  Path(job.work_dir) / "test.log", env)
        if rc != 0:
            write_state(job.work_dir, "failed", phase="test", returncode=rc, log="test.log")
            log_path = Path(job.work_dir) / "test.log"
            return "failed", f"test exited {rc}: {_last_error(log_path)} (see {log_path})"
    except OrgansegInputError as exc:
        write_state(job.work_dir, "failed", phase="setup", message=str(exc))
        return "failed", str(exc)
    write_cost(job.work_dir, job.test_dir, train_cost, test_cost)
    write_state(job.work_dir, "done", checkpoint=ckpt, data_root=data_root, resumed_from=resumed)
    return "done", "resumed from " + os.path.basename(resumed) if resumed else "done"


def run_benchmark(spec: BenchmarkSpec, parallel: int = 1, only: Sequence[int] | None = None,
                  python: str = sys.executable, tools_dir: str = "tools",
                  log: Callable[[str], None] = print) -> BenchmarkResult:
    """Run the spec's jobs (or the ``only`` indices of :func:`plan_jobs`), ``parallel`` at a time.

    Prints one progress line per job through ``log``.
    """
    jobs = plan_jobs(spec)
    if only is not None:
        bad = [i for i in only if not 0 <= i < len(jobs)]
        if bad:
            raise OrgansegInputError(f"{spec.path}: job index {bad[0]} out of range (0..{len(jobs) - 1})")
        jobs = [jobs[i] for i in only]
    result = BenchmarkResult()
    lock = threading.Lock()
    fold_lock = threading.Lock()
    durations: list[float] = []
    t0 = time.time()
    finished = [0]

    def one(job: Job) -> None:
        start = time.time()
        try:
            outcome, message = run_job(spec, job, python, tools_dir, fold_lock)
        except Exception as exc:  # a bug in one job must not stop the others: report it as that job's failure
            outcome, message = "failed", f"{type(exc).__name__}: {exc}"
        took = time.time() - start
        with lock:
            finished[0] += 1
            if outcome == "done":
                durations.append(took)
                result.done.append(job.key)
            elif outcome == "skipped":
                result.skipped.append(job.key)
            else:
                result.failed[job.key] = message
            left = len(jobs) - finished[0]
            rest = remaining_estimate(durations, left, parallel) if left else 0.0
            text = {"done": message, "skipped": f"skipped ({message})", "failed": f"FAILED ({message})"}[outcome]
            log(progress_line(finished[0], len(jobs), job.key, job.fold, job.num_folds, text, took,
                              time.time() - t0, rest))

    if parallel <= 1:
        for job in jobs:
            one(job)
    else:
        with ThreadPoolExecutor(max_workers=parallel) as pool:
            list(pool.map(one, jobs))
    return result
