"""BUSI (Al-Dhabyani et al. 2020, "Dataset of breast ultrasound images", Data in Brief 28:104863) -> mmseg layout.

The protocol of Liu et al. 2025, "Attention residual network for medical ultrasound image segmentation" (Sci Rep
15:22155, "Datasets"): the 647 benign + malignant images (``normal`` excluded), a 7:1:2 train/val/test split
stratified by class. Input as distributed::

    Dataset_BUSI_with_GT/{benign,malignant,normal}/"benign (N).png"     RGB-saved grey images
                                                  "benign (N)_mask.png"  0/255 mask
                                                  "benign (N)_mask_1.png", "_mask_2.png" ...  further lesions

Extra lesion masks are OR-merged into one 0/1 mask (each stays one COCO object); output stems are
``benign_0012`` (class + zero-padded N). Note the paper's malignant counts (147/42/21) swap val and test; a
7:1:2 split of 210 gives 147/21/42, which is what this converter writes.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

from ..errors import OrgansegInputError
from ..io.paths import require_dir, safe_stem
from .lesion_pairs import LesionItem, write_lesion_items
from .masks_coco import pair_images_masks
from .report import ConversionReport

__all__ = ["BUSI_CLASSES", "busi_items", "convert_busi"]

BUSI_CLASSES = ("benign", "malignant", "normal")
_NUMBER = re.compile(r"\((\d+)\)\s*$")


def _root(path: Path) -> Path:
    """Accept the dataset folder itself or its parent."""
    if not any((path / c).is_dir() for c in BUSI_CLASSES) and (path / "Dataset_BUSI_with_GT").is_dir():
        return path / "Dataset_BUSI_with_GT"
    return path


def busi_items(root: str | os.PathLike, classes: Sequence[str] = ("benign", "malignant"),
               report: ConversionReport | None = None) -> list[LesionItem]:
    """Images of ``classes`` with their ``_mask`` (+ ``_mask_<k>``) files; problems go to ``report``.

    Raises:
        OrgansegInputError: missing root or class folder, unknown class.
    """
    base = _root(require_dir(root, "BUSI folder"))
    items = []
    for cls in classes:
        if cls not in BUSI_CLASSES:
            raise OrgansegInputError(f"unknown BUSI class {cls!r}; expected some of {BUSI_CLASSES}")
        folder = require_dir(base / cls, f"BUSI {cls} folder")
        for img, masks in pair_images_masks(folder, folder, "_mask", True, report):
            m = _NUMBER.search(img.stem)
            stem = f"{cls}_{int(m.group(1)):04d}" if m else f"{cls}_{safe_stem(img.stem)}"
            items.append(LesionItem(stem, img, masks, cls))
    return items


def convert_busi(root: str | os.PathLike, out_dir: str | os.PathLike,
                 classes: Sequence[str] = ("benign", "malignant"), fractions: Mapping[str, float] | None = None,
                 stratify: bool = True, seed: int = 0, overwrite: bool = False, dry_run: bool = False,
                 progress: bool = True) -> ConversionReport:
    """Convert BUSI (see the module docstring); ``classes`` defaults to the paper's benign + malignant.

    Returns:
        The :class:`ConversionReport` (``extra``: images per split and class).
    """
    report = ConversionReport(dry_run=dry_run)
    items = busi_items(root, classes, report)
    return write_lesion_items(items, out_dir, [Path(root)], report=report, fractions=fractions, stratify=stratify,
                              seed=seed, category="lesion", overwrite=overwrite, dry_run=dry_run,
                              progress=progress, desc="busi")
