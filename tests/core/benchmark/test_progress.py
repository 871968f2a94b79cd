"""organseg_plugins.core.benchmark.progress: durations, the remaining estimate, the one line per job."""

from organseg_plugins.core.benchmark.progress import format_duration, progress_line, remaining_estimate


def test_format_duration():
    assert format_duration(42.4) == "42s"
    assert format_duration(185) == "3m05s"
    assert format_duration(3720) == "1h02m"


def test_remaining_estimate():
    assert remaining_estimate([], 3, 1) is None
    assert remaining_estimate([10.0, 20.0], 3, 1) == 45.0  # mean 15 s x 3 jobs
    assert remaining_estimate([10.0, 20.0], 3, 2) == 22.5  # two at a time


def test_progress_line():
    line = progress_line(2, 4, "segformer_b0/fold1_seed0", 1, 2, "done", 35, 70, 70)
    assert line == "[2/4] segformer_b0/fold1_seed0 (fold 2 of 2): done in 35s | elapsed 1m10s, remaining ~1m10s"
    assert progress_line(1, 4, "a/fold0_seed0", 0, 1, "done", 1, 1, None).endswith("remaining ?")
