"""Binary masks <-> COCO RLE / polygons, and COCO instance dicts built from / decoded to masks.

All masks are HxW ``uint8`` arrays with values 0/1 (``bool`` input is accepted). RLEs are the
pycocotools *compressed* form ``{"size": [h, w], "counts": str}`` (counts decoded to UTF-8 so
the dict is JSON-serialisable); uncompressed RLEs (``counts`` a list of ints) and polygon lists
are accepted wherever a segmentation is read.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import cv2
import numpy as np
from pycocotools import mask as mask_utils

__all__ = [
    "mask_to_rle",
    "rle_to_mask",
    "mask_to_polygons",
    "polygons_to_mask",
    "segmentation_to_mask",
    "masks_to_coco",
    "coco_to_masks",
]


def _as_binary(mask: np.ndarray) -> np.ndarray:
    mask = np.asarray(mask)
    if mask.ndim != 2:
        raise ValueError(f"expected a 2-D mask, got shape {mask.shape}")
    if mask.dtype == bool:
        return mask.astype(np.uint8)
    if mask.size and not np.isin(np.unique(mask), (0, 1)).all():
        raise ValueError(f"expected a 0/1 mask, got values {np.unique(mask)[:10].tolist()}")
    return mask.astype(np.uint8, copy=False)


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
    m = _as_binary(mask)
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
    m = _as_binary(mask)
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
    images: list[dict] = []
    annotations: list[dict] = []
    seen: set[int] = set()
    for i, rec in enumerate(records, start=1):
        if "file_name" not in rec or "mask" not in rec:
            raise ValueError("each record needs 'file_name' and 'mask'")
        image_id = int(rec.get("id", i))
        if image_id in seen:
            raise ValueError(f"duplicate image id {image_id}")
        seen.add(image_id)
        mask = _as_binary(rec["mask"])
        h, w = mask.shape
        image = {"id": image_id, "file_name": str(rec["file_name"]), "height": int(h), "width": int(w)}
        image.update(dict(rec.get("extra", {})))
        images.append(image)
        if not mask.any():
            continue
        cat_id = int(rec.get("category_id", cats[0]["id"]))
        if cat_id not in cat_ids:
            raise ValueError(f"unknown category id {cat_id} for {rec['file_name']}")
        rle = mask_utils.encode(np.asfortranarray(mask))
        annotations.append(
            {
                "id": len(annotations) + 1,
                "image_id": image_id,
                "category_id": cat_id,
                "segmentation": {"size": [int(h), int(w)], "counts": rle["counts"].decode("utf-8")},
                "area": float(mask_utils.area(rle)),
                "bbox": [float(v) for v in mask_utils.toBbox(rle)],
                "iscrowd": 0,
            }
        )
    return {
        "info": dict(info) if info is not None else {"description": "organseg_plugins masks_to_coco"},
        "licenses": [],
        "images": images,
        "annotations": annotations,
        "categories": cats,
    }


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
