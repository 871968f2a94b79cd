"""DICOM reading shared by evaluation, converters and datasets: files, HU, windows, geometry, DICOM-SEG.

* **HU**: ``HU = stored value * RescaleSlope + RescaleIntercept`` (DICOM PS3.3 C.11.1).
* **Window** (:func:`apply_window`): ``grey = round(255 * clip((HU - (L - W/2)) / W, 0, 1))``.
* **Geometry**: slices are ordered by their position along the slice normal (ImagePositionPatient
  projected on the cross product of the ImageOrientationPatient directions), else by
  InstanceNumber, else by file name.
* **DICOM-SEG**: binary segment frames with their referenced SOP instances and positions.
* **Recognition by content**, never by the file name (:func:`is_dicom_file`): the 128-byte preamble
  followed by ``DICM``, or, for files written without a preamble, a first element in group 0002/0008
  that pydicom's reader (``force=True``) reads into a dataset with DICOM identifying elements. Files
  named by UID (``CT.1.3.12.2.1107.5.1.4.16573``) or without a suffix are found;
  :func:`split_dicom_files` lists the files of a folder that are not DICOM, so that callers report them.

pydicom is imported lazily; every error names the file.
"""

from __future__ import annotations

import io
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import OrgansegInputError
from .validate import as_binary_mask

