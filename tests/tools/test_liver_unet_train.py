"""End-to-end: the liver paper's U-Net (Table 4) through tools/train.py then tools/test.py on CT phantoms."""

from __future__ import annotations

import pytest
import torch

from tests.conftest import (
    assert_finite_losses,
    assert_organ_metrics,
    assert_values_in,
    mm_scalars,
    mm_test_metrics,
    printed_row,
    run_tool,
    small_run_options,
)

CFG = "configs/liver/unet_table4_1xb4-600it_phantom-liver-128x128.py"


@pytest.mark.slow
def test_liver_unet_train_two_iterations_then_test(phantom_root, tmp_path):
    work = tmp_path / "work"
    run_tool("tools/train.py", CFG, "--work-dir", str(work), *small_run_options(phantom_root, dataset="liver_ct"))
    assert_finite_losses(mm_scalars(work), ("loss", "decode.loss_bce"), steps=[1, 2])
    ckpt = work / "iter_2.pth"
    assert ckpt.is_file()
    state = torch.load(ckpt, map_location="cpu")
    assert state["meta"]["iter"] == 2
    assert any(k.startswith("backbone.net.encoders.") for k in state["state_dict"])
    assert all(torch.isfinite(v).all() for v in state["state_dict"].values() if v.is_floating_point())
    proc = run_tool("tools/test.py", CFG, str(ckpt), "--work-dir", str(tmp_path / "test"),
                    *small_run_options(phantom_root, dataset="liver_ct"))
    out = proc.stdout + proc.stderr
    # Table 6: Mask IoU (IoU.liver), Trimap IoU, F-measure (boundary F), Boundary IoU; pixel F1 = Dice; all in %
    m = mm_test_metrics(tmp_path / "test")
    assert_organ_metrics(m, ("background", "liver"))
    assert_values_in(m, ("BOUNDARY_IOU.liver", "TRIMAP_IOU.liver", "BOUNDARY_F.liver"), 0.0, 100.0)
    # the printed table: the liver row carries them (its last three columns), background leaves them blank
    header = printed_row(out, "Class")
    assert header[-3:] == ["BOUNDARY_IOU", "TRIMAP_IOU", "BOUNDARY_F"], header
    assert printed_row(out, "liver")[-3:] == [f"{m[k + '.liver']:.2f}" for k in header[-3:]]
    assert printed_row(out, "background")[-3:] == ["", "", ""]
