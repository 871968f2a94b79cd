"""organseg_plugins.core.benchmark.prepare (the converter step, once), organseg_plugins.core.benchmark.probe and
organseg_plugins.core.benchmark.cost (what a job cost), and the runner writing cost.json."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

from organseg_plugins.core.benchmark.cost import count_test_samples, probed, write_cost
from organseg_plugins.core.benchmark.plan import plan_jobs
from organseg_plugins.core.benchmark.prepare import MARKER, prepare_data, prepare_plan
from organseg_plugins.core.benchmark.runner import run_benchmark
from organseg_plugins.core.benchmark.spec import parse_spec
from organseg_plugins.core.errors import OrgansegInputError

# a stand-in converter: writes OUT/meta.csv and counts its runs in RUNS; exits with STATUS (-1: crashes, a bug,
# after writing part of OUT: Python exits 1, as a converter that skipped some inputs)
CONVERTER = textwrap.dedent("""
    import os, sys
    out, runs, status = sys.argv[1], sys.argv[2], int(sys.argv[3])
    with open(runs, "a") as f:
        f.write(out + "\\n")
    if status < 0:
        os.makedirs(out, exist_ok=True)
        raise TypeError("'NoneType' object is not callable")
    if status > 1:
        print("error: raw/x.dcm: not a DICOM file"); sys.exit(status)
    os.makedirs(out, exist_ok=True)
    open(os.path.join(out, "meta.csv"), "w").write("filename,split\\n")
    sys.exit(status)
