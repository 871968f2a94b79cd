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
from functools import partial
from pathlib import Path
from typing import Any

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
from ..io.images import IMAGE_EXTS, MASK_IMAGE_EXTS, read_image_file
from ..io.layout import LayoutEntry, MMSegLayoutWriter
from ..io.masks import mask_stem
from ..io.paths import check_output_dir, list_files, require_dir, safe_stem
from ..io.validate import as_binary_mask
from ..io.volumes import canonical_slice
from ..parallel import map_cases, progress_tick
from .cases import split_for_name
from .report import ConversionReport, without_source

__all__ = [
    "DICOM_META_COLUMNS",
    "DicomConvertOptions",
    "convert_dicom_cases",
    "run_dicom_conversion",
]

DICOM_META_COLUMNS = (
    "filename", "split", "case_id", "slice_index", "instance_number", "slice_location_mm",
    "spacing_mm", "spacing_row_mm", "spacing_col_mm", "slice_thickness_mm",
    "window_level", "window_width", "height", "width", "source_file", "mask_file",
)


@dataclass(frozen=True)
class DicomConvertOptions:
    """What :func:`run_dicom_conversion` does besides its paths (defaults as :func:`convert_dicom_cases`).

    Attributes:
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
        missing_mask: ``"error"`` (a slice without a per-slice mask is reported and skipped) or
            ``"empty"`` (it gets an empty mask, with a warning).
        images_only: Convert images only (no mask folders needed; no ann_dir/COCO).
        match: Per-slice DICOM mask alignment: ``"auto"``, ``"position"`` or ``"instance"``.
        position_tol_mm: Tolerance of the position match along the slice normal.
        overwrite: Allow a non-empty output folder.
        dry_run: Read and validate everything (pixels included); write nothing.
        progress: Show a progress bar (slices, with the time left).
        workers: Processes converting cases in parallel (``None`` or 0: one per core; 1: this process).
    """

    images_subdir: str = "images"
    masks_subdir: str = "masks"
    level: float = DEFAULT_WINDOW_LEVEL
    width: float = DEFAULT_WINDOW_WIDTH
    window_from_file: bool = False
    split: str = "train"
    assignment: Mapping[str, str] | None = None
    category: str = "liver"
    segment: int | str | None = None
    mask_label: int | None = None
    missing_mask: str = "error"
    images_only: bool = False
    match: str = "auto"
    position_tol_mm: float = 0.01
    overwrite: bool = False
    dry_run: bool = False
    progress: bool = True
    workers: int | None = 1

    def validate(self) -> None:
        """Check the options that a whole run depends on.

        Raises:
            OrgansegInputError: Bad ``missing_mask``, ``match``, or window (level/width).
        """
        if self.missing_mask not in ("error", "empty"):
            raise OrgansegInputError(f"missing_mask must be 'error' or 'empty', got {self.missing_mask!r}")
        if self.match not in ("auto", "position", "instance"):
            raise OrgansegInputError(f"match must be auto/position/instance, got {self.match!r}")
        apply_window(np.zeros(1), self.level, self.width)  # validates the window


def _message(exc: Exception) -> str:
    """An error message without its leading ``"<file>: "`` (the report line names the file)."""
    return str(exc).split(": ", 1)[-1]


# --------------------------------------------------------------------------------------------
# alignment of masks to slices
# --------------------------------------------------------------------------------------------


@dataclass
class _MaskRef:
    kind: str  # "png", "dicom", "seg", "empty"
    path: Path | None = None
    seg: SegFrames | None = None
    frames: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class _SeriesIndex:
    """Look-up tables of one sorted image series, used to place masks on its slices."""

    slices: list[DicomSlice]
    locs: np.ndarray
    has_loc: bool
    by_uid: dict[str, int]
    by_instance: dict[int | None, int]

    @classmethod
    def of(cls, slices: list[DicomSlice]) -> _SeriesIndex:
        """Index ``slices`` by position along the normal, SOP Instance UID and InstanceNumber."""
        locs = np.array([s.location if s.location is not None else np.nan for s in slices], dtype=np.float64)
        return cls(
            slices=slices,
            locs=locs,
            has_loc=bool(slices) and bool(np.isfinite(locs).all()),
            by_uid={s.sop_uid: i for i, s in enumerate(slices) if s.sop_uid},
            by_instance={s.instance_number: i for i, s in enumerate(slices)},
        )


