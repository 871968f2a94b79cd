"""organseg_plugins.core.speed.timing: median of repeated runs, best of interleaved runs."""

import itertools

import pytest

from organseg_plugins.core.speed import timing
from organseg_plugins.core.speed.timing import best_times, median_time


def _clock(monkeypatch, ticks):
    """Make time.perf_counter return the given ticks, in order."""
    it = iter(ticks)
    monkeypatch.setattr(timing.time, "perf_counter", lambda: next(it))


def test_median_time_after_warmup(monkeypatch):
    calls = itertools.count()
    # three timed runs of 1 s, 5 s and 2 s (start/stop pairs): median 2 s; the warm-up run is not timed
    _clock(monkeypatch, [0.0, 1.0, 10.0, 15.0, 20.0, 22.0])
    seconds, out = median_time(lambda: next(calls), reps=3, warmup=1)
    assert seconds == 2.0 and out == 3  # 1 warm-up + 3 timed calls: the last returned 3
    with pytest.raises(ValueError, match="reps must be >= 1, got 0"):
        median_time(lambda: None, reps=0)


def test_best_times_interleaves(monkeypatch):
    order = []
    fns = [lambda: order.append("a"), lambda: order.append("b")]
    # a: 3 s then 1 s; b: 2 s then 4 s -> best 1 s and 2 s
    _clock(monkeypatch, [0.0, 3.0, 3.0, 5.0, 5.0, 6.0, 6.0, 10.0])
    assert best_times(fns, repeat=2) == [1.0, 2.0]
    assert order == ["a", "b", "a", "b", "a", "b"]  # one warm-up each, then a, b, a, b
    with pytest.raises(ValueError, match="repeat must be >= 1, got 0"):
        best_times(fns, repeat=0)
