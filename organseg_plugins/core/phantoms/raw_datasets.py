"""The papers' raw datasets in miniature: phantoms written in the folder layout each paper's spec reads, so the
one command of a spec (``tools/benchmark.py benchmarks/<paper>.yaml --data FOLDER``) runs from "the downloaded
folder" to the table without the real data (the tests run every paper spec on these).

========================  ==============================================  =====================================
raw folder                layout (as the converter of the spec reads it)   writer
========================  ==============================================  =====================================
spleen ultrasound         ``images/<stem>.dcm`` (US DICOM, PatientID,      :func:`write_spleen_us_raw`
(Karimi et al. 2025)      SequenceOfUltrasoundRegions in cm),
                          ``masks/<stem>.png`` (0/255), ``lengths.csv``
liver CT (Sattari et al.  CVAT KITTI 1.0 export: ``label_colors.txt``,     :func:`write_liver_kitti_raw`
2025)                     ``{training,validation,testing}/image_2,
                          semantic,instance/<id>.png``
NIH Pancreas-CT,          ``PANCREAS_NNNN/`` DICOM series +                :func:`write_ct_volumes_raw`
Sliver07 (Lian, Sun and   ``labels/labelNNNN.nii.gz``; ``liver-origNNN``
Li 2025)                  / ``liver-segNNN.mhd``
BUSI (Liu et al. 2025)    ``Dataset_BUSI_with_GT/{benign,malignant,        :func:`organseg_plugins.core.phantoms.
                          normal}/"<class> (N)[_mask].png"``               lesions.write_busi_phantoms`
MSD Task09_Spleen         ``labelsTr/spleen_N.nii.gz`` (0/1, 3-D),         :func:`write_task09_spleen_raw`
(DeepSPV, Yuan et al.)    ``dataset.json``
========================  ==============================================  =====================================

:func:`write_raw_dataset` writes one of them by name (``datasets_prep/make_raw_phantoms.py``). Everything is a
pure function of the seed.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

from ..io.atomic import atomic_imwrite_png, atomic_write_bytes, atomic_write_text
from ..io.dicom import ultrasound_dicom_bytes
from ..io.paths import check_output_dir
from ..io.volume_write import write_nifti
from ..io.volumes import Volume
from .ct_volumes import write_ct_volume_phantoms
from .lesions import write_busi_phantoms
from .organ_slices import ct_liver, ultrasound_spleen
from .spleen3d import random_spleen

__all__ = ["RAW_DATASETS", "write_ct_volumes_raw", "write_liver_kitti_raw", "write_raw_dataset",
           "write_spleen_us_raw", "write_task09_spleen_labels", "write_task09_spleen_raw"]

#: The cases of the CT phantoms: two of the first standard fold and one of each other (NIH Pancreas-CT folds
#: 1-20, 21-40, 41-61, 62-82; Sliver07 folds of five), so the shipped split files apply.
NIH_CASES = (1, 2, 21, 41, 62)
SLIVER07_CASES = (1, 2, 6, 11, 16)


def write_spleen_us_raw(out_dir: str | os.PathLike, num_patients: int = 5, images_per_patient: int = 1,
                        size: int = 160, seed: int = 0) -> Path:
    """The spleen paper's raw layout: ``images/P<k>_<i>.dcm``, ``masks/P<k>_<i>.png``, ``lengths.csv``.

    The images are the ultrasound spleen phantoms (:func:`~.organ_slices.ultrasound_spleen`) as US DICOM files
    with the patient id and the pixel spacing (SequenceOfUltrasoundRegions, cm); masks 0/255 PNG (a label
    export); ``lengths.csv`` (``filename,length_mm``) the true organ length, as the radiologist's.
    ``datasets_prep/spleen_to_mmseg.py --images OUT/images --masks OUT/masks --lengths OUT/lengths.csv`` reads it.

    Returns:
        ``out_dir``.
    """
    out = Path(out_dir)
    check_output_dir(out, [])
    rows = ["filename,length_mm"]
    for k in range(num_patients):
        for i in range(images_per_patient):
            rng = np.random.default_rng([int(seed), k, i, 7])
            image, mask, info = ultrasound_spleen(rng, size)
            stem = f"P{k + 1:03d}_{i + 1}"
            atomic_write_bytes(out / "images" / f"{stem}.dcm",
                               ultrasound_dicom_bytes(image, f"P{k + 1:03d}", info["spacing_mm"], f"{seed}-{stem}"))
            atomic_imwrite_png(out / "masks" / f"{stem}.png", mask * np.uint8(255))
            rows.append(f"{stem}.dcm,{info['length_mm']:.3f}")
    atomic_write_text(out / "lengths.csv", "\n".join(rows) + "\n")
    return out


_KITTI_LIVER = 1  # class id of "liver" in label_colors.txt (line order, background 0)


def write_liver_kitti_raw(out_dir: str | os.PathLike, counts: dict[str, int] | None = None, size: int = 128,
                          seed: int = 0) -> Path:
    """The liver paper's labels as CVAT exports them (KITTI 1.0), one subset per split of the paper's protocol:
    ``training/``, ``validation/`` and the independent test set ``testing/``, each with ``image_2/<id>.png``
    (windowed CT slice, grey), ``semantic/<id>.png`` (class id) and ``instance/<id>.png`` (``class * 256 +
    instance``; a liver in two disjoint parts drawn as two instances); ``label_colors.txt``.
    ``datasets_prep/kitti_to_coco.py --root OUT --class liver`` reads it (subsets -> train/val/test).

    Args:
        counts: Slices per subset (default training 6, validation 2, testing 2).

    Returns:
        ``out_dir``.
    """
    import cv2

    counts = dict(counts or {"training": 6, "validation": 2, "testing": 2})
    out = Path(out_dir)
    check_output_dir(out, [])
    atomic_write_text(out / "label_colors.txt", "0 0 0 background\n250 50 83 liver\n")
    index = 0
    for subset, n in counts.items():
        for i in range(n):
            rng = np.random.default_rng([int(seed), index, 11])
            image, mask, _ = ct_liver(rng, size, split=index % 3 == 1)
            index += 1
            name = f"case{index:03d}_s{i + 1:03d}"
            sem = (mask > 0).astype(np.uint8) * _KITTI_LIVER
            n_parts, parts = cv2.connectedComponents(mask.astype(np.uint8), connectivity=8)
            inst = np.zeros(mask.shape, np.uint16)
            for part in range(1, n_parts):
                inst[parts == part] = _KITTI_LIVER * 256 + part
            atomic_imwrite_png(out / subset / "image_2" / f"{name}.png", image)
            atomic_imwrite_png(out / subset / "semantic" / f"{name}.png", sem)
            atomic_imwrite_png(out / subset / "instance" / f"{name}.png", inst)
    return out


def write_ct_volumes_raw(out_dir: str | os.PathLike, dataset: str = "nih", slices: int = 12, size: int = 64,
                         seed: int = 0) -> Path:
    """NIH Pancreas-CT (``dataset="nih"``: ``PANCREAS_NNNN/`` DICOM series + ``labels/labelNNNN.nii.gz``) or
    Sliver07 (``"sliver07"``: ``liver-origNNN.mhd`` + ``liver-segNNN.mhd``) phantoms of
    :func:`~.ct_volumes.write_ct_volume_phantoms`, numbered :data:`NIH_CASES` / :data:`SLIVER07_CASES` so the
    standard 4-fold split files apply. ``datasets_prep/ct_volumes_to_mmseg.py --root OUT`` reads it.

    Returns:
        The dataset folder ``OUT/<dataset>``.
    """
    if dataset not in ("nih", "sliver07"):
        raise ValueError(f"dataset must be 'nih' or 'sliver07', got {dataset!r}")
    numbers = NIH_CASES if dataset == "nih" else SLIVER07_CASES
    dirs = write_ct_volume_phantoms(out_dir, num_cases=len(numbers), seed=seed, shape=(slices, size, size),
                                    case_numbers=list(numbers))
    return dirs[dataset]


def write_task09_spleen_labels(out_dir: str | os.PathLike, num_cases: int = 10, spacing: float = 2.5,
                               seed: int = 0, pad: int = 4) -> list[Path]:
    """3-D spleen label volumes as ``OUT/spleen_<n>.nii.gz`` (0/1 uint8, identity direction, ``pad`` empty voxels
    around the organ): the random spleens of :func:`~.spleen3d.random_spleen` at ``spacing`` mm."""
    out = Path(out_dir)
    files = []
    for n in range(1, num_cases + 1):
        shape = random_spleen(seed * 100003 + n, spacing)
        mask = np.pad(shape.mask.astype(np.uint8), pad)
        files.append(write_nifti(Volume(mask, shape.spacing), out / f"spleen_{n}.nii.gz"))
    return files


def write_task09_spleen_raw(out_dir: str | os.PathLike, num_cases: int = 10, seed: int = 0) -> Path:
    """The Medical Segmentation Decathlon spleen task as the DeepSPV spec reads it: ``OUT/labelsTr/spleen_N.nii.gz``
    (:func:`write_task09_spleen_labels`) and ``OUT/dataset.json`` (no images: the spec reads the labels only).
    ``datasets_prep/spleen_views.py --labels OUT/labelsTr`` reads it.

    Returns:
        ``out_dir``.
    """
    out = Path(out_dir)
    check_output_dir(out, [])
    labels = write_task09_spleen_labels(out / "labelsTr", num_cases, seed=seed)
    atomic_write_text(out / "dataset.json", json.dumps({
        "name": "Spleen phantom", "modality": {"0": "CT"}, "labels": {"0": "background", "1": "spleen"},
        "numTraining": num_cases, "training": [{"image": f"./imagesTr/{p.name}", "label": f"./labelsTr/{p.name}"}
                                               for p in labels], "test": []}, indent=1))
    return out


def _busi(out: Path, seed: int) -> Path:
    write_busi_phantoms(out, {"benign": 7, "malignant": 3, "normal": 1}, seed=seed)
    return out / "Dataset_BUSI_with_GT"


#: Name -> what :func:`write_raw_dataset` writes.
RAW_DATASETS = ("spleen_us", "liver_kitti", "nih_pancreas", "sliver07", "busi", "task09_spleen")


def write_raw_dataset(name: str, out_dir: str | os.PathLike, seed: int = 0) -> Path:
    """Write the raw phantom dataset ``name`` (:data:`RAW_DATASETS`) to ``out_dir``; return the folder a spec's
    ``--data`` takes (for BUSI ``OUT/Dataset_BUSI_with_GT``, for the CT sets ``OUT/nih`` / ``OUT/sliver07``)."""
    out = Path(out_dir)
    if name == "spleen_us":
        return write_spleen_us_raw(out, seed=seed)
    if name == "liver_kitti":
        return write_liver_kitti_raw(out, seed=seed)
    if name in ("nih_pancreas", "sliver07"):
        return write_ct_volumes_raw(out, "nih" if name == "nih_pancreas" else "sliver07", seed=seed)
    if name == "busi":
        return _busi(out, seed)
    if name == "task09_spleen":
        return write_task09_spleen_raw(out, seed=seed)
    raise ValueError(f"unknown raw dataset {name!r} (known: {', '.join(RAW_DATASETS)})")
