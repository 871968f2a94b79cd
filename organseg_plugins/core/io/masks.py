"""Mask files in, whatever the format: PNG/BMP/TIFF, NIfTI, DICOM images and DICOM-SEG (the evaluators' reader).

Every mask comes back as a bool array with its spacing in the order of the array's axes, through the
one validator (:func:`organseg_plugins.core.io.validate.as_binary_mask`):

* PNG (and BMP/TIFF; never JPEG, see :data:`~.images.MASK_IMAGE_EXTS`): ``(rows, cols)`` as stored,
  no spacing (``None``).
* NIfTI ``.nii``/``.nii.gz``: read by :func:`~.volumes.read_nifti`, so in the canonical LPS orientation
  of every volume reader (``(z, y, x)``, +x Left, +y Posterior, +z Superior; see
  :mod:`organseg_plugins.core.io.volumes`), spacing ``(z, y, x)``. A 2-D file gives the 2-D slice
  ``(y, x)`` in the same orientation. Trailing singleton axes beyond the third are dropped.
* DICOM (recognised by content, any name; see :func:`~.dicom.is_dicom_file`): a single-frame mask
  image (values 0/1) -> ``(rows, cols)`` in LPS when it has ImageOrientationPatient, spacing from
  PixelSpacing. A DICOM-SEG (one segment, see ``segment``) with one frame -> ``(rows, cols)``; with
  several frames -> ``(frames, rows, cols)`` ordered by position along the slice normal
  (:func:`~.dicom.order_positions`, the ordering of DICOM series) and turned into LPS, z spacing = the
  (uniform) distance between frame positions. SEG writers omit empty frames, so a multi-frame SEG
  whose frames are not evenly spaced cannot be rebuilt into a volume without its source series: an
  error.

3-D masks keep their geometry (:attr:`MaskFile.volume`), so that a prediction can be put on its
ground truth's grid (:func:`~.volumes.label_on_image_grid`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import OrgansegInputError
from .dicom import (
    is_dicom_file,
    is_seg,
    order_positions,
    pixel_array,
    pixel_spacing_mm,
    read_dicom,
    read_dicom_seg,
    slice_normal,
)
from .images import MASK_IMAGE_EXTS, read_binary_mask, read_image_file
from .validate import as_binary_mask
from .volumes import Volume, canonical, read_dicom_image, read_nifti

__all__ = ["MASK_EXTS", "MaskFile", "mask_ext", "mask_stem", "read_mask", "read_mask_file"]

#: File endings read as masks (lower-case; ``.nii.gz`` is checked before ``.gz``-less endings). A file with
#: none of them is a mask only if it is DICOM by content.
MASK_EXTS: tuple[str, ...] = (".nii.gz", ".nii", ".dcm", *MASK_IMAGE_EXTS)


@dataclass
class MaskFile:
    """One mask read from a file.

    Attributes:
        array: bool mask in array-axis order (see the module docstring).
        spacing: mm per array axis, or ``None`` (PNG).
        path: The file.
        volume: The 3-D mask with its LPS geometry (uint8), or ``None`` for a 2-D mask.
    """

    array: np.ndarray
    spacing: tuple[float, ...] | None
    path: Path
    volume: Volume | None = None


def mask_ext(path: str | os.PathLike) -> str:
    """The mask ending of a file name (lower-case, one of :data:`MASK_EXTS`), or ``""``."""
    name = Path(path).name.lower()
    for e in MASK_EXTS:
        if name.endswith(e):
            return e
    return ""


def mask_stem(path: str | os.PathLike) -> str:
    """File name without its mask extension (``a/case.nii.gz`` -> ``case``, ``x.png`` -> ``x``).

    A file without a mask ending (a DICOM file named by UID) keeps its whole name.

    Args:
        path: A file path.

    Returns:
        The stem used for pairing.
    """
    p = Path(path)
    e = mask_ext(p)
    return p.name[: -len(e)] if e else p.name


def _binary(arr: np.ndarray, source: str, label: int | None) -> np.ndarray:
    """0/1 (or ``== label``) mask -> bool array, through the one validator; errors name ``source``."""
    return as_binary_mask(arr, source, label=label).view(np.bool_)


def _nifti_ndim(path: Path) -> int:
    import nibabel as nib

    try:
        shape = nib.load(str(path)).header.get_data_shape()
    except Exception:  # the full reader reports the problem
        return 3
    while len(shape) > 3 and shape[-1] == 1:
        shape = shape[:-1]
    return len(shape)


def _squeeze_slice(vol: Volume) -> tuple[np.ndarray, tuple[float, ...]]:
    """The 2-D slice of a one-slice volume and its in-plane spacing."""
    axis = next(a for a in range(3) if vol.array.shape[a] == 1)
    return np.take(vol.array, 0, axis=axis), tuple(s for a, s in enumerate(vol.spacing) if a != axis)


def _read_nifti(path: Path, label: int | None) -> MaskFile:
    two_d = _nifti_ndim(path) == 2
    vol = read_nifti(path)
    if two_d:
        arr, spacing = _squeeze_slice(vol)
        return MaskFile(_binary(arr, str(path), label), spacing, path)
    mask = _binary(vol.array, str(path), label)
    return MaskFile(mask, tuple(vol.spacing), path, vol.with_array(mask.view(np.uint8)))


def _seg_volume(path: Path, segment: int | str | None) -> MaskFile:
    seg = read_dicom_seg(path, segment)
    masks = seg.masks.astype(bool)
    spacing = seg.spacing
    if masks.shape[0] == 1:
        pos = seg.positions[0]
        if seg.orientation is None or pos is None:
            return MaskFile(masks[0], spacing, path)
        ori = np.asarray(seg.orientation, dtype=np.float64)
        direction = np.stack([ori[:3], ori[3:6], slice_normal(ori)], axis=1)
        sp3 = (1.0, *(spacing or (1.0, 1.0)))
        vol = canonical(Volume(masks.view(np.uint8), sp3, pos, tuple(direction.ravel().tolist()), str(path)))
        arr, sp2 = _squeeze_slice(vol)
        return MaskFile(arr.view(np.bool_), sp2 if spacing is not None else None, path)
    if seg.orientation is None or any(p is None for p in seg.positions):
        raise OrgansegInputError(
            f"{path}: multi-frame DICOM-SEG without frame positions/orientation: cannot order the "
            "frames into a volume"
        )
    order, locs = order_positions(seg.orientation, seg.positions)  # type: ignore[arg-type]
    steps = np.diff(locs)
    step = float(np.median(steps))
    if step <= 0 or not np.allclose(steps, step, rtol=1e-3, atol=1e-3):
        raise OrgansegInputError(
            f"{path}: DICOM-SEG frames are not evenly spaced along the slice normal (steps "
            f"{np.round(steps, 3).tolist()[:8]} mm); SEG writers omit empty frames, so the volume "
            "cannot be rebuilt from the SEG alone (convert it with its CT series to NIfTI or per-slice masks)"
        )
    ori = np.asarray(seg.orientation, dtype=np.float64)
    direction = np.stack([ori[:3], ori[3:6], slice_normal(ori)], axis=1)
    stored = Volume(np.ascontiguousarray(masks[order]).view(np.uint8), (step, *(spacing or (1.0, 1.0))),
                    tuple(float(v) for v in seg.positions[int(order[0])]),  # type: ignore[union-attr]
                    tuple(direction.ravel().tolist()), str(path))
    vol = canonical(stored)
    if spacing is None:
        return MaskFile(vol.array.view(np.bool_), None, path)
    return MaskFile(vol.array.view(np.bool_), tuple(vol.spacing), path, vol)


def _read_dicom_mask(path: Path, label: int | None, segment: int | str | None) -> MaskFile:
    ds = read_dicom(path, stop_before_pixels=True)
    if is_seg(ds):
        return _seg_volume(path, segment)
    frames = int(ds.get("NumberOfFrames", 1) or 1)
    if frames > 1:
        raise OrgansegInputError(
            f"{path}: multi-frame DICOM ({frames} frames) that is not a DICOM-SEG is not supported as a mask"
        )
    ds = read_dicom(path)
    arr = pixel_array(ds, str(path))
    if arr.ndim == 3 and arr.shape[0] == 1:
        arr = arr[0]
    if arr.ndim != 2:
        raise OrgansegInputError(f"{path}: DICOM pixel data has shape {arr.shape}; expected one grey frame")
    mask = _binary(arr, str(path), label)
    out, spacing = _squeeze_slice(read_dicom_image(path, ds, pixels=mask.view(np.uint8)))
    return MaskFile(out.view(np.bool_), spacing if pixel_spacing_mm(ds, str(path)) is not None else None, path)


def read_mask(path: str | os.PathLike, label: int | None = None, segment: int | str | None = None) -> MaskFile:
    """Read one binary mask file (see the module docstring for the formats and axis orders).

    Args:
        path: The mask file.
        label: Foreground value of a label map (``mask == label``); default: the file must hold
            only 0 and 1.
        segment: Segment number or label of a DICOM-SEG with several segments.

    Raises:
        OrgansegInputError: Naming the file: missing, unreadable, unknown format, a 0/255 mask, a
            label map without ``label``, non-integer values, a bad header spacing.
    """
    p = Path(path)
    if not p.is_file():
        raise OrgansegInputError(f"{p}: mask file does not exist")
    e = mask_ext(p)
    if e in (".nii", ".nii.gz"):
        return _read_nifti(p, label)
    if e == ".dcm" or (not e and is_dicom_file(p)):
        return _read_dicom_mask(p, label, segment)
    if e in MASK_IMAGE_EXTS:
        if label is None:
            arr = read_binary_mask(p)
        else:
            img = read_image_file(p)
            if img.ndim != 2:
                raise OrgansegInputError(f"{p}: mask has shape {img.shape}; expected a 2-D single-channel mask")
            arr = img
        return MaskFile(_binary(arr, str(p), label), None, p)
    raise OrgansegInputError(
        f"{p}: unknown mask format (expected one of {', '.join(MASK_EXTS)}, or a DICOM file)"
    )


def read_mask_file(
    path: str | os.PathLike, label: int | None = None, segment: int | str | None = None
) -> tuple[np.ndarray, tuple[float, ...] | None]:
    """Read one binary mask and its voxel spacing (mm, array-axis order).

    Formats and axis orders are those of the module docstring: PNG/BMP/TIFF ``(y, x)`` without
    spacing; NIfTI in LPS ``(z, y, x)`` (2-D: ``(y, x)``) with the zooms in the same order; DICOM
    ``(rows, cols)`` (a multi-frame DICOM-SEG ``(frames, rows, cols)``, in LPS) with PixelSpacing.

    Args:
        path: The mask file (``.png``, ``.bmp``, ``.tif``, ``.tiff``, ``.nii``, ``.nii.gz``, DICOM).
        label: Foreground value of a label map (``mask == label``); default: the file must hold
            only 0 and 1.
        segment: Segment number or label of a DICOM-SEG with several segments.

    Returns:
        ``(mask, spacing)``: a bool array and a tuple with one spacing per axis (mm), or ``None``
        when the file has no spacing (PNG).

    Raises:
        OrgansegInputError: See :func:`read_mask`.
    """
    m = read_mask(path, label, segment)
    return m.array, m.spacing
