"""DnCNN-SR (liver paper's denoising + x2 super-resolution) in mmengine: model, dataset and metric.

Thin wrappers over :mod:`organseg_plugins.core.denoise`, registered in mmseg's registries so that the
standard ``tools/train.py`` / ``tools/test.py`` train and evaluate it (see
``configs/liver/dncnn-sr_1xb8-300it_phantom-ct-64to128.py``). A batch is a plain dict
``{"inputs": (N,1,h,w), "target": (N,1,H,W), "img_path": [...]}`` (``default_collate``; lists of
tensors from ``pseudo_collate`` are stacked by the model), so mmengine's ``BaseDataPreprocessor`` (device
transfer only) is all the preprocessing needed.
"""

from __future__ import annotations

import math
import os
import os.path as osp
from collections.abc import Sequence

import numpy as np
import torch
from mmengine.dataset import BaseDataset
from mmengine.evaluator import BaseMetric
from mmengine.logging import MMLogger, print_log
from mmengine.model import BaseModel
from mmseg.registry import DATASETS, METRICS, MODELS
from prettytable import PrettyTable
from torch import Tensor

from organseg_plugins.core.denoise import (
    degrade,
    mse_ssim_terms,
    psnr,
    read_gray_slice,
    ssim,
)
from organseg_plugins.core.errors import OrgansegInputError
from organseg_plugins.core.models.dncnn_sr import DnCNNSR, upsample

MODELS.register_module(module=DnCNNSR)


def _stack(x: Tensor | Sequence[Tensor] | None, what: str) -> Tensor | None:
    if x is None or isinstance(x, Tensor):
        return x
    shapes = {tuple(t.shape) for t in x}
    if len(shapes) > 1:
        raise ValueError(f"DnCNNSRModel: {what} of one batch differ in size {sorted(shapes)}; "
                         "crop them (dataset crop_size) or use batch_size=1")
    return torch.stack(list(x))


@MODELS.register_module()
class DnCNNSRModel(BaseModel):
    """DnCNN-SR trained with ``w_mse * MSE + w_ssim * (1 - SSIM)`` (liver paper, Methods).

    Modes: ``"loss"`` returns ``{"loss_mse", "loss_ssim"}`` (the weighted terms, logged apart);
    ``"predict"`` returns one dict per image with ``pred`` (clamped to [0, 1]), ``inputs`` and, when
    given, ``target`` and ``img_path`` (consumed by :class:`PSNRSSIMMetric`); ``"tensor"`` returns the
    raw network output.

    Args:
        net: Keyword arguments of :class:`organseg_plugins.core.models.dncnn_sr.DnCNNSR` (``scale``, ``base_channels``,
            ``num_down``, ``dilations``, ``upsample_mode``).
        mse_weight: Weight of the MSE term.
        ssim_weight: Weight of the ``1 - SSIM`` term.
        data_range: Intensity range of the images (1 for [0, 1]).
        data_preprocessor: mmengine data preprocessor config (default: ``BaseDataPreprocessor``).
        init_cfg: mmengine initialisation config.
    """

    def __init__(self, net: dict | None = None, mse_weight: float = 1.0, ssim_weight: float = 1.0,
                 data_range: float = 1.0, data_preprocessor: dict | None = None, init_cfg: dict | None = None) -> None:
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.net = DnCNNSR(**(net or {}))
        self.mse_weight, self.ssim_weight, self.data_range = float(mse_weight), float(ssim_weight), float(data_range)

    @property
    def scale(self) -> int:
        """The network's up-sampling factor."""
        return self.net.scale

    def forward(self, inputs: Tensor | Sequence[Tensor], target: Tensor | Sequence[Tensor] | None = None,
                mode: str = "tensor", img_path: Sequence[str] | None = None, **kwargs) -> dict | list | Tensor:
        """Run the network in one of mmengine's modes (``loss``, ``predict``, ``tensor``)."""
        x, y = _stack(inputs, "inputs"), _stack(target, "targets")
        out = self.net(x)
        if mode == "tensor":
            return out
        if mode == "loss":
            if y is None:
                raise ValueError("DnCNNSRModel: mode='loss' needs a 'target' batch")
            if y.shape != out.shape:
                raise ValueError(f"DnCNNSRModel: target shape {tuple(y.shape)} != output shape {tuple(out.shape)} "
                                 f"(input {tuple(x.shape)}, scale {self.scale})")
            mse, ssim_loss = mse_ssim_terms(out, y, self.data_range)
            return {"loss_mse": self.mse_weight * mse, "loss_ssim": self.ssim_weight * ssim_loss}
        if mode == "predict":
            pred = out.clamp(0.0, self.data_range)
            results = []
            for i in range(pred.shape[0]):
                res = {"pred": pred[i].detach(), "inputs": x[i].detach()}
                if y is not None:
                    res["target"] = y[i].detach()
                if img_path is not None:
                    res["img_path"] = img_path[i]
                results.append(res)
            return results
        raise ValueError(f"DnCNNSRModel: invalid mode {mode!r}; expected 'loss', 'predict' or 'tensor'")