def _nearest(locs: np.ndarray, value: float, tol: float) -> int | None:
    if locs.size == 0:
        return None
    i = int(np.argmin(np.abs(locs - value)))
    return i if abs(float(locs[i]) - value) <= tol else None


def _align_masks(
    slices: list[DicomSlice],
    mask_dir: Path,
    report: ConversionReport,
    opts: DicomConvertOptions,
) -> tuple[dict[int, _MaskRef], bool]:
    """Map slice index -> mask reference; report masks that match nothing or collide.

    Args:
        slices: The case's image slices, sorted and without duplicates.
        mask_dir: The case's mask folder (PNG masks, per-slice DICOM masks or DICOM-SEG files).
        report: Receives one error per mask file that cannot be placed.
        opts: Conversion options (``segment``, ``position_tol_mm``, ``match``).

    Returns:
        ``(mapping, is_seg)`` where ``is_seg`` says the mask source is a DICOM-SEG.
    """
    files = list_files(mask_dir)
    pngs = [f for f in files if f.suffix.lower() in MASK_IMAGE_EXTS]
    others = [f for f in files if f.suffix.lower() not in MASK_IMAGE_EXTS]
    if pngs and others:
        for f in others:
            report.error(f, f"{mask_dir} mixes image masks (PNG) and other files; only the PNG masks are used")
    if pngs:
        return _align_png_masks(slices, pngs, report), False
    headers = _read_mask_headers(others, report)
    seg_files = [f for f, ds in headers if is_seg(ds)]
    slice_files = [(f, ds) for f, ds in headers if not is_seg(ds)]
    if seg_files and slice_files:
        for f, _ in slice_files:
            report.error(f, "mask folder mixes a DICOM-SEG with per-slice masks; per-slice masks ignored")
        slice_files = []
    index = _SeriesIndex.of(slices)
    out: dict[int, _MaskRef] = {}
    for f in seg_files:
        _align_seg_file(f, index, out, report, opts)
    if not slice_files:
        return out, bool(seg_files)
    _align_dicom_masks(index, slice_files, out, report, opts)
    return out, False


def _align_png_masks(slices: list[DicomSlice], pngs: list[Path], report: ConversionReport) -> dict[int, _MaskRef]:
    """Place PNG masks on the slices whose image file has the same stem.

    Args:
        slices: The sorted image slices.
        pngs: The PNG (or other image format) mask files.
        report: Receives an error for a mask without a slice and for a second mask of a slice.

    Returns:
        ``{slice index: mask reference}``.
    """
    # UID file names ("CT.1.3.12...16573") have no suffix: only ".dcm" is stripped from an image name
    by_stem = {s.path.name[:-4] if s.path.name.lower().endswith(".dcm") else s.path.name: i
               for i, s in enumerate(slices)}
    out: dict[int, _MaskRef] = {}
    for f in pngs:
        i = by_stem.get(f.stem if f.suffix.lower() in IMAGE_EXTS else mask_stem(f))
        if i is None:
            report.error(f, "mask matches no image slice (PNG masks must have the image file's stem)")
        elif i in out:
            report.error(f, f"second mask for slice {slices[i].path.name}")
        else:
            out[i] = _MaskRef("png", f)
    return out


def _read_mask_headers(files: list[Path], report: ConversionReport) -> list[tuple[Path, Any]]:
    """DICOM headers (no pixels) of the mask files; an unreadable file is reported and left out."""
    headers = []
    for f in files:
        try:
            headers.append((f, read_dicom(f, stop_before_pixels=True)))
        except OrgansegInputError as exc:
            report.error(f, _message(exc))
    return headers


