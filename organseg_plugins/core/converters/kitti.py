"""KITTI 1.0 segmentation export (as CVAT writes it) -> COCO instances + MMSegmentation 0/1 masks.

Sattari et al. 2025, "Liver margin segmentation in abdominal CT images using U-Net and Detectron2", Sci Rep labelled its slices in CVAT and exported
**KITTI 1.0**; its Detectron2 Mask R-CNN needs COCO with one class "liver", and "a liver that
appears as two disjoint regions must stay one object". CVAT's export (Datumaro's KITTI
segmentation writer) looks like::

    ROOT/label_colors.txt            "R G B name" per line; line order = class id (background 0)
    ROOT/<subset>/image_2/<id>.png    images (<subset> is "default" for a CVAT task, or
                                      training/testing...; ROOT itself may hold image_2/)
    ROOT/<subset>/semantic/<id>.png   class id per pixel (uint8/uint16)
    ROOT/<subset>/semantic_rgb/<id>.png  class colours (optional; used if semantic/ is missing)
    ROOT/<subset>/instance/<id>.png   uint16, class_id * 256 + instance_id per pixel

``<id>`` may contain sub-folders. CVAT writes no label files for an image without annotations;
such an image gets an empty mask (counted as a note, not an error).

Rules of :func:`convert_kitti`:

* The organ class is selected by name (case-insensitive) from ``label_colors.txt``.
* By default **all instance ids of that class on an image are merged into one object** (one COCO
  annotation: one compressed RLE, or one polygon per region with ``polygons=True``), because an
  annotator may draw the two visible parts of one liver as two CVAT shapes. ``keep_instances=True``
  keeps one annotation per instance id instead.
* When both ``semantic`` and ``instance`` maps exist they must agree on the class's pixels,
  otherwise the image is reported (never a silent choice between them).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from ..errors import OrgansegInputError
from ..io.images import IMAGE_EXTS, read_image_file
from ..io.layout import MMSegLayoutWriter
from ..io.paths import check_output_dir, list_files, require_dir, safe_stem
from .cases import SPLITS, split_for_name
from .report import ConversionReport, progress_iter

__all__ = [
    "KittiLabel",
    "parse_label_colors",
    "find_label",
    "find_kitti_subsets",
    "semantic_from_rgb",
    "kitti_object_masks",
    "convert_kitti",
    "KITTI_META_COLUMNS",
]

LABEL_FILE = "label_colors.txt"
KITTI_META_COLUMNS = ("filename", "split", "case_id", "kitti_subset", "kitti_id", "n_objects", "n_parts",
                      "height", "width")
_SUBSET_SPLITS = {"train": "train", "training": "train", "val": "val", "valid": "val", "validation": "val",
                  "test": "test", "testing": "test"}


@dataclass(frozen=True)
class KittiLabel:
    """One line of ``label_colors.txt``: class id (line order), name and RGB colour (or None)."""

    id: int
    name: str
    color: tuple[int, int, int] | None


def parse_label_colors(path: str | os.PathLike) -> list[KittiLabel]:
    """Parse a KITTI/CVAT ``label_colors.txt``.

    Lines are ``R G B name`` (the name may contain spaces) or just ``name``; blank lines and lines
    starting with ``#`` are skipped; the class id is the index among the remaining lines, as
    Datumaro/CVAT write the semantic maps (background first, id 0).

    Args:
        path: The label file.

    Returns:
        The labels in id order.

    Raises:
        OrgansegInputError: Missing file, bad colour values, duplicate names, or no labels.
    """
    p = Path(path)
    if not p.is_file():
        raise OrgansegInputError(f"{p}: label colour file does not exist (CVAT's KITTI export writes {LABEL_FILE})")
    labels: list[KittiLabel] = []
    names: set[str] = set()
    for lineno, line in enumerate(p.read_text(encoding="utf-8").splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split()
        color = None
        if len(parts) >= 4:
            try:
                rgb = tuple(int(v) for v in parts[:3])
            except ValueError as exc:
                raise OrgansegInputError(f"{p}:{lineno}: expected 'R G B name', got {line!r}") from exc
            if not all(0 <= v <= 255 for v in rgb):
                raise OrgansegInputError(f"{p}:{lineno}: colour values must be 0..255, got {rgb}")
            color = (rgb[0], rgb[1], rgb[2])
            name = " ".join(parts[3:])
        elif len(parts) == 1:
            name = parts[0]
        else:
            raise OrgansegInputError(f"{p}:{lineno}: expected 'R G B name' or 'name', got {line!r}")
        if name.lower() in names:
            raise OrgansegInputError(f"{p}:{lineno}: label {name!r} is defined twice")
        names.add(name.lower())
        labels.append(KittiLabel(len(labels), name, color))
    if not labels:
        raise OrgansegInputError(f"{p}: no labels found")
    return labels


def find_label(labels: list[KittiLabel], name: str, source: str = LABEL_FILE) -> KittiLabel:
    """The label called ``name`` (case-insensitive); error listing the available names otherwise."""
    for lab in labels:
        if lab.name.lower() == name.lower():
            return lab
    raise OrgansegInputError(f"{source}: no class {name!r}; the classes are {[lab.name for lab in labels]}")


def find_kitti_subsets(root: str | os.PathLike) -> dict[str, Path]:
    """Subset folders of a KITTI export: ``{subset_name: folder}`` for each folder with ``image_2/``.

    ``ROOT/image_2`` itself gives the subset ``"default"``; otherwise each direct sub-folder of
    ROOT with an ``image_2`` folder is a subset (``default``, ``training``, ``testing``, ...).

    Raises:
        OrgansegInputError: If there is no ``image_2`` folder.
    """
    r = require_dir(root, "KITTI export folder")
    if (r / "image_2").is_dir():
        return {"default": r}
    subsets = {d.name: d for d in sorted(r.iterdir()) if d.is_dir() and (d / "image_2").is_dir()}
    if not subsets:
        raise OrgansegInputError(
            f"{r}: no image_2/ folder (expected ROOT/image_2 or ROOT/<subset>/image_2 as CVAT's KITTI 1.0 export)"
        )
    return subsets


def semantic_from_rgb(rgb_bgr: np.ndarray, labels: list[KittiLabel], source: str) -> np.ndarray:
    """Class-id map from a ``semantic_rgb`` image (OpenCV BGR order), vectorised.

    Raises:
        OrgansegInputError: If the image is not 3-channel, a colour is not in the label file, or
            two labels share a colour that occurs in the image (ambiguous).
    """
    if rgb_bgr.ndim != 3 or rgb_bgr.shape[2] < 3:
        raise OrgansegInputError(f"{source}: semantic_rgb image has shape {rgb_bgr.shape}; expected colour")
    px = rgb_bgr[..., :3].astype(np.int64)
    codes = (px[..., 2] << 16) | (px[..., 1] << 8) | px[..., 0]
    table: dict[int, list[int]] = {}
    for lab in labels:
        if lab.color is not None:
            r, g, b = lab.color
            table.setdefault((r << 16) | (g << 8) | b, []).append(lab.id)
    uniq, inv = np.unique(codes, return_inverse=True)
    ids = np.empty(uniq.shape, np.int64)
    for i, c in enumerate(uniq.tolist()):  # loop over distinct colours, not pixels
        if c not in table:
            rgb = ((c >> 16) & 255, (c >> 8) & 255, c & 255)
            raise OrgansegInputError(f"{source}: colour RGB{rgb} is not in {LABEL_FILE}")
        if len(table[c]) > 1:
            raise OrgansegInputError(f"{source}: colour of labels {table[c]} is ambiguous")
        ids[i] = table[c][0]
    return ids[inv].reshape(codes.shape)


def kitti_object_masks(
    class_id: int,
    instance: np.ndarray | None,
    semantic: np.ndarray | None,
    keep_instances: bool = False,
    source: str = "",
) -> list[tuple[int, np.ndarray]]:
    """Object masks of one class from KITTI instance and/or semantic maps.

    Args:
        class_id: The organ's class id.
        instance: KITTI instance map (``class_id * 256 + instance_id``) or ``None``.
        semantic: Class-id map or ``None``.
        keep_instances: One object per instance id (needs ``instance``); default: one merged object.
        source: Name used in error messages.

    Returns:
        ``[(instance_id, mask)]`` -- a single ``(0, union)`` entry by default (empty list if the class
        is absent); sorted by instance id with ``keep_instances``.

    Raises:
        OrgansegInputError: Neither map given, size mismatch, or the two maps disagree.
    """
    if instance is None and semantic is None:
        raise OrgansegInputError(f"{source}: neither an instance nor a semantic map")
    sem_mask = None if semantic is None else (semantic == class_id)
    inst_cls = None
    if instance is not None:
        inst_cls = instance.astype(np.int64) >> 8
        cls_mask = inst_cls == class_id
        if sem_mask is not None:
            if sem_mask.shape != cls_mask.shape:
                raise OrgansegInputError(f"{source}: semantic map {sem_mask.shape} and instance map "
                                         f"{cls_mask.shape} differ in size")
            n_diff = int(np.count_nonzero(sem_mask != cls_mask))
            if n_diff:
                raise OrgansegInputError(f"{source}: semantic and instance maps disagree on {n_diff} pixel(s) "
                                         f"of class {class_id}")
    else:
        cls_mask = sem_mask
    assert cls_mask is not None
    if not cls_mask.any():
        return []
    if not keep_instances or instance is None:
        return [(0, cls_mask.astype(np.uint8))]
    inst_ids = (instance.astype(np.int64) & 255)
    ids = np.unique(inst_ids[cls_mask])
    return [(int(i), (cls_mask & (inst_ids == i)).astype(np.uint8)) for i in ids.tolist()]


def _read_map(path: Path) -> np.ndarray:
    arr = read_image_file(path, cv2.IMREAD_UNCHANGED)
    if arr.ndim == 3:
        if arr.shape[2] == 1 or ((arr[..., 0] == arr[..., 1]).all() and (arr[..., 1] == arr[..., 2]).all()):
            arr = arr[..., 0]
        else:
            raise OrgansegInputError(f"{path}: label map has {arr.shape[2]} differing channels; expected 1 channel")
    if arr.dtype not in (np.uint8, np.uint16):
        raise OrgansegInputError(f"{path}: label map dtype {arr.dtype}; expected uint8/uint16")
    return arr


def _find_label_file(folder: Path, item_id: str) -> Path | None:
    p = folder / f"{item_id}.png"
    return p if p.is_file() else None


def convert_kitti(
    root: str | os.PathLike,
    out_dir: str | os.PathLike,
    class_name: str,
    split: str = "train",
    polygons: bool = False,
    keep_instances: bool = False,
    assignment: Mapping[str, str] | None = None,
    case_regex: str | None = None,
    label_colors: str | os.PathLike | None = None,
    overwrite: bool = False,
    dry_run: bool = False,
    progress: bool = True,
) -> ConversionReport:
    """Convert a CVAT KITTI 1.0 segmentation export to the MMSeg layout + COCO instances.

    Output (``<stem>`` is the KITTI item id with ``/`` replaced by ``_``)::

        OUT/img_dir/{split}/<stem>.png   the image (PNG bytes copied as is; other formats re-encoded)
        OUT/ann_dir/{split}/<stem>.png   0/1 mask of the class (union of its objects)
        OUT/annotations/instances_{split}.json   COCO, category {"id": 1, "name": class_name}
        OUT/meta.csv                     filename, split, case_id, kitti_subset, kitti_id, n_objects,
                                         n_parts (8-connected regions), height, width

    The split of an image: from ``assignment[case_id]`` when an assignment is given (case id from
    ``case_regex`` on the item id), else a subset named train/training, val/validation or
    test/testing maps to that split, else ``split``.

    Per-image problems (unreadable or empty image, size mismatch between image and label maps,
    semantic/instance disagreement, label map without image, name collision) are reported and the
    image skipped; the rest is converted.

    Args:
        root: The export folder (holds ``label_colors.txt``).
        out_dir: Output folder (outside ``root``; empty unless ``overwrite``).
        class_name: Organ class name in ``label_colors.txt`` (e.g. ``"liver"``).
        split: Default split name.
        polygons: COCO polygons instead of compressed RLE.
        keep_instances: One annotation per KITTI instance id instead of one merged object.
        assignment: Optional ``{case_id: split}``.
        case_regex: Regex for the case id (see :func:`case_id_from_name`).
        label_colors: Label file (default ``root/label_colors.txt``).
        overwrite: Allow a non-empty output folder.
        dry_run: Validate only; write nothing.
        progress: Show a progress bar.

    Returns:
        The :class:`ConversionReport` (``extra``: images and annotations per split).

    Raises:
        OrgansegInputError: Bad root/label file/class name or output folder (whole-run problems).
    """
    root_p = require_dir(root, "KITTI export folder")
    labels = parse_label_colors(label_colors if label_colors is not None else root_p / LABEL_FILE)
    label = find_label(labels, class_name, str(label_colors or root_p / LABEL_FILE))
    if label.id == 0:
        raise OrgansegInputError(f"class {class_name!r} has id 0, which KITTI reserves for the background")
    subsets = find_kitti_subsets(root_p)
    out = Path(out_dir)
    check_output_dir(out, [root_p], overwrite=overwrite or dry_run)
    report = ConversionReport(dry_run=dry_run)

    # --- enumerate items
    items: list[tuple[str, Path, str, Path]] = []  # (subset, subset_dir, item_id, image_path)
    for sub, sdir in subsets.items():
        img_dir = sdir / "image_2"
        known = set()
        for p in list_files(img_dir, IMAGE_EXTS, recursive=True):
            item_id = p.relative_to(img_dir).with_suffix("").as_posix()
            if item_id in known:
                report.error(p, f"two images with item id {item_id!r}")
                report.skipped += 1
                continue
            known.add(item_id)
            items.append((sub, sdir, item_id, p))
        for lab_dir in ("semantic", "instance", "semantic_rgb"):
            d = sdir / lab_dir
            if d.is_dir():
                for q in list_files(d, (".png",), recursive=True):
                    if q.relative_to(d).with_suffix("").as_posix() not in known:
                        report.error(q, "label map without an image in image_2/")
    if not items:
        raise OrgansegInputError(f"{root_p}: no images in any image_2/ folder")

    writer = MMSegLayoutWriter(out, dry_run)
    names: dict[str, str] = {}
    for sub, sdir, item_id, img_path in progress_iter(items, progress, "kitti->coco", len(items)):
        try:
            stem = safe_stem(item_id)
            if stem in names:
                raise OrgansegInputError(f"output name {stem}.png collides with {names[stem]}")
            default = _SUBSET_SPLITS.get(sub.lower(), split)
            sp, case_id = split_for_name(item_id, default, assignment, case_regex)
            img = read_image_file(img_path)
            h, w = img.shape[:2]
            inst_p = _find_label_file(sdir / "instance", item_id)
            sem_p = _find_label_file(sdir / "semantic", item_id)
            rgb_p = _find_label_file(sdir / "semantic_rgb", item_id)
            instance = _read_map(inst_p) if inst_p else None
            if sem_p:
                semantic = _read_map(sem_p)
            elif rgb_p:
                semantic = semantic_from_rgb(read_image_file(rgb_p, cv2.IMREAD_COLOR), labels, str(rgb_p))
            else:
                semantic = None
            for nm, arr in (("instance", instance), ("semantic", semantic)):
                if arr is not None and arr.shape[:2] != (h, w):
                    raise OrgansegInputError(f"{nm} map {arr.shape[1]}x{arr.shape[0]} differs from the image "
                                             f"size {w}x{h}")
            if semantic is not None and int(semantic.max()) >= len(labels):
                report.warn(img_path, f"semantic map has class id {int(semantic.max())} beyond the "
                                      f"{len(labels)} labels of {LABEL_FILE}")
            if instance is None and semantic is None:
                objs: list[tuple[int, np.ndarray]] = []
                report.note("image without label files (CVAT writes none for unannotated images): empty mask")
            else:
                objs = kitti_object_masks(label.id, instance, semantic, keep_instances, str(img_path))
            if keep_instances and any(iid == 0 for iid, _ in objs) and instance is not None:
                report.warn(img_path, "instance id 0 (KITTI: not an individual instance) kept as an ordinary object")
        except OrgansegInputError as exc:
            msg = str(exc)
            prefix = f"{img_path}: "
            report.error(img_path, msg[len(prefix):] if msg.startswith(prefix) else msg)
            report.skipped += 1
            continue
        if sp not in SPLITS:
            report.warn(img_path, f"split {sp!r} is not one of {SPLITS}")
        names[stem] = str(img_path)
        union = np.zeros((h, w), np.uint8)
        for _, m in objs:
            union |= m
        n_parts = int(cv2.connectedComponents(union, connectivity=8)[0] - 1) if union.any() else 0
        if not union.any():
            report.note(f"image without {label.name}")
        if n_parts > 1 and len(objs) == 1:
            report.note(f"{label.name} in several regions kept as one object")
        row = {"case_id": case_id, "kitti_subset": sub, "kitti_id": item_id, "n_objects": len(objs),
               "n_parts": n_parts, "height": h, "width": w}
        png = img_path.read_bytes() if img_path.suffix.lower() == ".png" and not dry_run else None
        writer.add(sp, stem, img, union, row, objects=[m for _, m in objs], image_bytes=png)
        report.converted += 1

    cat = {"id": 1, "name": label.name, "supercategory": "organ"}
    info = {"description": f"organseg_plugins KITTI->COCO {label.name} {{split}}"}
    n_anns, warns = writer.finish(KITTI_META_COLUMNS, [cat], polygons, info)
    for file_name, msg in warns:
        report.warn(file_name, msg)
    report.outputs += writer.outputs
    report.extra["images per split"] = writer.images_per_split()
    report.extra["annotations per split"] = n_anns
    return report

