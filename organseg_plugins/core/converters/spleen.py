"""Spleen ultrasound (Spleenex-like) DICOM images + masks + radiologist lengths -> MMSeg layout.

Karimi et al. 2025, "Improving spleen segmentation in ultrasound images using a hybrid deep learning framework", Sci Rep labels 450 DICOM ultrasound images in 3D Slicer and
evaluates the spleen length error MPLE (Eq. 8) against the radiologist's length in mm, which needs
each image's pixel spacing; its protocol is 5-fold cross-validation, 80:20, no patient in both
sets. :func:`convert_spleen` turns::

    IMAGES/<stem>.dcm (or .png/.jpg with a given spacing)   ultrasound images
    MASKS/<stem>.dcm or MASKS/<stem>.png                    label masks (0/1, 0/255 or a label value)
    LENGTHS.csv with columns filename,length_mm             radiologist lengths (filename with or
                                                            without extension)

into the project's layout (as :func:`organseg_plugins.core.phantoms.write_phantom_dataset`)::

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
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import OrgansegInputError
from ..io.dicom import pixel_array, read_dicom
from ..io.images import IMAGE_EXTS, read_image_file
from ..io.layout import MMSegLayoutWriter
from ..io.paths import check_output_dir, list_files, require_dir
from ..io.tables import read_csv_rows
from ..io.validate import as_binary_mask
from .cases import case_id_from_name
from .report import ConversionReport, progress_iter
from .splits import fold_assignment, kfold_cases, split_cases, write_assignment

__all__ = [
    "SPLEEN_META_COLUMNS",
    "SPACING_RANGE_MM",
    "ultrasound_spacing_mm",
    "dicom_to_display",
    "read_lengths_csv",
    "convert_spleen",
]

SPLEEN_META_COLUMNS = ("filename", "split", "patient_id", "spacing_mm", "length_mm", "height", "width")
SPACING_RANGE_MM = (0.01, 5.0)
_DICOM_EXTS = (".dcm", ".dicom", "")
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


def dicom_to_display(ds: Any, source: str) -> np.ndarray:
    """8-bit image of a single-frame ultrasound DICOM: HxW grey, or HxWx3 BGR if colour.

    MONOCHROME1 is inverted; YBR colour is converted to RGB; PALETTE COLOR is expanded; more than
    8 stored bits are scaled by ``255 / (2**BitsStored - 1)``; an RGB image with identical channels
    becomes grey.

    Raises:
        OrgansegInputError: Multi-frame, signed, or undecodable pixel data.
    """
    arr = pixel_array(ds, source)
    frames = int(ds.get("NumberOfFrames", 1) or 1)
    if frames > 1:
        raise OrgansegInputError(f"{source}: multi-frame ultrasound ({frames} frames, a cine loop) is not supported; "
                                 "export single frames")
    pi = str(ds.get("PhotometricInterpretation", "MONOCHROME2")).upper()
    if pi == "PALETTE COLOR":
        from pydicom.pixel_data_handlers.util import apply_color_lut

        arr = apply_color_lut(arr, ds)
        pi = "RGB"
    elif pi.startswith("YBR") and arr.ndim == 3:
        from pydicom.pixel_data_handlers.util import convert_color_space

        arr = convert_color_space(arr, pi, "RGB")
        pi = "RGB"
    if np.issubdtype(arr.dtype, np.signedinteger) and arr.min() < 0:
        raise OrgansegInputError(f"{source}: signed pixel data with negative values is not an ultrasound image")
    if arr.dtype != np.uint8:
        bits = int(ds.get("BitsStored", 8) or 8)
        if bits <= 8:
            arr = arr.astype(np.uint8)
        else:
            arr = np.rint(arr.astype(np.float64) * (255.0 / (2 ** bits - 1))).clip(0, 255).astype(np.uint8)
    if pi == "MONOCHROME1" and arr.ndim == 2:
        arr = 255 - arr
    if arr.ndim == 3:
        if arr.shape[2] != 3:
            raise OrgansegInputError(f"{source}: pixel data has shape {arr.shape}; expected grey or RGB")
        if (arr[..., 0] == arr[..., 1]).all() and (arr[..., 1] == arr[..., 2]).all():
            return np.ascontiguousarray(arr[..., 0])
        return np.ascontiguousarray(arr[..., ::-1])  # RGB -> BGR for OpenCV
    if arr.ndim != 2:
        raise OrgansegInputError(f"{source}: pixel data has shape {arr.shape}; expected one frame")
    return arr


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
    return p.suffix.lower() in _DICOM_EXTS


def _find_mask(masks_dir: Path, stem: str, suffix: str) -> Path:
    hits = [p for p in (masks_dir / f"{stem}{suffix}{ext}" for ext in (".png", ".dcm", ".dicom", ".bmp", ".tif", ""))
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

    Split, by patient (a patient is never in two splits): ``assignment`` if given; else, when
    ``fractions`` is given, :func:`~.splits.split_cases`; else ``kfold``-fold cross-validation
    (default 5, the paper's 80:20) and this run lays out fold ``fold`` as train/val (held-out
    ``test_fraction`` patients as test). ``splits.json`` records the whole assignment.

    Args:
        images_dir: Folder of ultrasound DICOMs (``.dcm``/no extension) or PNG/JPEG images.
        masks_dir: Folder of masks with the image's stem (+ ``mask_suffix``), PNG or DICOM.
        lengths_csv: CSV ``filename,length_mm`` (``None``: no lengths; the column stays empty).
        out_dir: Output folder (outside the inputs).
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

    Returns:
        The :class:`ConversionReport` (``extra``: images and patients per split).
    """
    idir = require_dir(images_dir, "images folder")
    mdir = require_dir(masks_dir, "masks folder")
    if idir.resolve() == mdir.resolve() and not mask_suffix:
        raise OrgansegInputError(f"images and masks are the same folder {str(idir)!r}: give a mask suffix")
    if spacing is not None:
        _check_spacing(float(spacing), "--spacing", "the command line")
    out = Path(out_dir)
    inputs = [idir, mdir] + ([lengths_csv] if lengths_csv else [])
    check_output_dir(out, inputs, overwrite=overwrite or dry_run)
    lengths = read_lengths_csv(lengths_csv) if lengths_csv else {}
    report = ConversionReport(dry_run=dry_run)

    # ---- pass 1: images, patient ids (headers only)
    items: list[tuple[Path, str, Path]] = []  # (image, patient, mask)
    files = list_files(idir)
    if idir.resolve() == mdir.resolve():
        files = [f for f in files if not f.stem.endswith(mask_suffix)]
    for f in files:
        if not (_is_dicom_name(f) or f.suffix.lower() in IMAGE_EXTS):
            report.warn(f, "not an image or DICOM file name; ignored")
            continue
        try:
            mask_p = _find_mask(mdir, f.stem, mask_suffix)
            if patient_regex:
                pid = case_id_from_name(f.name, patient_regex)
            elif _is_dicom_name(f):
                pid = str(read_dicom(f, stop_before_pixels=True).get("PatientID", "") or "").strip()
                if not pid:
                    raise OrgansegInputError("no PatientID in the DICOM; give --patient-regex")
            else:
                raise OrgansegInputError("not a DICOM, so no PatientID; give --patient-regex")
            if f.stem not in lengths and lengths_csv and not allow_missing_length:
                raise OrgansegInputError(f"no length_mm for {f.stem} in {lengths_csv}")
        except OrgansegInputError as exc:
            msg = str(exc)
            report.error(f, msg[len(str(f)) + 2:] if msg.startswith(f"{f}: ") else msg)
            report.skipped += 1
            continue
        items.append((f, pid, mask_p))
    stems = {f.stem for f, _, _ in items}
    for stem in sorted(set(lengths) - {f.stem for f in files}):
        report.warn(str(lengths_csv), f"length for {stem!r} but no such image")
    if len(stems) != len(items):
        raise OrgansegInputError(f"{idir}: two images share a file stem (e.g. x.dcm and x.png)")
    if not items:
        report.extra["images per split"] = {}
        return report

    # ---- split by patient
    patients = sorted({pid for _, pid, _ in items})
    if assignment is not None:
        assign = dict(assignment)
        full: Any = assign
    elif fractions is not None:
        assign = split_cases(patients, fractions, seed)
        full = assign
    else:
        full = kfold_cases(patients, int(kfold or 5), seed, test_fraction)
        assign = fold_assignment(full, fold)

    writer = MMSegLayoutWriter(out, dry_run)
    pats: dict[str, set[str]] = {}
    for f, pid, mask_p in progress_iter(items, progress, "spleen", len(items)):
        src = str(f)
        try:
            if pid not in assign:
                raise OrgansegInputError(f"patient {pid!r} is not in the split assignment")
            sp = assign[pid]
            mask = _read_mask(mask_p, mask_label)
            if _is_dicom_name(f):
                ds = read_dicom(f)
                img = dicom_to_display(ds, src)
                if spacing is not None:
                    sp_mm, origin = float(spacing), "--spacing"
                else:
                    sp_mm, origin = ultrasound_spacing_mm(ds, src, mask if mask.shape == img.shape[:2] else None)
            else:
                img = read_image_file(f)
                if img.dtype != np.uint8:
                    raise OrgansegInputError(f"image dtype {img.dtype}; expected 8-bit")
                if spacing is None:
                    raise OrgansegInputError("no pixel spacing for a non-DICOM image; give --spacing")
                sp_mm, origin = float(spacing), "--spacing"
            if mask.shape != img.shape[:2]:
                raise OrgansegInputError(f"mask {mask_p.name} is {mask.shape[1]}x{mask.shape[0]}, the image is "
                                         f"{img.shape[1]}x{img.shape[0]} (size mismatch)")
        except OrgansegInputError as exc:
            msg = str(exc)
            report.error(f, msg[len(src) + 2:] if msg.startswith(src + ": ") else msg)
            report.skipped += 1
            continue
        report.note(f"spacing from {origin.split('[')[0]}")
        if not mask.any():
            report.warn(f, "mask is empty (no spleen)")
        h, w = mask.shape
        length = lengths.get(f.stem)
        row = {"patient_id": pid, "spacing_mm": f"{sp_mm:.6f}",
               "length_mm": "" if length is None else f"{length:.3f}", "height": h, "width": w}
        writer.add(sp, f.stem, img, mask, row)
        pats.setdefault(sp, set()).add(pid)
        report.converted += 1
    if writer.rows:
        writer.finish(SPLEEN_META_COLUMNS, [{"id": 1, "name": "spleen"}],
                      info={"description": "organseg_plugins spleen ultrasound {split}"})
        if not dry_run:
            meta = {"seed": seed, "fold": fold if "val_fold" in full else None, "patient_regex": patient_regex}
            write_assignment(out / "splits.json", full, meta)
            writer.outputs.append("splits.json")
    report.outputs += writer.outputs
    report.extra["images per split"] = writer.images_per_split()
    report.extra["patients per split"] = {sp: len(p) for sp, p in sorted(pats.items())}
    return report