def _align_seg_file(
    f: Path,
    index: _SeriesIndex,
    out: dict[int, _MaskRef],
    report: ConversionReport,
    opts: DicomConvertOptions,
) -> None:
    """Add the frames of one DICOM-SEG file to ``out`` (by referenced UID, else by position).

    Args:
        f: The SEG file.
        index: The image series it belongs to.
        out: ``{slice index: mask reference}``, updated in place.
        report: Receives the SEG's warnings and an error per frame that cannot be placed.
        opts: Conversion options (``segment``, ``position_tol_mm``).
    """
    try:
        seg = read_dicom_seg(f, opts.segment)
    except OrgansegInputError as exc:
        report.error(f, _message(exc))
        return
    for w in seg.warnings:
        report.warn(f, w)
    normal = slice_normal(seg.orientation) if seg.orientation is not None else None
    for k in range(seg.masks.shape[0]):
        i = _seg_frame_slice(seg, k, index, normal, opts.position_tol_mm)
        if i is None:
            report.error(f, f"SEG frame {k + 1} (referenced UID {seg.ref_uids[k]}, position "
                            f"{seg.positions[k]}) matches no image slice of the series")
            continue
        ref = out.setdefault(i, _MaskRef("seg", f, seg))
        if ref.kind != "seg" or ref.seg is not seg:
            report.error(f, f"SEG frame {k + 1} and {ref.path} both cover slice {index.slices[i].path.name}")
            continue
        ref.frames.append(k)


def _seg_frame_slice(
    seg: SegFrames, k: int, index: _SeriesIndex, normal: np.ndarray | None, tol_mm: float
) -> int | None:
    """Slice index of SEG frame ``k``: its referenced SOP Instance UID, else its position (or None).

    Args:
        seg: The SEG frames.
        k: Frame number (0-based).
        index: The image series.
        normal: Slice normal of the SEG's orientation (None: that of the first image slice).
        tol_mm: Position tolerance along the normal.

    Returns:
        The slice index, or ``None`` when the frame matches no slice.
    """
    i = index.by_uid.get(seg.ref_uids[k]) if seg.ref_uids[k] else None
    if i is None and seg.positions[k] is not None and index.has_loc:
        n = normal if normal is not None else slice_normal(index.slices[0].orientation or (1, 0, 0, 0, 1, 0))
        i = _nearest(index.locs, float(np.dot(n, seg.positions[k])), tol_mm)
    return i


def _align_dicom_masks(
    index: _SeriesIndex,
    slice_files: list[tuple[Path, Any]],
    out: dict[int, _MaskRef],
    report: ConversionReport,
    opts: DicomConvertOptions,
) -> None:
    """Add per-slice DICOM masks to ``out``, aligned by position or InstanceNumber (``opts.match``).

    Args:
        index: The image series.
        slice_files: ``(file, header)`` of the per-slice mask files.
        out: ``{slice index: mask reference}``, updated in place.
        report: Receives an error per mask that cannot be placed, is extra, or is a second mask.
        opts: Conversion options (``match``, ``position_tol_mm``).
    """
    mask_slices = []
    for f, ds in slice_files:
        try:
            mask_slices.append(slice_from_dataset(ds, f))
        except OrgansegInputError as exc:
            report.error(f, _message(exc))
    use_pos = opts.match == "position" or (
        opts.match == "auto" and index.has_loc and all(m.location is not None for m in mask_slices))
    if not use_pos and not all(s.instance_number is not None for s in index.slices):
        for m in mask_slices:
            report.error(m.path, "cannot align: image slices lack ImagePositionPatient/Orientation or InstanceNumber")
        return
    for m in mask_slices:
        try:
            i, where = _dicom_mask_slice(m, index, use_pos, opts.position_tol_mm)
        except OrgansegInputError as exc:
            report.error(m.path, str(exc))
            continue
        if i is None:
            report.error(m.path, f"extra mask: no image slice at {where}")
        elif i in out:
            report.error(m.path, f"second mask for slice {index.slices[i].path.name} ({where}); first is {out[i].path}")
        else:
            out[i] = _MaskRef("dicom", m.path)


