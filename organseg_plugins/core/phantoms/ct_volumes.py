"""Deterministic CT volume phantoms (HU, anisotropic voxels) written as DICOM series, NIfTI and MetaImage.

Each case is an abdomen-like volume ``(z, y, x)``: air (-1000 HU) around an elliptic body of fat
(-100 HU) and soft tissue (40 HU), a spine (bone, 700 HU) behind, a liver (60 HU, a large ellipsoid
on the image left, i.e. the patient's right) and a thin elongated pancreas-like organ (100 HU: a
curved tube of ~2.5 mm radius across the middle, over the central third of the slices only), plus
Gaussian noise (sd 8 HU). Voxels are anisotropic (default 2.5 x 0.8 x 0.8 mm, like thick-slice CT).
Everything depends only on ``(case index, seed)``.

:func:`write_ct_volume_phantoms` lays the cases out like the three public datasets the
pancreas/liver paper (Lian, Sun and Li 2025, "Extracting organs of interest from medical images based
on convolutional neural network with auxiliary and refined constraints", Sci Rep) and MSD use::

    ROOT/nih/PANCREAS_0001/IM_0001.dcm ...    DICOM series per patient (NIH Pancreas-CT)
    ROOT/nih/labels/label0001.nii.gz          its pancreas label (NIfTI)
    ROOT/sliver07/liver-orig001.mhd/.raw      MetaImage image (Sliver07)
    ROOT/sliver07/liver-seg001.mhd/.raw       its liver label
    ROOT/msd/imagesTr/pancreas_001.nii.gz     Medical Segmentation Decathlon layout (+ dataset.json,
    ROOT/msd/labelsTr/pancreas_001.nii.gz      and a ``._pancreas_001.nii.gz`` resource fork to skip)
    ROOT/splits_nih.json, splits_sliver07.json, splits_msd.json   train/val/test case assignments
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
from scipy import ndimage

from organseg_plugins.core.converters.splits import write_assignment
from organseg_plugins.core.io.atomic import atomic_write_bytes, atomic_write_text
from organseg_plugins.core.io.volume_write import write_dicom_series, write_metaimage, write_nifti
from organseg_plugins.core.io.volumes import Volume

__all__ = ["ct_volume_phantom", "write_ct_volume_phantoms", "PHANTOM_SPACING"]

#: Default voxel size (z, y, x) in mm.
PHANTOM_SPACING = (2.5, 0.8, 0.8)


def ct_volume_phantom(index: int, seed: int = 0, shape: tuple[int, int, int] = (16, 64, 64),
                      spacing: tuple[float, float, float] = PHANTOM_SPACING) -> tuple[Volume, np.ndarray, np.ndarray]:
    """One phantom case.

    Args:
        index: Case index (changes position, size and shape of the organs).
        seed: Seed of the whole set.
        shape: ``(z, y, x)`` voxels.
        spacing: ``(z, y, x)`` mm.

    Returns:
        ``(image, pancreas, liver)``: the HU volume (float32, origin ``(-x/2, -y/2, 0)`` mm, identity
        direction) and the two 0/1 uint8 masks (the organs do not overlap).
    """
    rng = np.random.default_rng([int(seed), int(index), 2025])
    nz, ny, nx = shape
    sz, sy, sx = spacing
    # open grids (broadcast, the values of the full meshgrid): 2-D in-plane masks, 3-D only where z matters
    z = (np.arange(nz) * sz)[:, None, None]
    y = ((np.arange(ny) - ny / 2 + 0.5) * sy)[None, :, None]
    x = ((np.arange(nx) - nx / 2 + 0.5) * sx)[None, None, :]
    half_y, half_x = ny * sy / 2, nx * sx / 2
    zc = (nz - 1) * sz / 2
    img = np.full(shape, -1000.0, np.float32)  # the tissue values are exact in float32
    a, b = half_x * rng.uniform(0.82, 0.9), half_y * rng.uniform(0.68, 0.76)
    body = ((x / a) ** 2 + (y / b) ** 2 <= 1.0)[0]
    inner = ((x / (a - 3.0)) ** 2 + (y / (b - 3.0)) ** 2 <= 1.0)[0]
    img[:, body] = -100.0
    img[:, inner] = 40.0
    spine = ((x ** 2 + (y - 0.6 * b) ** 2) <= (0.13 * a) ** 2)[0]
    img[:, spine] = 700.0
    lx, ly, lr = -0.35 * a * rng.uniform(0.9, 1.1), -0.1 * b, rng.uniform(0.30, 0.36) * a
    liver = ((x - lx) / lr) ** 2 + ((y - ly) / (0.75 * lr)) ** 2 + ((z - zc) / (0.55 * nz * sz)) ** 2 <= 1.0
    liver &= inner & ~spine
    # pancreas: a tube along x, bent in y, over the central third of the slices (thin, elongated)
    bend = rng.uniform(0.04, 0.08) * b
    centre_y = 0.22 * b + bend * np.cos(np.pi * x / (0.9 * a))
    rad = rng.uniform(2.2, 2.8)
    z_lo, z_hi = zc - nz * sz / 6, zc + nz * sz / 6
    pancreas = ((y - centre_y) ** 2 <= rad ** 2) & (x > -0.5 * a) & (x < 0.6 * a) & (z >= z_lo) & (z <= z_hi)
    pancreas &= inner & ~spine & ~liver
    img[liver] = 60.0
    img[pancreas] = 100.0
    # noise slice by slice: the same draws and the same in-plane filter as on the whole volume (sigma 0 in z)
    for k in range(nz):
        noise = ndimage.gaussian_filter(rng.normal(0.0, 16.0, (ny, nx)), (0.7, 0.7))
        img[k] = (img[k].astype(np.float64) + noise).astype(np.float32)
    vol = Volume(img, tuple(float(s) for s in spacing), (-half_x + sx / 2, -half_y + sy / 2, 0.0),  # type: ignore[arg-type]
                 (1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0))
    return vol, pancreas.astype(np.uint8), liver.astype(np.uint8)


def _splits(n: int) -> list[str]:
    """Split of each case: for ``n >= 3`` the last ``max(1, round(0.2 n))`` are test, as many before them val,
    the rest train (5 cases: 3/1/1; 10 cases: 6/2/2)."""
    if n < 3:
        return ["train"] * n
    k = max(1, round(0.2 * n))
    return ["train"] * (n - 2 * k) + ["val"] * k + ["test"] * k


def write_ct_volume_phantoms(root: str | os.PathLike, num_cases: int = 4, seed: int = 0,
                             shape: tuple[int, int, int] = (16, 64, 64),
                             spacing: tuple[float, float, float] = PHANTOM_SPACING,
                             case_numbers: list[int] | None = None,
                             layouts: tuple[str, ...] = ("nih", "sliver07", "msd"),
                             compresslevel: int = 9) -> dict[str, Path]:
    """Write ``num_cases`` phantom cases in the NIH, Sliver07 and MSD layouts (see the module docstring).

    Args:
        case_numbers: The cases' numbers (``PANCREAS_NNNN``, ``liver-origNNN``, ``pancreas_NNN``), default
            1..num_cases; e.g. numbers from each of the standard folds (NIH 1-20, 21-40, ...; Sliver07 1-5,
            6-10, ...), so the shipped split files of ``datasets_prep/splits/`` apply to a few phantoms.
            Case ``k`` of the list is phantom ``k`` whatever its number.
        layouts: The layouts to write (e.g. ``("nih",)`` alone for a large set: a 200x512x512 case in
            about 10 s and 1 GB).
        compresslevel: gzip level of the ``.nii.gz`` files (1: fast, for large sets).

    Returns:
        ``{"nih": ..., "sliver07": ..., "msd": ...}`` folders (those of ``layouts``).
    """
    out = Path(root)
    numbers = list(case_numbers) if case_numbers is not None else list(range(1, num_cases + 1))
    if len(numbers) != num_cases or len(set(numbers)) != len(numbers) or min(numbers, default=1) < 1:
        raise ValueError(f"case_numbers: expected {num_cases} distinct numbers >= 1, got {case_numbers}")
    splits = _splits(num_cases)
    nih, sliver, msd = out / "nih", out / "sliver07", out / "msd"
    training = []
    for i in range(num_cases):
        vol, pancreas, liver = ct_volume_phantom(i, seed, shape, spacing)
        n = numbers[i]
        if "nih" in layouts:
            write_dicom_series(vol, nih / f"PANCREAS_{n:04d}", patient_id=f"PANCREAS_{n:04d}")
            write_nifti(vol.with_array(pancreas), nih / "labels" / f"label{n:04d}.nii.gz",
                        compresslevel=compresslevel)
        if "sliver07" in layouts:
            write_metaimage(Volume(np.rint(vol.array).astype(np.int16), vol.spacing, vol.origin, vol.direction),
                            sliver / f"liver-orig{n:03d}.mhd")
            write_metaimage(vol.with_array(liver), sliver / f"liver-seg{n:03d}.mhd")
        if "msd" in layouts:
            write_nifti(Volume(np.rint(vol.array).astype(np.int16), vol.spacing, vol.origin, vol.direction),
                        msd / "imagesTr" / f"pancreas_{n:03d}.nii.gz", compresslevel=compresslevel)
            write_nifti(vol.with_array(pancreas), msd / "labelsTr" / f"pancreas_{n:03d}.nii.gz",
                        compresslevel=compresslevel)
        training.append({"image": f"./imagesTr/pancreas_{n:03d}.nii.gz", "label": f"./labelsTr/pancreas_{n:03d}.nii.gz"})
    if "msd" in layouts:
        atomic_write_bytes(msd / "imagesTr" / "._pancreas_001.nii.gz", b"\x00\x05\x16\x07 macOS resource fork")
        atomic_write_text(msd / "dataset.json", json.dumps({
            "name": "Pancreas phantom", "modality": {"0": "CT"}, "labels": {"0": "background", "1": "pancreas"},
            "numTraining": num_cases, "training": training, "test": []}, indent=1))
    write_assignment(out / "splits_nih.json", {f"PANCREAS_{n:04d}": s for n, s in zip(numbers, splits)})
    write_assignment(out / "splits_sliver07.json", {f"liver-{n:03d}": s for n, s in zip(numbers, splits)})
    write_assignment(out / "splits_msd.json", {f"pancreas_{n:03d}": s for n, s in zip(numbers, splits)})
    return {k: v for k, v in (("nih", nih), ("sliver07", sliver), ("msd", msd)) if k in layouts}
