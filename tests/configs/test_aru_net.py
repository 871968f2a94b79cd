"""ARU-Net's configs: the presets, ablations and every baseline train a few steps (model, loss, optimiser of the
config at reduced width), and the phantom config runs through tools/train.py (slow)."""

from pathlib import Path

import pytest
import torch

from tests.conftest import REPO, assert_values_in, mm_scalars, run_tool

CONFIGS = REPO / "configs" / "aru_net"
TRAINABLE = sorted(str(p.relative_to(CONFIGS)) for p in CONFIGS.rglob("*.py") if "phantom" not in p.name
                   and "test-" not in p.name)
SMALL = (4, 8, 16, 32, 64)


def _shrink(model: dict) -> None:
    """Reduce the widths so a step takes milliseconds; the structure (modules, switches, loss) is the config's."""
    bb, head = model["backbone"], model["decode_head"]
    if "widths" in bb:
        bb["widths"] = SMALL
    if "stages" in bb:
        bb["stages"] = ((4, 2), (8, 2), (16, 3), (16, 3), (16, 3))
    if bb["type"] == "UNet":
        bb["base_channels"] = 4
    if head["type"] == "ARUNetHead":
        head.update(in_channels=SMALL, channels=4)
    else:
        head.update(in_channels=4, channels=4)


@pytest.mark.parametrize("name", TRAINABLE)
def test_config_trains_a_few_steps(name):
    from mmengine.config import Config
    from mmengine.optim import build_optim_wrapper
    from mmengine.registry import init_default_scope
    from mmengine.structures import PixelData
    from mmseg.registry import MODELS
    from mmseg.structures import SegDataSample

    import organseg_plugins.mm  # noqa: F401

    cfg = Config.fromfile(str(CONFIGS / name))
    init_default_scope("mmseg")
    _shrink(cfg.model)
    cfg.model.data_preprocessor.size = (32, 32)
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    optim = build_optim_wrapper(model, cfg.optim_wrapper)
    assert type(optim.optimizer).__name__ == "Adam" and optim.optimizer.defaults["lr"] == 1e-4
    labels = torch.zeros(2, 32, 32, dtype=torch.long)
    labels[:, 10:22, 8:20] = 1
    imgs = [torch.randint(0, 60, (3, 32, 32), dtype=torch.uint8) for _ in range(2)]
    for im, lab in zip(imgs, labels):
        im[:, lab.bool()] = 5  # a dark lesion
    samples = []
    for lab in labels:
        s = SegDataSample()
        s.gt_sem_seg = PixelData(data=lab[None])
        s.set_metainfo(dict(img_shape=(32, 32), ori_shape=(32, 32), pad_shape=(32, 32)))
        samples.append(s)
    before = [p.detach().clone() for p in model.parameters()]
    losses = [model.train_step(dict(inputs=imgs, data_samples=samples), optim)["decode.loss_ce_dice"].item()
              for _ in range(3)]
    assert all(torch.isfinite(torch.tensor(losses)))
    assert any(not torch.equal(a, b) for a, b in zip(before, model.parameters()))


@pytest.mark.slow
def test_phantom_config_through_train_py(tmp_path):
    from organseg_plugins.core.converters.busi import convert_busi
    from organseg_plugins.core.phantoms.lesions import write_busi_phantoms

    write_busi_phantoms(tmp_path / "raw", {"benign": 6, "malignant": 4, "normal": 1}, 64, 64, seed=0)
    data = tmp_path / "busi"
    assert convert_busi(tmp_path / "raw", data, progress=False).ok
    cfg = "configs/aru_net/aru_net_1xb2-adam-cosine-150it_phantom-busi-48x48.py"
    run_tool("tools/train.py", cfg, "--work-dir", str(tmp_path / "work"), "--cfg-options",
             f"train_dataloader.dataset.data_root={data}", f"val_dataloader.dataset.data_root={data}",
             f"test_dataloader.dataset.data_root={data}", "train_cfg.max_iters=2", "train_cfg.val_interval=2",
             "default_hooks.logger.interval=1", timeout=900)
    vals = [r for r in mm_scalars(tmp_path / "work") if "val_loss" in r]
    assert [r["step"] for r in vals] == [2], vals  # one validation, after iteration 2
    assert_values_in(vals[0], ["val_loss"], 0.0)
    assert_values_in(vals[0], ["IoU.lesion"], 0.0, 100.0)
    assert list(Path(tmp_path / "work").glob("best_val_loss_iter_2.pth"))
