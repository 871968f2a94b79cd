"""Models registered in mmseg's ``MODELS``: backbones, decode heads, losses, segmentors and the non-segmentation
models (DnCNN-SR restoration, DeepSPV volume estimators), discriminators and the mask post-processor."""

from . import backbones, decode_heads, losses, segmentors  # noqa: F401  (registration)
from .discriminators import PatchGANDiscriminator, ThreeConvDiscriminator
from .dncnn_sr import DnCNNSRModel
from .postprocessor import OrganMaskPostProcessor
from .volume_estimators import CNNVolumeModel, LinearVolumeModel, RVAEVolumeModel

__all__ = ["CNNVolumeModel", "DnCNNSRModel", "LinearVolumeModel", "OrganMaskPostProcessor", "PatchGANDiscriminator",
           "RVAEVolumeModel", "ThreeConvDiscriminator"]
