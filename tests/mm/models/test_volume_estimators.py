"""The mmengine volume models: loss terms and weights, the two-stage schedule, predictions with intervals."""

from __future__ import annotations

import pytest
import torch
from mmengine.registry import init_default_scope
from mmseg.registry import MODELS

import organseg_plugins.mm  # noqa: F401

SMALL_NET = dict(latent_dim=8, channels=(8, 16), decoder_upsamples=2, head_hidden=8)


def _batch(c: int = 1, n: int = 2):
    torch.manual_seed(0)
    return dict(inputs=(torch.rand(n, c, 16, 16) > 0.5).float(), volume=torch.tensor([100.0, 300.0][:n]),
                name=["a", "b"][:n], measures=dict(length_mm=torch.tensor([100.0, 150.0][:n]),
                                                   coronal_width_mm=torch.tensor([50.0, 60.0][:n])))


def test_rvae_two_stage_loss_and_intervals():
    init_default_scope("mmseg")
    torch.manual_seed(0)
    model = MODELS.build(dict(type="RVAEVolumeModel", net=SMALL_NET, vae_only_iters=1, num_samples=200,
                              beta=0.5, volume_weight=3.0))
    losses = model(**_batch(), mode="loss")
    assert set(losses) == {"loss_recon", "loss_kl", "loss_volume"}
    assert float(losses["loss_volume"]) == 0.0  # stage 1: VAE only
    assert float(losses["loss_volume"].detach()) == 0.0 and int(model.train_steps) == 1
    losses = model(**_batch(), mode="loss")
    assert float(losses["loss_volume"]) > 0.0  # stage 2: joint
    model.eval()
    with torch.no_grad():
        preds = model(**_batch(), mode="predict")
        again = model(**_batch(), mode="predict")
    assert [p["name"] for p in preds] == ["a", "b"] and preds[1]["gt_volume"] == 300.0
    for p, q in zip(preds, again):
        assert p["lower"] <= p["upper"] and p["mu"].shape == (8,)
        assert (p["lower"], p["upper"], p["pred_volume"]) == (q["lower"], q["upper"], q["pred_volume"])  # seeded


def test_rvae_loss_weights():
    init_default_scope("mmseg")
    torch.manual_seed(0)
    base = MODELS.build(dict(type="RVAEVolumeModel", net=SMALL_NET, beta=1.0, volume_weight=1.0))
    torch.manual_seed(0)
    scaled = MODELS.build(dict(type="RVAEVolumeModel", net=SMALL_NET, beta=0.2, volume_weight=10.0))
    torch.manual_seed(1)
    a = base(**_batch(), mode="loss")
    torch.manual_seed(1)
    b = scaled(**_batch(), mode="loss")
    assert float(b["loss_kl"]) == pytest.approx(0.2 * float(a["loss_kl"]), rel=1e-5)
    assert float(b["loss_volume"]) == pytest.approx(10.0 * float(a["loss_volume"]), rel=1e-5)


def test_dual_view_two_encoder_and_cnn():
    init_default_scope("mmseg")
    model = MODELS.build(dict(type="RVAEVolumeModel", net=dict(SMALL_NET, in_channels=2, fusion="two_encoder")))
    assert set(model(**_batch(2), mode="loss")) == {"loss_recon", "loss_kl", "loss_volume"}
    cnn = MODELS.build(dict(type="CNNVolumeModel", arch="resnet18", in_channels=2))
    assert set(cnn(**_batch(2), mode="loss")) == {"loss_volume"}
    cnn.eval()
    assert "lower" not in cnn(**_batch(2), mode="predict")[0]


def test_linear_model_by_hand():
    init_default_scope("mmseg")
    model = MODELS.build(dict(type="LinearVolumeModel", feature="length_width", feature_scale=10000.0,
                              volume_scale=100.0))
    with torch.no_grad():
        model.net.linear.weight.fill_(2.0)
        model.net.linear.bias.fill_(0.5)
    # x = L * W / 1e4 = 100 * 50 / 1e4 = 0.5 and 150 * 60 / 1e4 = 0.9; v = 100 * (0.5 + 2 x) = 150, 230 mL
    preds = model(**_batch(), mode="predict")
    assert [p["pred_volume"] for p in preds] == pytest.approx([150.0, 230.0])
    # loss: ((1.5 - 1)^2 + (2.3 - 3)^2) / 2 = (0.25 + 0.49) / 2 = 0.37
    assert float(model(**_batch(), mode="loss")["loss_volume"]) == pytest.approx(0.37)
    with pytest.raises(ValueError, match="feature"):
        MODELS.build(dict(type="LinearVolumeModel", feature="area"))
