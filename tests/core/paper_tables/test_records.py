"""organseg_plugins.core.paper_tables.records: a run's metrics and per-image rows from its work dir."""

from __future__ import annotations

import json

import pytest

from organseg_plugins.core.errors import OrgansegInputError
from organseg_plugins.core.paper_tables.records import collect_runs, read_run


def make_mmseg_job(root, method, fold, metrics, rows, state="done"):
    """A benchmark job dir as tools/benchmark.py leaves it (test metrics json + per_image.csv)."""
    wd = root / method / f"fold{fold}_seed0"
    (wd / "test" / "20260101_000000").mkdir(parents=True)
    (wd / "job.json").write_text(json.dumps({"method": method, "fold": fold, "seed": 0, "framework": "mmseg",
                                             "config": "c.py"}))
    (wd / "state.json").write_text(json.dumps({"state": state}))
    (wd / "test" / "20260101_000000" / "20260101_000000.json").write_text(json.dumps(metrics))
    header = list(rows[0])
    lines = [",".join(header)] + [",".join(str(r[h]) for h in header) for r in rows]
    (wd / "test" / "per_image.csv").write_text("\n".join(lines) + "\n")
    (wd / "test" / "pred").mkdir()
    return wd


def test_read_mmseg_job(tmp_path):
    wd = make_mmseg_job(tmp_path, "m", 1, {"mIoU": 80.0, "kappa": 0.5},
                        [{"img_path": "a.png", "class": "spleen", "iou": 70.0}])
    run = read_run(wd)
    assert (run.method, run.fold, run.framework, run.config) == ("m", 1, "mmseg", "c.py")
    assert run.metrics == {"mIoU": 80.0, "kappa": 0.5}
    assert run.per_image == [{"img_path": "a.png", "class": "spleen", "iou": 70.0}]
    assert run.pred_dir == str(wd / "test" / "pred")


def test_read_detectron2_dir(tmp_path):
    (tmp_path / "inference").mkdir()
    (tmp_path / "inference" / "organ_masks_per_image.csv").write_text("file_name,MaskIoU\nx.png,88.5\n")
    run = read_run(tmp_path, method="Mask R-CNN")
    assert run.framework == "detectron2" and run.method == "Mask R-CNN"
    assert run.per_image == [{"file_name": "x.png", "MaskIoU": 88.5}]


def test_collect_only_done_jobs(tmp_path):
    make_mmseg_job(tmp_path, "m", 0, {"mIoU": 1.0}, [{"img_path": "a", "class": "spleen", "iou": 1}])
    make_mmseg_job(tmp_path, "m", 1, {"mIoU": 2.0}, [{"img_path": "a", "class": "spleen", "iou": 1}], "failed")
    runs = collect_runs([tmp_path])
    assert [(r.method, r.fold) for r in runs] == [("m", 0)]


def test_errors(tmp_path):
    with pytest.raises(OrgansegInputError, match="work dir not found"):
        collect_runs([tmp_path / "nope"])
    with pytest.raises(OrgansegInputError, match="no test metrics"):
        read_run(tmp_path)
