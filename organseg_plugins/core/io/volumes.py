"""CT/MR volumes in: DICOM series (pydicom), NIfTI (nibabel), MetaImage and any ITK format (SimpleITK).

Every reader returns one :class:`Volume` with the same conventions, whatever the file format:

* ``array``: the voxels in array-axis order ``(z, y, x)`` (slice, row, column), as stored (a DICOM
  series in HU; a NIfTI/MetaImage file with its scaling applied);
* ``spacing``: voxel size in mm, ``(z, y, x)`` (the order of ``array``'s axes, the order the metrics
  take, see :mod:`organseg_plugins.core.metrics`);
* ``origin``: world position (mm, DICOM/ITK LPS patient coordinates) of the centre of voxel
  ``array[0, 0, 0]``;
* ``direction``: 3x3 ITK direction matrix (row-major); its columns are the LPS world directions of
  the x (column), y (row) and z (slice) index axes, so that ``world = origin + direction @
  (x * sx, y * sy, z * sz)``.

NIfTI affines are RAS; they are turned into LPS by negating the first two rows, which is what ITK
(SimpleITK, 3D Slicer, ITK-SNAP) does, so the nibabel and the SimpleITK readers give the same
record for the same file (a test checks it on phantoms of every format). A DICOM series is ordered
by position along the slice normal (:func:`organseg_plugins.core.io.dicom.sort_slices`); a missing
or duplicated slice, two series in one folder, and a zero/NaN spacing are refused in one line
naming the file. :func:`check_same_geometry` refuses a label whose grid differs from its image,
naming both files.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import OrgansegInputError
from .dicom import dataset_to_hu, read_dicom, slice_from_dataset, slice_normal, sort_slices
from .validate import as_binary_mask

__all__ = [
    "RAS_TO_LPS", "Volume", "VOLUME_EXTS", "is_hidden_junk", "volume_stem", "read_dicom_series", "read_nifti", "read_sitk",
    "read_metaimage", "read_volume", "read_label_volume", "check_same_geometry",
]

#: File endings read as volumes (a folder is read as a DICOM series).
VOLUME_EXTS = (".nii.gz", ".nii", ".mhd", ".mha", ".nrrd")

#: RAS <-> LPS: negate x and y.
RAS_TO_LPS = np.diag([-1.0, -1.0, 1.0])


@dataclass
class Volume:
    """One 3-D image or label volume with its geometry (see the module docstring for the conventions).

    Attributes:
        array: voxels ``(z, y, x)``.
        spacing: voxel size in mm ``(z, y, x)``, positive and finite.
        origin: LPS world position in mm of voxel ``[0, 0, 0]`` (x, y, z).
        direction: 3x3 direction matrix (columns: world directions of the x, y, z index axes).
        source: the file (or DICOM folder) it was read from.
    """

    array: np.ndarray
    spacing: tuple[float, float, float]
    origin: tuple[float, float, float] = (0.0, 0.0, 0.0)
    direction: tuple[float, ...] = (1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0)
    source: str = ""

    @property
    def shape(self) -> tuple[int, int, int]:
        """``(z, y, x)`` size."""
        return tuple(int(s) for s in self.array.shape)  # type: ignore[return-value]

    def direction_matrix(self) -> np.ndarray:
        """The direction as a 3x3 array."""
        return np.asarray(self.direction, dtype=np.float64).reshape(3, 3)

    def with_array(self, array: np.ndarray, source: str | None = None) -> Volume:
        """Same geometry, other voxels (e.g. a predicted mask); the shape must match."""
        if tuple(array.shape) != self.shape:
            raise OrgansegInputError(f"{source or self.source}: array shape {tuple(array.shape)} differs from "
                                     f"the volume's {self.shape}")
        return Volume(array, self.spacing, self.origin, self.direction, source if source is not None else self.source)


def is_hidden_junk(path: str | os.PathLike) -> bool:
    """macOS resource forks (``._name``) and other dot files, which MSD archives carry."""
    return Path(path).name.startswith(".")


def volume_stem(path: str | os.PathLike) -> str:
    """File name without a volume ending (``label0001.nii.gz`` -> ``label0001``)."""
    name = Path(path).name
    for ext in VOLUME_EXTS:
        if name.lower().endswith(ext):
            return name[: -len(ext)]
    return Path(name).stem


def _check_spacing(spacing: Sequence[float], source: str) -> tuple[float, float, float]:
    vals = tuple(float(s) for s in spacing)
    if len(vals) != 3 or not all(math.isfinite(v) and v > 0 for v in vals):
        raise OrgansegInputError(f"{source}: voxel spacing {vals} (z, y, x) must be three positive finite mm values")
    return vals  # type: ignore[return-value]


def _check_3d(arr: np.ndarray, source: str) -> np.ndarray:
    if arr.ndim == 4 and arr.shape[-1] == 1:
        arr = arr[..., 0]
    if arr.ndim != 3:
        raise OrgansegInputError(f"{source}: expected a 3-D volume, got an array of shape {arr.shape}")
    return arr


# ------------------------------------------------------------------------------------------------
# DICOM series (pydicom)
# ------------------------------------------------------------------------------------------------


def read_dicom_series(folder: str | os.PathLike, step_tol: float = 0.05) -> Volume:
    """Read a single-frame CT DICOM series (one folder) as a volume in HU.

    Slices are ordered by their position along the slice normal. The series must be one
    SeriesInstanceUID with one size, orientation and pixel spacing; positions must be evenly spaced
    (within ``step_tol`` of the median step, relative): a step near 0 is a duplicated slice, a step
    of about twice the median a missing one.

    Args:
        folder: Folder of ``.dcm`` (or extension-less) files; hidden ``._*`` files are skipped.
        step_tol: Relative tolerance of the slice steps.

    Returns:
        :class:`Volume` in HU (float32), spacing ``(median step, row, column)``.

    Raises:
        OrgansegInputError: One line naming the file: not DICOM, mixed series, missing/duplicated
            slice, no position/orientation, inconsistent size or spacing, zero/NaN spacing.
    """
    root = Path(folder)
    if not root.is_dir():
        raise OrgansegInputError(f"{root}: DICOM series folder does not exist")
    files = sorted(p for p in root.iterdir() if p.is_file() and not is_hidden_junk(p))
    if not files:
        raise OrgansegInputError(f"{root}: no DICOM files in the series folder")
    slices, series = [], {}
    for f in files:
        ds = read_dicom(f, stop_before_pixels=True)
        series.setdefault(str(ds.get("SeriesInstanceUID", "")), f)
        slices.append(slice_from_dataset(ds, f))
    if len(series) > 1:
        a, b = list(series.values())[:2]
        raise OrgansegInputError(f"{b}: mixed series in {root}: SeriesInstanceUID differs from {a.name}'s "
                                 f"({len(series)} series in one folder)")
    first = slices[0]
    for s in slices:
        if (s.rows, s.cols) != (first.rows, first.cols):
            raise OrgansegInputError(f"{s.path}: slice is {s.cols}x{s.rows}, {first.path.name} is {first.cols}x{first.rows}")
        if s.location is None:
            raise OrgansegInputError(f"{s.path}: no ImagePositionPatient/ImageOrientationPatient (cannot order slices)")
        if s.spacing is None:
            raise OrgansegInputError(f"{s.path}: no PixelSpacing")
        if not np.allclose(s.orientation, first.orientation, atol=1e-4):
            raise OrgansegInputError(f"{s.path}: ImageOrientationPatient differs from {first.path.name}'s")
        if not np.allclose(s.spacing, first.spacing, rtol=1e-4):
            raise OrgansegInputError(f"{s.path}: PixelSpacing {s.spacing} differs from {first.path.name}'s {first.spacing}")
    ordered, _ = sort_slices(slices)
    locs = np.array([s.location for s in ordered], dtype=np.float64)
    steps = np.diff(locs)
    if steps.size:
        typical = float(np.median(steps))
        for j, st in enumerate(steps.tolist()):
            if st <= step_tol * max(typical, 1e-6):
                raise OrgansegInputError(f"{ordered[j + 1].path}: duplicated slice (same position {locs[j + 1]:.3f} mm "
                                         f"as {ordered[j].path.name})")
            if abs(st - typical) > step_tol * typical:
                raise OrgansegInputError(f"{ordered[j + 1].path}: slice step {st:.3f} mm after {ordered[j].path.name}, "
                                         f"typical {typical:.3f} mm: missing slice(s) in the series")
        dz = typical
    else:
        dz = float(first.thickness or 0.0)
    spacing = _check_spacing((dz, first.spacing[0], first.spacing[1]), str(ordered[0].path))
    arr = np.empty((len(ordered), first.rows, first.cols), np.float32)
    for k, s in enumerate(ordered):
        hu, _warn = dataset_to_hu(read_dicom(s.path), str(s.path))
        arr[k] = hu
    ori = np.asarray(first.orientation, dtype=np.float64)
    direction = np.stack([ori[:3], ori[3:6], slice_normal(ori)], axis=1)
    return Volume(arr, spacing, tuple(float(v) for v in ordered[0].position),  # type: ignore[arg-type]
                  tuple(direction.ravel().tolist()), str(root))


# ------------------------------------------------------------------------------------------------
# NIfTI (nibabel)
# ------------------------------------------------------------------------------------------------


def read_nifti(path: str | os.PathLike) -> Volume:
    """Read a ``.nii``/``.nii.gz`` volume with nibabel (scaling applied), geometry in LPS.

    Raises:
        OrgansegInputError: Missing/unreadable file, not 3-D, zero/NaN voxel size.
    """
    import nibabel as nib

    p = Path(path)
    if not p.is_file():
        raise OrgansegInputError(f"{p}: file does not exist")
    try:
        img = nib.load(str(p))
        data = np.asanyarray(img.dataobj)
    except Exception as exc:  # nibabel raises several types for broken files
        raise OrgansegInputError(f"{p}: cannot read the NIfTI file ({type(exc).__name__}: {exc})") from exc
    data = _check_3d(np.asarray(data), str(p))
    zooms = [float(z) for z in img.header.get_zooms()[:3]]
    spacing = _check_spacing(zooms[::-1], str(p))
    aff = RAS_TO_LPS @ np.asarray(img.affine, dtype=np.float64)[:3]
    direction = aff[:, :3] / np.asarray(zooms)[None, :]
    return Volume(np.ascontiguousarray(data.transpose(2, 1, 0)), spacing, tuple(aff[:, 3].tolist()),
                  tuple(direction.ravel().tolist()), str(p))


# ------------------------------------------------------------------------------------------------
# SimpleITK (MetaImage, and a second reader of everything)
# ------------------------------------------------------------------------------------------------


def read_sitk(path: str | os.PathLike) -> Volume:
    """Read a volume with SimpleITK: MetaImage ``.mhd/.raw`` and ``.mha``, NIfTI, NRRD, or a DICOM folder.

    Raises:
        OrgansegInputError: Missing/unreadable file (e.g. an ``.mhd`` whose ``.raw`` is missing), not 3-D,
            zero/NaN spacing.
    """
    import SimpleITK as sitk

    p = Path(path)
    if not p.exists():
        raise OrgansegInputError(f"{p}: file does not exist")
    try:
        if p.is_dir():
            reader = sitk.ImageSeriesReader()
            names = reader.GetGDCMSeriesFileNames(str(p))
            if not names:
                raise OrgansegInputError(f"{p}: SimpleITK finds no DICOM series")
            reader.SetFileNames(names)
            img = reader.Execute()
        else:
            img = sitk.ReadImage(str(p))
    except OrgansegInputError:
        raise
    except Exception as exc:  # SimpleITK raises RuntimeError with a long ITK message
        msg = " ".join(str(exc).split())[:300]
        raise OrgansegInputError(f"{p}: cannot read the volume with SimpleITK ({msg})") from exc
    if img.GetDimension() != 3:
        raise OrgansegInputError(f"{p}: expected a 3-D volume, got {img.GetDimension()}-D")
    arr = _check_3d(sitk.GetArrayFromImage(img), str(p))
    spacing = _check_spacing(tuple(img.GetSpacing())[::-1], str(p))
    return Volume(arr, spacing, tuple(float(v) for v in img.GetOrigin()),  # type: ignore[arg-type]
                  tuple(float(v) for v in img.GetDirection()), str(p))


def read_metaimage(path: str | os.PathLike) -> Volume:
    """Read a MetaImage ``.mhd`` (+ ``.raw``) or ``.mha`` file (Sliver07's format) with SimpleITK."""
    p = Path(path)
    if p.suffix.lower() not in (".mhd", ".mha"):
        raise OrgansegInputError(f"{p}: a MetaImage file ends in .mhd or .mha")
    return read_sitk(p)


def read_volume(path: str | os.PathLike) -> Volume:
    """Read a volume by its kind: a folder -> DICOM series, ``.nii(.gz)`` -> nibabel, others -> SimpleITK.

    Raises:
        OrgansegInputError: Unknown ending or a reader's error.
    """
    p = Path(path)
    if p.is_dir():
        return read_dicom_series(p)
    name = p.name.lower()
    if name.endswith((".nii", ".nii.gz")):
        return read_nifti(p)
    if name.endswith((".mhd", ".mha", ".nrrd")):
        return read_sitk(p)
    raise OrgansegInputError(f"{p}: not a volume (a DICOM folder or {', '.join(VOLUME_EXTS)})")


def read_label_volume(path: str | os.PathLike, labels: Sequence[int] | None = None) -> Volume:
    """Read a label volume as a 0/1 uint8 mask.

    Args:
        path: Label file (any :func:`read_volume` kind).
        labels: Label values that are foreground (e.g. ``[1, 2]`` for MSD pancreas + tumour); ``None``:
            the file must be 0/1 (0/255 accepted), checked by the one mask validator.

    Raises:
        OrgansegInputError: Non-binary values without ``labels``, or a reader's error.
    """
    vol = read_volume(path)
    arr = vol.array
    if labels is None:
        mask = as_binary_mask(np.rint(arr).astype(np.int64) if arr.dtype.kind == "f" and np.isfinite(arr).all() else arr,
                              vol.source, allow_255=True, ndim=(3,))
    else:
        mask = np.isin(arr, np.asarray(list(labels))).astype(np.uint8)
    return vol.with_array(mask)


def check_same_geometry(image: Volume, label: Volume, rtol: float = 1e-3, atol_mm: float = 1e-2) -> None:
    """Refuse a label whose voxel grid differs from its image's (shape, spacing, origin, direction).

    Raises:
        OrgansegInputError: One line naming both files and the first difference.
    """
    def fmt(v: Any) -> str:
        return "(" + ", ".join(f"{float(x):g}" for x in v) + ")"

    what = None
    if image.shape != label.shape:
        what = f"size (z, y, x) {image.shape} vs {label.shape}"
    elif not np.allclose(image.spacing, label.spacing, rtol=rtol):
        what = f"spacing (z, y, x) {fmt(image.spacing)} vs {fmt(label.spacing)} mm"
    elif not np.allclose(image.origin, label.origin, atol=max(atol_mm, rtol * min(image.spacing))):
        what = f"origin {fmt(image.origin)} vs {fmt(label.origin)} mm"
    elif not np.allclose(image.direction, label.direction, atol=1e-3):
        what = f"direction {fmt(image.direction)} vs {fmt(label.direction)}"
    if what is not None:
        raise OrgansegInputError(f"{label.source}: label geometry differs from its image {image.source}: {what}")
