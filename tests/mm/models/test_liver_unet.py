"""The liver paper's U-Net (Table 4) in mmseg: config build, BCE loss, a training step, 1-channel data path."""

from __future__ import annotations

import copy

import pytest
import torch
import torch.nn.functional as F
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.optim import OptimWrapper
from mmengine.registry import init_default_scope
from mmengine.structures import PixelData
from mmseg.registry import DATASETS, MODELS
from mmseg.structures import SegDataSample

import organseg_plugins.mm  # noqa: F401  (registers LiverUNetBackbone / LiverUNetHead)
from organseg_plugins.mm.models.backbones.liver_unet import LiverUNetBackbone
from organseg_plugins.mm.models.decode_heads.liver_unet_head import (
    LiverUNetHead,
)
from tests.conftest import REPO

PHANTOM_CFG = REPO / "configs/liver/unet_table4_1xb4-600it_phantom-liver-128x128.py"
REAL_CFG = REPO / "configs/liver/unet_table4_1xb8-50e_liver-512x512.py"
TABLE4_PARAMS = 1_940_817  # hand count in tests/core/models/test_liver_unet.py


@pytest.fixture(autouse=True)
def _scope():
    init_default_scope("mmseg")


def build(cfg_path=PHANTOM_CFG):
    cfg = Config.fromfile(str(cfg_path))
    torch.manual_seed(0)
    return cfg, MODELS.build(cfg.model)


