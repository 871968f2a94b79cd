"""The three configs of Tables 1-2 (basic, auxiliary, refined) train through tools/train.py on the CT volume
phantoms and validate per volume; tools/test.py writes the per-volume CSV and the NIfTI predictions."""

from __future__ import annotations

import csv

import pytest

from tests.conftest import assert_finite_losses, assert_values_in, ct_run_options, mm_scalars, run_tool

D = "configs/ct_volume/"
CONFIGS = {"basic": D + "basic_unet-d5_1xb4-dice-200it_phantom-pancreas-64x64.py",
           "auxiliary": D + "auxiliary_unet-d5_1xb4-dice-d1-200it_phantom-pancreas-64x64.py",
           "refined": D + "refined_unet-d5_1xb4-dice-d1d2-200it_phantom-pancreas-64x64.py"}
LOSSES = {"basic": ("decode.loss_dice",), "auxiliary": ("decode.loss_dice", "loss_g_adv_d1", "loss_d_d1"),
          "refined": ("decode.loss_dice", "aux.loss_dice", "loss_g_adv_d1", "loss_g_adv_d2", "loss_d_d1", "loss_d_d2")}


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_config_trains_and_reports_per_volume_metrics(name, ct_volume_root, tmp_path):
    proc = run_tool("tools/train.py", CONFIGS[name], "--work-dir", str(tmp_path / "w"),
                    *ct_run_options(ct_volume_root, 2))
    log = proc.stdout + proc.stderr
    records = mm_scalars(tmp_path / "w")
    assert_finite_losses(records, LOSSES[name], steps=[1, 2])
    vals = [r for r in records if "vol_DSC" in r]
    assert [r["step"] for r in vals] == [2], vals  # one validation, after iteration 2
    assert_values_in(vals[0], ["vol_DSC"], 0.0, 100.0)
    assert "per-volume metrics (1 volumes)" in log and f"{name} " in log  # the per-volume table, with its method
    if name != "refined":
        return
    nii, out_csv = tmp_path / "nii", tmp_path / "vol.csv"
    proc = run_tool("tools/test.py", CONFIGS[name], str(tmp_path / "w" / "iter_2.pth"), "--work-dir",
                    str(tmp_path / "t"), *ct_run_options(ct_volume_root, 2), f"test_evaluator.1.csv_file={out_csv}",
                    f"test_evaluator.1.nifti_dir={nii}")
    with open(out_csv) as fh:
        rows = list(csv.DictReader(fh))
    assert [r["case"] for r in rows] == ["PANCREAS_0003"] and rows[0]["spacing_mm"] == "2.5 0.8 0.8"
    assert (nii / "PANCREAS_0003_pred.nii.gz").is_file()
