"""End to end on real CT files from another tool (slow, about 2-3 minutes on 2 CPU cores).

The files are TotalSegmentator 2.18.0's test references (``tools/fetch_test_data.py``): ``example_ct.nii.gz``
(a non-contrast abdominal CT, 3 mm voxels, stored RAS) with its 117-class label map, and ``example_ct_dicom/``
(another patient's contrast-enhanced CT, 20 axial 512x512 slices named by UID, no ``.dcm``) with
``example_seg_dicom.nii.gz``. **The labels are TotalSegmentator's model output, not manual ground truth**: the
Dice figures below measure agreement with that model, not accuracy.

The path a user takes, through the command-line tools:

1. ``datasets_prep/ct_volumes_to_mmseg.py`` converts both volumes (MSD layout: a ``dataset.json`` listing the NIfTI
   file and the DICOM series folder) with the liver label (TotalSegmentator class 5 -> 0/1) to 8-bit PNG
   slices, windowed with the liver config's ``ct_window``, which ``meta.csv`` records;
2. ``tools/train.py`` trains the liver paper's U-Net (Table 4) config on those slices: 128x128, 400 CPU
   iterations, seeded; ``--cfg-options`` for this short schedule: no validation, in-process loading, learning
   rate 2e-3, no dropout (the final 1x1 convolution keeps PyTorch's default initialisation, the head's
   default: mmseg's decode-head default, normal with std 0.01, made the network predict background only for
   the first ~250 iterations of this schedule);
3. ``tools/infer.py`` segments the NIfTI file, the DICOM series folder and the converted PNG slices of both.

Checked: the masks ``tools/infer.py`` writes for the two volumes (NIfTI, with each source's geometry) read back
through ``core/io`` on their images' grids; their Dice against the reference liver is far above two baselines
computed here (the best of several HU thresholds inside the liver window, chosen on the reference itself, and
the untrained network); the predictions from the converted PNG slices equal those from the volumes, array for
array (the converter's training slices are the inference slices).

Both CTs are *trained on*: the Dice figures are the fit of one short CPU run, not generalisation. Trained on the
NIfTI CT alone, the same schedule gives Dice 0.00 on the DICOM series (its liver is contrast-enhanced, median
93 HU against 46 HU; 0.98 mm pixels against 3 mm): one training volume cannot carry a model across that shift.
"""

from __future__ import annotations

import json
import shutil
import time

import numpy as np
import pytest

from tests.conftest import REPO, run_tool

LIVER = "configs/liver/unet_table4_1xb4-600it_phantom-liver-128x128.py"
ITERS = 400
LIVER_LABEL = 5  # TotalSegmentator v2 class "liver"


def dice(a: np.ndarray, b: np.ndarray) -> float:
    a, b = a.astype(bool), b.astype(bool)
    total = int(a.sum()) + int(b.sum())
    return 2.0 * int((a & b).sum()) / total if total else 1.0


def hu_threshold_baseline(hu: np.ndarray, ref: np.ndarray, window: tuple[float, float]) -> float:
    """The best Dice of ``lo <= HU <= hi`` over HU ranges inside the liver window, chosen on the reference itself
    (a baseline given every advantage)."""
    lo_w, hi_w = window
    ranges = [(lo, hi) for lo in range(0, 100, 10) for hi in range(lo + 40, 220, 20) if lo_w <= lo and hi <= hi_w]
    return max(dice((hu >= lo) & (hu <= hi), ref) for lo, hi in ranges)


