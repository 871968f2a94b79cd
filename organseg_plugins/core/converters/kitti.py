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
from ..io.layout import SPLITS, MMSegLayoutWriter
from ..io.paths import check_output_dir, list_files, require_dir, safe_stem
from .cases import split_for_name
from .report import ConversionReport, progress_iter, without_source

__all__ = [
    "KittiLabel",
    "parse_label_colors",
    "find_label",
    "find_kitti_subsets",
    "semantic_from_rgb",
    "kitti_object_masks",
    "convert_kitti",
    "run_kitti_conversion",
    "KittiConvertOptions",
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


@dataclass(frozen=True)
class KittiConvertOptions:
    """What :func:`run_kitti_conversion` does besides its paths and class (defaults as :func:`convert_kitti`).

    Attributes:
        split: Default split name.
        polygons: COCO polygons instead of compressed RLE.
        keep_instances: One annotation per KITTI instance id instead of one merged object.
        assignment: Optional ``{case_id: split}``.
        case_regex: Regex for the case id (see :func:`case_id_from_name`).
        overwrite: Allow a non-empty output folder.
        dry_run: Validate only; write nothing.
        progress: Show a progress bar.
    """

    split: str = "train"
    polygons: bool = False
    keep_instances: bool = False
    assignment: Mapping[str, str] | None = None
    case_regex: str | None = None
    overwrite: bool = False
    dry_run: bool = False
    progress: bool = True


@dataclass(frozen=True)
class _KittiItem:
    """One image of the export: its subset (name and folder), KITTI item id and image file."""

    subset: str
    subset_dir: Path
    item_id: str
    image: Path


@dataclass(frozen=True)
class _KittiImage:
    """One item read and checked: output stem, split, case id, image and object masks."""

    stem: str
    split: str
    case_id: str | None
    image: np.ndarray
    objects: list[tuple[int, np.ndarray]]


def _organ_label(
    root: Path, class_name: str, label_colors: str | os.PathLike | None
) -> tuple[list[KittiLabel], KittiLabel]:
    """The export's labels and the organ's label.

    Args:
        root: The export folder.
        class_name: Organ class name (case-insensitive).
        label_colors: Label file (default ``root/label_colors.txt``).

    Returns:
        ``(all labels, the organ's label)``.

    Raises:
        OrgansegInputError: Bad label file, unknown class, or the class is the background (id 0).
    """
    labels = parse_label_colors(label_colors if label_colors is not None else root / LABEL_FILE)
    label = find_label(labels, class_name, str(label_colors or root / LABEL_FILE))
    if label.id == 0:
        raise OrgansegInputError(f"class {class_name!r} has id 0, which KITTI reserves for the background")
    return labels, label


def _scan_subset(sub: str, sdir: Path, report: ConversionReport) -> list[_KittiItem]:
    """The images of one subset; a repeated item id and a label map without an image are reported.

    Args:
        sub: Subset name.
        sdir: Subset folder (holds ``image_2/`` and the label map folders).
        report: Receives the problems (a repeated item id is skipped).

    Returns:
        The subset's items, in file order.
    """
    img_dir = sdir / "image_2"
    known: set[str] = set()
    items = []
    for p in list_files(img_dir, IMAGE_EXTS, recursive=True):
        item_id = p.relative_to(img_dir).with_suffix("").as_posix()
        if item_id in known:
            report.skip(p, f"two images with item id {item_id!r}")
            continue
        known.add(item_id)
        items.append(_KittiItem(sub, sdir, item_id, p))
    for lab_dir in ("semantic", "instance", "semantic_rgb"):
        d = sdir / lab_dir
        if d.is_dir():
            for q in list_files(d, (".png",), recursive=True):
                if q.relative_to(d).with_suffix("").as_posix() not in known:
                    report.error(q, "label map without an image in image_2/")
    return items


def _read_label_maps(
    item: _KittiItem, labels: list[KittiLabel]
) -> tuple[np.ndarray | None, np.ndarray | None]:
    """``(instance, semantic)`` label maps of an item, ``None`` where missing.

    The semantic map comes from ``semantic/``, else from the colours of ``semantic_rgb/``.

    Args:
        item: The item.
        labels: All labels (for the colours of ``semantic_rgb``).

    Returns:
        ``(instance map or None, class-id map or None)``.

    Raises:
        OrgansegInputError: Unreadable map, several differing channels, unknown colour.
    """
    inst_p = _find_label_file(item.subset_dir / "instance", item.item_id)
    sem_p = _find_label_file(item.subset_dir / "semantic", item.item_id)
    rgb_p = _find_label_file(item.subset_dir / "semantic_rgb", item.item_id)
    instance = _read_map(inst_p) if inst_p else None
    if sem_p:
        return instance, _read_map(sem_p)
    if rgb_p:
        return instance, semantic_from_rgb(read_image_file(rgb_p, cv2.IMREAD_COLOR), labels, str(rgb_p))
    return instance, None


def _item_objects(
    item: _KittiItem,
    size: tuple[int, int],
    labels: list[KittiLabel],
    label: KittiLabel,
    keep_instances: bool,
    report: ConversionReport,
) -> list[tuple[int, np.ndarray]]:
    """The organ's objects on one image, from its label maps checked against the image size.

    Args:
        item: The item.
        size: The image's ``(height, width)``.
        labels: All labels.
        label: The organ's label.
        keep_instances: One object per instance id.
        report: Receives the notes and warnings (class id beyond the labels, instance id 0).

    Returns:
        ``[(instance_id, mask)]`` as :func:`kitti_object_masks` (empty without label files).

    Raises:
        OrgansegInputError: Unreadable maps, size mismatch, semantic/instance disagreement.
    """
    h, w = size
    instance, semantic = _read_label_maps(item, labels)
    for nm, arr in (("instance", instance), ("semantic", semantic)):
        if arr is not None and arr.shape[:2] != (h, w):
            raise OrgansegInputError(f"{nm} map {arr.shape[1]}x{arr.shape[0]} differs from the image "
                                     f"size {w}x{h}")
    if semantic is not None and int(semantic.max()) >= len(labels):
        report.warn(item.image, f"semantic map has class id {int(semantic.max())} beyond the "
                                f"{len(labels)} labels of {LABEL_FILE}")
    if instance is None and semantic is None:
        report.note("image without label files (CVAT writes none for unannotated images): empty mask")
        return []
    objs = kitti_object_masks(label.id, instance, semantic, keep_instances, str(item.image))
    if keep_instances and any(iid == 0 for iid, _ in objs) and instance is not None:
        report.warn(item.image, "instance id 0 (KITTI: not an individual instance) kept as an ordinary object")
    return objs


def _load_item(
    item: _KittiItem,
    labels: list[KittiLabel],
    label: KittiLabel,
    names: Mapping[str, str],
    opts: KittiConvertOptions,
    report: ConversionReport,
) -> _KittiImage:
    """Read and check one item: output name, split, image and the organ's objects.

    Args:
        item: The item.
        labels: All labels.
        label: The organ's label.
        names: ``{output stem: image file}`` of the items converted so far.
        opts: Conversion options.
        report: Receives the notes and warnings of :func:`_item_objects`.

    Returns:
        The checked item.

    Raises:
        OrgansegInputError: Name collision, no split, unreadable image or maps, size mismatch,
            semantic/instance disagreement.
    """
    stem = safe_stem(item.item_id)
    if stem in names:
        raise OrgansegInputError(f"output name {stem}.png collides with {names[stem]}")
    default = _SUBSET_SPLITS.get(item.subset.lower(), opts.split)
    sp, case_id = split_for_name(item.item_id, default, opts.assignment, opts.case_regex)
    img = read_image_file(item.image)
    objs = _item_objects(item, img.shape[:2], labels, label, opts.keep_instances, report)
    return _KittiImage(stem, sp, case_id, img, objs)


def _add_image(
    item: _KittiItem, loaded: _KittiImage, label: KittiLabel, writer: MMSegLayoutWriter, report: ConversionReport
) -> None:
    """Add one checked item to the writer: the image (PNG bytes copied), the union mask, the objects.

    Args:
        item: The item.
        loaded: It, read and checked.
        label: The organ's label (named in the notes).
        writer: The layout writer.
        report: Receives the notes (no organ, one object in several regions) and the converted count.
    """
    h, w = loaded.image.shape[:2]
    union = np.zeros((h, w), np.uint8)
    for _, m in loaded.objects:
        union |= m
    n_parts = int(cv2.connectedComponents(union, connectivity=8)[0] - 1) if union.any() else 0
    if not union.any():
        report.note(f"image without {label.name}")
    if n_parts > 1 and len(loaded.objects) == 1:
        report.note(f"{label.name} in several regions kept as one object")
    row = {"case_id": loaded.case_id, "kitti_subset": item.subset, "kitti_id": item.item_id,
           "n_objects": len(loaded.objects), "n_parts": n_parts, "height": h, "width": w}
    png = item.image.read_bytes() if item.image.suffix.lower() == ".png" and not writer.dry_run else None
    writer.add(loaded.split, loaded.stem, loaded.image, union, row, objects=[m for _, m in loaded.objects],
               image_bytes=png)
    report.converted += 1


def _convert_items(
    items: list[_KittiItem],
    labels: list[KittiLabel],
    label: KittiLabel,
    writer: MMSegLayoutWriter,
    opts: KittiConvertOptions,
    report: ConversionReport,
) -> None:
    """Read, check and add every item; a bad item is reported and skipped, the rest converted.

    Args:
        items: The items of every subset.
        labels: All labels.
        label: The organ's label.
        writer: The layout writer.
        opts: Conversion options.
        report: Receives the per-image problems and counts.
    """
    names: dict[str, str] = {}
    for item in progress_iter(items, opts.progress, "kitti->coco", len(items)):
        try:
            loaded = _load_item(item, labels, label, names, opts, report)
        except OrgansegInputError as exc:
            report.skip(item.image, without_source(exc, item.image))
            continue
        if loaded.split not in SPLITS:
            report.warn(item.image, f"split {loaded.split!r} is not one of {SPLITS}")
        names[loaded.stem] = str(item.image)
        _add_image(item, loaded, label, writer, report)


def run_kitti_conversion(
    root: str | os.PathLike,
    out_dir: str | os.PathLike,
    class_name: str,
    options: KittiConvertOptions | None = None,
    label_colors: str | os.PathLike | None = None,
) -> ConversionReport:
    """Convert a CVAT KITTI 1.0 segmentation export to the MMSeg layout + COCO instances.

    The option-object form of :func:`convert_kitti` (same input, output and report): the subsets
    are scanned (:func:`_scan_subset`), every item is read and checked (:func:`_load_item`) and
    added (:func:`_add_image`); then COCO and ``meta.csv``.

    Args:
        root: The export folder (holds ``label_colors.txt``).
        out_dir: Output folder (outside ``root``; empty unless ``options.overwrite``).
        class_name: Organ class name in ``label_colors.txt`` (e.g. ``"liver"``).
        options: What to do (default: :class:`KittiConvertOptions` ``()``).
        label_colors: Label file (default ``root/label_colors.txt``).

    Returns:
        The :class:`ConversionReport` (``extra``: images and annotations per split).

    Raises:
        OrgansegInputError: Bad root/label file/class name or output folder (whole-run problems).
    """
    opts = options if options is not None else KittiConvertOptions()
    root_p = require_dir(root, "KITTI export folder")
    labels, label = _organ_label(root_p, class_name, label_colors)
    subsets = find_kitti_subsets(root_p)
    out = Path(out_dir)
    check_output_dir(out, [root_p], overwrite=opts.overwrite or opts.dry_run)
    report = ConversionReport(dry_run=opts.dry_run)
    items = [item for sub, sdir in subsets.items() for item in _scan_subset(sub, sdir, report)]
    if not items:
        raise OrgansegInputError(f"{root_p}: no images in any image_2/ folder")
    writer = MMSegLayoutWriter(out, opts.dry_run)
    _convert_items(items, labels, label, writer, opts, report)
    cat = {"id": 1, "name": label.name, "supercategory": "organ"}
    info = {"description": f"organseg_plugins KITTI->COCO {label.name} {{split}}"}
    n_anns, warns = writer.finish(KITTI_META_COLUMNS, [cat], opts.polygons, info)
    for file_name, msg in warns:
        report.warn(file_name, msg)
    report.outputs += writer.outputs
    report.extra["images per split"] = writer.images_per_split()
    report.extra["annotations per split"] = n_anns
    return report


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

    Keyword form of :func:`run_kitti_conversion`: ``split``, ``polygons``, ``keep_instances``,
    ``assignment``, ``case_regex``, ``overwrite``, ``dry_run`` and ``progress`` are the fields of
    :class:`KittiConvertOptions`, documented there.

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
        label_colors: Label file (default ``root/label_colors.txt``).
        split, polygons, keep_instances, assignment, case_regex, overwrite, dry_run, progress: The
            fields of :class:`KittiConvertOptions` (same names, defaults and meaning).

    Returns:
        The :class:`ConversionReport` (``extra``: images and annotations per split).

    Raises:
        OrgansegInputError: Bad root/label file/class name or output folder (whole-run problems).
    """
    options = KittiConvertOptions(
        split=split, polygons=polygons, keep_instances=keep_instances, assignment=assignment,
        case_regex=case_regex, overwrite=overwrite, dry_run=dry_run, progress=progress,
    )
    return run_kitti_conversion(root, out_dir, class_name, options, label_colors)
