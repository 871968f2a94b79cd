"""End-to-end through the real mmseg runner: tools/train.py then tools/test.py (and torchrun, gloo)."""

from __future__ import annotations

import csv
import json
import socket
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch

from organseg_plugins.core.cli import EXIT_USER_ERROR
from tests.conftest import (
    REPO,
    assert_finite_losses,
    assert_organ_metrics,
    assert_values_in,
    mm_scalars,
    mm_test_metrics,
    printed_row,
    run_tool,
    small_run_options,
)

CFG = "configs/spleen/segformer_b0_bcedice_phantom-spleen-128x128.py"
PIX2PIX = "configs/spleen/segformer_b0_pix2pix_phantom-spleen-128x128.py"


@pytest.mark.slow
def test_train_two_iterations_then_test(phantom_root, tmp_path):
    work = tmp_path / "work"
    run_tool("tools/train.py", CFG, "--work-dir", str(work), *small_run_options(phantom_root))
    records = mm_scalars(work)
    assert_finite_losses(records, ("loss", "decode.loss_bce_dice"), steps=[1, 2])  # losses logged every iteration
    vals = [r for r in records if "mIoU" in r]
    assert [r["step"] for r in vals] == [2]  # one validation, after iteration 2
    val = vals[0]
    assert_organ_metrics(val, ("background", "spleen"), mple=True)
    ckpt = work / "iter_2.pth"
    assert ckpt.is_file()
    state = torch.load(ckpt, map_location="cpu")
    assert state["meta"]["iter"] == 2
    assert all(torch.isfinite(v).all() for v in state["state_dict"].values() if v.is_floating_point())
    proc = run_tool("tools/test.py", CFG, str(ckpt), "--work-dir", str(tmp_path / "test"),
                    "--show-dir", str(tmp_path / "vis"), *small_run_options(phantom_root))
    out = proc.stdout + proc.stderr
    m = mm_test_metrics(tmp_path / "test")
    assert_organ_metrics(m, ("background", "spleen"), mple=True)
    # the printed table: a row per class and the class mean "All", the very values returned
    for row, suffix in (("background", ".background"), ("spleen", ".spleen"), ("All", "")):
        keys = [f"{k}{suffix}" if suffix else f"m{k}" for k in ("Precision", "Recall", "IoU", "Dice")]
        assert printed_row(out, row)[1:5] == [f"{m[k]:.2f}" for k in keys], row
    assert f"kappa: {m['kappa']:.4f}" in out and f"MPLE: {m['MPLE']:.2f}%" in out
    overlays = list((tmp_path / "vis").rglob("*.png"))
    n_test = len(list((phantom_root / "spleen_us" / "img_dir" / "test").glob("*.png")))
    assert len(overlays) == n_test > 0


@pytest.mark.slow
def test_phase1_then_pix2pix_phase2_through_tools(phantom_root, tmp_path):
    """The spleen paper's two phases: phase-1 checkpoint -> generator of the Pix2Pix phase -> test."""
    run_tool("tools/train.py", CFG, "--work-dir", str(tmp_path / "p1"), *small_run_options(phantom_root))
    phase1 = tmp_path / "p1" / "iter_2.pth"
    proc = run_tool("tools/train.py", PIX2PIX, "--work-dir", str(tmp_path / "p2"),
                    *small_run_options(phantom_root), f"load_from={phase1}")
    log = proc.stdout + proc.stderr
    assert "loaded a segmentor checkpoint" in log and "into the generator" in log
    assert_finite_losses(mm_scalars(tmp_path / "p2"), ("loss_d_pix2pix", "loss_g_adv_pix2pix", "loss_g_l1_pix2pix"),
                         steps=[1, 2])
    ckpt = tmp_path / "p2" / "iter_2.pth"
    state = torch.load(ckpt, map_location="cpu")
    assert any(k.startswith("discriminators.patchgan.") for k in state["state_dict"])
    assert set(state["optimizer"]) >= {"generator", "discriminators"}  # two optimizers
    run_tool("tools/test.py", PIX2PIX, str(ckpt), "--work-dir", str(tmp_path / "t2"), *small_run_options(phantom_root))
    assert_organ_metrics(mm_test_metrics(tmp_path / "t2"), ("background", "spleen"), mple=True)


