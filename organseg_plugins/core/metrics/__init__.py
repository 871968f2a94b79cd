"""Binary segmentation metrics for organ masks (2-D images and 3-D volumes), numpy/scipy/OpenCV only.

One definition each, by family: :mod:`.overlap` (confusion-based), :mod:`.surface` (distances in mm),
:mod:`.boundary` (pixel-based boundary scores), :mod:`.size` (volume, MPLE, MRVA), :mod:`.suite`
(everything for one pair) and :mod:`.summary` (the mean/std over cases behind every table).
Conventions shared by all of them:

* Masks are binary arrays of the same shape, 2-D ``(H, W)`` or 3-D ``(D, H, W)``; foreground = 1,
  checked by the one validator (:func:`organseg_plugins.core.io.validate.as_binary_mask`): a 0/255
  mask, a label map or NaN raises :class:`~organseg_plugins.core.errors.OrgansegInputError`.
* ``spacing`` is the voxel size in mm in array-axis order (``(z, y, x)``), one float or one per
  axis; ``None`` means 1. Only surface distances, NSD and volumes use it; the boundary scores are
  defined in pixels, like in the papers that introduced them.
* Empty masks: both empty -> overlap scores 1 and distances 0; exactly one empty -> overlap 0 and
  distances ``inf`` (medpy returns Dice 0 and raises; MONAI returns nan/inf with a warning).
"""

from .boundary import boundary_f_measure, boundary_iou, boundary_precision_recall_f, trimap_iou
from .overlap import (
    Confusion,
    accuracy,
    confusion,
    dice,
    iou,
    jaccard,
    kappa,
    kappa_from_confusion_matrix,
    overlap_from_confusion_matrix,
    precision,
    recall,
    rvd,
    specificity,
    voe,
)
from .pair import MaskPair
from .size import interval_coverage, mask_volume, mple, mrva
from .suite import compute_all, compute_per_class
from .summary import STD_DDOF, Summary, summarize_rows, summarize_values
from .surface import (
    average_surface_distance,
    hausdorff_distance,
    hd95,
    percentile_hausdorff_distance,
    rmsd,
    surface_distances,
    surface_metrics,
)

__all__ = [
    "Confusion", "MaskPair", "STD_DDOF", "Summary", "summarize_rows", "summarize_values", "accuracy", "average_surface_distance", "boundary_f_measure", "boundary_iou",
    "boundary_precision_recall_f", "compute_all", "compute_per_class", "confusion", "dice", "hausdorff_distance",
    "hd95", "interval_coverage", "iou", "jaccard", "kappa", "kappa_from_confusion_matrix", "mask_volume", "mple", "mrva",
    "overlap_from_confusion_matrix", "percentile_hausdorff_distance", "precision", "recall", "rmsd", "rvd",
    "specificity", "surface_distances", "surface_metrics", "trimap_iou", "voe",
]
