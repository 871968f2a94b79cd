"""Outputs of ``tools/infer.py``: the masks (PNG 0/1 per 2-D image, NIfTI with the source geometry for a volume:
NIfTI, MetaImage, NRRD, DICOM series), overlays, and
one CSV row per slice of the organ's area (mm^2 when the spacing is known), its length (mm; the project's
measurement, :func:`organseg_plugins.core.metrics.length.max_feret_diameter`) and, for volumes, the volume (mL).

:func:`write_masks` / :func:`measure_rows` write one input's outputs at once; :class:`OutputWriter` writes them
slice by slice in a background thread while the model runs (``tools/infer.py``), the same files and rows."""

from __future__ import annotations

import os
import queue
import threading
from pathlib import Path
from typing import Any

import numpy as np

from organseg_plugins.core.metrics.length import max_feret_diameter

from ..io.atomic import atomic_imwrite_png
from ..io.volume_write import write_nifti
from ..io.volumes import stack_slices
from ..metrics.size import mask_volume
from .inputs import InferenceInput

__all__ = ["MEASURE_COLUMNS", "OutputWriter", "measure_rows", "overlay", "slice_row", "volume_row", "write_masks",
           "write_slice", "write_volume_mask"]

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


def slice_row(item: InferenceInput, k: int, mask: np.ndarray) -> dict[str, Any]:
    """The CSV row of slice ``k`` of ``item``: area (pixels, mm^2 when the spacing is known), length (mm; blank
    when the spacing is unknown or the slice holds no organ: nothing to measure)."""
    sp = item.spacing
    area_px = int(np.count_nonzero(mask))
    m = mask.astype(np.uint8, copy=False)
    return {"input": item.name, "slice": k if len(item.slices) > 1 or item.is_volume else "", "area_px": area_px,
            "area_mm2": "" if sp is None else f"{mask_volume(m, sp):.4f}",
            "length_mm": "" if sp is None or area_px == 0 else f"{max_feret_diameter(m, sp):.4f}", "volume_ml": ""}


def volume_row(item: InferenceInput, masks: list[np.ndarray]) -> dict[str, Any]:
    """The last CSV row of a volume (``slice="all"``): its voxels and volume in mL (when the spacing is known)."""
    sp = item.spacing
    vol = stack_slices([m.astype(np.uint8, copy=False) for m in masks], case=item.source)
    known = sp is not None and item.slice_thickness is not None
    ml = mask_volume(vol, (item.slice_thickness, *sp)) / 1000.0 if known else None
    return {"input": item.name, "slice": "all", "area_px": int(vol.sum()), "area_mm2": "",
            "length_mm": "", "volume_ml": "" if ml is None else f"{ml:.4f}"}


def measure_rows(item: InferenceInput, masks: list[np.ndarray]) -> list[dict[str, Any]]:
    """One row per slice (and for a volume a last row ``slice="all"`` with the volume in mL)."""
    rows = [slice_row(item, k, m) for k, m in enumerate(masks)]
    if item.is_volume:
        rows.append(volume_row(item, masks))
    return rows


def _nifti_mask(item: InferenceInput, nifti_masks: bool) -> bool:
    return item.kind in ("nifti", "volume", "dicom_series") and nifti_masks and item.volume is not None


def write_slice(item: InferenceInput, k: int, mask: np.ndarray, out_dir: str | os.PathLike, overlays: bool = True,
                nifti_masks: bool = True) -> list[str]:
    """Write slice ``k``'s PNG mask (unless the input's mask is a NIfTI volume) and overlay; returns the files."""
    out = Path(out_dir)
    stem = f"{item.name}_{k:04d}" if len(item.slices) > 1 else item.name
    written = []
    if not _nifti_mask(item, nifti_masks):
        written.append(str(atomic_imwrite_png(out / "masks" / f"{stem}.png", mask.astype(np.uint8, copy=False))))
    if overlays:
        written.append(str(atomic_imwrite_png(out / "overlays" / f"{stem}.png", overlay(item.slices[k], mask))))
    return written


def write_volume_mask(item: InferenceInput, masks: list[np.ndarray], out_dir: str | os.PathLike) -> str:
    """``<out>/masks/<name>.nii.gz`` (uint8) with the source geometry (see :func:`write_masks`)."""
    assert item.volume is not None
    vol = item.volume.with_array(stack_slices([m.astype(np.uint8, copy=False) for m in masks],
                                              item.volume.shape[0], item.source))
    return str(write_nifti(vol, Path(out_dir) / "masks" / f"{item.name}.nii.gz", np.uint8))


