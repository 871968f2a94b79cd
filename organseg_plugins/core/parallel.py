"""Cases in parallel: one process per worker, results in case order, one progress line with the time left.

The dataset-scale jobs (the CT and DICOM converters, the folder and per-volume evaluations) map one
function over their cases with :func:`map_cases`:

* ``workers`` processes (:func:`resolve_workers`: ``None`` or ``0`` = the cores this process may use;
  ``1`` runs in this process, no pool). A worker holds one case at a time, so memory grows with the
  workers, not with the dataset.
* Results come back **in case order**, whatever finished first, so whatever the caller builds from
  them (``meta.csv`` rows, COCO image ids, report lines, metric rows) is the same for any ``workers``.
  A case that raises raises in the caller at its place in that order (the error a serial run would
  have stopped at); the cases not started yet are cancelled.
* Workers are forked on Linux when this process runs one OS thread (cheap, nothing re-imported; a
  process with native thread pools, e.g. after torch ran, could deadlock its forked children), else
  spawned. Each worker runs its libraries single-threaded (``OMP``/``MKL``/``OpenBLAS``/... ``_NUM_THREADS=1``
  in its environment, OpenCV's own pool set to 1 thread): the parallelism is the workers'.
* One progress bar (tqdm, on stderr) in the caller's units (``weights``: e.g. slices per case), with
  the elapsed time, the rate and the estimate of the time left; a worker moves it within a case with
  :func:`progress_tick` (e.g. one slice), otherwise it moves when the case is done.
* Per task, :class:`TaskStats`: the worker's process id, its resident memory when the task started, its
  peak resident memory over its life when the task ended, and the task's wall and CPU time. The peak is
  the kernel's high-water mark of the process's own memory (``VmHWM``); where there is no ``/proc``,
  ``getrusage(RUSAGE_SELF).ru_maxrss``, which on Linux a spawned process inherits from its parent across
  ``exec`` (a worker started by a 1 GB parent would report 1 GB), hence not the first choice.
"""

from __future__ import annotations

import argparse
import contextlib
import multiprocessing as mp
import os
import resource
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from functools import partial
from typing import Any, TypeVar

from .errors import OrgansegInputError

__all__ = ["THREAD_ENV", "TaskStats", "add_workers_argument", "default_workers", "map_cases", "progress_bar",
           "progress_tick", "resolve_workers", "safe_start_method"]

T = TypeVar("T")
R = TypeVar("R")

#: Environment variables set to ``"1"`` in every worker (one thread per worker in the numeric libraries).
THREAD_ENV = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "NUMEXPR_NUM_THREADS",
              "VECLIB_MAXIMUM_THREADS", "BLIS_NUM_THREADS", "ITK_GLOBAL_DEFAULT_NUMBER_OF_THREADS")

_POLL_S = 0.25


