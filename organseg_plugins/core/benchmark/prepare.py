"""The ``prepare`` steps of a spec: the converter from the raw dataset folder to the MMSeg layout, run once.

A step is done when its output folder holds :data:`MARKER` (written after the command succeeded, with the
command); a done step is skipped, so a second ``tools/benchmark.py SPEC`` goes straight to the jobs. A
``per_fold`` step runs once per fold of the spec (the folds it runs), ``{fold}`` replaced in its words.
Concurrent runners (Slurm array tasks) take a file lock per output, so one converts and the others wait, then
skip. The converter's output goes to ``<work_root>/prepare.log``.

Exit statuses of a converter (:mod:`organseg_plugins.core.cli`): 0 done; 1 done with some input files skipped
(each listed in the log; the marker records it and the runner says so); anything else stops the benchmark. A
Python converter that crashed also exits 1: a traceback in the step's output makes that status a failure.
"""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import OrgansegInputError
from ..io.atomic import atomic_write_json
from .spec import BenchmarkSpec

__all__ = ["MARKER", "PreparedStep", "prepare_data", "prepare_plan"]

#: The done marker in a step's output folder.
MARKER = ".organseg_prepared.json"


@dataclass(frozen=True)
class PreparedStep:
    """One step to run: its words (as the spec wrote them), output folder and fold (``None``: not per fold)."""

    command: tuple[str, ...]
    output: str
    fold: int | None

    def argv(self, python: str = sys.executable) -> list[str]:
        """The command to run: a first word ``python`` is ``python`` (the runner's interpreter)."""
        words = list(self.command)
        return [python, *words[1:]] if words and words[0] in ("python", "python3") else words

    def state(self) -> str:
        """``"done"`` (marker of this command), ``"pending"`` (no output yet), ``"stale"`` (marker of another
        command) or ``"partial"`` (output without a marker: an interrupted or hand-made conversion)."""
        marker = Path(self.output) / MARKER
        if marker.is_file():
            try:
                doc = json.loads(marker.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                return "partial"
            return "done" if doc.get("command") == list(self.command) else "stale"
        out = Path(self.output)
        return "partial" if out.is_dir() and any(out.iterdir()) else "pending"


def prepare_plan(spec: BenchmarkSpec) -> list[PreparedStep]:
    """The spec's prepare steps, a ``per_fold`` step once per fold the spec runs.

    Raises:
        OrgansegInputError: A ``per_fold`` step in a spec whose fold count is unknown before the data exist.
    """
    out: list[PreparedStep] = []
    for i, step in enumerate(spec.prepare):
        if not step.per_fold:
            out.append(PreparedStep(step.command, step.output, None))
            continue
        n = spec.data.num_folds
        if not n:
            raise OrgansegInputError(f"{spec.path}: prepare[{i}].per_fold: give data.folds or data.fold_roots "
                                     "(the number of folds must be known before the data exist)")
        for fold in spec.folds if spec.folds is not None else range(n):
            words = tuple(w.replace("{fold}", str(fold)) for w in step.command)
            out.append(PreparedStep(words, step.output.replace("{fold}", str(fold)), fold))
    return out


def _tail(log: Path, n: int = 3) -> str:
    try:
        lines = [ln.strip() for ln in log.read_text(encoding="utf-8", errors="replace").splitlines() if ln.strip()]
    except OSError:
        return ""
    errors = [ln for ln in lines if ln.startswith("error:")]
    return " / ".join((errors or lines)[-n:])[:500]


def _name(step: PreparedStep) -> str:
    """The converter's script (the command's second word) or program."""
    return step.command[1] if len(step.command) > 1 else step.command[0]


def _crashed(log: Path, offset: int) -> bool:
    """Whether the output written to ``log`` after ``offset`` holds a Python traceback."""
    try:
        with open(log, encoding="utf-8", errors="replace") as fh:
            fh.seek(offset)
            return "Traceback (most recent call last):" in fh.read()
    except OSError:
        return False


def _run_step(step: PreparedStep, spec: BenchmarkSpec, python: str, log_path: Path,
              log: Callable[[str], None]) -> None:
    out = Path(step.output)
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out.parent / f".{out.name}.prepare.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another runner converting the same folder: wait, then skip
        state = step.state()
        if state == "done":
            log(f"prepare: {step.output}: done (skipped)")
            return
        if state == "stale":
            old = json.loads((out / MARKER).read_text(encoding="utf-8")).get("command")
            raise OrgansegInputError(f"{out}: prepared by another command ({' '.join(old or [])}); delete the "
                                     f"folder to prepare it with {' '.join(step.command)}")
        if state == "partial":
            raise OrgansegInputError(f"{out}: exists without the done marker {MARKER} (an interrupted conversion?): "
                                     "delete it and run again")
        log(f"prepare: {' '.join(step.command)}")
        start = time.time()
        with open(log_path, "a", encoding="utf-8") as fh:
            fh.write(f"\n$ {' '.join(step.argv(python))}\n")
            fh.flush()
            offset = fh.tell()
            env = {**os.environ, "PYTHONUNBUFFERED": "1"}
            rc = subprocess.run(step.argv(python), stdout=fh, stderr=subprocess.STDOUT, env=env,
                                check=False).returncode
        if rc == 1 and _crashed(log_path, offset):
            raise OrgansegInputError(f"{spec.path}: prepare: {_name(step)} crashed: {_tail(log_path, 1)} "
                                     f"(a bug, not a skipped input: see the traceback in {log_path})")
        if rc not in (0, 1):
            raise OrgansegInputError(f"{spec.path}: prepare: {_name(step)} exited {rc}: {_tail(log_path)} "
                                     f"(see {log_path})")
        if not out.is_dir():
            raise OrgansegInputError(f"{spec.path}: prepare: the command wrote no {out} (see {log_path})")
        doc: dict[str, Any] = {"command": list(step.command), "exit_status": rc, "seconds": time.time() - start,
                               "time": time.time()}
        atomic_write_json(out / MARKER, doc, indent=1)
        took = f"{time.time() - start:.0f}s"
        if rc == 1:
            log(f"prepare: {step.output}: done in {took}, SOME INPUT FILES SKIPPED (listed in {log_path})")
        else:
            log(f"prepare: {step.output}: done in {took}")


def prepare_data(spec: BenchmarkSpec, python: str = sys.executable, log: Callable[[str], None] = print) -> None:
    """Run the spec's prepare steps that are not done (see the module docstring).

    Raises:
        OrgansegInputError: A converter that failed (its last error line and the log named), an output folder
            prepared by another command or left half-written.
    """
    steps = prepare_plan(spec)
    if not steps:
        return
    Path(spec.work_root).mkdir(parents=True, exist_ok=True)
    log_path = Path(spec.work_root) / "prepare.log"
    for step in steps:
        _run_step(step, spec, python, log_path, log)
