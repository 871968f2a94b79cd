"""organseg_plugins.core.paper_tables.curves: mmengine's scalars.json read into training and validation records."""

import json

import pytest

from organseg_plugins.core.errors import OrgansegInputError
from organseg_plugins.core.paper_tables.curves import is_loss, loss_keys, lr_keys, read_scalars, val_keys

TRAIN = [{"lr": 0.01, "loss": 1.0, "decode.loss_ce": 0.6, "iter": 1, "time": 0.1},
         {"generator.lr": 0.001, "discriminators.lr": 0.002, "loss_g": 2.0, "loss_d": 0.7, "iter": 2}]
VAL = [{"aAcc": 97.0, "mIoU": 80.0, "mDice": 88.0, "IoU.background": 99.0, "IoU.spleen": 61.0,
        "img_IoU.spleen": 60.0, "Precision.spleen": 70.0, "step": 2, "data_time": 0.1, "note": "text"}]


def _work_dir(root, stamps=("20250101_000000",), records=TRAIN + VAL):
    for stamp in stamps:
        (root / stamp / "vis_data").mkdir(parents=True)
        (root / stamp / "vis_data" / "scalars.json").write_text("".join(json.dumps(r) + "\n" for r in records))
    return root


def test_split_and_keys(tmp_path):
    train, val = read_scalars(_work_dir(tmp_path))
    assert [r["iter"] for r in train] == [1, 2] and [r["step"] for r in val] == [2]
    assert loss_keys(train) == ["decode.loss_ce", "loss", "loss_d", "loss_g"]
    assert lr_keys(train) == ["discriminators.lr", "generator.lr", "lr"]
    assert val_keys(val) == ["IoU.spleen", "mDice", "mIoU"]  # no clutter, no background, no text, no counters
    assert is_loss("decode.loss_bce_dice") and not is_loss("lossless_note".replace("loss", "x"))


def test_newest_run_and_errors(tmp_path):
    root = _work_dir(tmp_path / "a", ("20250101_000000",), TRAIN)
    (root / "20250202_000000" / "vis_data").mkdir(parents=True)
    (root / "20250202_000000" / "vis_data" / "scalars.json").write_text(json.dumps(TRAIN[0]) + "\n\n")
    train, val = read_scalars(root)
    assert train == [TRAIN[0]] and val == []  # the newest timestamp only; blank lines skipped
    with pytest.raises(FileNotFoundError, match=r"no \*/vis_data/scalars.json under .*empty"):
        read_scalars(tmp_path / "empty")
    bad = _work_dir(tmp_path / "bad", records=[])
    (bad / "20250101_000000" / "vis_data" / "scalars.json").write_text('{"loss": 1}\n{oops\n')
    with pytest.raises(OrgansegInputError, match=r"scalars.json:2: not a JSON record"):
        read_scalars(bad)
