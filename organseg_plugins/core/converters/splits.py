"""Case-level (patient-level) train/val/test splits, k-fold cross-validation, and an MMSeg layout.

All papers split by patient/case, never by image: the liver CT study evaluates on an independent
test set of cases (Sattari et al. 2025), the spleen study uses 5-fold cross-validation with an 80:20
split and "no patient in both sets" (Karimi et al. 2025), the pancreas/liver adversarial U-Net 4-fold
cross-validation (Lian, Sun and Li 2025), ARU-Net a 7:1:2 split stratified by class (Liu et al. 2025, "Attention residual network for medical ultrasound image segmentation", Sci Rep).

* :func:`split_cases` -- seeded train/val/test assignment of case ids (optionally stratified).
* :func:`kfold_cases` -- seeded k-fold assignment; every case is validation in exactly one fold;
  an optional held-out test set stays out of all folds.
* :func:`write_assignment` / :func:`read_assignment` -- JSON (full) or CSV (readable) files.
* :func:`layout_mmseg` -- copy a flat folder of images + masks into ``img_dir/{split}`` /
  ``ann_dir/{split}`` (masks checked and made 0/1), with ``meta.csv`` and COCO files.

Determinism: case ids are de-duplicated and sorted before a ``numpy.random.default_rng(seed)``
permutation, so the result depends only on the set of ids and the seed (not on file order).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import OrgansegInputError
from ..io.atomic import atomic_write_json, atomic_write_text
from ..io.images import read_image_file
from ..io.layout import MMSegLayoutWriter
from ..io.paths import check_output_dir
from ..io.tables import csv_text, read_csv_rows
from ..io.validate import as_binary_mask
from .cases import SPLITS, case_id_from_name
from .masks_coco import pair_images_masks
from .report import ConversionReport, progress_iter

__all__ = [
    "split_counts",
    "split_cases",
    "kfold_cases",
    "fold_assignment",
    "write_assignment",
    "read_assignment",
    "cases_from_files",
    "layout_mmseg",
    "case_id_from_name",
    "ASSIGNMENT_FORMAT",
]

ASSIGNMENT_FORMAT = "organseg_case_splits"


def split_counts(n: int, fractions: Mapping[str, float]) -> dict[str, int]:
    """Number of cases per split: largest-remainder rounding of ``n * fraction``.

    Every split with a positive fraction gets at least one case when ``n`` allows it (taken from
    the largest split), so a 25-case study with 0.8/0.0/0.2 never ends up with an empty test set.

    Args:
        n: Number of cases.
        fractions: ``{split: fraction}``, fractions >= 0 summing to 1 (within 1e-6).

    Returns:
        ``{split: count}`` summing to ``n`` (same key order as ``fractions``).

    Raises:
        OrgansegInputError: Negative fractions or a sum different from 1.
    """
    names = list(fractions)
    f = np.array([float(fractions[k]) for k in names], dtype=np.float64)
    if (f < 0).any() or not np.isfinite(f).all():
        raise OrgansegInputError(f"split fractions must be >= 0, got {dict(fractions)}")
    if abs(f.sum() - 1.0) > 1e-6:
        raise OrgansegInputError(f"split fractions must sum to 1, got {dict(fractions)} (sum {f.sum():g})")
    raw = f * n
    counts = np.floor(raw).astype(np.int64)
    rest = n - int(counts.sum())
    order = np.argsort(-(raw - counts), kind="stable")
    counts[order[:rest]] += 1
    positive = np.flatnonzero(f > 0)
    if n >= positive.size:
        for i in positive:
            if counts[i] == 0:
                donor = int(np.argmax(counts))
                counts[donor] -= 1
                counts[i] += 1
    return {k: int(c) for k, c in zip(names, counts, strict=True)}


def _unique_sorted(cases: Iterable[str]) -> list[str]:
    out = sorted({str(c) for c in cases})
    if not out:
        raise OrgansegInputError("no case ids to split")
    return out


def split_cases(
    cases: Iterable[str],
    fractions: Mapping[str, float] | None = None,
    seed: int = 0,
    strata: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """Assign each case to one split (train/val/test by default), seeded.

    Args:
        cases: Case (patient) ids; duplicates are ignored.
        fractions: ``{split: fraction}`` summing to 1; default ``{"train": 0.7, "val": 0.15,
            "test": 0.15}``. ARU-Net's 7:1:2 is ``{"train": .7, "val": .1, "test": .2}``.
        seed: Random seed.
        strata: Optional ``{case: stratum}`` (e.g. benign/malignant for BUSI); then the fractions
            are applied within each stratum (each stratum rounded separately).

    Returns:
        ``{case_id: split}``, sorted by case id.

    Raises:
        OrgansegInputError: No cases, bad fractions, or a case without a stratum.
    """
    fr = dict(fractions) if fractions is not None else {"train": 0.7, "val": 0.15, "test": 0.15}
    ids = _unique_sorted(cases)
    rng = np.random.default_rng(seed)
    if strata is None:
        groups = {"": ids}
    else:
        missing = [c for c in ids if c not in strata]
        if missing:
            raise OrgansegInputError(f"cases without a stratum: {missing[:10]}")
        groups = {}
        for c in ids:
            groups.setdefault(str(strata[c]), []).append(c)
    out: dict[str, str] = {}
    for key in sorted(groups):
        members = groups[key]
        counts = split_counts(len(members), fr)
        perm = rng.permutation(len(members))
        labels = [name for name, k in counts.items() for _ in range(k)]
        for pos, idx in enumerate(perm.tolist()):
            out[members[idx]] = labels[pos]
    return dict(sorted(out.items()))


def kfold_cases(
    cases: Iterable[str],
    k: int = 5,
    seed: int = 0,
    test_fraction: float = 0.0,
    strata: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Seeded k-fold cross-validation at case level.

    The (optional) test cases are drawn first (``test_fraction`` of the cases, at least one when the
    fraction is positive); the others are shuffled and dealt round-robin to the ``k`` folds (within
    each stratum, continuing the deal across strata), so fold sizes differ by at most one and
    every non-test case is validation in exactly one fold. The spleen paper's 5-fold 80:20 split
    is ``k=5``.

    Args:
        cases: Case ids.
        k: Number of folds (>= 2, <= number of non-test cases).
        seed: Random seed.
        test_fraction: Held-out fraction in [0, 1).
        strata: Optional ``{case: stratum}`` for stratified folds.

    Returns:
        ``{"k": k, "seed": seed, "test": [case...], "val_fold": {case: fold index}}``. Use
        :func:`fold_assignment` to turn one fold into ``{case: "train"/"val"/"test"}``.

    Raises:
        OrgansegInputError: Invalid ``k``/``test_fraction`` or too few cases.
    """
    if int(k) < 2:
        raise OrgansegInputError(f"k must be >= 2, got {k}")
    if not 0.0 <= float(test_fraction) < 1.0:
        raise OrgansegInputError(f"test_fraction must be in [0, 1), got {test_fraction}")
    ids = _unique_sorted(cases)
    rng = np.random.default_rng(seed)
    test: list[str] = []
    if test_fraction > 0:
        n_test = split_counts(len(ids), {"rest": 1.0 - test_fraction, "test": test_fraction})["test"]
        pick = rng.permutation(len(ids))[:n_test]
        test = sorted(ids[i] for i in pick.tolist())
    rest = [c for c in ids if c not in set(test)]
    if len(rest) < k:
        raise OrgansegInputError(f"{len(rest)} non-test case(s) cannot make {k} folds")
    if strata is None:
        groups = {"": rest}
    else:
        missing = [c for c in rest if c not in strata]
        if missing:
            raise OrgansegInputError(f"cases without a stratum: {missing[:10]}")
        groups = {}
        for c in rest:
            groups.setdefault(str(strata[c]), []).append(c)
    val_fold: dict[str, int] = {}
    deal = 0
    for key in sorted(groups):
        members = groups[key]
        for idx in rng.permutation(len(members)).tolist():
            val_fold[members[idx]] = deal % int(k)
            deal += 1
    return {"k": int(k), "seed": int(seed), "test": test, "val_fold": dict(sorted(val_fold.items()))}


