"""Regression variational auto-encoder (RVAE) of DeepSPV: 2-D spleen masks -> latent -> mask and volume.

Yuan et al. 2025, "DeepSPV: a deep learning pipeline for 3D spleen volume estimation from 2D ultrasound
images" (Med Image Anal; arXiv 2411.11190), Section 3 (volume estimation): a residual convolutional encoder
maps the mask(s) to the mean ``mu`` and log-variance of a Gaussian latent ``z`` (size 128); a decoder
reconstructs the mask(s) from ``z``; a regression head maps the latent to the volume. The loss is
reconstruction + ``beta`` KL(q(z|x) || N(0, I)) + a weighted MSE on the (scaled) volume, ``beta = 0.2``.
Confidence intervals come from sampling ``z ~ N(mu, sigma^2)`` through the head (the 2.5/97.5 percentiles of
the sampled volumes); the point estimate is the head at ``mu``.

Dual view (coronal + transverse): the two masks stacked as channels (default, ``fusion="stack"``), or one
encoder per view whose features are concatenated before ``mu``/log-variance (``fusion="two_encoder"``).

Details the sources leave open, chosen here: encoder = stride-2 stem + three stride-2 residual blocks,
global size fixed by adaptive average pooling to ``4 x 4`` (any input size); decoder = linear -> ``4 x 4``
-> ``decoder_upsamples`` x (nearest up-sampling + residual block) -> 1x1 conv to logits, bilinearly resized to
the input size; reconstruction = binary cross-entropy summed over pixels, KL summed over latent dimensions,
both averaged over the batch.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor, nn

__all__ = ["FUSIONS", "RVAEOutput", "RegressionVAE", "ResidualBlock", "rvae_loss_terms"]

#: Dual-view fusions of :class:`RegressionVAE`.
FUSIONS = ("stack", "two_encoder")


class ResidualBlock(nn.Module):
    """``conv3x3-BN-ReLU-conv3x3-BN`` plus a (1x1 strided, when the shape changes) shortcut, then ReLU."""

    def __init__(self, in_ch: int, out_ch: int, stride: int = 1) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(in_ch, out_ch, 3, stride, 1, bias=False), nn.BatchNorm2d(out_ch), nn.ReLU(inplace=True),
            nn.Conv2d(out_ch, out_ch, 3, 1, 1, bias=False), nn.BatchNorm2d(out_ch))
        self.skip = (nn.Identity() if stride == 1 and in_ch == out_ch else
                     nn.Sequential(nn.Conv2d(in_ch, out_ch, 1, stride, bias=False), nn.BatchNorm2d(out_ch)))

    def forward(self, x: Tensor) -> Tensor:
        """Apply the block."""
        return F.relu(self.body(x) + self.skip(x))


def _encoder(in_ch: int, channels: Sequence[int], pool: int) -> nn.Sequential:
    layers: list[nn.Module] = [nn.Conv2d(in_ch, channels[0], 3, 2, 1, bias=False), nn.BatchNorm2d(channels[0]),
                               nn.ReLU(inplace=True)]
    for c_in, c_out in zip(channels[:-1], channels[1:]):
        layers.append(ResidualBlock(c_in, c_out, stride=2))
    layers += [nn.AdaptiveAvgPool2d(pool), nn.Flatten()]
    return nn.Sequential(*layers)


@dataclass
class RVAEOutput:
    """What :meth:`RegressionVAE.forward` returns.

    Attributes:
        recon_logits: ``(N, C, H, W)`` reconstruction logits (sigmoid -> mask probability).
        mu: ``(N, latent)`` posterior mean.
        logvar: ``(N, latent)`` posterior log-variance.
        z: ``(N, latent)`` the sample the decoder saw (``mu`` in eval mode).
        volume: ``(N,)`` regression head output (scaled volume) at ``mu`` or ``z`` (see ``regress_from``).
    """

    recon_logits: Tensor
    mu: Tensor
    logvar: Tensor
    z: Tensor
    volume: Tensor


class RegressionVAE(nn.Module):
    """The RVAE: residual encoder -> (mu, log-variance) -> decoder and regression head.

    Args:
        in_channels: number of views stacked as channels (1 single view, 2 coronal + transverse).
        latent_dim: size of ``z`` (the paper's 128).
        channels: encoder widths (stem, then one stride-2 residual block per further entry).
        fusion: ``"stack"`` (one encoder over the stacked views) or ``"two_encoder"`` (one per view).
        decoder_upsamples: up-sampling steps of the decoder from ``4 x 4`` (4 -> 64 px, then resized).
        head_hidden: hidden width of the regression head ``latent -> hidden -> 1``.
        regress_from: what the head sees during training, ``"mu"`` or the sample ``"z"`` (eval: always ``mu``).
    """

    def __init__(self, in_channels: int = 1, latent_dim: int = 128, channels: Sequence[int] = (32, 64, 128, 256),
                 fusion: str = "stack", decoder_upsamples: int = 4, head_hidden: int = 64,
                 regress_from: str = "mu") -> None:
        super().__init__()
        if fusion not in FUSIONS:
            raise ValueError(f"fusion must be one of {FUSIONS}, got {fusion!r}")
        if fusion == "two_encoder" and in_channels < 2:
            raise ValueError("fusion='two_encoder' needs in_channels >= 2 (one encoder per view)")
        if regress_from not in ("mu", "z"):
            raise ValueError(f"regress_from must be 'mu' or 'z', got {regress_from!r}")
        self.in_channels, self.latent_dim, self.fusion = int(in_channels), int(latent_dim), fusion
        self.regress_from = regress_from
        channels = [int(c) for c in channels]
        pool = 4
        n_enc = self.in_channels if fusion == "two_encoder" else 1
        enc_in = 1 if fusion == "two_encoder" else self.in_channels
        self.encoders = nn.ModuleList(_encoder(enc_in, channels, pool) for _ in range(n_enc))
        feat = n_enc * channels[-1] * pool * pool
        self.fc_mu = nn.Linear(feat, latent_dim)
        self.fc_logvar = nn.Linear(feat, latent_dim)
        self.dec_channels, self.pool = channels[-1], pool
        self.dec_in = nn.Linear(latent_dim, channels[-1] * pool * pool)
        dec: list[nn.Module] = []
        c = channels[-1]
        for _ in range(int(decoder_upsamples)):
            c_out = max(c // 2, 16)
            dec += [nn.Upsample(scale_factor=2, mode="nearest"), ResidualBlock(c, c_out)]
            c = c_out
        dec.append(nn.Conv2d(c, self.in_channels, 1))
        self.decoder = nn.Sequential(*dec)
        self.head = nn.Sequential(nn.Linear(latent_dim, head_hidden), nn.ReLU(inplace=True), nn.Linear(head_hidden, 1))

    def encode(self, x: Tensor) -> tuple[Tensor, Tensor]:
        """``(mu, logvar)`` of the posterior of ``x`` ``(N, in_channels, H, W)``."""
        if x.shape[1] != self.in_channels:
            raise ValueError(f"RegressionVAE: expected {self.in_channels} view channel(s), got {x.shape[1]}")
        if self.fusion == "two_encoder":
            h = torch.cat([enc(x[:, i:i + 1]) for i, enc in enumerate(self.encoders)], dim=1)
        else:
            h = self.encoders[0](x)
        return self.fc_mu(h), self.fc_logvar(h).clamp(-20.0, 10.0)

    def decode(self, z: Tensor, size: Sequence[int]) -> Tensor:
        """Reconstruction logits ``(N, in_channels, *size)`` of latent ``z``."""
        h = self.dec_in(z).view(z.shape[0], self.dec_channels, self.pool, self.pool)
        out = self.decoder(h)
        if tuple(out.shape[-2:]) != tuple(size):
            out = F.interpolate(out, size=tuple(size), mode="bilinear", align_corners=False)
        return out

    def regress(self, z: Tensor) -> Tensor:
        """Scaled volume ``(N,)`` of latent ``z`` ``(N, latent)`` (or ``(..., latent)`` -> ``(...)``)."""
        return self.head(z).squeeze(-1)

    def forward(self, x: Tensor) -> RVAEOutput:
        """Encode, sample (training) or take ``mu`` (eval), decode, regress."""
        mu, logvar = self.encode(x)
        z = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar) if self.training else mu
        recon = self.decode(z, x.shape[-2:])
        volume = self.regress(z if (self.training and self.regress_from == "z") else mu)
        return RVAEOutput(recon, mu, logvar, z, volume)

    @torch.no_grad()
    def sample_volumes(self, mu: Tensor, logvar: Tensor, num_samples: int = 1000,
                       generator: torch.Generator | None = None) -> Tensor:
        """Volumes of ``num_samples`` draws ``z ~ N(mu, sigma^2)`` per case: ``(N, num_samples)`` (scaled)."""
        eps = torch.randn((num_samples, *mu.shape), generator=generator, device=mu.device, dtype=mu.dtype)
        z = mu[None] + eps * torch.exp(0.5 * logvar)[None]
        return self.regress(z).transpose(0, 1)


def rvae_loss_terms(out: RVAEOutput, target_mask: Tensor, target_volume: Tensor | None) -> dict[str, Tensor]:
    """The three unweighted loss terms of the RVAE, each averaged over the batch.

    * ``recon``: binary cross-entropy of the logits vs the 0/1 masks, summed over pixels and channels;
    * ``kl``: ``-1/2 sum(1 + logvar - mu^2 - exp(logvar))`` over latent dimensions;
    * ``volume``: squared error of the (scaled) volume (absent without a target).

    Args:
        out: the network's output.
        target_mask: ``(N, C, H, W)`` 0/1 masks (the input).
        target_volume: ``(N,)`` scaled volumes, or None.

    Returns:
        ``{"recon", "kl"[, "volume"]}``.
    """
    n = target_mask.shape[0]
    recon = F.binary_cross_entropy_with_logits(out.recon_logits, target_mask.float(), reduction="sum") / n
    kl = -0.5 * torch.sum(1 + out.logvar - out.mu.pow(2) - out.logvar.exp()) / n
    terms = {"recon": recon, "kl": kl}
    if target_volume is not None:
        terms["volume"] = F.mse_loss(out.volume, target_volume.float().view(-1), reduction="mean")
    return terms
