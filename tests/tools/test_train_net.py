"""End-to-end through detectron2's trainer: tools/train_net.py trains 2 iterations, then --eval-only."""

from __future__ import annotations

import math
import re

import pytest
import torch

from organseg_plugins.core.cli import EXIT_USER_ERROR
from organseg_plugins.core.io.tables import read_csv_rows
from tests.conftest import run_tool

CFG = "configs/liver/mask_rcnn_R_101_FPN_liver_phantom.yaml"


TABLE6 = ("MaskIoU", "BoundaryIoU", "TrimapIoU", "Fmeasure")


def _organ_tables(log: str) -> list[dict[str, float]]:
    """Each organ-mask table OrganMaskEvaluator printed: {metric: mean (%)}, in order."""
    means = re.findall(r"\|\s+(MaskIoU|BoundaryIoU|TrimapIoU|Fmeasure)\s+\|\s+(\S+)\s+\|", log)
    tables: list[dict[str, float]] = []
    for name, value in means:
        if name == "MaskIoU":
            tables.append({})
        tables[-1][name] = float(value)
    return tables


def _check_organ_table(table: dict[str, float], per_image_csv) -> None:
    """The printed means are finite percentages, and the means of the per-image CSV's columns."""
    assert sorted(table) == sorted(TABLE6), table
    rows = read_csv_rows(per_image_csv)
    assert rows, per_image_csv
    for name in TABLE6:
        values = [float(r[name]) for r in rows if math.isfinite(float(r[name]))]
        assert math.isfinite(table[name]) and 0 <= table[name] <= 100, (name, table)
        assert table[name] == pytest.approx(sum(values) / len(values), abs=0.006), (name, table, values)


def opts(phantom_root, out):
    return ["ORGANSEG.DATA_ROOT", f"{phantom_root}/liver_ct", "OUTPUT_DIR", str(out),
            "DATALOADER.NUM_WORKERS", "0", "INPUT.MIN_SIZE_TRAIN", "(128,)", "INPUT.MAX_SIZE_TRAIN", "128",
            "INPUT.MIN_SIZE_TEST", "128", "INPUT.MAX_SIZE_TEST", "128"]


@pytest.mark.slow
def test_train_two_iterations_then_eval_only(phantom_root, tmp_path):
    out = tmp_path / "out"
    proc = run_tool("tools/train_net.py", "--config-file", CFG, *opts(phantom_root, out), "SOLVER.MAX_ITER", "2")
    log = proc.stdout + proc.stderr
    losses = [float(v) for v in re.findall(r"total_loss: ([0-9.enaif+-]+)", log)]
    assert losses and all(math.isfinite(v) for v in losses), log[-3000:]
    ckpt = out / "model_final.pth"
    assert ckpt.is_file()
    assert torch.load(ckpt, map_location="cpu")["iteration"] == 1  # detectron2 counts from 0

    proc = run_tool("tools/train_net.py", "--config-file", CFG, "--eval-only", *opts(phantom_root, out),
                    "MODEL.WEIGHTS", str(ckpt))
    log = proc.stdout + proc.stderr
    assert "Evaluation results for segm" in log or "No predictions from the model" in log, log[-3000:]
    assert re.search(r"copypaste: Task: segm", log), log[-3000:]
    # the liver paper's Table 6 metrics next to COCO AP: percentages, the means of the per-image CSV
    (table,) = _organ_tables(log)
    _check_organ_table(table, out / "inference" / "organ_masks_per_image.csv")


