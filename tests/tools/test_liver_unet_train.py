"""End-to-end: the liver paper's U-Net (Table 4) through tools/train.py then tools/test.py on CT phantoms."""

from __future__ import annotations

import pytest
import torch
from conftest import run_tool, small_run_options

CFG = "configs/liver/unet_table4_1xb4-600it_phantom-liver-128x128.py"


@pytest.mark.slow
def test_liver_unet_train_two_iterations_then_test(phantom_root, tmp_path):
    work = tmp_path / "work"
    proc = run_tool("tools/train.py", CFG, "--work-dir", str(work), *small_run_options(phantom_root, dataset="liver_ct"))
    log = proc.stdout + proc.stderr
    assert "Iter(train) [1/2]" in log and "decode.loss_bce" in log
    ckpt = work / "iter_2.pth"
    assert ckpt.is_file()
    state = torch.load(ckpt, map_location="cpu")
    assert state["meta"]["iter"] == 2
    assert any(k.startswith("backbone.net.encoders.") for k in state["state_dict"])
    assert all(torch.isfinite(v).all() for v in state["state_dict"].values() if v.is_floating_point())
    proc = run_tool("tools/test.py", CFG, str(ckpt), "--work-dir", str(tmp_path / "test"),
                    *small_run_options(phantom_root, dataset="liver_ct"))
    out = proc.stdout + proc.stderr
    # Table 6: Mask IoU (IoU.liver), Trimap IoU, F-measure (boundary F), Boundary IoU; pixel F1 = Dice
    for col in ("IoU", "Dice", "liver", "background", "BOUNDARY_IOU", "TRIMAP_IOU", "BOUNDARY_F",
                "IoU.liver", "BOUNDARY_IOU.liver", "TRIMAP_IOU.liver", "BOUNDARY_F.liver"):
        assert col in out, col
