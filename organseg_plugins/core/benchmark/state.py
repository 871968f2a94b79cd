"""The state of one job on disk: ``<work dir>/state.json``, written atomically at every change.

States: ``pending`` (no file), ``running`` (with the runner's pid; a ``running`` job whose pid is gone was
killed and resumes), ``done`` (train and test finished: skipped by later runs) and ``failed`` (with the
phase, exit status and log file; run again by a later invocation).
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

from ..io.atomic import atomic_write_json

__all__ = ["STATE_FILE", "JOB_FILE", "is_alive", "read_state", "write_state", "write_job_file"]

STATE_FILE = "state.json"
JOB_FILE = "job.json"


def read_state(work_dir: str | os.PathLike) -> dict[str, Any]:
    """The job's state (``{"state": "pending"}`` without a file or with an unreadable one)."""
    p = Path(work_dir) / STATE_FILE
    try:
        doc = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {"state": "pending"}
    return doc if isinstance(doc, dict) and "state" in doc else {"state": "pending"}


def write_state(work_dir: str | os.PathLike, state: str, **fields: Any) -> dict[str, Any]:
    """Replace the state file with ``{"state": state, "time": now, **fields}`` and return it."""
    doc = {"state": state, "time": time.time(), **fields}
    atomic_write_json(Path(work_dir) / STATE_FILE, doc, indent=1)
    return doc


def write_job_file(work_dir: str | os.PathLike, description: dict[str, Any]) -> None:
    """Write ``job.json`` (method, config, framework, fold, seed) for the table writer."""
    atomic_write_json(Path(work_dir) / JOB_FILE, description, indent=1)


def is_alive(pid: int | None) -> bool:
    """Whether a process ``pid`` exists on this machine."""
    if not pid:
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
