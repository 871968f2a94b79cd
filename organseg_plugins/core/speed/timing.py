"""Wall-clock timing helpers (``time.perf_counter``): the median of repeated runs, the best of interleaved runs."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence
from typing import Any

__all__ = ["best_times", "median_time"]


def median_time(fn: Callable[[], Any], reps: int, warmup: int = 1) -> tuple[float, Any]:
    """Median wall time of ``fn`` over ``reps`` runs after ``warmup`` untimed runs.

    Args:
        fn: The work to time (no arguments).
        reps: Timed runs (>= 1).
        warmup: Untimed runs first (caches, lazy imports, allocator).

    Returns:
        ``(seconds, result of the last run)``.

    Raises:
        ValueError: ``reps`` < 1.
    """
    if reps < 1:
        raise ValueError(f"reps must be >= 1, got {reps}")
    out = None
    for _ in range(warmup):
        out = fn()
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def best_times(fns: Sequence[Callable[[], Any]], repeat: int) -> list[float]:
    """The best of ``repeat`` timed runs of each function, after one warm-up run each.

    The runs are interleaved (a, b, a, b, ...) so that a change of machine load hits every function alike.

    Args:
        fns: The functions to compare (no arguments).
        repeat: Timed runs of each (>= 1).

    Returns:
        Seconds, one per function, in the order of ``fns``.

    Raises:
        ValueError: ``repeat`` < 1.
    """
    if repeat < 1:
        raise ValueError(f"repeat must be >= 1, got {repeat}")
    for fn in fns:
        fn()
    times: list[list[float]] = [[] for _ in fns]
    for _ in range(repeat):
        for i, fn in enumerate(fns):
            t0 = time.perf_counter()
            fn()
            times[i].append(time.perf_counter() - t0)
    return [min(t) for t in times]
