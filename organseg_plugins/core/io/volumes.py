"""CT/MR volumes in: DICOM series and images (pydicom), NIfTI (nibabel), MetaImage and any ITK format (SimpleITK).

**One canonical orientation: LPS.** Every reader returns one :class:`Volume` in the same axis
orientation, whatever the file format and whatever order its voxels are stored in:

* ``array``: the voxels indexed ``(z, y, x)`` (slice, row, column) with **+x towards the patient's
  Left, +y towards Posterior, +z towards Superior** (the DICOM/ITK patient convention, ITK's
  ``DICOMOrient(image, "LPS")``). An axial slice ``array[k]`` therefore displays radiologically
  (anterior at the top, the patient's right on the image's left), slice 0 is the most inferior one,
  and a NIfTI stored RAS, a NIfTI stored LPS and a DICOM series give the same array for the same
  anatomy. A DICOM series is in HU; a NIfTI/MetaImage file has its scaling applied.
* ``spacing``: voxel size in mm, ``(z, y, x)`` (the order of ``array``'s axes, the order the metrics
  take, see :mod:`organseg_plugins.core.metrics`);
* ``origin``: world position (mm, DICOM/ITK LPS patient coordinates) of the centre of voxel
  ``array[0, 0, 0]``;
* ``direction``: 3x3 ITK direction matrix (row-major); its columns are the LPS world directions of
  the x (column), y (row) and z (slice) index axes, so that ``world = origin + direction @
  (x * sx, y * sy, z * sz)``. For a file whose axes are aligned with the patient axes it is the
  identity; for an oblique acquisition it is the rotation left after the nearest axis order (the
  orientation is reached by flips and transpositions only, **never by interpolation**);
* ``storage_direction``: the direction of the file as stored, so that :meth:`Volume.to_storage`
  (which the writers of :mod:`.volume_write` call) gives back the stored voxel order and geometry: a
  predicted mask written from ``image.with_array(mask)`` has the source's affine/direction and
  overlays the source image in 3D Slicer or ITK-SNAP voxel for voxel.

How each reader reaches LPS: it builds the volume in storage order with its geometry (NIfTI: the
nibabel affine, RAS, turned into LPS by negating its first two rows, as ITK does; SimpleITK: origin
and direction as ITK gives them; DICOM: ImageOrientationPatient for x and y, the slice normal for z,
slices ordered along it) and then :func:`canonical` picks, for each of L, P and S, the index axis
whose direction is closest to it (the permutation maximising the alignment), transposes the array
accordingly and flips each axis that points the other way, moving the origin to the new first
voxel.

A DICOM series is ordered by position along the slice normal (:func:`organseg_plugins.core.io.dicom.
order_positions`); DICOM files are recognised by content (:func:`organseg_plugins.core.io.dicom.
is_dicom_file`), so UID-named files without a suffix are read, and other files of a series folder
are skipped with one warning each in :attr:`Volume.warnings`; a missing or duplicated slice, two
series in one folder, and a zero/NaN spacing are refused in one line naming the file.
:func:`label_on_image_grid` puts a label in the same physical space on its image's grid (an axis
flip or permutation is exact; otherwise nearest neighbour), and refuses a label in another physical
space naming both files; :func:`check_same_geometry` is the strict check (same grid).
:func:`stack_slices` is the one slices -> volume stacking.
"""

from __future__ import annotations

import itertools
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import OrgansegInputError
from .dicom import (
    dataset_to_hu,
    read_dicom,
    slice_from_dataset,
    slice_normal,
    sort_slices,
    split_dicom_files,
)
from .validate import as_binary_mask

__all__ = [
    "CANONICAL_ORIENTATION", "RAS_TO_LPS", "Volume", "VOLUME_EXTS", "is_hidden_junk", "volume_stem", "canonical",
    "reorient", "canonical_slice", "read_dicom_series", "read_dicom_image", "read_nifti", "read_sitk", "read_metaimage", "read_volume",
    "read_label_volume", "label_on_image_grid", "check_same_geometry", "stack_slices",
]

#: The orientation of every array the readers return (DICOM letters: the directions of +x, +y, +z).
CANONICAL_ORIENTATION = "LPS"

#: File endings read as volumes (a folder is read as a DICOM series).
VOLUME_EXTS = (".nii.gz", ".nii", ".mhd", ".mha", ".nrrd")

