"""organseg_plugins.core.parallel: results in input order for any workers, errors at their place, progress, stats."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from organseg_plugins.core import parallel
from organseg_plugins.core.errors import OrgansegInputError
from organseg_plugins.core.parallel import map_cases, progress_tick, resolve_workers
from tests.conftest import REPO


def _square_slowly(x: int) -> tuple[int, int, str]:
    """Later items finish first (so order must come from the input, not from completion)."""
    time.sleep(0.02 * (5 - x % 5))
    return x, x * x, os.environ.get("OMP_NUM_THREADS", "")


def _fail_on(bad: set[int], x: int) -> int:
    if x in bad:
        raise OrgansegInputError(f"item {x} is bad")
    return x


def _ticking(x: int) -> int:
    for _ in range(x):
        progress_tick()
    return x


def test_resolve_workers():
    assert resolve_workers(3) == 3
    assert resolve_workers(None) == resolve_workers(0) == parallel.default_workers() >= 1
    with pytest.raises(OrgansegInputError, match="workers must be >= 0"):
        resolve_workers(-1)


def check_order(method: str) -> None:
    """Results of 2 workers started by ``method`` in input order, one thread each, stats per chunk."""
    items = list(range(11))
    serial = [r[:2] for r in map_cases(_square_slowly, items, 1)]
    assert serial == [(x, x * x) for x in items]
    stats: list = []
    par = list(map_cases(_square_slowly, items, 2, start_method=method, stats=stats, chunksize=2))
    assert [r[:2] for r in par] == serial
    assert {r[2] for r in par} == {"1"}  # one thread per worker in the numeric libraries
    assert [s.index for s in stats] == list(range(0, 11, 2)) and sum(s.cases for s in stats) == 11
    assert len({s.pid for s in stats}) <= 2 and os.getpid() not in {s.pid for s in stats}
    assert all(s.peak_rss >= s.rss_start > 0 and s.seconds > 0 for s in stats)


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_results_in_input_order_whatever_the_workers(method):
    if method == "spawn":
        check_order(method)
        return
    # A fork copies the locks that other threads hold; this pytest process runs torch's and OpenCV's thread
    # pools, so the fork case runs in a fresh one-thread interpreter (map_cases itself forks only there).
    code = "from tests.core.test_parallel import check_order; check_order('fork'); print('ok')"
    proc = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0 and proc.stdout.strip() == "ok", proc.stderr


def test_fork_only_from_a_one_thread_process():
    # after torch ran (this suite), native pools exist: a fork could hang its children on a copied lock
    import torch

    torch.ones(64, 64) @ torch.ones(64, 64)
    assert parallel._os_threads() > 1
    assert parallel.safe_start_method() == "spawn"
    code = ("from organseg_plugins.core import parallel; "
            "print(parallel._os_threads(), parallel.safe_start_method())")
    proc = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert proc.stdout.split() == ["1", "fork"], proc.stderr


def test_the_first_error_in_input_order_is_raised():
    # item 1 fails late, item 3 at once: the error is item 1's, as in a serial run
    from functools import partial

    for workers in (1, 2):
        with pytest.raises(OrgansegInputError, match="item 1 is bad"):
            list(map_cases(partial(_fail_on, {1, 3}), range(6), workers))
    # results before the failing item are delivered
    out = []
    with pytest.raises(OrgansegInputError, match="item 2 is bad"):
        for r in map_cases(partial(_fail_on, {2}), range(5), 2):
            out.append(r)
    assert out == [0, 1]


def test_progress_counts_ticks_and_weights(monkeypatch):
    bars = []

    class Bar:
        def __init__(self, total, desc, unit, enabled, decimals=0):
            self.total, self.n, self.desc, self.unit = total, 0.0, desc, unit
            bars.append(self)

        def update(self, k):
            self.n += k

        def close(self):
            pass

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            pass

    monkeypatch.setattr(parallel, "progress_bar", Bar)
    # weights 3, 1, 2: item 3 ticks 3 itself, item 1 ticks once, item 2 twice -> the bar ends at 6
    for workers in (1, 2):
        assert list(map_cases(_ticking, [3, 1, 2], workers, progress=True, desc="d", unit="slice",
                              weights=[3, 1, 2])) == [3, 1, 2]
        assert bars[-1].total == 6 and bars[-1].n == pytest.approx(6) and bars[-1].unit == "slice"
    # no ticks from the function: each item completes its own weight
    assert list(map_cases(abs, [-1, -2], 1, progress=True, weights=[2.5, 0.5])) == [1, 2]
    assert bars[-1].n == pytest.approx(3.0)
    with pytest.raises(ValueError, match="2 weights for 3 items"):
        list(map_cases(abs, [1, 2, 3], 1, weights=[1, 1]))


def test_progress_bar_shows_the_time_left(capsys):
    bar = parallel.progress_bar(4, "convert", "volume")
    bar.update(1)
    bar.close()
    err = capsys.readouterr().err
    assert "convert" in err and "1/4" in err and "<" in err  # tqdm: [elapsed<remaining, rate]
    quiet = parallel.progress_bar(4, "x", "y", enabled=False)
    quiet.update(2)
    assert quiet.n == 2
