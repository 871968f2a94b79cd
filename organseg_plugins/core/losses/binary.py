"""Segmentation losses in plain torch (no framework imports).

:func:`bce_dice_loss` is the phase-1 loss of Karimi et al. 2025, "Improving spleen segmentation in ultrasound images using a hybrid deep learning framework", Sci Rep, Eq. 1-3::

    L = bce_weight * BCE + dice_weight * (1 - Dice)                           (Eq. 3)
    BCE  = -1/N * sum_i [g_i log p_i + (1 - g_i) log(1 - p_i)]                (Eq. 1)
    Dice = (2 * sum_i p_i g_i + smooth) / (sum_i p_i + sum_i g_i + smooth)    (Eq. 2, smoothed)

with ``p = sigmoid(logits)`` of a single-channel (binary) output and ``g`` the 0/1 target.

Conventions (the paper leaves them open; these are the choices made here):

* **Ignore**: pixels whose target equals ``ignore_index`` are removed from *both* terms: they add
  nothing to the BCE sum nor to its pixel count, and nothing to any Dice sum. Their logits get a
  zero gradient, so their values cannot change the loss.
* **BCE** (``reduction="mean"``) is the mean over all valid pixels of the batch (Eq. 1 with N = the
  number of valid pixels), so every pixel weighs the same whatever image it is in.
* **Dice is per image**: each image gets its own Dice over its valid pixels and the Dice loss is
  the mean of the per-image ``1 - Dice``. A batch-pooled Dice would let one large organ drown a small
  one in the same batch.
* **Empty masks**: thanks to ``smooth`` an image whose target is empty (or fully ignored) and whose
  prediction is empty (p -> 0) has Dice -> 1, i.e. a Dice loss of ~0; a non-empty prediction on an
  empty target is penalised by ``sum(p) / (sum(p) + smooth)``.
* ``reduction="none"`` returns one value per image (shape ``(N,)``): that image's BCE mean over its
  own valid pixels plus its Dice loss (an image with no valid pixel gets BCE 0); ``"sum"`` is the sum
  of those. Hence ``"mean"`` equals ``none.mean()`` only when every image has the same number of
  valid pixels (the pooled BCE is the deliberate exception).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

__all__ = ["bce_dice_loss", "check_binary_logits_target", "l1_mask_loss"]

_REDUCTIONS = ("mean", "sum", "none")


def check_binary_logits_target(logits: Tensor, target: Tensor, ignore_index: int | None = 255
                               ) -> tuple[Tensor, Tensor]:
    """Validate single-channel logits and a 0/1(/ignore) target; return ``(logits (N,H,W), target (N,H,W))``.

    Accepted shapes: logits ``(N, 1, H, W)`` or ``(N, H, W)``; target ``(N, H, W)`` or ``(N, 1, H, W)``.

    Raises:
        ValueError: wrong shapes, more than one logit channel, a target value other than 0, 1 or
            ``ignore_index``, or NaN in the logits ("NaN in logits").
    """
    if logits.dim() == 4:
        if logits.shape[1] != 1:
            raise ValueError(
                f"bce_dice_loss expects single-channel sigmoid logits (N,1,H,W), got {tuple(logits.shape)}; "
                "for mmseg decode heads set out_channels=1 (with num_classes=2)")
        logits = logits[:, 0]
    elif logits.dim() != 3:
        raise ValueError(f"logits must be (N,1,H,W) or (N,H,W), got shape {tuple(logits.shape)}")
    if target.dim() == 4 and target.shape[1] == 1:
        target = target[:, 0]
    if target.shape != logits.shape:
        raise ValueError(f"target shape {tuple(target.shape)} does not match logits {tuple(logits.shape)}")
    if not logits.is_floating_point():
        raise ValueError(f"logits must be a floating-point tensor, got {logits.dtype}")
    if bool(torch.isnan(logits).any()):
        raise ValueError("NaN in logits")
    if target.is_floating_point():
        if bool((target != target.round()).any()):
            raise ValueError("target must hold integer labels 0/1 (or ignore_index), got fractional values")
    bad = (target != 0) & (target != 1)
    if ignore_index is not None:
        bad &= target != ignore_index
    if bool(bad.any()):
        found = sorted(torch.unique(target).tolist())
        raise ValueError(f"target has values {found[:10]}, expected only 0, 1 and ignore_index={ignore_index}")
    return logits, target


def bce_dice_loss(logits: Tensor, target: Tensor, *, bce_weight: float = 1.0, dice_weight: float = 1.0,
                  ignore_index: int | None = 255, smooth: float = 1.0, reduction: str = "mean",
                  weight: Tensor | None = None) -> Tensor:
    """BCE + Dice loss of single-channel sigmoid logits (spleen paper Eq. 1-3); see the module docstring.

    Args:
        logits: raw scores ``(N, 1, H, W)`` or ``(N, H, W)`` (before the sigmoid).
        target: labels ``(N, H, W)`` with values 0, 1 or ``ignore_index``.
        bce_weight: weight of the BCE term.
        dice_weight: weight of the Dice-loss term ``1 - Dice``.
        ignore_index: label excluded from both terms (``None``: no ignore label).
        smooth: additive smoothing in the Dice numerator and denominator (> 0 keeps the empty case
            defined: Dice = 1, loss 0, for an empty target and an empty prediction).
        reduction: ``"mean"`` (scalar: pooled BCE + mean per-image Dice loss), ``"none"`` (per image,
            shape ``(N,)``) or ``"sum"`` (sum of the per-image values).
        weight: optional per-pixel weights ``(N, H, W)`` (e.g. from an mmseg pixel sampler), multiplying
            each pixel's BCE term (the mean becomes a weighted mean) and its ``p`` and ``g`` in the Dice sums.

    Returns:
        The loss (computed in float32, also under mixed precision).

    Raises:
        ValueError: see :func:`check_binary_logits_target`; unknown ``reduction``; negative weights.
    """
    if reduction not in _REDUCTIONS:
        raise ValueError(f"reduction must be one of {_REDUCTIONS}, got {reduction!r}")
    if smooth < 0:
        raise ValueError(f"smooth must be >= 0, got {smooth}")
    logits, target = check_binary_logits_target(logits, target, ignore_index)
    logits = logits.float()
    valid = torch.ones_like(logits) if ignore_index is None else (target != ignore_index).float()
    if weight is not None:
        if weight.dim() == 4 and weight.shape[1] == 1:
            weight = weight[:, 0]
        if weight.shape != logits.shape:
            raise ValueError(f"weight shape {tuple(weight.shape)} does not match logits {tuple(logits.shape)}")
        if bool((weight < 0).any()):
            raise ValueError("weight must be non-negative")
        valid = valid * weight.float()
    g = torch.where(valid > 0, target.float(), torch.zeros_like(logits)).clamp(0, 1)  # ignored -> 0
    dims = tuple(range(1, logits.dim()))

    # Eq. 1 on valid pixels; BCE-with-logits is the numerically stable form of -[g log p + (1-g) log(1-p)].
    bce_map = F.binary_cross_entropy_with_logits(logits, g, reduction="none") * valid
    # Eq. 2 per image, sums over valid pixels only; a pixel weight w counts once in every sum (soft Dice of
    # weighted pixel sets: 2 sum w p g / (sum w p + sum w g)), so weights in {0, 1} are the plain masked Dice.
    p = torch.sigmoid(logits)
    inter = (valid * p * g).sum(dims)
    dice = (2.0 * inter + smooth) / ((valid * p).sum(dims) + (valid * g).sum(dims) + smooth)
    dice_loss = 1.0 - dice  # (N,)

    if reduction == "mean":
        bce = bce_map.sum() / valid.sum().clamp_min(1e-12)  # 0 when no pixel is valid
        return bce_weight * bce + dice_weight * dice_loss.mean()
    bce_img = bce_map.sum(dims) / valid.sum(dims).clamp_min(1e-12)  # 0 for an image with no valid pixel
    per_image = bce_weight * bce_img + dice_weight * dice_loss
    return per_image if reduction == "none" else per_image.sum()


def l1_mask_loss(logits: Tensor, target: Tensor, *, ignore_index: int | None = 255, reduction: str = "mean") -> Tensor:
    """L1 basic loss of Lian, Sun and Li 2025, "Extracting organs of interest from medical images based on
    convolutional neural network with auxiliary and refined constraints", Sci Rep, Eq. (1):
    ``(1/w) sum |Y_m - Y_g|``, read as the mean over images of the mean absolute difference between the
    predicted probability ``sigmoid(logits)`` and the 0/1 ground truth on the valid pixels.

    Args:
        logits: ``(N, 1, H, W)`` or ``(N, H, W)`` raw scores.
        target: ``(N, H, W)`` labels 0/1 (or ``ignore_index``).
        ignore_index: label left out (``None``: none).
        reduction: ``"mean"`` (over images), ``"sum"`` or ``"none"`` (per image, ``(N,)``).

    Returns:
        The loss (float32).
    """
    if reduction not in _REDUCTIONS:
        raise ValueError(f"reduction must be one of {_REDUCTIONS}, got {reduction!r}")
    logits, target = check_binary_logits_target(logits, target, ignore_index)
    logits = logits.float()
    valid = torch.ones_like(logits) if ignore_index is None else (target != ignore_index).float()
    g = torch.where(valid > 0, target.float(), torch.zeros_like(logits)).clamp(0, 1)
    dims = tuple(range(1, logits.dim()))
    per_image = (valid * (torch.sigmoid(logits) - g).abs()).sum(dims) / valid.sum(dims).clamp_min(1e-12)
    if reduction == "none":
        return per_image
    return per_image.mean() if reduction == "mean" else per_image.sum()
