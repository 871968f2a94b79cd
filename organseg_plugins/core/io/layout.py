"""The one writer of the project's MMSegmentation layout (what every converter and the phantoms write).

::

    OUT/img_dir/{split}/<stem>.png           images
    OUT/ann_dir/{split}/<stem>.png           0/1 masks, same stem
    OUT/meta.csv                             one row per image: ``filename``, ``split``, per-image values
    OUT/annotations/instances_{split}.json   COCO instances, ``file_name`` relative to OUT

Every file is written atomically; in a dry run nothing is written but the bookkeeping (image
records, annotation counts) is the same, so a converter's summary does not depend on ``dry_run``.

Cases in parallel (:func:`organseg_plugins.core.parallel.map_cases`): each worker adds its case's images to
a writer of its own (which writes the PNG files) and returns :attr:`MMSegLayoutWriter.entries`; the
caller :meth:`~MMSegLayoutWriter.merge` s them, case by case in case order, into one writer that numbers
the images and writes ``meta.csv`` and the COCO files once, so every file is the same for any number
of workers. Object masks are kept as compressed RLE (a few hundred bytes a slice, not the mask).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from pycocotools import mask as mask_utils

from .atomic import atomic_imwrite_png, atomic_write_bytes, atomic_write_json
from .coco import build_coco
from .tables import write_csv

__all__ = ["SPLITS", "LayoutEntry", "MMSegLayoutWriter"]

#: The split names of the layout (``img_dir/{split}``), in order; the one definition, imported everywhere.
SPLITS: tuple[str, ...] = ("train", "val", "test")


@dataclass(frozen=True)
class LayoutEntry:
    """One image added to a writer, as another writer takes it over (:meth:`MMSegLayoutWriter.merge`).

    Attributes:
        split: Its split.
        stem: Its file stem.
        height: Image height.
        width: Image width.
        row: Its ``meta.csv`` row (``filename`` and ``split`` included).
        objects: ``(category id, compressed RLE)`` per object, in order.
        outputs: The files written for it, relative to the output folder.
    """

    split: str
    stem: str
    height: int
    width: int
    row: dict
    objects: tuple[tuple[int, dict], ...]
    outputs: tuple[str, ...]


def _rle(mask: np.ndarray) -> dict | np.ndarray:
    """A 2-D mask as pycocotools' compressed RLE (what :func:`~.coco.build_coco` decodes to the same array);
    anything else unchanged (:func:`~.coco.build_coco` refuses it)."""
    m = np.ascontiguousarray(mask, dtype=np.uint8)
    if m.ndim != 2:
        return mask
    rle = mask_utils.encode(np.asfortranarray(m))
    return {"size": [int(rle["size"][0]), int(rle["size"][1])], "counts": rle["counts"]}


class MMSegLayoutWriter:
    """Collects images, masks, objects and ``meta.csv`` rows per split, then writes COCO and the CSV.

    Args:
        out_dir: Output folder (the caller has checked it with ``check_output_dir``).
        dry_run: Write nothing.

    Example::

        writer = MMSegLayoutWriter(out, dry_run)
        writer.add("train", "case1_0001", image, mask, {"case_id": "case1"})
        writer.finish(("filename", "split", "case_id"), [{"id": 1, "name": "liver"}])
    """

    def __init__(self, out_dir: str | os.PathLike, dry_run: bool = False) -> None:
        self.out = Path(out_dir)
        self.dry_run = dry_run
        self.records: dict[str, list[dict]] = {}
        self.objects: dict[str, list[tuple[int, int, dict]]] = {}
        self.rows: list[dict] = []
        self.outputs: list[str] = []
        self.entries: list[LayoutEntry] = []

    def add(
        self,
        split: str,
        stem: str,
        image: np.ndarray | None,
        mask: np.ndarray | None,
        row: Mapping[str, Any] | None = None,
        objects: Sequence[np.ndarray] | None = None,
        image_bytes: bytes | None = None,
        size: tuple[int, int] | None = None,
    ) -> int:
        """Add one image of ``split``; returns its COCO image id (1, 2, ... within the split).

        Args:
            split: Split name (``train``/``val``/``test``).
            stem: Output file stem (image and mask share it).
            image: Image array to encode as PNG (ignored when ``image_bytes`` is given).
            mask: HxW 0/1 mask written to ``ann_dir``; ``None`` writes no mask file.
            row: Extra ``meta.csv`` values (``filename`` and ``split`` are set here).
            objects: Object masks for COCO (default: the mask itself as one object; ``[]``: none).
            image_bytes: PNG bytes to copy as they are (no re-encoding).
            size: ``(height, width)`` when neither the mask nor the image gives it.
        """
        ref = mask if mask is not None else image
        h, w = size if size is not None else (int(ref.shape[0]), int(ref.shape[1]))
        written: list[str] = []
        if not self.dry_run:
            img_rel, ann_rel = f"img_dir/{split}/{stem}.png", f"ann_dir/{split}/{stem}.png"
            if image_bytes is not None:
                atomic_write_bytes(self.out / img_rel, image_bytes)
            elif image is not None:
                atomic_imwrite_png(self.out / img_rel, image)
            written.append(img_rel)
            if mask is not None:
                atomic_imwrite_png(self.out / ann_rel, mask)
                written.append(ann_rel)
        objs = [mask] if objects is None and mask is not None else list(objects or [])
        return self._record(LayoutEntry(split, stem, int(h), int(w),
                                        {**dict(row or {}), "filename": f"{stem}.png", "split": split},
                                        tuple((1, _rle(m)) for m in objs), tuple(written)))

    def _record(self, entry: LayoutEntry) -> int:
        recs = self.records.setdefault(entry.split, [])
        image_id = len(recs) + 1
        recs.append({"id": image_id, "file_name": f"img_dir/{entry.split}/{entry.stem}.png",
                     "height": entry.height, "width": entry.width})
        self.objects.setdefault(entry.split, []).extend((image_id, cat, rle) for cat, rle in entry.objects)
        self.rows.append(entry.row)
        self.outputs += entry.outputs
        self.entries.append(entry)
        return image_id

    def merge(self, entries: Iterable[LayoutEntry]) -> None:
        """Take over images added to another writer of the same folder (its :attr:`entries`, files already
        written): they get the next image ids of their splits, as if added here in that order."""
        for entry in entries:
            self._record(entry)

    def images_per_split(self) -> dict[str, int]:
        """Number of images added per split (sorted by split name)."""
        return {sp: len(r) for sp, r in sorted(self.records.items())}

    def finish(
        self,
        columns: Sequence[str],
        categories: Sequence[Mapping[str, Any]] | None,
        polygons: bool = False,
        info: Mapping[str, Any] | None = None,
    ) -> tuple[dict[str, int], list[tuple[str, str]]]:
        """Write ``annotations/instances_{split}.json`` (unless ``categories`` is None) and ``meta.csv``.

        Args:
            columns: ``meta.csv`` columns, in order.
            categories: COCO categories (objects use category id 1), or ``None`` for no COCO files.
            polygons: COCO polygons instead of compressed RLE.
            info: COCO ``info`` block; ``{split}`` in its ``description`` is filled in.

        Returns:
            ``(annotations per split, warnings as (image file, message))``.
        """
        n_anns: dict[str, int] = {}
        warnings: list[tuple[str, str]] = []
        if categories is not None:
            for sp, recs in sorted(self.records.items()):
                sp_info = None
                if info is not None:
                    sp_info = {k: (v.format(split=sp) if isinstance(v, str) else v) for k, v in info.items()}
                coco, warns = build_coco(recs, self.objects.get(sp, []), categories, polygons, info=sp_info)
                warnings += [(recs[image_id - 1]["file_name"], msg) for image_id, msg in warns]
                n_anns[sp] = len(coco["annotations"])
                if not self.dry_run:
                    atomic_write_json(self.out / "annotations" / f"instances_{sp}.json", coco)
                    self.outputs.append(f"annotations/instances_{sp}.json")
        if not self.dry_run and self.rows:
            write_csv(self.out / "meta.csv", columns, sorted(self.rows, key=lambda r: r["filename"]))
            self.outputs.append("meta.csv")
        return n_anns, warnings
