"""Overlap scores from the confusion counts: Dice, Jaccard/IoU, precision, recall, kappa, VOE, RVD.

Empty masks: both empty -> overlap scores 1, VOE/RVD 0; exactly one empty -> overlap 0, VOE 1;
RVD is ``inf`` when only the ground truth is empty and -1 when only the prediction is. Cohen's
kappa is 1 whenever the chance agreement ``Pe`` is 1 (both masks the same constant image).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from ..errors import OrgansegInputError
from .pair import Confusion, MaskPair

__all__ = ["Confusion", "confusion", "dice", "jaccard", "iou", "precision", "recall", "specificity", "accuracy",
           "kappa", "overlap_from_confusion_matrix", "kappa_from_confusion_matrix", "voe", "rvd"]

def confusion(pred: ArrayLike, gt: ArrayLike) -> Confusion:
    """Confusion counts, the base of every overlap score.

    ``TP = |P & G|``, ``FP = |P & ~G|``, ``FN = |~P & G|``, ``TN = |~P & ~G|``; they sum to the
    number of pixels/voxels N.

    Args:
        pred: binary prediction (2-D or 3-D, 0/1 or bool).
        gt: binary ground truth, same shape.

    Returns:
        ``Confusion(tp, fp, fn, tn)`` as Python ints.

    Raises:
        OrgansegInputError: shape mismatch or non-binary input (a ``ValueError``).
    """
    return MaskPair(pred, gt).confusion

def dice(pred: ArrayLike, gt: ArrayLike) -> float:
    """Dice similarity coefficient (= F1 of the foreground), the most reported overlap score.

    ``Dice = 2 TP / (2 TP + FP + FN) = 2 |P & G| / (|P| + |G|)``; 1.0 when both masks are empty
    (medpy ``dc`` returns 0 there), 0.0 when exactly one is.

    Args:
        pred: binary prediction.
        gt: binary ground truth, same shape.

    Returns:
        Dice in [0, 1].
    """
    return MaskPair(pred, gt).dice()

def jaccard(pred: ArrayLike, gt: ArrayLike) -> float:
    """Jaccard index / intersection over union, the overlap score of the segmentation benchmarks.

    ``J = TP / (TP + FP + FN) = |P & G| / |P | G|``; 1.0 when both masks are empty.

    Args:
        pred: binary prediction.
        gt: binary ground truth, same shape.

    Returns:
        Jaccard in [0, 1].
    """
    return MaskPair(pred, gt).jaccard()

iou = jaccard

def precision(pred: ArrayLike, gt: ArrayLike) -> float:
    """Precision (positive predictive value): how much of the prediction is organ.

    ``precision = TP / (TP + FP)``; 1.0 when both masks are empty, 0.0 when only the prediction is
    empty (no positive predictions; medpy returns 0 there too).

    Args:
        pred: binary prediction.
        gt: binary ground truth, same shape.

    Returns:
        Precision in [0, 1].
    """
    return MaskPair(pred, gt).precision()

def recall(pred: ArrayLike, gt: ArrayLike) -> float:
    """Recall (sensitivity): how much of the organ was found.

    ``recall = TP / (TP + FN)``; 1.0 when both masks are empty, 0.0 when only the ground truth is.

    Args:
        pred: binary prediction.
        gt: binary ground truth, same shape.

    Returns:
        Recall in [0, 1].
    """
    return MaskPair(pred, gt).recall()

def specificity(pred: ArrayLike, gt: ArrayLike) -> float:
    """Specificity (true negative rate), reported next to sensitivity in clinical papers.

    ``specificity = TN / (TN + FP)``; 1.0 when the ground truth covers the whole image and the
    prediction does too (no negatives).

    Args:
        pred: binary prediction.
        gt: binary ground truth, same shape.

    Returns:
        Specificity in [0, 1].
    """
    return MaskPair(pred, gt).specificity()

def accuracy(pred: ArrayLike, gt: ArrayLike) -> float:
    """Pixel accuracy (dominated by background for small organs; reported for completeness).

    ``accuracy = (TP + TN) / N``.

    Args:
        pred: binary prediction.
        gt: binary ground truth, same shape.

    Returns:
        Accuracy in [0, 1].
    """
    return MaskPair(pred, gt).accuracy()

def kappa(pred: ArrayLike, gt: ArrayLike) -> float:
    """Cohen's kappa: agreement corrected for the agreement expected by chance.

    ``kappa = (Po - Pe) / (1 - Pe)`` with ``Po = (TP + TN) / N`` and
    ``Pe = ((TP + FP)(TP + FN) + (FN + TN)(FP + TN)) / N^2``. When ``Pe = 1`` (both masks the same
    constant image, e.g. both empty) kappa is defined as 1.0 (perfect agreement).

    Args:
        pred: binary prediction.
        gt: binary ground truth, same shape.

    Returns:
        Kappa in [-1, 1].
    """
    return MaskPair(pred, gt).kappa()

def overlap_from_confusion_matrix(cm: ArrayLike) -> dict[str, np.ndarray]:
    """Per-class precision, recall, IoU and Dice (one-vs-rest) of a ``K x K`` confusion matrix.

    Rows are ground-truth classes, columns predictions (``cm[g, p]`` pixels), so that a dataset's matrix is
    the sum of its images' (the "pooled" convention of mmseg's IoUMetric and the spleen paper's Table 2).
    A class absent from both ground truth and prediction scores 1 (the empty-mask convention above).

    Args:
        cm: non-negative counts, shape ``(K, K)``.

    Returns:
        ``{"precision", "recall", "iou", "dice"}``, each an array of ``K`` fractions.
    """
    cm = np.asarray(cm, dtype=np.float64)
    if cm.ndim != 2 or cm.shape[0] != cm.shape[1] or (cm < 0).any():
        raise OrgansegInputError(f"confusion matrix must be square and non-negative, got shape {cm.shape}")
    tp = np.diag(cm)
    fp = cm.sum(0) - tp
    fn = cm.sum(1) - tp

    def ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
        return np.where(den > 0, num / np.maximum(den, 1e-300), 1.0)

    return dict(precision=ratio(tp, tp + fp), recall=ratio(tp, tp + fn), iou=ratio(tp, tp + fp + fn),
                dice=ratio(2 * tp, 2 * tp + fp + fn))

def kappa_from_confusion_matrix(cm: ArrayLike) -> float:
    """Cohen's kappa ``(Po - Pe) / (1 - Pe)`` of a ``K x K`` confusion matrix (1 when ``Pe == 1``).

    For ``K = 2`` this equals :func:`kappa` of the two masks. Raises on an all-zero matrix (no pixel).
    """
    cm = np.asarray(cm, dtype=np.float64)
    n = cm.sum()
    if n <= 0:
        raise OrgansegInputError("kappa of an empty confusion matrix (no pixel counted)")
    po = np.trace(cm) / n
    pe = float((cm.sum(0) * cm.sum(1)).sum()) / n**2
    return 1.0 if pe >= 1.0 else float((po - pe) / (1.0 - pe))

def voe(pred: ArrayLike, gt: ArrayLike) -> float:
    """Volumetric overlap error (Sliver07), the complement of Jaccard.

    ``VOE = 1 - |P & G| / |P | G|``; 0.0 when both masks are empty, 1.0 when exactly one is.

    Args:
        pred: binary prediction.
        gt: binary ground truth, same shape.

    Returns:
        VOE in [0, 1] (multiply by 100 for the percentage of the Sliver07 tables).
    """
    return 1.0 - MaskPair(pred, gt).jaccard()

def rvd(pred: ArrayLike, gt: ArrayLike) -> float:
    """Relative volume difference (signed; Sliver07): over- (>0) or under- (<0) segmentation.

    ``RVD = (|P| - |G|) / |G|``; 0.0 when both masks are empty, ``inf`` when only the ground truth
    is empty, -1.0 when only the prediction is. Spacing cancels, so it is not needed.

    Args:
        pred: binary prediction.
        gt: binary ground truth, same shape.

    Returns:
        RVD as a fraction (multiply by 100 for percent).
    """
    return MaskPair(pred, gt).rvd()
