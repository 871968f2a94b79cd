"""DICOM CT series -> 8-bit PNG slices with a HU window, aligned 0/1 masks, spacing in a CSV.

The liver CT paper (SPEC section 2, paper 001) trains on 512x512 slices of 25 CT cases, "per case
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
from typing import Any

import numpy as np

from ..errors import OrgansegInputError
from ..fileio import atomic_imwrite_png, atomic_write_json
from . import (
    IMAGE_EXTS,
    ConversionReport,
    check_output_dir,
    list_files,
    progress_iter,
    read_image_file,
    require_dir,
    safe_stem,
    split_for_name,
    to_binary_mask,
    write_csv,
)
from .masks_coco import build_coco

__all__ = [
    "DEFAULT_WINDOW_LEVEL",
    "DEFAULT_WINDOW_WIDTH",
    "WINDOW_PRESETS",
    "DICOM_META_COLUMNS",
    "SEG_SOP_CLASS_UID",
    "rescale_to_hu",
    "apply_window",
    "read_dicom",
    "dataset_to_hu",
    "pixel_spacing_mm",
    "DicomSlice",
    "slice_from_dataset",
    "sort_slices",
    "SegFrames",
    "read_dicom_seg",
    "convert_dicom_cases",
]

DEFAULT_WINDOW_LEVEL = 50.0
DEFAULT_WINDOW_WIDTH = 400.0
WINDOW_PRESETS: dict[str, tuple[float, float]] = {
    "abdomen": (50.0, 400.0),  # default: soft-tissue abdominal window
    "liver": (60.0, 160.0),  # narrow liver window (lesion contrast)
    "soft_tissue": (40.0, 400.0),
    "bone": (400.0, 1800.0),
    "lung": (-600.0, 1500.0),
}
SEG_SOP_CLASS_UID = "1.2.840.10008.5.1.4.1.1.66.4"
DICOM_META_COLUMNS = (
    "filename", "split", "case_id", "slice_index", "instance_number", "slice_location_mm",
    "spacing_mm", "spacing_row_mm", "spacing_col_mm", "slice_thickness_mm",
    "window_level", "window_width", "height", "width", "source_file", "mask_file",
)


def _pydicom():
    try:
        import pydicom
    except ImportError as exc:  # pragma: no cover - pydicom is in the pinned stack
        raise OrgansegInputError("reading DICOM needs pydicom (pip install pydicom)") from exc
    return pydicom


# --------------------------------------------------------------------------------------------
# pixels
# --------------------------------------------------------------------------------------------


def rescale_to_hu(pixels: np.ndarray, slope: float = 1.0, intercept: float = 0.0) -> np.ndarray:
    """Stored values -> Hounsfield units: ``pixels * slope + intercept`` (float64, vectorised)."""
    return np.asarray(pixels, dtype=np.float64) * float(slope) + float(intercept)


def apply_window(hu: np.ndarray, level: float = DEFAULT_WINDOW_LEVEL, width: float = DEFAULT_WINDOW_WIDTH) -> np.ndarray:
    """Linear CT window to 8 bit: ``round(255 * clip((HU - (level - width/2)) / width, 0, 1))``.

    Args:
        hu: Values in HU (any shape).
        level: Window level (centre) in HU.
        width: Window width in HU (> 0).

    Returns:
        uint8 array of the same shape (HU <= level - width/2 -> 0, HU >= level + width/2 -> 255).

    Raises:
        OrgansegInputError: If ``width`` is not positive or the values are not finite.
    """
    if not (np.isfinite(level) and np.isfinite(width)) or width <= 0:
        raise OrgansegInputError(f"window width must be > 0 and level finite, got level {level}, width {width}")
    lo = float(level) - float(width) / 2.0
    x = (np.asarray(hu, dtype=np.float64) - lo) / float(width)
    return np.rint(np.clip(x, 0.0, 1.0) * 255.0).astype(np.uint8)


def read_dicom(path: str | os.PathLike, stop_before_pixels: bool = False) -> Any:
    """``pydicom.dcmread`` with errors that name the file.

    Raises:
        OrgansegInputError: Missing, empty, or not a DICOM file (no ``DICM`` preamble), or truncated.
    """
    pydicom = _pydicom()
    p = Path(path)
    if not p.is_file():
        raise OrgansegInputError(f"{p}: file does not exist")
    if p.stat().st_size == 0:
        raise OrgansegInputError(f"{p}: file is empty (0 bytes)")
    try:
        return pydicom.dcmread(str(p), stop_before_pixels=stop_before_pixels)
    except pydicom.errors.InvalidDicomError as exc:
        raise OrgansegInputError(f"{p}: not a DICOM file ({exc})") from exc
    except Exception as exc:  # pydicom raises various errors on truncated/corrupt files
        raise OrgansegInputError(f"{p}: cannot read the DICOM file ({type(exc).__name__}: {exc})") from exc


def _pixel_array(ds: Any, source: str) -> np.ndarray:
    if "PixelData" not in ds:
        raise OrgansegInputError(f"{source}: DICOM file has no pixel data")
    try:
        return ds.pixel_array
    except Exception as exc:  # missing codec, corrupt data, ...
        ts = getattr(getattr(ds, "file_meta", None), "TransferSyntaxUID", "?")
        name = getattr(ts, "name", ts)
        raise OrgansegInputError(
            f"{source}: cannot decode the pixel data (transfer syntax {name}; {type(exc).__name__}: {exc})"
        ) from exc


def dataset_to_hu(ds: Any, source: str) -> tuple[np.ndarray, list[str]]:
    """HU image of a single-frame CT dataset.

    Returns:
        ``(hu, warnings)``: float64 HxW array, and notes such as a missing rescale.

    Raises:
        OrgansegInputError: No/undecodable pixel data, multi-frame or colour data, bad rescale.
    """
    arr = _pixel_array(ds, source)
    warnings: list[str] = []
    if arr.ndim != 2:
        raise OrgansegInputError(f"{source}: pixel data has shape {arr.shape}; expected one grey frame")
    if "ModalityLUTSequence" in ds:
        from pydicom.pixel_data_handlers.util import apply_modality_lut

        warnings.append("Modality LUT Sequence applied instead of RescaleSlope/Intercept")
        return np.asarray(apply_modality_lut(arr, ds), dtype=np.float64), warnings
    slope, intercept = ds.get("RescaleSlope"), ds.get("RescaleIntercept")
    if slope is None or intercept is None:
        warnings.append("no RescaleSlope/RescaleIntercept: stored values used as HU")
    try:
        s = 1.0 if slope is None else float(slope)
        b = 0.0 if intercept is None else float(intercept)
    except (TypeError, ValueError) as exc:
        raise OrgansegInputError(f"{source}: bad RescaleSlope/Intercept {slope!r}/{intercept!r}") from exc
    if not (np.isfinite(s) and np.isfinite(b)) or s == 0:
        raise OrgansegInputError(f"{source}: bad RescaleSlope/Intercept {slope!r}/{intercept!r}")
    return rescale_to_hu(arr, s, b), warnings


def _float_pair(value: Any, what: str, source: str) -> tuple[float, float]:
    try:
        vals = [float(v) for v in value]
    except (TypeError, ValueError) as exc:
        raise OrgansegInputError(f"{source}: bad {what} {value!r}") from exc
    if len(vals) != 2 or not all(np.isfinite(v) and v > 0 for v in vals):
        raise OrgansegInputError(f"{source}: bad {what} {value!r} (need two positive numbers in mm)")
    return vals[0], vals[1]


def pixel_spacing_mm(ds: Any, source: str) -> tuple[float, float] | None:
    """``(row, column)`` spacing in mm from PixelSpacing (or a SEG/enhanced file's shared Pixel
    Measures Sequence); ``None`` if absent.

    Raises:
        OrgansegInputError: If present but not two positive finite numbers.
    """
    if "PixelSpacing" in ds and ds.PixelSpacing is not None:
        return _float_pair(ds.PixelSpacing, "PixelSpacing", source)
    for seq_name in ("SharedFunctionalGroupsSequence", "PerFrameFunctionalGroupsSequence"):
        seq = ds.get(seq_name)
        if seq:
            pm = seq[0].get("PixelMeasuresSequence")
            if pm and "PixelSpacing" in pm[0]:
                return _float_pair(pm[0].PixelSpacing, "PixelSpacing", source)
    return None


# --------------------------------------------------------------------------------------------
# slice geometry
# --------------------------------------------------------------------------------------------


@dataclass
class DicomSlice:
    """Header facts of one single-frame DICOM slice (no pixels)."""

    path: Path
    rows: int
    cols: int
    sop_uid: str | None = None
    instance_number: int | None = None
    position: tuple[float, float, float] | None = None
    orientation: tuple[float, ...] | None = None
    spacing: tuple[float, float] | None = None
    thickness: float | None = None
    location: float | None = None  # position along the slice normal (mm)


def _normal(orientation: Sequence[float]) -> np.ndarray:
    o = np.asarray(orientation, dtype=np.float64)
    n = np.cross(o[:3], o[3:6])
    norm = np.linalg.norm(n)
    return n / norm if norm > 0 else n


def slice_from_dataset(ds: Any, path: Path) -> DicomSlice:
    """Collect the geometry of a (header-only) dataset.

    Raises:
        OrgansegInputError: Multi-frame image, missing Rows/Columns, bad PixelSpacing/positions.
    """
    src = str(path)
    frames = int(ds.get("NumberOfFrames", 1) or 1)
    if frames > 1:
        raise OrgansegInputError(f"{src}: multi-frame image ({frames} frames) is not supported as a CT slice")
    if ds.get("Rows") is None or ds.get("Columns") is None:
        raise OrgansegInputError(f"{src}: no Rows/Columns (not an image)")
    sl = DicomSlice(path=path, rows=int(ds.Rows), cols=int(ds.Columns))
    sl.sop_uid = str(ds.SOPInstanceUID) if "SOPInstanceUID" in ds else None
    if ds.get("InstanceNumber") not in (None, ""):
        try:
            sl.instance_number = int(ds.InstanceNumber)
        except (TypeError, ValueError):
            sl.instance_number = None
    sl.spacing = pixel_spacing_mm(ds, src)
    if ds.get("SliceThickness") not in (None, ""):
        try:
            t = float(ds.SliceThickness)
            sl.thickness = t if np.isfinite(t) and t > 0 else None
        except (TypeError, ValueError):
            sl.thickness = None
    pos, ori = ds.get("ImagePositionPatient"), ds.get("ImageOrientationPatient")
    try:
        if pos is not None and len(pos) == 3:
            sl.position = tuple(float(v) for v in pos)  # type: ignore[assignment]
        if ori is not None and len(ori) == 6:
            sl.orientation = tuple(float(v) for v in ori)
    except (TypeError, ValueError) as exc:
        raise OrgansegInputError(f"{src}: bad ImagePositionPatient/ImageOrientationPatient") from exc
    if sl.position is not None and sl.orientation is not None:
        sl.location = float(np.dot(_normal(sl.orientation), sl.position))
    return sl


def sort_slices(slices: Sequence[DicomSlice]) -> tuple[list[DicomSlice], str]:
    """Order slices by location along the normal, else InstanceNumber, else file name.

    Returns:
        ``(sorted slices, key)`` with key ``"position"``, ``"instance"`` or ``"filename"``.
    """
    if slices and all(s.location is not None for s in slices):
        return sorted(slices, key=lambda s: (s.location, s.path.name)), "position"
    if slices and all(s.instance_number is not None for s in slices):
        return sorted(slices, key=lambda s: (s.instance_number, s.path.name)), "instance"
    return sorted(slices, key=lambda s: s.path.name), "filename"


# --------------------------------------------------------------------------------------------
# DICOM-SEG
# --------------------------------------------------------------------------------------------


@dataclass
class SegFrames:
    """Frames of one segment of a DICOM-SEG file."""

    path: Path
    masks: np.ndarray  # (n, H, W) uint8 0/1
    ref_uids: list[str | None]
    positions: list[tuple[float, float, float] | None]
    orientation: tuple[float, ...] | None
    spacing: tuple[float, float] | None
    segment_number: int
    segment_label: str
    warnings: list[str] = field(default_factory=list)


def _first(seq_item: Any, *names: str) -> Any:
    cur = seq_item
    for n in names:
        if cur is None:
            return None
        seq = cur.get(n)
        if not seq:
            return None
        cur = seq[0]
    return cur


def read_dicom_seg(path: str | os.PathLike, segment: int | str | None = None) -> SegFrames:
    """Read the frames of one segment of a DICOM Segmentation (``Modality SEG``).

    Frame ``i`` belongs to segment ``PerFrameFunctionalGroupsSequence[i].SegmentIdentificationSequence
    [0].ReferencedSegmentNumber``; its slice is ``DerivationImageSequence[0].SourceImageSequence[0]
    .ReferencedSOPInstanceUID`` and/or ``PlanePositionSequence[0].ImagePositionPatient``. BINARY
    frames are 0/1 already; FRACTIONAL frames are thresholded at half of MaximumFractionalValue
    (with a warning). If the file lists more per-frame items than it has frames (pydicom's
    ``liver_1frame.dcm`` test file keeps 3 items for 1 frame), the first items are used, with a
    warning.

    Args:
        path: The SEG file.
        segment: Segment number, or segment label (case-insensitive), or ``None`` when the file has
            a single segment.

    Returns:
        The selected :class:`SegFrames`.

    Raises:
        OrgansegInputError: Not a SEG, unknown/ambiguous segment, fewer per-frame items than frames.
    """
    p = Path(path)
    ds = read_dicom(p)
    if str(ds.get("SOPClassUID", "")) != SEG_SOP_CLASS_UID and ds.get("Modality") != "SEG":
        raise OrgansegInputError(f"{p}: not a DICOM Segmentation (Modality {ds.get('Modality')!r})")
    segs = {int(s.SegmentNumber): str(s.get("SegmentLabel", "")) for s in ds.get("SegmentSequence", [])}
    if not segs:
        raise OrgansegInputError(f"{p}: SEG without a SegmentSequence")
    if segment is None:
        if len(segs) != 1:
            raise OrgansegInputError(f"{p}: {len(segs)} segments {segs}; choose one (--segment)")
        number = next(iter(segs))
    elif isinstance(segment, int) or str(segment).isdigit():
        number = int(segment)
        if number not in segs:
            raise OrgansegInputError(f"{p}: no segment number {number}; segments are {segs}")
    else:
        hits = [n for n, lab in segs.items() if lab.lower() == str(segment).lower()]
        if len(hits) != 1:
            raise OrgansegInputError(f"{p}: segment label {segment!r} matches {len(hits)} segments; segments are {segs}")
        number = hits[0]
    arr = _pixel_array(ds, str(p))
    n_frames = int(ds.get("NumberOfFrames", 1) or 1)
    if arr.ndim == 2:
        arr = arr[None]
    if arr.shape[0] != n_frames:
        raise OrgansegInputError(f"{p}: pixel data has {arr.shape[0]} frames, NumberOfFrames says {n_frames}")
    warnings: list[str] = []
    seg_type = str(ds.get("SegmentationType", "BINARY")).upper()
    if seg_type == "FRACTIONAL":
        mx = float(ds.get("MaximumFractionalValue", 255) or 255)
        warnings.append(f"FRACTIONAL segmentation thresholded at {mx / 2:g} (half of {mx:g})")
        arr = (arr.astype(np.float64) >= mx / 2.0).astype(np.uint8)
    else:
        arr = to_binary_mask(arr.reshape(-1, arr.shape[-1]), str(p)).reshape(arr.shape)
    per_frame = ds.get("PerFrameFunctionalGroupsSequence") or []
    if len(per_frame) < n_frames:
        raise OrgansegInputError(f"{p}: {len(per_frame)} per-frame functional group items for {n_frames} frames")
    if len(per_frame) > n_frames:
        warnings.append(f"{len(per_frame)} per-frame items for {n_frames} frame(s); the first {n_frames} used")
    shared = _first(ds, "SharedFunctionalGroupsSequence")
    ori_item = _first(shared, "PlaneOrientationSequence") if shared is not None else None
    orientation = None
    if ori_item is not None and "ImageOrientationPatient" in ori_item:
        orientation = tuple(float(v) for v in ori_item.ImageOrientationPatient)
    keep, uids, positions = [], [], []
    for i in range(n_frames):
        item = per_frame[i]
        seg_item = _first(item, "SegmentIdentificationSequence")
        frame_seg = int(seg_item.ReferencedSegmentNumber) if seg_item is not None else (number if len(segs) == 1 else -1)
        if frame_seg != number:
            continue
        src = _first(item, "DerivationImageSequence", "SourceImageSequence")
        uid = str(src.ReferencedSOPInstanceUID) if src is not None and "ReferencedSOPInstanceUID" in src else None
        pp = _first(item, "PlanePositionSequence")
        pos = tuple(float(v) for v in pp.ImagePositionPatient) if pp is not None and "ImagePositionPatient" in pp else None
        if orientation is None:
            po = _first(item, "PlaneOrientationSequence")
            if po is not None and "ImageOrientationPatient" in po:
                orientation = tuple(float(v) for v in po.ImageOrientationPatient)
        keep.append(i)
        uids.append(uid)
        positions.append(pos)  # type: ignore[arg-type]
    return SegFrames(
        path=p, masks=arr[keep], ref_uids=uids, positions=positions, orientation=orientation,
        spacing=pixel_spacing_mm(ds, str(p)), segment_number=number, segment_label=segs[number],
        warnings=warnings,
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


def _is_seg(ds: Any) -> bool:
    return str(ds.get("SOPClassUID", "")) == SEG_SOP_CLASS_UID or ds.get("Modality") == "SEG"


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
    seg_files = [(f, ds) for f, ds in headers if _is_seg(ds)]
    slice_files = [(f, ds) for f, ds in headers if not _is_seg(ds)]
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
        normal = _normal(seg.orientation) if seg.orientation is not None else None
        for k in range(seg.masks.shape[0]):
            i = uid_index.get(seg.ref_uids[k]) if seg.ref_uids[k] else None
            if i is None and seg.positions[k] is not None and has_loc:
                n = normal if normal is not None else _normal(slices[0].orientation or (1, 0, 0, 0, 1, 0))
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
        return to_binary_mask(read_image_file(ref.path), str(ref.path), mask_label)
    if ref.kind == "dicom":
        assert ref.path is not None
        ds = read_dicom(ref.path)
        arr = _pixel_array(ds, str(ref.path))
        if arr.ndim == 3 and arr.shape[0] == 1:
            arr = arr[0]
        return to_binary_mask(arr, str(ref.path), mask_label)
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
                if _is_seg(ds):
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
    records: dict[str, list[dict]] = {}
    objects: dict[str, list[tuple[int, int, np.ndarray]]] = {}
    rows: list[dict] = []
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
        rows.append({
            "filename": f"{stem}.png", "split": sp, "case_id": case, "slice_index": idx,
            "instance_number": sl.instance_number, "slice_location_mm": _fmt(sl.location, 4),
            "spacing_mm": _fmt(sl.spacing[0]) if iso and sl.spacing else "",
            "spacing_row_mm": _fmt(sl.spacing[0]) if sl.spacing else "",
            "spacing_col_mm": _fmt(sl.spacing[1]) if sl.spacing else "",
            "slice_thickness_mm": _fmt(sl.thickness), "window_level": _fmt(lv), "window_width": _fmt(wd),
            "height": h, "width": w, "source_file": sl.path.relative_to(root_p).as_posix(),
            "mask_file": (ref.path.relative_to(root_p).as_posix() if ref is not None and ref.path is not None else ""),
        })
        recs = records.setdefault(sp, [])
        recs.append({"id": len(recs) + 1, "file_name": f"img_dir/{sp}/{stem}.png", "height": h, "width": w})
        if mask is not None:
            objects.setdefault(sp, []).append((len(recs), 1, mask))
        if not dry_run:
            atomic_imwrite_png(out / "img_dir" / sp / f"{stem}.png", img)
            report.outputs.append(f"img_dir/{sp}/{stem}.png")
            if mask is not None:
                atomic_imwrite_png(out / "ann_dir" / sp / f"{stem}.png", mask)
                report.outputs.append(f"ann_dir/{sp}/{stem}.png")
        report.converted += 1
    if not dry_run and rows:
        rows.sort(key=lambda r: r["filename"])
        write_csv(out / "meta.csv", DICOM_META_COLUMNS, rows)
        report.outputs.append("meta.csv")
        if not images_only:
            for sp, recs in sorted(records.items()):
                coco, _ = build_coco(recs, objects.get(sp, []), [{"id": 1, "name": category}],
                                     info={"description": f"organseg_plugins DICOM {category} {sp}"})
                atomic_write_json(out / "annotations" / f"instances_{sp}.json", coco)
                report.outputs.append(f"annotations/instances_{sp}.json")
    report.extra["slices per split"] = {sp: len(r) for sp, r in sorted(records.items())}
    report.extra["cases"] = len(cases)
    return report
