"""Outputs of ``tools/infer.py``: the masks (PNG 0/1 per slice, or NIfTI with the source geometry), overlays, and
one CSV row per slice of the organ's area (mm^2 when the spacing is known), its length (mm; the project's
measurement, :func:`organseg_plugins.core.metrics.length.max_feret_diameter`) and, for volumes, the volume (mL)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from organseg_plugins.core.metrics.length import max_feret_diameter

from ..io.atomic import atomic_imwrite_png
from ..io.volume_write import write_nifti
from ..io.volumes import stack_slices
from ..metrics.size import mask_volume
from .inputs import InferenceInput

__all__ = ["MEASURE_COLUMNS", "measure_rows", "overlay", "write_masks"]

MEASURE_COLUMNS = ("input", "slice", "area_px", "area_mm2", "length_mm", "volume_ml")


def overlay(image: np.ndarray, mask: np.ndarray, colour: tuple[int, int, int] = (255, 64, 0),
            alpha: float = 0.45) -> np.ndarray:
    """The image (grey or RGB, 8-bit) with the mask blended in ``colour`` and its outline at full strength."""
    import cv2

    rgb = np.repeat(image[..., None], 3, axis=2) if image.ndim == 2 else image[..., :3].copy()
    rgb = rgb.astype(np.float32)
    m = mask.astype(bool)
    rgb[m] = (1 - alpha) * rgb[m] + alpha * np.asarray(colour, np.float32)
    out = rgb.clip(0, 255).astype(np.uint8)
    contours, _ = cv2.findContours(m.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    cv2.drawContours(out, contours, -1, colour, 1)
    return out


def measure_rows(item: InferenceInput, masks: list[np.ndarray]) -> list[dict[str, Any]]:
    """One row per slice (and for a volume a last row ``slice="all"`` with the volume in mL)."""
    rows = []
    sp = item.spacing
    for k, m in enumerate(masks):
        area_px = int(np.count_nonzero(m))
        rows.append({"input": item.name, "slice": k if len(masks) > 1 or item.is_volume else "",
                     "area_px": area_px,
                     "area_mm2": "" if sp is None else f"{mask_volume(m.astype(np.uint8), sp):.4f}",
                     "length_mm": "" if sp is None else f"{max_feret_diameter(m.astype(np.uint8), sp):.4f}",
                     "volume_ml": ""})
    if item.is_volume:
        vol = stack_slices([m.astype(np.uint8) for m in masks], case=item.source)
        known = sp is not None and item.slice_thickness is not None
        ml = mask_volume(vol, (item.slice_thickness, *sp)) / 1000.0 if known else None
        rows.append({"input": item.name, "slice": "all", "area_px": int(vol.sum()), "area_mm2": "",
                     "length_mm": "", "volume_ml": "" if ml is None else f"{ml:.4f}"})
    return rows


def write_masks(item: InferenceInput, masks: list[np.ndarray], out_dir: str | os.PathLike,
                overlays: bool = True, nifti_masks: bool = True) -> list[str]:
    """Write the masks (and overlays) of one input; returns the files written.

    2-D inputs and DICOM: ``<out>/masks/<name>[_<k>].png`` (0/1). Volume files (NIfTI, MetaImage, NRRD):
    ``<out>/masks/<name>.nii.gz`` (uint8) with the source geometry: the slices are stacked back into the
    canonical volume and written in the source file's voxel order with its affine
    (:func:`organseg_plugins.core.io.volume_write.write_nifti`), so the mask overlays the input voxel for voxel
    in 3D Slicer or ITK-SNAP (``nifti_masks=False``: PNG slices instead). Overlays:
    ``<out>/overlays/<name>[_<k>].png``.
    """
    out = Path(out_dir)
    written = []
    several = len(masks) > 1
    nifti = item.kind in ("nifti", "volume") and nifti_masks and item.volume is not None
    if nifti:
        assert item.volume is not None
        vol = item.volume.with_array(stack_slices([m.astype(np.uint8) for m in masks], item.volume.shape[0],
                                                  item.source))
        written.append(str(write_nifti(vol, out / "masks" / f"{item.name}.nii.gz", np.uint8)))
    for k, (img, m) in enumerate(zip(item.slices, masks, strict=True)):
        stem = f"{item.name}_{k:04d}" if several else item.name
        if not nifti:
            written.append(str(atomic_imwrite_png(out / "masks" / f"{stem}.png", m.astype(np.uint8))))
        if overlays:
            written.append(str(atomic_imwrite_png(out / "overlays" / f"{stem}.png", overlay(img, m))))
    return written