def fold_assignment(kfold: Mapping[str, Any], fold: int) -> dict[str, str]:
    """``{case: split}`` for one fold of :func:`kfold_cases` (val = that fold, test = held out).

    Raises:
        OrgansegInputError: ``fold`` out of range.
    """
    k = int(kfold["k"])
    if not 0 <= int(fold) < k:
        raise OrgansegInputError(f"fold must be in 0..{k - 1}, got {fold}")
    out = {c: ("val" if int(f) == int(fold) else "train") for c, f in kfold["val_fold"].items()}
    out.update({c: "test" for c in kfold.get("test", [])})
    return dict(sorted(out.items()))


def write_assignment(path: str | os.PathLike, assignment: Mapping[str, Any], meta: Mapping[str, Any] | None = None) -> Path:
    """Write a split assignment (atomically).

    ``.json``: ``{"format": "organseg_case_splits", "version": 1, ...meta, "cases": {case: split}}``
    for a plain split, or ``{..., "kfold": <kfold_cases result>}`` for k-fold.
    ``.csv``: ``case_id,split`` rows, or for k-fold ``case_id,fold`` (fold = the fold in which the
    case is validation, ``test`` for held-out cases).

    Args:
        path: Output file (``.json`` or ``.csv``).
        assignment: ``{case: split}`` or a :func:`kfold_cases` result.
        meta: Extra keys for the JSON (seed, fractions, case regex...).

    Returns:
        The path written.
    """
    p = Path(path)
    is_kfold = "val_fold" in assignment
    if p.suffix.lower() == ".csv":
        if is_kfold:
            rows = [{"case_id": c, "fold": f} for c, f in assignment["val_fold"].items()]
            rows += [{"case_id": c, "fold": "test"} for c in assignment.get("test", [])]
            return atomic_write_text(p, csv_text(("case_id", "fold"), sorted(rows, key=lambda r: r["case_id"])))
        rows = [{"case_id": c, "split": s} for c, s in sorted(assignment.items())]
        return atomic_write_text(p, csv_text(("case_id", "split"), rows))
    doc: dict[str, Any] = {"format": ASSIGNMENT_FORMAT, "version": 1, **dict(meta or {})}
    if is_kfold:
        doc["kfold"] = dict(assignment)
    else:
        doc["cases"] = dict(sorted(assignment.items()))
        counts: dict[str, int] = {}
        for s in doc["cases"].values():
            counts[s] = counts.get(s, 0) + 1
        doc["counts"] = counts
    return atomic_write_json(p, doc, indent=1)


