"""DICOM CT series -> 8-bit PNG slices with a HU window, aligned 0/1 masks, spacing in a CSV.

Sattari et al. 2025, "Liver margin segmentation in abdominal CT images using U-Net and Detectron2", Sci Rep trains on 512x512 slices of 25 CT cases, "per case
a folder of CT images and one of masks"; its U-Net takes 8-bit grey images, so the DICOM values
must be turned into Hounsfield units and windowed. This module does that:

* **HU**: ``HU = stored value * RescaleSlope + RescaleIntercept`` (DICOM PS3.3 C.11.1; slope 1 and
  intercept 0 when absent, with a warning; a Modality LUT Sequence is applied with pydicom).
* **Window** (:func:`apply_window`): with level ``L`` and width ``W``,
  ``grey = round(255 * clip((HU - (L - W/2)) / W, 0, 1))``. This is the plain linear window; it
  differs from DICOM's VOI LUT formula (C.11.2.1.2, which uses ``W - 1`` and a half-unit offset) by
  less than one grey level for usual widths. Default **W 400 / L 50** (the abdominal soft-tissue
  window: liver parenchyma, about 50-70 HU unenhanced and 100-150 HU portal-venous, stays well inside
  [-150, 250] HU and fat/air go dark); ``WINDOW_PRESETS`` adds a narrow ``liver`` window (W 160 /
  L 60) and others; ``window_from_file`` uses each file's WindowCenter/WindowWidth.
* **Geometry**: slices are ordered by their position along the slice normal (ImagePositionPatient
  projected on the cross product of the ImageOrientationPatient directions), else by
  InstanceNumber, else by file name. PixelSpacing (row, column) and SliceThickness go to the CSV;
  gaps in the positions (> 1.5x the typical step) are reported as possibly missing slices.
* **Masks**, per case, from ``masks/``: one DICOM per slice (aligned by slice position, or by
  InstanceNumber when positions are missing), PNG files (aligned by the image file's stem), or a
  multi-frame **DICOM-SEG** (frames aligned by their referenced SOP Instance UID, else by position;
  a slice without a SEG frame has an empty mask, since SEG writers omit empty frames).
  Every mismatch is reported per file: an image slice without a mask, a mask matching no slice, two
  masks for one slice, a size mismatch, an unreadable file.

Layout written by :func:`convert_dicom_cases`::

    OUT/img_dir/{split}/<case>_<k>.png    8-bit windowed slice (k = 4-digit position in the sorted series)
    OUT/ann_dir/{split}/<case>_<k>.png    0/1 mask
    OUT/meta.csv                           DICOM_META_COLUMNS, one row per slice
    OUT/annotations/instances_{split}.json COCO instances (one RLE annotation per non-empty mask)

pydicom is imported lazily (it is only needed here and in :mod:`.spleen`).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import OrgansegInputError
from ..io.dicom import (
    DEFAULT_WINDOW_LEVEL,
    DEFAULT_WINDOW_WIDTH,
    DicomSlice,
    SegFrames,
    apply_window,
    dataset_to_hu,
    is_seg,
    pixel_array,
    read_dicom,
    read_dicom_seg,
    slice_from_dataset,
    slice_normal,
    sort_slices,
)
from ..io.images import IMAGE_EXTS, read_image_file
from ..io.layout import MMSegLayoutWriter
from ..io.paths import check_output_dir, list_files, require_dir, safe_stem
from ..io.validate import as_binary_mask
from .cases import split_for_name
from .report import ConversionReport, progress_iter

__all__ = [
    "DICOM_META_COLUMNS",
    "convert_dicom_cases",
]

DICOM_META_COLUMNS = (
    "filename", "split", "case_id", "slice_index", "instance_number", "slice_location_mm",
    "spacing_mm", "spacing_row_mm", "spacing_col_mm", "slice_thickness_mm",
    "window_level", "window_width", "height", "width", "source_file", "mask_file",
)


# --------------------------------------------------------------------------------------------
# alignment of masks to slices
# --------------------------------------------------------------------------------------------


@dataclass
class _MaskRef:
    kind: str  # "png", "dicom", "seg", "empty"
    path: Path | None = None
    seg: SegFrames | None = None
    frames: list[int] = field(default_factory=list)


def _nearest(locs: np.ndarray, value: float, tol: float) -> int | None:
    if locs.size == 0:
        return None
    i = int(np.argmin(np.abs(locs - value)))
    return i if abs(float(locs[i]) - value) <= tol else None


def _align_masks(
    slices: list[DicomSlice],
    mask_dir: Path,
    report: ConversionReport,
    segment: int | str | None,
    tol_mm: float,
    match: str,
) -> tuple[dict[int, _MaskRef], bool]:
    """Map slice index -> mask reference; report masks that match nothing or collide.

    Returns:
        ``(mapping, is_seg)`` where ``is_seg`` says the mask source is a DICOM-SEG.
    """
    files = list_files(mask_dir)
    pngs = [f for f in files if f.suffix.lower() in IMAGE_EXTS]
    others = [f for f in files if f.suffix.lower() not in IMAGE_EXTS]
    out: dict[int, _MaskRef] = {}
    if pngs and others:
        for f in others:
            report.error(f, f"{mask_dir} mixes image masks (PNG) and other files; only the PNG masks are used")
    if pngs:
        by_stem = {s.path.stem: i for i, s in enumerate(slices)}
        for f in pngs:
            i = by_stem.get(f.stem)
            if i is None:
                report.error(f, "mask matches no image slice (PNG masks must have the image file's stem)")
            elif i in out:
                report.error(f, f"second mask for slice {slices[i].path.name}")
            else:
                out[i] = _MaskRef("png", f)
        return out, False
    headers = []
    for f in others:
        try:
            headers.append((f, read_dicom(f, stop_before_pixels=True)))
        except OrgansegInputError as exc:
            report.error(f, str(exc).split(": ", 1)[-1])
    seg_files = [(f, ds) for f, ds in headers if is_seg(ds)]
    slice_files = [(f, ds) for f, ds in headers if not is_seg(ds)]
    if seg_files and slice_files:
        for f, _ in slice_files:
            report.error(f, "mask folder mixes a DICOM-SEG with per-slice masks; per-slice masks ignored")
        slice_files = []
    locs = np.array([s.location if s.location is not None else np.nan for s in slices], dtype=np.float64)
    has_loc = bool(slices) and bool(np.isfinite(locs).all())
    uid_index = {s.sop_uid: i for i, s in enumerate(slices) if s.sop_uid}
    for f, _ in seg_files:
        try:
            seg = read_dicom_seg(f, segment)
        except OrgansegInputError as exc:
            report.error(f, str(exc).split(": ", 1)[-1])
            continue
        for w in seg.warnings:
            report.warn(f, w)
        normal = slice_normal(seg.orientation) if seg.orientation is not None else None
        for k in range(seg.masks.shape[0]):
            i = uid_index.get(seg.ref_uids[k]) if seg.ref_uids[k] else None
            if i is None and seg.positions[k] is not None and has_loc:
                n = normal if normal is not None else slice_normal(slices[0].orientation or (1, 0, 0, 0, 1, 0))
                i = _nearest(locs, float(np.dot(n, seg.positions[k])), tol_mm)
            if i is None:
                report.error(f, f"SEG frame {k + 1} (referenced UID {seg.ref_uids[k]}, position "
                                f"{seg.positions[k]}) matches no image slice of the series")
                continue
            ref = out.setdefault(i, _MaskRef("seg", f, seg))
            if ref.kind != "seg" or ref.seg is not seg:
                report.error(f, f"SEG frame {k + 1} and {ref.path} both cover slice {slices[i].path.name}")
                continue
            ref.frames.append(k)
    if not slice_files:
        return out, bool(seg_files)
    mask_slices = []
    for f, ds in slice_files:
        try:
            mask_slices.append(slice_from_dataset(ds, f))
        except OrgansegInputError as exc:
            report.error(f, str(exc).split(": ", 1)[-1])
    use_pos = match == "position" or (match == "auto" and has_loc and all(m.location is not None for m in mask_slices))
    if not use_pos and not all(s.instance_number is not None for s in slices):
        for m in mask_slices:
            report.error(m.path, "cannot align: image slices lack ImagePositionPatient/Orientation or InstanceNumber")
        return out, False
    by_instance = {s.instance_number: i for i, s in enumerate(slices)}
    for m in mask_slices:
        if use_pos:
            if m.location is None:
                report.error(m.path, "mask has no ImagePositionPatient/Orientation to align by position")
                continue
            if m.orientation is not None and slices[0].orientation is not None and not np.allclose(
                m.orientation, slices[0].orientation, atol=1e-4
            ):
                report.error(m.path, "mask orientation differs from the image series")
                continue
            i = _nearest(locs, m.location, tol_mm)
            where = f"position {m.location:.3f} mm"
        else:
            i = by_instance.get(m.instance_number)
            where = f"InstanceNumber {m.instance_number}"
        if i is None:
            report.error(m.path, f"extra mask: no image slice at {where}")
        elif i in out:
            report.error(m.path, f"second mask for slice {slices[i].path.name} ({where}); first is {out[i].path}")
        else:
            out[i] = _MaskRef("dicom", m.path)
    return out, False


def _load_mask(ref: _MaskRef, mask_label: int | None) -> np.ndarray:
    if ref.kind == "png":
        assert ref.path is not None
        return as_binary_mask(read_image_file(ref.path), str(ref.path), label=mask_label, allow_255=True, ndim=(2,), grey_rgb=True)
    if ref.kind == "dicom":
        assert ref.path is not None
        ds = read_dicom(ref.path)
        arr = pixel_array(ds, str(ref.path))
        if arr.ndim == 3 and arr.shape[0] == 1:
            arr = arr[0]
        return as_binary_mask(arr, str(ref.path), label=mask_label, allow_255=True, ndim=(2,), grey_rgb=True)
    assert ref.seg is not None
    m = np.zeros(ref.seg.masks.shape[1:], np.uint8)
    for k in ref.frames:
        m |= ref.seg.masks[k]
    return m


# --------------------------------------------------------------------------------------------
# conversion
# --------------------------------------------------------------------------------------------


def _find_cases(root: Path, images_subdir: str) -> dict[str, Path]:
    if (root / images_subdir).is_dir():
        return {root.name: root}
    cases = {d.name: d for d in sorted(root.iterdir()) if d.is_dir() and (d / images_subdir).is_dir()}
    if not cases:
        raise OrgansegInputError(f"{root}: no case folders with an {images_subdir}/ sub-folder "
                                 f"(expected ROOT/<case>/{images_subdir}/*.dcm)")
    return cases


def _fmt(v: float | None, nd: int = 6) -> str:
    return "" if v is None else f"{v:.{nd}f}".rstrip("0").rstrip(".")


def convert_dicom_cases(
    root: str | os.PathLike,
    out_dir: str | os.PathLike,
    images_subdir: str = "images",
    masks_subdir: str = "masks",
    level: float = DEFAULT_WINDOW_LEVEL,
    width: float = DEFAULT_WINDOW_WIDTH,
    window_from_file: bool = False,
    split: str = "train",
    assignment: Mapping[str, str] | None = None,
    category: str = "liver",
    segment: int | str | None = None,
    mask_label: int | None = None,
    missing_mask: str = "error",
    images_only: bool = False,
    match: str = "auto",
    position_tol_mm: float = 0.01,
    overwrite: bool = False,
    dry_run: bool = False,
    progress: bool = True,
) -> ConversionReport:
    """Convert per-case DICOM series (+ masks) to windowed 8-bit PNG slices in the MMSeg layout.

    Input: ``ROOT/<case>/<images_subdir>/*`` (one single-frame DICOM per slice, any file name) and
    ``ROOT/<case>/<masks_subdir>/`` holding per-slice DICOM masks, PNG masks named like the image
    files, or a DICOM-SEG (see the module docstring). ``ROOT`` may also be one case folder.

    Args:
        root: Folder of case folders.
        out_dir: Output folder (outside ``root``; empty unless ``overwrite``).
        images_subdir: Name of the image series folder in each case.
        masks_subdir: Name of the mask folder in each case.
        level: Window level in HU (default 50).
        width: Window width in HU (default 400).
        window_from_file: Use each file's WindowCenter/WindowWidth (first value) when present.
        split: Split of every case when there is no ``assignment``.
        assignment: ``{case_id: split}`` from :mod:`.splits` (a case not in it is an error).
        category: COCO category name.
        segment: SEG segment number or label (needed if a SEG has several segments).
        mask_label: Foreground value of multi-label mask files.
        missing_mask: ``"error"`` (default: a slice without a per-slice mask is reported and
            skipped) or ``"empty"`` (it gets an empty mask, with a warning). Slices not covered by a
            SEG always get an empty mask (noted).
        images_only: Convert images only (no mask folders needed; no ann_dir/COCO).
        match: Per-slice DICOM mask alignment: ``"auto"`` (position if all slices have one, else
            InstanceNumber), ``"position"`` or ``"instance"``.
        position_tol_mm: Tolerance of the position match along the slice normal.
        overwrite: Allow a non-empty output folder.
        dry_run: Read and validate everything (pixels included); write nothing.
        progress: Show a progress bar.

    Returns:
        The :class:`ConversionReport` (``extra``: slices per split, cases).

    Raises:
        OrgansegInputError: Bad root, output folder, window or options (whole-run problems).
    """
    if missing_mask not in ("error", "empty"):
        raise OrgansegInputError(f"missing_mask must be 'error' or 'empty', got {missing_mask!r}")
    if match not in ("auto", "position", "instance"):
        raise OrgansegInputError(f"match must be auto/position/instance, got {match!r}")
    apply_window(np.zeros(1), level, width)  # validates the window
    root_p = require_dir(root, "DICOM root folder")
    out = Path(out_dir)
    check_output_dir(out, [root_p], overwrite=overwrite or dry_run)
    cases = _find_cases(root_p, images_subdir)
    report = ConversionReport(dry_run=dry_run)

    # ---- pass 1: headers, order, alignment (cheap)
    jobs: list[tuple[str, str, int, DicomSlice, _MaskRef | None, str]] = []
    for case, cdir in cases.items():
        try:
            sp, _ = split_for_name(case, split, assignment, None, case_id=case)
        except OrgansegInputError as exc:
            report.error(cdir, str(exc).split(": ", 1)[-1])
            report.skipped += len(list_files(cdir / images_subdir))
            continue
        slices: list[DicomSlice] = []
        for f in list_files(cdir / images_subdir):
            try:
                ds = read_dicom(f, stop_before_pixels=True)
                if is_seg(ds):
                    raise OrgansegInputError(f"{f}: a DICOM-SEG in the image folder (move it to {masks_subdir}/)")
                slices.append(slice_from_dataset(ds, f))
            except OrgansegInputError as exc:
                report.error(f, str(exc).split(": ", 1)[-1])
                report.skipped += 1
        if not slices:
            report.error(cdir / images_subdir, "no readable DICOM slices")
            continue
        slices, key = sort_slices(slices)
        if key == "filename":
            report.warn(cdir / images_subdir, "no positions or InstanceNumbers: slices ordered by file name")
        # duplicates and gaps (possibly missing slices)
        if key == "position":
            locs = np.array([s.location for s in slices], dtype=np.float64)
            steps = np.diff(locs)
            dup = np.flatnonzero(np.abs(steps) <= position_tol_mm)
            bad = {int(j) + 1 for j in dup}
            for j in sorted(bad):
                report.error(slices[j].path, f"same slice position as {slices[j - 1].path.name} "
                                             f"({locs[j]:.3f} mm): duplicate slice")
                report.skipped += 1
            slices = [s for j, s in enumerate(slices) if j not in bad]
            steps = np.diff(np.array([s.location for s in slices], dtype=np.float64))
            # the typical step: the median step, or the slice thickness for a 2-slice series
            typical = float(np.median(steps)) if steps.size >= 2 else (slices[0].thickness or 0.0)
            if steps.size >= 1 and typical > 0:
                for j in np.flatnonzero(steps > 1.5 * typical).tolist():
                    report.warn(slices[j + 1].path, f"gap of {steps[j]:.3f} mm after {slices[j].path.name} "
                                                    f"(typical step {typical:.3f} mm): missing slice(s)?")
        elif key == "instance":
            nums = np.array([s.instance_number for s in slices])
            for j in np.flatnonzero(np.diff(nums) == 0).tolist():
                report.error(slices[j + 1].path, f"duplicate InstanceNumber {nums[j + 1]}")
            for j in np.flatnonzero(np.diff(nums) > 1).tolist():
                report.warn(slices[j + 1].path, f"InstanceNumber jumps from {nums[j]} to {nums[j + 1]}: "
                                                "missing slice(s)?")
            dup = {j + 1 for j in np.flatnonzero(np.diff(nums) == 0).tolist()}
            report.skipped += len(dup)
            slices = [s for j, s in enumerate(slices) if j not in dup]
        masks: dict[int, _MaskRef] = {}
        seg_case = False
        if not images_only:
            mdir = cdir / masks_subdir
            if not mdir.is_dir():
                report.error(mdir, "mask folder does not exist (use images_only / --images-only for images alone)")
                report.skipped += len(slices)
                continue
            masks, seg_case = _align_masks(slices, mdir, report, segment, position_tol_mm, match)
        for idx, sl in enumerate(slices):
            ref = masks.get(idx)
            if not images_only and ref is None:
                if seg_case:
                    ref = _MaskRef("empty")
                    report.note("slice not covered by the DICOM-SEG: empty mask")
                elif missing_mask == "empty":
                    ref = _MaskRef("empty")
                    report.warn(sl.path, "no mask for this slice: empty mask written (missing_mask='empty')")
                else:
                    what = (f"InstanceNumber {sl.instance_number}" if sl.instance_number is not None else "")
                    if sl.location is not None:
                        what += f", position {sl.location:.3f} mm"
                    report.error(sl.path, f"no mask for this slice ({what.strip(', ')}) in {masks_subdir}/; skipped")
                    report.skipped += 1
                    continue
            jobs.append((case, sp, idx, sl, ref, key))

    # ---- pass 2: pixels
    writer = MMSegLayoutWriter(out, dry_run)
    warned_once: set[str] = set()
    for case, sp, idx, sl, ref, _key in progress_iter(jobs, progress, "dicom->png", len(jobs)):
        src = str(sl.path)
        try:
            ds = read_dicom(sl.path)
            hu, warns = dataset_to_hu(ds, src)
            for w in warns:
                if case not in warned_once:
                    report.warn(sl.path, w + " (reported once per case)")
                    warned_once.add(case)
            lv, wd = float(level), float(width)
            if window_from_file:
                wc, ww = ds.get("WindowCenter"), ds.get("WindowWidth")
                if wc is not None and ww is not None:
                    lv = float(wc[0] if isinstance(wc, Sequence) and not isinstance(wc, str) else wc)
                    wd = float(ww[0] if isinstance(ww, Sequence) and not isinstance(ww, str) else ww)
                else:
                    report.warn(sl.path, f"no WindowCenter/WindowWidth; default window L {lv:g} / W {wd:g} used")
            img = apply_window(hu, lv, wd)
            mask = None
            if ref is not None:
                mask = np.zeros(img.shape, np.uint8) if ref.kind == "empty" else _load_mask(ref, mask_label)
                if mask.shape != img.shape:
                    mname = ref.path if ref.path is not None else "mask"
                    raise OrgansegInputError(f"{src}: mask {mname} is {mask.shape[1]}x{mask.shape[0]}, "
                                             f"the image is {img.shape[1]}x{img.shape[0]} (size mismatch)")
                if ref.kind == "seg" and ref.seg is not None and ref.seg.spacing and sl.spacing and not np.allclose(
                    ref.seg.spacing, sl.spacing, rtol=1e-3
                ):
                    raise OrgansegInputError(f"{src}: SEG pixel spacing {ref.seg.spacing} differs from the "
                                             f"image's {sl.spacing}")
        except OrgansegInputError as exc:
            msg = str(exc)
            report.error(sl.path, msg[len(src) + 2:] if msg.startswith(src + ": ") else msg)
            report.skipped += 1
            continue
        if sl.spacing is None and f"nospacing:{case}" not in warned_once:
            report.warn(sl.path, "no PixelSpacing: spacing columns left empty (reported once per case)")
            warned_once.add(f"nospacing:{case}")
        stem = f"{safe_stem(case)}_{idx:04d}"
        h, w = img.shape
        iso = sl.spacing is not None and abs(sl.spacing[0] - sl.spacing[1]) <= 1e-6 * max(sl.spacing)
        writer.add(sp, stem, img, mask, {
            "case_id": case, "slice_index": idx,
            "instance_number": sl.instance_number, "slice_location_mm": _fmt(sl.location, 4),
            "spacing_mm": _fmt(sl.spacing[0]) if iso and sl.spacing else "",
            "spacing_row_mm": _fmt(sl.spacing[0]) if sl.spacing else "",
            "spacing_col_mm": _fmt(sl.spacing[1]) if sl.spacing else "",
            "slice_thickness_mm": _fmt(sl.thickness), "window_level": _fmt(lv), "window_width": _fmt(wd),
            "height": h, "width": w, "source_file": sl.path.relative_to(root_p).as_posix(),
            "mask_file": (ref.path.relative_to(root_p).as_posix() if ref is not None and ref.path is not None else ""),
        })
        report.converted += 1
    if writer.rows:
        cats = None if images_only else [{"id": 1, "name": category}]
        writer.finish(DICOM_META_COLUMNS, cats, info={"description": f"organseg_plugins DICOM {category} {{split}}"})
    report.outputs += writer.outputs
    report.extra["slices per split"] = writer.images_per_split()
    report.extra["cases"] = len(cases)
    return report