def _dicom_mask_slice(m: DicomSlice, index: _SeriesIndex, use_pos: bool, tol_mm: float) -> tuple[int | None, str]:
    """Slice index of one per-slice DICOM mask and a description of where it was looked for.

    Args:
        m: Header facts of the mask file.
        index: The image series.
        use_pos: Align by position along the normal (else by InstanceNumber).
        tol_mm: Position tolerance.

    Returns:
        ``(slice index or None, "position ... mm" / "InstanceNumber ...")``.

    Raises:
        OrgansegInputError: The mask has no position, or another orientation than the series (the
            message is the report line, without the file name).
    """
    if not use_pos:
        return index.by_instance.get(m.instance_number), f"InstanceNumber {m.instance_number}"
    if m.location is None:
        raise OrgansegInputError("mask has no ImagePositionPatient/Orientation to align by position")
    first = index.slices[0].orientation
    if m.orientation is not None and first is not None and not np.allclose(m.orientation, first, atol=1e-4):
        raise OrgansegInputError("mask orientation differs from the image series")
    return _nearest(index.locs, m.location, tol_mm), f"position {m.location:.3f} mm"


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
# pass 1: scan the cases (headers, order, alignment)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _SliceJob:
    """One slice to convert in pass 2: its case, split, index in the sorted series and mask."""

    case: str
    split: str
    index: int
    slice: DicomSlice
    mask: _MaskRef | None


def _find_cases(root: Path, images_subdir: str) -> dict[str, Path]:
    if (root / images_subdir).is_dir():
        return {root.name: root}
    cases = {d.name: d for d in sorted(root.iterdir()) if d.is_dir() and (d / images_subdir).is_dir()}
    if not cases:
        raise OrgansegInputError(f"{root}: no case folders with an {images_subdir}/ sub-folder "
                                 f"(expected ROOT/<case>/{images_subdir}/*.dcm)")
    return cases


def _scan_case(case: str, cdir: Path, opts: DicomConvertOptions, report: ConversionReport) -> list[_SliceJob]:
    """Pass 1 for one case: split, slice headers, order, duplicates and gaps, mask alignment.

    Args:
        case: Case id (the folder name).
        cdir: The case folder.
        opts: Conversion options.
        report: Receives every per-file problem (and the skipped counts).

    Returns:
        The case's slices to convert, in series order (empty if the case cannot be converted).
    """
    images = cdir / opts.images_subdir
    try:
        sp, _ = split_for_name(case, opts.split, opts.assignment, None, case_id=case)
    except OrgansegInputError as exc:
        report.error(cdir, _message(exc))
        report.skipped += len(list_files(images))
        return []
    slices = _read_slice_headers(images, opts.masks_subdir, report)
    if not slices:
        report.error(images, "no readable DICOM slices")
        return []
    slices = _order_slices(slices, images, opts.position_tol_mm, report)
    if opts.images_only:
        return [_SliceJob(case, sp, idx, sl, None) for idx, sl in enumerate(slices)]
    mdir = cdir / opts.masks_subdir
    if not mdir.is_dir():
        report.error(mdir, "mask folder does not exist (use images_only / --images-only for images alone)")
        report.skipped += len(slices)
        return []
    masks, seg_case = _align_masks(slices, mdir, report, opts)
    return _pair_masks(case, sp, slices, masks, seg_case, opts, report)


def _read_slice_headers(images: Path, masks_subdir: str, report: ConversionReport) -> list[DicomSlice]:
    """Header facts of every file of an image folder; a bad file (or a SEG) is reported and skipped.

    Args:
        images: The case's image folder.
        masks_subdir: Mask folder name (named in the error for a SEG found among the images).
        report: Receives one error and one skip per unusable file.

    Returns:
        The readable slices, in file order.
    """
    slices: list[DicomSlice] = []
    for f in list_files(images):
        try:
            ds = read_dicom(f, stop_before_pixels=True)
            if is_seg(ds):
                raise OrgansegInputError(f"{f}: a DICOM-SEG in the image folder (move it to {masks_subdir}/)")
            slices.append(slice_from_dataset(ds, f))
        except OrgansegInputError as exc:
            report.skip(f, _message(exc))
    return slices


def _order_slices(
    slices: list[DicomSlice], images: Path, tol_mm: float, report: ConversionReport
) -> list[DicomSlice]:
    """Sort the series; drop (and report) duplicate slices; warn about gaps.

    Args:
        slices: The case's slices.
        images: The image folder (named in the warning when slices are ordered by file name).
        tol_mm: Positions closer than this are the same slice.
        report: Receives the duplicates (errors, skipped) and gaps (warnings).

    Returns:
        The sorted slices without duplicates.
    """
    slices, key = sort_slices(slices)
    if key == "filename":
        report.warn(images, "no positions or InstanceNumbers: slices ordered by file name")
    if key == "position":
        return _check_positions(slices, tol_mm, report)
    if key == "instance":
        return _check_instance_numbers(slices, report)
    return slices


