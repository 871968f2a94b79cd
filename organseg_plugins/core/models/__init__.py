"""Pure-PyTorch networks of the papers (no framework): discriminators, the liver U-Net, DnCNN-SR."""

from .discriminators import PatchGANDiscriminator, ThreeConvDiscriminator
from .dncnn_sr import DnCNNSR, upsample
from .liver_unet import TABLE4_DROPOUT, LiverUNet

__all__ = ["DnCNNSR", "LiverUNet", "PatchGANDiscriminator", "TABLE4_DROPOUT", "ThreeConvDiscriminator", "upsample"]
