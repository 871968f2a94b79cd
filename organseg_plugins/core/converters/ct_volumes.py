"""CT volumes (NIH Pancreas-CT DICOM + NIfTI, Sliver07 MetaImage, MSD NIfTI) -> 2-D slices in the mmseg layout.

Lian, Sun and Li 2025, "Extracting organs of interest from medical images based on convolutional neural
network with auxiliary and refined constraints", Sci Rep, segment the pancreas (NIH Pancreas-CT, 82
volumes) and the liver (Sliver07, 20 volumes) slice by slice and evaluate per volume; the paper states
neither the HU window nor the slice selection. Defaults here (ours, options):

* **HU window** ``[lo, hi]`` -> 8 bit: ``grey = round(255 * clip((HU - lo) / (hi - lo), 0, 1))``
  (:func:`organseg_plugins.core.io.dicom.apply_window` with level ``(lo+hi)/2``, width ``hi-lo``).
  ``pancreas``: [-100, 240] HU, the window of the NIH Pancreas-CT literature; ``liver``: [-100, 200] HU
  (an assumed abdominal liver window).
* **Slices**: every slice of val/test volumes (the per-volume metrics rebuild whole volumes); for the
  ``select_splits`` (default train) optionally only the slices with organ plus ``organ_margin`` slices
  on each side.
* **Splits**: case level, from an assignment (:mod:`.splits`); the standard folds ship as files
  (:data:`STANDARD_FOLDS`: NIH cases 1-20, 21-40, 41-61, 62-82; Sliver07 4 folds of 5, our assumption).

Layouts (``layout="auto"`` picks by content)::

    nih:      ROOT/**/PANCREAS_NNNN/**/<one DICOM series>, ROOT/**/labelNNNN.nii.gz   case PANCREAS_NNNN
    sliver07: ROOT/**/liver-origNNN.mhd, ROOT/**/liver-segNNN.mhd                     case liver-NNN
    msd:      ROOT/dataset.json, imagesTr/<case>.nii.gz, labelsTr/<case>.nii.gz         case <case>

Output (:class:`~organseg_plugins.core.io.layout.MMSegLayoutWriter`)::

    OUT/img_dir/{split}/<case>_sKKKK.png   windowed slice KKKK (index in the volume, z order)
    OUT/ann_dir/{split}/<case>_sKKKK.png   0/1 mask
    OUT/meta.csv                           CT_VOLUME_META_COLUMNS, one row per slice
    OUT/annotations/instances_{split}.json COCO instances

Every volume is read by :mod:`organseg_plugins.core.io.volumes` in the canonical LPS orientation
(``(z, y, x)``, +x patient Left, +y Posterior, +z Superior), whatever its format and storage order: slice
``KKKK`` is ``array[KKKK]`` (axial, displayed radiologically, slice 0 the most inferior), the same array
``tools/infer.py`` cuts from the same file, so a model trained on NIH DICOM and tested on MSD NIfTI sees
the anatomy the same way round. DICOM files are found by content (UID names without ``.dcm``); other
files in a series folder are reported (warnings naming them) and skipped.

``meta.csv`` carries what the per-volume evaluator needs to rebuild each volume (case id, slice
index, number of slices, spacing z/row/column) and to write predictions back with the source geometry
(``origin``, ``direction`` of the canonical grid, ``storage_direction`` of the file as stored). A label
in the same physical space as its image but stored with another axis order or direction (nibabel-based
tools next to a DICOM series) is put on the image's grid (:func:`~organseg_plugins.core.io.volumes.
label_on_image_grid`); a label in another physical space is refused (one line naming both files); an
empty label volume is reported, and converted.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import numpy as np

from ..errors import OrgansegInputError
from ..io.dicom import apply_window, is_dicom_file
from ..io.layout import LayoutEntry, MMSegLayoutWriter
from ..io.paths import check_output_dir, require_dir, safe_stem
from ..io.volumes import is_hidden_junk, read_label_volume, read_volume, volume_stem
from ..parallel import map_cases, progress_tick
from .cases import split_for_name
from .report import ConversionReport

__all__ = [
    "CT_WINDOWS", "CT_VOLUME_META_COLUMNS", "LAYOUTS", "STANDARD_FOLDS", "VolumeCase", "find_volume_cases",
    "standard_kfold", "organ_slices", "convert_ct_volumes",
]

#: HU windows ``(lo, hi)``; defaults of this project (the paper gives none).
CT_WINDOWS: dict[str, tuple[float, float]] = {"pancreas": (-100.0, 240.0), "liver": (-100.0, 200.0)}

CT_VOLUME_META_COLUMNS = (
    "filename", "split", "case_id", "slice_index", "num_slices", "has_organ", "spacing_mm", "spacing_row_mm",
    "spacing_col_mm", "spacing_z_mm", "window_lo_hu", "window_hi_hu", "height", "width", "origin", "direction",
    "storage_direction", "source_file", "label_file",
)

LAYOUTS = ("auto", "nih", "sliver07", "msd")

#: Standard case-level folds: name -> list of folds (lists of case ids).
STANDARD_FOLDS: dict[str, list[list[str]]] = {
    # Pancreas-CT (Roth et al.), the 4 folds of the NIH literature: cases 1-20, 21-40, 41-61, 62-82
    "nih_pancreas_ct": [[f"PANCREAS_{i:04d}" for i in range(lo, hi + 1)] for lo, hi in ((1, 20), (21, 40), (41, 61), (62, 82))],
    # Sliver07 training volumes 1-20 in 4 folds of 5 (no split is stated by the paper: our assumption)
    "sliver07": [[f"liver-{i:03d}" for i in range(lo, lo + 5)] for lo in (1, 6, 11, 16)],
}


@dataclass
class VolumeCase:
    """One image volume and its label file."""

    case_id: str
    image: Path
    label: Path | None


def standard_kfold(name: str) -> dict:
    """A :data:`STANDARD_FOLDS` entry as a :func:`.splits.kfold_cases`-style dict (val = the held-out fold)."""
    if name not in STANDARD_FOLDS:
        raise OrgansegInputError(f"unknown standard folds {name!r}; choose from {sorted(STANDARD_FOLDS)}")
    folds = STANDARD_FOLDS[name]
    return {"k": len(folds), "seed": None, "test": [], "val_fold": {c: i for i, f in enumerate(folds) for c in f}}


def _series_dir(case_dir: Path) -> Path:
    """The one folder under ``case_dir`` holding DICOM files, recognised by content (TCIA nests study/series
    folders and names files by UID, e.g. ``1-001.dcm`` or ``CT.1.3.12.2.1107.5.1.4.16573``)."""
    dirs = sorted({p.parent for p in case_dir.rglob("*") if p.is_file() and not is_hidden_junk(p)
                   and is_dicom_file(p)})
    if not dirs:
        raise OrgansegInputError(f"{case_dir}: no DICOM files")
    if len(dirs) > 1:
        raise OrgansegInputError(f"{case_dir}: {len(dirs)} folders with DICOM files ({dirs[0]}, {dirs[1]}, ...): "
                                 "mixed series, keep one per case")
    return dirs[0]


def _detect(root: Path) -> str:
    if (root / "dataset.json").is_file() or (root / "imagesTr").is_dir():
        return "msd"
    if any(root.rglob("liver-orig*.mhd")):
        return "sliver07"
    return "nih"


def find_volume_cases(root: str | os.PathLike, layout: str = "auto",
                      report: ConversionReport | None = None) -> tuple[str, list[VolumeCase]]:
    """List the cases of a dataset folder.

    Returns:
        ``(layout, cases)`` sorted by case id; a case without a label has ``label=None``.

    Raises:
        OrgansegInputError: Unknown layout, no cases, a broken ``dataset.json``.
    """
    root_p = require_dir(root, "volume dataset folder")
    if layout not in LAYOUTS:
        raise OrgansegInputError(f"layout must be one of {LAYOUTS}, got {layout!r}")
    kind = _detect(root_p) if layout == "auto" else layout
    cases: list[VolumeCase] = []
    if kind == "msd":
        ds_json = root_p / "dataset.json"
        entries = []
        if ds_json.is_file():
            try:
                doc = json.loads(ds_json.read_text(encoding="utf-8"))
                entries = [(root_p / e["image"], root_p / e["label"]) for e in doc.get("training", [])]
            except (ValueError, KeyError, TypeError) as exc:
                raise OrgansegInputError(f"{ds_json}: cannot read the training list ({exc})") from exc
        else:
            entries = [(p, root_p / "labelsTr" / p.name) for p in sorted((root_p / "imagesTr").iterdir())]
        for img, lab in entries:
            if is_hidden_junk(img):
                continue
            cases.append(VolumeCase(volume_stem(img), img.resolve() if img.exists() else img, lab if lab.exists() else None))
    elif kind == "sliver07":
        labels = {m.group(1): p for p in root_p.rglob("liver-seg*.mhd")
                  if not is_hidden_junk(p) and (m := re.search(r"liver-seg(\d+)", p.name))}
        for p in sorted(root_p.rglob("liver-orig*.mhd")):
            m = re.search(r"liver-orig(\d+)", p.name)
            if m and not is_hidden_junk(p):
                cases.append(VolumeCase(f"liver-{m.group(1)}", p, labels.get(m.group(1))))
    else:
        labels = {int(m.group(1)): p for p in root_p.rglob("label*.nii*")
                  if not is_hidden_junk(p) and (m := re.match(r"label(\d+)\.nii", p.name))}
        for d in sorted(p for p in root_p.rglob("PANCREAS_*") if p.is_dir()):
            m = re.fullmatch(r"PANCREAS_(\d+)", d.name)
            if not m:
                continue
            try:
                cases.append(VolumeCase(d.name, _series_dir(d), labels.get(int(m.group(1)))))
            except OrgansegInputError as exc:
                if report is None:
                    raise
                report.error(d, str(exc).split(": ", 1)[-1])
    if not cases and (report is None or report.ok):
        raise OrgansegInputError(f"{root_p}: no {kind} cases found (see the layouts in "
                                 "organseg_plugins.core.converters.ct_volumes)")
    return kind, sorted(cases, key=lambda c: c.case_id)


def organ_slices(mask: np.ndarray, margin: int) -> np.ndarray:
    """Indices of the slices within ``margin`` slices of a slice with organ (all slices if the mask is empty).

    Example: organ on slices 5..7 of 12, margin 2 -> slices 3..9.
    """
    has = np.asarray(mask).reshape(mask.shape[0], -1).any(axis=1)
    if not has.any():
        return np.arange(mask.shape[0])
    idx = np.flatnonzero(has)
    keep = np.zeros_like(has)
    for i in idx.tolist():
        keep[max(0, i - margin): i + margin + 1] = True
    return np.flatnonzero(keep)


def _fmt(v: float) -> str:
    return f"{float(v):.6f}".rstrip("0").rstrip(".")


@dataclass(frozen=True)
class _CaseJob:
    """What :func:`_convert_cases` needs besides the cases (the options of :func:`convert_ct_volumes`)."""

    root: Path
    out: Path
    dry_run: bool
    split: str
    assignment: Mapping[str, str] | None
    labels: Sequence[int] | None
    organ_margin: int | None
    select_splits: tuple[str, ...]
    category: str
    window: tuple[float, float]


def _convert_cases(job: _CaseJob, cases: Sequence[VolumeCase]) -> tuple[ConversionReport, list[LayoutEntry]]:
    """The per-case loop (one worker's task, one case at a time: one volume in memory): read, window and
    write each slice's PNGs; return the report and the layout entries the caller merges in case order."""
    root_p, split, assignment, labels = job.root, job.split, job.assignment, job.labels
    organ_margin, select_splits, category, (lo, hi) = job.organ_margin, job.select_splits, job.category, job.window
    report = ConversionReport(dry_run=job.dry_run)
    writer = MMSegLayoutWriter(job.out, job.dry_run)
    for case in cases:
        try:
            sp, _ = split_for_name(case.case_id, split, assignment, None, case_id=case.case_id)
            if case.label is None:
                raise OrgansegInputError(f"{case.image}: no label file for case {case.case_id}")
            image = read_volume(case.image)
            label = read_label_volume(case.label, labels, like=image)
        except OrgansegInputError as exc:
            msg = str(exc)
            src = str(case.image)
            report.error(case.image, msg[len(src) + 2:] if msg.startswith(src + ": ") else msg)
            report.skipped += 1
            continue
        for note in image.warnings:
            path, _, msg = note.partition(": ")
            report.warn(path, msg)
        mask = label.array
        if not mask.any():
            report.warn(case.label, f"empty label volume (no {category} voxel): all slices converted, empty masks")
        keep = (organ_slices(mask, int(organ_margin)) if organ_margin is not None and sp in select_splits
                else np.arange(image.shape[0]))
        sz, sy, sx = image.spacing
        iso = abs(sy - sx) <= 1e-6 * max(sy, sx)
        common = {
            "case_id": case.case_id, "num_slices": image.shape[0], "spacing_mm": _fmt(sy) if iso else "",
            "spacing_row_mm": _fmt(sy), "spacing_col_mm": _fmt(sx), "spacing_z_mm": _fmt(sz),
            "window_lo_hu": _fmt(lo), "window_hi_hu": _fmt(hi), "height": image.shape[1], "width": image.shape[2],
            "origin": " ".join(_fmt(v) for v in image.origin), "direction": " ".join(_fmt(v) for v in image.direction),
            "storage_direction": " ".join(_fmt(v) for v in (image.storage_direction or image.direction)),
            "source_file": Path(case.image).relative_to(root_p).as_posix() if Path(case.image).is_relative_to(root_p) else str(case.image),
            "label_file": Path(case.label).relative_to(root_p).as_posix() if Path(case.label).is_relative_to(root_p) else str(case.label),
        }
        for k in keep.tolist():
            stem = f"{safe_stem(case.case_id)}_s{k:04d}"
            grey = apply_window(image.array[k], (lo + hi) / 2.0, hi - lo)  # slice by slice: no float64 volume
            writer.add(sp, stem, grey, mask[k], {**common, "slice_index": k, "has_organ": int(mask[k].any())})
            report.converted += 1
            progress_tick(1.0 / len(keep))
    return report, writer.entries


def convert_ct_volumes(
    root: str | os.PathLike,
    out_dir: str | os.PathLike,
    layout: str = "auto",
    window: Sequence[float] | str = "pancreas",
    split: str = "train",
    assignment: Mapping[str, str] | None = None,
    category: str = "pancreas",
    labels: Sequence[int] | None = None,
    organ_margin: int | None = None,
    select_splits: Sequence[str] = ("train",),
    overwrite: bool = False,
    dry_run: bool = False,
    progress: bool = True,
    workers: int | None = 1,
) -> ConversionReport:
    """Convert every volume of a dataset folder into windowed 8-bit PNG slices + 0/1 masks.

    Cases run on ``workers`` processes (:func:`organseg_plugins.core.parallel.map_cases`), one volume in
    memory per worker; each worker writes its slices' PNG files, and this process merges the rows,
    COCO images and report lines in case order, so every output file is the same for any ``workers``.

    Args:
        root: Dataset folder (see the layouts in the module docstring).
        out_dir: Output folder (outside ``root``; empty unless ``overwrite``).
        layout: ``auto``, ``nih``, ``sliver07`` or ``msd``.
        window: ``(lo, hi)`` in HU or a :data:`CT_WINDOWS` name.
        split: Split of every case without an ``assignment``.
        assignment: ``{case_id: split}`` (e.g. one fold of :data:`STANDARD_FOLDS`).
        category: COCO category name.
        labels: Label values counted as the organ (default: labels must be 0/1).
        organ_margin: If given, the ``select_splits`` keep only organ slices +- this many slices.
        select_splits: Splits to which ``organ_margin`` applies.
        overwrite: Allow a non-empty output folder.
        dry_run: Read and validate everything; write nothing.
        progress: Show a progress bar (volumes, with the time left).
        workers: Processes (``None`` or 0: one per core; 1: this process).

    Returns:
        The :class:`ConversionReport` (``extra``: slices per split, cases, layout; ``resources``: each
        worker's memory).

    Raises:
        OrgansegInputError: Bad root, output folder, window or layout (whole-run problems); per-case
            problems are reported and the case skipped.
    """
    if isinstance(window, str):
        if window not in CT_WINDOWS:
            raise OrgansegInputError(f"unknown window {window!r}; give (lo, hi) HU or one of {sorted(CT_WINDOWS)}")
        window = CT_WINDOWS[window]
    lo, hi = (float(v) for v in window)
    if not (np.isfinite(lo) and np.isfinite(hi)) or hi <= lo:
        raise OrgansegInputError(f"HU window must be finite with lo < hi, got [{lo:g}, {hi:g}]")
    if organ_margin is not None and int(organ_margin) < 0:
        raise OrgansegInputError(f"organ margin must be >= 0 slices, got {organ_margin}")
    root_p = require_dir(root, "volume dataset folder")
    out = Path(out_dir)
    check_output_dir(out, [root_p], overwrite=overwrite or dry_run)
    report = ConversionReport(dry_run=dry_run)
    kind, cases = find_volume_cases(root_p, layout, report)
    writer = MMSegLayoutWriter(out, dry_run)
    job = _CaseJob(root_p, out, dry_run, split, assignment, labels, organ_margin, tuple(select_splits), category,
                   (lo, hi))
    for part, entries in map_cases(partial(_convert_cases, job), [[case] for case in cases], workers,
                                   progress=progress, desc="volumes->png", unit="volume", decimals=1,
                                   stats=report.resources):
        report.merge(part)
        writer.merge(entries)
    if writer.rows:
        writer.finish(CT_VOLUME_META_COLUMNS, [{"id": 1, "name": category}],
                      info={"description": f"organseg_plugins CT volumes ({kind}) {category} {{split}}"})
    report.outputs += writer.outputs
    report.extra["layout"] = kind
    report.extra["cases"] = len(cases)
    report.extra["slices per split"] = writer.images_per_split()
    return report
