"""Detectron2 adapter: config keys, dataset registration and config loading for organseg_plugins.

Named ``d2`` (never ``detectron2``) so it cannot shadow the framework. Only this package and
:mod:`organseg_plugins.mm` import a framework.
"""

from .config import add_organseg_config, load_config
from .datasets import check_organ_coco, check_organ_datasets, register_organ_coco, register_organ_splits
from .evaluation import OrganMaskEvaluator

__all__ = ["OrganMaskEvaluator", "add_organseg_config", "check_organ_coco", "check_organ_datasets", "load_config",
           "register_organ_coco", "register_organ_splits"]
