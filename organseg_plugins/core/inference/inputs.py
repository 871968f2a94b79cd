"""Inputs of ``tools/infer.py`` as grey/colour 8-bit slices with their geometry: PNG/JPEG images, a DICOM file,
a DICOM series (a folder) and NIfTI volumes.

CT values (DICOM in HU after the rescale; NIfTI that are not 8-bit) are windowed to 8 bits with the project's
default abdominal window (:data:`organseg_plugins.core.io.dicom.DEFAULT_WINDOW_LEVEL` / ``WIDTH``), as the CT
converters do. NIfTI volumes are cut along their third array axis; the slices keep the array's own indexing
so masks written back with the source affine overlay the input exactly.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import OrgansegInputError
from ..io.dicom import (
    apply_window,
    dataset_to_hu,
    pixel_spacing_mm,
    read_dicom,
    slice_from_dataset,
    sort_slices,
)
from ..io.images import read_image_file

__all__ = ["IMAGE_SUFFIXES", "InferenceInput", "load_input", "to_uint8"]

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff")
_NIFTI = (".nii", ".nii.gz")


@dataclass
class InferenceInput:
    """One input: its slices (2-D images are one slice) and geometry.

    Attributes:
        name: Output stem (file name without suffix).
        source: The input path.
        kind: ``"image"``, ``"dicom"``, ``"dicom_series"`` or ``"nifti"``.
        slices: HxW or HxWx3 ``uint8`` arrays, in volume order.
        spacing: ``(row, col)`` pixel size in mm, or ``None`` (unknown: areas in pixels).
        slice_thickness: Distance between slices in mm (volumes), or ``None``.
        header: What the writers need to reproduce the geometry (``affine``/``header`` for NIfTI).
    """

    name: str
    source: str
    kind: str
    slices: list[np.ndarray]
    spacing: tuple[float, float] | None = None
    slice_thickness: float | None = None
    header: dict[str, Any] = field(default_factory=dict)

    @property
    def is_volume(self) -> bool:
        """Whether the input is a volume (volume in mL reported)."""
        return self.kind in ("dicom_series", "nifti")


def to_uint8(values: np.ndarray) -> np.ndarray:
    """8-bit values as they are; anything else windowed as CT (HU) to 0..255."""
    if values.dtype == np.uint8:
        return values
    return apply_window(np.asarray(values, dtype=np.float64))


def _stem(path: Path) -> str:
    name = path.name
    for suffix in (".nii.gz", *IMAGE_SUFFIXES, ".nii", ".dcm"):
        if name.lower().endswith(suffix):
            return name[: -len(suffix)]
    return path.stem


def _dicom_file(path: Path) -> InferenceInput:
    ds = read_dicom(path)
    hu, _ = dataset_to_hu(ds, str(path))
    return InferenceInput(_stem(path), str(path), "dicom", [apply_window(hu)], pixel_spacing_mm(ds, str(path)))


def _dicom_series(path: Path) -> InferenceInput:
    files = sorted(p for p in path.iterdir() if p.is_file() and not p.name.startswith("."))
    if not files:
        raise OrgansegInputError(f"{path}: empty folder (expected a DICOM series)")
    slices = [slice_from_dataset(read_dicom(p, stop_before_pixels=True), p) for p in files]
    ordered, _ = sort_slices(slices)
    shapes = {(s.rows, s.cols) for s in ordered}
    if len(shapes) > 1:
        raise OrgansegInputError(f"{path}: slices of different sizes {sorted(shapes)} (not one series)")
    images = [apply_window(dataset_to_hu(read_dicom(s.path), str(s.path))[0]) for s in ordered]
    locs = [s.location for s in ordered]
    if len(ordered) > 1 and all(v is not None for v in locs):
        thickness = float(np.median(np.diff(np.asarray(locs, dtype=np.float64))))
    else:
        thickness = ordered[0].thickness
    return InferenceInput(path.name, str(path), "dicom_series", images, ordered[0].spacing,
                          None if thickness is None else abs(thickness), {"files": [str(s.path) for s in ordered]})


def _nifti(path: Path) -> InferenceInput:
    import nibabel as nib

    try:
        img = nib.load(str(path))
        data = np.asarray(img.dataobj)
    except Exception as exc:  # nibabel raises several types for corrupt files
        raise OrgansegInputError(f"{path}: cannot read the NIfTI file ({type(exc).__name__}: {exc})") from exc
    if data.ndim == 2:
        data = data[:, :, None]
    if data.ndim != 3:
        raise OrgansegInputError(f"{path}: NIfTI of shape {data.shape}; expected a 2-D image or a 3-D volume")
    zooms = tuple(float(z) for z in img.header.get_zooms()[:3]) + (1.0,) * (3 - len(img.header.get_zooms()[:3]))
    u8 = to_uint8(data)
    return InferenceInput(_stem(path), str(path), "nifti", [u8[:, :, k] for k in range(u8.shape[2])],
                          (zooms[0], zooms[1]), zooms[2], {"affine": img.affine, "header": img.header})


def load_input(path: str | os.PathLike) -> InferenceInput:
    """Read one input (its kind from the suffix; a folder is a DICOM series).

    Raises:
        OrgansegInputError: A missing or unreadable file, an unsupported suffix (named).
    """
    p = Path(path)
    if p.is_dir():
        return _dicom_series(p)
    if not p.is_file():
        raise OrgansegInputError(f"{p}: input not found")
    low = p.name.lower()
    if low.endswith(_NIFTI):
        return _nifti(p)
    if low.endswith(IMAGE_SUFFIXES):
        return InferenceInput(_stem(p), str(p), "image", [read_image_file(p)])
    if low.endswith(".dcm") or (p.suffix == "" and p.read_bytes()[128:132] == b"DICM"):
        return _dicom_file(p)
    raise OrgansegInputError(f"{p}: unsupported input (PNG/JPEG/BMP/TIFF, DICOM .dcm or a series folder, "
                             "NIfTI .nii/.nii.gz)")
