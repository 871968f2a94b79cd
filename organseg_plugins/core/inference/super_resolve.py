"""Apply a trained DnCNN-SR network to one slice (Sattari et al. 2025, Methods)."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn


@torch.no_grad()
def super_resolve(net: nn.Module, image: np.ndarray, device: str | torch.device = "cpu") -> np.ndarray:
    """Run a trained DnCNN-SR on one HxW float image in [0, 1]; return the restored image clipped to [0, 1].

    Args:
        net: The network (put in eval mode here).
        image: HxW float image in [0, 1].
        device: Device to run on.

    Returns:
        The float32 output of shape ``scale * (H, W)``.
    """
    image = np.asarray(image, dtype=np.float32)
    if image.ndim != 2:
        raise ValueError(f"super_resolve expects an HxW image, got shape {image.shape}")
    net.eval()
    x = torch.from_numpy(np.ascontiguousarray(image))[None, None].to(device)
    out = net(x).clamp_(0.0, 1.0)
    return out[0, 0].float().cpu().numpy()