#: RAS <-> LPS: negate x and y.
RAS_TO_LPS = np.diag([-1.0, -1.0, 1.0])

_IDENTITY = (1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0)


@dataclass
class Volume:
    """One 3-D image or label volume with its geometry (see the module docstring for the conventions).

    Attributes:
        array: voxels ``(z, y, x)``.
        spacing: voxel size in mm ``(z, y, x)``, positive and finite.
        origin: LPS world position in mm of voxel ``[0, 0, 0]`` (x, y, z).
        direction: 3x3 direction matrix (columns: world directions of the x, y, z index axes).
        source: the file (or DICOM folder) it was read from.
        storage_direction: direction of the file as stored (``None``: the array is in storage order).
        warnings: notes of the reader (one line each, naming the file), e.g. a non-DICOM file skipped.
    """

    array: np.ndarray
    spacing: tuple[float, float, float]
    origin: tuple[float, float, float] = (0.0, 0.0, 0.0)
    direction: tuple[float, ...] = _IDENTITY
    source: str = ""
    storage_direction: tuple[float, ...] | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def shape(self) -> tuple[int, int, int]:
        """``(z, y, x)`` size."""
        return tuple(int(s) for s in self.array.shape)  # type: ignore[return-value]

    def direction_matrix(self) -> np.ndarray:
        """The direction as a 3x3 array."""
        return np.asarray(self.direction, dtype=np.float64).reshape(3, 3)

    def with_array(self, array: np.ndarray, source: str | None = None) -> Volume:
        """Same geometry (and storage order), other voxels (e.g. a predicted mask); the shape must match."""
        if tuple(array.shape) != self.shape:
            raise OrgansegInputError(f"{source or self.source}: array shape {tuple(array.shape)} differs from "
                                     f"the volume's {self.shape}")
        return Volume(array, self.spacing, self.origin, self.direction, source if source is not None else self.source,
                      self.storage_direction, list(self.warnings))

    def to_storage(self) -> Volume:
        """The volume in the voxel order of the file it was read from (itself if it has none).

        Only flips and transpositions: the voxels, and the physical position of every voxel, are kept.
        """
        if self.storage_direction is None:
            return self
        out = reorient(self, self.storage_direction)
        out.storage_direction = None
        return out


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
# orientation: flips and transpositions only
# ------------------------------------------------------------------------------------------------


def _axis_map(direction: np.ndarray, target: np.ndarray) -> tuple[tuple[int, int, int], tuple[float, float, float]]:
    """For each target axis ``w``: the index axis ``perm[w]`` closest to it and the sign along it."""
    m = target.T @ direction  # m[w, a]: cosine between target axis w and index axis a
    best = max(itertools.permutations(range(3)), key=lambda pm: sum(abs(m[w, pm[w]]) for w in range(3)))
    signs = tuple(1.0 if m[w, best[w]] >= 0 else -1.0 for w in range(3))
    return best, signs  # type: ignore[return-value]


def reorient(vol: Volume, target_direction: Sequence[float] | np.ndarray) -> Volume:
    """Transpose and flip the axes of ``vol`` so that its direction is as close as possible to ``target_direction``.

    No interpolation: every voxel keeps its value and its physical position; origin, spacing and
    direction follow the axes.

    Args:
        vol: The volume.
        target_direction: 3x3 (or 9 values, row-major) direction to approach (identity: LPS).

    Returns:
        A new :class:`Volume` (the same object's array when nothing changes), same ``source``,
        ``storage_direction`` and ``warnings``.
    """
    d = vol.direction_matrix()
    target = np.asarray(target_direction, dtype=np.float64).reshape(3, 3)
    perm, signs = _axis_map(d, target)
    if perm == (0, 1, 2) and all(s > 0 for s in signs):
        return Volume(vol.array, vol.spacing, vol.origin, vol.direction, vol.source, vol.storage_direction,
                      list(vol.warnings))
    sp_xyz = np.asarray(vol.spacing[::-1], dtype=np.float64)
    n_xyz = vol.shape[::-1]
    origin = np.asarray(vol.origin, dtype=np.float64).copy()
    new_d = np.empty((3, 3))
    for w in range(3):
        a = perm[w]
        new_d[:, w] = signs[w] * d[:, a]
        if signs[w] < 0:  # the new first voxel is the old last one along that axis
            origin = origin + d[:, a] * sp_xyz[a] * (n_xyz[a] - 1)
    # array axis n <-> index axis 2 - n
    arr = np.transpose(vol.array, [2 - perm[2 - n] for n in range(3)])
    flips = tuple(n for n in range(3) if signs[2 - n] < 0)
    if flips:
        arr = np.flip(arr, axis=flips)
    spacing = tuple(float(sp_xyz[perm[w]]) for w in (2, 1, 0))
    return Volume(np.ascontiguousarray(arr), spacing, tuple(float(v) for v in origin),  # type: ignore[arg-type]
                  tuple(float(v) for v in new_d.ravel()), vol.source, vol.storage_direction, list(vol.warnings))


