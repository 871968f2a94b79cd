"""DnCNN-SR (liver paper's denoising + x2 super-resolution) in mmengine: the model (its dataset is
:mod:`organseg_plugins.mm.datasets.degraded_slices`, its metric
:mod:`organseg_plugins.mm.evaluation.metrics.psnr_ssim_metric`).

Thin wrappers over :mod:`organseg_plugins.core.denoise`, registered in mmseg's registries so that the
standard ``tools/train.py`` / ``tools/test.py`` train and evaluate it (see
``configs/liver/dncnn-sr_1xb8-300it_phantom-ct-64to128.py``). A batch is a plain dict
``{"inputs": (N,1,h,w), "target": (N,1,H,W), "img_path": [...]}`` (``default_collate``; lists of
tensors from ``pseudo_collate`` are stacked by the model), so mmengine's ``BaseDataPreprocessor`` (device
transfer only) is all the preprocessing needed.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from mmengine.model import BaseModel
from mmseg.registry import MODELS
from torch import Tensor

from organseg_plugins.core.losses.restoration import mse_ssim_terms
from organseg_plugins.core.models.dncnn_sr import DnCNNSR

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
