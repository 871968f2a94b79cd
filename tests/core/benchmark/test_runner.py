"""organseg_plugins.core.benchmark.runner: skip done jobs, resume killed ones, report failed ones and go on.

The loop is framework-free, so it is checked here with two tiny stand-in tools that follow the contract of
``tools/train.py``/``tools/test.py`` (``--work-dir``, ``--resume``, ``last_checkpoint``, ``per_image.csv``);
the real tools run in tests/tools/test_benchmark_tool.py.
"""

from __future__ import annotations

import json
import textwrap

from organseg_plugins.core.benchmark.plan import plan_jobs
from organseg_plugins.core.benchmark.runner import run_benchmark
from organseg_plugins.core.benchmark.spec import parse_spec
from organseg_plugins.core.benchmark.state import read_state, write_state

TRAIN = textwrap.dedent("""
    import json, os, sys
    args = sys.argv[1:]
    wd = args[args.index("--work-dir") + 1]
    os.makedirs(wd, exist_ok=True)
    with open(os.path.join(wd, "calls.jsonl"), "a") as f:
        f.write(json.dumps(args) + "\\n")
    if "bad" in os.path.basename(args[0]):
        print("error: bad.py: this config cannot train"); sys.exit(2)
    ckpt = os.path.join(wd, "iter_2.pth")
    open(ckpt, "w").close()
    open(os.path.join(wd, "last_checkpoint"), "w").write(ckpt)
""")
TEST = textwrap.dedent("""
    import os, sys
    args = sys.argv[1:]
    wd = args[args.index("--work-dir") + 1]
    os.makedirs(wd, exist_ok=True)
    open(os.path.join(wd, "per_image.csv"), "w").write("img_path,class,iou\\nx.png,spleen,50\\n")
""")


def _spec(tmp_path):
    tools = tmp_path / "tools"
    tools.mkdir()
    (tools / "train.py").write_text(TRAIN)
    (tools / "test.py").write_text(TEST)
    for name in ("a.py", "bad.py"):
        (tmp_path / name).write_text("")
    data = tmp_path / "data"
    data.mkdir()
    spec = parse_spec({"work_root": str(tmp_path / "w"), "data": {"root": str(data)},
                       "methods": [{"name": "a", "config": str(tmp_path / "a.py")},
                                   {"name": "bad", "config": str(tmp_path / "bad.py")},
                                   {"name": "c", "config": str(tmp_path / "a.py"), "after": "bad"}]}, "t.yaml")
    return spec, str(tools)


def test_failed_job_reported_others_go_on_done_skipped(tmp_path):
    spec, tools = _spec(tmp_path)
    lines: list[str] = []
    res = run_benchmark(spec, tools_dir=tools, log=lines.append)
    assert res.done == ["a/fold0_seed0"]
    assert res.failed["bad/fold0_seed0"].startswith("train exited 2: error: bad.py: this config cannot train")
    assert res.failed["c/fold0_seed0"] == "needs bad/fold0_seed0, which failed"
    assert len(lines) == 3 and lines[0].startswith("[1/3] a/fold0_seed0 (fold 1 of 1): done in ")
    assert "FAILED (train exited 2" in lines[1]
    a = plan_jobs(spec)[0]
    assert read_state(a.work_dir)["state"] == "done"
    assert json.loads((tmp_path / "w" / "a" / "fold0_seed0" / "job.json").read_text())["method"] == "a"
    again = run_benchmark(spec, parallel=2, tools_dir=tools, log=lines.append)
    assert again.skipped == ["a/fold0_seed0"] and sorted(again.failed) == ["bad/fold0_seed0", "c/fold0_seed0"]
    calls = (tmp_path / "w" / "a" / "fold0_seed0" / "train" / "calls.jsonl").read_text().splitlines()
    assert len(calls) == 1  # the done job did not train again


def test_killed_job_resumes_from_its_checkpoint(tmp_path):
    spec, tools = _spec(tmp_path)
    a = plan_jobs(spec)[0]
    run_benchmark(spec, only=[0], tools_dir=tools, log=lambda s: None)
    write_state(a.work_dir, "running", pid=2 ** 22 + 999, host="gone", phase="train")  # killed mid-job
    res = run_benchmark(spec, only=[0], tools_dir=tools, log=lambda s: None)
    assert res.done == ["a/fold0_seed0"]
    calls = [json.loads(x) for x in (tmp_path / "w" / "a" / "fold0_seed0" / "train" / "calls.jsonl")
             .read_text().splitlines()]
    assert "--resume" not in calls[0] and "--resume" in calls[1]
    assert read_state(a.work_dir)["resumed_from"].endswith("iter_2.pth")
