"""ARU-Net and its baselines in mmseg: every registered name builds and runs, the segmentor trains a step,
the losses, the validation-loss metric and the lesion datasets."""

import pytest
import torch
from mmengine.config import ConfigDict
from mmengine.registry import init_default_scope
from mmengine.structures import PixelData
from mmseg.registry import DATASETS, METRICS, MODELS
from mmseg.structures import SegDataSample

import organseg_plugins.mm  # noqa: F401  (registers the modules)
from organseg_plugins.core.losses.softmax import ce_dice_loss, focal_tversky_loss

SMALL = (4, 8, 16, 32, 64)


@pytest.fixture(autouse=True)
def _scope():
    init_default_scope("mmseg")


def _samples(labels):
    out = []
    for lab in labels:
        s = SegDataSample()
        s.gt_sem_seg = PixelData(data=lab[None].long())
        s.set_metainfo(dict(img_shape=tuple(lab.shape), ori_shape=tuple(lab.shape), pad_shape=tuple(lab.shape)))
        out.append(s)
    return out


# every name this work registers, with a small config and the input it takes
BACKBONES = {
    "ARUNetBackbone": dict(widths=SMALL),
    "UNetPlusPlusBackbone": dict(widths=SMALL),
    "AttentionUNetBackbone": dict(widths=SMALL),
    "SegNetBackbone": dict(stages=((4, 2), (8, 2), (16, 3), (16, 3), (16, 3))),
}


@pytest.mark.parametrize("name", sorted(BACKBONES))
def test_every_backbone_builds_and_runs(name):
    net = MODELS.build(dict(type=name, **BACKBONES[name])).eval()
    with torch.no_grad():
        out = net(torch.randn(1, 3, 32, 32))
    assert isinstance(out, tuple) and out[-1].shape[0] == 1
    if name == "ARUNetBackbone":
        assert [tuple(o.shape[1:]) for o in out] == [(4, 32, 32), (8, 16, 16), (16, 8, 8), (32, 4, 4), (64, 2, 2)]
    else:
        assert tuple(out[0].shape[1:]) == (4, 32, 32)


@pytest.mark.parametrize("preset", ["paper", "code"])
def test_segmentor_train_step_and_predict(preset):
    model = MODELS.build(dict(
        type="EncoderDecoder",
        data_preprocessor=dict(type="SegDataPreProcessor", mean=[0.0] * 3, std=[255.0] * 3, size=(32, 32)),
        backbone=dict(type="ARUNetBackbone", widths=SMALL, preset=preset),
        decode_head=dict(type="ARUNetHead", in_channels=SMALL, channels=4, preset=preset),
        test_cfg=ConfigDict(mode="whole")))
    labels = torch.zeros(2, 32, 32, dtype=torch.long)
    labels[:, 8:20, 8:20] = 1
    data = dict(inputs=[torch.randint(0, 255, (3, 32, 32), dtype=torch.uint8) for _ in range(2)],
                data_samples=_samples(labels))
    optim = torch.optim.Adam(model.parameters(), 1e-3)
    from mmengine.optim import OptimWrapper

    logs = model.train_step(data, OptimWrapper(optim))
    assert torch.isfinite(logs["decode.loss_ce_dice"])
    model.eval()
    with torch.no_grad():
        pred = model.val_step(data)
    assert pred[0].seg_logits.data.shape == (2, 32, 32) and pred[0].pred_sem_seg.data.shape == (1, 32, 32)


def test_ablation_switches_reach_the_modules():
    bb = MODELS.build(dict(type="ARUNetBackbone", widths=SMALL, residual_encoder=False, spconvmixer=False))
    head = MODELS.build(dict(type="ARUNetHead", in_channels=SMALL, channels=4, channel_attention=False,
                             self_attention=False))
    assert bb.net.bottleneck is None and bb.net.stages[0].proj is None
    assert all(isinstance(m, torch.nn.Identity) for m in [*head.decoder.self_attn, *head.decoder.channel_attn])
    opt = MODELS.build(dict(type="ARUNetBackbone", widths=SMALL, options=dict(pool="max3s2")))
    assert opt.net.pool.kernel_size == 3


def test_losses_are_the_core_functions():
    torch.manual_seed(0)
    logits, target = torch.randn(2, 2, 8, 8), torch.randint(0, 2, (2, 8, 8))
    target[0, 0, 0] = 255
    ce = MODELS.build(dict(type="CEDiceLoss", ce_weight=2.0, dice_weight=0.5, loss_weight=3.0))
    assert ce.loss_name == "loss_ce_dice"
    assert ce(logits, target).item() == pytest.approx(3.0 * ce_dice_loss(logits, target, ce_weight=2.0,
                                                                         dice_weight=0.5).item(), rel=1e-6)
    ft = MODELS.build(dict(type="FocalTverskyLoss", alpha=0.7, beta=0.3, gamma=2.0, alpha_weighs="fn"))
    assert ft.loss_name == "loss_focal_tversky"
    assert ft(logits, target).item() == pytest.approx(
        focal_tversky_loss(logits, target, alpha=0.7, beta=0.3, gamma=2.0, alpha_weighs="fn").item(), rel=1e-6)


def test_val_loss_metric_is_the_mean_per_image_loss():
    metric = METRICS.build(dict(type="SegLossMetric"))
    torch.manual_seed(1)
    values = []
    samples = []
    for _ in range(3):
        logits, lab = torch.randn(2, 6, 6), torch.randint(0, 2, (6, 6))
        values.append(ce_dice_loss(logits[None], lab[None]).item())
        samples.append(dict(seg_logits=dict(data=logits), gt_sem_seg=dict(data=lab[None])))
    metric.process({}, samples)
    assert metric.compute_metrics(metric.results)["val_loss"] == pytest.approx(sum(values) / 3, rel=1e-6)


def test_lesion_dataset_refuses_a_255_mask(tmp_path):
    import cv2
    import numpy as np

    from organseg_plugins.core.errors import OrgansegInputError

    for sub in ("img_dir/train", "ann_dir/train"):
        (tmp_path / sub).mkdir(parents=True)
    cv2.imwrite(str(tmp_path / "img_dir/train/a.png"), np.zeros((8, 8, 3), np.uint8))
    mask = np.zeros((8, 8), np.uint8)
    mask[2:4, 2:4] = 255  # a raw BUSI mask put in place without the converter
    cv2.imwrite(str(tmp_path / "ann_dir/train/a.png"), mask)
    ds = DATASETS.build(dict(type="BreastLesionUSDataset", data_root=str(tmp_path),
                             data_prefix=dict(img_path="img_dir/train", seg_map_path="ann_dir/train"),
                             pipeline=[dict(type="LoadImageFromFile"), dict(type="LoadBinaryAnnotations")]))
    assert ds.metainfo["classes"] == ("background", "lesion")
    with pytest.raises(OrgansegInputError, match=r"ann_dir/train/a\.png"):
        ds[0]
