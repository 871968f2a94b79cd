"""Run a tool script in this process and record what it cost (the benchmark runner wraps each job's commands)::

    python -m organseg_plugins.core.benchmark.probe OUT.json tools/train.py CONFIG --work-dir W ...

The script runs as ``__main__`` with its own ``sys.argv`` and its folder first on ``sys.path``, as
``python SCRIPT ARGS`` would run it; its exit status is kept. When it ends (normally, by ``sys.exit`` or by an
exception) ``OUT.json`` gets:

* ``wall_s``: wall-clock seconds of the script (start-up, imports and model building included);
* ``peak_rss_mib``: the peak resident set size of this process (``getrusage(RUSAGE_SELF).ru_maxrss``), and
  ``peak_rss_children_mib``: the largest peak of its reaped child processes (data-loader workers);
* ``device``: ``"cpu"``, or ``"cuda"`` and ``cuda_device_name`` when the script initialised CUDA, with
  ``cuda_peak_allocated_mib`` / ``cuda_peak_reserved_mib``: ``torch.cuda.max_memory_allocated`` /
  ``max_memory_reserved``, the largest over the devices (the caching allocator's tensors / its reserved pool);
* ``torch_threads``, ``exit_status``.

It never imports torch itself: the CUDA figures come from the ``torch`` the script imported, if any. A process
killed by a signal (SIGKILL) writes nothing. Standard library only, so the probe adds nothing to the measured
process but the script itself.
"""

from __future__ import annotations

import json
import os
import resource
import runpy
import sys
import tempfile
import time
from typing import Any

__all__ = ["main", "peak_rss_mib", "torch_usage", "write_record"]

_MIB = 1024.0 * 1024.0


def peak_rss_mib(who: int = resource.RUSAGE_SELF) -> float:
    """Peak resident set size in MiB (``ru_maxrss``: KiB on Linux, bytes on macOS)."""
    rss = float(resource.getrusage(who).ru_maxrss)
    return rss / _MIB if sys.platform == "darwin" else rss / 1024.0


def torch_usage() -> dict[str, Any]:
    """The device and CUDA peaks of the ``torch`` this process imported (``{"device": "cpu"}`` without CUDA)."""
    torch = sys.modules.get("torch")
    out: dict[str, Any] = {"device": "cpu"}
    if torch is None:
        return out
    try:
        out["torch_threads"] = int(torch.get_num_threads())
        cuda = torch.cuda
        if cuda.is_available() and cuda.is_initialized():
            devices = range(cuda.device_count())
            out.update(device="cuda", cuda_device_name=cuda.get_device_name(cuda.current_device()),
                       cuda_devices=cuda.device_count(),
                       cuda_peak_allocated_mib=max(cuda.max_memory_allocated(d) for d in devices) / _MIB,
                       cuda_peak_reserved_mib=max(cuda.max_memory_reserved(d) for d in devices) / _MIB)
    except Exception as exc:  # a broken CUDA state must not hide the script's own outcome
        out["cuda_error"] = f"{type(exc).__name__}: {exc}"
    return out


def write_record(path: str, record: dict[str, Any]) -> None:
    """Write ``record`` as JSON to ``path`` atomically (a temporary file in the same folder, then renamed)."""
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".probe-", suffix=".json")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(record, fh, indent=1, sort_keys=True)
        fh.write("\n")
    os.replace(tmp, path)


def _status(code: Any) -> int:
    if code is None:
        return 0
    return code if isinstance(code, int) else 1


def main(argv: list[str] | None = None) -> None:
    """``probe OUT.json SCRIPT [ARGS...]``: run SCRIPT, write OUT.json, exit with the script's status."""
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) < 2:
        print("usage: python -m organseg_plugins.core.benchmark.probe OUT.json SCRIPT [ARGS...]", file=sys.stderr)
        raise SystemExit(2)
    out, script, rest = args[0], args[1], args[2:]
    sys.argv = [script, *rest]
    sys.path[0] = os.path.dirname(os.path.abspath(script))
    status = 1
    start = time.perf_counter()
    try:
        runpy.run_path(script, run_name="__main__")
        status = 0
    except SystemExit as exc:
        status = _status(exc.code)
        raise
    finally:
        record = {"wall_s": time.perf_counter() - start, "peak_rss_mib": peak_rss_mib(),
                  "peak_rss_children_mib": peak_rss_mib(resource.RUSAGE_CHILDREN), "exit_status": status,
                  "script": script, **torch_usage()}
        write_record(out, record)


if __name__ == "__main__":
    main()
