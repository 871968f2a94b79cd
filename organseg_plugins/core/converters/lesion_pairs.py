"""Write (image, lesion masks) pairs of 2D ultrasound lesion sets to the project's mmseg layout.

Shared by the BUSI, TN3K, DDTI and plain-folder converters of Liu et al. 2025, "Attention residual network for
medical ultrasound image segmentation" (Sci Rep 15:22155): each :class:`LesionItem` is one image with one or more
mask files (BUSI's extra lesions ``_mask_1.png`` ...), which are validated with the one mask validator
(0/255 made 0/1), OR-merged into one 0/1 mask and written with :class:`~organseg_plugins.core.io.layout.
MMSegLayoutWriter`::

    OUT/img_dir/{split}/<stem>.png, OUT/ann_dir/{split}/<stem>.png (0/1), OUT/meta.csv, OUT/splits.json,
    OUT/annotations/instances_{split}.json (COCO, one object per lesion mask)

``meta.csv`` columns: ``filename, split, source, class, n_lesions, height, width``. Items without a given split
are split seeded by :func:`~organseg_plugins.core.converters.splits.split_cases` (by default 7:1:2 stratified by
class, the paper's protocol). Every bad input (unreadable file, values other than 0/1 or 0/255, a mask whose
size differs from the image) is one report line naming the file; the item is skipped and the rest converted.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import OrgansegInputError
from ..io.images import read_image_file
from ..io.layout import MMSegLayoutWriter
from ..io.paths import check_output_dir
from ..io.validate import as_binary_mask
from .report import ConversionReport, progress_iter
from .splits import split_cases, write_assignment

__all__ = ["LESION_META_COLUMNS", "PAPER_FRACTIONS", "LesionItem", "read_lesion_mask", "write_lesion_items"]

LESION_META_COLUMNS = ("filename", "split", "source", "class", "n_lesions", "height", "width")
PAPER_FRACTIONS = {"train": 0.7, "val": 0.1, "test": 0.2}


@dataclass
class LesionItem:
    """One image and its lesion mask files.

    Attributes:
        stem: output file stem (unique).
        image: image file.
        masks: mask files, OR-merged (at least one).
        cls: class / stratum (``benign``, ``malignant``, ``nodule``...).
        split: given split, or ``None`` to draw one.
    """

    stem: str
    image: Path
    masks: list[Path] = field(default_factory=list)
    cls: str = "lesion"
    split: str | None = None


def read_lesion_mask(path: str | os.PathLike, threshold: int | None = None) -> np.ndarray:
    """Read one mask as 0/1: 0/1 or 0/255 values (``allow_255``); with ``threshold``, ``value >= threshold``
    first (lossy JPEG masks such as TN3K's), then validated the same way.

    Raises:
        OrgansegInputError: naming the file (unreadable, colour, other values).
    """
    raw = read_image_file(path)
    if threshold is not None:
        if raw.ndim == 3:
            raw = raw.max(axis=2)
        raw = (raw >= threshold).astype(np.uint8)
    return as_binary_mask(raw, str(path), allow_255=True, ndim=(2,), grey_rgb=True)


def write_lesion_items(items: Sequence[LesionItem], out_dir: str | os.PathLike, inputs: Sequence[Path], *,
                       report: ConversionReport | None = None, fractions: Mapping[str, float] | None = None,
                       stratify: bool = True, seed: int = 0, mask_threshold: int | None = None,
                       category: str = "lesion", overwrite: bool = False, dry_run: bool = False,
                       progress: bool = True, desc: str = "lesions") -> ConversionReport:
    """Validate, merge and write ``items`` (see the module docstring).

    Args:
        items: the images with their masks.
        out_dir: output folder (outside ``inputs``; empty unless ``overwrite``).
        inputs: input folders (never written).
        report: report to extend (discovery problems already recorded), or ``None`` for a new one.
        fractions: split fractions for items without a split (default 7:1:2).
        stratify: apply the fractions within each class.
        seed: split seed.
        mask_threshold: see :func:`read_lesion_mask`.
        category: COCO category name.
        overwrite / dry_run / progress: as every converter.

    Returns:
        The report (``extra``: images per split and per class).
    """
    out = Path(out_dir)
    check_output_dir(out, list(inputs), overwrite=overwrite or dry_run)
    report = report if report is not None else ConversionReport(dry_run=dry_run)
    report.dry_run = dry_run
    stems = [it.stem for it in items]
    if len(set(stems)) != len(stems):
        dup = sorted({s for s in stems if stems.count(s) > 1})
        raise OrgansegInputError(f"two inputs map to the same output name: {dup[:5]}")
    free = [it for it in items if it.split is None]
    assignment = {it.stem: it.split for it in items if it.split is not None}
    if free:
        strata = {it.stem: it.cls for it in free} if stratify else None
        assignment.update(split_cases([it.stem for it in free], dict(fractions or PAPER_FRACTIONS), seed, strata))
    writer = MMSegLayoutWriter(out, dry_run)
    per_class: dict[str, int] = {}
    for it in progress_iter(items, progress, desc, len(items)):
        try:
            img = read_image_file(it.image)
            if img.dtype != np.uint8:
                raise OrgansegInputError(f"{it.image}: image dtype {img.dtype}; expected 8-bit")
            lesions = []
            for mp in it.masks:
                m = read_lesion_mask(mp, mask_threshold)
                if m.shape != img.shape[:2]:
                    raise OrgansegInputError(f"{mp}: mask size {m.shape[1]}x{m.shape[0]} differs from the image "
                                             f"size {img.shape[1]}x{img.shape[0]} (size mismatch)")
                lesions.append(m)
        except OrgansegInputError as exc:
            msg, own = str(exc), f"{it.image}: "
            report.error(it.image, msg[len(own):] if msg.startswith(own) else msg)
            report.skipped += 1
            continue
        merged = np.zeros(img.shape[:2], np.uint8)
        for m in lesions:
            merged |= m
        objects = [m for m in lesions if m.any()]
        if len(it.masks) > 1:
            report.note("images with extra lesion masks merged")
        if not merged.any():
            report.note("images without lesion")
        if img.ndim == 3 and img.shape[2] == 3 and (img[..., 0] == img[..., 1]).all() \
                and (img[..., 1] == img[..., 2]).all():
            img = np.ascontiguousarray(img[..., 0])  # grey saved as RGB (BUSI): stored grey, loaded as 3 channels
        h, w = merged.shape
        row = {"source": str(it.image.name), "class": it.cls, "n_lesions": len(objects), "height": h, "width": w}
        writer.add(assignment[it.stem], it.stem, img, merged, row, objects=objects)
        per_class[it.cls] = per_class.get(it.cls, 0) + 1
        report.converted += 1
    if writer.rows:
        writer.finish(LESION_META_COLUMNS, [{"id": 1, "name": category}])
        if not dry_run:
            write_assignment(out / "splits.json", dict(sorted(assignment.items())), {"seed": seed})
            writer.outputs.append("splits.json")
    report.outputs += writer.outputs
    report.extra["images per split"] = writer.images_per_split()
    report.extra["images per class"] = dict(sorted(per_class.items()))
    return report
