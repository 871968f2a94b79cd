"""Multi-class softmax losses in plain torch (no framework): cross-entropy + Dice, focal Tversky.

:func:`ce_dice_loss` is the loss of Liu et al. 2025, "Attention residual network for medical ultrasound image
segmentation" (Sci Rep 15:22155, section "Loss function"): ``L = ce_weight * L_CE + dice_weight * (1 - D)``.
The paper's equations were lost; the authors' released code (``nets/unet_training.py``: ``CE_Loss``,
``Dice_loss``) fixes the reading used as default: both terms over the softmax of all ``C`` logits, the soft Dice
over **all classes including the background**, per class pooled over the whole batch and pixels, then averaged
over classes, smoothing ``1e-5`` in numerator and denominator, weights 1:1::

    D_c = (2 sum_{n,i} p_nic g_nic + s) / (sum_{n,i} p_nic + sum_{n,i} g_nic + s),   D = mean_c D_c

This equals MONAI ``DiceCELoss(softmax=True, to_onehot_y=True, batch=True, smooth_nr=s, smooth_dr=s)``
(``batch=False``: per image and class, then the mean).

:func:`focal_tversky_loss` is the focal Tversky loss of Abraham & Khan 2019, "A novel focal Tversky loss function
with improved attention U-Net for lesion segmentation" (ISBI 2019, Eq. 3-4), the alternative Liu et al. 2025
compare against (Table 3)::

    TI_c = (TP_c + s) / (TP_c + a_FP * FP_c + a_FN * FN_c + s),   FTL = mean_c (1 - TI_c) ** (1 / gamma)

with ``TP_c = sum p g``, ``FP_c = sum p (1 - g)``, ``FN_c = sum (1 - p) g``. **Which term alpha weighs**: Liu et
al. 2025 call alpha the false-positive weight (as Salehi et al. 2017's Tversky loss and MONAI ``TverskyLoss``
do); Abraham & Khan 2019 multiply the false negatives by alpha. ``alpha_weighs="fp"`` (default, the paper's
convention) sets ``a_FP = alpha, a_FN = beta``; ``alpha_weighs="fn"`` (Abraham & Khan) sets ``a_FN = alpha,
a_FP = beta``. The exponent is ``1 / gamma`` as in Abraham & Khan (gamma in [1, 3], 4/3 there); gamma = 1 is
the Tversky loss ``1 - TI``.

Ignore: pixels labelled ``ignore_index`` are removed from every sum (and from the CE mean).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

__all__ = ["ce_dice_loss", "focal_tversky_loss", "softmax_onehot"]


def softmax_onehot(logits: Tensor, target: Tensor, ignore_index: int | None = 255
                   ) -> tuple[Tensor, Tensor, Tensor]:
    """Validate ``(N, C, H, W)`` logits and ``(N, H, W)`` labels; return ``(probs, onehot, valid)``.

    ``probs`` and ``onehot`` are ``(N, C, H, W)`` float32 with ignored pixels zeroed, ``valid`` is
    ``(N, 1, H, W)`` (1 for counted pixels).

    Raises:
        ValueError: wrong shapes, fewer than 2 classes, or a label outside ``0..C-1`` and ``ignore_index``.
    """
    if logits.dim() != 4 or logits.shape[1] < 2:
        raise ValueError(f"softmax losses expect logits (N, C>=2, H, W), got {tuple(logits.shape)}")
    if target.dim() == 4 and target.shape[1] == 1:
        target = target[:, 0]
    if target.shape != logits.shape[:1] + logits.shape[2:]:
        raise ValueError(f"target shape {tuple(target.shape)} does not match logits {tuple(logits.shape)}")
    num_classes = logits.shape[1]
    target = target.long()
    valid = torch.ones_like(target, dtype=torch.bool) if ignore_index is None else target != ignore_index
    bad = valid & ((target < 0) | (target >= num_classes))
    if bool(bad.any()):
        found = sorted(torch.unique(target).tolist())
        raise ValueError(f"target has values {found[:10]}, expected 0..{num_classes - 1} "
                         f"(and ignore_index={ignore_index})")
    safe = torch.where(valid, target, torch.zeros_like(target))
    v = valid[:, None].float()
    onehot = F.one_hot(safe, num_classes).permute(0, 3, 1, 2).float() * v
    probs = torch.softmax(logits.float(), dim=1) * v
    return probs, onehot, v


def _class_sums(x: Tensor, batch: bool) -> Tensor:
    """Sum over pixels (and the batch if ``batch``): ``(C,)`` or ``(N, C)``."""
    return x.sum(dim=(0, 2, 3)) if batch else x.sum(dim=(2, 3))


def ce_dice_loss(logits: Tensor, target: Tensor, *, ce_weight: float = 1.0, dice_weight: float = 1.0,
                 smooth: float = 1e-5, include_background: bool = True, batch: bool = True,
                 class_weight: Tensor | None = None, ignore_index: int | None = 255) -> Tensor:
    """Cross-entropy + soft Dice over the softmax (Liu et al. 2025, "Loss function"); see the module docstring.

    Args:
        logits: ``(N, C, H, W)`` raw scores.
        target: ``(N, H, W)`` labels in ``0..C-1`` or ``ignore_index``.
        ce_weight: weight of the cross-entropy (mean over valid pixels).
        dice_weight: weight of ``1 - mean_c D_c``.
        smooth: added to the Dice numerator and denominator.
        include_background: keep class 0 in the Dice mean (the authors' code: yes).
        batch: pool the Dice sums over the batch (the code) instead of per image then mean (MONAI's default).
        class_weight: optional ``(C,)`` cross-entropy class weights (weighted mean, as torch's).
        ignore_index: label left out of both terms (``None``: none).

    Returns:
        Scalar loss (float32).
    """
    probs, onehot, valid = softmax_onehot(logits, target, ignore_index)
    labels = target[:, 0] if target.dim() == 4 else target
    ce = F.cross_entropy(logits.float(), labels.long(), weight=None if class_weight is None else
                         class_weight.to(logits.device, torch.float32),
                         ignore_index=-100 if ignore_index is None else ignore_index) if bool(valid.any()) \
        else logits.float().sum() * 0.0
    start = 0 if include_background else 1
    inter = _class_sums(probs * onehot, batch)[..., start:]
    denom = _class_sums(probs, batch)[..., start:] + _class_sums(onehot, batch)[..., start:]
    dice = (2.0 * inter + smooth) / (denom + smooth)
    return ce_weight * ce + dice_weight * (1.0 - dice.mean())


def focal_tversky_loss(logits: Tensor, target: Tensor, *, alpha: float = 0.3, beta: float = 0.7,
                       gamma: float = 4.0 / 3.0, alpha_weighs: str = "fp", smooth: float = 1e-5,
                       include_background: bool = True, batch: bool = True,
                       ignore_index: int | None = 255) -> Tensor:
    """Focal Tversky loss over the softmax (Abraham & Khan 2019, Eq. 3-4); see the module docstring.

    Defaults ``alpha=0.3, beta=0.7, gamma=4/3`` with ``alpha_weighs="fp"``: false negatives weigh 0.7,
    false positives 0.3, i.e. Abraham & Khan's setting (their alpha = 0.7 on the false negatives).

    Args:
        logits: ``(N, C, H, W)`` raw scores.
        target: ``(N, H, W)`` labels.
        alpha: weight of the false positives (``alpha_weighs="fp"``) or of the false negatives (``"fn"``).
        beta: weight of the other term.
        gamma: focal parameter; the per-class loss is ``(1 - TI_c) ** (1 / gamma)``.
        alpha_weighs: ``"fp"`` (Liu et al. 2025, MONAI) or ``"fn"`` (Abraham & Khan 2019).
        smooth: added to the Tversky numerator and denominator.
        include_background: keep class 0 in the class mean.
        batch: pool the sums over the batch (else per image, then the mean).
        ignore_index: label left out of every sum.

    Returns:
        Scalar loss (float32).

    Raises:
        ValueError: ``gamma <= 0``, negative weights or an unknown ``alpha_weighs``.
    """
    if alpha_weighs not in ("fp", "fn"):
        raise ValueError(f"alpha_weighs must be 'fp' or 'fn', got {alpha_weighs!r}")
    if gamma <= 0 or alpha < 0 or beta < 0:
        raise ValueError(f"need gamma > 0 and alpha, beta >= 0, got alpha={alpha}, beta={beta}, gamma={gamma}")
    w_fp, w_fn = (alpha, beta) if alpha_weighs == "fp" else (beta, alpha)
    probs, onehot, valid = softmax_onehot(logits, target, ignore_index)
    tp = _class_sums(probs * onehot, batch)
    fp = _class_sums(probs * (valid - onehot), batch)
    fn = _class_sums((valid - probs) * onehot, batch)
    ti = (tp + smooth) / (tp + w_fp * fp + w_fn * fn + smooth)
    start = 0 if include_background else 1
    return ((1.0 - ti[..., start:]).clamp_min(0) ** (1.0 / gamma)).mean()
