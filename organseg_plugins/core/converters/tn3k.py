"""TN3K thyroid nodules (Gong et al. 2023, "Thyroid region prior guided attention for ultrasound segmentation of
thyroid nodules", Comput Biol Med) -> mmseg layout; one of the candidate "TUS" sets of Liu et al. 2025.

Input as distributed::

    trainval-image/NNNN.jpg  trainval-mask/NNNN.jpg  test-image/NNNN.jpg  test-mask/NNNN.jpg
    tn3k-trainval-fold0.json ... (optional; {"train": [ids], "val": [ids]})

``test-*`` becomes the test split. ``trainval-*`` is split by the fold file when given (``fold_json``), else
seeded into train/val with ``val_fraction`` (default 1/8: 7:1 like the paper's 7:1:2). TN3K's masks are JPEG,
so their values are not exactly 0/255: ``mask_threshold`` (default 128) binarises them before the usual check.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from ..errors import OrgansegInputError
from ..io.paths import require_dir
from .lesion_pairs import LesionItem, write_lesion_items
from .masks_coco import pair_images_masks
from .report import ConversionReport

__all__ = ["convert_tn3k", "read_tn3k_fold"]


def read_tn3k_fold(path: str | os.PathLike) -> dict[str, str]:
    """``{stem: "train"|"val"}`` from a TN3K fold JSON (ids as ints or names).

    Raises:
        OrgansegInputError: unreadable JSON or no ``train``/``val`` lists.
    """
    try:
        data = json.loads(Path(path).read_text())
    except (OSError, ValueError) as exc:
        raise OrgansegInputError(f"{path}: cannot read the fold JSON ({exc})") from exc
    if not isinstance(data, dict) or not all(isinstance(data.get(k), list) for k in ("train", "val")):
        raise OrgansegInputError(f"{path}: expected a JSON object with 'train' and 'val' lists")
    out = {}
    for split in ("train", "val"):
        for v in data[split]:
            out[f"{int(v):04d}" if isinstance(v, int) or str(v).isdigit() else Path(str(v)).stem] = split
    return out


def convert_tn3k(root: str | os.PathLike, out_dir: str | os.PathLike, fold_json: str | os.PathLike | None = None,
                 val_fraction: float = 0.125, seed: int = 0, mask_threshold: int | None = 128,
                 overwrite: bool = False, dry_run: bool = False, progress: bool = True) -> ConversionReport:
    """Convert TN3K (see the module docstring)."""
    base = require_dir(root, "TN3K folder")
    report = ConversionReport(dry_run=dry_run)
    fold = read_tn3k_fold(fold_json) if fold_json else None
    items = []
    for part in ("trainval", "test"):
        for img, masks in pair_images_masks(base / f"{part}-image", base / f"{part}-mask", "", False, report):
            split = "test" if part == "test" else (fold.get(img.stem) if fold is not None else None)
            if part == "trainval" and fold is not None and split is None:
                report.warn(img, f"not listed in {fold_json}; left out")
                continue
            items.append(LesionItem(f"{part}_{img.stem}", img, masks, "nodule", split))
    return write_lesion_items(items, out_dir, [base], report=report,
                              fractions={"train": 1.0 - val_fraction, "val": val_fraction}, stratify=False,
                              seed=seed, mask_threshold=mask_threshold, category="nodule", overwrite=overwrite,
                              dry_run=dry_run, progress=progress, desc="tn3k")
