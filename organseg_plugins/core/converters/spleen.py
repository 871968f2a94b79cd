"""Spleen ultrasound (Spleenex-like) DICOM images + masks + radiologist lengths -> MMSeg layout.

Karimi et al. 2025, "Improving spleen segmentation in ultrasound images using a hybrid deep learning framework", Sci Rep labels 450 DICOM ultrasound images in 3D Slicer and
evaluates the spleen length error MPLE (Eq. 8) against the radiologist's length in mm, which needs
each image's pixel spacing; its protocol is 5-fold cross-validation, 80:20, no patient in both
sets. :func:`convert_spleen` turns::

    IMAGES/<stem>.dcm (or .png/.jpg with a given spacing)   ultrasound images
    MASKS/<stem>.dcm or MASKS/<stem>.png                    label masks (0/1, 0/255 or a label value)
    LENGTHS.csv with columns filename,length_mm             radiologist lengths (filename with or
                                                            without extension)

into the project's layout (as :func:`organseg_plugins.core.phantoms.organ_slices.write_phantom_dataset`)::

    OUT/img_dir/{split}/<stem>.png   8-bit grey (or BGR colour when the channels differ)
    OUT/ann_dir/{split}/<stem>.png   0/1 mask
    OUT/meta.csv                     filename,split,patient_id,spacing_mm,length_mm,height,width
    OUT/annotations/instances_{split}.json   COCO, category "spleen"
    OUT/splits.json                  the patient-level assignment used (all folds for k-fold)

**Pixel spacing** (mm), in this order: the ``spacing`` argument (``--spacing``); the DICOM
PixelSpacing; the SequenceOfUltrasoundRegions region whose PhysicalUnitsX/YDirection are 3 (cm)
-- PhysicalDeltaX/Y are in **cm per pixel and are multiplied by 10** -- choosing, when there are
several calibrated regions with different deltas, the one that contains the mask. Anisotropic
(X and Y differ by > 1 %), non-positive or implausible (outside 0.01-5 mm) spacings are errors.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import OrgansegInputError
from ..io.dicom import is_dicom_file, pixel_array, read_dicom, ultrasound_display_image
from ..io.images import IMAGE_EXTS, MASK_IMAGE_EXTS, read_image_file
from ..io.layout import MMSegLayoutWriter
from ..io.paths import check_output_dir, list_files, require_dir
from ..io.tables import read_csv_rows
from ..io.validate import as_binary_mask
from .cases import case_id_from_name
from .report import ConversionReport, progress_iter, without_source
from .splits import fold_assignment, kfold_cases, split_cases, write_assignment

__all__ = [
    "SPLEEN_META_COLUMNS",
    "SPACING_RANGE_MM",
    "ultrasound_spacing_mm",
    "read_lengths_csv",
    "SpleenConvertOptions",
    "convert_spleen",
    "run_spleen_conversion",
]

SPLEEN_META_COLUMNS = ("filename", "split", "patient_id", "spacing_mm", "length_mm", "height", "width")
SPACING_RANGE_MM = (0.01, 5.0)
_CM = 3  # PhysicalUnits code for cm (DICOM PS3.3 C.8.5.5.1.15)


def _check_spacing(value: float, source: str, what: str) -> float:
    lo, hi = SPACING_RANGE_MM
    if not np.isfinite(value) or value <= 0:
        raise OrgansegInputError(f"{source}: bad pixel spacing {value!r} mm from {what}")
    if not lo <= value <= hi:
        raise OrgansegInputError(f"{source}: implausible pixel spacing {value:g} mm from {what} (expected "
                                 f"{lo}-{hi} mm; wrong units?); override with --spacing")
    return float(value)


def ultrasound_spacing_mm(ds: Any, source: str, mask: np.ndarray | None = None) -> tuple[float, str]:
    """Isotropic pixel spacing (mm) of an ultrasound DICOM.

    Args:
        ds: The pydicom dataset.
        source: File name for messages.
        mask: Optional 0/1 mask used to pick the calibrated region that contains the organ when the
            image has several regions with different calibrations.

    Returns:
        ``(spacing_mm, origin)`` with origin ``"PixelSpacing"`` or ``"UltrasoundRegion[i]"``.

    Raises:
        OrgansegInputError: No usable calibration, ambiguous regions, anisotropic or implausible spacing.
    """
    ps = ds.get("PixelSpacing")
    if ps is not None and len(ps) == 2:
        try:
            sy, sx = float(ps[0]), float(ps[1])
        except (TypeError, ValueError) as exc:
            raise OrgansegInputError(f"{source}: bad PixelSpacing {ps!r}") from exc
        if abs(sy - sx) > 0.01 * max(abs(sx), 1e-12):
            raise OrgansegInputError(f"{source}: anisotropic PixelSpacing {sy:g} x {sx:g} mm; give --spacing")
        return _check_spacing(sx, source, "PixelSpacing"), "PixelSpacing"
    regions = ds.get("SequenceOfUltrasoundRegions") or []
    cands = []
    for i, r in enumerate(regions):
        if r.get("PhysicalUnitsXDirection") != _CM or r.get("PhysicalUnitsYDirection") != _CM:
            continue
        dx, dy = r.get("PhysicalDeltaX"), r.get("PhysicalDeltaY")
        if dx is None or dy is None:
            continue
        box = tuple(int(r.get(k, -1)) for k in ("RegionLocationMinX0", "RegionLocationMinY0",
                                                  "RegionLocationMaxX1", "RegionLocationMaxY1"))
        cands.append((i, abs(float(dx)) * 10.0, abs(float(dy)) * 10.0, box))  # cm -> mm
    if not cands:
        raise OrgansegInputError(
            f"{source}: no pixel spacing (no PixelSpacing and no ultrasound region calibrated in cm); give --spacing"
        )
    if mask is not None and mask.any() and len(cands) > 1:
        ys, xs = np.nonzero(mask)
        inside = [c for c in cands if c[3][0] <= xs.min() and c[3][1] <= ys.min()
                  and xs.max() <= c[3][2] and ys.max() <= c[3][3]]
        if not inside:
            raise OrgansegInputError(f"{source}: the mask lies in none of the {len(cands)} calibrated ultrasound regions")
        cands = inside
    dxs = np.array([c[1] for c in cands])
    if np.ptp(dxs) > 1e-3 * dxs.max():
        raise OrgansegInputError(f"{source}: {len(cands)} calibrated ultrasound regions with different spacings "
                                 f"{sorted(set(np.round(dxs, 6).tolist()))} mm; give --spacing")
    i, dx, dy, _ = cands[0]
    if abs(dx - dy) > 0.01 * dx:
        raise OrgansegInputError(f"{source}: anisotropic ultrasound region spacing {dx:g} x {dy:g} mm "
                                 "(PhysicalDeltaX/Y); give --spacing")
    return _check_spacing(dx, source, f"SequenceOfUltrasoundRegions[{i}].PhysicalDeltaX (cm x 10)"), \
        f"UltrasoundRegion[{i}]"


def read_lengths_csv(path: str | os.PathLike) -> dict[str, float]:
    """``{file stem: length_mm}`` from a CSV with ``filename,length_mm`` columns.

    Raises:
        OrgansegInputError: Missing columns, a duplicate file, or a length that is not a positive
            finite number (at most 500 mm), naming the CSV line.
    """
    rows = read_csv_rows(path, ("filename", "length_mm"))
    out: dict[str, float] = {}
    for lineno, r in enumerate(rows, start=2):
        stem = Path(r["filename"]).stem if Path(r["filename"]).suffix.lower() in (*IMAGE_EXTS, ".dcm", ".dicom") \
            else Path(r["filename"]).name
        if not stem:
            raise OrgansegInputError(f"{path}:{lineno}: empty filename")
        try:
            v = float(r["length_mm"])
        except ValueError as exc:
            raise OrgansegInputError(f"{path}:{lineno}: length_mm {r['length_mm']!r} is not a number") from exc
        if not np.isfinite(v) or v <= 0 or v > 500:
            raise OrgansegInputError(f"{path}:{lineno}: implausible length_mm {v!r} (expected 0-500 mm)")
        if stem in out:
            raise OrgansegInputError(f"{path}:{lineno}: {r['filename']!r} listed twice")
        out[stem] = v
    return out


def _is_dicom_name(p: Path) -> bool:
    """A ``.dcm``/``.dicom`` file, or a file without an image suffix whose content is DICOM (UID names)."""
    suffix = p.suffix.lower()
    if suffix in (".dcm", ".dicom"):
        return True
    return suffix not in IMAGE_EXTS and p.is_file() and is_dicom_file(p)


def _find_mask(masks_dir: Path, stem: str, suffix: str) -> Path:
    hits = [p for p in (masks_dir / f"{stem}{suffix}{ext}" for ext in (*MASK_IMAGE_EXTS, ".dcm", ".dicom", ""))
            if p.is_file()]
    if not hits:
        raise OrgansegInputError(f"no mask {stem}{suffix}.png/.dcm in {masks_dir}")
    if len(hits) > 1:
        raise OrgansegInputError(f"several masks for {stem}: {[p.name for p in hits]}")
    return hits[0]


def _read_mask(path: Path, label: int | None) -> np.ndarray:
    if _is_dicom_name(path):
        ds = read_dicom(path)
        arr = pixel_array(ds, str(path))
        if arr.ndim == 3 and arr.shape[0] == 1:
            arr = arr[0]
        return as_binary_mask(arr, str(path), label=label, allow_255=True, ndim=(2,), grey_rgb=True)
    return as_binary_mask(read_image_file(path), str(path), label=label, allow_255=True, ndim=(2,), grey_rgb=True)


@dataclass(frozen=True)
class SpleenConvertOptions:
    """What :func:`run_spleen_conversion` does besides its paths (defaults as :func:`convert_spleen`).

    Attributes:
        spacing: Pixel spacing in mm for every image (overrides the DICOM calibration; needed for
            PNG/JPEG images).
        patient_regex: Regex giving the patient id from the file name (default: DICOM PatientID).
        assignment: ``{patient_id: split}``.
        kfold: Number of folds (used when neither ``assignment`` nor ``fractions`` is given).
        fold: Fold laid out as validation.
        fractions: ``{split: fraction}`` for a plain seeded split instead of k-fold.
        test_fraction: Held-out test patients in k-fold mode.
        seed: Seed of the split.
        mask_suffix: Mask name suffix.
        mask_label: Foreground value of multi-label masks.
        allow_missing_length: An image without a length is converted with an empty ``length_mm``
            (default: it is an error and the image is skipped).
        overwrite: Allow a non-empty output folder.
        dry_run: Validate only.
        progress: Show a progress bar.
    """

    spacing: float | None = None
    patient_regex: str | None = None
    assignment: Mapping[str, str] | None = None
    kfold: int | None = 5
    fold: int = 0
    fractions: Mapping[str, float] | None = None
    test_fraction: float = 0.0
    seed: int = 0
    mask_suffix: str = ""
    mask_label: int | None = None
    allow_missing_length: bool = False
    overwrite: bool = False
    dry_run: bool = False
    progress: bool = True


@dataclass(frozen=True)
class _SpleenItem:
    """One image found by the scan: the file, its patient id and its mask file."""

    image: Path
    patient: str
    mask: Path


def _check_inputs(
    images_dir: str | os.PathLike, masks_dir: str | os.PathLike, opts: SpleenConvertOptions
) -> tuple[Path, Path]:
    """The image and mask folders, checked (and the ``spacing`` option).

    Args:
        images_dir: Folder of ultrasound images.
        masks_dir: Folder of masks.
        opts: Conversion options (``mask_suffix``, ``spacing``).

    Returns:
        ``(images folder, masks folder)``.

    Raises:
        OrgansegInputError: A missing folder, the same folder without a mask suffix, or a bad spacing.
    """
    idir = require_dir(images_dir, "images folder")
    mdir = require_dir(masks_dir, "masks folder")
    if idir.resolve() == mdir.resolve() and not opts.mask_suffix:
        raise OrgansegInputError(f"images and masks are the same folder {str(idir)!r}: give a mask suffix")
    if opts.spacing is not None:
        _check_spacing(float(opts.spacing), "--spacing", "the command line")
    return idir, mdir


def _patient_id(f: Path, patient_regex: str | None) -> str:
    """Patient id of an image: from ``patient_regex`` on its name, else its DICOM PatientID.

    Raises:
        OrgansegInputError: No regex match, or no PatientID (or not a DICOM) without a regex.
    """
    if patient_regex:
        return case_id_from_name(f.name, patient_regex)
    if not _is_dicom_name(f):
        raise OrgansegInputError("not a DICOM, so no PatientID; give --patient-regex")
    pid = str(read_dicom(f, stop_before_pixels=True).get("PatientID", "") or "").strip()
    if not pid:
        raise OrgansegInputError("no PatientID in the DICOM; give --patient-regex")
    return pid


def _scan_image(
    f: Path,
    mdir: Path,
    lengths: Mapping[str, float],
    lengths_csv: str | os.PathLike | None,
    opts: SpleenConvertOptions,
) -> _SpleenItem:
    """Pass 1 for one image file: its mask, its patient id, and its length when lengths are given.

    Args:
        f: The image file.
        mdir: The masks folder.
        lengths: ``{stem: length_mm}`` (empty without a lengths CSV).
        lengths_csv: The lengths CSV (named in the error), or ``None``.
        opts: Conversion options (``mask_suffix``, ``patient_regex``, ``allow_missing_length``).

    Returns:
        The item to convert.

    Raises:
        OrgansegInputError: No (or several) masks, no patient id, or no length.
    """
    mask_p = _find_mask(mdir, f.stem, opts.mask_suffix)
    pid = _patient_id(f, opts.patient_regex)
    if f.stem not in lengths and lengths_csv and not opts.allow_missing_length:
        raise OrgansegInputError(f"no length_mm for {f.stem} in {lengths_csv}")
    return _SpleenItem(f, pid, mask_p)


def _report_masks_without_image(idir: Path, mdir: Path, images: list[Path], suffix: str,
                                report: ConversionReport) -> None:
    """A report error for each mask file in ``mdir`` whose image (same stem, without ``suffix``) is not in ``idir``.

    Mask files are the image and DICOM names (an extension-less file only if it is a DICOM by content); in a
    shared folder, the files whose stem ends with ``suffix``.
    """
    stems = {f.stem for f in images}
    same = idir.resolve() == mdir.resolve()
    for m in list_files(mdir):
        if same and not m.stem.endswith(suffix):
            continue  # an image of the shared folder
        if m.suffix.lower() not in IMAGE_EXTS + (".dcm", ".dicom") and not (m.suffix == "" and is_dicom_file(m)):
            continue  # not a mask file (notes, CSV)
        stem = m.stem[: len(m.stem) - len(suffix)] if suffix and m.stem.endswith(suffix) else m.stem
        if stem not in stems:
            report.error(m, f"mask without an image: no image {stem}.* in {idir}; not converted")


def _scan_images(
    idir: Path,
    mdir: Path,
    lengths: Mapping[str, float],
    lengths_csv: str | os.PathLike | None,
    opts: SpleenConvertOptions,
    report: ConversionReport,
) -> list[_SpleenItem]:
    """Pass 1: the images with a mask, a patient id and (if required) a length; headers only.

    Args:
        idir: The images folder.
        mdir: The masks folder.
        lengths: ``{stem: length_mm}``.
        lengths_csv: The lengths CSV, or ``None``.
        opts: Conversion options.
        report: Receives the unusable images (errors, skipped), the masks without an image (errors) and the
            lengths without an image.

    Returns:
        The items, in file order.

    Raises:
        OrgansegInputError: Two images share a file stem.
    """
    files = list_files(idir)
    if idir.resolve() == mdir.resolve():
        files = [f for f in files if not f.stem.endswith(opts.mask_suffix)]
    items: list[_SpleenItem] = []
    for f in files:
        if not (_is_dicom_name(f) or f.suffix.lower() in IMAGE_EXTS):
            report.warn(f, "not an image or DICOM file name; ignored")
            continue
        try:
            items.append(_scan_image(f, mdir, lengths, lengths_csv, opts))
        except OrgansegInputError as exc:
            report.skip(f, without_source(exc, f))
    for stem in sorted(set(lengths) - {f.stem for f in files}):
        report.warn(str(lengths_csv), f"length for {stem!r} but no such image")
    _report_masks_without_image(idir, mdir, files, opts.mask_suffix, report)
    if len({it.image.stem for it in items}) != len(items):
        raise OrgansegInputError(f"{idir}: two images share a file stem (e.g. x.dcm and x.png)")
    return items


def _patient_split(patients: list[str], opts: SpleenConvertOptions) -> tuple[Any, dict[str, str]]:
    """The patient-level split: the given assignment, a seeded split by fractions, or k folds.

    Args:
        patients: Sorted patient ids.
        opts: Conversion options (``assignment``, ``fractions``, ``kfold``, ``fold``, ``test_fraction``,
            ``seed``).

    Returns:
        ``(full assignment written to splits.json, {patient: split} of this run)``.
    """
    if opts.assignment is not None:
        assign = dict(opts.assignment)
        return assign, assign
    if opts.fractions is not None:
        assign = split_cases(patients, opts.fractions, opts.seed)
        return assign, assign
    full = kfold_cases(patients, int(opts.kfold or 5), opts.seed, opts.test_fraction)
    return full, fold_assignment(full, opts.fold)


def _read_image(f: Path, mask: np.ndarray, spacing: float | None) -> tuple[np.ndarray, float, str]:
    """An image (8-bit grey or BGR) with its pixel spacing and where the spacing came from.

    Args:
        f: The image file (DICOM, or PNG/JPEG which needs ``spacing``).
        mask: Its mask (picks the calibrated ultrasound region when there are several).
        spacing: Spacing override in mm, or ``None``.

    Returns:
        ``(image, spacing_mm, origin)``.

    Raises:
        OrgansegInputError: Unreadable image, not 8-bit, or no usable spacing.
    """
    if _is_dicom_name(f):
        ds = read_dicom(f)
        img = ultrasound_display_image(ds, str(f))
        if spacing is not None:
            return img, float(spacing), "--spacing"
        sp_mm, origin = ultrasound_spacing_mm(ds, str(f), mask if mask.shape == img.shape[:2] else None)
        return img, sp_mm, origin
    img = read_image_file(f)
    if img.dtype != np.uint8:
        raise OrgansegInputError(f"image dtype {img.dtype}; expected 8-bit")
    if spacing is None:
        raise OrgansegInputError("no pixel spacing for a non-DICOM image; give --spacing")
    return img, float(spacing), "--spacing"


def _load_item(
    it: _SpleenItem, assign: Mapping[str, str], opts: SpleenConvertOptions
) -> tuple[str, np.ndarray, np.ndarray, float, str]:
    """Pass 2 for one item: split, mask, image and spacing, checked against each other.

    Args:
        it: The item.
        assign: ``{patient: split}``.
        opts: Conversion options (``mask_label``, ``spacing``).

    Returns:
        ``(split, image, mask, spacing_mm, spacing origin)``.

    Raises:
        OrgansegInputError: Patient not in the assignment, unreadable file, size mismatch, bad spacing.
    """
    if it.patient not in assign:
        raise OrgansegInputError(f"patient {it.patient!r} is not in the split assignment")
    mask = _read_mask(it.mask, opts.mask_label)
    img, sp_mm, origin = _read_image(it.image, mask, opts.spacing)
    if mask.shape != img.shape[:2]:
        raise OrgansegInputError(f"mask {it.mask.name} is {mask.shape[1]}x{mask.shape[0]}, the image is "
                                 f"{img.shape[1]}x{img.shape[0]} (size mismatch)")
    return assign[it.patient], img, mask, sp_mm, origin


def _write_images(
    items: list[_SpleenItem],
    assign: Mapping[str, str],
    lengths: Mapping[str, float],
    writer: MMSegLayoutWriter,
    opts: SpleenConvertOptions,
    report: ConversionReport,
) -> dict[str, set[str]]:
    """Pass 2: read, check and add every item to the layout writer.

    Args:
        items: The items from pass 1.
        assign: ``{patient: split}``.
        lengths: ``{stem: length_mm}``.
        writer: The layout writer.
        opts: Conversion options.
        report: Receives the per-image errors (skipped), warnings, notes and the converted count.

    Returns:
        ``{split: patient ids}`` of the converted images.
    """
    pats: dict[str, set[str]] = {}
    for it in progress_iter(items, opts.progress, "spleen", len(items)):
        try:
            sp, img, mask, sp_mm, origin = _load_item(it, assign, opts)
        except OrgansegInputError as exc:
            report.skip(it.image, without_source(exc, it.image))
            continue
        report.note(f"spacing from {origin.split('[')[0]}")
        if not mask.any():
            report.warn(it.image, "mask is empty (no spleen)")
        h, w = mask.shape
        length = lengths.get(it.image.stem)
        row = {"patient_id": it.patient, "spacing_mm": f"{sp_mm:.6f}",
               "length_mm": "" if length is None else f"{length:.3f}", "height": h, "width": w}
        writer.add(sp, it.image.stem, img, mask, row)
        pats.setdefault(sp, set()).add(it.patient)
        report.converted += 1
    return pats


def run_spleen_conversion(
    images_dir: str | os.PathLike,
    masks_dir: str | os.PathLike,
    lengths_csv: str | os.PathLike | None,
    out_dir: str | os.PathLike,
    options: SpleenConvertOptions | None = None,
) -> ConversionReport:
    """Convert spleen ultrasound images + masks + lengths to the MMSeg layout (see module docstring).

    The option-object form of :func:`convert_spleen` (same input, output and report): pass 1
    (:func:`_scan_images`) finds masks, patients and lengths from the headers; the patients are
    split; pass 2 (:func:`_write_images`) reads the pixels and writes; then COCO, ``meta.csv`` and
    ``splits.json``.

    Args:
        images_dir: Folder of ultrasound DICOMs (``.dcm``/no extension) or PNG/JPEG images.
        masks_dir: Folder of masks with the image's stem (+ ``mask_suffix``), PNG or DICOM.
        lengths_csv: CSV ``filename,length_mm`` (``None``: no lengths; the column stays empty).
        out_dir: Output folder (outside the inputs).
        options: What to do (default: :class:`SpleenConvertOptions` ``()``).

    Returns:
        The :class:`ConversionReport` (``extra``: images and patients per split).
    """
    opts = options if options is not None else SpleenConvertOptions()
    idir, mdir = _check_inputs(images_dir, masks_dir, opts)
    out = Path(out_dir)
    check_output_dir(out, [idir, mdir] + ([lengths_csv] if lengths_csv else []), overwrite=opts.overwrite or opts.dry_run)
    lengths = read_lengths_csv(lengths_csv) if lengths_csv else {}
    report = ConversionReport(dry_run=opts.dry_run)
    items = _scan_images(idir, mdir, lengths, lengths_csv, opts, report)
    if not items:
        report.extra["images per split"] = {}
        return report
    full, assign = _patient_split(sorted({it.patient for it in items}), opts)
    writer = MMSegLayoutWriter(out, opts.dry_run)
    pats = _write_images(items, assign, lengths, writer, opts, report)
    if writer.rows:
        writer.finish(SPLEEN_META_COLUMNS, [{"id": 1, "name": "spleen"}],
                      info={"description": "organseg_plugins spleen ultrasound {split}"})
        if not opts.dry_run:
            meta = {"seed": opts.seed, "fold": opts.fold if "val_fold" in full else None,
                    "patient_regex": opts.patient_regex}
            write_assignment(out / "splits.json", full, meta)
            writer.outputs.append("splits.json")
    report.outputs += writer.outputs
    report.extra["images per split"] = writer.images_per_split()
    report.extra["patients per split"] = {sp: len(p) for sp, p in sorted(pats.items())}
    return report


def convert_spleen(
    images_dir: str | os.PathLike,
    masks_dir: str | os.PathLike,
    lengths_csv: str | os.PathLike | None,
    out_dir: str | os.PathLike,
    spacing: float | None = None,
    patient_regex: str | None = None,
    assignment: Mapping[str, str] | None = None,
    kfold: int | None = 5,
    fold: int = 0,
    fractions: Mapping[str, float] | None = None,
    test_fraction: float = 0.0,
    seed: int = 0,
    mask_suffix: str = "",
    mask_label: int | None = None,
    allow_missing_length: bool = False,
    overwrite: bool = False,
    dry_run: bool = False,
    progress: bool = True,
) -> ConversionReport:
    """Convert spleen ultrasound images + masks + lengths to the MMSeg layout (see module docstring).

    Keyword form of :func:`run_spleen_conversion`: the arguments after ``out_dir`` are the fields of
    :class:`SpleenConvertOptions`, documented there.

    Split, by patient (a patient is never in two splits): ``assignment`` if given; else, when
    ``fractions`` is given, :func:`~.splits.split_cases`; else ``kfold``-fold cross-validation
    (default 5, the paper's 80:20) and this run lays out fold ``fold`` as train/val (held-out
    ``test_fraction`` patients as test). ``splits.json`` records the whole assignment.

    Args:
        images_dir: Folder of ultrasound DICOMs (``.dcm``/no extension) or PNG/JPEG images.
        masks_dir: Folder of masks with the image's stem (+ ``mask_suffix``), PNG or DICOM.
        lengths_csv: CSV ``filename,length_mm`` (``None``: no lengths; the column stays empty).
        out_dir: Output folder (outside the inputs).
        spacing, patient_regex, assignment, kfold, fold, fractions, test_fraction, seed, mask_suffix,
            mask_label, allow_missing_length, overwrite, dry_run, progress: The fields of
            :class:`SpleenConvertOptions` (same names, defaults and meaning).

    Returns:
        The :class:`ConversionReport` (``extra``: images and patients per split).
    """
    options = SpleenConvertOptions(
        spacing=spacing, patient_regex=patient_regex, assignment=assignment, kfold=kfold, fold=fold,
        fractions=fractions, test_fraction=test_fraction, seed=seed, mask_suffix=mask_suffix,
        mask_label=mask_label, allow_missing_length=allow_missing_length, overwrite=overwrite,
        dry_run=dry_run, progress=progress,
    )
    return run_spleen_conversion(images_dir, masks_dir, lengths_csv, out_dir, options)
