"""MMSegmentation adapter: importing it registers organseg_plugins modules into mmseg's registries.

Configs load it with ``custom_imports = dict(imports=['organseg_plugins.mm'], allow_failed_imports=False)``.
Only this package (and :mod:`organseg_plugins.d2`) touches a framework; the logic lives in the core.
"""

from . import (  # noqa: F401  (imported for their registration side effects)
    adversarial,
    aru_net,
    constrained_unet,
    ct_volume_metric,
    datasets,
    denoise,
    distributed,
    hooks,
    lesion_datasets,
    liver_unet,
    losses,
    losses_softmax,
    metrics,
    models,
    paper_heads,
    postprocess,
    prediction_writer,
    transforms,
    tta,
    us_baselines,
    val_loss,
    volume_dataset,
    volume_metric,
    volume_models,
)
from .datasets import BinaryOrganDataset, LiverCTDataset, PancreasCTDataset, SpleenUSDataset
from .hooks import CheckFiniteLossHook
from .metrics import OrganSegMetric
from .transforms import LoadBinaryAnnotations

__all__ = ["BinaryOrganDataset", "CheckFiniteLossHook", "LiverCTDataset", "LoadBinaryAnnotations",
           "OrganSegMetric", "PancreasCTDataset", "SpleenUSDataset"]
