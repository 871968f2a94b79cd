"""MMSegmentation adapter: importing it registers organseg_plugins modules into mmseg's registries.

Configs load it with ``custom_imports = dict(imports=['organseg_plugins.mm'], allow_failed_imports=False)``.
Laid out like ``mmseg/``: ``datasets`` (+ ``transforms``), ``models`` (backbones, decode heads, losses,
segmentors), ``evaluation/metrics``, ``engine`` (hooks, optimizer constructors) and ``apis``. Only this
package (and :mod:`organseg_plugins.d2`) touches a framework; the logic lives in the core.
"""

from . import (  # noqa: F401  (imported for their registration side effects)
           datasets,
           engine,
           evaluation,
           models,
)
from .datasets import (
           BinaryOrganDataset,
           LiverCTDataset,
           LoadBinaryAnnotations,
           PancreasCTDataset,
           SpleenUSDataset,
)
from .engine import CheckFiniteLossHook
from .evaluation import OrganSegMetric

__all__ = ["BinaryOrganDataset", "CheckFiniteLossHook", "LiverCTDataset", "LoadBinaryAnnotations",
           "OrganSegMetric", "PancreasCTDataset", "SpleenUSDataset"]
