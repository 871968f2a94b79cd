"""Per-image Dice and IoU of a run (the organ class), whichever framework wrote its per-image CSV: the data
of the box plots and the rows of the qualitative grid."""

from __future__ import annotations

from pathlib import Path

from .records import RunRecord

__all__ = ["ground_truth_path", "image_scores"]


def image_scores(run: RunRecord) -> list[dict]:
    """``[{"image": path, "stem": stem, "dice": %, "iou": %}]`` of the run's organ-class rows.

    mmseg's ``per_image.csv`` gives ``img_path``/``dice``/``iou`` (one row per organ class, background
    excluded); detectron2's ``organ_masks_per_image.csv`` gives ``file_name``/``PixelF1``/``MaskIoU``.
    """
    out = []
    for r in run.per_image:
        if r.get("class") == "background":
            continue
        image = str(r.get("img_path") or r.get("file_name") or "")
        dice = r.get("dice", r.get("PixelF1"))
        iou = r.get("iou", r.get("MaskIoU"))
        if dice is None or iou is None:
            continue
        out.append({"image": image, "stem": Path(image).stem, "dice": float(dice), "iou": float(iou)})
    return out


def ground_truth_path(image: str) -> Path:
    """The mask of an image of the MMSeg layout: ``.../img_dir/<split>/x.png`` -> ``.../ann_dir/<split>/x.png``."""
    p = Path(image)
    parts = list(p.parts)
    if "img_dir" in parts:
        parts[len(parts) - 1 - parts[::-1].index("img_dir")] = "ann_dir"
    return Path(*parts).with_suffix(".png")
