"""Outputs of ``tools/infer.py``: the masks (PNG 0/1 per slice, or NIfTI with the source geometry), overlays, and
one CSV row per slice of the organ's area (mm^2 when the spacing is known), its length (mm; the project's
measurement, :func:`organseg_plugins.core.measure.max_feret_diameter`) and, for volumes, the volume (mL)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from ..io.atomic import atomic_imwrite_png
from ..measure import max_feret_diameter
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
        vol = np.stack([m.astype(np.uint8) for m in masks])
        known = sp is not None and item.slice_thickness is not None
        ml = mask_volume(vol, (item.slice_thickness, *sp)) / 1000.0 if known else None
        rows.append({"input": item.name, "slice": "all", "area_px": int(vol.sum()), "area_mm2": "",
                     "length_mm": "", "volume_ml": "" if ml is None else f"{ml:.4f}"})
    return rows


def write_masks(item: InferenceInput, masks: list[np.ndarray], out_dir: str | os.PathLike,
                overlays: bool = True, nifti_masks: bool = True) -> list[str]:
    """Write the masks (and overlays) of one input; returns the files written.

    2-D inputs and DICOM: ``<out>/masks/<name>[_<k>].png`` (0/1). NIfTI: ``<out>/masks/<name>.nii.gz`` with the
    source affine and header (uint8; ``nifti_masks=False``: PNG slices instead). Overlays: ``<out>/overlays/<name>[_<k>].png``.
    """
    out = Path(out_dir)
    written = []
    several = len(masks) > 1
    nifti = item.kind == "nifti" and nifti_masks
    if nifti:
        import nibabel as nib

        vol = np.stack([m.astype(np.uint8) for m in masks], axis=2)
        header = item.header["header"].copy()
        header.set_data_dtype(np.uint8)
        header["scl_slope"], header["scl_inter"] = 1.0, 0.0
        path = out / "masks" / f"{item.name}.nii.gz"
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.tmp.nii.gz")
        nib.save(nib.Nifti1Image(vol, item.header["affine"], header), str(tmp))
        os.replace(tmp, path)
        written.append(str(path))
    for k, (img, m) in enumerate(zip(item.slices, masks, strict=True)):
        stem = f"{item.name}_{k:04d}" if several else item.name
        if not nifti:
            written.append(str(atomic_imwrite_png(out / "masks" / f"{stem}.png", m.astype(np.uint8))))
        if overlays:
            written.append(str(atomic_imwrite_png(out / "overlays" / f"{stem}.png", overlay(img, m))))
    return written