def _check_positions(slices: list[DicomSlice], tol_mm: float, report: ConversionReport) -> list[DicomSlice]:
    """Drop slices at the position of the previous one (reported); warn about gaps (missing slices).

    Args:
        slices: Slices sorted by position along the normal.
        tol_mm: Positions closer than this are duplicates.
        report: Receives one error (and skip) per duplicate and one warning per gap.

    Returns:
        The slices without duplicates.
    """
    locs = np.array([s.location for s in slices], dtype=np.float64)
    bad = {int(j) + 1 for j in np.flatnonzero(np.abs(np.diff(locs)) <= tol_mm)}
    for j in sorted(bad):
        report.skip(slices[j].path, f"same slice position as {slices[j - 1].path.name} "
                                    f"({locs[j]:.3f} mm): duplicate slice")
    slices = [s for j, s in enumerate(slices) if j not in bad]
    steps = np.diff(np.array([s.location for s in slices], dtype=np.float64))
    # the typical step: the median step, or the slice thickness for a 2-slice series
    typical = float(np.median(steps)) if steps.size >= 2 else (slices[0].thickness or 0.0)
    if steps.size >= 1 and typical > 0:
        for j in np.flatnonzero(steps > 1.5 * typical).tolist():
            report.warn(slices[j + 1].path, f"gap of {steps[j]:.3f} mm after {slices[j].path.name} "
                                            f"(typical step {typical:.3f} mm): missing slice(s)?")
    return slices


def _check_instance_numbers(slices: list[DicomSlice], report: ConversionReport) -> list[DicomSlice]:
    """Drop slices repeating the previous InstanceNumber (reported); warn about jumps.

    Args:
        slices: Slices sorted by InstanceNumber.
        report: Receives one error per duplicate, one warning per jump, and the skipped count.

    Returns:
        The slices without duplicates.
    """
    nums = np.array([s.instance_number for s in slices])
    for j in np.flatnonzero(np.diff(nums) == 0).tolist():
        report.error(slices[j + 1].path, f"duplicate InstanceNumber {nums[j + 1]}")
    for j in np.flatnonzero(np.diff(nums) > 1).tolist():
        report.warn(slices[j + 1].path, f"InstanceNumber jumps from {nums[j]} to {nums[j + 1]}: "
                                        "missing slice(s)?")
    dup = {j + 1 for j in np.flatnonzero(np.diff(nums) == 0).tolist()}
    report.skipped += len(dup)
    return [s for j, s in enumerate(slices) if j not in dup]


def _pair_masks(
    case: str,
    sp: str,
    slices: list[DicomSlice],
    masks: dict[int, _MaskRef],
    seg_case: bool,
    opts: DicomConvertOptions,
    report: ConversionReport,
) -> list[_SliceJob]:
    """Jobs of a case's slices with their masks; a slice without one follows ``opts.missing_mask``.

    Args:
        case: Case id.
        sp: The case's split.
        slices: The sorted slices.
        masks: ``{slice index: mask reference}`` from :func:`_align_masks`.
        seg_case: The masks come from a DICOM-SEG (an uncovered slice is empty, not missing).
        opts: Conversion options (``missing_mask``, ``masks_subdir``).
        report: Receives the missing masks (error and skip, warning, or note).

    Returns:
        The jobs, in series order.
    """
    jobs = []
    for idx, sl in enumerate(slices):
        ref = masks.get(idx)
        if ref is None:
            ref = _missing_mask(sl, seg_case, opts, report)
            if ref is None:
                continue
        jobs.append(_SliceJob(case, sp, idx, sl, ref))
    return jobs


