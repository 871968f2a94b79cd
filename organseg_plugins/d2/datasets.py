"""Register organ COCO-instance datasets in detectron2's DatasetCatalog (one class per organ)."""

from __future__ import annotations

import glob
import os.path as osp
import re

from detectron2.data import DatasetCatalog
from detectron2.data.datasets import register_coco_instances

from organseg_plugins.core.errors import OrgansegInputError


def register_organ_coco(name: str, json_file: str, image_root: str, category: str = "organ") -> None:
    """Register one COCO instances file (idempotent: an already-registered name is left alone).

    Args:
        name: dataset name for ``cfg.DATASETS``.
        json_file: COCO instances JSON (one category, RLE or polygon masks).
        image_root: folder that the JSON's ``file_name`` entries are relative to.
        category: the organ's name, kept in the metadata.
    """
    if not osp.isfile(json_file):
        raise OrgansegInputError(f"dataset {name!r}: COCO file not found: {json_file}")
    if not osp.isdir(image_root):
        raise OrgansegInputError(f"dataset {name!r}: image root not found: {image_root}")
    if name not in DatasetCatalog:
        register_coco_instances(name, {"organ": category}, json_file, image_root)


def register_organ_splits(prefix: str, root: str, category: str = "organ") -> list[str]:
    """Register ``{prefix}_{split}`` for every ``root/annotations/instances_{split}.json``.

    Returns:
        The registered dataset names.
    """
    files = sorted(glob.glob(osp.join(root, "annotations", "instances_*.json")))
    if not files:
        raise OrgansegInputError(
            f"no COCO files {osp.join(root, 'annotations', 'instances_*.json')}; generate phantoms with "
            "'python datasets_prep/make_phantoms.py --out data/phantom' or set ORGANSEG.DATA_ROOT"
        )
    names = []
    for json_file in files:
        split = re.sub(r"^instances_|\.json$", "", osp.basename(json_file))
        name = f"{prefix}_{split}"
        register_organ_coco(name, json_file, root, category)
        names.append(name)
    return names
