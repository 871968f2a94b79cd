"""DnCNN-SR in mmengine: model modes, train/val steps, the degraded-slice dataset and the PSNR/SSIM metric."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import organseg_plugins.mm  # noqa: F401  (registers the modules)
from organseg_plugins.core.errors import OrgansegInputError
from organseg_plugins.core.models.dncnn_sr import upsample


@pytest.fixture(autouse=True)
def mmseg_scope():
    from mmengine.registry import init_default_scope

    init_default_scope("mmseg")


def build_model(**net):
    from mmseg.registry import MODELS

    torch.manual_seed(0)
    return MODELS.build(dict(type="DnCNNSRModel", net=dict(base_channels=8, **net)))


def liver_dataset(phantom_root, split="val", **kw):
    from mmseg.registry import DATASETS

    return DATASETS.build(dict(type="DegradedSliceDataset", data_root=str(phantom_root / "liver_ct"),
                               data_prefix=dict(img_path=f"img_dir/{split}"), **kw))


def test_model_modes():
    model = build_model()
    x, y = torch.rand(2, 1, 16, 16), torch.rand(2, 1, 32, 32)
    assert model(x, mode="tensor").shape == (2, 1, 32, 32)
    losses = model(x, y, mode="loss")
    assert set(losses) == {"loss_mse", "loss_ssim"}
    # untrained net == bicubic: the terms are those of the bicubic upsampling
    base = upsample(x, 2)
    assert float(losses["loss_mse"]) == pytest.approx(float(((base - y) ** 2).mean()), rel=1e-5)
    preds = model([x[0], x[1]], [y[0], y[1]], mode="predict", img_path=["a.png", "b.png"])  # pseudo_collate lists
    assert len(preds) == 2 and preds[1]["img_path"] == "b.png"
    assert preds[0]["pred"].shape == (1, 32, 32) and 0 <= float(preds[0]["pred"].min())
    assert float(preds[0]["pred"].max()) <= 1
    with pytest.raises(ValueError, match="invalid mode"):
        model(x, mode="nope")
    with pytest.raises(ValueError, match="needs a 'target'"):
        model(x, mode="loss")
    with pytest.raises(ValueError, match="differ in size"):
        model([x[0], torch.rand(1, 8, 8)], mode="tensor")


def test_train_step_lowers_the_loss():
    from mmengine.dataset import default_collate
    from mmengine.optim import OptimWrapper

    model = build_model()
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[:32, :32]
    hr = [((np.sin(xx / (3 + i)) + np.cos(yy / 4)) / 4 + 0.5).astype(np.float32) for i in range(2)]
    batch = default_collate([dict(inputs=torch.from_numpy(h[::2, ::2] + 0.05 * rng.standard_normal((16, 16)))
                                  .float()[None], target=torch.from_numpy(h)[None], img_path=f"{i}.png")
                             for i, h in enumerate(hr)])
    wrapper = OptimWrapper(torch.optim.Adam(model.parameters(), lr=1e-3))
    logs = [model.train_step(batch, wrapper) for _ in range(12)]
    assert set(logs[0]) == {"loss", "loss_mse", "loss_ssim"}
    assert float(logs[-1]["loss"]) < float(logs[0]["loss"])
    out = model.val_step(batch)
    assert len(out) == 2 and out[0]["target"].shape == (1, 32, 32)


def test_dataset_pairs(phantom_root):
    val = liver_dataset(phantom_root, "val", test_mode=True)
    assert len(val) > 0
    a, b = val[0], val[0]
    assert a["inputs"].shape == (1, 64, 64) and a["target"].shape == (1, 128, 128)  # phantoms are 128 px
    assert torch.equal(a["inputs"], b["inputs"])  # deterministic per index
    assert not torch.equal(a["inputs"], liver_dataset(phantom_root, "val", test_mode=True, seed=5)[0]["inputs"])
    assert a["img_path"].endswith(".png") and "img_dir/val" in a["img_path"]
    train = liver_dataset(phantom_root, "train", crop_size=64)
    c, d = train[0], train[0]
    assert c["inputs"].shape == (1, 32, 32) and c["target"].shape == (1, 64, 64)
    assert not torch.equal(c["inputs"], d["inputs"])  # fresh noise / crop each draw
    assert 0 <= float(c["inputs"].min()) and float(c["inputs"].max()) <= 1


def test_dataset_errors(phantom_root, tmp_path):
    with pytest.raises(OrgansegInputError, match="make_phantoms.py"):
        liver_dataset(tmp_path, "train")
    (tmp_path / "slices").mkdir()
    (tmp_path / "slices" / "broken.png").write_bytes(b"\x89PNG garbage")
    from mmseg.registry import DATASETS

    ds = DATASETS.build(dict(type="DegradedSliceDataset", data_root=str(tmp_path), data_prefix=dict(img_path="slices"),
                             test_mode=True))
    with pytest.raises(OrgansegInputError, match="broken.png"):
        ds[0]
    with pytest.raises(OrgansegInputError, match="smaller than crop_size"):
        liver_dataset(phantom_root, "val", test_mode=True, crop_size=256)[0]
    with pytest.raises(ValueError, match="multiple of scale"):
        liver_dataset(phantom_root, "val", crop_size=63)


def test_metric_reports_output_and_bicubic_baseline():
    from mmseg.registry import METRICS

    metric = METRICS.build(dict(type="PSNRSSIMMetric"))
    rng = np.random.default_rng(0)
    target = torch.from_numpy(rng.random((1, 32, 32))).float()
    lr = target.reshape(1, 16, 2, 16, 2).mean(dim=(2, 4))
    base = upsample(lr[None], 2).clamp(0, 1)[0]
    metric.process({}, [dict(pred=target.clone(), target=target, inputs=lr, img_path="p.png"),
                        dict(pred=base, target=target, inputs=lr)])
    res = metric.evaluate(2)
    assert set(res) >= {"psnr", "ssim", "psnr_bicubic", "ssim_bicubic", "psnr_gain", "ssim_gain"}
    assert math.isinf(res["psnr"])  # one perfect prediction
    assert res["ssim"] == pytest.approx((1.0 + res["ssim_bicubic"]) / 2, abs=1e-6)
    assert res["ssim_gain"] > 0
    metric.process({}, [dict(pred=base, target=target, inputs=lr)])
    res = metric.evaluate(1)  # the prediction *is* the baseline: no gain
    assert res["psnr_gain"] == pytest.approx(0.0, abs=1e-9) and res["psnr"] < 40
