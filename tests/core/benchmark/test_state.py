"""organseg_plugins.core.benchmark.state: the job's state file and the liveness check."""

import os

from organseg_plugins.core.benchmark.state import is_alive, read_state, write_job_file, write_state


def test_state_round_trip(tmp_path):
    assert read_state(tmp_path) == {"state": "pending"}
    doc = write_state(tmp_path, "running", pid=123, phase="train")
    back = read_state(tmp_path)
    assert back == doc and back["state"] == "running" and back["pid"] == 123
    (tmp_path / "state.json").write_text("{broken")
    assert read_state(tmp_path) == {"state": "pending"}
    write_job_file(tmp_path, {"method": "a", "fold": 1})
    assert (tmp_path / "job.json").read_text().count('"fold": 1') == 1


def test_is_alive():
    assert is_alive(os.getpid())
    assert not is_alive(None) and not is_alive(0)
    assert not is_alive(2 ** 22 + 12345)  # above the default pid_max: no such process