def default_workers() -> int:
    """The cores this process may run on (its CPU affinity; ``os.cpu_count()`` where that is unknown)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def resolve_workers(workers: int | None) -> int:
    """``workers`` as a number of processes: ``None`` or ``0`` -> :func:`default_workers`.

    Raises:
        OrgansegInputError: A negative number.
    """
    if workers is None or int(workers) == 0:
        return default_workers()
    if int(workers) < 0:
        raise OrgansegInputError(f"workers must be >= 0 (0: one per core), got {workers}")
    return int(workers)


def add_workers_argument(parser: argparse.ArgumentParser, what: str = "cases") -> None:
    """The ``--workers N`` option of the dataset-scale scripts (default: one per core)."""
    parser.add_argument("--workers", type=int, default=None, metavar="N",
                        help=f"processes working on {what} in parallel (default: one per core, "
                             f"{default_workers()} here; 1: no extra process); the output is the same for any N")


# --------------------------------------------------------------------------------------------
# progress
# --------------------------------------------------------------------------------------------


class _NoBar:
    """What :func:`progress_bar` returns when disabled: the same calls, nothing shown."""

    n: float = 0

    def update(self, n: float = 1) -> None:
        self.n += n

    def close(self) -> None:
        pass

    def __enter__(self) -> _NoBar:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def progress_bar(total: float | None, desc: str, unit: str, enabled: bool = True, decimals: int = 0) -> Any:
    """The project's progress bar: tqdm on stderr with the elapsed time, the rate and the time left, e.g.
    ``volumes->png:  43%|####3     | 3.4/8 [00:40<00:53, 11.76s/volume]``.

    Args:
        total: Units of the whole job (``None``: unknown, no estimate).
        desc: What runs (``volumes->png``, ``evaluate``, ...).
        unit: The unit counted (``slice``, ``volume``, ``case``).
        enabled: ``False``: an object with the same ``update``/``close`` that shows nothing.
        decimals: Decimals of the count shown (1 when the bar moves by parts of a unit).
    """
    if not enabled:
        return _NoBar()
    from tqdm import tqdm

    fmt = "{l_bar}{bar}| {n:.%df}/{total_fmt} [{elapsed}<{remaining}, {rate_fmt}{postfix}]" % int(decimals)
    return tqdm(total=total, desc=desc, unit=unit, dynamic_ncols=True, smoothing=0.1,
                bar_format=fmt if total is not None else None)


# tick channel of this process: a shared counter (workers) or a callback (in-process run)
_TICKS: Any = None
_LOCAL: Callable[[float], None] | None = None
_TASK_TICKS = 0.0


def progress_tick(amount: float = 1.0) -> None:
    """Move the progress bar of the running :func:`map_cases` by ``amount`` units (no-op outside one)."""
    global _TASK_TICKS
    _TASK_TICKS += amount
    if _LOCAL is not None:
        _LOCAL(amount)
    elif _TICKS is not None:
        with _TICKS.get_lock():
            _TICKS.value += amount


def _init_worker(ticks: Any) -> None:
    """Pool initializer: the tick counter, one thread per library."""
    global _TICKS, _LOCAL
    _TICKS, _LOCAL = ticks, None
    for name in THREAD_ENV:
        os.environ[name] = "1"
    cv2 = sys.modules.get("cv2")
    if cv2 is not None:
        cv2.setNumThreads(1)


@contextlib.contextmanager
def _worker_env() -> Iterator[None]:
    """``THREAD_ENV`` = 1 while the workers start (a spawned worker reads it before any import)."""
    saved = {k: os.environ.get(k) for k in THREAD_ENV}
    os.environ.update({k: "1" for k in THREAD_ENV})
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


# --------------------------------------------------------------------------------------------
# tasks
# --------------------------------------------------------------------------------------------


def _rss_bytes() -> int:
    """Current resident memory of this process (Linux ``/proc/self/statm``; else the peak so far)."""
    try:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return _peak_rss_bytes()


def _peak_rss_bytes() -> int:
    """Peak resident memory of this process so far: ``VmHWM`` (Linux), else ``ru_maxrss`` (KiB on Linux,
    bytes on macOS)."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(peak) if sys.platform == "darwin" else int(peak) * 1024


@dataclass(frozen=True)
class TaskStats:
    """One task (a case, or a chunk of cases) as run by one worker.

    Attributes:
        index: Position of the task's first case in the input.
        cases: Cases in the task.
        pid: The worker process.
        rss_start: Its resident memory when the task started, bytes.
        peak_rss: Its peak resident memory when the task ended (over the process's life), bytes.
        seconds: Wall time of the task.
        cpu_s: CPU time of the worker process during the task (all its threads).
    """

    index: int
    cases: int
    pid: int
    rss_start: int
    peak_rss: int
    seconds: float
    cpu_s: float = 0.0


@dataclass
class _Done:
    results: list[Any]
    error: BaseException | None
    ticks: float
    stats: TaskStats


def _run_task(fn: Callable[[Any], Any], start: int, items: Sequence[Any], weights: Sequence[float]) -> _Done:
    """Run ``fn`` over a chunk; stop at its first exception (returned, raised by the caller in order)."""
    global _TASK_TICKS
    t0, c0, rss0 = time.perf_counter(), time.process_time(), _rss_bytes()
    out: list[Any] = []
    err: BaseException | None = None
    total = 0.0
    for item, w in zip(items, weights):
        _TASK_TICKS = 0.0
        try:
            out.append(fn(item))
        except Exception as exc:  # noqa: BLE001 -- re-raised by the caller at this case's place
            err = exc
            break
        finally:
            made = _TASK_TICKS
        if made < w:  # complete the case's share of the bar
            progress_tick(w - made)
        total += max(made, w)
    peak = max(_peak_rss_bytes(), _rss_bytes())  # the kernel's peak may lag the current count by a few pages
    stats = TaskStats(start, len(items), os.getpid(), rss0, peak, time.perf_counter() - t0, time.process_time() - c0)
    return _Done(out, err, total, stats)


def _os_threads() -> int:
    """Threads of this process as the kernel counts them (OpenMP/BLAS/OpenCV pools included), or Python's count."""
    try:
        return len(os.listdir("/proc/self/task"))
    except OSError:
        return threading.active_count()


