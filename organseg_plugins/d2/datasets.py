"""Register organ COCO-instance datasets in detectron2's DatasetCatalog (one class per organ).

Each COCO file is checked against its images (:func:`organseg_plugins.core.io.coco.check_coco_file`: the image
files exist and have the JSON's size, categories, boxes, degenerate polygons, duplicate ids) once, in the main
process, before detectron2 reads it: when the registered dataset is first loaded (``DatasetCatalog.get``, which
detectron2's loader builders call before any DataLoader worker starts), or up front with
:func:`check_organ_datasets` (``tools/train_net.py`` checks ``DATASETS.TRAIN`` and ``DATASETS.TEST`` before
building the model). Every problem is one line naming the JSON, the image and the annotation id, all in one
:class:`~organseg_plugins.core.errors.OrgansegInputError` (one ``error:`` line each on the command line),
instead of a failure inside a DataLoader worker or an annotation dropped without a word.
"""

from __future__ import annotations

import functools
import glob
import os
import os.path as osp
import re
from collections.abc import Iterable

from detectron2.data import DatasetCatalog, MetadataCatalog
from detectron2.data.datasets import load_coco_json

from organseg_plugins.core.errors import OrgansegInputError, input_error_lines
from organseg_plugins.core.io.coco import check_coco_file

__all__ = ["check_organ_coco", "check_organ_datasets", "register_organ_coco", "register_organ_splits"]

#: ``{dataset name: (json_file, image_root)}`` of the datasets registered here.
_ORGAN_DATASETS: dict[str, tuple[str, str]] = {}
#: Files that passed the check: ``(json, image root, json mtime_ns, json size)``.
_CHECKED: set[tuple[str, str, int, int]] = set()


def _check_key(json_file: str, image_root: str) -> tuple[str, str, int, int] | None:
    try:
        st = os.stat(json_file)
    except OSError:
        return None
    return osp.realpath(json_file), osp.realpath(image_root), st.st_mtime_ns, st.st_size


def _coco_problem_lines(name: str, json_file: str, image_root: str) -> list[str]:
    """A heading and one line per problem of the dataset's COCO file (``[]`` when it is valid or checked)."""
    key = _check_key(json_file, image_root)
    if key is not None and key in _CHECKED:
        return []
    problems = check_coco_file(json_file, image_root)
    if not problems:
        if key is not None:
            _CHECKED.add(key)
        return []
    n = len(problems)
    return [f"dataset {name!r}: {n} problem{'' if n == 1 else 's'} in its COCO file {json_file} "
            f"(images under {image_root}):", *problems]


def check_organ_coco(name: str, json_file: str, image_root: str) -> None:
    """Check one COCO file against its images (once per version of the file).

    Raises:
        OrgansegInputError: Listing every problem, one line each (see :func:`check_coco_file`).
    """
    lines = _coco_problem_lines(name, json_file, image_root)
    if lines:
        raise input_error_lines(lines)


def check_organ_datasets(names: Iterable[str]) -> None:
    """Check the COCO files of the datasets registered by :func:`register_organ_coco` among ``names``.

    Other datasets (detectron2's builtin ones, ones registered elsewhere) are left to detectron2.

    Raises:
        OrgansegInputError: Listing every problem of every dataset, one line each.
    """
    lines: list[str] = []
    for name in dict.fromkeys(names):
        if name in _ORGAN_DATASETS:
            lines += _coco_problem_lines(name, *_ORGAN_DATASETS[name])
    if lines:
        raise input_error_lines(lines)


def _load_checked_coco(name: str, json_file: str, image_root: str) -> list[dict]:
    """detectron2's ``load_coco_json`` after :func:`check_organ_coco` (the function registered per dataset)."""
    check_organ_coco(name, json_file, image_root)
    return load_coco_json(json_file, image_root, name)


def register_organ_coco(name: str, json_file: str, image_root: str, category: str = "organ") -> None:
    """Register one COCO instances file (idempotent: an already-registered name is left alone).

    As detectron2's ``register_coco_instances`` (same metadata: ``json_file``, ``image_root``,
    ``evaluator_type="coco"``, ``organ``), except that loading the dataset first checks the file against its
    images (:func:`check_organ_coco`).

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
        DatasetCatalog.register(name, functools.partial(_load_checked_coco, name, json_file, image_root))
        MetadataCatalog.get(name).set(json_file=json_file, image_root=image_root, evaluator_type="coco",
                                      organ=category)
        _ORGAN_DATASETS[name] = (json_file, image_root)


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