@DATASETS.register_module()
class DegradedSliceDataset(BaseDataset):
    """Clean grey slices from a folder, degraded on the fly into (noisy low-res input, clean high-res target).

    Reads every ``*img_suffix`` file of ``data_root/data_prefix['img_path']`` (e.g. the CT phantoms of
    ``datasets_prep/make_phantoms.py``: ``liver_ct/img_dir/{train,val,test}``, or the slices of
    ``datasets_prep/dicom_to_png.py``), optionally takes a ``crop_size`` crop (random position) and a
    random horizontal flip, and makes the pair with :func:`organseg_plugins.core.denoise.degrade`.
    With ``deterministic`` (default: ``test_mode``) sample ``i`` always uses ``default_rng([seed, i])``
    (identical val/test pairs in every epoch and run); otherwise each draw is fresh (seeded through numpy's
    global state, which mmengine seeds per worker).

    Args:
        data_root: Root folder.
        data_prefix: ``dict(img_path=...)``, the image folder relative to ``data_root``.
        img_suffix: File suffix of the slices.
        scale: Down-sampling factor of the input (the network's up-sampling factor).
        noise: ``"poisson"`` or ``"gaussian"``.
        sigma: Noise standard deviation at intensity 1 (see ``degrade``).
        crop_size: High-resolution crop (int or (h, w)), or ``None`` for the whole slice.
        random_flip: Horizontal flip with probability 0.5 (non-deterministic mode only).
        seed: Base seed of the deterministic mode.
        deterministic: Fixed pair per index (default: ``test_mode``).
        test_mode: mmengine's test mode.
        pipeline: Extra mmengine transforms applied to the result dict (default none).
        **kwargs: Other :class:`mmengine.dataset.BaseDataset` arguments.
    """

    METAINFO = dict(task="denoising+super-resolution")

    def __init__(self, data_root: str = "", data_prefix: dict | None = None, img_suffix: str = ".png",
                 scale: int = 2, noise: str = "poisson", sigma: float = 0.1,
                 crop_size: int | Sequence[int] | None = None, random_flip: bool = True, seed: int = 0,
                 deterministic: bool | None = None, test_mode: bool = False, pipeline: Sequence = (),
                 **kwargs) -> None:
        self.img_suffix, self.scale, self.noise, self.sigma = img_suffix, int(scale), noise, float(sigma)
        if crop_size is not None:
            crop_size = (int(crop_size), int(crop_size)) if np.isscalar(crop_size) else tuple(map(int, crop_size))
            if any(c % self.scale for c in crop_size):
                raise ValueError(f"crop_size {crop_size} must be a multiple of scale {self.scale}")
        self.crop_size = crop_size
        self.random_flip, self.seed = bool(random_flip), int(seed)
        self.deterministic = test_mode if deterministic is None else bool(deterministic)
        degrade(np.zeros((scale, scale), np.float32), 0, noise=noise, sigma=sigma, scale=scale)  # check the options
        super().__init__(data_root=data_root, data_prefix=data_prefix or dict(img_path=""), test_mode=test_mode,
                         pipeline=list(pipeline), **kwargs)

    def load_data_list(self) -> list[dict]:
        """List the slices of the image folder (sorted), with clear errors for a missing or empty folder."""
        folder = self.data_prefix.get("img_path", "")
        if not osp.isdir(folder):
            raise OrgansegInputError(
                f"{type(self).__name__}: image folder not found: {folder} (data_root={self.data_root!r}). "
                "Point data_root at your slices or generate phantoms with "
                "'python datasets_prep/make_phantoms.py --out data/phantom'.")
        names = sorted(n for n in os.listdir(folder) if n.endswith(self.img_suffix))
        if not names:
            raise OrgansegInputError(f"{type(self).__name__}: no '*{self.img_suffix}' images in {folder}")
        return [dict(img_path=osp.join(folder, n)) for n in names]

    def _rng(self, idx: int) -> np.random.Generator:
        if self.deterministic:
            return np.random.default_rng([self.seed, idx])
        return np.random.default_rng([int(np.random.randint(0, 2 ** 31 - 1)), idx])

    def prepare_data(self, idx: int) -> dict:
        """Read slice ``idx`` and return ``{"inputs": (1,h,w), "target": (1,H,W), "img_path", "sample_idx"}``."""
        info = self.get_data_info(idx)
        path = info["img_path"]
        clean, _ = read_gray_slice(path)
        rng = self._rng(idx)
        if self.crop_size is not None:
            ch, cw = self.crop_size
            h, w = clean.shape
            if h < ch or w < cw:
                raise OrgansegInputError(f"{path}: slice of size {h}x{w} is smaller than crop_size {ch}x{cw}")
            top, left = int(rng.integers(0, h - ch + 1)), int(rng.integers(0, w - cw + 1))
            clean = clean[top:top + ch, left:left + cw]
        if self.random_flip and not self.deterministic and rng.random() < 0.5:
            clean = clean[:, ::-1]
        if min(clean.shape) < self.scale:
            raise OrgansegInputError(f"{path}: slice of size {clean.shape} is smaller than the scale {self.scale}")
        lr, hr = degrade(clean, rng, noise=self.noise, sigma=self.sigma, scale=self.scale)
        results = dict(inputs=torch.from_numpy(lr)[None], target=torch.from_numpy(hr)[None], img_path=path,
                       sample_idx=info["sample_idx"])
        return self.pipeline(results)


