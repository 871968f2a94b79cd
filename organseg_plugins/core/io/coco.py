"""Binary masks <-> COCO RLE / polygons, and COCO instance dicts built from / decoded to masks.

All masks are HxW ``uint8`` arrays with values 0/1 (``bool`` input is accepted). RLEs are the
pycocotools *compressed* form ``{"size": [h, w], "counts": str}`` (counts decoded to UTF-8 so
the dict is JSON-serialisable); uncompressed RLEs (``counts`` a list of ints) and polygon lists
are accepted wherever a segmentation is read.

The one COCO builder is :func:`build_coco` (image entries + object masks -> instances dict);
:func:`masks_to_coco` is its one-mask-per-image convenience form. The one COCO reader is
:func:`read_coco_file`; :func:`check_coco_file` checks a file against its images (one line per problem) before
anything trains on it, with :func:`segmentation_problems` / :func:`polygon_problem` for single annotations.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from pycocotools import mask as mask_utils

from ..errors import OrgansegInputError
from .validate import as_binary_mask

__all__ = [
    "mask_to_rle", "rle_to_mask", "mask_to_polygons", "polygons_to_mask", "segmentation_to_mask",
    "annotation_from_mask", "build_coco", "masks_to_coco", "coco_to_masks",
    "read_coco_file", "polygon_problem", "segmentation_problems", "check_coco_file",
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
        objects: ``(image_id, category_id, mask)`` per object, the mask an array or a compressed RLE
            (``{"size", "counts"}``); every object becomes exactly one annotation (empty masks are
            skipped), in the given order, ids 1..N.
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
        if isinstance(mask, Mapping):
            mask = rle_to_mask(mask)
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


# --- reading a COCO file and checking it against its images (used by the d2 registration and the converters) ---

def read_coco_file(path: str | os.PathLike) -> dict:
    """Read a COCO instances JSON.

    Returns:
        The parsed dict (``images`` a list; ``annotations`` a list or absent).

    Raises:
        OrgansegInputError: Missing or unparsable file, or no ``images``/``annotations`` lists.
    """
    p = Path(path)
    if not p.is_file():
        raise OrgansegInputError(f"{p}: COCO file does not exist")
    try:
        coco = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise OrgansegInputError(f"{p}: cannot parse the COCO JSON ({exc})") from exc
    if not isinstance(coco, dict) or not isinstance(coco.get("images"), list) or not isinstance(
        coco.get("annotations", []), list
    ):
        raise OrgansegInputError(f"{p}: not a COCO instances file (needs 'images' and 'annotations' lists)")
    return coco


def _is_int(v: Any) -> bool:
    return isinstance(v, int | np.integer) and not isinstance(v, bool)


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float | np.integer | np.floating) and not isinstance(v, bool) and math.isfinite(v)


def polygon_problem(poly: Any) -> str | None:
    """What makes one COCO polygon unusable, or ``None`` for a usable one.

    A polygon is a flat ``[x0, y0, x1, y1, ...]`` list of at least 3 points that encloses an area; pycocotools
    rasterises anything less to an empty mask (and detectron2 drops it without a word).

    Returns:
        The end of a sentence starting with "polygon", e.g. ``"with 2 points (a polygon needs >= 3)"``,
        ``"with an odd number of coordinates (7)"``, ``"with zero area (its 4 points lie on one line)"``.
    """
    if not isinstance(poly, list | tuple):
        return f"is a {type(poly).__name__}, not a [x0, y0, x1, y1, ...] list"
    if not all(_is_number(v) for v in poly):
        return "with a coordinate that is not a finite number"
    if len(poly) % 2:
        return f"with an odd number of coordinates ({len(poly)})"
    n = len(poly) // 2
    if n < 3:
        return f"with {n} point{'' if n == 1 else 's'} (a polygon needs >= 3)"
    d = np.asarray(poly, np.float64).reshape(-1, 2)
    d = d - d[0]
    far = d[int(np.argmax(np.hypot(d[:, 0], d[:, 1])))]
    length = float(np.hypot(*far))
    if length == 0:
        return f"with zero area (its {n} points are one point)"
    off_line = np.abs(d[:, 0] * far[1] - d[:, 1] * far[0]) / length  # distance of each point to the line
    if float(off_line.max()) < 1e-6:
        return f"with zero area (its {n} points lie on one line)"
    return None


def segmentation_problems(segm: Any, height: int | None = None, width: int | None = None) -> list[str]:
    """What makes a COCO ``segmentation`` unusable (one line per problem), or ``[]``.

    Polygon lists are checked polygon by polygon (:func:`polygon_problem`); an RLE for its ``size`` and
    ``counts`` (and, given ``height``/``width``, its size against the image's); nothing is decoded.
    """
    if segm is None:
        return ["no 'segmentation'"]
    if isinstance(segm, Mapping):
        if "size" not in segm or "counts" not in segm:
            return ["RLE segmentation without 'size' and 'counts'"]
        size = segm["size"]
        if not (isinstance(size, list | tuple) and len(size) == 2 and all(_is_int(v) and v > 0 for v in size)):
            return [f"RLE 'size' {size!r} is not [height, width]"]
        if not isinstance(segm["counts"], str | bytes | list):
            return [f"RLE 'counts' is a {type(segm['counts']).__name__}, not a string or a list"]
        if height is not None and width is not None and [int(v) for v in size] != [int(height), int(width)]:
            return [f"RLE size {[int(v) for v in size]} (height, width) differs from the image's "
                    f"[{int(height)}, {int(width)}]"]
        return []
    if not isinstance(segm, list | tuple):
        return [f"segmentation is a {type(segm).__name__}, not polygons or an RLE"]
    if not segm:
        return ["empty segmentation (no polygon)"]
    if all(_is_number(v) for v in segm):
        return ["segmentation is one flat list of numbers; COCO polygons are a list of lists [[x0, y0, ...], ...]"]
    out = []
    for k, poly in enumerate(segm, start=1):
        why = polygon_problem(poly)
        if why is not None:
            out.append(f"polygon {why}" if len(segm) == 1 else f"polygon {k} of {len(segm)} {why}")
    return out


def _image_file_size(path: str) -> tuple[int, int]:
    """``(width, height)`` of an image file from its header, as detectron2 will load it (PIL, EXIF orientation).

    Raises:
        OrgansegInputError: Naming the file, when its header cannot be read.
    """
    from PIL import Image

    try:
        with Image.open(path) as im:
            w, h = im.size
            # detectron2's read_image applies the EXIF orientation; JPEG/TIFF/WebP carry it in the header
            # (PNG's getexif would decode the pixels)
            if im.format in ("JPEG", "MPO", "TIFF", "WEBP") and im.getexif().get(0x0112, 1) in (5, 6, 7, 8):
                w, h = h, w
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as exc:
        raise OrgansegInputError(f"{path}: cannot read the image header ({exc})") from exc
    return int(w), int(h)


def _check_categories(coco: Mapping[str, Any], problems: list[str]) -> set[int]:
    """The category ids of ``coco``; problems appended."""
    cats = coco.get("categories")
    if not isinstance(cats, list) or not cats:
        problems.append("no 'categories' (a list of {'id', 'name'} is needed to train)")
        return set()
    ids: set[int] = set()
    for k, cat in enumerate(cats, start=1):
        cid = cat.get("id") if isinstance(cat, Mapping) else None
        if not _is_int(cid):
            problems.append(f"category entry {k} has no integer 'id'")
            continue
        if int(cid) in ids:
            problems.append(f"category id {cid} is listed twice")
        elif not isinstance(cat.get("name"), str) or not cat.get("name"):
            problems.append(f"category id {cid} has no 'name'")
        ids.add(int(cid))
    return ids


def _check_image_entries(coco: Mapping[str, Any], problems: list[str]) -> dict[int, Mapping[str, Any]]:
    """``{image id: entry}`` of the usable image entries (id, file_name, height, width); problems appended."""
    images: dict[int, Mapping[str, Any]] = {}
    by_name: dict[str, int] = {}
    for k, im in enumerate(coco["images"], start=1):
        iid = im.get("id") if isinstance(im, Mapping) else None
        if not _is_int(iid):
            problems.append(f"image entry {k} has no integer 'id'")
            continue
        iid = int(iid)
        fname = im.get("file_name")
        if not isinstance(fname, str) or not fname:
            problems.append(f"image id {iid} has no 'file_name'")
            continue
        if iid in images:
            problems.append(f"image id {iid} is listed twice ({images[iid]['file_name']!r} and {fname!r})")
            continue
        if fname in by_name:
            problems.append(f"image file {fname!r} is listed twice (image ids {by_name[fname]} and {iid})")
        by_name.setdefault(fname, iid)
        bad = [key for key in ("height", "width") if not (_is_int(im.get(key)) and im.get(key) > 0)]
        if bad:
            problems.append(f"image id {iid} {fname!r}: no positive integer {' and '.join(repr(b) for b in bad)}")
            continue
        images[iid] = im
    return images


def _check_image_files(images: Mapping[int, Mapping[str, Any]], image_root: str, check_sizes: bool,
                       problems: list[str]) -> None:
    """Each image's file exists under ``image_root`` (and has the JSON's size); problems appended."""
    missing = [(iid, im) for iid, im in images.items() if not os.path.isfile(os.path.join(image_root, im["file_name"]))]
    if len(images) > 1 and len(missing) == len(images):
        iid, im = missing[0]
        problems.append(f"none of its {len(images)} image files is under {image_root} (e.g. image id {iid} "
                        f"{im['file_name']!r}); is the image root right?")
        return
    for iid, im in missing:
        problems.append(f"image id {iid} {im['file_name']!r}: file not found under {image_root}")
    if not check_sizes:
        return
    absent = {iid for iid, _ in missing}
    for iid, im in images.items():
        if iid in absent:
            continue
        path = os.path.join(image_root, im["file_name"])
        try:
            w, h = _image_file_size(path)
        except OrgansegInputError as exc:
            problems.append(f"image id {iid} {im['file_name']!r}: {str(exc).removeprefix(f'{path}: ')}")
            continue
        if (w, h) != (int(im["width"]), int(im["height"])):
            problems.append(f"image id {iid} {im['file_name']!r}: the file is {w}x{h} (width x height) but the "
                            f"JSON says width {im['width']}, height {im['height']}")


def _check_annotations(coco: Mapping[str, Any], images: Mapping[int, Mapping[str, Any]], cat_ids: set[int],
                       problems: list[str]) -> None:
    """Each annotation: unique id, known image and category, a box, a usable segmentation; problems appended."""
    listed = {int(im["id"]) for im in coco["images"] if isinstance(im, Mapping) and _is_int(im.get("id"))}
    seen: set[int] = set()
    for k, ann in enumerate(coco.get("annotations", []), start=1):
        aid = ann.get("id") if isinstance(ann, Mapping) else None
        if not _is_int(aid):
            problems.append(f"annotation entry {k} has no integer 'id'")
            continue
        if int(aid) in seen:
            problems.append(f"annotation id {aid} is used twice (annotation ids must be unique)")
            continue
        seen.add(int(aid))
        iid = ann.get("image_id")
        im = images.get(int(iid)) if _is_int(iid) else None
        if im is None:
            if not (_is_int(iid) and int(iid) in listed):  # else its image entry's problem is reported
                problems.append(f"annotation id {aid}: its image id {iid!r} is not in 'images'")
            continue
        where = f"annotation id {aid} (image {im['file_name']!r})"
        cid = ann.get("category_id")
        if not (_is_int(cid) and int(cid) in cat_ids):
            problems.append(f"{where}: unknown category id {cid!r} (categories: {sorted(cat_ids)})")
        bbox = ann.get("bbox")
        if bbox is None:
            problems.append(f"{where}: no 'bbox'")
        elif not (isinstance(bbox, list | tuple) and len(bbox) == 4 and all(_is_number(v) for v in bbox)):
            problems.append(f"{where}: bbox {bbox!r} is not [x, y, width, height]")
        elif bbox[2] <= 0 or bbox[3] <= 0:
            problems.append(f"{where}: bbox {list(bbox)} has no area (width and height must be > 0)")
        for why in segmentation_problems(ann.get("segmentation"), im["height"], im["width"]):
            problems.append(f"{where}: {why}")


def check_coco_file(json_path: str | os.PathLike, image_root: str | os.PathLike,
                    check_sizes: bool = True) -> list[str]:
    """Check a COCO instances file against its images, before anything trains on it.

    Checked: the file parses as COCO; categories (a list, integer ids, unique, named); images (integer ids,
    unique ids and file names, positive height/width, the file exists as ``image_root/file_name`` -- as
    detectron2 joins them -- and, with ``check_sizes``, its header size (after the EXIF orientation, as
    detectron2 loads it) equals the JSON's width/height); annotations (integer unique ids, a known image and
    category, a 4-number ``bbox`` with width and height > 0, a ``segmentation`` whose polygons have >= 3
    points and an area, or an RLE of the image's size). Only image headers are read.

    Args:
        json_path: The COCO instances JSON.
        image_root: The folder its ``file_name`` entries are relative to.
        check_sizes: Also compare each image file's size with the JSON (reads each header).

    Returns:
        One line per problem, each starting with ``json_path``, e.g.
        ``"<json>: image id 3 'img_003.png': file not found under <root>"`` or
        ``"<json>: annotation id 17 (image 'x.png'): polygon with 2 points (a polygon needs >= 3)"``;
        ``[]`` for a valid file. When no image file at all is found, one line says so (the root is wrong)
        instead of one line per image.
    """
    src = str(json_path)
    try:
        coco = read_coco_file(json_path)
    except OrgansegInputError as exc:
        return [str(exc)]
    problems: list[str] = []
    cat_ids = _check_categories(coco, problems)
    images = _check_image_entries(coco, problems)
    _check_image_files(images, str(image_root), check_sizes, problems)
    _check_annotations(coco, images, cat_ids, problems)
    return [f"{src}: {p}" for p in problems]