def _missing_mask(
    sl: DicomSlice, seg_case: bool, opts: DicomConvertOptions, report: ConversionReport
) -> _MaskRef | None:
    """An empty mask for a slice without one (noted or warned), or ``None`` (reported and skipped)."""
    if seg_case:
        report.note("slice not covered by the DICOM-SEG: empty mask")
        return _MaskRef("empty")
    if opts.missing_mask == "empty":
        report.warn(sl.path, "no mask for this slice: empty mask written (missing_mask='empty')")
        return _MaskRef("empty")
    what = (f"InstanceNumber {sl.instance_number}" if sl.instance_number is not None else "")
    if sl.location is not None:
        what += f", position {sl.location:.3f} mm"
    report.skip(sl.path, f"no mask for this slice ({what.strip(', ')}) in {opts.masks_subdir}/; skipped")
    return None


# --------------------------------------------------------------------------------------------
# pass 2: pixels, window, masks -> the mmseg layout
# --------------------------------------------------------------------------------------------


def _fmt(v: float | None, nd: int = 6) -> str:
    return "" if v is None else f"{v:.{nd}f}".rstrip("0").rstrip(".")


def _first_value(v: Any) -> float:
    """A DICOM value as a float, the first one of a multi-valued element."""
    return float(v[0] if isinstance(v, Sequence) and not isinstance(v, str) else v)


def _slice_window(ds: Any, opts: DicomConvertOptions, report: ConversionReport, path: Path) -> tuple[float, float]:
    """``(level, width)`` for one slice: the options', or the file's with ``window_from_file``.

    Args:
        ds: The slice's dataset.
        opts: Conversion options (``level``, ``width``, ``window_from_file``).
        report: Receives a warning when the file has no window of its own.
        path: The slice file (named in the warning).

    Returns:
        The window level and width in HU.
    """
    lv, wd = float(opts.level), float(opts.width)
    if not opts.window_from_file:
        return lv, wd
    wc, ww = ds.get("WindowCenter"), ds.get("WindowWidth")
    if wc is None or ww is None:
        report.warn(path, f"no WindowCenter/WindowWidth; default window L {lv:g} / W {wd:g} used")
        return lv, wd
    return _first_value(wc), _first_value(ww)


def _slice_mask(job: _SliceJob, shape: tuple[int, ...], mask_label: int | None) -> np.ndarray:
    """The 0/1 mask of a job, checked against the image size (and the SEG's pixel spacing).

    Args:
        job: The slice and its mask reference (not None).
        shape: The windowed image's shape.
        mask_label: Foreground value of multi-label mask files.

    Returns:
        The HxW uint8 mask.

    Raises:
        OrgansegInputError: Unreadable mask, size mismatch, or a SEG spacing unlike the image's.
    """
    ref, sl, src = job.mask, job.slice, str(job.slice.path)
    assert ref is not None
    mask = np.zeros(shape, np.uint8) if ref.kind == "empty" else _load_mask(ref, mask_label)
    if mask.shape != shape:
        mname = ref.path if ref.path is not None else "mask"
        raise OrgansegInputError(f"{src}: mask {mname} is {mask.shape[1]}x{mask.shape[0]}, "
                                 f"the image is {shape[1]}x{shape[0]} (size mismatch)")
    if ref.kind == "seg" and ref.seg is not None and ref.seg.spacing and sl.spacing and not np.allclose(
        ref.seg.spacing, sl.spacing, rtol=1e-3
    ):
        raise OrgansegInputError(f"{src}: SEG pixel spacing {ref.seg.spacing} differs from the "
                                 f"image's {sl.spacing}")
    return mask


def _load_slice(
    job: _SliceJob, opts: DicomConvertOptions, report: ConversionReport, warned: set[str]
) -> tuple[np.ndarray, np.ndarray | None, tuple[float, float]]:
    """Read one slice's pixels, convert to HU, window it, and load its mask.

    Args:
        job: The slice to convert.
        opts: Conversion options.
        report: Receives the HU warnings (once per case) and the window warning.
        warned: Cases already warned about (updated).

    Returns:
        ``(8-bit image, 0/1 mask or None, (level, width))``.

    Raises:
        OrgansegInputError: Unreadable pixels or mask, size or spacing mismatch.
    """
    sl = job.slice
    ds = read_dicom(sl.path)
    hu, warns = dataset_to_hu(ds, str(sl.path))
    for w in warns:
        if job.case not in warned:
            report.warn(sl.path, w + " (reported once per case)")
            warned.add(job.case)
    window = _slice_window(ds, opts, report, sl.path)
    img = apply_window(hu, *window)
    mask = None if job.mask is None else _slice_mask(job, img.shape, opts.mask_label)
    # the one canonical orientation (LPS, core/io/volumes.py): the same slice as the volume readers give
    img = canonical_slice(img, sl.orientation)
    mask = None if mask is None else canonical_slice(mask, sl.orientation)
    return img, mask, window