@pytest.mark.slow
def test_real_pix2pix_config_runs_phase2_on_phantom_override(phantom_root, tmp_path):
    """configs/spleen/segformer_b0_pix2pix.py itself (Table 1 SGD, mosaic pipeline, 512x512, epoch-based) for one
    epoch on the phantom folder: the phase-1 checkpoint loads into the generator, D and G losses are logged."""
    run_tool("tools/train.py", CFG, "--work-dir", str(tmp_path / "p1"), *small_run_options(phantom_root))
    root = phantom_root / "spleen_us"
    proc = run_tool("tools/train.py", "configs/spleen/segformer_b0_pix2pix.py", "--work-dir", str(tmp_path / "p2"),
                    "--cfg-options", f"load_from={tmp_path / 'p1' / 'iter_2.pth'}",
                    f"train_dataloader.dataset.dataset.data_root={root}", f"val_dataloader.dataset.data_root={root}",
                    f"test_dataloader.dataset.data_root={root}", "train_cfg.max_epochs=1", "train_cfg.val_interval=1",
                    "default_hooks.checkpoint.interval=1", "default_hooks.logger.interval=1",
                    "train_dataloader.batch_size=2", "train_dataloader.num_workers=0",
                    "train_dataloader.persistent_workers=False", "val_dataloader.num_workers=0",
                    "val_dataloader.persistent_workers=False")
    log = proc.stdout + proc.stderr
    assert "into the generator" in log
    records = mm_scalars(tmp_path / "p2")
    train = [r for r in records if "loss_d_pix2pix" in r]  # every iteration of epoch 1, from the first
    assert train and {r["epoch"] for r in train} == {1} and [r["step"] for r in train] == list(range(1, len(train) + 1))
    assert_finite_losses(records, ("loss_d_pix2pix", "loss_g_adv_pix2pix", "loss_g_l1_pix2pix"),
                         steps=[r["step"] for r in train])
    for r in train:  # one learning rate per optimizer
        assert_values_in(r, ("generator.lr", "discriminators.lr"), 1e-12, 1.0)
    vals = [r for r in records if "mIoU" in r]
    assert len(vals) == 1, vals  # the validation after epoch 1
    assert_organ_metrics(vals[0], ("background", "spleen"), mple=True)
    assert (tmp_path / "p2" / "epoch_1.pth").is_file()


def test_missing_load_from_is_named(tmp_path):
    proc = run_tool("tools/train.py", PIX2PIX, "--work-dir", str(tmp_path), "--cfg-options",
                    f"load_from={tmp_path}/nope.pth", check=False)
    assert proc.returncode == EXIT_USER_ERROR and f"{tmp_path}/nope.pth" in proc.stderr and "Traceback" not in proc.stderr


@pytest.mark.slow
def test_resume_continues_from_checkpoint(phantom_root, tmp_path):
    work = tmp_path / "work"
    run_tool("tools/train.py", CFG, "--work-dir", str(work), *small_run_options(phantom_root, 2))
    proc = run_tool("tools/train.py", CFG, "--work-dir", str(work), "--resume",
                    *small_run_options(phantom_root, 4))
    log = proc.stdout + proc.stderr
    assert "resumed epoch: 0, iter: 2" in log
    # the resumed run logs iterations 3 and 4 only (not 1 again), with finite losses
    assert_finite_losses(mm_scalars(work), ("loss", "decode.loss_bce_dice"), steps=[3, 4])
    assert (work / "iter_4.pth").is_file()