def safe_start_method() -> str:
    """``fork`` only while this process runs one OS thread: a fork copies locks that other threads (torch's
    OpenMP pool, OpenCV's) may hold, and the child then waits on them for ever; else ``spawn``."""
    methods = mp.get_all_start_methods()
    return "fork" if "fork" in methods and _os_threads() == 1 else "spawn"


def map_cases(fn: Callable[[T], R], items: Sequence[T], workers: int | None = 1, *, progress: bool = False,
              desc: str = "", unit: str = "case", weights: Sequence[float] | None = None, chunksize: int = 1,
              stats: list[TaskStats] | None = None, start_method: str | None = None,
              decimals: int = 0) -> Iterator[R]:
    """``fn(item)`` for every item, on ``workers`` processes, yielded in the order of ``items``.

    Args:
        fn: A module-level function (or a ``functools.partial`` of one) of one item; with several
            workers it and its items and results must pickle.
        items: The cases (small descriptions: paths, ids; each worker reads its own case).
        workers: Processes (see :func:`resolve_workers`); at most one per task. ``1``: this process.
        progress: Show the progress bar.
        desc: Its label.
        unit: Its unit.
        weights: Units of each item on the bar (default 1 each).
        chunksize: Items per task (many small cases: fewer round trips).
        stats: If given, receives one :class:`TaskStats` per task, in input order.
        decimals: Decimals of the count on the bar (1 when ``fn`` ticks parts of a unit).
        start_method: ``fork``/``spawn``/``forkserver`` (default: fork when this process runs one thread).

    Yields:
        ``fn(item)`` in input order (each as soon as it and every earlier one are done).

    Raises:
        Whatever ``fn`` raised for the first failing item in input order.
    """
    items = list(items)
    w = [1.0] * len(items) if weights is None else [float(v) for v in weights]
    if len(w) != len(items):
        raise ValueError(f"{len(w)} weights for {len(items)} items")
    size = max(1, int(chunksize))
    chunks = [(i, items[i:i + size], w[i:i + size]) for i in range(0, len(items), size)]
    n = min(resolve_workers(workers), len(chunks))
    total = sum(w)
    bar = partial(progress_bar, int(total) if float(total).is_integer() else total, desc, unit, progress, decimals)
    if n <= 1:
        yield from _map_here(fn, chunks, bar, stats)
    else:
        yield from _map_pool(fn, chunks, n, bar, total, stats, start_method or safe_start_method())


def _map_here(fn: Callable[[Any], Any], chunks: list, make_bar: Callable[[], Any],
              stats: list[TaskStats] | None) -> Iterator[Any]:
    global _LOCAL
    bar = make_bar()
    saved, _LOCAL = _LOCAL, bar.update
    try:
        for start, part, ws in chunks:
            done = _run_task(fn, start, part, ws)
            if stats is not None:
                stats.append(done.stats)
            yield from done.results
            if done.error is not None:
                raise done.error
    finally:
        _LOCAL = saved
        bar.close()


def _map_pool(fn: Callable[[Any], Any], chunks: list, n: int, make_bar: Callable[[], Any], total: float,
              stats: list[TaskStats] | None, method: str) -> Iterator[Any]:
    ctx = mp.get_context(method)
    ticks = ctx.Value("d", 0.0)
    with _worker_env():
        pool = ProcessPoolExecutor(n, mp_context=ctx, initializer=_init_worker, initargs=(ticks,))
        futures: list[Future] = [pool.submit(_run_task, fn, start, part, ws) for start, part, ws in chunks]
    bar = make_bar()
    done: dict[int, _Done] = {}
    finished_ticks = finished_weight = 0.0
    pending = set(futures)
    index = {f: k for k, f in enumerate(futures)}
    nxt = 0
    try:
        while nxt < len(futures):
            ready, pending = wait(pending, timeout=_POLL_S, return_when=FIRST_COMPLETED)
            for f in ready:
                d = f.result()  # a worker's exception comes inside _Done; this raises only if the pool broke
                done[index[f]] = d
                finished_ticks += d.ticks
                finished_weight += sum(chunks[index[f]][2])
            with ticks.get_lock():
                running = ticks.value - finished_ticks
            step = min(total, finished_weight + max(0.0, running)) - bar.n
            if step > 0:
                bar.update(step)
            while nxt in done:
                d = done.pop(nxt)
                nxt += 1
                if stats is not None:
                    stats.append(d.stats)
                yield from d.results
                if d.error is not None:
                    raise d.error
    finally:
        bar.close()
        pool.shutdown(wait=True, cancel_futures=True)
