"""MMSegmentation adapter: importing it registers organseg_plugins modules into mmseg's registries.

Configs load it with ``custom_imports = dict(imports=['organseg_plugins.mm'], allow_failed_imports=False)``.
Only this package (and :mod:`organseg_plugins.d2`) touches a framework; the logic lives in the core.
"""

from . import (  # noqa: F401  (imported for their registration side effects)
    adversarial,
    datasets,
    denoise,
    hooks,
    liver_unet,
    losses,
    metrics,
    models,
    postprocess,
    prediction_writer,
    transforms,
    tta,
)
from .datasets import BinaryOrganDataset, LiverCTDataset, SpleenUSDataset
from .hooks import CheckFiniteLossHook
from .metrics import OrganSegMetric
from .transforms import LoadBinaryAnnotations

__all__ = ["BinaryOrganDataset", "CheckFiniteLossHook", "LiverCTDataset", "LoadBinaryAnnotations",
           "OrganSegMetric", "SpleenUSDataset"]
