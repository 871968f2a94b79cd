"""DDTI thyroid nodules (Pedraza et al. 2015, "An open access thyroid ultrasound image database", SPIE 9287), as
MMSegmentation's ``projects/medical/2d_image/ultrasound/ddti`` prepares it, -> the project's mmseg layout.

Input::

    ROOT/images/{train,val[,test]}/xxx.png     ROOT/masks/{train,val[,test]}/xxx.png  (0/1 or 0/255)

The given splits are kept (mmseg's preparation has train and val only); masks become 0/1. A mask without its
image (or a masks split folder without its images folder) is a report error.
"""

from __future__ import annotations

import os

from ..io.layout import SPLITS
from ..io.paths import require_dir
from .lesion_pairs import LesionItem, write_lesion_items
from .masks_coco import pair_images_masks
from .report import ConversionReport

__all__ = ["convert_ddti"]


def convert_ddti(root: str | os.PathLike, out_dir: str | os.PathLike, overwrite: bool = False,
                 dry_run: bool = False, progress: bool = True) -> ConversionReport:
    """Convert the mmseg DDTI layout (see the module docstring)."""
    base = require_dir(root, "DDTI folder")
    require_dir(base / "images", "DDTI images folder")
    report = ConversionReport(dry_run=dry_run)
    items = []
    for split in SPLITS:
        if not (base / "images" / split).is_dir():
            if (base / "masks" / split).is_dir():  # masks without their images: told, not skipped in silence
                report.error(base / "masks" / split, f"masks without images: no folder {base / 'images' / split}; "
                             "not converted")
            continue
        for img, masks in pair_images_masks(base / "images" / split, base / "masks" / split, "", False, report):
            items.append(LesionItem(f"{split}_{img.stem}", img, masks, "nodule", split))
    return write_lesion_items(items, out_dir, [base], report=report, category="nodule", overwrite=overwrite,
                              dry_run=dry_run, progress=progress, desc="ddti")
