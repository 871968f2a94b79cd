"""The RVAE network: shapes per fusion, loss terms by hand, deterministic eval, interval sampling."""

from __future__ import annotations

import math

import pytest
import torch

from organseg_plugins.core.models import RegressionVAE, rvae_loss_terms


@pytest.mark.parametrize("in_ch, fusion", [(1, "stack"), (2, "stack"), (2, "two_encoder")])
def test_shapes_for_every_fusion(in_ch, fusion):
    torch.manual_seed(0)
    net = RegressionVAE(in_channels=in_ch, latent_dim=16, channels=(8, 16), fusion=fusion, decoder_upsamples=2)
    x = (torch.rand(3, in_ch, 24, 20) > 0.5).float()
    out = net(x)
    # the decoder makes 4 * 2^2 = 16 px and resizes to the input size
    assert out.recon_logits.shape == (3, in_ch, 24, 20)
    assert out.mu.shape == out.logvar.shape == out.z.shape == (3, 16) and out.volume.shape == (3,)
    assert len(net.encoders) == (2 if fusion == "two_encoder" else 1)
    terms = rvae_loss_terms(out, x, torch.ones(3))
    sum(terms.values()).backward()
    assert all(p.grad is not None for p in net.head.parameters())


def test_eval_uses_mu_and_is_deterministic():
    torch.manual_seed(0)
    net = RegressionVAE(latent_dim=8, channels=(8, 16), decoder_upsamples=1).eval()
    x = (torch.rand(2, 1, 16, 16) > 0.5).float()
    a, b = net(x), net(x)
    assert torch.equal(a.z, a.mu) and torch.equal(a.volume, b.volume)
    assert torch.allclose(a.volume, net.regress(a.mu))


def test_loss_terms_by_hand():
    # one case, one 1x1 pixel: logit 0 vs target 1 -> BCE = log 2; mu = (1, 0), logvar = (0, log 4):
    # KL = -1/2 [(1 + 0 - 1 - 1) + (1 + log 4 - 0 - 4)] = -1/2 [-1 - 3 + log 4] = 2 - log 2
    class Out:
        recon_logits = torch.zeros(1, 1, 1, 1)
        mu = torch.tensor([[1.0, 0.0]])
        logvar = torch.tensor([[0.0, math.log(4.0)]])
        volume = torch.tensor([3.0])

    t = rvae_loss_terms(Out(), torch.ones(1, 1, 1, 1), torch.tensor([1.0]))
    assert float(t["recon"]) == pytest.approx(math.log(2))
    assert float(t["kl"]) == pytest.approx(2 - math.log(2))
    assert float(t["volume"]) == pytest.approx(4.0)  # (3 - 1)^2
    assert "volume" not in rvae_loss_terms(Out(), torch.ones(1, 1, 1, 1), None)


def test_sampled_volumes_spread_with_sigma():
    torch.manual_seed(0)
    net = RegressionVAE(latent_dim=4, channels=(8, 16), decoder_upsamples=1, head_hidden=8).eval()
    with torch.no_grad():  # a linear head v = sum(z): the samples of N(mu, sigma^2) give N(sum mu, 4 sigma^2)
        net.head = torch.nn.Sequential(torch.nn.Linear(4, 1, bias=False))
        net.head[0].weight.fill_(1.0)
    mu = torch.tensor([[1.0, 2.0, 3.0, 4.0]])
    logvar = torch.full((1, 4), math.log(0.25))  # sigma 0.5 -> sd of the sum = sqrt(4 * 0.25) = 1
    gen = torch.Generator().manual_seed(0)
    s = net.sample_volumes(mu, logvar, 4000, generator=gen)
    assert s.shape == (1, 4000)
    assert float(s.mean()) == pytest.approx(10.0, abs=0.1) and float(s.std()) == pytest.approx(1.0, abs=0.05)
    again = net.sample_volumes(mu, logvar, 4000, generator=torch.Generator().manual_seed(0))
    assert torch.equal(s, again)


def test_bad_options():
    with pytest.raises(ValueError, match="fusion"):
        RegressionVAE(fusion="mean")
    with pytest.raises(ValueError, match="two_encoder"):
        RegressionVAE(in_channels=1, fusion="two_encoder")
    with pytest.raises(ValueError, match="view channel"):
        RegressionVAE(in_channels=2, channels=(8, 16)).encode(torch.zeros(1, 1, 16, 16))