def write_masks(item: InferenceInput, masks: list[np.ndarray], out_dir: str | os.PathLike,
                overlays: bool = True, nifti_masks: bool = True) -> list[str]:
    """Write the masks (and overlays) of one input; returns the files written.

    2-D inputs and a single DICOM file: ``<out>/masks/<name>[_<k>].png`` (0/1). Volumes (NIfTI, MetaImage,
    NRRD files, a DICOM series folder): ``<out>/masks/<name>.nii.gz`` (uint8) with the source geometry: the slices
    are stacked back into the canonical volume and written in the source's voxel order (a series: its slice
    order, rows and columns) with its affine
    (:func:`organseg_plugins.core.io.volume_write.write_nifti`), so the mask overlays the input voxel for voxel
    in 3D Slicer or ITK-SNAP (``nifti_masks=False``: PNG slices instead). Overlays:
    ``<out>/overlays/<name>[_<k>].png``.
    """
    if len(masks) != len(item.slices):
        raise ValueError(f"{item.source}: {len(masks)} masks for {len(item.slices)} slices")
    written = [write_volume_mask(item, masks, out_dir)] if _nifti_mask(item, nifti_masks) else []
    for k, m in enumerate(masks):
        written += write_slice(item, k, m, out_dir, overlays, nifti_masks)
    return written


class OutputWriter:
    """Writes the outputs of :func:`write_masks` and the rows of :func:`measure_rows` in a background thread,
    slice by slice as the masks arrive (PNG masks, overlays, CSV rows) and per input once its last slice is
    in (the NIfTI mask, the volume row), so writing overlaps the model.

    Use::

        writer = OutputWriter(out_dir)
        writer.add(i, item, k, mask)       # any order of slices; inputs numbered i = 0, 1, ...
        rows = writer.close()              # waits; rows in input and slice order; re-raises a writer error

    Args:
        out_dir: Output folder.
        overlays: Write overlays.
        nifti_masks: NIfTI masks for volume files (else PNG slices).
        max_pending: Slices queued before :meth:`add` waits (bounds the memory).
    """

    def __init__(self, out_dir: str | os.PathLike, overlays: bool = True, nifti_masks: bool = True,
                 max_pending: int = 256) -> None:
        self.out_dir, self.overlays, self.nifti_masks = Path(out_dir), overlays, nifti_masks
        self._queue: queue.Queue = queue.Queue(maxsize=max_pending)
        self._rows: dict[int, dict[int, dict[str, Any]]] = {}
        self._extra: dict[int, dict[str, Any]] = {}
        self._masks: dict[int, dict[int, np.ndarray]] = {}
        self._error: BaseException | None = None
        self.files: list[str] = []
        self._thread = threading.Thread(target=self._run, name="infer-writer", daemon=True)
        self._thread.start()

    def add(self, index: int, item: InferenceInput, k: int, mask: np.ndarray) -> None:
        """Queue slice ``k`` of input ``index`` (raises the writer's error, if it failed, at once)."""
        if self._error is not None:
            raise self._error
        self._queue.put((index, item, k, mask))

    def _run(self) -> None:
        while True:
            job = self._queue.get()
            if job is None:
                return
            if self._error is not None:
                continue  # drain after a failure
            try:
                self._write(*job)
            except BaseException as exc:  # re-raised in the caller's thread
                self._error = exc

    def _write(self, index: int, item: InferenceInput, k: int, mask: np.ndarray) -> None:
        self.files += write_slice(item, k, mask, self.out_dir, self.overlays, self.nifti_masks)
        self._rows.setdefault(index, {})[k] = slice_row(item, k, mask)
        keep = self._masks.setdefault(index, {})
        if item.is_volume or _nifti_mask(item, self.nifti_masks):
            keep[k] = mask
        if len(self._rows[index]) == len(item.slices):
            masks = [keep[j] for j in range(len(item.slices))] if keep else []
            if _nifti_mask(item, self.nifti_masks):
                self.files.append(write_volume_mask(item, masks, self.out_dir))
            if item.is_volume:
                self._extra[index] = volume_row(item, masks)
            self._masks.pop(index, None)

    def close(self) -> list[dict[str, Any]]:
        """Wait for every queued slice; return the CSV rows (input order, then slice order, volume row last).

        Raises:
            The first error of the writer thread.
        """
        self._queue.put(None)
        self._thread.join()
        if self._error is not None:
            raise self._error
        rows = []
        for index in sorted(self._rows):
            rows += [self._rows[index][k] for k in sorted(self._rows[index])]
            if index in self._extra:
                rows.append(self._extra[index])
        return rows