def _meta_row(job: _SliceJob, window: tuple[float, float], shape: tuple[int, ...], root: Path) -> dict[str, Any]:
    """The ``meta.csv`` values of one slice (besides ``filename`` and ``split``).

    Args:
        job: The converted slice.
        window: ``(level, width)`` used.
        shape: The image's ``(height, width)``.
        root: The DICOM root (file names are written relative to it).

    Returns:
        The row, keyed by :data:`DICOM_META_COLUMNS`.
    """
    sl, ref = job.slice, job.mask
    h, w = shape
    iso = sl.spacing is not None and abs(sl.spacing[0] - sl.spacing[1]) <= 1e-6 * max(sl.spacing)
    return {
        "case_id": job.case, "slice_index": job.index,
        "instance_number": sl.instance_number, "slice_location_mm": _fmt(sl.location, 4),
        "spacing_mm": _fmt(sl.spacing[0]) if iso and sl.spacing else "",
        "spacing_row_mm": _fmt(sl.spacing[0]) if sl.spacing else "",
        "spacing_col_mm": _fmt(sl.spacing[1]) if sl.spacing else "",
        "slice_thickness_mm": _fmt(sl.thickness), "window_level": _fmt(window[0]), "window_width": _fmt(window[1]),
        "height": h, "width": w, "source_file": sl.path.relative_to(root).as_posix(),
        "mask_file": (ref.path.relative_to(root).as_posix() if ref is not None and ref.path is not None else ""),
    }


def _write_slices(
    jobs: list[_SliceJob],
    root: Path,
    writer: MMSegLayoutWriter,
    opts: DicomConvertOptions,
    report: ConversionReport,
) -> None:
    """Pass 2: convert every job to a PNG slice (+ mask) and its ``meta.csv`` row.

    Args:
        jobs: The slices from pass 1.
        root: The DICOM root.
        writer: The layout writer (nothing is written in a dry run).
        opts: Conversion options.
        report: Receives the per-slice errors (skipped), warnings and the converted count.
    """
    warned: set[str] = set()
    for job in jobs:
        progress_tick()
        sl = job.slice
        try:
            img, mask, window = _load_slice(job, opts, report, warned)
        except OrgansegInputError as exc:
            report.skip(sl.path, without_source(exc, sl.path))
            continue
        if sl.spacing is None and f"nospacing:{job.case}" not in warned:
            report.warn(sl.path, "no PixelSpacing: spacing columns left empty (reported once per case)")
            warned.add(f"nospacing:{job.case}")
        stem = f"{safe_stem(job.case)}_{job.index:04d}"
        writer.add(job.split, stem, img, mask, _meta_row(job, window, img.shape, root))
        report.converted += 1


# --------------------------------------------------------------------------------------------
# the run
# --------------------------------------------------------------------------------------------


def _convert_case(root: Path, out: Path, opts: DicomConvertOptions,
                  case: tuple[str, Path]) -> tuple[ConversionReport, list[LayoutEntry]]:
    """Both passes for one case (one worker task): its report and the layout entries of its slices (PNG
    files written here), merged by the caller in case order."""
    report = ConversionReport(dry_run=opts.dry_run)
    writer = MMSegLayoutWriter(out, opts.dry_run)
    _write_slices(_scan_case(case[0], case[1], opts, report), root, writer, opts, report)
    return report, writer.entries


def _case_files(cdir: Path, images_subdir: str) -> int:
    """Files in a case's image folder: its share of the progress bar."""
    images = cdir / images_subdir
    return sum(1 for p in images.iterdir() if p.is_file()) if images.is_dir() else 0


