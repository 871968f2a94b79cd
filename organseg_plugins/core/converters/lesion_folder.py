"""A plain image folder + mask folder of an ultrasound lesion set ("TUS" or any other) -> mmseg layout.

``IMAGES/x.png`` pairs with ``MASKS/x<suffix>.png`` (extra lesions ``x<suffix>_1.png`` ... OR-merged with
``merge_extra``); a seeded split (default 7:1:2, the protocol of Liu et al. 2025, "Attention residual network for
medical ultrasound image segmentation", Sci Rep 15:22155), optionally stratified by a class read from the file
name with ``class_regex`` (group 1).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path

from ..io.paths import safe_stem
from .lesion_pairs import LesionItem, write_lesion_items
from .masks_coco import pair_images_masks
from .report import ConversionReport

__all__ = ["convert_lesion_folder"]


def convert_lesion_folder(images_dir: str | os.PathLike, masks_dir: str | os.PathLike, out_dir: str | os.PathLike,
                          mask_suffix: str = "", merge_extra: bool = False, class_regex: str | None = None,
                          fractions: Mapping[str, float] | None = None, seed: int = 0,
                          mask_threshold: int | None = None, category: str = "lesion", overwrite: bool = False,
                          dry_run: bool = False, progress: bool = True) -> ConversionReport:
    """Convert an image/mask folder pair (see the module docstring)."""
    report = ConversionReport(dry_run=dry_run)
    rx = re.compile(class_regex) if class_regex else None
    items = []
    for img, masks in pair_images_masks(images_dir, masks_dir, mask_suffix, merge_extra, report):
        cls = "lesion"
        if rx is not None:
            m = rx.search(img.name)
            if m is None:
                report.error(img, f"file name does not match the class regex {rx.pattern!r}")
                report.skipped += 1
                continue
            cls = m.group(1) if m.re.groups else m.group(0)
        items.append(LesionItem(safe_stem(img.stem), img, masks, cls))
    return write_lesion_items(items, out_dir, [Path(images_dir), Path(masks_dir)], report=report,
                              fractions=fractions, stratify=rx is not None, seed=seed,
                              mask_threshold=mask_threshold, category=category, overwrite=overwrite,
                              dry_run=dry_run, progress=progress, desc="folder")
