"""The DnCNN-SR restoration loss ``w_mse * MSE + w_ssim * (1 - SSIM)`` (Sattari et al. 2025, Methods)."""

from __future__ import annotations

import torch.nn.functional as F
from torch import Tensor

from organseg_plugins.core.metrics.image_quality import check_image_pair, ssim


def mse_ssim_terms(pred: Tensor, target: Tensor, data_range: float = 1.0) -> tuple[Tensor, Tensor]:
    """The two terms of the DnCNN-SR loss: ``(MSE(pred, target), 1 - SSIM(pred, target))``, batch means.

    Args:
        pred: (N,C,H,W) network output.
        target: (N,C,H,W) clean high-resolution image.
        data_range: Dynamic range for SSIM's constants.

    Returns:
        The MSE and the SSIM loss as scalar tensors (differentiable).
    """
    check_image_pair(pred, target, "mse_ssim_loss")
    return F.mse_loss(pred, target), 1.0 - ssim(pred, target, data_range=data_range)


def mse_ssim_loss(pred: Tensor, target: Tensor, data_range: float = 1.0, mse_weight: float = 1.0,
                  ssim_weight: float = 1.0) -> Tensor:
    """DnCNN-SR training loss ``w_mse * MSE + w_ssim * (1 - SSIM)`` (paper: "a combination of MSE and SSIM").

    Args:
        pred: (N,C,H,W) network output.
        target: (N,C,H,W) clean high-resolution image.
        data_range: Dynamic range for SSIM's constants.
        mse_weight: Weight of the MSE term (unstated in the paper: 1).
        ssim_weight: Weight of the ``1 - SSIM`` term (unstated in the paper: 1).

    Returns:
        Scalar loss.
    """
    mse, ssim_loss = mse_ssim_terms(pred, target, data_range)
    return mse_weight * mse + ssim_weight * ssim_loss