def run_dicom_conversion(
    root: str | os.PathLike,
    out_dir: str | os.PathLike,
    options: DicomConvertOptions | None = None,
) -> ConversionReport:
    """Convert per-case DICOM series (+ masks) to windowed 8-bit PNG slices in the MMSeg layout.

    The option-object form of :func:`convert_dicom_cases` (same input, output and report). Per case,
    pass 1 (:func:`_scan_case`) reads headers, orders the series and aligns the masks; pass 2
    (:func:`_write_slices`) reads the pixels and writes the slices; then COCO and ``meta.csv``. Cases
    run on ``options.workers`` processes, one slice in memory per worker; the rows, COCO images and
    report lines are merged in case order, so every output file is the same for any number of workers.

    Args:
        root: Folder of case folders (or one case folder).
        out_dir: Output folder (outside ``root``; empty unless ``options.overwrite``).
        options: What to do (default: :class:`DicomConvertOptions` ``()``).

    Returns:
        The :class:`ConversionReport` (``extra``: slices per split, cases).

    Raises:
        OrgansegInputError: Bad root, output folder, window or options (whole-run problems).
    """
    opts = options if options is not None else DicomConvertOptions()
    opts.validate()
    root_p = require_dir(root, "DICOM root folder")
    out = Path(out_dir)
    check_output_dir(out, [root_p], overwrite=opts.overwrite or opts.dry_run)
    cases = _find_cases(root_p, opts.images_subdir)
    report = ConversionReport(dry_run=opts.dry_run)
    writer = MMSegLayoutWriter(out, opts.dry_run)
    items = list(cases.items())
    for part, entries in map_cases(partial(_convert_case, root_p, out, opts), items, opts.workers,
                                   progress=opts.progress, desc="dicom->png", unit="slice",
                                   weights=[_case_files(cdir, opts.images_subdir) for _, cdir in items],
                                   stats=report.resources):
        report.merge(part)
        writer.merge(entries)
    if writer.rows:
        cats = None if opts.images_only else [{"id": 1, "name": opts.category}]
        writer.finish(DICOM_META_COLUMNS, cats, info={"description": f"organseg_plugins DICOM {opts.category} {{split}}"})
    report.outputs += writer.outputs
    report.extra["slices per split"] = writer.images_per_split()
    report.extra["cases"] = len(cases)
    return report


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
    workers: int | None = 1,
) -> ConversionReport:
    """Convert per-case DICOM series (+ masks) to windowed 8-bit PNG slices in the MMSeg layout.

    Keyword form of :func:`run_dicom_conversion`: the arguments after ``out_dir`` are the fields of
    :class:`DicomConvertOptions`, documented there.

    Input: ``ROOT/<case>/<images_subdir>/*`` (one single-frame DICOM per slice, any file name) and
    ``ROOT/<case>/<masks_subdir>/`` holding per-slice DICOM masks, PNG masks named like the image
    files, or a DICOM-SEG (see the module docstring). ``ROOT`` may also be one case folder.
    ``missing_mask="error"`` reports and skips a slice without a per-slice mask, ``"empty"`` gives
    it an empty mask (with a warning); slices not covered by a SEG always get an empty mask (noted).
    ``match="auto"`` aligns per-slice DICOM masks by position if all slices have one, else by
    InstanceNumber. ``dry_run`` reads and validates everything (pixels included) and writes nothing.

    Args:
        root: Folder of case folders.
        out_dir: Output folder (outside ``root``; empty unless ``overwrite``).
        images_subdir, masks_subdir, level, width, window_from_file, split, assignment, category, segment,
            mask_label, missing_mask, images_only, match, position_tol_mm, overwrite, dry_run, progress,
            workers: The fields of :class:`DicomConvertOptions` (same names, defaults and meaning).

    Returns:
        The :class:`ConversionReport` (``extra``: slices per split, cases).

    Raises:
        OrgansegInputError: Bad root, output folder, window or options (whole-run problems).
    """
    options = DicomConvertOptions(
        images_subdir=images_subdir, masks_subdir=masks_subdir, level=level, width=width,
        window_from_file=window_from_file, split=split, assignment=assignment, category=category,
        segment=segment, mask_label=mask_label, missing_mask=missing_mask, images_only=images_only,
        match=match, position_tol_mm=position_tol_mm, overwrite=overwrite, dry_run=dry_run, progress=progress,
        workers=workers,
    )
    return run_dicom_conversion(root, out_dir, options)