@pytest.mark.slow
def test_torchrun_two_processes_gloo(phantom_root, tmp_path):
    work = tmp_path / "dist"
    with socket.socket() as sock:  # a free port: a fixed one may be taken by another run on the machine
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    proc = run_tool("-m", "torch.distributed.run", "--nproc_per_node", "2", "--master_addr", "127.0.0.1",
                    "--master_port", str(port),
                    "tools/train.py", CFG, "--launcher", "pytorch", "--work-dir", str(work),
                    *small_run_options(phantom_root, 3))
    log = proc.stdout + proc.stderr
    assert "Distributed launcher: pytorch" in log and "Distributed training: True" in log, log[-3000:]
    assert_finite_losses(mm_scalars(work), ("loss", "decode.loss_bce_dice"), steps=[1, 2, 3])
    assert (work / "iter_3.pth").is_file()


def test_bad_config_and_missing_data_are_clear(tmp_path):
    bad = tmp_path / "broken.py"
    bad.write_text("model = dict(type='EncoderDecoder'\n")  # syntax error
    proc = run_tool("tools/train.py", str(bad), check=False)
    assert proc.returncode == EXIT_USER_ERROR
    assert "broken.py" in proc.stderr and "Traceback" not in proc.stderr

    proc = run_tool("tools/train.py", "configs/nope.py", check=False)
    assert proc.returncode == EXIT_USER_ERROR and "config file not found: configs/nope.py" in proc.stderr

    proc = run_tool("tools/train.py", CFG, "--work-dir", str(tmp_path / "w"), "--cfg-options",
                    f"train_dataloader.dataset.data_root={tmp_path}/absent", "train_dataloader.num_workers=0",
                    "train_dataloader.persistent_workers=False", check=False, timeout=300)
    assert proc.returncode == EXIT_USER_ERROR, proc.stderr[-3000:]
    assert f"{tmp_path}/absent/img_dir/train" in proc.stderr and "make_phantoms.py" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_config_dump_has_no_download(tmp_path):
    # the demo config trains from scratch: nothing in it points at a URL
    from mmengine.config import Config

    cfg = Config.fromfile(str(REPO / CFG))
    assert "http" not in json.dumps(cfg.model.to_dict())


# ------------------------------------------------------------------ tools/test.py --out / --tta

LIVER = "configs/liver/unet_table4_1xb4-600it_phantom-liver-128x128.py"


@pytest.fixture(scope="module")
def phase1_checkpoint(phantom_root, tmp_path_factory):
    """A 2-iteration phase-1 SegFormer checkpoint (it also loads into the Pix2Pix generator)."""
    work = tmp_path_factory.mktemp("phase1")
    run_tool("tools/train.py", CFG, "--work-dir", str(work), *small_run_options(phantom_root))
    return work / "iter_2.pth"


def _untrained_checkpoint(config: str, path):
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    from mmseg.registry import MODELS

    import organseg_plugins.mm  # noqa: F401

    init_default_scope("mmseg")
    torch.manual_seed(0)
    model = MODELS.build(Config.fromfile(str(REPO / config)).model)
    torch.save({"state_dict": model.state_dict(), "meta": {}}, path)
    return path


def _overlap_cells(pred: np.ndarray, gt: np.ndarray) -> dict[str, str]:
    """The organ class's iou/dice/precision/recall as OrganSegMetric's CSV writes them."""
    from organseg_plugins.core import metrics as M

    valid = gt != 255
    cm = np.bincount(2 * gt[valid].astype(np.int64) + pred[valid], minlength=4).reshape(2, 2)
    ov = M.overlap_from_confusion_matrix(cm)
    return {m: f"{100 * ov[m][1]:.4f}" for m in ("iou", "dice", "precision", "recall")}


