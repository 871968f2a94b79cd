"""Per-fold data roots: a k-fold assignment of the cases of one MMSeg layout, written as one layout per fold.

A fold's root is an ordinary layout (``img_dir/{split}``, ``ann_dir/{split}``, ``meta.csv``, COCO
``annotations/instances_{split}.json``), so mmseg configs and detectron2 yamls read it unchanged. The
validation split of fold ``f`` is the fold's cases; its test split is the held-out test cases of the
assignment or, without any (plain k-fold cross-validation, as the spleen paper's 5-fold 80:20 split,
Karimi et al. 2025, "Improving spleen segmentation in ultrasound images using a hybrid deep learning
framework", Sci Rep), the validation cases again: each case is then tested in exactly one fold.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from ..converters.splits import fold_assignment, kfold_cases, read_assignment
from ..errors import OrgansegInputError
from ..io.atomic import atomic_write_json
from ..io.images import read_binary_mask
from ..io.layout import MMSegLayoutWriter
from ..io.tables import read_csv_rows
from .spec import DataSpec

__all__ = ["fold_data_root", "fold_root_path", "fold_splits", "write_fold_root"]

_DONE = "fold_root.json"


def _source_rows(root: Path, case_column: str) -> list[dict[str, str]]:
    rows = read_csv_rows(root / "meta.csv", ("filename", "split", case_column))
    for r in rows:
        stem = Path(r["filename"]).stem
        if not (root / "img_dir" / r["split"] / f"{stem}.png").is_file():
            raise OrgansegInputError(f"{root / 'meta.csv'}: {r['filename']}: no image img_dir/{r['split']}/{stem}.png")
    return rows


def _categories(root: Path) -> list[dict[str, Any]]:
    """The source layout's COCO categories (for detectron2 yamls), else one ``organ`` category."""
    for coco in sorted((root / "annotations").glob("instances_*.json")):
        try:
            cats = json.loads(coco.read_text(encoding="utf-8")).get("categories")
        except (OSError, ValueError):
            continue
        if cats:
            return [{"id": 1, "name": str(cats[0].get("name", "organ"))}]
    return [{"id": 1, "name": "organ"}]


def fold_splits(data: DataSpec, fold: int) -> dict[str, str]:
    """``{case id: split}`` of one fold (train/val/test) from ``data.folds`` or ``data.split_file``.

    Raises:
        OrgansegInputError: An unreadable ``meta.csv`` or split file, or too few cases.
    """
    if data.split_file:
        return read_assignment(data.split_file, fold)
    rows = _source_rows(Path(str(data.root)), data.case_column)
    kfold = kfold_cases([r[data.case_column] for r in rows], k=int(data.folds or 2), seed=data.fold_seed)
    return fold_assignment(kfold, fold)


def write_fold_root(data: DataSpec, fold: int, out_dir: str | os.PathLike) -> Path:
    """Write fold ``fold``'s layout to ``out_dir`` (once: a finished root is reused).

    Returns:
        ``out_dir``.

    Raises:
        OrgansegInputError: A case of ``meta.csv`` missing from the assignment, unreadable files.
    """
    out = Path(out_dir)
    if (out / _DONE).is_file():
        return out
    root = Path(str(data.root))
    splits = fold_splits(data, fold)
    rows = _source_rows(root, data.case_column)
    has_test = "test" in splits.values()
    writer = MMSegLayoutWriter(out)
    columns: list[str] = ["filename", "split"] + [c for c in rows[0] if c not in ("filename", "split")]
    for r in rows:
        case = r[data.case_column]
        if case not in splits:
            raise OrgansegInputError(f"{data.split_file or root / 'meta.csv'}: case {case!r} has no split in fold {fold}")
        stem = Path(r["filename"]).stem
        img = root / "img_dir" / r["split"] / f"{stem}.png"
        ann = root / "ann_dir" / r["split"] / f"{stem}.png"
        mask = read_binary_mask(ann) if ann.is_file() else None
        extra = {k: v for k, v in r.items() if k not in ("filename", "split")}
        targets = [splits[case]] + (["test"] if splits[case] == "val" and not has_test else [])
        for split in targets:
            writer.add(split, stem, None, mask, extra, image_bytes=img.read_bytes())
    seen: set[str] = set()  # meta.csv: one row per file (a val image is also a test image without test cases)
    writer.rows = [r for r in writer.rows if not (r["filename"] in seen or seen.add(r["filename"]))]
    writer.finish(columns, _categories(root))
    info: dict[str, Any] = {"source": str(root), "fold": fold, "test_is_val": not has_test,
                            "cases": splits}
    atomic_write_json(out / _DONE, info, indent=1)
    return out


def fold_root_path(data: DataSpec, fold: int, work_root: str | os.PathLike) -> str:
    """Where fold ``fold``'s data root is (or will be, once written): writes nothing."""
    if data.fold_roots:
        return data.fold_roots[fold]
    if data.num_folds == 1 and not data.split_file:
        return str(data.root)
    return str(Path(work_root) / "folds" / f"fold{fold}")


def fold_data_root(data: DataSpec, fold: int, work_root: str | os.PathLike) -> str:
    """The data root of fold ``fold``: a given fold root, the source root (no folds), or a written layout.

    Written layouts go to ``<work_root>/folds/fold<k>``.
    """
    path = fold_root_path(data, fold, work_root)
    if data.fold_roots or (data.num_folds == 1 and not data.split_file):
        return path
    return str(write_fold_root(data, fold, path))
