"""Detectron2 config: the ``ORGANSEG`` keys and a loader whose ``_BASE_`` may name a model-zoo file."""

from __future__ import annotations

import os.path as osp

import yaml
from detectron2.config import CfgNode, get_cfg
from detectron2.model_zoo import get_config_file

from organseg_plugins.core.errors import OrgansegInputError

ZOO_PREFIX = "zoo://"


def add_organseg_config(cfg: CfgNode) -> None:
    """Add the ``ORGANSEG`` keys (like DeepLab's ``add_deeplab_config``).

    Keys:
        ORGANSEG.DATA_ROOT: folder with ``annotations/instances_{split}.json`` and the images.
        ORGANSEG.DATASET_PREFIX: datasets are registered as ``{prefix}_{split}``.
        ORGANSEG.CATEGORY: the organ's name (one class).
        ORGANSEG.EVAL_SCORE_THRESH: instances above it form the union mask for mask metrics.
        ORGANSEG.TRIMAP_WIDTH: Trimap IoU band half-width (pixels).
        ORGANSEG.BOUNDARY_DILATION_RATIO: Boundary IoU band as a fraction of the diagonal (Cheng et al.).
        ORGANSEG.F_TOLERANCE: boundary F-measure tolerance in pixels (0 = 0.008 x diagonal, DAVIS).
        ORGANSEG.F_METHOD: boundary F definition, ``davis`` (the official DAVIS code) or ``distance``.
        ORGANSEG.NSD_TOLERANCE: normalised surface Dice tolerance in pixels (0 = not computed).
    """
    cfg.ORGANSEG = CfgNode()
    cfg.ORGANSEG.DATA_ROOT = "data/phantom/liver_ct"
    cfg.ORGANSEG.DATASET_PREFIX = "organseg_liver"
    cfg.ORGANSEG.CATEGORY = "liver"
    cfg.ORGANSEG.EVAL_SCORE_THRESH = 0.5
    cfg.ORGANSEG.TRIMAP_WIDTH = 5.0
    cfg.ORGANSEG.BOUNDARY_DILATION_RATIO = 0.02
    cfg.ORGANSEG.F_TOLERANCE = 0.0
    cfg.ORGANSEG.F_METHOD = "davis"
    cfg.ORGANSEG.NSD_TOLERANCE = 0.0


def _merge(base: dict, new: dict) -> dict:
    out = dict(base)
    for key, value in new.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def _load_yaml(path: str, seen: tuple[str, ...] = ()) -> dict:
    """Load a yaml config with its ``_BASE_`` chain; ``zoo://X`` names the installed model-zoo file X."""
    if path.startswith(ZOO_PREFIX):
        rel = path[len(ZOO_PREFIX):]
        try:
            path = get_config_file(rel)
        except RuntimeError as err:
            raise OrgansegInputError(f"{seen[-1] if seen else path}: no model-zoo config {rel!r}") from err
    if not osp.isfile(path):
        where = f" (the _BASE_ of {seen[-1]})" if seen else ""
        raise OrgansegInputError(f"config file not found: {path}{where}")
    if path in seen:
        raise OrgansegInputError(f"{path}: _BASE_ cycle {' -> '.join(seen + (path,))}")
    with open(path) as f:
        try:
            data = yaml.safe_load(f) or {}
        except yaml.YAMLError as err:
            raise OrgansegInputError(f"{path}: not valid YAML: {err}") from err
    base = data.pop("_BASE_", None)
    if base is None:
        return data
    if not base.startswith(ZOO_PREFIX) and not osp.isabs(base):
        base = osp.join(osp.dirname(path), base)
    return _merge(_load_yaml(base, seen + (path,)), data)


def load_config(path: str, opts: list[str] | None = None) -> CfgNode:
    """Build a detectron2 config from ``get_cfg()`` + ORGANSEG keys + the yaml chain + ``KEY VALUE`` opts.

    Args:
        path: yaml config; its ``_BASE_`` may be relative, absolute or ``zoo://<model-zoo path>``.
        opts: trailing command-line ``KEY VALUE`` pairs.

    Raises:
        OrgansegInputError: missing file, bad YAML, or a key detectron2 does not know (named).
    """
    cfg = get_cfg()
    add_organseg_config(cfg)
    merged = _load_yaml(path)
    try:
        cfg.merge_from_other_cfg(CfgNode(merged))
        cfg.merge_from_list(list(opts or []))
    except (KeyError, ValueError, AssertionError) as err:
        raise OrgansegInputError(f"{path}: {err}") from err
    return cfg