@pytest.mark.slow
def test_liver_unet_trained_and_applied_on_real_nifti_and_dicom_series(reference_data, tmp_path):
    from mmengine.config import Config

    from organseg_plugins.core.inference import (
        conform_slices,
        contract_from_config,
        data_windows,
        load_input,
        window_mismatch,
    )
    from organseg_plugins.core.io.images import read_image_file
    from organseg_plugins.core.io.volumes import read_label_volume, read_volume
    from organseg_plugins.mm.inference import Segmenter

    t0 = time.perf_counter()
    contract = contract_from_config(Config.fromfile(str(REPO / LIVER)), LIVER)
    assert contract.channels == 1 and contract.ct_window is not None
    lo, hi = contract.ct_window

    # --- 1. the converter: NIfTI file + DICOM series folder -> windowed PNG slices, 0/1 liver masks, meta.csv
    root = tmp_path / "raw"
    (root / "imagesTr").mkdir(parents=True)
    (root / "labelsTr").mkdir()
    shutil.copy(reference_data["example_ct"], root / "imagesTr" / "example_ct.nii.gz")
    shutil.copy(reference_data["example_seg_fast_force_split"], root / "labelsTr" / "example_ct.nii.gz")
    shutil.copytree(reference_data["example_ct_dicom"], root / "imagesTr" / "example_ct_dicom")
    shutil.copy(reference_data["example_seg_dicom"], root / "labelsTr" / "example_ct_dicom.nii.gz")
    (root / "dataset.json").write_text(json.dumps({"training": [
        {"image": "./imagesTr/example_ct.nii.gz", "label": "./labelsTr/example_ct.nii.gz"},
        {"image": "./imagesTr/example_ct_dicom", "label": "./labelsTr/example_ct_dicom.nii.gz"}]}))
    data = tmp_path / "liver_data"
    proc = run_tool("datasets_prep/ct_volumes_to_mmseg.py", "--root", str(root), "--out", str(data),
                    f"--window={lo:g},{hi:g}", "--labels", str(LIVER_LABEL), "--category", "liver",
                    "--workers", "1", "--no-progress")
    assert "converted 132, skipped 0, errors 0" in proc.stdout, proc.stdout  # 112 + 20 slices
    assert data_windows(data / "meta.csv") == [(lo, hi)]  # the window is recorded ...
    assert window_mismatch(contract.ct_window, f"ct_window of {LIVER}", data / "meta.csv") is None  # ... = config's

    # --- 2. tools/train.py: the liver U-Net config, a short CPU schedule
    work = tmp_path / "work"
    run_tool("tools/train.py", LIVER, "--work-dir", str(work), "--cfg-options",
             f"train_cfg.max_iters={ITERS}", f"default_hooks.checkpoint.interval={ITERS}",
             "default_hooks.logger.interval=50", f"train_dataloader.dataset.data_root={data}",
             f"test_dataloader.dataset.data_root={data}", "train_dataloader.num_workers=0",
             "train_dataloader.persistent_workers=False", "val_cfg=None", "val_dataloader=None",
             "val_evaluator=None", "optim_wrapper.optimizer.lr=0.002",
             "model.backbone.dropout=[0.0,0.0,0.0,0.0,0.0]", timeout=600)
    ckpt = work / f"iter_{ITERS}.pth"
    assert ckpt.is_file()
    t_train = time.perf_counter()

    # --- 3. tools/infer.py on the volumes and on converted PNG slices of each (whole batches of 4: slices 64..95
    # of the NIfTI, all 20 of the series, so every PNG batch holds the slices of one volume batch)
    nii = root / "imagesTr" / "example_ct.nii.gz"
    series = root / "imagesTr" / "example_ct_dicom"
    png_dir = data / "img_dir" / "train"
    nii_pngs = [png_dir / f"example_ct_s{k:04d}.png" for k in range(64, 96)]
    dcm_pngs = [png_dir / f"example_ct_dicom_s{k:04d}.png" for k in range(20)]
    out = tmp_path / "pred"
    proc = run_tool("tools/infer.py", LIVER, str(ckpt), str(nii), *map(str, nii_pngs), str(series),
                    *map(str, dcm_pngs), "--out", str(out), "--batch-size", "4", "--device", "cpu", "--no-progress")
    assert f"{112 + 32 + 20 + 20} image(s)/slice(s) of {2 + 32 + 20} input(s)" in proc.stdout, proc.stdout
    t_infer = time.perf_counter()

    results = {}
    untrained = Segmenter.from_files(str(REPO / LIVER), None, "cpu")  # the config's seeded initialisation
    for name, src, label, pngs, first in (("example_ct", nii, "example_seg_fast_force_split", nii_pngs, 64),
                                          ("example_ct_dicom", series, "example_seg_dicom", dcm_pngs, 0)):
        image = read_volume(src)
        ref = read_label_volume(reference_data[label], labels=[LIVER_LABEL], like=image).array
        pred = read_label_volume(out / "masks" / f"{name}.nii.gz", like=image).array  # the written NIfTI mask
        assert pred.shape == ref.shape == image.shape and 0 < int(ref.sum())
        # the converted PNG slices are the inference slices, and their predictions the volume's, array for array
        item = load_input(src, contract.ct_window)
        conform_slices(item, contract)
        for j, png in enumerate(pngs):
            np.testing.assert_array_equal(read_image_file(png), item.slices[first + j], err_msg=png.name)
            np.testing.assert_array_equal(read_image_file(out / "masks" / png.name), pred[first + j],
                                          err_msg=png.name)
        blank = [untrained.predict(item.slices[k:k + 8]) for k in range(0, len(item.slices), 8)]
        results[name] = {"dice": dice(pred, ref),
                         "hu_threshold": hu_threshold_baseline(image.array, ref, contract.ct_window),
                         "untrained": dice(np.stack([m for batch in blank for m in batch]), ref)}
    seconds = {"train": t_train - t0, "infer": t_infer - t_train, "total": time.perf_counter() - t0}
    print(f"\nDice vs TotalSegmentator liver (its model output): {json.dumps(results)}; seconds {seconds}")

    nii_r, dcm_r = results["example_ct"], results["example_ct_dicom"]
    assert nii_r["dice"] >= 0.75 and nii_r["dice"] >= max(nii_r["hu_threshold"], nii_r["untrained"]) + 0.3, results
    assert dcm_r["dice"] >= 0.8 and dcm_r["dice"] >= max(dcm_r["hu_threshold"], dcm_r["untrained"]) + 0.12, results