def canonical(vol: Volume) -> Volume:
    """``vol`` in the canonical LPS orientation (see the module docstring), remembering its storage direction."""
    out = reorient(vol, np.eye(3))
    out.storage_direction = vol.storage_direction if vol.storage_direction is not None else tuple(vol.direction)
    return out


def canonical_slice(pixels: np.ndarray, orientation: Sequence[float] | None) -> np.ndarray:
    """One DICOM slice ``(rows, cols)`` in the canonical orientation of its ImageOrientationPatient.

    The 2-D counterpart of :func:`canonical` for converters that work slice by slice: the slice is a
    one-slice volume with the direction ``(row dir, column dir, normal)``; its canonical array without
    the one-slice axis is returned (flips and transpositions only). Without an orientation the slice
    is returned as it is.

    Args:
        pixels: The slice as stored (any dtype).
        orientation: ImageOrientationPatient (6 values) or ``None``.

    Returns:
        The 2-D array in LPS (for an axial slice: rows towards Posterior, columns towards Left).
    """
    if orientation is None:
        return pixels
    ori = np.asarray(orientation, dtype=np.float64)
    direction = np.stack([ori[:3], ori[3:6], slice_normal(ori)], axis=1)
    vol = reorient(Volume(np.asarray(pixels)[None], (1.0, 1.0, 1.0), direction=tuple(direction.ravel().tolist())),
                   np.eye(3))
    axis = next(a for a in range(3) if vol.array.shape[a] == 1)
    return np.take(vol.array, 0, axis=axis)


# ------------------------------------------------------------------------------------------------
# DICOM series (pydicom)
# ------------------------------------------------------------------------------------------------


def _skipped_files(files: Sequence[Path], root: Path) -> list[str]:
    return [f"{f}: not a DICOM file (no DICM preamble, not readable as a DICOM data set): skipped from the "
            f"series {root}" for f in files]


def read_dicom_series(folder: str | os.PathLike, step_tol: float = 0.05) -> Volume:
    """Read a single-frame CT DICOM series (one folder) as an LPS volume in HU.

    Files are recognised as DICOM by content, whatever their names (UID names such as
    ``CT.1.3.12.2.1107.5.1.4.16573``, no suffix); any other file is skipped with one warning naming
    it in :attr:`Volume.warnings`. Slices are ordered by their position along the slice normal. The
    series must be one SeriesInstanceUID with one size, orientation and pixel spacing; positions must
    be evenly spaced (within ``step_tol`` of the median step, relative): a step near 0 is a duplicated
    slice, a step of about twice the median a missing one.

    Args:
        folder: Folder of DICOM files; hidden ``._*`` files are skipped silently (resource forks).
        step_tol: Relative tolerance of the slice steps.

    Returns:
        :class:`Volume` in HU (float32) in the canonical orientation, spacing ``(median step, row, column)``.

    Raises:
        OrgansegInputError: One line naming the file: no DICOM file, mixed series, missing/duplicated
            slice, no position/orientation, inconsistent size or spacing, zero/NaN spacing.
    """
    root = Path(folder)
    if not root.is_dir():
        raise OrgansegInputError(f"{root}: DICOM series folder does not exist")
    files = sorted(p for p in root.iterdir() if p.is_file() and not is_hidden_junk(p))
    files, others = split_dicom_files(files)
    if not files:
        listed = f" ({len(others)} other file(s): {', '.join(o.name for o in others[:3])})" if others else ""
        raise OrgansegInputError(f"{root}: no DICOM files in the series folder{listed}")
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
    stored = Volume(arr, spacing, tuple(float(v) for v in ordered[0].position),  # type: ignore[arg-type]
                    tuple(direction.ravel().tolist()), str(root), warnings=_skipped_files(others, root))
    return canonical(stored)


