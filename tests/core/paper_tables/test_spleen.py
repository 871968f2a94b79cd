"""organseg_plugins.core.paper_tables.spleen: the spleen paper's Tables 2-3 cells (hand-computed)."""

from organseg_plugins.core.paper_tables.records import RunRecord
from organseg_plugins.core.paper_tables.spleen import spleen_cell, spleen_pooled

METRICS = {"Precision.background": 99.0, "Precision.spleen": 90.0, "mPrecision": 94.5, "Recall.background": 98.0,
           "Recall.spleen": 80.0, "mRecall": 89.0, "IoU.background": 97.0, "IoU.spleen": 75.0, "mIoU": 86.0,
           "kappa": 0.81, "mDice": 91.0, "MPLE": 4.5}


def _run(rows=()):
    return RunRecord("m", 0, 0, "w", "mmseg", "c.py", dict(METRICS), list(rows), None, None,
                     {"params_m": 3.7, "flops_g": 8.4})


def test_cells():
    run = _run()
    assert spleen_cell(run, "background", "Precision (%)") == 99.0
    assert spleen_cell(run, "spleen", "IoU (%)") == 75.0
    assert spleen_cell(run, "All", "Recall (%)") == 89.0
    assert spleen_cell(run, "All", "kappa") == 0.81 and spleen_cell(run, "All", "MPLE (%)") == 4.5
    assert spleen_cell(run, "All", "Params (M)") == 3.7 and spleen_cell(run, "All", "FLOPs (G)") == 8.4
    assert spleen_cell(run, "spleen", "kappa") is None  # only on the All row


def test_pooled_over_runs():
    a = _run([{"class": "spleen", "iou": 50.0, "dice": 60.0, "precision": 70.0, "recall": 80.0}])
    b = _run([{"class": "spleen", "iou": 70.0, "dice": 80.0, "precision": 90.0, "recall": 100.0},
              {"class": "spleen", "iou": 90.0, "dice": 100.0, "precision": 50.0, "recall": 60.0}])
    pooled = spleen_pooled([a, b])
    assert pooled["img IoU spleen (%)"] == 70.0  # (50 + 70 + 90) / 3
    assert pooled["img Dice spleen (%)"] == 80.0
    assert pooled["images"] == 3.0