def random_batch(n=2, size=128, seed=0, ignore_box=None):
    g = torch.Generator().manual_seed(seed)
    inputs, samples = [], []
    for _ in range(n):
        inputs.append(torch.randint(0, 256, (1, size, size), generator=g, dtype=torch.uint8))
        label = torch.zeros(size, size, dtype=torch.long)
        label[size // 4: 3 * size // 4, size // 8: size // 2] = 1  # a "liver" on the left
        if ignore_box is not None:
            label[ignore_box] = 255
        s = SegDataSample()
        s.gt_sem_seg = PixelData(data=label[None])
        s.set_metainfo(dict(img_shape=(size, size), ori_shape=(size, size), pad_shape=(size, size)))
        samples.append(s)
    return dict(inputs=inputs, data_samples=samples)


def test_configs_build_table4_unet():
    for path in (PHANTOM_CFG, REAL_CFG):
        cfg, model = build(path)
        assert isinstance(model.backbone, LiverUNetBackbone) and isinstance(model.decode_head, LiverUNetHead)
        assert sum(p.numel() for p in model.parameters()) == TABLE4_PARAMS
        head = model.decode_head
        assert head.out_channels == 1 and head.num_classes == 2 and head.threshold == 0.5
        assert head.dropout is None and head.conv_seg.kernel_size == (1, 1)
        assert cfg.model.test_cfg.mode == "whole"
        assert cfg.model.data_preprocessor.mean == [0.0] and cfg.model.data_preprocessor.std == [255.0]
    assert Config.fromfile(str(REAL_CFG)).optim_wrapper.optimizer.type == "Adam"


def test_backbone_returns_full_resolution_16_channel_map():
    backbone = MODELS.build(dict(type="LiverUNetBackbone"))
    out = backbone(torch.zeros(2, 1, 64, 48))
    assert isinstance(out, tuple) and len(out) == 1 and out[0].shape == (2, 16, 64, 48)
    custom = MODELS.build(dict(type="LiverUNetBackbone", dropout=[0.0, 0.0, 0.1, 0.1, 0.5]))
    assert [b.dropout.p for b in custom.net.encoders] == [0.0, 0.0, 0.1, 0.1, 0.5]


def test_head_defaults_to_bce_and_checks_channels():
    head = MODELS.build(dict(type="LiverUNetHead"))
    assert type(head.loss_decode).__name__ == "BCEDiceLoss" and head.loss_decode.dice_weight == 0.0
    with pytest.raises(ValueError, match="channels"):
        MODELS.build(dict(type="LiverUNetHead", in_channels=16, channels=32))


def test_head_keeps_pytorch_default_init_after_init_weights():
    # PyTorch's Conv2d default is kaiming_uniform(a=sqrt(5)): U(-b, b) with b = 1/sqrt(fan_in) = 1/sqrt(16) = 0.25,
    # whose std is b/sqrt(3) = 0.144; mmseg's decode-head default (normal, std 0.01) would give ~0.01.
    _, model = build()
    model.init_weights()
    w = model.decode_head.conv_seg.weight.detach()
    assert w.shape == (1, 16, 1, 1)
    assert 0.06 < float(w.std()) < 0.25 and float(w.abs().max()) <= 0.25
    _, normal = build()
    normal.decode_head.init_cfg = dict(type="Normal", std=0.01, override=dict(name="conv_seg"))
    normal.decode_head.init_weights()  # the mmseg default, when asked for, still applies
    assert float(normal.decode_head.conv_seg.weight.std()) < 0.03


def test_loss_is_bce_with_logits_over_non_ignored_pixels():
    _, model = build()
    model.eval()  # dropout off, so the logits below are the ones the loss saw
    box = (slice(0, 20), slice(0, 128))
    data = model.data_preprocessor(random_batch(ignore_box=box), training=True)
    with torch.no_grad():
        losses = model.loss(data["inputs"], data["data_samples"])
        logits = model.decode_head(model.extract_feat(data["inputs"]))
    assert set(losses) == {"decode.loss_bce", "decode.acc_seg"}
    gt = torch.stack([s.gt_sem_seg.data[0] for s in data["data_samples"]])
    valid = gt != 255
    assert valid.sum() == 2 * (128 - 20) * 128
    expected = F.binary_cross_entropy_with_logits(logits[:, 0][valid], gt[valid].float())
    torch.testing.assert_close(losses["decode.loss_bce"], expected, rtol=1e-5, atol=1e-6)
    # acc_seg: accuracy of sigmoid > 0.5 on the valid pixels (not mmseg's one-channel top-1 = background share)
    hit = ((logits[:, 0].sigmoid() > 0.5) == (gt == 1))[valid].float().mean() * 100
    torch.testing.assert_close(losses["decode.acc_seg"], hit)
    # mmseg's own sigmoid CE gives the same value on one channel once it averages over non-ignored pixels
    ce = MODELS.build(dict(type="CrossEntropyLoss", use_sigmoid=True, avg_non_ignore=True))
    torch.testing.assert_close(ce(logits, gt, ignore_index=255), expected, rtol=1e-5, atol=1e-6)


def test_training_step_updates_backbone_and_loss_is_finite():
    _, model = build()
    model.train()
    optim = OptimWrapper(torch.optim.Adam(model.parameters(), lr=1e-3))
    before = {k: v.detach().clone() for k, v in model.named_parameters()}
    logs = model.train_step(random_batch(), optim)
    assert torch.isfinite(logs["decode.loss_bce"]) and logs["decode.loss_bce"] > 0
    changed = {k for k, v in model.named_parameters() if not torch.equal(v, before[k])}
    assert any(k.startswith("backbone.net.encoders.0.") for k in changed)  # gradient reached the first level
    assert any(k.startswith("backbone.net.decoders.") for k in changed)
    assert {"decode_head.conv_seg.weight", "decode_head.conv_seg.bias"} <= changed


def test_predict_thresholds_the_sigmoid_at_half():
    _, model = build()
    model.eval()
    data = model.data_preprocessor(random_batch(n=1, size=96), training=False)
    with torch.no_grad():
        out = model.predict(data["inputs"], data["data_samples"])[0]
        logits = model.decode_head(model.extract_feat(data["inputs"]))[0]
    assert out.seg_logits.data.shape == (1, 96, 96)
    # mmseg's one-channel path stores the sigmoid (Table 4's last activation) and thresholds it
    torch.testing.assert_close(out.seg_logits.data, logits.sigmoid())
    assert torch.equal(out.pred_sem_seg.data[0].long(), (logits[0].sigmoid() > 0.5).long())
    # a size that is not a multiple of 16: padded by data_preprocessor.test_cfg, cropped back by predict
    data = model.data_preprocessor(random_batch(n=1, size=100), training=False)
    assert data["inputs"].shape == (1, 1, 112, 112)
    with torch.no_grad():
        out = model.predict(data["inputs"], data["data_samples"])[0]
    assert out.pred_sem_seg.data.shape == (1, 100, 100)


def test_grayscale_pipeline_gives_one_channel_in_0_1(phantom_root):
    cfg, model = build()
    ds_cfg = copy.deepcopy(cfg.val_dataloader.dataset)
    ds_cfg.data_root = str(phantom_root / "liver_ct")
    sample = DATASETS.build(ds_cfg)[0]
    assert sample["inputs"].shape == (1, 128, 128) and sample["inputs"].dtype == torch.uint8
    assert "spacing_mm" in sample["data_samples"].metainfo
    batch = model.data_preprocessor(pseudo_collate([sample]), training=False)
    x = batch["inputs"]
    assert x.shape == (1, 1, 128, 128)
    torch.testing.assert_close(x[0], sample["inputs"].float() / 255.0)
    train_cfg = copy.deepcopy(cfg.train_dataloader.dataset)
    train_cfg.data_root = str(phantom_root / "liver_ct")
    train = DATASETS.build(train_cfg)
    batch = model.data_preprocessor(pseudo_collate([train[0], train[1]]), training=True)
    assert batch["inputs"].shape == (2, 1, 128, 128)
    model.eval()
    with torch.no_grad():
        losses = model.loss(batch["inputs"], batch["data_samples"])
    assert torch.isfinite(losses["decode.loss_bce"])