def read_assignment(path: str | os.PathLike, fold: int | None = None) -> dict[str, str]:
    """Read an assignment written by :func:`write_assignment` as ``{case: split}``.

    Args:
        path: ``.json`` or ``.csv`` file.
        fold: Required for a k-fold assignment (which fold to use).

    Raises:
        OrgansegInputError: Unreadable/unknown file, k-fold without ``fold``, duplicate cases.
    """
    p = Path(path)
    if not p.is_file():
        raise OrgansegInputError(f"{p}: split assignment file does not exist")
    if p.suffix.lower() == ".csv":
        rows = read_csv_rows(p, ("case_id",))
        if rows and "fold" in rows[0]:
            val_fold: dict[str, int] = {}
            test: list[str] = []
            for r in rows:
                if r["fold"] == "test":
                    test.append(r["case_id"])
                else:
                    try:
                        val_fold[r["case_id"]] = int(r["fold"])
                    except ValueError as exc:
                        raise OrgansegInputError(f"{p}: bad fold {r['fold']!r} for case {r['case_id']!r}") from exc
            kf = {"k": max(val_fold.values()) + 1 if val_fold else 0, "val_fold": val_fold, "test": test}
            if fold is None:
                raise OrgansegInputError(f"{p}: a k-fold assignment; choose the fold (--fold)")
            return fold_assignment(kf, fold)
        if not rows or "split" not in rows[0]:
            raise OrgansegInputError(f"{p}: expected columns case_id,split or case_id,fold")
        out: dict[str, str] = {}
        for r in rows:
            if r["case_id"] in out:
                raise OrgansegInputError(f"{p}: case {r['case_id']!r} listed twice")
            out[r["case_id"]] = r["split"]
        return out
    try:
        doc = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise OrgansegInputError(f"{p}: cannot parse the split assignment ({exc})") from exc
    if not isinstance(doc, dict) or doc.get("format") != ASSIGNMENT_FORMAT:
        raise OrgansegInputError(f"{p}: not a split assignment written by make_splits ({ASSIGNMENT_FORMAT})")
    if "kfold" in doc:
        if fold is None:
            raise OrgansegInputError(f"{p}: a {doc['kfold']['k']}-fold assignment; choose the fold (--fold)")
        return fold_assignment(doc["kfold"], fold)
    return {str(c): str(s) for c, s in doc["cases"].items()}


def cases_from_files(names: Iterable[str], case_regex: str, report: ConversionReport | None = None) -> dict[str, str]:
    """``{file name: case id}`` for the names that match ``case_regex``; others are reported.

    Raises:
        OrgansegInputError: If ``report`` is ``None`` and a name does not match.
    """
    out: dict[str, str] = {}
    for n in names:
        try:
            out[str(n)] = case_id_from_name(str(n), case_regex)
        except OrgansegInputError as exc:
            if report is None:
                raise
            report.error(n, str(exc).split(": ", 1)[-1])
            report.skipped += 1
    return out


