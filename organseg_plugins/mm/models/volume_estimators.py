"""Spleen-volume models of DeepSPV in mmengine: the RVAE, the torchvision CNN and the linear baselines.

Thin wrappers over :mod:`organseg_plugins.core.models.rvae` and
:mod:`organseg_plugins.core.models.volume_regressors` (Yuan et al. 2025, "DeepSPV: a deep learning pipeline
for 3D spleen volume estimation from 2D ultrasound images", Med Image Anal; arXiv 2411.11190), trained by
``tools/train.py`` on the batches of :class:`organseg_plugins.mm.datasets.spleen_views.SpleenViewsDataset`. The
networks see volumes divided by ``volume_scale`` (mL); ``predict`` returns one dict per case with
``pred_volume`` (mL), ``gt_volume``, ``name`` and, for the RVAE, ``lower``/``upper`` (the interval) and ``mu``,
which :class:`organseg_plugins.mm.evaluation.metrics.volume_mrva_metric.VolumeMRVAMetric` scores.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from mmengine.model import BaseModel
from mmseg.registry import MODELS
from torch import Tensor

from organseg_plugins.core.models.rvae import RegressionVAE, rvae_loss_terms
from organseg_plugins.core.models.volume_regressors import CNNVolumeRegressor, LinearVolumeRegressor

__all__ = ["CNNVolumeModel", "LinearVolumeModel", "RVAEVolumeModel"]

#: Measurements of :class:`LinearVolumeModel` (products of ``volumes.csv`` columns).
LINEAR_FEATURES = {"length": ("length_mm",), "length_width": ("length_mm", "coronal_width_mm")}


def _stack(x: Tensor | Sequence[Tensor]) -> Tensor:
    return x if isinstance(x, Tensor) else torch.stack(list(x))


def _results(pred_ml: Tensor, volume: Tensor | None, name: Sequence[str] | None, **extra: Tensor) -> list[dict]:
    out = []
    for i in range(pred_ml.shape[0]):
        r = {"pred_volume": float(pred_ml[i])}
        if volume is not None:
            r["gt_volume"] = float(volume[i])
        if name is not None:
            r["name"] = str(name[i])
        for k, v in extra.items():
            r[k] = v[i].detach().cpu().numpy() if v[i].ndim else float(v[i])
        out.append(r)
    return out


@MODELS.register_module()
class RVAEVolumeModel(BaseModel):
    """The DeepSPV regression VAE with its loss, two-stage schedule and sampled confidence intervals.

    Loss (``"loss"`` mode): ``loss_recon`` = ``recon_weight`` x BCE, ``loss_kl`` = ``beta`` x KL,
    ``loss_volume`` = ``volume_weight`` x MSE of ``volume / volume_scale``; during the first
    ``vae_only_iters`` training iterations ``loss_volume`` is multiplied by 0 (stage 1: VAE only; then joint).
    ``"predict"``: point estimate = head(mu) x ``volume_scale``; interval = the ``interval`` percentiles of
    the head over ``num_samples`` draws ``z ~ N(mu, sigma^2)`` (seeded by ``sample_seed``, reproducible).

    Args:
        net: keyword arguments of :class:`organseg_plugins.core.models.rvae.RegressionVAE`.
        beta: KL weight (the paper's 0.2).
        volume_weight: weight of the volume MSE.
        recon_weight: weight of the reconstruction term.
        volume_scale: mL per network unit.
        vae_only_iters: length of stage 1 (0: joint from the start).
        num_samples: latent draws per case for the interval.
        interval: lower and upper percentile.
        sample_seed: seed of the interval draws.
        data_preprocessor: mmengine data preprocessor config (default: ``BaseDataPreprocessor``).
        init_cfg: mmengine initialisation config.
    """

    def __init__(self, net: dict | None = None, beta: float = 0.2, volume_weight: float = 100.0,
                 recon_weight: float = 1.0, volume_scale: float = 100.0, vae_only_iters: int = 0,
                 num_samples: int = 1000, interval: Sequence[float] = (2.5, 97.5), sample_seed: int = 0,
                 data_preprocessor: dict | None = None, init_cfg: dict | None = None) -> None:
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.net = RegressionVAE(**(net or {}))
        self.beta, self.volume_weight, self.recon_weight = float(beta), float(volume_weight), float(recon_weight)
        self.volume_scale, self.vae_only_iters = float(volume_scale), int(vae_only_iters)
        self.num_samples, self.interval, self.sample_seed = int(num_samples), tuple(interval), int(sample_seed)
        self.register_buffer("train_steps", torch.zeros((), dtype=torch.long))

    def forward(self, inputs: Tensor | Sequence[Tensor], volume: Tensor | None = None, mode: str = "tensor",
                name: Sequence[str] | None = None, **kwargs) -> dict | list | Tensor:
        """Run the RVAE in one of mmengine's modes (``loss``, ``predict``, ``tensor`` = scaled volume)."""
        x = _stack(inputs).float()
        out = self.net(x)
        if mode == "tensor":
            return out.volume
        if mode == "loss":
            if volume is None:
                raise ValueError("RVAEVolumeModel: mode='loss' needs the 'volume' of the batch")
            terms = rvae_loss_terms(out, x, volume.float() / self.volume_scale)
            stage2 = float(int(self.train_steps) >= self.vae_only_iters)
            self.train_steps += 1
            return {"loss_recon": self.recon_weight * terms["recon"], "loss_kl": self.beta * terms["kl"],
                    "loss_volume": stage2 * self.volume_weight * terms["volume"]}
        if mode == "predict":
            gen = torch.Generator(device=x.device).manual_seed(self.sample_seed)
            samples = self.net.sample_volumes(out.mu, out.logvar, self.num_samples, generator=gen) * self.volume_scale
            q = torch.tensor([p / 100.0 for p in self.interval], device=x.device, dtype=samples.dtype)
            lo, hi = torch.quantile(samples, q, dim=1)
            return _results(out.volume * self.volume_scale, volume, name, lower=lo, upper=hi, mu=out.mu)
        raise ValueError(f"RVAEVolumeModel: invalid mode {mode!r}; expected 'loss', 'predict' or 'tensor'")


@MODELS.register_module()
class CNNVolumeModel(BaseModel):
    """A torchvision ResNet-18 / VGG-16 / DenseNet-121 regressor (from scratch) trained with MSE.

    Args:
        arch: ``"resnet18"``, ``"vgg16"`` or ``"densenet121"``.
        in_channels: number of stacked views.
        volume_scale: mL per network unit.
        data_preprocessor: mmengine data preprocessor config.
        init_cfg: mmengine initialisation config.
    """

    def __init__(self, arch: str = "resnet18", in_channels: int = 1, volume_scale: float = 100.0,
                 data_preprocessor: dict | None = None, init_cfg: dict | None = None) -> None:
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.net = CNNVolumeRegressor(arch, in_channels)
        self.volume_scale = float(volume_scale)

    def forward(self, inputs: Tensor | Sequence[Tensor], volume: Tensor | None = None, mode: str = "tensor",
                name: Sequence[str] | None = None, **kwargs) -> dict | list | Tensor:
        """Run the regressor in one of mmengine's modes."""
        pred = self.net(_stack(inputs).float())
        if mode == "tensor":
            return pred
        if mode == "loss":
            if volume is None:
                raise ValueError("CNNVolumeModel: mode='loss' needs the 'volume' of the batch")
            return {"loss_volume": F.mse_loss(pred, volume.float() / self.volume_scale)}
        if mode == "predict":
            return _results(pred * self.volume_scale, volume, name)
        raise ValueError(f"CNNVolumeModel: invalid mode {mode!r}; expected 'loss', 'predict' or 'tensor'")


@MODELS.register_module()
class LinearVolumeModel(BaseModel):
    """Linear regression of the volume on the spleen length (``feature="length"``) or length x width.

    The measurement comes from the batch's ``measures`` (``volumes.csv``): ``length`` = coronal maximum Feret
    diameter, ``length_width`` = that x the coronal width (see
    :mod:`organseg_plugins.core.metrics.spleen_views`), divided by ``feature_scale`` (mm or mm^2).

    Args:
        feature: ``"length"`` or ``"length_width"``.
        feature_scale: unit of the measurement seen by the regression.
        volume_scale: mL per network unit.
        data_preprocessor: mmengine data preprocessor config.
        init_cfg: mmengine initialisation config.
    """

    def __init__(self, feature: str = "length", feature_scale: float = 100.0, volume_scale: float = 100.0,
                 data_preprocessor: dict | None = None, init_cfg: dict | None = None) -> None:
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        if feature not in LINEAR_FEATURES:
            raise ValueError(f"feature must be one of {sorted(LINEAR_FEATURES)}, got {feature!r}")
        self.feature, self.feature_scale, self.volume_scale = feature, float(feature_scale), float(volume_scale)
        self.net = LinearVolumeRegressor()

    def _x(self, measures: dict | None) -> Tensor:
        if not measures:
            raise ValueError("LinearVolumeModel: the batch has no 'measures' (use SpleenViewsDataset)")
        x = torch.ones_like(torch.as_tensor(measures[LINEAR_FEATURES[self.feature][0]], dtype=torch.float32))
        for key in LINEAR_FEATURES[self.feature]:
            x = x * torch.as_tensor(measures[key], dtype=torch.float32)
        if not torch.isfinite(x).all():
            raise ValueError(f"LinearVolumeModel: missing {LINEAR_FEATURES[self.feature]} in volumes.csv")
        return x / self.feature_scale

    def forward(self, inputs: Tensor | Sequence[Tensor], volume: Tensor | None = None, mode: str = "tensor",
                name: Sequence[str] | None = None, measures: dict | None = None, **kwargs) -> dict | list | Tensor:
        """Run the regression in one of mmengine's modes."""
        x = self._x(measures).to(self.net.linear.weight.device)
        pred = self.net(x)
        if mode == "tensor":
            return pred
        if mode == "loss":
            if volume is None:
                raise ValueError("LinearVolumeModel: mode='loss' needs the 'volume' of the batch")
            return {"loss_volume": F.mse_loss(pred, volume.float().to(pred.device) / self.volume_scale)}
        if mode == "predict":
            return _results(pred * self.volume_scale, volume, name)
        raise ValueError(f"LinearVolumeModel: invalid mode {mode!r}; expected 'loss', 'predict' or 'tensor'")

