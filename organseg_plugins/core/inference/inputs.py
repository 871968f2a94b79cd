"""Inputs of ``tools/infer.py`` as grey/colour 8-bit slices with their geometry: PNG/JPEG images, a DICOM file,
a DICOM series (a folder) and volumes (NIfTI, MetaImage, NRRD).

Every file is read by :mod:`organseg_plugins.core.io` (the project's one reader per format). Volumes and DICOM
series come in the canonical LPS orientation of :mod:`organseg_plugins.core.io.volumes` and are cut into axial
slices ``volume.array[k]`` (``(rows, cols)`` = ``(y, x)``, +x patient Left, +y Posterior), exactly the slices
``datasets_prep/ct_volumes_to_mmseg.py`` writes for training, whatever the file's storage order; the masks are
written back with the source geometry (:func:`organseg_plugins.core.io.volume_write.write_nifti` restores the
file's voxel order and affine). DICOM is recognised by content, so files named by UID without ``.dcm`` are
read; other files in a series folder are reported (:attr:`InferenceInput.warnings`).

CT values (DICOM in HU after the rescale; volumes that are not 8-bit) are windowed to 8 bits with the
project's default abdominal window (:data:`organseg_plugins.core.io.dicom.DEFAULT_WINDOW_LEVEL` / ``WIDTH``),
or with the ``window`` given (use the converter's window, e.g. ``CT_WINDOWS["pancreas"]``, so the model sees
the grey values it was trained on).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import OrgansegInputError
from ..io.dicom import DEFAULT_WINDOW_LEVEL, DEFAULT_WINDOW_WIDTH, apply_window, is_dicom_file, read_dicom
from ..io.images import IMAGE_EXTS, read_image_file
from ..io.volume_write import volume_affine_ras
from ..io.volumes import VOLUME_EXTS, Volume, read_dicom_image, read_volume

__all__ = ["InferenceInput", "load_input", "to_uint8"]

_NIFTI = (".nii", ".nii.gz")


@dataclass
class InferenceInput:
    """One input: its slices (2-D images are one slice) and geometry.

    Attributes:
        name: Output stem (file name without suffix).
        source: The input path.
        kind: ``"image"``, ``"dicom"``, ``"dicom_series"``, ``"nifti"`` or ``"volume"`` (MetaImage, NRRD).
        slices: HxW or HxWx3 ``uint8`` arrays, in volume order.
        spacing: ``(row, col)`` pixel size in mm, or ``None`` (unknown: areas in pixels).
        slice_thickness: Distance between slices in mm (volumes), or ``None``.
        header: Facts of the source (``affine``: the NIfTI affine of the file as stored; ``files``: a series'
            files in slice order; ``window``: the ``(lo, hi)`` HU window its values were windowed with, absent
            for 8-bit sources).
        volume: The volume read (canonical LPS, values before windowing), or ``None`` for a 2-D image.
        warnings: The reader's notes, one line each naming the file (e.g. a non-DICOM file skipped).
    """

    name: str
    source: str
    kind: str
    slices: list[np.ndarray]
    spacing: tuple[float, float] | None = None
    slice_thickness: float | None = None
    header: dict[str, Any] = field(default_factory=dict)
    volume: Volume | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def is_volume(self) -> bool:
        """Whether the input is a volume (volume in mL reported)."""
        return self.kind in ("dicom_series", "nifti", "volume")


def to_uint8(values: np.ndarray, window: Sequence[float] | None = None) -> np.ndarray:
    """8-bit values as they are; anything else windowed as CT (HU) to 0..255.

    Args:
        values: The array.
        window: ``(lo, hi)`` HU window (default: level :data:`DEFAULT_WINDOW_LEVEL`, width
            :data:`DEFAULT_WINDOW_WIDTH`).
    """
    if values.dtype == np.uint8:
        return values
    if window is None:
        return apply_window(np.asarray(values, dtype=np.float64), DEFAULT_WINDOW_LEVEL, DEFAULT_WINDOW_WIDTH)
    lo, hi = (float(v) for v in window)
    return apply_window(np.asarray(values, dtype=np.float64), (lo + hi) / 2.0, hi - lo)


def _stem(path: Path) -> str:
    name = path.name
    for suffix in (*VOLUME_EXTS, *IMAGE_EXTS, ".dcm"):
        if name.lower().endswith(suffix):
            return name[: -len(suffix)]
    return name if is_dicom_file(path) else path.stem


def _from_volume(path: Path, vol: Volume, kind: str, window: Sequence[float] | None, name: str) -> InferenceInput:
    u8 = to_uint8(vol.array, window)
    sz, sy, sx = vol.spacing
    header: dict[str, Any] = {"affine": volume_affine_ras(vol.to_storage())}
    if vol.array.dtype != np.uint8:  # CT values windowed: say with which window
        header["window"] = tuple(float(v) for v in window) if window is not None else (
            DEFAULT_WINDOW_LEVEL - DEFAULT_WINDOW_WIDTH / 2, DEFAULT_WINDOW_LEVEL + DEFAULT_WINDOW_WIDTH / 2)
    return InferenceInput(name, str(path), kind, [u8[k] for k in range(u8.shape[0])], (sy, sx), sz, header,
                          vol, list(vol.warnings))


def _dicom_file(path: Path, window: Sequence[float] | None) -> InferenceInput:
    ds = read_dicom(path)
    if int(ds.get("NumberOfFrames", 1) or 1) > 1:
        raise OrgansegInputError(f"{path}: multi-frame DICOM is not supported as an input (give a series folder)")
    vol = read_dicom_image(path, ds)
    has_spacing = "PixelSpacing" in ds
    item = _from_volume(path, vol, "dicom", window, _stem(path))
    item.spacing, item.slice_thickness, item.volume = (item.spacing if has_spacing else None), None, None
    return item


def load_input(path: str | os.PathLike, window: Sequence[float] | None = None) -> InferenceInput:
    """Read one input: a folder is a DICOM series, a volume ending a volume, an image ending an image, any
    other file DICOM if its content is DICOM.

    Args:
        path: The input.
        window: ``(lo, hi)`` HU window for CT values (default: the abdominal window, see :func:`to_uint8`).

    Raises:
        OrgansegInputError: A missing or unreadable file, an unsupported input (named).
    """
    p = Path(path)
    if p.is_dir():
        if not any(f.is_file() and not f.name.startswith(".") for f in p.iterdir()):
            raise OrgansegInputError(f"{p}: empty folder (expected a DICOM series)")
        vol = read_volume(p)
        item = _from_volume(p, vol, "dicom_series", window, p.name)
        return item
    if not p.is_file():
        raise OrgansegInputError(f"{p}: input not found")
    low = p.name.lower()
    if low.endswith(VOLUME_EXTS):
        return _from_volume(p, read_volume(p), "nifti" if low.endswith(_NIFTI) else "volume", window, _stem(p))
    if low.endswith(IMAGE_EXTS):
        return InferenceInput(_stem(p), str(p), "image", [read_image_file(p)])
    if is_dicom_file(p):
        return _dicom_file(p, window)
    raise OrgansegInputError(f"{p}: unsupported input (PNG/JPEG/BMP/TIFF, a DICOM file (any name) or series "
                             f"folder, a volume {'/'.join(VOLUME_EXTS)})")