def test_missing_data_root_is_clear(tmp_path):
    proc = run_tool("tools/train_net.py", "--config-file", CFG, "ORGANSEG.DATA_ROOT", str(tmp_path / "none"),
                    check=False, timeout=300)
    assert proc.returncode == EXIT_USER_ERROR
    assert f"{tmp_path}/none/annotations/instances_*.json" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_coco_naming_a_missing_image_is_listed_before_training(phantom_root, tmp_path):
    """A COCO file naming an image that is not there: every problem one error: line (JSON, image, id), status 2,
    before any training -- not a DataLoader worker's traceback packed into one line."""
    import json
    import shutil

    root = tmp_path / "liver_ct"
    shutil.copytree(phantom_root / "liver_ct", root)
    js = root / "annotations" / "instances_train.json"
    coco = json.loads(js.read_text())
    im1, im2 = coco["images"][:2]
    (root / im1["file_name"]).unlink()
    (root / im2["file_name"]).unlink()
    args = opts(phantom_root, tmp_path / "out")
    args[1] = str(root)  # ORGANSEG.DATA_ROOT
    args[args.index("DATALOADER.NUM_WORKERS") + 1] = "2"  # as trained for real: the images read in workers
    proc = run_tool("tools/train_net.py", "--config-file", CFG, *args, "SOLVER.MAX_ITER", "1", check=False,
                    timeout=600)
    errors = [line for line in proc.stderr.splitlines() if line.startswith("error:")]
    assert proc.returncode == EXIT_USER_ERROR, proc.stderr[-3000:]
    assert errors == [
        f"error: dataset 'organseg_liver_phantom_train': 2 problems in its COCO file {js} (images under {root}):",
        f"error: {js}: image id {im1['id']} {im1['file_name']!r}: file not found under {root}",
        f"error: {js}: image id {im2['id']} {im2['file_name']!r}: file not found under {root}",
    ], proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr and "DataLoader worker" not in proc.stderr
    assert "Starting training" not in proc.stdout + proc.stderr


# one size + its flip: two views per image (each view is two R101 passes on the CPU)
TTA = ["TEST.AUG.ENABLED", "True", "TEST.AUG.MIN_SIZES", "(128,)", "TEST.AUG.MAX_SIZE", "128", "TEST.AUG.FLIP", "True"]


@pytest.mark.slow
def test_tta_after_training_and_with_eval_only(phantom_root, tmp_path):
    """TEST.AUG.ENABLED: detectron2's GeneralizedRCNNWithTTA evaluates after the last iteration and in --eval-only."""
    out = tmp_path / "out"
    proc = run_tool("tools/train_net.py", "--config-file", CFG, *opts(phantom_root, out), "SOLVER.MAX_ITER", "1", *TTA)
    log = proc.stdout + proc.stderr
    assert "Running inference with test-time augmentation" in log, log[-3000:]
    assert (out / "inference_TTA" / "organ_masks_per_image.csv").is_file()
    (out / "inference_TTA" / "organ_masks_per_image.csv").unlink()
    proc = run_tool("tools/train_net.py", "--config-file", CFG, "--eval-only", *opts(phantom_root, out),
                    "MODEL.WEIGHTS", str(out / "model_final.pth"), *TTA)
    log = proc.stdout + proc.stderr
    assert "Running inference with test-time augmentation" in log, log[-3000:]
    # the organ-mask table twice: the plain evaluation, then the one with TTA
    tables = _organ_tables(log)
    assert len(tables) == 2, log[-3000:]
    _check_organ_table(tables[0], out / "inference" / "organ_masks_per_image.csv")
    _check_organ_table(tables[1], out / "inference_TTA" / "organ_masks_per_image.csv")


def test_tta_on_an_unsupported_architecture_is_one_line(phantom_root, tmp_path):
    proc = run_tool("tools/train_net.py", "--config-file", CFG, *opts(phantom_root, tmp_path / "out"),
                    "MODEL.META_ARCHITECTURE", "SemanticSegmentor", *TTA, check=False, timeout=300)
    errors = [line for line in proc.stderr.splitlines() if line.startswith("error:")]
    assert proc.returncode == EXIT_USER_ERROR and len(errors) == 1, proc.stderr[-3000:]
    assert "GeneralizedRCNNWithTTA" in errors[0] and "SemanticSegmentor" in errors[0]
    assert "Traceback" not in proc.stderr