__all__ = [
    "ultrasound_display_image", "ultrasound_dicom_bytes",
    "DEFAULT_WINDOW_LEVEL", "DEFAULT_WINDOW_WIDTH", "WINDOW_PRESETS", "SEG_SOP_CLASS_UID",
    "rescale_to_hu", "apply_window", "read_dicom", "pixel_array", "dataset_to_hu", "pixel_spacing_mm",
    "DicomSlice", "slice_normal", "slice_from_dataset", "sort_slices", "order_positions", "SegFrames",
    "read_dicom_seg", "is_seg", "is_dicom_file", "split_dicom_files",
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

def _pydicom():
    try:
        import pydicom
    except ImportError as exc:  # pragma: no cover - pydicom is in the pinned stack
        raise OrgansegInputError("reading DICOM needs pydicom (pip install pydicom)") from exc
    return pydicom

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

#: Elements of which a force-read, preamble-less file must hold one to count as DICOM.
_IDENTIFYING = ("SOPClassUID", "SOPInstanceUID", "Modality", "SeriesInstanceUID", "StudyInstanceUID")


def _has_preamble(head: bytes) -> bool:
    return len(head) >= 132 and head[128:132] == b"DICM"


def _force_read(path: Path, stop_before_pixels: bool = True) -> Any | None:
    """pydicom's reader with ``force=True`` on a preamble-less file; ``None`` if it is not DICOM."""
    pydicom = _pydicom()
    try:
        ds = pydicom.dcmread(str(path), force=True, stop_before_pixels=stop_before_pixels)
        if not any(k in ds for k in _IDENTIFYING):
            return None
    except Exception:  # noqa: BLE001 - any failure of a forced read means "not DICOM"
        return None
    meta = getattr(ds, "file_meta", None)
    if meta is not None and "TransferSyntaxUID" not in meta:
        from pydicom.uid import ExplicitVRBigEndian, ExplicitVRLittleEndian, ImplicitVRLittleEndian

        # a raw data set has no file meta: its encoding is what the reader found
        meta.TransferSyntaxUID = (ImplicitVRLittleEndian if ds.is_implicit_VR else
                                  ExplicitVRLittleEndian if ds.is_little_endian else ExplicitVRBigEndian)
    return ds


def _plausible_raw_start(head: bytes) -> bool:
    """The first element of a preamble-less data set: group 0002 or 0008, little or big endian."""
    if len(head) < 8:
        return False
    return int.from_bytes(head[:2], "little") in (0x0002, 0x0008) or int.from_bytes(head[:2], "big") in (0x0002, 0x0008)


def is_dicom_file(path: str | os.PathLike) -> bool:
    """Whether a file is DICOM, judged by its content (never by its name).

    A DICOM Part 10 file has a 128-byte preamble followed by ``DICM``; a file without the preamble
    (older or raw data sets) counts as DICOM when its first element is in group 0002 or 0008 and
    pydicom's reader with ``force=True`` reads it into a data set with an identifying element
    (SOPClassUID, SOPInstanceUID, Modality, Series/StudyInstanceUID).

    Args:
        path: Any file.

    Returns:
        ``True`` for a DICOM file; ``False`` for anything else, a missing, empty or unreadable file.
    """
    p = Path(path)
    try:
        with open(p, "rb") as fh:
            head = fh.read(132)
    except OSError:
        return False
    if _has_preamble(head):
        return True
    return _plausible_raw_start(head) and _force_read(p) is not None


def split_dicom_files(files: Sequence[str | os.PathLike]) -> tuple[list[Path], list[Path]]:
    """Split files by content into ``(DICOM files, other files)`` (see :func:`is_dicom_file`), order kept."""
    dicom, other = [], []
    for f in files:
        (dicom if is_dicom_file(f) else other).append(Path(f))
    return dicom, other


def read_dicom(path: str | os.PathLike, stop_before_pixels: bool = False) -> Any:
    """``pydicom.dcmread`` with errors that name the file; preamble-less files are read with ``force``.

    Raises:
        OrgansegInputError: Missing, empty, not a DICOM file (no ``DICM`` preamble and not readable
            as a raw data set), or truncated.
    """
    pydicom = _pydicom()
    p = Path(path)
    if not p.is_file():
        raise OrgansegInputError(f"{p}: file does not exist")
    if p.stat().st_size == 0:
        raise OrgansegInputError(f"{p}: file is empty (0 bytes)")
    with open(p, "rb") as fh:
        head = fh.read(132)
    if not _has_preamble(head):
        ds = _force_read(p, stop_before_pixels) if _plausible_raw_start(head) else None
        if ds is None:
            raise OrgansegInputError(f"{p}: not a DICOM file (no DICM preamble, and not readable as a DICOM data set)")
        return ds
    try:
        return pydicom.dcmread(str(p), stop_before_pixels=stop_before_pixels)
    except pydicom.errors.InvalidDicomError as exc:
        raise OrgansegInputError(f"{p}: not a DICOM file ({exc})") from exc
    except Exception as exc:  # pydicom raises various errors on truncated/corrupt files
        raise OrgansegInputError(f"{p}: cannot read the DICOM file ({type(exc).__name__}: {exc})") from exc

def pixel_array(ds: Any, source: str) -> np.ndarray:
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
    arr = pixel_array(ds, source)
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

def slice_normal(orientation: Sequence[float]) -> np.ndarray:
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
        sl.location = float(np.dot(slice_normal(sl.orientation), sl.position))
    return sl

def order_positions(orientation: Sequence[float], positions: Sequence[Sequence[float]]) -> tuple[np.ndarray, np.ndarray]:
    """The one ordering of DICOM planes: by position along the slice normal (row x column direction).

    Args:
        orientation: ImageOrientationPatient (6 values: row direction, column direction).
        positions: ImagePositionPatient of each plane.

    Returns:
        ``(order, locations)``: the stable ascending order of the planes and their locations (mm along
        the normal) in that order.
    """
    n = slice_normal(orientation)
    locs = np.array([float(np.dot(n, np.asarray(p, dtype=np.float64))) for p in positions], dtype=np.float64)
    order = np.argsort(locs, kind="stable")
    return order, locs[order]


def sort_slices(slices: Sequence[DicomSlice]) -> tuple[list[DicomSlice], str]:
    """Order slices by location along the normal, else InstanceNumber, else file name.

    The location is :func:`slice_from_dataset`'s projection on :func:`slice_normal`, the same as
    :func:`order_positions` (DICOM-SEG frames); ties keep the file-name order.

    Returns:
        ``(sorted slices, key)`` with key ``"position"``, ``"instance"`` or ``"filename"``.
    """
    if slices and all(s.location is not None for s in slices):
        return sorted(slices, key=lambda s: (s.location, s.path.name)), "position"
    if slices and all(s.instance_number is not None for s in slices):
        return sorted(slices, key=lambda s: (s.instance_number, s.path.name)), "instance"
    return sorted(slices, key=lambda s: s.path.name), "filename"

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
    arr = pixel_array(ds, str(p))
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
        arr = as_binary_mask(arr, str(p), allow_255=True, ndim=(2, 3))
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

def is_seg(ds: Any) -> bool:
    return str(ds.get("SOPClassUID", "")) == SEG_SOP_CLASS_UID or ds.get("Modality") == "SEG"


def ultrasound_display_image(ds: Any, source: str) -> np.ndarray:
    """8-bit image of a single-frame ultrasound DICOM dataset: HxW grey, or HxWx3 BGR if colour.

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




def ultrasound_dicom_bytes(image: np.ndarray, patient: str, spacing_mm: float, uid_seed: str) -> bytes:
    """An 8-bit grey ultrasound DICOM file's bytes, calibrated by one SequenceOfUltrasoundRegions region in cm
    (as scanners write it; the spleen converter multiplies PhysicalDeltaX/Y by 10); UIDs derived from ``uid_seed``.

    Args:
        image: ``(rows, cols)`` uint8 pixels.
        patient: PatientID and PatientName.
        spacing_mm: square pixel size in mm.
        uid_seed: entropy of the SOP and series UIDs (same seed, same UIDs).
    """
    import pydicom
    from pydicom.dataset import Dataset, FileDataset, FileMetaDataset
    from pydicom.uid import ExplicitVRLittleEndian, UltrasoundImageStorage, generate_uid

    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = UltrasoundImageStorage
    meta.MediaStorageSOPInstanceUID = generate_uid(entropy_srcs=[uid_seed, "sop"])
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = FileDataset(None, {}, file_meta=meta, preamble=b"\0" * 128)
    ds.SOPClassUID, ds.SOPInstanceUID = UltrasoundImageStorage, meta.MediaStorageSOPInstanceUID
    ds.Modality, ds.PatientID, ds.PatientName = "US", patient, patient
    ds.StudyInstanceUID = generate_uid(entropy_srcs=[patient, "study"])
    ds.SeriesInstanceUID = generate_uid(entropy_srcs=[uid_seed, "series"])
    ds.Rows, ds.Columns = image.shape
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 8, 8, 7, 0
    region = Dataset()
    region.RegionSpatialFormat = 1
    region.PhysicalUnitsXDirection, region.PhysicalUnitsYDirection = 3, 3  # cm
    region.PhysicalDeltaX = region.PhysicalDeltaY = spacing_mm / 10.0
    region.RegionLocationMinX0, region.RegionLocationMinY0 = 0, 0
    region.RegionLocationMaxX1, region.RegionLocationMaxY1 = image.shape[1] - 1, image.shape[0] - 1
    ds.SequenceOfUltrasoundRegions = pydicom.Sequence([region])
    ds.PixelData = np.ascontiguousarray(image, np.uint8).tobytes()
    buf = io.BytesIO()
    ds.is_little_endian, ds.is_implicit_VR = True, False
    pydicom.dcmwrite(buf, ds, write_like_original=False)
    return buf.getvalue()