def _check_masks(out, ann_dir, csv_file=None) -> None:
    gts = {p.stem: p for p in ann_dir.glob("*.png")}
    written = {p.stem: p for p in out.glob("*.png")}
    assert set(written) == set(gts) and gts, (sorted(written), sorted(gts))
    rows = {}
    if csv_file is not None:
        with open(csv_file, newline="") as fh:
            rows = {Path(r["img_path"]).stem: r for r in csv.DictReader(fh)}
        assert set(rows) == set(gts)
    for stem, path in written.items():
        pred = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
        gt = cv2.imread(str(gts[stem]), cv2.IMREAD_UNCHANGED)
        assert pred.dtype == np.uint8 and pred.shape == gt.shape, stem  # original size, one channel
        assert set(np.unique(pred).tolist()) <= {0, 1}, stem
        if rows:  # the very masks the metric scored
            assert {k: rows[stem][k] for k in ("iou", "dice", "precision", "recall")} == _overlap_cells(pred, gt), stem


@pytest.mark.slow
@pytest.mark.parametrize("config", [CFG, PIX2PIX], ids=["encoder_decoder", "pix2pix"])
def test_out_writes_the_masks_the_metric_scored(config, phase1_checkpoint, phantom_root, tmp_path):
    out, csv_file = tmp_path / "masks", tmp_path / "per_image.csv"
    run_tool("tools/test.py", config, str(phase1_checkpoint), "--work-dir", str(tmp_path / "w"),
             "--out", str(out), *small_run_options(phantom_root), f"test_evaluator.csv_file={csv_file}")
    assert_organ_metrics(mm_test_metrics(tmp_path / "w"), ("background", "spleen"), mple=True)
    _check_masks(out, phantom_root / "spleen_us" / "ann_dir" / "test", csv_file)


@pytest.mark.slow
@pytest.mark.parametrize("config", [CFG, PIX2PIX], ids=["encoder_decoder", "pix2pix"])
def test_tta_flips_run_and_print_metrics(config, phase1_checkpoint, phantom_root, tmp_path):
    out = tmp_path / "masks"
    proc = run_tool("tools/test.py", config, str(phase1_checkpoint), "--tta", "--work-dir", str(tmp_path / "w"),
                    "--out", str(out), *small_run_options(phantom_root))
    m = mm_test_metrics(tmp_path / "w")
    assert_organ_metrics(m, ("background", "spleen"), mple=True)  # MPLE: the metainfo survives the TTA merge
    log = proc.stdout + proc.stderr
    assert printed_row(log, "spleen")[3:5] == [f"{m['IoU.spleen']:.2f}", f"{m['Dice.spleen']:.2f}"]
    _check_masks(out, phantom_root / "spleen_us" / "ann_dir" / "test")


@pytest.mark.slow
def test_tta_on_the_grayscale_liver_unet(phantom_root, tmp_path):
    ckpt = _untrained_checkpoint(LIVER, tmp_path / "unet.pth")
    out = tmp_path / "masks"
    run_tool("tools/test.py", LIVER, str(ckpt), "--tta", "--work-dir", str(tmp_path / "w"), "--out", str(out),
             *small_run_options(phantom_root, dataset="liver_ct"))
    m = mm_test_metrics(tmp_path / "w")
    assert_organ_metrics(m, ("background", "liver"))
    assert_values_in(m, ["BOUNDARY_IOU.liver"], 0.0, 100.0)
    _check_masks(out, phantom_root / "liver_ct" / "ann_dir" / "test")


def test_tta_without_tta_pipeline_is_one_line(tmp_path):
    cfg = tmp_path / "no_tta.py"
    cfg.write_text(f"_base_ = [{str(REPO / CFG)!r}]\ntta_pipeline = None\ntta_model = None\n")
    ckpt = tmp_path / "w.pth"
    ckpt.write_bytes(b"")
    proc = run_tool("tools/test.py", str(cfg), str(ckpt), "--tta", "--work-dir", str(tmp_path / "w"), check=False,
                    timeout=300)
    errors = [line for line in proc.stderr.splitlines() if line.startswith("error:")]
    assert proc.returncode == EXIT_USER_ERROR and len(errors) == 1, proc.stderr[-3000:]
    assert "no_tta.py" in errors[0] and "tta_pipeline" in errors[0] and "Traceback" not in proc.stderr