def layout_mmseg(
    images_dir: str | os.PathLike,
    masks_dir: str | os.PathLike,
    out_dir: str | os.PathLike,
    assignment: Mapping[str, str],
    case_regex: str,
    mask_suffix: str = "",
    mask_label: int | None = None,
    meta_csv: str | os.PathLike | None = None,
    category: str | None = "organ",
    overwrite: bool = False,
    dry_run: bool = False,
    progress: bool = True,
) -> ConversionReport:
    """Lay out a flat folder of images + masks as ``img_dir/{split}`` / ``ann_dir/{split}``.

    Each image's case id comes from ``case_regex`` on its file name and its split from
    ``assignment``. Images are copied (PNG bytes as is, other formats re-encoded as PNG); masks are
    checked and written as 0/1 PNGs (0/255 converted; other values, size mismatches and unreadable
    files are reported per file and skipped). Also written: ``meta.csv`` (``filename,split,case_id``
    plus the columns of ``meta_csv`` for that file, whose own ``split`` column is replaced),
    ``splits.json`` (the assignment used) and, unless ``category`` is ``None``, COCO files
    ``annotations/instances_{split}.json`` (one RLE annotation per non-empty mask).

    Args:
        images_dir: Flat folder of images.
        masks_dir: Flat folder of masks (same stem, plus ``mask_suffix``).
        out_dir: Output folder (outside the inputs).
        assignment: ``{case_id: split}``.
        case_regex: Regex giving the case id of a file name.
        mask_suffix: Mask name suffix.
        mask_label: Foreground value for multi-label masks.
        meta_csv: Optional CSV with a ``filename`` column whose rows are carried over.
        category: COCO category name, or ``None`` for no COCO files.
        overwrite: Allow a non-empty output folder.
        dry_run: Validate only.
        progress: Show a progress bar.

    Returns:
        The :class:`ConversionReport` (``extra``: images and cases per split).
    """
    out = Path(out_dir)
    check_output_dir(out, [images_dir, masks_dir] + ([meta_csv] if meta_csv else []), overwrite=overwrite or dry_run)
    report = ConversionReport(dry_run=dry_run)
    pairs = pair_images_masks(images_dir, masks_dir, mask_suffix, False, report)
    meta_rows: dict[str, dict[str, str]] = {}
    meta_cols: list[str] = []
    if meta_csv:
        rows = read_csv_rows(meta_csv, ("filename",))
        for r in rows:
            meta_rows[Path(r["filename"]).stem] = r
        if rows:
            meta_cols = [c for c in rows[0] if c not in ("filename", "split", "case_id")]
    writer = MMSegLayoutWriter(out, dry_run)
    cases_per_split: dict[str, set[str]] = {}
    for img_p, masks in progress_iter(pairs, progress, "layout", len(pairs)):
        try:
            cid = case_id_from_name(img_p.name, case_regex)
            if cid not in assignment:
                raise OrgansegInputError(f"{img_p}: case {cid!r} is not in the split assignment")
            sp = assignment[cid]
            img = read_image_file(img_p)
            mask = as_binary_mask(read_image_file(masks[0]), str(masks[0]), label=mask_label, allow_255=True, ndim=(2,), grey_rgb=True)
            if mask.shape != img.shape[:2]:
                raise OrgansegInputError(f"{masks[0]}: mask size {mask.shape[1]}x{mask.shape[0]} differs from "
                                         f"the image size {img.shape[1]}x{img.shape[0]}")
            if meta_csv and img_p.stem not in meta_rows:
                report.warn(img_p, f"no row in {meta_csv}")
        except OrgansegInputError as exc:
            msg = str(exc)
            report.error(img_p, msg[len(str(img_p)) + 2:] if msg.startswith(f"{img_p}: ") else msg)
            report.skipped += 1
            continue
        stem = img_p.stem
        row = {"case_id": cid, **{c: meta_rows.get(stem, {}).get(c, "") for c in meta_cols}}
        png = img_p.read_bytes() if img_p.suffix.lower() == ".png" and not dry_run else None
        writer.add(sp, stem, img, mask, row, objects=None if category is not None else [], image_bytes=png)
        cases_per_split.setdefault(sp, set()).add(cid)
        report.converted += 1
    writer.finish(["filename", "split", "case_id", *meta_cols],
                  None if category is None else [{"id": 1, "name": category}])
    if not dry_run:
        write_assignment(out / "splits.json", dict(assignment), {"case_regex": case_regex})
    report.extra["images per split"] = writer.images_per_split()
    report.extra["cases per split"] = {sp: len(c) for sp, c in sorted(cases_per_split.items())}
    unknown = sorted({s for s in assignment.values()} - set(SPLITS))
    if unknown:
        report.warn("assignment", f"split names {unknown} are not among {SPLITS}")
    return report
