"""Every config under configs/ loads (upstream `mmseg::` / model-zoo inheritance) and builds its model."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

REPO = Path(__file__).resolve().parents[2]
CONFIG_DIR = REPO / "configs"
MM_CONFIGS = sorted(
    str(p.relative_to(CONFIG_DIR)) for p in CONFIG_DIR.rglob("*.py") if "_base_" not in p.relative_to(CONFIG_DIR).parts
)
D2_CONFIGS = sorted(str(p.relative_to(CONFIG_DIR)) for p in CONFIG_DIR.rglob("*.yaml"))


def test_there_are_configs():
    assert MM_CONFIGS and D2_CONFIGS


@pytest.mark.parametrize("name", MM_CONFIGS)
def test_mmseg_config_builds(name):
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    from mmengine.utils import import_modules_from_strings
    from mmseg.registry import MODELS

    cfg = Config.fromfile(str(CONFIG_DIR / name))
    import_modules_from_strings(**cfg.custom_imports)
    init_default_scope(cfg.get("default_scope", "mmseg"))
    model = MODELS.build(cfg.model)
    assert sum(p.numel() for p in model.parameters()) > 1e5
    # from scratch by default: no config may point at a download
    assert not str(cfg.get("load_from") or "").startswith("http")
    assert not str(cfg.model.get("pretrained") or "").startswith("http")
    backbone_init = cfg.model.get("backbone", {}).get("init_cfg") or {}
    assert not str(backbone_init.get("checkpoint", "")).startswith("http"), backbone_init


@pytest.mark.parametrize("name", D2_CONFIGS)
def test_detectron2_config_builds(name):
    from detectron2.modeling import build_model

    from organseg_plugins.d2 import load_config

    cfg = load_config(str(CONFIG_DIR / name), ["MODEL.DEVICE", "cpu"])
    assert cfg.MODEL.RESNETS.DEPTH == 101  # inherited from the model zoo's mask_rcnn_R_101_FPN_3x
    assert cfg.MODEL.ROI_HEADS.NUM_CLASSES == 1
    assert cfg.MODEL.WEIGHTS == ""
    model = build_model(cfg)
    norms = {type(m).__name__ for m in model.modules()}
    assert "FrozenBatchNorm2d" not in norms and "GroupNorm" in norms
    model.eval()
    with torch.no_grad():
        out = model([{"image": torch.zeros(3, 64, 64), "height": 64, "width": 64}])
    assert "instances" in out[0]
