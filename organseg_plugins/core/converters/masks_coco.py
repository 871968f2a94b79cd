"""Binary mask folders <-> COCO instances JSON (compressed RLE or polygons).

Detectron2 (Sattari et al. 2025, Table 5) trains on COCO
instances; MMSegmentation on 0/1 mask PNGs. One organ is **one annotation** even when it appears as
several disjoint regions (a liver cut in two by the slice plane): an RLE covers all regions, and
with ``polygons=True`` the annotation gets one polygon per region -- it is never split into several
objects nor are regions silently dropped (a region too small for a polygon keeps the whole object in
RLE, with a warning).

* :func:`build_coco` -- COCO dict from image entries and object masks (RLE or polygons).
* :func:`pair_images_masks` -- match a folder of images with a folder of masks by file stem.
* :func:`masks_dir_to_coco` -- folder of images + 0/1 (or 0/255) masks -> COCO JSON.
* :func:`coco_to_mask_dir` -- COCO JSON -> one 0/1 mask PNG per image (union of its annotations).

Round trip masks -> COCO (RLE) -> masks is exact; polygons are an approximation (outer contours
through boundary-pixel centres, holes dropped; IoU typically > 0.95 for organ-sized masks).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np

from ..errors import OrgansegInputError
from ..io.atomic import atomic_imwrite_png, atomic_write_json
from ..io.coco import build_coco, read_coco_file, segmentation_problems, segmentation_to_mask
from ..io.images import IMAGE_EXTS, read_image_file
from ..io.paths import check_output_dir, list_files, require_dir
from ..io.validate import as_binary_mask
from .report import ConversionReport, progress_iter

__all__ = [
    "pair_images_masks",
    "masks_dir_to_coco",
    "coco_to_mask_dir",
    "load_coco_json",
]


def _mask_candidates(masks_dir: Path, stem: str, suffix: str) -> list[Path]:
    return [masks_dir / f"{stem}{suffix}{ext}" for ext in (".png", ".bmp", ".tif", ".tiff")]


def _image_stem(mask_stem: str, suffix: str) -> str:
    """The image stem a mask name points to: ``x`` for ``x<suffix>`` and ``x<suffix>_<n>``."""
    m = re.fullmatch(rf"(.+?){re.escape(suffix)}(_\d+)?", mask_stem) if suffix else None
    return m.group(1) if m else mask_stem


def pair_images_masks(
    images_dir: str | os.PathLike,
    masks_dir: str | os.PathLike,
    mask_suffix: str = "",
    merge_extra: bool = False,
    report: ConversionReport | None = None,
) -> list[tuple[Path, list[Path]]]:
    """Match images to masks by file stem.

    The mask of ``images/x.png`` is ``masks/x{mask_suffix}.png`` (``.bmp``/``.tif`` also accepted;
    ``mask_suffix`` is e.g. ``"_mask"`` for BUSI). With ``merge_extra`` the extra masks
    ``x{mask_suffix}_1.png``, ``_2``, ... (BUSI's second lesions) are returned too
    so the caller can merge them. ``images_dir`` may equal ``masks_dir`` (BUSI keeps both in one
    folder); files that are masks are then not taken as images.

    Args:
        images_dir: Folder of images (``.png/.jpg/.bmp/.tif``).
        masks_dir: Folder of masks.
        mask_suffix: Text between the stem and the extension of a mask.
        merge_extra: Also collect numbered extra masks.
        report: Where to record images without a mask (errors, skipped), masks without an image
            (errors: an input that is not converted; not counted as skipped images) and extra masks
            left out because ``merge_extra`` is off (warnings); if ``None`` nothing is recorded.

    Returns:
        ``[(image_path, [mask_path, extra...])]`` for images that have a mask, sorted by image.
    """
    idir = require_dir(images_dir, "images folder")
    mdir = require_dir(masks_dir, "masks folder")
    same = idir.resolve() == mdir.resolve()
    mask_files = list_files(mdir, IMAGE_EXTS)
    images = list_files(idir, IMAGE_EXTS)
    if same:
        if not mask_suffix:
            raise OrgansegInputError(
                f"images and masks are the same folder {str(idir)!r}: give the mask suffix (e.g. _mask)"
            )
        images = [p for p in images if mask_suffix not in p.stem]
    used: set[Path] = set()
    out: list[tuple[Path, list[Path]]] = []
    for img in images:
        found = [c for c in _mask_candidates(mdir, img.stem, mask_suffix) if c.is_file()]
        if not found:
            if report is not None:
                report.error(img, f"no mask {img.stem}{mask_suffix}.png in {mdir}")
                report.skipped += 1
            continue
        if len(found) > 1:
            used.update(found)  # the image's masks: reported with it, not as masks without an image
            if report is not None:
                report.error(img, f"several masks match: {[p.name for p in found]}")
                report.skipped += 1
            continue
        masks = [found[0]]
        if merge_extra:
            prefix = f"{img.stem}{mask_suffix}_"
            extra = [p for p in mask_files if p.stem.startswith(prefix) and p.stem[len(prefix):].isdigit()]
            masks += sorted(extra, key=lambda p: int(p.stem[len(prefix):]))
        used.update(masks)
        out.append((img, masks))
    if report is not None:
        for m in mask_files:
            if m in used:
                continue
            if same and mask_suffix not in m.stem:
                continue
            if not merge_extra and mask_suffix and m.stem.rsplit("_", 1)[-1].isdigit():
                report.warn(m, "looks like an extra mask (name_<n>) but merge_extra/--merge-extra is off; ignored")
            else:  # an image lost on the way (an incomplete copy, a renamed file): an input not converted
                report.error(m, f"mask without an image: no image {_image_stem(m.stem, mask_suffix)}.* in {idir}; "
                                "not converted")
    return out


def masks_dir_to_coco(
    images_dir: str | os.PathLike,
    masks_dir: str | os.PathLike,
    out_json: str | os.PathLike,
    category: str = "organ",
    polygons: bool = False,
    mask_suffix: str = "",
    merge_extra: bool = False,
    file_name_root: str | os.PathLike | None = None,
    mask_label: int | None = None,
    overwrite: bool = False,
    dry_run: bool = False,
    progress: bool = True,
) -> ConversionReport:
    """Folder of images + binary masks -> COCO instances JSON (one annotation per non-empty mask).

    Each mask (0/1, or 0/255 which is converted; anything else is an error for that file) must have
    its image's size. Images with an empty mask get an image entry without annotations. Image ids
    are 1..N in file-name order.

    Args:
        images_dir: Folder of images.
        masks_dir: Folder of masks (see :func:`pair_images_masks` for the naming).
        out_json: Output JSON file (may not be inside the images or masks folder).
        category: Category name (id 1).
        polygons: Polygons instead of compressed RLE.
        mask_suffix: Mask name suffix (``x.png`` -> ``x{suffix}.png``).
        merge_extra: Merge numbered extra masks (``x_mask_1.png``) into the image's object.
        file_name_root: COCO ``file_name`` is the image path relative to this folder (default: the
            bare file name).
        mask_label: Foreground value in multi-label masks (default: binary masks).
        overwrite: Replace an existing ``out_json``.
        dry_run: Validate only.
        progress: Show a progress bar.

    Returns:
        The :class:`ConversionReport` (``extra["annotations"]``: annotations written).
    """
    out_json = Path(out_json)
    for d in (images_dir, masks_dir):
        if Path(d).resolve() in out_json.resolve().parents:
            raise OrgansegInputError(f"output {str(out_json)!r} is inside the input folder {str(d)!r}")
    if out_json.exists() and not overwrite:
        raise OrgansegInputError(f"output {str(out_json)!r} exists; pass overwrite (--overwrite) to replace it")
    report = ConversionReport(dry_run=dry_run)
    pairs = pair_images_masks(images_dir, masks_dir, mask_suffix, merge_extra, report)
    root = Path(file_name_root) if file_name_root is not None else None
    images: list[dict] = []
    objects: list[tuple[int, int, np.ndarray]] = []
    for img_path, mask_paths in progress_iter(pairs, progress, "masks->coco", len(pairs)):
        try:
            img = read_image_file(img_path)
            h, w = img.shape[:2]
            union = np.zeros((h, w), np.uint8)
            for mp in mask_paths:
                m = as_binary_mask(read_image_file(mp), str(mp), label=mask_label, allow_255=True, ndim=(2,), grey_rgb=True)
                if m.shape != (h, w):
                    raise OrgansegInputError(f"{mp}: mask size {m.shape[1]}x{m.shape[0]} differs from image "
                                             f"{img_path.name} size {w}x{h}")
                union |= m
        except OrgansegInputError as exc:
            report.error(img_path, str(exc))
            report.skipped += 1
            continue
        image_id = len(images) + 1
        fname = img_path.name if root is None else Path(os.path.relpath(img_path, root)).as_posix()
        images.append({"id": image_id, "file_name": fname, "height": int(h), "width": int(w)})
        objects.append((image_id, 1, union))
        if not union.any():
            report.note("image with an empty mask (no annotation)")
        report.converted += 1
    coco, warns = build_coco(images, objects, [{"id": 1, "name": category}], polygons)
    for image_id, msg in warns:
        report.warn(images[image_id - 1]["file_name"], msg)
    report.extra["annotations"] = len(coco["annotations"])
    if not dry_run:
        atomic_write_json(out_json, coco)
        report.outputs.append(str(out_json))
    return report


def load_coco_json(path: str | os.PathLike) -> dict:
    """Read and sanity-check a COCO instances JSON.

    Raises:
        OrgansegInputError: Missing/unparsable file, or no ``images``/``annotations`` lists.
    """
    return read_coco_file(path)


def _image_mask(anns: list[dict], h: int, w: int) -> tuple[np.ndarray, list[str]]:
    """Union of an image's annotations, and one line per unusable annotation (its id and the problem).

    A degenerate polygon (fewer than 3 points, zero area, an odd number of coordinates), a missing
    segmentation or an RLE of another size is a problem of its annotation: pycocotools would rasterise it to
    nothing, i.e. an empty mask without a word.
    """
    mask = np.zeros((h, w), np.uint8)
    bad: list[str] = []
    for ann in anns:
        problems = segmentation_problems(ann.get("segmentation"), h, w)
        if problems:
            bad += [f"annotation id {ann.get('id')}: {p}" for p in problems]
            continue
        try:
            mask |= segmentation_to_mask(ann["segmentation"], h, w)
        except (ValueError, KeyError, TypeError) as exc:
            bad.append(f"annotation id {ann.get('id')}: {exc}")
    return mask, bad


def coco_to_mask_dir(
    coco_json: str | os.PathLike,
    out_dir: str | os.PathLike,
    category: str | int | None = None,
    value: int = 1,
    overwrite: bool = False,
    dry_run: bool = False,
    progress: bool = True,
) -> ConversionReport:
    """COCO instances JSON -> one mask PNG per image (the union of its annotations of a category).

    The mask of image ``file_name`` is ``out_dir/<stem of file_name>.png`` with values 0 and
    ``value`` (1 for mmseg; 255 to look at). Images without annotations get all-zero masks. An
    annotation whose segmentation is unusable -- a polygon of fewer than 3 points, of zero area or with an odd
    number of coordinates, no segmentation, an RLE whose size disagrees with its image entry, or one that
    cannot be decoded -- is one error naming the JSON, the image and the annotation id, and its image gets no
    mask (skipped) instead of a silently empty or partial one. An annotation of an image id that is not in
    ``images`` is an error too.

    Args:
        coco_json: Input COCO file.
        out_dir: Output folder (may not contain ``coco_json``).
        category: Category name or id to keep; ``None`` means all annotations, allowed only if
            the file has a single category (otherwise the union of organs would be silently mixed).
        value: Foreground value written (1 or 255).
        overwrite: Allow a non-empty output folder.
        dry_run: Validate only.
        progress: Show a progress bar.

    Returns:
        The :class:`ConversionReport`.
    """
    if value not in (1, 255):
        raise OrgansegInputError(f"mask value must be 1 or 255, got {value}")
    coco = load_coco_json(coco_json)
    check_output_dir(out_dir, [coco_json], overwrite=overwrite or dry_run)
    cats = coco.get("categories", [])
    if category is None:
        if len(cats) > 1:
            raise OrgansegInputError(
                f"{coco_json}: {len(cats)} categories {[c.get('name') for c in cats]}; choose one with --category"
            )
        cat_id = None
    else:
        match = [c for c in cats if str(c.get("name")) == str(category) or str(c.get("id")) == str(category)]
        if not match:
            raise OrgansegInputError(
                f"{coco_json}: no category {category!r}; categories are {[c.get('name') for c in cats]}"
            )
        cat_id = int(match[0]["id"])
    by_image: dict[int, list[dict]] = {}
    for ann in coco.get("annotations", []):
        if cat_id is None or int(ann.get("category_id", -1)) == cat_id:
            by_image.setdefault(int(ann["image_id"]), []).append(ann)
    report = ConversionReport(dry_run=dry_run)
    image_ids = {int(im["id"]) for im in coco["images"] if isinstance(im, dict) and "id" in im}
    for image_id in sorted(set(by_image) - image_ids):
        for ann in by_image[image_id]:
            report.error(str(coco_json), f"annotation id {ann.get('id')}: its image id {image_id} is not in 'images'")
    out = Path(out_dir)
    seen: dict[str, str] = {}
    images = coco["images"]
    for im in progress_iter(images, progress, "coco->masks", len(images)):
        fname = str(im.get("file_name", f"id{im.get('id')}"))
        try:
            h, w = int(im["height"]), int(im["width"])
            stem = Path(fname).stem
            if stem in seen:
                raise OrgansegInputError(f"output name {stem}.png already used by {seen[stem]}")
            mask, bad = _image_mask(by_image.get(int(im["id"]), []), h, w)
        except (OrgansegInputError, KeyError, ValueError) as exc:
            report.error(f"{coco_json}[{fname}]", str(exc))
            report.skipped += 1
            continue
        if bad:  # one error per unusable annotation; no mask is written rather than one missing those objects
            for msg in bad:
                report.error(f"{coco_json}[{fname}]", msg)
            report.skipped += 1
            continue
        seen[stem] = fname
        if not dry_run:
            atomic_imwrite_png(out / f"{stem}.png", mask * np.uint8(value))
            report.outputs.append(f"{stem}.png")
        report.converted += 1
    return report
