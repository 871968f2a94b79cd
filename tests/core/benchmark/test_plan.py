"""organseg_plugins.core.benchmark.plan: methods x folds x seeds and each job's train/test commands."""

from __future__ import annotations

import os

import pytest

from organseg_plugins.core.benchmark.plan import evaluation_command, last_checkpoint, plan_jobs, train_command
from organseg_plugins.core.benchmark.spec import parse_spec
from organseg_plugins.core.errors import OrgansegInputError
from tests.conftest import REPO

CFG = "configs/spleen/segformer_b0_bcedice_phantom-spleen-128x128.py"
D2 = "configs/liver/mask_rcnn_R_101_FPN_liver_phantom.yaml"


@pytest.fixture()
def spec(tmp_path, monkeypatch):
    monkeypatch.chdir(REPO)
    return parse_spec({"work_root": str(tmp_path / "w"), "data": {"root": str(tmp_path), "folds": 2},
                       "seeds": [0, 7], "cfg_options": {"train_cfg.max_iters": 2},
                       "methods": [{"name": "a", "config": CFG},
                                   {"name": "b", "config": CFG, "after": "a",
                                    "cfg_options": {"load_from": "{checkpoint:a}", "x": "{fold}-{seed}"}},
                                   {"name": "d2", "config": D2, "opts": {"SOLVER.MAX_ITER": 2}}]}, "t.yaml")


def test_plan_order_and_dirs(spec, tmp_path):
    jobs = plan_jobs(spec)
    assert len(jobs) == 2 * 2 * 3
    assert [j.key for j in jobs[:4]] == ["a/fold0_seed0", "b/fold0_seed0", "d2/fold0_seed0", "a/fold0_seed7"]
    assert jobs[3].work_dir == str(tmp_path / "w" / "a" / "fold0_seed7")
    assert jobs[0].describe() == {"method": "a", "config": CFG, "framework": "mmseg", "fold": 0, "seed": 0,
                                  "num_folds": 2}


def test_mmseg_commands(spec):
    a, b = plan_jobs(spec)[:2]
    cmd = train_command(spec, a, "/data/f0", python="py")
    assert cmd[:5] == ["py", "tools/train.py", CFG, "--work-dir", a.train_dir]
    assert "--resume" not in cmd  # nothing to resume yet
    opts = cmd[cmd.index("--cfg-options") + 1:]
    assert opts[:3] == [f"{k}=/data/f0" for k in ("train_dataloader.dataset.data_root",
                                                  "val_dataloader.dataset.data_root",
                                                  "test_dataloader.dataset.data_root")]
    assert "randomness.seed=0" in opts and "train_cfg.max_iters=2" in opts
    with pytest.raises(OrgansegInputError, match="a/fold0_seed0 has no checkpoint yet"):
        train_command(spec, b, "/data/f0")
    os.makedirs(a.train_dir)
    ckpt = os.path.join(a.train_dir, "iter_2.pth")
    open(ckpt, "w").close()
    with open(os.path.join(a.train_dir, "last_checkpoint"), "w") as f:
        f.write(ckpt)
    assert last_checkpoint("mmseg", a.train_dir) == ckpt
    bopts = train_command(spec, b, "/data/f0")
    assert f"load_from={ckpt}" in bopts and "x=0-0" in bopts
    resumed = train_command(spec, a, "/data/f0")  # a has a checkpoint: resume from it
    assert "--resume" in resumed and resumed[-1] == f"load_from={ckpt}"
    test = evaluation_command(spec, a, "/data/f0", ckpt, python="py")
    assert test[:4] == ["py", "tools/test.py", CFG, ckpt]
    assert test[test.index("--out") + 1] == os.path.join(a.test_dir, "pred")
    assert test[-1] == f"test_evaluator.csv_file={os.path.join(a.test_dir, 'per_image.csv')}"


def test_detectron2_commands(spec):
    d2 = plan_jobs(spec)[2]
    cmd = train_command(spec, d2, "/data/f0", python="py")
    assert cmd[:5] == ["py", "tools/train_net.py", "--config-file", D2, "--resume"]
    pairs = dict(zip(cmd[5::2], cmd[6::2], strict=True))
    assert pairs == {"ORGANSEG.DATA_ROOT": "/data/f0", "SEED": "0", "SOLVER.MAX_ITER": "2",
                     "OUTPUT_DIR": d2.train_dir}
    test = evaluation_command(spec, d2, "/data/f0", "/m.pth", python="py")
    assert "--eval-only" in test
    tpairs = dict(zip(test[5::2], test[6::2], strict=True))
    assert tpairs["MODEL.WEIGHTS"] == "/m.pth" and tpairs["OUTPUT_DIR"] == d2.test_dir


def test_last_checkpoint_missing(tmp_path):
    assert last_checkpoint("mmseg", str(tmp_path)) is None
    (tmp_path / "last_checkpoint").write_text(str(tmp_path / "gone.pth"))
    assert last_checkpoint("mmseg", str(tmp_path)) is None
    (tmp_path / "model_0000004.pth").write_text("")
    (tmp_path / "last_checkpoint").write_text("model_0000004.pth")
    assert last_checkpoint("detectron2", str(tmp_path)) == str(tmp_path / "model_0000004.pth")


def test_csv_options_for_an_evaluator_list(tmp_path, monkeypatch):
    monkeypatch.chdir(REPO)
    spec = parse_spec({"work_root": str(tmp_path / "w"), "data": {"root": str(tmp_path)},
                       "methods": [{"name": "v", "config": CFG,
                                    "csv_options": {"test_evaluator.0.csv_file": "per_image.csv",
                                                    "test_evaluator.1.csv_file": "per_volume.csv"}}]}, "t.yaml")
    job = plan_jobs(spec)[0]
    cmd = evaluation_command(spec, job, "/d", "/c.pth")
    assert cmd[-2:] == [f"test_evaluator.0.csv_file={os.path.join(job.test_dir, 'per_image.csv')}",
                        f"test_evaluator.1.csv_file={os.path.join(job.test_dir, 'per_volume.csv')}"]
    with pytest.raises(OrgansegInputError, match="methods\\[0\\].csv_options"):
        parse_spec({"work_root": "w", "data": {"root": str(tmp_path)},
                    "methods": [{"name": "v", "config": CFG, "csv_options": {"a": "x.txt"}}]}, "t.yaml")