def read_dicom_image(path: str | os.PathLike, ds: Any = None, pixels: np.ndarray | None = None) -> Volume:
    """One single-frame DICOM image as a one-slice LPS volume in HU (canonical when it has a geometry).

    Without ImageOrientationPatient/ImagePositionPatient the slice stays as stored (identity
    direction); without PixelSpacing the in-plane spacing is 1 mm (a note in ``warnings``); the z
    spacing is the SliceThickness, else 1 mm.

    Args:
        path: The DICOM file (recognised by content, any name).
        ds: The data set if already read (with pixels).
        pixels: The 2-D values to place instead of the HU (e.g. a validated mask of the file).

    Raises:
        OrgansegInputError: Not DICOM, multi-frame or colour pixel data, bad rescale or spacing.
    """
    p = Path(path)
    ds = read_dicom(p) if ds is None else ds
    sl = slice_from_dataset(ds, p)
    if pixels is None:
        values, notes = dataset_to_hu(ds, str(p))
        values = np.asarray(values, dtype=np.float32)
    else:
        values, notes = np.asarray(pixels), []
    warnings = [f"{p}: {n}" for n in notes]
    spacing_yx = sl.spacing
    if spacing_yx is None:
        spacing_yx = (1.0, 1.0)
        warnings.append(f"{p}: no PixelSpacing: 1 mm pixels assumed")
    spacing = _check_spacing((sl.thickness or 1.0, *spacing_yx), str(p))
    arr = values[None]
    if sl.orientation is None or sl.position is None:
        return Volume(arr, spacing, source=str(p), warnings=warnings)
    ori = np.asarray(sl.orientation, dtype=np.float64)
    direction = np.stack([ori[:3], ori[3:6], slice_normal(ori)], axis=1)
    return canonical(Volume(arr, spacing, sl.position, tuple(direction.ravel().tolist()), str(p),
                            warnings=warnings))


# ------------------------------------------------------------------------------------------------
# NIfTI (nibabel)
# ------------------------------------------------------------------------------------------------


def read_nifti(path: str | os.PathLike) -> Volume:
    """Read a ``.nii``/``.nii.gz`` volume with nibabel (scaling applied) in the canonical LPS orientation.

    The nibabel affine (RAS) becomes LPS by negating its first two rows; the array, indexed ``(i, j, k)``
    by nibabel, is then transposed and flipped into LPS ``(z, y, x)`` (see :func:`canonical`). A 2-D
    file ``(i, j)`` is read as one slice.

    Raises:
        OrgansegInputError: Missing/unreadable file, not 2-D or 3-D, zero/NaN voxel size.
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
    data = np.asarray(data)
    aff = RAS_TO_LPS @ np.asarray(img.affine, dtype=np.float64)[:3]
    zooms = [float(z) for z in img.header.get_zooms()[:3]]
    if data.ndim == 2:
        data = data[:, :, None]
        zooms = zooms[:2] + [float(np.linalg.norm(aff[:, 2])) or 1.0]
    data = _check_3d(data, str(p))
    spacing = _check_spacing(zooms[::-1], str(p))
    direction = aff[:, :3] / np.asarray(zooms)[None, :]
    stored = Volume(np.ascontiguousarray(data.transpose(2, 1, 0)), spacing, tuple(aff[:, 3].tolist()),
                    tuple(direction.ravel().tolist()), str(p))
    return canonical(stored)


# ------------------------------------------------------------------------------------------------
# SimpleITK (MetaImage, and a second reader of everything)
# ------------------------------------------------------------------------------------------------


def read_sitk(path: str | os.PathLike) -> Volume:
    """Read a volume with SimpleITK in the canonical LPS orientation: MetaImage ``.mhd/.raw`` and ``.mha``,
    NIfTI, NRRD, or a DICOM folder.

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
    stored = Volume(arr, spacing, tuple(float(v) for v in img.GetOrigin()),  # type: ignore[arg-type]
                    tuple(float(v) for v in img.GetDirection()), str(p))
    return canonical(stored)


def read_metaimage(path: str | os.PathLike) -> Volume:
    """Read a MetaImage ``.mhd`` (+ ``.raw``) or ``.mha`` file (Sliver07's format) with SimpleITK, in LPS."""
    p = Path(path)
    if p.suffix.lower() not in (".mhd", ".mha"):
        raise OrgansegInputError(f"{p}: a MetaImage file ends in .mhd or .mha")
    return read_sitk(p)