@METRICS.register_module()
class PSNRSSIMMetric(BaseMetric):
    """Mean PSNR (dB) and SSIM of the DnCNN-SR output and of the interpolated degraded input (the baseline).

    Reports ``psnr``, ``ssim`` (output vs clean target), ``psnr_<mode>``, ``ssim_<mode>`` (the input
    up-sampled with ``upsample_mode`` and clamped, vs the same target) and the gains ``psnr_gain``,
    ``ssim_gain`` (output minus baseline), per-image means (liver paper: "evaluation using PSNR and SSIM").

    Args:
        data_range: Intensity range of the images (1 for [0, 1]).
        upsample_mode: Interpolation of the baseline (``"bicubic"`` or ``"bilinear"``).
        crop_border: Pixels removed at each border before measuring (0 = whole image).
        collect_device: See :class:`mmengine.evaluator.BaseMetric`.
        prefix: See :class:`mmengine.evaluator.BaseMetric`.
    """

    default_prefix = None

    def __init__(self, data_range: float = 1.0, upsample_mode: str = "bicubic", crop_border: int = 0,
                 collect_device: str = "cpu", prefix: str | None = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        if upsample_mode not in ("bicubic", "bilinear"):
            raise ValueError(f"upsample_mode must be 'bicubic' or 'bilinear', got {upsample_mode!r}")
        self.data_range, self.upsample_mode, self.crop_border = float(data_range), upsample_mode, int(crop_border)

    def _crop(self, t: Tensor) -> Tensor:
        b = self.crop_border
        return t[..., b:t.shape[-2] - b, b:t.shape[-1] - b] if b > 0 else t

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        """Measure each predicted image against its target."""
        for s in data_samples:
            if "target" not in s:
                raise OrgansegInputError(f"PSNRSSIMMetric: no clean target for {s.get('img_path', '?')}")
            pred, target, lr = (s[k].float().cpu()[None] for k in ("pred", "target", "inputs"))
            scale = target.shape[-1] // lr.shape[-1]
            base = upsample(lr, scale, self.upsample_mode).clamp(0.0, self.data_range)
            pred, target, base = self._crop(pred), self._crop(target), self._crop(base)
            self.results.append(dict(
                img_path=s.get("img_path", ""),
                psnr=float(psnr(pred, target, self.data_range)), ssim=float(ssim(pred, target, self.data_range)),
                psnr_base=float(psnr(base, target, self.data_range)),
                ssim_base=float(ssim(base, target, self.data_range))))

    def compute_metrics(self, results: list[dict]) -> dict[str, float]:
        """Average over images; print a table of output vs baseline."""
        if not results:
            raise OrgansegInputError("PSNRSSIMMetric: no images were evaluated")

        def mean(key: str) -> float:
            return float(np.mean([r[key] for r in results]))

        m = self.upsample_mode
        out = {"psnr": mean("psnr"), "ssim": mean("ssim"), f"psnr_{m}": mean("psnr_base"),
               f"ssim_{m}": mean("ssim_base")}
        out["psnr_gain"] = out["psnr"] - out[f"psnr_{m}"]
        out["ssim_gain"] = out["ssim"] - out[f"ssim_{m}"]
        table = PrettyTable(["", "PSNR (dB)", "SSIM"])
        table.add_row(["DnCNN-SR output", f"{out['psnr']:.3f}", f"{out['ssim']:.4f}"])
        table.add_row([f"{m} of degraded input", f"{out[f'psnr_{m}']:.3f}", f"{out[f'ssim_{m}']:.4f}"])
        table.add_row(["gain", f"{out['psnr_gain']:+.3f}", f"{out['ssim_gain']:+.4f}"])
        n_inf = sum(not math.isfinite(r["psnr"]) for r in results)
        note = f" ({n_inf} identical image(s): PSNR inf)" if n_inf else ""
        print_log(f"\n{len(results)} image(s){note}\n" + table.get_string(), logger=MMLogger.get_current_instance())
        return out