""")


def _spec(tmp_path, status=0, per_fold=False, folds=None):
    conv = tmp_path / "conv.py"
    conv.write_text(CONVERTER)
    cfg = tmp_path / "a.py"
    cfg.write_text("")
    out = str(tmp_path / ("prep/fold{fold}" if per_fold else "prep"))
    doc = {"variables": {"data": str(tmp_path / "raw")}, "work_root": str(tmp_path / "w"),
           "prepare": {"command": f"python {conv} {out} {tmp_path / 'runs.txt'} {status}", "output": out,
                       "per_fold": per_fold},
           "data": {"fold_roots": [str(tmp_path / "prep/fold0"), str(tmp_path / "prep/fold1")]} if per_fold
           else {"root": str(tmp_path / "prep")},
           "methods": [{"name": "a", "config": str(cfg)}]}
    if folds is not None:
        doc["folds"] = folds
    return parse_spec(doc, "t.yaml")


def test_prepare_runs_once_then_skips(tmp_path):
    spec = _spec(tmp_path)
    lines: list[str] = []
    assert [s.state() for s in prepare_plan(spec)] == ["pending"]
    prepare_data(spec, log=lines.append)
    assert (tmp_path / "prep" / MARKER).is_file() and prepare_plan(spec)[0].state() == "done"
    marker = json.loads((tmp_path / "prep" / MARKER).read_text())
    assert marker["command"][0] == "python" and marker["exit_status"] == 0  # as the spec wrote it
    prepare_data(spec, log=lines.append)
    assert (tmp_path / "runs.txt").read_text().count("\n") == 1  # the second run skipped it
    assert lines[-1] == f"prepare: {tmp_path / 'prep'}: done (skipped)"
    assert "conv.py" in (tmp_path / "w" / "prepare.log").read_text()


def test_per_fold_steps_only_for_the_folds_run(tmp_path):
    spec = _spec(tmp_path, per_fold=True, folds=[1])
    assert [(s.fold, s.output) for s in prepare_plan(spec)] == [(1, str(tmp_path / "prep/fold1"))]
    prepare_data(spec, log=lambda s: None)
    assert (tmp_path / "prep/fold1/meta.csv").is_file() and not (tmp_path / "prep/fold0").exists()


def test_skipped_inputs_warn_failures_stop(tmp_path):
    lines: list[str] = []
    prepare_data(_spec(tmp_path, status=1), log=lines.append)  # a converter that skipped some inputs
    assert "SOME INPUT FILES SKIPPED" in lines[-1]
    (tmp_path / "b").mkdir()
    failing = _spec(tmp_path / "b", status=2)
    with pytest.raises(OrgansegInputError, match=r"^t\.yaml: prepare: .*conv\.py exited 2: error: raw/x\.dcm: not a "
                                                 r"DICOM file \(see .*prepare\.log\)"):
        prepare_data(failing, log=lambda s: None)
    assert not (tmp_path / "b" / "prep" / MARKER).exists()
    (tmp_path / "c").mkdir()
    with pytest.raises(OrgansegInputError, match=r"^t\.yaml: prepare: .*conv\.py crashed: TypeError: 'NoneType' "
                                                 r"object is not callable \(a bug, not a skipped input"):
        prepare_data(_spec(tmp_path / "c", status=-1), log=lambda s: None)
    assert (tmp_path / "c" / "prep").is_dir() and not (tmp_path / "c" / "prep" / MARKER).exists()


def test_stale_and_partial_outputs_are_refused(tmp_path):
    spec = _spec(tmp_path)
    prepare_data(spec, log=lambda s: None)
    other = _spec(tmp_path, status=1)  # same output, another command
    with pytest.raises(OrgansegInputError, match="prepared by another command .* delete the folder"):
        prepare_data(other, log=lambda s: None)
    (tmp_path / "prep" / MARKER).unlink()
    with pytest.raises(OrgansegInputError, match="exists without the done marker .* delete it and run again"):
        prepare_data(spec, log=lambda s: None)


def test_probe_records_the_cost_and_keeps_the_status(tmp_path):
    script = tmp_path / "tool.py"
    script.write_text("import sys\nx = bytearray(50 * 1024 * 1024)\nprint('ran', sys.argv[1:])\n"
                      "print('loaded', sorted({m.split('.')[0] for m in sys.modules} & {'numpy', 'scipy', 'yaml', "
                      "'cv2', 'torch'}))\nsys.exit(3)\n")
    record = tmp_path / "cost.json"
    cmd = probed([sys.executable, str(script), "--a", "1"], record)
    assert cmd[1:3] == ["-m", "organseg_plugins.core.benchmark.probe"]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    assert proc.returncode == 3 and "ran ['--a', '1']" in proc.stdout
    assert "loaded []" in proc.stdout  # the probe (and its package) import nothing into the measured process
    doc = json.loads(record.read_text())
    assert doc["exit_status"] == 3 and doc["device"] == "cpu" and doc["wall_s"] > 0
    assert doc["peak_rss_mib"] > 50  # the 50 MiB buffer
    assert "cuda_peak_allocated_mib" not in doc  # no CUDA used


def test_count_test_samples_and_cost_file(tmp_path):
    test = tmp_path / "test"
    (test / "20250101_000000").mkdir(parents=True)
    (test / "per_image.csv").write_text("img_path,class,iou\na.png,background,1\na.png,organ,2\nb.png,organ,3\n")
    (test / "per_volume.csv").write_text("case,dice\nc1,0.5\n")
    (test / "20250101_000000" / "volume_per_case.csv").write_text("name,gt_volume_ml,pred_volume_ml\nx,1,1\ny,2,2\n")
    assert count_test_samples(test) == {"image": 2, "volume": 1, "case": 2}
    (tmp_path / "train.json").write_text('{"wall_s": 120.0, "peak_rss_mib": 2048.0, "device": "cpu"}')
    (tmp_path / "test.json").write_text('{"wall_s": 10.0, "peak_rss_mib": 900.0, "device": "cpu"}')
    doc = write_cost(tmp_path, test, tmp_path / "train.json", tmp_path / "test.json")
    assert doc["test_s_per"] == {"image": 5.0, "volume": 10.0, "case": 5.0}
    assert json.loads((tmp_path / "cost.json").read_text()) == doc


def test_runner_writes_cost_json(tmp_path):
    tools = tmp_path / "tools"
    tools.mkdir()
    (tools / "train.py").write_text(textwrap.dedent("""
        import os, sys
        wd = sys.argv[sys.argv.index("--work-dir") + 1]
        os.makedirs(wd, exist_ok=True)
        open(os.path.join(wd, "iter_1.pth"), "w").close()
        open(os.path.join(wd, "last_checkpoint"), "w").write(os.path.join(wd, "iter_1.pth"))
    """))
    (tools / "test.py").write_text(textwrap.dedent("""
        import os, sys
        wd = sys.argv[sys.argv.index("--work-dir") + 1]
        os.makedirs(wd, exist_ok=True)
        open(os.path.join(wd, "per_image.csv"), "w").write("img_path,class,iou\\nx.png,organ,1\\ny.png,organ,1\\n")
    """))
    (tmp_path / "a.py").write_text("")
    (tmp_path / "data").mkdir()
    spec = parse_spec({"work_root": str(tmp_path / "w"), "data": {"root": str(tmp_path / "data")},
                       "methods": [{"name": "a", "config": str(tmp_path / "a.py")}]}, "t.yaml")
    assert run_benchmark(spec, tools_dir=str(tools), log=lambda s: None).done == ["a/fold0_seed0"]
    cost = json.loads((tmp_path / "w" / "a" / "fold0_seed0" / "cost.json").read_text())
    assert cost["train"]["exit_status"] == 0 and cost["train"]["device"] == "cpu"
    assert cost["test_samples"] == {"image": 2} and cost["test_s_per"]["image"] == cost["test"]["wall_s"] / 2
    assert plan_jobs(spec)[0].work_dir == str(tmp_path / "w" / "a" / "fold0_seed0")