def read_volume(path: str | os.PathLike) -> Volume:
    """Read a volume by its kind, in LPS: a folder -> DICOM series, ``.nii(.gz)`` -> nibabel, others -> SimpleITK.

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


# ------------------------------------------------------------------------------------------------
# labels on their image's grid
# ------------------------------------------------------------------------------------------------


def read_label_volume(path: str | os.PathLike, labels: Sequence[int] | None = None,
                      like: Volume | None = None) -> Volume:
    """Read a label volume as a 0/1 uint8 mask (LPS), optionally put on its image's grid.

    Args:
        path: Label file (any :func:`read_volume` kind).
        labels: Label values that are foreground (e.g. ``[1, 2]`` for MSD pancreas + tumour); ``None``:
            the file must be 0/1 (0/255 accepted), checked by the one mask validator.
        like: The image: the label is returned on its grid (:func:`label_on_image_grid`).

    Raises:
        OrgansegInputError: Non-binary values without ``labels``, a label in another physical space
            than ``like`` (naming both files), or a reader's error.
    """
    vol = read_volume(path)
    arr = vol.array
    if labels is None:
        mask = as_binary_mask(np.rint(arr).astype(np.int64) if arr.dtype.kind == "f" and np.isfinite(arr).all() else arr,
                              vol.source, allow_255=True, ndim=(3,))
    else:
        mask = np.isin(arr, np.asarray(list(labels))).astype(np.uint8)
    out = vol.with_array(mask)
    return out if like is None else label_on_image_grid(like, out)


def _fmt(v: Any) -> str:
    return "(" + ", ".join(f"{float(x):g}" for x in v) + ")"


def _grid_difference(image: Volume, label: Volume, rtol: float, atol_mm: float) -> str | None:
    """The first difference of two voxel grids (size, spacing, origin, direction), or ``None``."""
    if image.shape != label.shape:
        return f"size (z, y, x) {image.shape} vs {label.shape}"
    if not np.allclose(image.spacing, label.spacing, rtol=rtol):
        return f"spacing (z, y, x) {_fmt(image.spacing)} vs {_fmt(label.spacing)} mm"
    if not np.allclose(image.origin, label.origin, atol=max(atol_mm, rtol * min(image.spacing))):
        return f"origin {_fmt(image.origin)} vs {_fmt(label.origin)} mm"
    if not np.allclose(image.direction, label.direction, atol=1e-3):
        return f"direction {_fmt(image.direction)} vs {_fmt(label.direction)}"
    return None


def _world_box(vol: Volume) -> tuple[np.ndarray, np.ndarray]:
    """World (LPS, mm) bounding box of the voxels' outer faces: ``(min xyz, max xyz)``."""
    sp = np.asarray(vol.spacing[::-1], dtype=np.float64)
    n = np.asarray(vol.shape[::-1], dtype=np.float64)
    corners = np.array(list(itertools.product(*[(-0.5, k - 0.5) for k in n])))  # 8 x 3 index corners
    world = np.asarray(vol.origin)[None, :] + (corners * sp[None, :]) @ vol.direction_matrix().T
    return world.min(axis=0), world.max(axis=0)


def _to_sitk(vol: Volume, grid_only: bool = False) -> Any:
    """A SimpleITK image of the volume (``grid_only``: an empty uint8 image on its grid, for a resampling reference)."""
    import SimpleITK as sitk

    if grid_only:
        img = sitk.Image([int(n) for n in vol.shape[::-1]], sitk.sitkUInt8)
    else:
        img = sitk.GetImageFromArray(np.ascontiguousarray(vol.array))
    img.SetSpacing(tuple(float(s) for s in vol.spacing[::-1]))
    img.SetOrigin(tuple(float(v) for v in vol.origin))
    img.SetDirection(tuple(float(v) for v in vol.direction))
    return img


