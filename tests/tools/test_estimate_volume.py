"""tools/estimate_volume.py: masks (or images through a segmentor) -> RVAE -> mL with interval, per-image CSV;
bad inputs are reported in the CSV, not a crash."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from organseg_plugins.core.cli import EXIT_USER_ERROR
from organseg_plugins.core.io.atomic import atomic_imwrite_png
from organseg_plugins.core.io.tables import read_csv_rows
from tests.conftest import REPO, run_tool

RVAE_CFG = "configs/deepspv/rvae_1xb16-1000it_phantom-views-64-coronal.py"
SEG_CFG = "configs/spleen/segformer_b0_bcedice_phantom-spleen-128x128.py"


def untrained_checkpoint(config: str, path):
    """A checkpoint of the config's untrained model, as the runner saves it."""
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    from mmseg.registry import MODELS

    import organseg_plugins.mm  # noqa: F401

    init_default_scope("mmseg")
    torch.manual_seed(0)
    model = MODELS.build(Config.fromfile(str(REPO / config)).model)
    torch.save({"state_dict": model.state_dict(), "meta": {}}, path)
    return path


@pytest.fixture(scope="module")
def rvae_ckpt(tmp_path_factory):
    return untrained_checkpoint(RVAE_CFG, tmp_path_factory.mktemp("rvae") / "rvae.pth")


@pytest.mark.slow
def test_masks_to_volumes(rvae_ckpt, tmp_path):
    masks = tmp_path / "masks"
    m = np.zeros((200, 200), np.uint8)
    m[40:160, 60:120] = 1
    atomic_imwrite_png(masks / "a.png", m)
    atomic_imwrite_png(masks / "b.png", m[::-1].copy())
    atomic_imwrite_png(masks / "c_empty.png", np.zeros((50, 50), np.uint8))
    atomic_imwrite_png(masks / "d_nospacing.png", m)
    (tmp_path / "meta.csv").write_text("filename,spacing_mm\na.png,0.8\nb.png,0.8\nc_empty.png,1\n")
    out = tmp_path / "v.csv"
    proc = run_tool("tools/estimate_volume.py", RVAE_CFG, str(rvae_ckpt), "--masks", str(masks), "--meta",
                    str(tmp_path / "meta.csv"), "--view-spacing", "4", "--out", str(out), check=False)
    assert proc.returncode == 1, proc.stderr[-2000:]  # two images failed: listed, the others estimated
    assert "2 of 4 image(s) estimated" in proc.stdout and "Traceback" not in proc.stderr
    rows = {r["filename"]: r for r in read_csv_rows(out)}
    for name in ("a.png", "b.png"):
        r = rows[name]
        assert r["status"] == "ok" and r["pixel_spacing_mm"] == "0.8"
        assert float(r["lower_ml"]) <= float(r["upper_ml"])
    assert "empty" in rows["c_empty.png"]["status"] and "no spacing_mm" in rows["d_nospacing.png"]["status"]


def test_user_errors_are_one_line(tmp_path):
    """Checked before any model is built (the checkpoint is not even read)."""
    rvae_ckpt = tmp_path / "none.pth"
    (tmp_path / "m").mkdir()
    proc = run_tool("tools/estimate_volume.py", RVAE_CFG, str(rvae_ckpt), "--masks", str(tmp_path / "m"),
                    "--out", str(tmp_path / "o.csv"), check=False)
    assert proc.returncode == EXIT_USER_ERROR and "pixel spacing" in proc.stderr
    proc = run_tool("tools/estimate_volume.py", RVAE_CFG, str(rvae_ckpt), "--images", str(tmp_path / "m"),
                    "--pixel-spacing", "1", "--out", str(tmp_path / "o.csv"), check=False)
    assert proc.returncode == EXIT_USER_ERROR and "--seg-config" in proc.stderr and "Traceback" not in proc.stderr


@pytest.mark.slow
def test_images_through_a_segmentor(rvae_ckpt, tmp_path):
    """The whole pipeline on rendered views: image -> (untrained) SegFormer -> mask -> RVAE; an unreadable
    image is reported in the CSV."""
    from organseg_plugins.core.converters.spleen_views import mid_views
    from organseg_plugins.core.phantoms.spleen3d import random_spleen
    from organseg_plugins.core.phantoms.ultrasound_views import ultrasound_views

    seg_ckpt = untrained_checkpoint(SEG_CFG, tmp_path / "seg.pth")
    images = tmp_path / "images"
    for i in range(2):
        s = random_spleen(i, 3.0)
        atomic_imwrite_png(images / f"us{i}.png", ultrasound_views(mid_views(s.mask, s.spacing, 64, 4.0), i)["coronal"])
    (images / "zz_broken.png").write_bytes(b"not an image")
    out = tmp_path / "v.csv"
    proc = run_tool("tools/estimate_volume.py", RVAE_CFG, str(rvae_ckpt), "--images", str(images),
                    "--seg-config", SEG_CFG, "--seg-checkpoint", str(seg_ckpt), "--pixel-spacing", "4",
                    "--view-spacing", "4", "--out", str(out), check=False, env={"OMP_NUM_THREADS": "1"})
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr[-3000:]
    rows = {r["filename"]: r for r in read_csv_rows(out)}
    assert set(rows) == {"us0.png", "us1.png", "zz_broken.png"}
    assert "zz_broken.png" in rows["zz_broken.png"]["status"]
    for name in ("us0.png", "us1.png"):  # an untrained segmentor: a volume, or an empty mask reported
        assert rows[name]["status"] == "ok" or "empty" in rows[name]["status"]
