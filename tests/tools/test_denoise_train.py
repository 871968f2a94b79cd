"""DnCNN-SR end to end: tools/train.py on CT phantoms, tools/test.py PSNR vs the bicubic input, tools/denoise.py."""

from __future__ import annotations

import json
import shutil

import cv2
import numpy as np
import pytest
import torch

from organseg_plugins.core.cli import EXIT_USER_ERROR
from tests.conftest import REPO, assert_finite_losses, mm_scalars, run_tool, scalar_series

CFG = "configs/liver/dncnn-sr_1xb8-300it_phantom-ct-64to128.py"
# one intra-op thread: on a shared 2-core machine two spinning OpenMP threads are several times slower
ONE_THREAD = {"OMP_NUM_THREADS": "1"}


def run_options(phantom_root, iters: int, batch: int = 8):
    root = phantom_root / "liver_ct"
    opts = [f"train_cfg.max_iters={iters}", f"train_cfg.val_interval={iters}",
            f"default_hooks.checkpoint.interval={iters}", "default_hooks.logger.interval=10"]
    for name in ("train", "val", "test"):
        opts += [f"{name}_dataloader.dataset.data_root={root}", f"{name}_dataloader.num_workers=0",
                 f"{name}_dataloader.persistent_workers=False"]
    return ["--cfg-options", *opts, f"train_dataloader.batch_size={batch}", "randomness.seed=0"]


def untrained_checkpoint(path):
    """A checkpoint of the config's untrained model (the bicubic baseline), as the runner saves it."""
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    from mmseg.registry import MODELS

    import organseg_plugins.mm  # noqa: F401

    init_default_scope("mmseg")
    torch.manual_seed(0)
    model = MODELS.build(Config.fromfile(str(REPO / CFG)).model)
    torch.save({"state_dict": model.state_dict(), "meta": {}}, path)
    return path


def latest_metrics(work_dir) -> dict:
    """The metrics JSON that mmengine's LoggerHook writes after a test run."""
    files = sorted(work_dir.glob("*/*.json"))
    assert files, list(work_dir.rglob("*"))
    return json.loads(files[-1].read_text())


@pytest.mark.slow
def test_short_training_beats_the_degraded_input(phantom_root, tmp_path):
    """Acceptance: DnCNN-SR improves PSNR over the degraded input on held-out phantom slices."""
    work = tmp_path / "work"
    run_tool("tools/train.py", CFG, "--work-dir", str(work), *run_options(phantom_root, 120, batch=4),
             timeout=600, env=ONE_THREAD)
    records = mm_scalars(work)  # logged after iteration 1, then every 10: a finite MSE and SSIM loss each time
    assert_finite_losses(records, ("loss", "loss_mse", "loss_ssim"), steps=[1, *range(10, 121, 10)])
    loss = scalar_series(records, "loss")
    assert loss[120] < loss[10], loss  # and the training lowers the loss
    ckpt = work / "iter_120.pth"
    assert ckpt.is_file()
    proc = run_tool("tools/test.py", CFG, str(ckpt), "--work-dir", str(tmp_path / "test"),
                    *run_options(phantom_root, 120), timeout=300, env=ONE_THREAD)
    out = proc.stdout + proc.stderr
    assert "DnCNN-SR output" in out and "bicubic of degraded input" in out
    m = latest_metrics(tmp_path / "test")
    print(f"test-set PSNR {m['psnr']:.2f} dB (bicubic {m['psnr_bicubic']:.2f} dB), "
          f"SSIM {m['ssim']:.4f} (bicubic {m['ssim_bicubic']:.4f})")
    assert m["psnr"] > m["psnr_bicubic"] + 0.5, m
    assert m["ssim"] > m["ssim_bicubic"], m

    # the trained model on a folder of slices: x2 outputs, input untouched
    src = phantom_root / "liver_ct" / "img_dir" / "test"
    before = {p.name: p.read_bytes() for p in src.glob("*.png")}
    dst = tmp_path / "sr"
    proc = run_tool("tools/denoise.py", CFG, str(ckpt), "--input", str(src), "--output", str(dst), "--no-progress",
                    env=ONE_THREAD)
    assert "128x128 -> 256x256" in proc.stdout
    outs = sorted(dst.glob("*.png"))
    assert [p.name for p in outs] == sorted(before)
    for p in outs:
        img = cv2.imread(str(p), cv2.IMREAD_UNCHANGED)
        assert img.shape == (256, 256) and img.dtype == np.uint8
    assert {p.name: p.read_bytes() for p in src.glob("*.png")} == before


def test_denoise_tool_on_a_folder(phantom_root, tmp_path):
    ckpt = untrained_checkpoint(tmp_path / "untrained.pth")
    src = tmp_path / "slices"
    shutil.copytree(phantom_root / "liver_ct" / "img_dir" / "val", src)
    names = sorted(p.name for p in src.glob("*.png"))
    (src / "zz_broken.png").write_bytes(b"not an image")
    dst = tmp_path / "out"
    proc = run_tool("tools/denoise.py", CFG, str(ckpt), "--input", str(src), "--output", str(dst), check=False)
    assert proc.returncode == 1, proc.stderr[-3000:]  # one unreadable slice: reported, the rest written
    assert "zz_broken.png" in proc.stderr and "Traceback" not in proc.stderr
    assert f"{len(names)} of {len(names) + 1} slice(s)" in proc.stdout
    assert sorted(p.name for p in dst.glob("*.png")) == names
    for name in names:
        lr = cv2.imread(str(src / name), cv2.IMREAD_GRAYSCALE).astype(np.float32) / 255
        sr = cv2.imread(str(dst / name), cv2.IMREAD_UNCHANGED)
        assert sr.shape == (256, 256)
        # untrained = bicubic: scaling back by area averaging returns close to the input
        back = cv2.resize(sr.astype(np.float32) / 255, (128, 128), interpolation=cv2.INTER_AREA)
        assert np.abs(back - lr).mean() < 0.02
    (src / "zz_broken.png").unlink()
    proc = run_tool("tools/denoise.py", CFG, str(ckpt), "--input", str(src), "--output", str(tmp_path / "back"),
                    "--scale-back", "--no-progress")
    assert cv2.imread(str(tmp_path / "back" / names[0]), cv2.IMREAD_UNCHANGED).shape == (128, 128)


def test_denoise_tool_refuses_its_input_and_names_errors(tmp_path):
    src = tmp_path / "slices"
    src.mkdir()
    cv2.imwrite(str(src / "a.png"), np.zeros((32, 32), np.uint8))
    proc = run_tool("tools/denoise.py", CFG, str(tmp_path / "none.pth"), "--input", str(src), "--output",
                    str(src / "."), check=False)
    assert proc.returncode == EXIT_USER_ERROR and "is the input folder" in proc.stderr and "Traceback" not in proc.stderr
    proc = run_tool("tools/denoise.py", CFG, str(tmp_path / "none.pth"), "--input", str(tmp_path / "absent"),
                    "--output", str(tmp_path / "o"), check=False)
    assert proc.returncode == EXIT_USER_ERROR and "input folder not found" in proc.stderr
    proc = run_tool("tools/denoise.py", CFG, str(tmp_path / "none.pth"), "--input", str(src),
                    "--output", str(tmp_path / "o"), check=False)
    assert proc.returncode == EXIT_USER_ERROR and "none.pth" in proc.stderr and "Traceback" not in proc.stderr