def label_on_image_grid(image: Volume, label: Volume, rtol: float = 1e-3, atol_mm: float = 1e-2,
                        tol_mm: float | None = None, names: tuple[str, str] = ("label", "image")) -> Volume:
    """The label on its image's voxel grid, if both are in the same physical space.

    Both volumes come from the readers in LPS, so a label stored with another axis order or direction
    than its image (what nibabel-based tools write next to a DICOM series) already lies on the same
    grid: it is returned as it is (exact). A label on another grid over the same physical extent is
    resampled onto the image's grid by nearest neighbour (SimpleITK ``Resample`` with the identity
    transform). A label whose physical extent differs from the image's by more than ``tol_mm`` (default:
    half the smallest image voxel) is in another space: refused.

    Args:
        image: The image volume.
        label: Its label volume.
        rtol: Relative tolerance of spacing/origin for "same grid".
        atol_mm: Absolute origin tolerance (mm) for "same grid".
        tol_mm: Largest difference (mm) of the two physical extents still "the same space".
        names: What the two are called in the error (``("prediction", "ground truth")`` for an evaluator).

    Returns:
        The label's voxels on ``image``'s grid (``image.with_array``, the label's ``source``).

    Raises:
        OrgansegInputError: One line naming both files and what differs (origin, extent, ...).
    """
    what = _grid_difference(image, label, rtol, atol_mm)
    if what is None:
        out = image.with_array(label.array, source=label.source)
        out.warnings = list(label.warnings)
        return out
    tol = max(atol_mm, 0.5 * min(image.spacing)) if tol_mm is None else float(tol_mm)
    (lo_i, hi_i), (lo_l, hi_l) = _world_box(image), _world_box(label)
    off = float(max(np.abs(lo_i - lo_l).max(), np.abs(hi_i - hi_l).max()))
    if off > tol:
        raise OrgansegInputError(
            f"{label.source}: {names[0]} is not in the physical space of its {names[1]} {image.source}: {what}; "
            f"their extents differ by up to {off:.3g} mm (tolerance {tol:.3g} mm)")
    import SimpleITK as sitk

    # the output has the label's pixel type (outputPixelType sitkUnknown)
    res = sitk.Resample(_to_sitk(label), _to_sitk(image, grid_only=True), sitk.Transform(), sitk.sitkNearestNeighbor,
                        0.0, sitk.sitkUnknown)
    out = image.with_array(sitk.GetArrayFromImage(res).astype(label.array.dtype, copy=False), source=label.source)
    out.warnings = list(label.warnings)
    return out


def check_same_geometry(image: Volume, label: Volume, rtol: float = 1e-3, atol_mm: float = 1e-2) -> None:
    """Refuse a label whose voxel grid differs from its image's (shape, spacing, origin, direction).

    The strict check (no resampling); see :func:`label_on_image_grid` for a label in the same physical
    space on another grid.

    Raises:
        OrgansegInputError: One line naming both files and the first difference.
    """
    what = _grid_difference(image, label, rtol, atol_mm)
    if what is not None:
        raise OrgansegInputError(f"{label.source}: label geometry differs from its image {image.source}: {what}")


# ------------------------------------------------------------------------------------------------
# slices -> volume
# ------------------------------------------------------------------------------------------------


def stack_slices(slices: Mapping[int, np.ndarray] | Sequence[np.ndarray], num_slices: int | None = None,
                 case: str = "") -> np.ndarray:
    """The one slices -> volume stacking: ``{slice index: 2-D array}`` (or a list in order) -> ``(z, y, x)``.

    Slice ``k`` of a volume written by the converters (:mod:`organseg_plugins.core.converters.ct_volumes`)
    or cut by the inference inputs is ``volume.array[k]`` in the canonical LPS orientation, so stacking
    the slices in index order gives back the volume on its grid.

    Args:
        slices: The case's slices by index (0-based position in the volume), or a sequence in order.
        num_slices: Slices of the source volume (``None``: ``max index + 1``); every index must be there.
        case: Case id (or file), for the error message.

    Raises:
        OrgansegInputError: A missing slice, an index out of range or slices of different sizes.
    """
    if not isinstance(slices, Mapping):
        slices = dict(enumerate(slices))
    if not slices:
        raise OrgansegInputError(f"case {case}: no slices")
    n = int(num_slices) if num_slices is not None else max(slices) + 1
    missing = sorted(set(range(n)) - set(slices))
    extra = sorted(set(slices) - set(range(n)))
    if missing or extra:
        raise OrgansegInputError(f"case {case}: slices {missing[:10]} of 0..{n - 1} are missing"
                                 + (f", indices {extra[:10]} out of range" if extra else "")
                                 + " (per-volume metrics need whole volumes: evaluate on a split with every slice)")
    shapes = {np.asarray(m).shape for m in slices.values()}
    if len(shapes) != 1:
        raise OrgansegInputError(f"case {case}: slices of different sizes {sorted(shapes)}")
    return np.stack([np.asarray(slices[i]) for i in range(n)])
