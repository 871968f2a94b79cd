"""Binary masks <-> COCO RLE / polygons, and COCO instance dicts built from / decoded to masks.

All masks are HxW ``uint8`` arrays with values 0/1 (``bool`` input is accepted). RLEs are the
pycocotools *compressed* form ``{"size": [h, w], "counts": str}`` (counts decoded to UTF-8 so
the dict is JSON-serialisable); uncompressed RLEs (``counts`` a list of ints) and polygon lists
are accepted wherever a segmentation is read.

The one COCO builder is :func:`build_coco` (image entries + object masks -> instances dict);
:func:`masks_to_coco` is its one-mask-per-image convenience form.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import cv2
import numpy as np
from pycocotools import mask as mask_utils

from .validate import as_binary_mask

__all__ = [
    "mask_to_rle", "rle_to_mask", "mask_to_polygons", "polygons_to_mask", "segmentation_to_mask",
    "annotation_from_mask", "build_coco", "masks_to_coco", "coco_to_masks",
]


def _mask01(mask: np.ndarray, source: str = "mask") -> np.ndarray:
    return as_binary_mask(mask, source, ndim=(2,))


def mask_to_rle(mask: np.ndarray) -> dict:
    """Encode a binary mask as a compressed COCO RLE.

    Args:
        mask: HxW 0/1 (or bool) mask.

    Returns:
        ``{"size": [h, w], "counts": str}`` -- pycocotools' compressed RLE with ``counts``
        decoded to a UTF-8 string (JSON-ready).

    Raises:
        ValueError: If the mask is not 2-D or not binary.
    """
    m = _mask01(mask)
    rle = mask_utils.encode(np.asfortranarray(m))
    return {"size": [int(rle["size"][0]), int(rle["size"][1])], "counts": rle["counts"].decode("utf-8")}

def _to_coco_rle(rle: Mapping[str, Any], height: int | None, width: int | None) -> dict:
    """Return a pycocotools-ready compressed RLE (counts as bytes)."""
    if "counts" not in rle or "size" not in rle:
        raise ValueError("an RLE needs 'size' and 'counts'")
    h, w = int(rle["size"][0]), int(rle["size"][1])
    if (height is not None and int(height) != h) or (width is not None and int(width) != w):
        raise ValueError(f"RLE size {[h, w]} does not match the given height/width {[height, width]}")
    counts = rle["counts"]
    if isinstance(counts, list | tuple):  # uncompressed RLE
        return mask_utils.frPyObjects({"size": [h, w], "counts": list(counts)}, h, w)
    if isinstance(counts, str):
        counts = counts.encode("utf-8")
    return {"size": [h, w], "counts": counts}

def rle_to_mask(rle: Mapping[str, Any], height: int | None = None, width: int | None = None) -> np.ndarray:
    """Decode a COCO RLE to a binary mask.

    Args:
        rle: Compressed (``counts`` str/bytes) or uncompressed (``counts`` list) RLE with ``size``.
        height: Optional expected height; checked against ``rle["size"]``.
        width: Optional expected width; checked against ``rle["size"]``.

    Returns:
        HxW uint8 0/1 mask.

    Raises:
        ValueError: If the RLE is malformed or its size disagrees with ``height``/``width``.
    """
    m = mask_utils.decode(_to_coco_rle(rle, height, width))
    return np.ascontiguousarray(m, dtype=np.uint8)

def mask_to_polygons(mask: np.ndarray, min_points: int = 3) -> list[list[float]]:
    """Trace the outer contours of a binary mask as COCO polygons.

    Uses ``cv2.findContours`` with ``RETR_EXTERNAL`` and ``CHAIN_APPROX_NONE``: one polygon per
    connected component (a two-part organ gives two polygons; holes are ignored). Vertices are
    boundary-pixel centres, so rasterising the polygons back (:func:`polygons_to_mask`) is an
    approximation that may lose part of the outermost pixel ring; use RLE for exact round trips.

    Args:
        mask: HxW 0/1 (or bool) mask.
        min_points: Contours with fewer vertices (single pixels, 1-pixel lines of 2 points) are
            dropped, since COCO polygons need at least 3 points.

    Returns:
        A list of flat ``[x0, y0, x1, y1, ...]`` float lists, largest area first.
    """
    m = _mask01(mask)
    contours, _ = cv2.findContours(m, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    kept = [c.reshape(-1, 2) for c in contours if len(c) >= min_points]
    kept.sort(key=lambda c: (-abs(cv2.contourArea(c.astype(np.float32))), int(c[0, 1]), int(c[0, 0])))
    return [c.astype(np.float64).ravel().tolist() for c in kept]

def polygons_to_mask(polys: Sequence[Sequence[float]], height: int, width: int) -> np.ndarray:
    """Rasterise COCO polygons (union) with pycocotools.

    Args:
        polys: Flat ``[x0, y0, x1, y1, ...]`` polygons (at least 3 points each).
        height: Mask height.
        width: Mask width.

    Returns:
        HxW uint8 0/1 mask (all zeros for an empty list).
    """
    polys = [list(map(float, p)) for p in polys if len(p) >= 6]
    if not polys:
        return np.zeros((int(height), int(width)), np.uint8)
    rles = mask_utils.frPyObjects(polys, int(height), int(width))
    return np.ascontiguousarray(mask_utils.decode(mask_utils.merge(rles)), dtype=np.uint8)

def segmentation_to_mask(segm: Any, height: int, width: int) -> np.ndarray:
    """Decode any COCO ``segmentation`` value (polygons, compressed or uncompressed RLE).

    Args:
        segm: A list of polygons or an RLE dict.
        height: Image height.
        width: Image width.

    Returns:
        HxW uint8 0/1 mask.
    """
    if isinstance(segm, Mapping):
        return rle_to_mask(segm, height, width)
    if isinstance(segm, list | tuple):
        return polygons_to_mask(segm, height, width)
    raise ValueError(f"unsupported segmentation type {type(segm).__name__}")


def annotation_from_mask(
    mask: np.ndarray,
    ann_id: int,
    image_id: int,
    category_id: int,
    polygons: bool = False,
    iscrowd: int = 0,
) -> tuple[dict | None, str | None]:
    """One COCO annotation for one object mask (all its connected components together).

    Args:
        mask: HxW 0/1 mask of the object.
        ann_id: Annotation id.
        image_id: Image id.
        category_id: Category id.
        polygons: Write ``segmentation`` as polygons (one per connected component) instead of a
            compressed RLE. If a component is too small to be traced as a polygon (fewer than 3
            contour points, e.g. a single pixel), the whole object is written as RLE instead and a
            warning is returned, so no region is ever dropped.
        iscrowd: COCO ``iscrowd`` flag.

    Returns:
        ``(annotation, warning)``; the annotation is ``None`` for an empty mask. ``area`` and
        ``bbox`` are the mask's pixel area and tight box (pycocotools), in both modes.
    """
    m = np.ascontiguousarray(mask, dtype=np.uint8)
    if not m.any():
        return None, None
    h, w = m.shape
    rle = mask_utils.encode(np.asfortranarray(m))
    ann: dict[str, Any] = {
        "id": int(ann_id),
        "image_id": int(image_id),
        "category_id": int(category_id),
        "area": float(mask_utils.area(rle)),
        "bbox": [float(v) for v in mask_utils.toBbox(rle)],
        "iscrowd": int(iscrowd),
    }
    warning = None
    if polygons:
        polys = mask_to_polygons(m)
        n_comp = cv2.connectedComponents(m, connectivity=8)[0] - 1
        if len(polys) < n_comp or not polys:
            warning = (
                f"{n_comp} region(s) but only {len(polys)} traceable as polygons "
                "(a region is too thin/small); this object is written as RLE so nothing is dropped"
            )
        else:
            ann["segmentation"] = polys
            return ann, None
    ann["segmentation"] = {"size": [int(h), int(w)], "counts": rle["counts"].decode("utf-8")}
    return ann, warning

def build_coco(
    images: Sequence[Mapping[str, Any]],
    objects: Sequence[tuple[int, int, np.ndarray]],
    categories: Sequence[Mapping[str, Any]],
    polygons: bool = False,
    info: Mapping[str, Any] | None = None,
) -> tuple[dict, list[tuple[int, str]]]:
    """COCO instances dict from image entries and object masks.

    Args:
        images: COCO image entries (``id``, ``file_name``, ``height``, ``width``, extras allowed).
        objects: ``(image_id, category_id, mask)`` per object; every object becomes exactly one
            annotation (empty masks are skipped), in the given order, ids 1..N.
        categories: COCO categories (``id``, ``name``; ``supercategory`` defaults to ``"organ"``).
        polygons: Polygons instead of RLE (see :func:`annotation_from_mask`).
        info: COCO ``info`` block (default: a fixed description, so output is deterministic).

    Returns:
        ``(coco_dict, warnings)`` with warnings as ``(image_id, message)``.

    Raises:
        ValueError: Unknown image/category id or a mask whose size differs from its image entry.
    """
    cats = []
    for c in categories:
        c = dict(c)
        if "id" not in c or "name" not in c:
            raise ValueError(f"a category needs 'id' and 'name', got {c}")
        c.setdefault("supercategory", "organ")
        cats.append(c)
    if not cats:
        raise ValueError("at least one category is required")
    cat_ids = {int(c["id"]) for c in cats}
    sizes = {int(im["id"]): (int(im["height"]), int(im["width"])) for im in images}
    if len(sizes) != len(images):
        raise ValueError("duplicate image ids")
    anns: list[dict] = []
    warnings: list[tuple[int, str]] = []
    for image_id, category_id, mask in objects:
        if int(image_id) not in sizes:
            raise ValueError(f"object refers to unknown image id {image_id}")
        if int(category_id) not in cat_ids:
            raise ValueError(f"object refers to unknown category id {category_id}")
        if tuple(mask.shape) != sizes[int(image_id)]:
            raise ValueError(f"mask shape {mask.shape} differs from image {image_id} size {sizes[int(image_id)]}")
        ann, warn = annotation_from_mask(mask, len(anns) + 1, int(image_id), int(category_id), polygons)
        if warn:
            warnings.append((int(image_id), warn))
        if ann is not None:
            anns.append(ann)
    coco = {
        "info": dict(info) if info is not None else {"description": "organseg_plugins converter"},
        "licenses": [],
        "images": [dict(im) for im in images],
        "annotations": anns,
        "categories": cats,
    }
    return coco, warnings


def masks_to_coco(
    records: Iterable[Mapping[str, Any]],
    categories: Sequence[Mapping[str, Any]],
    info: Mapping[str, Any] | None = None,
) -> dict:
    """Build a COCO instance-segmentation dict with one RLE annotation per (image, mask).

    Each record describes one image::

        {"file_name": "img_dir/train/x.png",   # required
         "mask": HxW 0/1 array,                # required; its shape gives height/width
         "id": 7,                              # optional image id (default 1, 2, ... in order)
         "category_id": 1,                     # optional (default: the first category's id)
         "extra": {...}}                       # optional extra keys for the image entry

    A non-empty mask becomes exactly one annotation (even when it has several connected
    components, e.g. a two-part liver) with ``segmentation`` = compressed RLE (counts str),
    ``area`` and ``bbox`` ``[x, y, w, h]`` from pycocotools, and ``iscrowd`` 0. An empty mask
    gives an image entry without annotations.

    Args:
        records: Image records as above.
        categories: COCO categories, e.g. ``[{"id": 1, "name": "spleen"}]``; a missing
            ``supercategory`` is set to ``"organ"``.
        info: Optional COCO ``info`` block (default: a fixed description, no date, so output is
            deterministic).

    Returns:
        ``{"info", "licenses", "images", "annotations", "categories"}``.

    Raises:
        ValueError: On duplicate image ids, unknown category ids, or a record without
            ``file_name``/``mask``.
    """
    records = list(records)
    images: list[dict] = []
    objects: list[tuple[int, int, np.ndarray]] = []
    default_cat = int(dict(categories[0])["id"]) if categories else 0
    for i, rec in enumerate(records, start=1):
        if "file_name" not in rec or "mask" not in rec:
            raise ValueError("each record needs 'file_name' and 'mask'")
        mask = _mask01(rec["mask"], str(rec["file_name"]))
        image_id = int(rec.get("id", i))
        h, w = mask.shape
        image = {"id": image_id, "file_name": str(rec["file_name"]), "height": int(h), "width": int(w)}
        image.update(dict(rec.get("extra", {})))
        images.append(image)
        objects.append((image_id, int(rec.get("category_id", default_cat)), mask))
    info = dict(info) if info is not None else {"description": "organseg_plugins masks_to_coco"}
    coco, _ = build_coco(images, objects, categories, polygons=False, info=info)
    return coco


def coco_to_masks(coco_dict: Mapping[str, Any], image_id: int, category_id: int | None = None) -> np.ndarray:
    """Union of one image's annotation masks.

    Args:
        coco_dict: COCO instance dict (``images``, ``annotations``).
        image_id: The image whose annotations to decode.
        category_id: Only annotations of this category (default: all categories).

    Returns:
        HxW uint8 0/1 mask (all zeros if the image has no matching annotation).

    Raises:
        KeyError: If ``image_id`` is not among ``coco_dict["images"]``.
    """
    image = next((im for im in coco_dict["images"] if int(im["id"]) == int(image_id)), None)
    if image is None:
        raise KeyError(f"image id {image_id} not in the COCO dict")
    h, w = int(image["height"]), int(image["width"])
    out = np.zeros((h, w), np.uint8)
    for ann in coco_dict.get("annotations", []):
        if int(ann["image_id"]) != int(image_id):
            continue
        if category_id is not None and int(ann["category_id"]) != int(category_id):
            continue
        out |= segmentation_to_mask(ann["segmentation"], h, w)
    return out
