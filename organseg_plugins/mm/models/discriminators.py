"""Register the core's pure-PyTorch networks in mmseg's MODELS registry (no logic here)."""

from mmseg.registry import MODELS

from organseg_plugins.core.models.discriminators import PatchGANDiscriminator, ThreeConvDiscriminator

MODELS.register_module(module=PatchGANDiscriminator)
MODELS.register_module(module=ThreeConvDiscriminator)
